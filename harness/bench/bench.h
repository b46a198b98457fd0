/*
 * bench.h: what the benchmark programs of `make bench` share.
 *
 * Each program measures one idea and prints raw measurements as CSV;
 * bench.py runs them, takes medians and ratios, and writes the summary.
 * lifecycle.c holds the one job's life every program times, and the
 * databases it runs against.
 */
#ifndef BENCH_H
#define BENCH_H

#include "tracker.h"

#include <stdbool.h>
#include <stddef.h>

/* The experiment_id of every benchmark task. */
#define BENCH_EXPERIMENT "bench"

/* Monotonic seconds. */
double bench_now(void);

/* The variable of task i ("bench.v000042"). */
void bench_variable(int index, char *buf, size_t size);

/* The variable of task i, in C and in SQL's printf. */
#define BENCH_VARIABLE_FORMAT "bench.v%06d"

/* A fresh database at `path` (and no -journal, -wal, -shm beside it),
 * opened with `profile` (its journal mode persists in the file) and
 * holding `tasks` tasks in `status` ("pending", or "failed": a pool of
 * jobs to rerun, not done and not listed as unfinished), each with a PBS
 * job id. The tasks are added in one transaction: set-up, not measured.
 * SQLITE_OK, or an error in err. */
int bench_prepare_database(const char *path, const tracker_profile *profile,
                           int tasks, const char *status, char *err,
                           size_t err_size);

/* One job's life through the tracker, as trackhammer's built-in job lives
 * it with no work: open, is_done, mark_running, mark_completed, close.
 * SQLITE_OK, or the failing call's code with the formatted error in err. */
int bench_job_life(const char *path, const tracker_options *options,
                   const char *variable, char *err, size_t err_size);

/* One "--name VALUE" option of a bench program's command line. */
typedef struct bench_option {
    const char *name; /* "--dir" */
    bool required;
    const char *value; /* set by bench_parse_args; NULL when absent */
} bench_option;

/* argv as "--name VALUE" pairs of `options`: --help or -h prints `usage`
 * on stdout and exits 0; an unknown option, a missing value or a missing
 * required option exits 2 with one line on stderr. */
void bench_parse_args(int argc, char **argv, const char *usage,
                      bench_option *options, size_t count);

/* "PROGRAM: MESSAGE" as one line on stderr, then exit 2 (a bad command
 * line). */
_Noreturn void bench_fail(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* The option as a whole number in [lo, hi], `fallback` when absent. */
int bench_int(const bench_option *o, int fallback, int lo, int hi);

/* The option as an existing writable directory, short enough that SQLite
 * takes the file names a program puts in it. Never made here: bench.py
 * makes each fresh. */
const char *bench_dir(const bench_option *o);

/* The built-in profiles the option names, comma separated (`fallback`
 * when absent; every one when that is NULL too), in the matrix's order,
 * into out[0..max-1]; returns how many. An unknown name, or none, is a
 * bad command line. */
int bench_profiles(const bench_option *o, const char *fallback,
                   const tracker_profile **out, int max);

/* The one built-in profile the option names (`fallback` when absent). */
const tracker_profile *bench_profile(const bench_option *o,
                                     const char *fallback);

#endif
