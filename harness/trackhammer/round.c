/*
 * round.c: one round of one profile across every rank.
 *
 * Rank 0 plays the batch driver (a fresh database, every task added and a
 * PBS job id recorded for each) and the monitor; then every rank starts its
 * jobs together after a barrier; when all have ended, rank 0 gathers the
 * records, verifies the database and writes the round's results.
 */
#include "trackhammer.h"

#include <mpi.h>
#include <sqlite3.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Meeting points that sleep instead of spinning: 71 ranks on 2 cores must
 * leave the CPU to the jobs, and Open MPI's blocking calls spin. Each rank
 * tests its requests with a pause between tests that grows from 1 ms to
 * 20 ms (rank 0, a single process, to 2 ms), so ranks waiting out a round
 * cost the jobs little. Bounded: a rank that never arrives aborts the run
 * with a message rather than hanging it.
 *
 * (5 ms between rounds, when no job runs and the ranks wait for rank 0's
 * set-up: a shorter wait for its word.)
 *
 * A barrier is a star, not MPI_Ibarrier: every rank tells rank 0 it has
 * arrived, rank 0 answers each once all have. An MPI_Ibarrier progresses
 * only inside the ranks' own tests, so its log2(ranks) steps each waited
 * for a sleeping partner's next test: about 0.13 s per barrier at 71
 * ranks, four barriers a round (measured with TRACKHAMMER_PHASE_LOG). The
 * star costs two of those waits at most, and rank 0's answer carries what
 * it has to say (the set-up's verdict, the storm's start, the release
 * time), so no blocking broadcast follows.
 */
#define MEET_TAG_ARRIVE 0x7401
#define MEET_TAG_RELEASE 0x7402
#define MEET_TAG_RECORDS 0x7403
#define MEET_TAG_STOP 0x7404
#define MEET_VALUES 4

/* The longest pause of a rank other than 0: while jobs run (the end of a
 * round), and between rounds, when no job runs and rank 0 alone works. */
#define PAUSE_DURING_JOBS_S 0.02
#define PAUSE_BETWEEN_ROUNDS_S 0.005

/* How long ranks still wait for each other once the run is stopping: each
 * learns of the stop within a quarter of a second (its waits sleep no
 * longer, and the relay reaches it), kills its jobs, and reaps them within
 * REAP_GRACE_S (30 s) even when one is stuck in the kernel; a rank missing
 * after this is gone. */
#define INTERRUPT_GRACE_S 45.0

static void polite_wait(int count, MPI_Request *requests, double timeout_s,
                        const char *where, double longest_pause)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double give_up = monotonic_now() + timeout_s, pause = 0.001;
    double longest = rank == 0 ? 0.002 : longest_pause;
    int done = 0;
    while (MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE) ==
               MPI_SUCCESS &&
           !done) {
        stop_relay_poll();
        double stopped = stop_relay_since();
        if (stopped > 0 && stopped + INTERRUPT_GRACE_S < give_up)
            give_up = stopped + INTERRUPT_GRACE_S;
        if (monotonic_now() > give_up) {
            fprintf(stderr, "trackhammer: ranks did not meet at %s within "
                            "%.0f s%s; aborting (summary.json holds the "
                            "rounds that completed)\n", where,
                    stopped > 0 ? INTERRUPT_GRACE_S : timeout_s,
                    stopped > 0 ? " of the interrupt" : "");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        sleep_seconds(pause);
        pause = pause * 1.5 < longest ? pause * 1.5 : longest;
    }
}

/* A polite barrier after which every rank holds rank 0's values[0..n-1],
 * filled by `fill` on rank 0 once every rank has arrived (NULL: none).
 * Each rank's arrival carries its stop signal, and rank 0's answer the
 * first of them: returned on every rank, so all stop together. */
