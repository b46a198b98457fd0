/*
 * scratch.c: scratch directories for tests, made and removed whole.
 */
#define _GNU_SOURCE /* asprintf, nftw */
#include "testsupport.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

char *scratch_dir_make(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix) <
        0)
        return NULL;
    if (mkdtemp(dir) == NULL) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* nftw callback: remove one entry, children before their directory. */
static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void scratch_dir_remove(const char *dir)
{
    if (dir)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
