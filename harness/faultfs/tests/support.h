/*
 * support.h: helpers shared by the faultfs tests (scratch directories,
 * SQL, bounded child processes). Nothing here asserts; tests do.
 */
#ifndef FAULTFS_TEST_SUPPORT_H
#define FAULTFS_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "faultfs.h"

/* A fresh directory under $TMPDIR holding the test's files. */
typedef struct scratch {
    char dir[256];
    char db[320]; /* dir/test.db */
} scratch;

bool scratch_make(scratch *s);
/* dir/name into out. */
void scratch_path(const scratch *s, const char *name, char *out, size_t size);
/* Remove every file in the directory, then the directory. */
void scratch_remove(scratch *s);

/* The scratch directory of the running test, made by test_setup and
 * removed by test_teardown (which also unregisters faultfs). */
extern scratch test_dir;
int test_setup(void **state);
int test_teardown(void **state);

/* The first line of a file into out; false if there is none. */
bool read_first_line(const char *path, char *out, size_t size);

/* The lines of the test's event log (test_dir.db + ".events") that
 * contain both `what` and `effect`; 0 when there is no log. */
int count_events(const char *what, const char *effect);
/* Open with extended result codes; returns the extended code. */
int db_open(const char *path, const char *vfs, sqlite3 **db);
/* Run SQL; returns the extended code. */
int db_exec(sqlite3 *db, const char *sql);
/* The first column of the first row as text into out ("" if none). */
int db_query_text(sqlite3 *db, const char *sql, char *out, size_t size);

/* Install a configuration; returns the result code (message in err). */
int install(const char *config);
extern char install_error[512];

/*
 * Run fn(arg) in a forked child and wait for it at most timeout_s seconds
 * (killing it after that). Returns the wait status; *timed_out says whether
 * it had to be killed. The child's exit code is fn's return value.
 */
int run_child(int (*fn)(void *), void *arg, double timeout_s, bool *timed_out);
/* Start fn(arg) in a child and return its pid (the caller reaps it). */
int start_child(int (*fn)(void *), void *arg);
/* Wait for pid at most timeout_s, then kill it; as run_child. */
int wait_child(int pid, double timeout_s, bool *timed_out);

/* Is the test running under valgrind? */
bool under_valgrind(void);

#endif
