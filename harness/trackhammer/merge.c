/*
 * merge.c: --merge, the last job of the single-job topology.
 *
 * Runs after every job has ended, whatever its end (afterany). Reads every
 * job's record file, verifies the database against them with the MPI
 * rounds' verification, and writes the same results files into the run
 * directory, so th-report reads it like any other run. summary.json holds,
 * for each job, the environment it ran in.
 *
 * A job with no record never ran trackhammer (deleted, or failed before
 * it); its outcome stays "pending" and counts as "other". A record not
 * settled is a job the batch system ended (walltime, qdel, a node lost)
 * while trackhammer ran it: if the job had already said how its life
 * ended, that stands; otherwise it counts as killed, with what it had
 * acknowledged and which call was in flight as its file holds them.
 */
#include "trackhammer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef enum record_state {
    RECORD_MISSING,
    RECORD_UNSETTLED,
    RECORD_SETTLED
} record_state;

static const char *record_state_name(record_state s)
{
    return s == RECORD_SETTLED     ? "settled"
           : s == RECORD_UNSETTLED ? "unsettled"
                                   : "missing";
}

/* One job's file into *f; -1 with a message if it is there but not a
 * record of this build. */
static int read_job_file(const char *run_dir, int index, job_file *f,
                         record_state *state, char *err, size_t err_size)
{
    char path[TEXT_MAX + 32];
    job_file_path(run_dir, index, path, sizeof path);
    memset(f, 0, sizeof *f);
    f->index = index;
    job_record_init(&f->record);
    *state = RECORD_MISSING;
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return errno == ENOENT
                   ? 0
                   : (text_format(err, err_size, "cannot read '%s': %s", path,
                                  strerror(errno)),
                      -1);
    size_t got = fread(f, 1, sizeof *f, in);
    fclose(in);
    if (got != sizeof *f || strcmp(f->magic, JOB_FILE_MAGIC) != 0 ||
        f->layout != sizeof *f || f->index != index) {
        text_format(err, err_size,
                    "'%s' is not a job record of this "
                    "trackhammer build (merge with the binary the jobs ran)",
                    path);
        return -1;
    }
    *state = f->settled ? RECORD_SETTLED : RECORD_UNSETTLED;
    return 0;
}

/* What the record says of a job trackhammer did not see end. */
static void settle_unseen(job_record *r, record_state state)
{
    if (state == RECORD_MISSING) {
        text_format(r->failed_message, sizeof r->failed_message,
                    "no record: the job never ran trackhammer (deleted, or "
                    "failed before it started)");
        return;
    }
    bool said = r->outcome == OUTCOME_OK || r->outcome == OUTCOME_SKIPPED ||
                r->outcome == OUTCOME_FAILED;
    if (!said) {
        r->outcome = OUTCOME_KILLED;
        text_format(r->failed_message, sizeof r->failed_message,
                    "ended by the batch system before trackhammer settled "
                    "its record (walltime, qdel or a lost node)");
    }
}

/* summary.json's "jobs": each job's batch id and environment. */
static char *jobs_json(const job_file *files, const record_state *states,
                       int count)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return NULL;
    fputc('[', f);
    for (int i = 0; i < count; i++) {
        const job_file *j = &files[i];
        char variable[64];
        variable_name(i, variable, sizeof variable);
        fprintf(f, "%s\n    {\"job\": %d, \"variable\": ", i ? "," : "", i);
        results_json_text(f, variable);
        fprintf(f, ", \"record\": \"%s\", \"batch_job_id\": ",
                record_state_name(states[i]));
        results_json_text(f, j->batch_job_id);
        fprintf(f, ", \"host\": ");
        results_json_text(f, j->env.hostname);
        fprintf(f, ", \"sqlite_version\": ");
        results_json_text(f, j->env.sqlite_version);
        fprintf(f, ", \"fs_type\": ");
        results_json_text(f, j->env.fs_type);
        fprintf(f, ", \"mount_point\": ");
        results_json_text(f, j->env.mount_point);
        fprintf(f, ", \"mount_options\": ");
        results_json_text(f, j->env.mount_options);
        fprintf(f, ", \"kernel\": ");
        results_json_text(f, j->env.kernel);
        fprintf(f, ", \"start_epoch\": %.3f, \"end_epoch\": %.3f}",
                j->start_epoch, j->end_epoch);
    }
    fputs("]", f);
    fclose(f);
    return text;
}