static int polite_meet(double timeout_s, const char *where, double *values,
                       int n, void (*fill)(double *values, void *arg),
                       void *arg, double longest_pause)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double message[MEET_VALUES + 1] = { 0 };
    int mine = stop_relay_poll();
    if (n > MEET_VALUES)
        abort(); /* a caller's mistake: MEET_VALUES is too small */
    if (rank != 0) {
        MPI_Request request[2];
        MPI_Isend(&mine, 1, MPI_INT, 0, MEET_TAG_ARRIVE, MPI_COMM_WORLD,
                  &request[0]);
        MPI_Irecv(message, MEET_VALUES + 1, MPI_DOUBLE, 0, MEET_TAG_RELEASE,
                  MPI_COMM_WORLD, &request[1]);
        polite_wait(2, request, timeout_s, where, longest_pause);
    } else {
        MPI_Request *request = calloc((size_t)size, sizeof *request);
        int *signals = calloc((size_t)size, sizeof *signals);
        if (request == NULL || signals == NULL) {
            fprintf(stderr, "trackhammer: out of memory at %s; aborting\n",
                    where);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        for (int r = 1; r < size; r++)
            MPI_Irecv(&signals[r], 1, MPI_INT, r, MEET_TAG_ARRIVE,
                      MPI_COMM_WORLD, &request[r - 1]);
        polite_wait(size - 1, request, timeout_s, where, longest_pause);
        signals[0] = stop_relay_poll();
        if (fill)
            fill(message, arg);
        else if (n > 0)
            memcpy(message, values, sizeof *values * (size_t)n);
        for (int r = 0; r < size && message[MEET_VALUES] == 0; r++)
            message[MEET_VALUES] = signals[r];
        for (int r = 1; r < size; r++)
            MPI_Isend(message, MEET_VALUES + 1, MPI_DOUBLE, r,
                      MEET_TAG_RELEASE, MPI_COMM_WORLD, &request[r - 1]);
        polite_wait(size - 1, request, timeout_s, where, longest_pause);
        free(signals);
        free(request);
    }
    if (n > 0)
        memcpy(values, message, sizeof *values * (size_t)n);
    return (int)message[MEET_VALUES];
}

int polite_barrier(double timeout_s, const char *where)
{
    return polite_meet(timeout_s, where, NULL, 0, NULL, NULL,
                       PAUSE_BETWEEN_ROUNDS_S);
}

/* Rank 0's clock time a little ahead, when every rank releases its jobs:
 * the jobs start within the scheduler's wake-up latency of each other, not
 * within the barrier's polling interval. */
#define RELEASE_MARGIN_S 0.01

static void fill_release(double *values, void *arg)
{
    (void)arg;
    values[0] = epoch_now() + RELEASE_MARGIN_S;
}

/* The start barrier, then every rank sleeps until the release time;
 * returns the stop signal of any rank. */
static int release_together(double timeout_s)
{
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1)
        return stop_relay_poll(); /* alone: no one to wait for */
    double release_at = 0;
    int stop = polite_meet(timeout_s, "the start of a round", &release_at, 1,
                           fill_release, NULL, PAUSE_BETWEEN_ROUNDS_S);
    /* At most the margin: another node's clock may be off. */
    double wait = release_at - epoch_now();
    sleep_seconds(wait < RELEASE_MARGIN_S ? wait : RELEASE_MARGIN_S);
    return stop;
}

/*
 * Where a round's wall time goes (make bench): with the
 * environment variable TRACKHAMMER_PHASE_LOG naming a file, rank 0 appends
 * one CSV row per round with the seconds (rank 0's monotonic clock, to the
 * microsecond) of each step of the round, and when the jobs' children
 * started and ended relative to the release. Off unless asked: nothing is
 * measured or written otherwise.
 */
enum round_phase {
    PHASE_SETUP,           /* the batch driver: a fresh database, tasks */
    PHASE_SETUP_BARRIER,   /* every rank meets it, the verdict sent */
    PHASE_SPECS,           /* the jobs' specs, shared memory */
    PHASE_RELEASE,         /* every rank meets, then the release time */
    PHASE_MONITOR_START,   /* the monitor's fork */
    PHASE_JOBS,            /* rank 0's jobs, fork to the last reap */
    PHASE_END_GATHER,      /* the other ranks' jobs, their records, the
                            * end-of-round meeting */
    PHASE_MONITOR_STOP,    /* the monitor told to stop, reaped */
    PHASE_VERIFY,          /* the database checked against the records */
    PHASE_RESULTS,         /* the round's rows written */
    PHASE_COUNT
};

static const char *const phase_names[PHASE_COUNT] = {
    "setup", "setup_barrier", "specs", "release", "monitor_start", "jobs",
    "end_gather", "monitor_stop", "verify", "results",
};

typedef struct phase_clock {
    bool on;
    double last, seconds[PHASE_COUNT];
} phase_clock;

static void phase_clock_start(phase_clock *c, int rank)
{
    memset(c, 0, sizeof *c);
    c->on = rank == 0 && getenv("TRACKHAMMER_PHASE_LOG") != NULL;
    if (c->on)
        c->last = monotonic_now();
}

