/*
 * single_job.c: --single-job, one batch job of the single-job topology.
 *
 * The job lives the same life as an MPI rank's job (job_run, in a child
 * process through run_jobs_isolated, with its walltime and kill plan), but
 * its record is a file in the run directory mapped shared: what the job
 * had done is on the shared file system as it goes, so a job that the
 * batch system kills (walltime, qdel, a node lost) still leaves which call
 * was in flight and which writes were acknowledged. `settled` says that
 * trackhammer saw the job end and classified it.
 *
 * The jobs of a run are released together but start when the scheduler
 * starts them: the first to start opens the fault model's storm window for
 * all (RUN_DIR/storm-start, made by an atomic link so exactly one wins).
 */
#include "trackhammer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void job_file_path(const char *run_dir, int index, char *path, size_t size)
{
    text_format(path, size, "%s/jobs/job-%d.record", run_dir, index);
}

/* The storm's start for every job: the first job's start time, written by
 * whichever job links its file into place first. */
static double shared_storm_start(const char *run_dir, int index)
{
    char path[TEXT_MAX + 32], mine[TEXT_MAX + 64];
    text_format(path, sizeof path, "%s/storm-start", run_dir);
    text_format(mine, sizeof mine, "%s/jobs/.storm-start-%d", run_dir, index);
    double now = epoch_now();
    FILE *f = fopen(mine, "w");
    if (f) {
        fprintf(f, "%.6f\n", now);
        if (fclose(f) == 0)
            (void)link(mine, path); /* EEXIST: another job was first */
        unlink(mine);
    }
    double first = now;
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%lf", &first) != 1)
            first = now;
        fclose(f);
    }
    return first;
}

/* The job's file, new and mapped shared; NULL with a message. A record
 * already there means the job ran before (a requeue): running it again
 * would count it twice. */
static job_file *create_job_file(const char *run_dir, int index, char *err,
                                 size_t err_size)
{
    char path[TEXT_MAX + 32];
    job_file_path(run_dir, index, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        text_format(err, err_size, "cannot create the job's record '%s': %s%s",
                    path, strerror(errno),
                    errno == EEXIST ? " (this job already ran in this run; "
                                      "a rerun would count it twice)"
                                    : "");
        return NULL;
    }
    job_file *f = MAP_FAILED;
    if (ftruncate(fd, sizeof *f) == 0)
        f = mmap(NULL, sizeof *f, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (f == MAP_FAILED)
        text_format(err, err_size, "cannot map the job's record '%s': %s",
                    path, strerror(errno));
    close(fd);
    return f == MAP_FAILED ? NULL : f;
}

/* The batch system's name for this job, if it runs under one. */
static void batch_job_id(char *id, size_t size)
{
    const char *names[] = { "PBS_JOBID", "SLURM_JOB_ID" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (getenv(names[i])) {
            text_format(id, size, "%s", getenv(names[i]));
            return;
        }
    text_format(id, size, "-");
}

/* The job's end on stderr, for the batch system's log. */
static void report_end(const job_spec *spec, const job_record *r)
{
    fprintf(stderr, "trackhammer: job %d (%s): %s", spec->job_index,
            spec->variable, outcome_name(r->outcome));
    if (r->signal)
        fprintf(stderr, " by signal %d", r->signal);
    if (r->failed_op >= 0)
        fprintf(stderr, " at %s: %s (%d attempts): %s",
                workload_op_name(spec->opts->workload, r->failed_op),
                tracker_code_name(r->failed_code), r->failed_attempts,
                r->failed_message);
    fputc('\n', stderr);
}

int single_job_main(const options *step)
{
    static options o;
    char err[TEXT_MAX] = "";
    if (!plan_load(step, &o, err, sizeof err)) {
        fprintf(stderr, "trackhammer: %s\n", err);
        return 2;
    }
    int index = o.single_job_index;
    if (index >= o.jobs) {
        fprintf(stderr,
                "trackhammer: --single-job: %d is not a job of this "
                "run (0 to %d)\n",
                index, o.jobs - 1);
        return 2;
    }
    /* The directory must still be this run's: a job queued past its
     * run's merge must not write into the next run's database. */
    db_claim claim;
    int held =
        db_dir_claim_adopt(o.db_dir, o.run_dir, &claim, err, sizeof err);
    db_dir_keep(&claim);
    if (held != 0) {
        fprintf(stderr, "trackhammer: --single-job %d: %s\n", index, err);
        return held;
    }
    char db_path[TEXT_MAX + 32];
    database_path(&o, db_path, sizeof db_path);
    struct stat st;
    if (stat(db_path, &st) != 0) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        fprintf(stderr,
                "trackhammer: host %s does not see the database '%s' "
                "that --prepare made: put --db-dir on a file system "
                "every node shares\n",
                host, db_path);
        return 1;
    }
    job_file *f = create_job_file(o.run_dir, index, err, sizeof err);
    if (f == NULL) {
        fprintf(stderr, "trackhammer: %s\n", err);
        return 1;
    }
    memset(f, 0, sizeof *f);
    text_format(f->magic, sizeof f->magic, "%s", JOB_FILE_MAGIC);
    f->layout = (uint32_t)sizeof *f;
    f->index = index;
    f->start_epoch = epoch_now();
    batch_job_id(f->batch_job_id, sizeof f->batch_job_id);
    environment_probe(o.db_dir, &f->env);
    job_record_init(&f->record);

    char fault_log[TEXT_MAX + 32] = "", outcome[TEXT_MAX + 32] = "";
    if (o.simulate)
        text_format(fault_log, sizeof fault_log, "%s/faults-round-0.log",
                    o.run_dir);
    if (o.job_cmd[0])
        text_format(outcome, sizeof outcome, "%s/jobs/job-%d.outcome",
                    o.run_dir, index);
    job_spec spec;
    job_spec_init(&spec, &o, &o.profiles[0], db_path, index, 0,
                  shared_storm_start(o.run_dir, index),
                  fault_log[0] ? fault_log : NULL,
                  outcome[0] ? outcome : NULL);
    interrupts_install();
    int stop = run_jobs_isolated(&spec, &f->record, 1, interrupt_signal);
    if (stop && f->record.signal == SIGKILL && !f->record.killed_by_harness) {
        /* The batch system's walltime or qdel: the job's group is gone,
         * and its record says so, with what it had acknowledged. */
        f->record.outcome = OUTCOME_KILLED;
        text_format(f->record.failed_message, sizeof f->record.failed_message,
                    "interrupted by %s "
                    "(the batch system's walltime or qdel)",
                    interrupt_signal_name(stop));
    }
    f->end_epoch = epoch_now();
    if (f->record.harness_error[0])
        fprintf(stderr, "trackhammer: --single-job %d: harness error: %s\n",
                index, f->record.harness_error);
    bool lived = (f->record.outcome == OUTCOME_OK ||
                  f->record.outcome == OUTCOME_SKIPPED) &&
                 !f->record.harness_error[0];
    f->exit_status = lived ? 0 : 1;
    f->settled = 1;
    msync(f, sizeof *f, MS_SYNC);
    if (!o.quiet)
        report_end(&spec, &f->record);
    munmap(f, sizeof *f);
    if (stop)
        return interrupt_exit_status(stop);
    return lived ? 0 : 1;
}
