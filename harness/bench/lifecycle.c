/*
 * lifecycle.c: the job's life the benchmarks time, and its databases.
 */
#include "bench.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The program's name in its messages, from argv[0]. */
static const char *program = "bench";

_Noreturn void bench_fail(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", program);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(2);
}

/* The option called `name`, or NULL. */
static bench_option *find_option(bench_option *options, size_t count,
                                 const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

void bench_parse_args(int argc, char **argv, const char *usage,
                      bench_option *options, size_t count)
{
    const char *slash = strrchr(argv[0], '/');
    program = slash ? slash + 1 : argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        }
    }
    for (int i = 1; i < argc; i += 2) {
        bench_option *o = find_option(options, count, argv[i]);
        if (o == NULL)
            bench_fail("unknown option '%s' (see --help)", argv[i]);
        if (i + 1 == argc)
            bench_fail("missing value for option '%s' (see --help)", argv[i]);
        o->value = argv[i + 1];
    }
    for (size_t k = 0; k < count; k++)
        if (options[k].required && options[k].value == NULL)
            bench_fail("%s is required (see --help)", options[k].name);
}

int bench_int(const bench_option *o, int fallback, int lo, int hi)
{
    if (o->value == NULL)
        return fallback;
    long value;
    if (!tracker_parse_whole(o->value, lo, hi, &value))
        bench_fail("%s: '%s' is not a whole number from %d to %d", o->name,
                   o->value, lo, hi);
    return (int)value;
}

/* Room a program keeps in a path beyond its directory, for the file
 * names it adds ("/tracker-delete-off-retry-writes.db" and the like). */
#define NAME_ROOM 64

const char *bench_dir(const bench_option *o)
{
    struct stat st;
    const char *dir = o->value;
    if (*dir == '\0')
        bench_fail("%s: empty path", o->name);
    if (stat(dir, &st) != 0)
        bench_fail("%s '%s': %s (it must exist)", o->name, dir,
                   strerror(errno));
    if (!S_ISDIR(st.st_mode))
        bench_fail("%s '%s': not a directory", o->name, dir);
    if (access(dir, W_OK | X_OK) != 0)
        bench_fail("%s '%s': not writable: %s", o->name, dir, strerror(errno));
    char *cwd = dir[0] == '/' ? NULL : getcwd(NULL, 0);
    size_t length = strlen(dir) + (cwd ? strlen(cwd) + 1 : 0);
    free(cwd);
    int limit = sqlite3_vfs_find(NULL)->mxPathname;
    if (length + NAME_ROOM >= (size_t)limit)
        bench_fail("%s '%s': too long: %zu characters made absolute, at "
                   "most %d here",
                   o->name, dir, length, limit - NAME_ROOM - 1);
    return dir;
}

/* Is `name` one of the comma-separated names in `list`? */
static bool in_list(const char *list, const char *name)
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

/* Refuse a profile name that is not built in, listing the known ones. */
static _Noreturn void unknown_profile(const bench_option *o, const char *name,
                                      int length)
{
    fprintf(stderr, "%s: %s: unknown profile '%.*s' (known:", program, o->name,
            length, name);
    for (size_t i = 0; i < tracker_profile_count(); i++)
        fprintf(stderr, "%s %s", i ? "," : "", tracker_profile_at(i)->name);
    fputs(")\n", stderr);
    exit(2);
}

int bench_profiles(const bench_option *o, const char *fallback,
                   const tracker_profile **out, int max)
{
    const char *list = o->value ? o->value : fallback;
    for (const char *at = list; at && *at; at += *at == ',') {
        size_t n = strcspn(at, ",");
        bool known = false;
        for (size_t i = 0; i < tracker_profile_count() && !known; i++) {
            const char *name = tracker_profile_at(i)->name;
            known = strlen(name) == n && strncmp(name, at, n) == 0;
        }
        if (!known && n > 0)
            unknown_profile(o, at, (int)n);
        at += n;
    }
    int count = 0;
    for (size_t i = 0; i < tracker_profile_count(); i++)
        if (list == NULL || in_list(list, tracker_profile_at(i)->name)) {
            if (count == max)
                bench_fail("%s: '%s': more than %d profiles", o->name,
                           list ? list : "all", max);
            out[count++] = tracker_profile_at(i);
        }
    if (count == 0)
        bench_fail("%s: '%s': no profile named", o->name, list);
    return count;
}

const tracker_profile *bench_profile(const bench_option *o,
                                     const char *fallback)
{
    const char *name = o->value ? o->value : fallback;
    const tracker_profile *p = tracker_profile_find(name);
    if (p == NULL)
        unknown_profile(o, name, (int)strlen(name));
    return p;
}
