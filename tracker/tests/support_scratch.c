/*
 * support_scratch.c: scratch directories and raw SQL for the tests.
 */
#define _GNU_SOURCE /* asprintf */
#include "support.h"
#include "testsupport.h"

#include <dirent.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

char *scratch_dir_new(void)
{
    char *dir = scratch_dir_make("trackhammer-test");
    assert_non_null(dir);
    return dir;
}

void scratch_dir_free(char *dir)
{
    scratch_dir_remove(dir);
    free(dir);
}

int scratch_setup(void **state)
{
    *state = scratch_dir_new();
    return 0;
}

int scratch_teardown(void **state)
{
    scratch_dir_free(*state);
    return 0;
}

char *scratch_path(const char *dir, const char *name)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    return path;
}

bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int dir_entry_count(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static sqlite3 *raw_open(const char *db_path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix");
    if (rc != SQLITE_OK)
        fail_msg("open %s: %s", db_path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    return db;
}

void sql_exec(const char *db_path, const char *sql)
{
    sqlite3 *db = raw_open(db_path);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

char *sql_text(const char *db_path, const char *sql)
{
    sqlite3 *db = raw_open(db_path);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    char *text = NULL;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
        text = strdup((const char *)sqlite3_column_text(stmt, 0));
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return text;
}

long long sql_int(const char *db_path, const char *sql)
{
    char *text = sql_text(db_path, sql);
    assert_non_null(text);
    long long v = strtoll(text, NULL, 10);
    free(text);
    return v;
}

int db_header_format(const char *db_path)
{
    unsigned char header[20];
    FILE *f = fopen(db_path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(header, 1, sizeof header, f), sizeof header);
    fclose(f);
    assert_int_equal(header[18], header[19]);
    return header[18];
}
