/*
 * results.c: a trackhammer run's results, as tests read them: the run
 * directory a command made, and a figure of one of its CSV files; each
 * a cmocka assertion where there is none.
 */
#define _GNU_SOURCE /* asprintf */
#include "testsupport.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

char *results_run_dir(const char *dir)
{
    char *out = NULL, *path = NULL;
    if (asprintf(&out, "%s/out", dir) < 0)
        return NULL;
    DIR *d = opendir(out);
    struct dirent *e;
    bool more_than_one = false;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "realfs-logs", 11) == 0)
            continue;
        more_than_one = more_than_one || path != NULL;
        free(path);
        if (asprintf(&path, "%s/%s", out, e->d_name) < 0)
            path = NULL;
    }
    if (d)
        closedir(d);
    free(out);
    assert_false(more_than_one);
    assert_non_null(path);
    return path;
}

long long results_query(const char *results, const char *file, const char *sql)
{
    char *path = NULL;
    long long value = -1;
    assert_true(asprintf(&path, "%s/%s", results, file) > 0);
    assert_int_equal(csv_file_query(path, sql, &value), 0);
    free(path);
    return value;
}
