/*
 * bench_overhead.c: what the tracker library costs over bare SQLite
 *.
 *
 * For each profile, one process times the job's life (open, is_done,
 * mark_running, mark_completed, close) through the tracker, and the same
 * life as a bare SQLite C loop: the floor. The floor issues exactly the
 * statements the tracker issued, in the same transactions: it is the
 * tracker's own statement trace (sqlite3_trace_v2 on every connection,
 * installed as an auto-extension while one recorded life runs), replayed
 * with prepare, bind, step and reset on a connection opened with the same
 * flags and busy timeout. No SQL is restated here, so the floor cannot
 * drift from the tracker.
 *
 * Tracker and floor run in pairs of batches, side by side on twin
 * databases, the order alternating from pair to pair. One CSV row per
 * pair on stdout: fs,profile,pair,first,tracker_us,floor_us (per job).
 *
 * Usage: bench_overhead --dir DIR --fs LABEL [--pairs N] [--batch B]
 *                       [--profiles A,B,...]
 */
#include "bench.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_MAX 64

/* One job's life as the statements it ran: each step names a distinct SQL
 * text (a slot), prepared once per connection as the tracker does. */
typedef struct trace {
    int steps;
    int step_slot[TRACE_MAX];
    int slots;
    char *slot_sql[TRACE_MAX];
    int slot_params[TRACE_MAX];
    int overflow; /* more statements than TRACE_MAX */
} trace;

/* The trace being recorded, for the callback. */
static trace *recording;

/* SQLITE_TRACE_STMT: a statement starts; trigger comments are skipped. */
static int record_statement(unsigned type, void *ctx, void *stmt, void *sql)
{
    (void)type;
    (void)ctx;
    (void)sql;
    const char *text = sqlite3_sql(stmt);
    if (recording == NULL || text == NULL || strncmp(text, "--", 2) == 0)
        return 0;
    if (recording->steps == TRACE_MAX) {
        recording->overflow = 1;
        return 0;
    }
    int slot = 0;
    while (slot < recording->slots && strcmp(recording->slot_sql[slot], text))
        slot++;
    if (slot == recording->slots) {
        recording->slot_sql[slot] = strdup(text);
        recording->slot_params[slot] =
            sqlite3_bind_parameter_count((sqlite3_stmt *)stmt);
        recording->slots++;
    }
    recording->step_slot[recording->steps++] = slot;
    return 0;
}

/* Auto-extension entry point: trace every new connection. */
static int trace_connection(sqlite3 *db, char **message,
                            const struct sqlite3_api_routines *api)
{
    (void)message;
    (void)api;
    return sqlite3_trace_v2(db, SQLITE_TRACE_STMT, record_statement, NULL);
}

/* Record the statements of one job's life through the tracker. */
static int record_trace(const char *path, const tracker_options *options,
                        trace *tr, char *err, size_t err_size)
{
    memset(tr, 0, sizeof *tr);
    char variable[64];
    bench_variable(0, variable, sizeof variable);
    recording = tr;
    sqlite3_auto_extension((void (*)(void))trace_connection);
    int rc = bench_job_life(path, options, variable, err, err_size);
    sqlite3_cancel_auto_extension((void (*)(void))trace_connection);
    recording = NULL;
    if (rc == SQLITE_OK && (tr->overflow || tr->steps == 0)) {
        snprintf(err, err_size, "recorded %d statements (at most %d fit)",
                 tr->steps, TRACE_MAX);
        rc = SQLITE_ERROR;
    }
    for (int s = 0; rc == SQLITE_OK && s < tr->slots; s++)
        if (tr->slot_params[s] > 2) {
            snprintf(err, err_size,
                     "statement with %d parameters, the floor "
                     "binds only variable and experiment: %s",
                     tr->slot_params[s], tr->slot_sql[s]);
            rc = SQLITE_ERROR;
        }
    return rc;
}

static void trace_free(trace *tr)
{
    for (int s = 0; s < tr->slots; s++)
        free(tr->slot_sql[s]);
}

