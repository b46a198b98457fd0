/*
 * bench.h: what the benchmark programs of `make bench` share (issue 7).
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

/* The value of "--name VALUE" in argv, or NULL. */
const char *bench_arg(int argc, char **argv, const char *name);
/* The same as a positive int, or `fallback` when absent; -1 when malformed. */
int bench_int_arg(int argc, char **argv, const char *name, int fallback);

/* Is `name` one of the comma-separated names in `list`? */
bool bench_in_list(const char *list, const char *name);

#endif
