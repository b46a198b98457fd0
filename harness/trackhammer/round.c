/*
 * round.c: one round of one profile across every rank.
 *
 * Rank 0 plays the batch driver (setup.c) and the monitor; then every rank
 * starts its jobs together after a barrier (meet.c); when all have ended,
 * rank 0 gathers the records, verifies the database and writes the
 * round's results.
 */
#include "trackhammer.h"

#include <mpi.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Memory the job children write and the rank reads after they end. */
static void *shared_memory(size_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("trackhammer: mmap");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return p;
}

int jobs_of_rank(int jobs, int rank, int size)
{
    return rank < jobs ? (jobs - rank + size - 1) / size : 0;
}

void job_spec_init(job_spec *spec, const options *o,
                   const tracker_profile *profile, const char *db_path,
                   int job_index, int round, double storm_start_epoch,
                   const char *fault_log, const char *outcome_file)
{
    memset(spec, 0, sizeof *spec);
    spec->opts = o;
    spec->profile = profile;
    spec->db_path = db_path;
    spec->job_index = job_index;
    spec->round = round;
    spec->storm_start_epoch = storm_start_epoch;
    variable_name(job_index, spec->variable, sizeof spec->variable);
    spec->outcome_file = outcome_file;
    spec->fault_log = fault_log;
}

/* This rank's jobs of the round: jobs rank, rank+size, ... */
static void fill_specs(const run_context *ctx, const tracker_profile *profile,
                       int round, double storm_start, const char *fault_log,
                       job_spec *specs, char (*outcome_files)[TEXT_MAX],
                       int count)
{
    for (int k = 0; k < count; k++) {
        int index = ctx->rank + k * ctx->size;
        text_format(outcome_files[k], TEXT_MAX, "%s/.outcome-%d-%d",
                    ctx->opts->db_dir, round, index);
        unlink(outcome_files[k]);
        job_spec_init(&specs[k], ctx->opts, profile, ctx->db_path, index,
                      round, storm_start, fault_log, outcome_files[k]);
    }
}

/* Rank 0's word after the set-up: its state (SETUP_*), and when the storm
 * starts. */
enum { SETUP_HARNESS_ERROR = -1, SETUP_FAILED = 0, SETUP_OK = 1 };

/* Rank 0's answer at the set-up's meeting: its state and the storm's
 * start. */
static void fill_setup(double *values, void *arg)
{
    values[0] = *(const int *)arg;
    values[1] = epoch_now();
}

/* The batch driver on rank 0, unless the run is already stopping: its
 * state, its failing call in *e. */
static int set_up(const run_context *ctx, const tracker_profile *profile,
                  tracker_error *e)
{
    memset(e, 0, sizeof *e);
    if (ctx->rank != 0 || stop_relay_poll())
        return SETUP_OK;
    int rc = database_prepare(ctx->opts, profile, ctx->db_path, e);
    return rc == SQLITE_OK ? SETUP_OK
           : rc < 0        ? SETUP_HARNESS_ERROR
                           : SETUP_FAILED;
}

/* A round whose set-up failed: an outcome, recorded, with no job run. */
static void record_setup_failure(results *res, const options *o,
                                 const tracker_profile *profile, int round,
                                 int repeat, const tracker_error *e,
                                 round_result *out)
{
    memset(out, 0, sizeof *out);
    out->round = round;
    out->repeat = repeat;
    out->profile = profile;
    out->workload = o->workload;
    out->setup_failed = true;
    out->setup_error = *e;
    text_format(out->verdict.integrity, sizeof out->verdict.integrity,
                "not verified");
    results_add_round(res, out, NULL, NULL);
}

/* Rank 0's word on how a round ended, taken by every rank (a short wait:
 * no job runs, rank 0 writes one row). */
