/*
 * paths.c: where the programs of analysis/ find the published table, as
 * clean absolute paths: a message about it names a file the user can find,
 * never "build/../share/...".
 */
#include "analysis.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* PREFIX/name into buf, for the program at PREFIX/bin/NAME (its path
 * absolute, with no "." or ".." in it, as the kernel gives it). */
static void under_prefix(const char *program, const char *name, char *buf,
                         size_t size)
{
    size_t length = strlen(program);
    for (int level = 0; level < 2 && length > 0; level++) {
        while (length > 0 && program[length - 1] != '/')
            length--; /* the last component */
        while (length > 1 && program[length - 1] == '/')
            length--; /* and the slashes before it */
    }
    snprintf(buf, size, "%.*s%s%s", (int)length, program,
             length > 0 && program[length - 1] == '/' ? "" : "/", name);
}

/* Whether a readable file is at path. */
static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

const char *default_reference(void)
{
    static char path[PATH_MAX + 64];
    char resolved[PATH_MAX];
    /* The source tree's copy, from the current directory. */
    if (realpath(REFERENCE_IN_TREE, resolved)) {
        snprintf(path, sizeof path, "%s", resolved);
        return path;
    }
    /* The program's own path (the kernel's, already absolute and
     * resolved): the build tree copies the table beside the program;
     * PREFIX/bin/th-report finds it in PREFIX/share/trackhammer/. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return REFERENCE_IN_TREE; /* no /proc: the usual place */
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash ? slash - exe : 0), exe,
             REFERENCE_NAME);
    if (readable(path))
        return path;
    under_prefix(exe, REFERENCE_INSTALLED, path, sizeof path);
    return path;
}