static void phase_mark(phase_clock *c, enum round_phase phase)
{
    if (!c->on)
        return;
    double now = monotonic_now();
    c->seconds[phase] += now - c->last;
    c->last = now;
}

/* The row: the phases, then the jobs' children against the release. The
 * jobs' times are other ranks' monotonic clocks, comparable with rank 0's
 * on one node only (Linux's CLOCK_MONOTONIC is the machine's): the log is
 * for one-node benchmarks (make bench). */
static void phase_log_write(const phase_clock *c, const round_result *r,
                            const job_record *all, int jobs, double released)
{
    if (!c->on)
        return;
    FILE *f = fopen(getenv("TRACKHAMMER_PHASE_LOG"), "a");
    if (f == NULL)
        return;
    if (ftell(f) == 0) {
        fprintf(f, "round,profile,jobs");
        for (int p = 0; p < PHASE_COUNT; p++)
            fprintf(f, ",%s_s", phase_names[p]);
        fprintf(f, ",total_s,first_child_start_s,last_child_start_s,"
                   "last_child_end_s,child_life_sum_s,db_time_sum_s\n");
    }
    double total = 0, first_start = 0, last_start = 0, last_end = 0;
    double life = 0, db = 0;
    bool seen = false;
    for (int p = 0; p < PHASE_COUNT; p++)
        total += c->seconds[p];
    for (int i = 0; i < jobs; i++) {
        const job_record *j = &all[i];
        if (j->start_s <= 0 || j->end_s <= 0)
            continue;
        double s = j->start_s - released, e = j->end_s - released;
        if (!seen || s < first_start)
            first_start = s;
        seen = true;
        if (s > last_start)
            last_start = s;
        if (e > last_end)
            last_end = e;
        life += j->end_s - j->start_s;
        db += j->db_time_s;
    }
    fprintf(f, "%d,%s,%d", r->round, r->profile->name, jobs);
    for (int p = 0; p < PHASE_COUNT; p++)
        fprintf(f, ",%.6f", c->seconds[p]);
    fprintf(f, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", total, first_start,
            last_start, last_end, life, db);
    fclose(f);
}

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

