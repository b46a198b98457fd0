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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Wait at a barrier without spinning a core: 71 ranks on 2 cores must
 * leave the CPU to the jobs. The pause between tests grows from 1 ms to
 * 20 ms, so that ranks waiting out a round cost the jobs little; where the
 * moment matters, the jobs' release, ranks meet here and then sleep until
 * a common clock time (release_together). Bounded: a rank that never
 * arrives aborts the run with a message rather than hanging it. */
void polite_barrier(double timeout_s, const char *where)
{
    MPI_Request request;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    double give_up = monotonic_now() + timeout_s, pause = 0.001;
    int done = 0;
    while (MPI_Test(&request, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS &&
           !done) {
        if (monotonic_now() > give_up) {
            fprintf(stderr, "trackhammer: ranks did not meet at %s within "
                            "%.0f s; aborting\n", where, timeout_s);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        sleep_seconds(pause);
        if (pause < 0.02)
            pause *= 1.5;
    }
}

/* After a barrier, every rank sleeps until the same clock time, chosen by
 * rank 0 a little ahead: the jobs start within the scheduler's wake-up
 * latency of each other, not within the barrier's polling interval. */
static void release_together(void)
{
    const double margin_s = 0.01;
    double release_at = epoch_now() + margin_s;
    MPI_Bcast(&release_at, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    /* At most the margin: another node's clock may be off. */
    double wait = release_at - epoch_now();
    sleep_seconds(wait < margin_s ? wait : margin_s);
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

/* Remove the database and everything SQLite or the model keep beside it. */
static void remove_database(const char *db_path)
{
    static const char *const suffixes[] = { "", "-journal", "-wal", "-shm",
                                            "-faultfs-storm" };
    char path[TEXT_MAX + 32];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(path, sizeof path, "%s%s", db_path, suffixes[i]);
        unlink(path);
    }
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
    text_format(path, size, "%s/cmor_tasks.db", o->db_dir);
}

/*
 * A fresh database for the round, written on the plain unix VFS: the
 * driver runs before the storm. With --start-from wal the database is left
 * in WAL mode with its content still in the WAL (a second connection that
 * does not checkpoint on close holds it open while the tracker writes), so
 * the round's first opens must migrate it.
 */
bool database_prepare(const options *o, const tracker_profile *profile,
                      const char *db_path, char *err, size_t err_size)
{
    remove_database(db_path);
    sqlite3 *holder = NULL;
    tracker_profile driver = *profile;
    if (o->start == START_WAL) {
        driver = *tracker_profile_find("wal-normal");
        int off = 1;
        if (sqlite3_open_v2(db_path, &holder, SQLITE_OPEN_READWRITE |
                            SQLITE_OPEN_CREATE, "unix") != SQLITE_OK ||
            sqlite3_db_config(holder, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
                              &off) != SQLITE_OK ||
            sqlite3_exec(holder, "PRAGMA journal_mode=WAL; "
                                 "PRAGMA wal_autocheckpoint=0",
                         NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, err_size, "cannot prepare a WAL database at '%s': "
                     "%s", db_path, sqlite3_errmsg(holder));
            sqlite3_close(holder);
            return false;
        }
    }
    tracker_options topt;
    tracker_options_init(&topt, &driver);
    topt.vfs = "unix";
    tracker *t = NULL;
    tracker_error e;
    int rc = tracker_open(db_path, &topt, &t, &e);
    if (rc == SQLITE_OK) {
        rc = add_tasks(t, o);
        e = *tracker_last_error(t);
    }
    tracker_free(t);
    sqlite3_close(holder);
    if (rc != SQLITE_OK) {
        char text[TEXT_MAX];
        tracker_error_format(&e, text, sizeof text);
        text_format(err, err_size, "the batch driver could not set up '%s': %s",
                 db_path, text);
        return false;
    }
    return true;
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

/* Rank 0 collects every rank's records, in job order. */
static job_record *gather_records(const run_context *ctx,
                                  const job_record *mine, int count)
{
    const options *o = ctx->opts;
    int *bytes = NULL, *displs = NULL;
    job_record *by_rank = NULL, *ordered = NULL;
    if (ctx->rank == 0) {
        bytes = calloc((size_t)ctx->size, sizeof *bytes);
        displs = calloc((size_t)ctx->size, sizeof *displs);
        by_rank = calloc((size_t)o->jobs, sizeof *by_rank);
        ordered = calloc((size_t)o->jobs, sizeof *ordered);
        if (!bytes || !displs || !by_rank || !ordered)
            MPI_Abort(MPI_COMM_WORLD, 1);
        int offset = 0;
        for (int r = 0; r < ctx->size; r++) {
            bytes[r] = jobs_of_rank(o->jobs, r, ctx->size) *
                       (int)sizeof(job_record);
            displs[r] = offset;
            offset += bytes[r];
        }
    }
    MPI_Gatherv(mine, count * (int)sizeof(job_record), MPI_BYTE, by_rank,
                bytes, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (ctx->rank == 0) {
        for (int r = 0, i = 0; r < ctx->size; r++)
            for (int k = 0; k < jobs_of_rank(o->jobs, r, ctx->size); k++)
                ordered[r + k * ctx->size] = by_rank[i++];
    }
    free(bytes);
    free(displs);
    free(by_rank);
    return ordered;
}

bool run_round(const run_context *ctx, const tracker_profile *profile,
               int round, int repeat, results *res, round_result *out)
{
    const options *o = ctx->opts;
    char err[TEXT_MAX] = "";
    int ok = 1;
    double round_timeout = o->walltime_s * o->time_scale + 120;
    if (ctx->rank == 0)
        ok = database_prepare(o, profile, ctx->db_path, err, sizeof err);
    /* Blocking collectives spin; every one follows a polite barrier, so
     * ranks waiting for rank 0 leave the CPU to it. */
    polite_barrier(round_timeout, "the database set-up");
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok) {
        if (ctx->rank == 0)
            fprintf(stderr, "trackhammer: %s\n", err);
        return false;
    }
    /* One start for every clock of the model: the storm window opens when
     * the jobs are released. */
    double storm_start = epoch_now();
    MPI_Bcast(&storm_start, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);

    int count = jobs_of_rank(o->jobs, ctx->rank, ctx->size);
    job_record *records = shared_memory(sizeof *records * (size_t)count);
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

    polite_barrier(round_timeout, "the start of a round");
    release_together();
    double started = monotonic_now();
    monitor_record *monitor = NULL;
    int monitor_pid = 0;
    if (ctx->rank == 0) {
        monitor = shared_memory(sizeof *monitor);
        job_spec monitor_spec = count ? specs[0] : (job_spec){ 0 };
        monitor_spec.opts = o;
        monitor_spec.profile = profile;
        monitor_spec.db_path = ctx->db_path;
        monitor_spec.round = round;
        monitor_spec.storm_start_epoch = storm_start;
        monitor_spec.fault_log = NULL; /* the monitor's faults are not jobs' */
        monitor_pid = monitor_start(&monitor_spec, monitor);
    }
    run_jobs_isolated(specs, records, count);
    polite_barrier(round_timeout, "the end of a round");
    if (ctx->rank == 0)
        /* A monitor still inside a call 2 s after the jobs ended is stuck
         * (WAL's incoherent -shm locks can do that): killed, not waited. */
        monitor_stop(monitor_pid, monitor, 2);
    polite_barrier(round_timeout, "the monitor's end");
    job_record *all = gather_records(ctx, records, count);
    if (ctx->rank == 0) {
        memset(out, 0, sizeof *out);
        out->round = round;
        out->repeat = repeat;
        out->profile = profile;
        out->wall_s = monotonic_now() - started;
        out->monitor = *monitor;
        job_verdict *verdicts = calloc((size_t)o->jobs, sizeof *verdicts);
        if (verdicts == NULL)
            MPI_Abort(MPI_COMM_WORLD, 1);
        verify_round(ctx->db_path, o, all, o->jobs, &out->verdict, verdicts);
        round_summarize(all, o->jobs, out);
        results_add_round(res, out, all, verdicts);
        free(verdicts);
        munmap(monitor, sizeof *monitor);
    }
    for (int k = 0; k < count; k++)
        unlink(outcome_files[k]);
    free(all);
    free(specs);
    free(outcome_files);
    munmap(records, sizeof *records * (size_t)(count ? count : 1));
    return true;
}