/* The round's wall time: from the first job's start to the last's end. */
static double round_wall(const job_file *files, const record_state *states,
                         int count)
{
    double first = 0, last = 0;
    for (int i = 0; i < count; i++) {
        if (states[i] == RECORD_MISSING)
            continue;
        if (first == 0 || files[i].start_epoch < first)
            first = files[i].start_epoch;
        if (files[i].end_epoch > last)
            last = files[i].end_epoch;
    }
    return last > first ? last - first : 0;
}

/* Verify, summarize and write the run's results from its jobs' files. */
static int merge_records(const options *o, job_file *files,
                         record_state *states)
{
    int count = o->jobs;
    job_record *records = calloc((size_t)count, sizeof *records);
    job_verdict *verdicts = calloc((size_t)count, sizeof *verdicts);
    round_result *r = calloc(1, sizeof *r);
    char *placement = jobs_json(files, states, count);
    char err[TEXT_MAX] = "";
    results res;
    int status = 1;
    if (records && verdicts && r && placement &&
        results_open_in(&res, o->run_dir, err, sizeof err) == 0) {
        for (int i = 0; i < count; i++)
            records[i] = files[i].record;
        char db_path[TEXT_MAX + 32];
        database_path(o, db_path, sizeof db_path);
        r->profile = &o->profiles[0];
        r->workload = o->workload;
        r->wall_s = round_wall(files, states, count);
        verify_round(db_path, o, records, count, &r->verdict, verdicts);
        round_summarize(records, count, r);
        results_add_round(&res, r, records, verdicts);
        results_print_progress(o, r, 1, 1);
        environment env;
        environment_probe(o->db_dir, &env);
        text_format(env.mpi_version, sizeof env.mpi_version,
                    "none (single-job topology)");
        run_end end = { RUN_COMPLETED, 0, "", 1 };
        status = results_finish(&res, o, &env, placement, r, 1, &end, stdout)
                     ? 0
                     : 1;
        if (status != 0)
            fprintf(stderr,
                    "trackhammer: harness error: the results in %s "
                    "could not all be written\n",
                    o->run_dir);
    } else {
        fprintf(stderr, "trackhammer: %s\n", err[0] ? err : "out of memory");
    }
    free(placement);
    free(r);
    free(verdicts);
    free(records);
    return status;
}

int merge_main(const options *step)
{
    static options o;
    char err[TEXT_MAX] = "";
    if (!plan_load(step, &o, err, sizeof err)) {
        fprintf(stderr, "trackhammer: %s\n", err);
        return 2;
    }
    db_claim claim;
    int claimed =
        db_dir_claim_adopt(o.db_dir, o.run_dir, &claim, err, sizeof err);
    if (claimed != 0) {
        fprintf(stderr, "trackhammer: %s\n", err);
        return claimed;
    }
    job_file *files = calloc((size_t)o.jobs, sizeof *files);
    record_state *states = calloc((size_t)o.jobs, sizeof *states);
    int status = files && states ? 0 : 1;
    int missing = 0, unsettled = 0;
    for (int i = 0; i < o.jobs && status == 0; i++) {
        if (read_job_file(o.run_dir, i, &files[i], &states[i], err,
                          sizeof err) != 0) {
            fprintf(stderr, "trackhammer: %s\n", err);
            status = 1;
            break;
        }
        if (states[i] != RECORD_SETTLED)
            settle_unseen(&files[i].record, states[i]);
        missing += states[i] == RECORD_MISSING;
        unsettled += states[i] == RECORD_UNSETTLED;
    }
    /* A job the harness could not run makes the run no measurement. */
    for (int i = 0; i < o.jobs && status == 0; i++)
        if (files[i].record.harness_error[0]) {
            fprintf(stderr,
                    "trackhammer: harness error in job %d: %s; not "
                    "merged (rerun the run)\n",
                    i, files[i].record.harness_error);
            status = 1;
        }
    if (status == 0 && (missing || unsettled))
        fprintf(stderr,
                "trackhammer: of %d jobs, %d left no record and %d "
                "were ended by the batch system\n",
                o.jobs, missing, unsettled);
    if (status == 0)
        status = merge_records(&o, files, states);
    /* Merged: the directory is free for the next run. A merge that failed
     * keeps it, to be merged again. */
    if (status == 0)
        db_dir_release(&claim);
    else
        db_dir_keep(&claim);
    free(files);
    free(states);
    return status;
}