/* The batch driver's part: every task, with a PBS job id. */
static int add_tasks(tracker *t, const options *o)
{
    for (int i = 0; i < o->jobs; i++) {
        char variable[64], job_id[64];
        variable_name(i, variable, sizeof variable);
        snprintf(job_id, sizeof job_id, "%d.gadi-pbs", 100000 + i);
        int rc = tracker_add_task(t, variable, o->experiment);
        if (rc == SQLITE_OK)
            rc = tracker_set_pbs_job_id(t, variable, o->experiment, job_id);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void database_path(const options *o, char *path, size_t size)
{
    text_format(path, size, "%s/" DATABASE_FILE, o->db_dir);
}

/* A failure of SQLite itself (not of a tracker call) as a tracker error of
 * the set-up's open step. */
static int sqlite_failure(sqlite3 *db, int rc, tracker_error *e)
{
    memset(e, 0, sizeof *e);
    e->op = TRACKER_OP_OPEN;
    e->code = db ? sqlite3_extended_errcode(db) : rc;
    if (e->code == SQLITE_OK)
        e->code = rc;
    e->cls = tracker_classify(e->code);
    e->attempts = 1;
    text_format(e->message, sizeof e->message, "%s",
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return e->code;
}

/* The database file made, with trackhammer's application_id in its
 * header (claim.c reads it to know the database is its own); in WAL mode
 * with automatic checkpoints off when `wal`. */
static int create_marked(const char *db_path, bool wal, sqlite3 **db,
                         tracker_error *e)
{
    char sql[128];
    text_format(sql, sizeof sql, "PRAGMA application_id=%d;%s",
                (int)TRACKHAMMER_APPLICATION_ID,
                wal ? " PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0"
                    : "");
    int off = 1;
    int rc = sqlite3_open_v2(db_path, db, SQLITE_OPEN_READWRITE |
                             SQLITE_OPEN_CREATE, "unix");
    if (rc == SQLITE_OK && wal)
        rc = sqlite3_db_config(*db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
                               &off);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(*db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SQLITE_OK : sqlite_failure(*db, rc, e);
}

/*
 * A fresh database for the round, written on the plain unix VFS: the
 * driver runs before the storm. With --start-from wal the database is left
 * in WAL mode with its content still in the WAL (a second connection that
 * does not checkpoint on close holds it open while the tracker writes), so
 * the round's first opens must migrate it.
 */
static int prepare_here(const options *o, const tracker_profile *profile,
                        const char *db_path, tracker_error *e)
{
    database_remove(db_path);
    sqlite3 *holder = NULL;
    bool wal = o->start == START_WAL;
    tracker_profile driver = wal ? *tracker_profile_find("wal-normal")
                                 : *profile;
    int rc = create_marked(db_path, wal, &holder, e);
    if (!wal) {
        sqlite3_close(holder);
        holder = NULL;
    }
    tracker_options topt;
    tracker_options_init(&topt, &driver);
    topt.vfs = "unix";
    tracker *t = NULL;
    if (rc == SQLITE_OK)
        rc = tracker_open(db_path, &topt, &t, e);
    if (rc == SQLITE_OK) {
        rc = add_tasks(t, o);
        if (rc != SQLITE_OK)
            *e = *tracker_last_error(t);
    }
    tracker_free(t);
    sqlite3_close(holder);
    return rc;
}

/* What the set-up's child leaves for its parent. */
struct setup_outcome {
    int rc;
    tracker_error error;
};

/* The longest a set-up may take before it counts as hung: a small
 * database's creation takes milliseconds, and a file system that stalls
 * it longer is the finding. */
#define SETUP_TIMEOUT_S 120.0

/* Wait for the set-up child within the bound; its wait status, or -1 when
 * it was killed (hung, or the run interrupted). */
static int wait_setup(pid_t pid)
{
    double give_up = monotonic_now() + SETUP_TIMEOUT_S;
    int status = 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            return status;
        if (got < 0 || stop_relay_poll() || monotonic_now() >= give_up)
            break;
        wait_for_child_exit(give_up - monotonic_now());
    }
    kill_and_reap(pid, &status, REAP_GRACE_S);
    return -1;
}

int database_prepare(const options *o, const tracker_profile *profile,
                     const char *db_path, tracker_error *e)
{
    struct setup_outcome *out = mmap(NULL, sizeof *out, PROT_READ |
                                     PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                     -1, 0);
    memset(e, 0, sizeof *e);
    e->op = TRACKER_OP_OPEN;
    if (out == MAP_FAILED) {
        text_format(e->message, sizeof e->message, "mmap: %s",
                    strerror(errno));
        return -1;
    }
    out->rc = SQLITE_ERROR;
    out->error = *e;
    pid_t pid = fork_child();
    if (pid == 0)
        _exit((out->rc = prepare_here(o, profile, db_path, &out->error)) !=
              SQLITE_OK);
    if (pid < 0) {
        text_format(e->message, sizeof e->message, "fork of the batch "
                    "driver: %s", strerror(errno));
        munmap(out, sizeof *out);
        return -1;
    }
    int status = wait_setup(pid);
    int rc = out->rc;
    *e = out->error;
    if (status == -1 || WIFSIGNALED(status)) {
        rc = SQLITE_ERROR;
        e->code = SQLITE_ERROR;
        if (status == -1)
            text_format(e->message, sizeof e->message, "the batch driver "
                        "was killed: %s", stop_relay_poll() ? "the run was "
                        "interrupted" : "it did not finish in time");
        else
            text_format(e->message, sizeof e->message, "the batch driver "
                        "died of signal %d (%s)", WTERMSIG(status),
                        strsignal(WTERMSIG(status)));
    }
    munmap(out, sizeof *out);
    return rc;
}

/* How many of the round's jobs rank `rank` plays: jobs rank, rank+size... */
static int jobs_of_rank(int jobs, int rank, int size)
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

/* Rank 0 collects every rank's stop signal and records, in job order (a
 * rank sends once its jobs have ended). Point to point and polite, as the
 * barriers are: rank 0 sleeps while the others' jobs run, rather than
 * spinning in MPI_Gatherv; end_of_round then holds the other ranks until
 * it is done. *stop: on rank 0 the first rank's stop signal (its own
 * included), so an interrupted round is never verified or recorded. */
static job_record *gather_records(const run_context *ctx,
                                  const job_record *mine, int count,
                                  double timeout_s, int *stop)
{
    const options *o = ctx->opts;
    int my_stop = *stop;
    if (ctx->rank != 0) {
        MPI_Request request[2];
        MPI_Isend(&my_stop, 1, MPI_INT, 0, MEET_TAG_STOP, MPI_COMM_WORLD,
                  &request[0]);
        if (count > 0)
            MPI_Isend(mine, count * (int)sizeof(job_record), MPI_BYTE, 0,
                      MEET_TAG_RECORDS, MPI_COMM_WORLD, &request[1]);
        polite_wait(count > 0 ? 2 : 1, request, timeout_s,
                    "the records' gathering", PAUSE_DURING_JOBS_S);
        return NULL;
    }
    job_record *by_rank = calloc((size_t)o->jobs, sizeof *by_rank);
    job_record *ordered = calloc((size_t)o->jobs, sizeof *ordered);
    MPI_Request *request = calloc((size_t)ctx->size * 2, sizeof *request);
    int *stops = calloc((size_t)ctx->size, sizeof *stops);
    if (!by_rank || !ordered || !request || !stops)
        MPI_Abort(MPI_COMM_WORLD, 1);
    int offset = count, posted = 0;
    memcpy(by_rank, mine, sizeof *mine * (size_t)count);
    for (int r = 1; r < ctx->size; r++) {
        int n = jobs_of_rank(o->jobs, r, ctx->size);
        MPI_Irecv(&stops[r], 1, MPI_INT, r, MEET_TAG_STOP, MPI_COMM_WORLD,
                  &request[posted++]);
        if (n > 0)
            MPI_Irecv(by_rank + offset, n * (int)sizeof(job_record), MPI_BYTE,
                      r, MEET_TAG_RECORDS, MPI_COMM_WORLD, &request[posted++]);
        offset += n;
    }
    polite_wait(posted, request, timeout_s, "the records' gathering",
                PAUSE_DURING_JOBS_S);
    stops[0] = my_stop ? my_stop : stop_relay_poll();
    for (int r = 0; r < ctx->size && *stop == 0; r++)
        *stop = stops[r];
    for (int r = 0, i = 0; r < ctx->size; r++)
        for (int k = 0; k < jobs_of_rank(o->jobs, r, ctx->size); k++)
            ordered[r + k * ctx->size] = by_rank[i++];
    free(stops);
    free(request);
    free(by_rank);
    return ordered;
}

/* Rank 0's word after the set-up: its state (SETUP_*), and when the storm
 * starts. */
enum { SETUP_HARNESS_ERROR = -1, SETUP_FAILED = 0, SETUP_OK = 1 };

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
    return rc == SQLITE_OK ? SETUP_OK : rc < 0 ? SETUP_HARNESS_ERROR
                                               : SETUP_FAILED;
}

/* A round whose set-up failed: an outcome, recorded, with no job run. */
static void record_setup_failure(results *res, const tracker_profile *profile,
                                 int round, int repeat,
                                 const tracker_error *e, round_result *out)
{
    memset(out, 0, sizeof *out);
    out->round = round;
    out->repeat = repeat;
    out->profile = profile;
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
    text_format(why, why_size, "harness error: cannot write the results in "
                "%s (%s)", res->dir, res->write_errno
                                         ? strerror(res->write_errno)
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
        fprintf(stderr, "trackhammer: round %d: %d of %d jobs started late, "
                "in waves: the machine refused to fork them all at once "
                "(EAGAIN; see ulimit -u)\n", out->round + 1, late, o->jobs);
    job_verdict *verdicts = calloc((size_t)(o->jobs ? o->jobs : 1),
                                   sizeof *verdicts);
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
            record_setup_failure(res, profile, round, repeat, &setup_error,
                                 out);
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
    char (*outcome_files)[TEXT_MAX] =
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
            text_format(why, why_size, "harness error: fork of the monitor: "
                        "%s", strerror(errno));
    }
    phase_mark(&clock, PHASE_MONITOR_START);
    during_round during = { 0, 0 };
    if (ctx->rank == 0 && *stop_signal == 0)
        during = during_round_start(o, ctx->results_dir, round,
                                    profile->name);
    if (*stop_signal == 0)
        *stop_signal = run_jobs_isolated(specs, records, count,
                                         stop_relay_poll);
    phase_mark(&clock, PHASE_JOBS);
    /* The end of the round: every rank's records at rank 0, which then
     * knows every job has ended, and whether any rank was interrupted. */
    job_record *all = gather_records(ctx, records, count, round_timeout,
                                     stop_signal);
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
            out->wall_s = monotonic_now() - started;
            out->monitor = *monitor;
            text_format(out->during_round, sizeof out->during_round, "%s",
                        during_end);
            if (monitor_pid > 0 && monitor->harness_error[0])
                text_format(why, why_size, "harness error: %s",
                            monitor->harness_error);
            verdict = monitor_pid < 0 || monitor->harness_error[0]
                          ? ROUND_HARNESS_ERROR
                          : finish_round(ctx, res, all, out, &clock, why,
                                         why_size);
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
