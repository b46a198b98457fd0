/*
 * support.h: what the tracker's tests share: scratch directories, raw SQL
 * on the database, recording hooks, and a fault seam.
 */
#ifndef TRACKER_TEST_SUPPORT_H
#define TRACKER_TEST_SUPPORT_H

#include "tracker.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* ----------------------------------------------------- scratch directory */

/* cmocka setup/teardown whose state is a scratch directory. */
int scratch_setup(void **state);
int scratch_teardown(void **state);

/* A fresh directory under $TMPDIR (or /tmp); removed with its contents. */
char *scratch_dir_new(void);
void scratch_dir_free(char *dir);
/* "<dir>/<name>", malloc'd. */
char *scratch_path(const char *dir, const char *name);
bool file_exists(const char *path);
/* How many entries the directory holds (not . and ..). */
int dir_entry_count(const char *dir);

/* ------------------------------------------------------------ raw SQL */

/* Run SQL on its own connection (default VFS); fails the test on error. */
void sql_exec(const char *db_path, const char *sql);
/* The first column of the first row as text, or NULL; caller frees. */
char *sql_text(const char *db_path, const char *sql);
long long sql_int(const char *db_path, const char *sql);
/* Bytes 18 and 19 of the database header: 1 for rollback, 2 for WAL. */
int db_header_format(const char *db_path);

/* -------------------------------------------------------------- hooks */

#define MAX_RECORDED_SLEEPS 64

/* A sleep hook that records instead of sleeping, and may act on the Nth
 * sleep (to end a fault or release a lock: a transient failure). */
typedef struct sleep_log {
    int count;
    double seconds[MAX_RECORDED_SLEEPS];
    int act_after; /* run `action` on this sleep (1-based), 0: never */
    void (*action)(void *ctx);
    void *action_ctx;
} sleep_log;

void sleep_log_hook(void *ctx, double seconds);
/* A random source that always answers the value pointed to by ctx. */
double fixed_random(void *ctx);

/* Options for the named profile with recording sleep and fixed jitter. */
void test_options(tracker_options *o, const char *profile, sleep_log *log,
                  double *jitter_value);
/* Open or fail the test. */
tracker *open_tracker(const char *path, const tracker_options *o);
/* Open under a profile with the recording sleep hook of no one: for tests
 * that do not look at retries. */
tracker *open_tracker_profile(const char *path, const char *profile);

/* ------------------------------------------------------------ faults */

/*
 * Make system calls of the unix VFS fail with errno `error`, through
 * SQLite's own xSetSystemCall seam (the unix VFS reports it as it would a
 * real failure). `skip` calls pass first, then `count` fail; then all pass.
 */
typedef enum fault_call {
    FAULT_READ,
    FAULT_WRITE,
    FAULT_CALL_COUNT
} fault_call;

void faults_install(void);
void faults_arm(fault_call call, int skip, int count, int error);
void faults_disarm(void);
int faults_injected(fault_call call);

#endif