static round_end agree_round_end(int rank, round_end how)
{
    int word = rank == 0 ? (int)how : 0;
    MPI_Bcast(&word, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return (round_end)word;
}

/* ROUND_DONE if every results file has been written so far, else a
 * harness error saying so. */
static round_end results_checked(const results *res, char *why,
                                 size_t why_size)
{
    if (results_ok(res))
        return ROUND_DONE;
    text_format(why, why_size,
                "harness error: cannot write the results in "
                "%s (%s)",
                res->dir,
                res->write_errno ? strerror(res->write_errno)
                                 : "a write failed");
    return ROUND_HARNESS_ERROR;
}

/* Memory shared with the job children: `count` records, at least one
 * byte mapped; freed with the same length. */
static size_t records_size(int count)
{
    return count > 0 ? sizeof(job_record) * (size_t)count : 1;
}

/* Rank 0, after every record is in: the round verified and recorded,
 * unless a job could not be run (a harness error: the round means
 * nothing, and the run stops). */
static round_end finish_round(const run_context *ctx, results *res,
                              const job_record *all, round_result *out,
                              phase_clock *clock, char *why, size_t why_size)
{
    const options *o = ctx->opts;
    int late = 0;
    for (int i = 0; i < o->jobs; i++) {
        late += all[i].started_late;
        if (all[i].harness_error[0]) {
            text_format(why, why_size, "harness error: %s",
                        all[i].harness_error);
            return ROUND_HARNESS_ERROR;
        }
    }
    if (late > 0 && !o->quiet)
        fprintf(stderr,
                "trackhammer: round %d: %d of %d jobs started late, "
                "in waves: the machine refused to fork them all at once "
                "(EAGAIN; see ulimit -u)\n",
                out->round + 1, late, o->jobs);
    job_verdict *verdicts =
        calloc((size_t)(o->jobs ? o->jobs : 1), sizeof *verdicts);
    if (verdicts == NULL) {
        text_format(why, why_size, "harness error: out of memory");
        return ROUND_HARNESS_ERROR;
    }
    /* Through another client when one is given: a node's stale cache
     * can then neither hide nor invent a loss. */
    char verify_path[TEXT_MAX + 32];
    if (o->verify_dir[0])
        text_format(verify_path, sizeof verify_path, "%s/" DATABASE_FILE,
                    o->verify_dir);
    else
        text_format(verify_path, sizeof verify_path, "%s", ctx->db_path);
    verify_round(verify_path, o, all, o->jobs, &out->verdict, verdicts);
    phase_mark(clock, PHASE_VERIFY);
    round_summarize(all, o->jobs, out);
    out->late_starts = late;
    results_add_round(res, out, all, verdicts);
    free(verdicts);
    phase_mark(clock, PHASE_RESULTS);
    return results_checked(res, why, why_size);
}

/* What a meeting allows beyond the longest step before it. */
#define MEET_MARGIN_S 120.0

double round_time_bound(const options *o, int size)
{
    return SETUP_TIMEOUT_S + REAP_GRACE_S +
           jobs_time_bound(o, jobs_of_rank(o->jobs, 0, size)) +
           3 * MEET_MARGIN_S;
}

round_end run_round(const run_context *ctx, const tracker_profile *profile,
                    int round, int repeat, results *res, round_result *out,
                    int *stop_signal, char *why, size_t why_size)
{
    const options *o = ctx->opts;
    /* How long a rank waits for the others at each meeting: the longest
     * the step before it may take, and a margin. The set-up: its own
     * bound and a reap; the jobs: every job of the busiest rank one after
     * another, if the machine forks them only in waves. */
    double setup_timeout = SETUP_TIMEOUT_S + REAP_GRACE_S + MEET_MARGIN_S;
    double round_timeout =
        jobs_time_bound(o, jobs_of_rank(o->jobs, 0, ctx->size)) +
        MEET_MARGIN_S;
    phase_clock clock;
    phase_clock_start(&clock, ctx->rank);
    tracker_error setup_error;
    int state = set_up(ctx, profile, &setup_error);
    phase_mark(&clock, PHASE_SETUP);
    /* Every rank waits politely for rank 0's word: the set-up's verdict,
     * and one start for every clock of the model (the storm window opens
     * when the jobs are released). */
    double word[2] = { 0, 0 };
    *stop_signal = polite_meet(setup_timeout, "the database set-up", word, 2,
                               fill_setup, &state, PAUSE_BETWEEN_ROUNDS_S);
    if (*stop_signal)
        return ROUND_INTERRUPTED;
    state = (int)word[0];
    if (state != SETUP_OK) {
        round_end how = ROUND_HARNESS_ERROR;
        if (ctx->rank == 0 && state == SETUP_FAILED) {
            record_setup_failure(res, ctx->opts, profile, round, repeat,
                                 &setup_error, out);
            how = results_checked(res, why, why_size);
        }
        if (ctx->rank == 0 && state == SETUP_HARNESS_ERROR)
            text_format(why, why_size, "harness error: %s",
                        setup_error.message);
        /* Every rank told whether the run goes on. */
        return agree_round_end(ctx->rank, how);
    }
    double storm_start = word[1];
    phase_mark(&clock, PHASE_SETUP_BARRIER);

    int count = jobs_of_rank(o->jobs, ctx->rank, ctx->size);
    job_record *records = shared_memory(records_size(count));
    job_spec *specs = calloc((size_t)(count ? count : 1), sizeof *specs);
    char(*outcome_files)[TEXT_MAX] =
        calloc((size_t)(count ? count : 1), sizeof *outcome_files);
    if (!specs || !outcome_files)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (int k = 0; k < count; k++)
        job_record_init(&records[k]);
    /* Every injected fault of the round, one line each, for attribution. */
    char fault_log[TEXT_MAX + 32] = "";
    if (o->simulate)
        text_format(fault_log, sizeof fault_log, "%s/faults-round-%d.log",
                    ctx->results_dir, round);
    fill_specs(ctx, profile, round, storm_start,
               fault_log[0] ? fault_log : NULL, specs, outcome_files, count);
    phase_mark(&clock, PHASE_SPECS);

    *stop_signal = release_together(round_timeout);
    phase_mark(&clock, PHASE_RELEASE);
    double started = monotonic_now();
    monitor_record *monitor = NULL;
    int monitor_pid = 0;
    if (ctx->rank == 0 && *stop_signal == 0) {
        monitor = shared_memory(sizeof *monitor);
        job_spec monitor_spec = count ? specs[0] : (job_spec){ 0 };
        monitor_spec.opts = o;
        monitor_spec.profile = profile;
        monitor_spec.db_path = ctx->db_path;
        monitor_spec.round = round;
        monitor_spec.storm_start_epoch = storm_start;
        monitor_spec.fault_log = NULL; /* the monitor's faults are not jobs' */
        monitor_pid = monitor_start(&monitor_spec, monitor);
        if (monitor_pid < 0)
            text_format(why, why_size,
                        "harness error: fork of the monitor: "
                        "%s",
                        strerror(errno));
    }
    phase_mark(&clock, PHASE_MONITOR_START);
    during_round during = { 0, 0 };
    if (ctx->rank == 0 && *stop_signal == 0)
        during = during_round_start(o, ctx->results_dir, round, profile->name);
    if (*stop_signal == 0)
        *stop_signal =
            run_jobs_isolated(specs, records, count, stop_relay_poll);
    phase_mark(&clock, PHASE_JOBS);
    /* The end of the round: every rank's records at rank 0, which then
     * knows every job has ended, and whether any rank was interrupted. */
    job_record *all =
        gather_records(ctx, records, count, round_timeout, stop_signal);
    phase_mark(&clock, PHASE_END_GATHER);
    double verdict = ROUND_INTERRUPTED;
    if (ctx->rank == 0) {
        /* Ended before the verification, so the file system it acts on is
         * whole again when the round is checked. */
        char during_end[64];
        during_round_finish(&during, during_end, sizeof during_end);
        /* 2 s for the monitor's last call; none when the run is stopping:
         * rank 0 has its files to finish. */
        if (monitor)
            monitor_stop(monitor_pid, monitor, *stop_signal ? 0 : 2);
        phase_mark(&clock, PHASE_MONITOR_STOP);
        if (*stop_signal == 0) {
            memset(out, 0, sizeof *out);
            out->round = round;
            out->repeat = repeat;
            out->profile = profile;
            out->workload = ctx->opts->workload;
            out->wall_s = monotonic_now() - started;
            out->monitor = *monitor;
            text_format(out->during_round, sizeof out->during_round, "%s",
                        during_end);
            if (monitor_pid > 0 && monitor->harness_error[0])
                text_format(why, why_size, "harness error: %s",
                            monitor->harness_error);
            verdict =
                monitor_pid < 0 || monitor->harness_error[0]
                    ? ROUND_HARNESS_ERROR
                    : finish_round(ctx, res, all, out, &clock, why, why_size);
            phase_log_write(&clock, out, all, o->jobs, started);
        }
        if (monitor)
            munmap(monitor, sizeof *monitor);
    }
    /* Every rank told how the round ended; a signal that came after the
     * records were in stops the run after this round. */
    int late_stop = polite_meet(round_timeout, "the end of a round", &verdict,
                                1, NULL, NULL, PAUSE_DURING_JOBS_S);
    if (*stop_signal == 0)
        *stop_signal = late_stop;
    for (int k = 0; k < count; k++)
        unlink(outcome_files[k]);
    free(all);
    free(specs);
    free(outcome_files);
    munmap(records, records_size(count));
    return (round_end)verdict;
}