/* Run one recorded statement on the floor's connection. */
static int floor_step(sqlite3 *db, sqlite3_stmt **prepared, const trace *tr,
                      int slot, const char *variable)
{
    if (prepared[slot] == NULL) {
        int rc = sqlite3_prepare_v3(db, tr->slot_sql[slot], -1,
                                    SQLITE_PREPARE_PERSISTENT, &prepared[slot],
                                    NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    sqlite3_stmt *stmt = prepared[slot];
    if (tr->slot_params[slot] >= 1)
        sqlite3_bind_text(stmt, 1, variable, -1, SQLITE_STATIC);
    if (tr->slot_params[slot] >= 2)
        sqlite3_bind_text(stmt, 2, BENCH_EXPERIMENT, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The floor: the recorded life replayed with bare SQLite calls. */
static int floor_job_life(const char *path, const trace *tr, int busy_ms,
                          const char *variable, char *err, size_t err_size)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *prepared[TRACE_MAX] = { 0 };
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, busy_ms);
    }
    for (int i = 0; rc == SQLITE_OK && i < tr->steps; i++)
        rc = floor_step(db, prepared, tr, tr->step_slot[i], variable);
    if (rc != SQLITE_OK)
        snprintf(err, err_size, "floor: %s", sqlite3_errmsg(db));
    for (int s = 0; s < tr->slots; s++)
        sqlite3_finalize(prepared[s]);
    sqlite3_close_v2(db);
    return rc;
}

/* What one batch runs: the tracker, or the floor. */
typedef struct contender {
    const char *path;
    const tracker_options *options;
    const trace *floor; /* NULL: the tracker */
} contender;

/* Seconds per job over `batch` lives on tasks first..first+batch-1. */
static double time_batch(const contender *c, int first, int batch, char *err,
                         size_t err_size)
{
    double start = bench_now();
    for (int i = 0; i < batch; i++) {
        char variable[64];
        bench_variable(first + i, variable, sizeof variable);
        int rc = c->floor ? floor_job_life(c->path, c->floor,
                                           c->options->profile.busy_timeout_ms,
                                           variable, err, err_size)
                          : bench_job_life(c->path, c->options, variable, err,
                                           err_size);
        if (rc != SQLITE_OK)
            return -1;
    }
    return (bench_now() - start) / batch;
}

/* Both contenders on twin databases, pair after pair; a CSV row each. */
static int measure_profile(const char *dir, const char *fs,
                           const tracker_profile *profile, int pairs,
                           int batch)
{
    char err[1024], paths[3][4096];
    const char *names[3] = { "trace", "tracker", "floor" };
    int tasks = 1 + pairs * batch;
    for (int k = 0; k < 3; k++) {
        snprintf(paths[k], sizeof paths[k], "%s/%s-%s.db", dir, names[k],
                 profile->name);
        if (bench_prepare_database(paths[k], profile, tasks, "pending", err,
                                   sizeof err) != SQLITE_OK) {
            fprintf(stderr, "bench_overhead: %s: %s\n", paths[k], err);
            return 1;
        }
    }
    tracker_options options;
    tracker_options_init(&options, profile);
    trace tr;
    if (record_trace(paths[0], &options, &tr, err, sizeof err) != SQLITE_OK) {
        fprintf(stderr, "bench_overhead: %s: recording: %s\n", profile->name,
                err);
        trace_free(&tr);
        return 1;
    }
    contender tracker_side = { paths[1], &options, NULL };
    contender floor_side = { paths[2], &options, &tr };
    int status = 0;
    for (int p = 0; p < pairs && status == 0; p++) {
        int first = 1 + p * batch;
        bool tracker_first = p % 2 == 0;
        double a = 0, b = 0;
        if (tracker_first)
            a = time_batch(&tracker_side, first, batch, err, sizeof err);
        b = time_batch(&floor_side, first, batch, err, sizeof err);
        if (!tracker_first)
            a = time_batch(&tracker_side, first, batch, err, sizeof err);
        if (a < 0 || b < 0) {
            fprintf(stderr, "bench_overhead: %s: %s\n", profile->name, err);
            status = 1;
        } else {
            printf("%s,%s,%d,%s,%.3f,%.3f\n", fs, profile->name, p,
                   tracker_first ? "tracker" : "floor", a * 1e6, b * 1e6);
            fflush(stdout);
        }
    }
    fprintf(stderr, "bench_overhead: %s on %s: %d statements per job\n",
            profile->name, fs, tr.steps);
    trace_free(&tr);
    return status;
}

static const char usage[] =
    "usage: bench_overhead --dir DIR --fs LABEL [--pairs N] [--batch B]\n"
    "                      [--profiles A,B,...]\n"
    "\n"
    "Times the job's life through the tracker against its bare SQLite\n"
    "floor, in pairs of batches; one CSV row a pair on stdout:\n"
    "fs,profile,pair,first,tracker_us,floor_us.\n"
    "\n"
    "  --dir DIR          an existing directory for the databases\n"
    "  --fs LABEL         the file system's name in the rows\n"
    "  --pairs N          pairs of batches, 1 to 100000 [default: 15]\n"
    "  --batch B          jobs a batch, 1 to 100000 [default: 20]\n"
    "  --profiles A,B,... built-in profiles [default: all]\n"
    "\n"
    "Exit status: 0 done, 1 a measurement failed, 2 bad command line.\n";

/* A profile's twin databases hold 1 + pairs * batch tasks: an int, and a
 * few minutes of set-up at most. */
#define MAX_TASKS 10000000

int main(int argc, char **argv)
{
    bench_option options[] = {
        { "--dir", true, NULL },       { "--fs", true, NULL },
        { "--pairs", false, NULL },    { "--batch", false, NULL },
        { "--profiles", false, NULL },
    };
    bench_parse_args(argc, argv, usage, options,
                     sizeof options / sizeof *options);
    const char *dir = bench_dir(&options[0]);
    const char *fs = options[1].value;
    if (*fs == '\0' || fs[strcspn(fs, ",\"\r\n")] != '\0')
        bench_fail("--fs: '%s': a CSV field needs a label without commas, "
                   "quotes or line breaks",
                   fs);
    int pairs = bench_int(&options[2], 15, 1, 100000);
    int batch = bench_int(&options[3], 20, 1, 100000);
    if ((long long)pairs * batch >= MAX_TASKS)
        bench_fail("--pairs %d x --batch %d: more than %d jobs", pairs, batch,
                   MAX_TASKS - 1);
    const tracker_profile *profiles[16];
    int count = bench_profiles(&options[4], NULL, profiles, 16);
    int status = 0;
    for (int i = 0; i < count && status == 0; i++)
        status = measure_profile(dir, fs, profiles[i], pairs, batch);
    return status;
}
