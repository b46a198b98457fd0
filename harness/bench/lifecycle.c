/*
 * lifecycle.c: the job's life the benchmarks time, and its databases.
 */
#include "bench.h"

#include <sqlite3.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_variable(int index, char *buf, size_t size)
{
    snprintf(buf, size, BENCH_VARIABLE_FORMAT, index);
}

/* Remove a database and the files SQLite keeps beside it. */
static void remove_database(const char *path)
{
    static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
    char name[4096];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        unlink(name);
    }
}

/* The tracker's error as one line in err; returns its code. */
static int tracker_failure(const tracker_error *e, char *err, size_t err_size)
{
    tracker_error_format(e, err, err_size);
    return e->code ? e->code : SQLITE_ERROR;
}

/* The tasks, in one transaction on a bare connection. */
static const char add_tasks_sql[] =
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
    "WHERE i + 1 < ?1) "
    "INSERT INTO cmor_tasks (variable, experiment_id, status, pbs_job_id) "
    "SELECT printf('" BENCH_VARIABLE_FORMAT "', i), '" BENCH_EXPERIMENT "', "
    "?2, printf('%d.bench-pbs', 100000 + i) FROM n";

/* Add the tasks; SQLITE_OK or an error in err. */
static int add_tasks(const char *path, int tasks, const char *status,
                     char *err, size_t err_size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, add_tasks_sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(stmt, 1, tasks);
        sqlite3_bind_text(stmt, 2, status, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, err_size, "adding %d tasks to '%s': %s", tasks, path,
                 sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
    return rc;
}

int bench_prepare_database(const char *path, const tracker_profile *profile,
                           int tasks, const char *status, char *err,
                           size_t err_size)
{
    remove_database(path);
    tracker_options options;
    tracker_options_init(&options, profile);
    tracker *t = NULL;
    tracker_error e;
    int rc = tracker_open(path, &options, &t, &e);
    tracker_free(t);
    if (rc != SQLITE_OK)
        return tracker_failure(&e, err, err_size);
    return add_tasks(path, tasks, status, err, err_size);
}

int bench_job_life(const char *path, const tracker_options *options,
                   const char *variable, char *err, size_t err_size)
{
    tracker *t = NULL;
    tracker_error e;
    if (tracker_open(path, options, &t, &e) != SQLITE_OK)
        return tracker_failure(&e, err, err_size);
    bool done = false;
    int rc = tracker_is_done(t, variable, BENCH_EXPERIMENT, &done);
    if (rc == SQLITE_OK && !done)
        rc = tracker_mark_running(t, variable, BENCH_EXPERIMENT);
    if (rc == SQLITE_OK && !done)
        rc = tracker_mark_completed(t, variable, BENCH_EXPERIMENT);
    if (rc != SQLITE_OK)
        rc = tracker_failure(tracker_last_error(t), err, err_size);
    tracker_free(t);
    return rc;
}

const char *bench_arg(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

int bench_int_arg(int argc, char **argv, const char *name, int fallback)
{
    const char *text = bench_arg(argc, argv, name);
    if (text == NULL)
        return fallback;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end || end == text || value < 1 || value > INT_MAX)
        return -1;
    return (int)value;
}

bool bench_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *at = list; at && *at; at = strchr(at, ',')) {
        if (*at == ',')
            at++;
        if (strncmp(at, name, n) == 0 && (at[n] == ',' || at[n] == '\0'))
            return true;
    }
    return false;
}
