/*
 * test_pbs.c: the batch scripts end to end, unchanged, through the PBS
 * stand-in (pbs/standin) and on a real one-node Slurm on localhost
 * (pbs/tests/slurm-cluster.sh), with low counts.
 *
 * Each topology runs one profile whose outcome follows from mechanism: an
 * fsync that always fails (the fault model, every other fault off) fails
 * every delete-normal job at mark_running with SQLITE_IOERR_FSYNC, and
 * delete-off (no fsync) completes every job. The merged or MPI run must
 * load in th-report, its verification must say integrity ok and no lost
 * update, and its database must hold what the jobs acknowledged. The
 * delete-off jobs of the single-job topology work long enough (3 s) that,
 * released together, all of them must have been running at one moment.
 * Parameters given with qsub -v (TH_RANKS, TH_REPEAT) and the Gadi
 * directives overridden on qsub's command line (-P, -l storage=) must show
 * in the run and in qstat -f. Every command runs under a timeout that
 * kills its process group; the Slurm daemons are stopped by the teardown,
 * which runs even when a test fails.
 */
#define _GNU_SOURCE /* asprintf, setenv */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testsupport.h"

#define COMMAND_TIMEOUT_S 90.0
#define JOBS 4
/* Every probability of the lustre model at 0, storm off, and fsync failing
 * always: only that can fail. */
#define FSYNC_FAILS                                                           \
    "lustre,storm=off,open.p=0,delete.p=0,access.p=0,sync.p=0,read.p=0,"      \
    "write.p=0,truncate.p=0,lock.p=0,shm_open.p=0,shm_map.p=0,sync.p=1"
#define SMALL_RUN "--seed 5 --time-scale 0.01 --work 1 --start-jitter 0.5 "
/* The single jobs' work when they must overlap: 300 model s, 3 s real. */
#define LONG_WORK "--work 300 "
/* The project the scripts' placeholder directives name, and one to give
 * on qsub's command line instead. */
#define PLACEHOLDER_PROJECT "CHANGE_ME"
#define PROJECT "xy99"
#define PROJECT_ARGS                                                          \
    "-P " PROJECT " -l storage=scratch/" PROJECT "+gdata/" PROJECT

typedef struct fixture {
    char *dir; /* scratch: db/, out/, the jobs' logs, slurm/ */
    bool slurm_up;
} fixture;

static fixture the_fixture;

/* A command with bash in `dir`, killed whole after COMMAND_TIMEOUT_S
 * (testsupport's command_run). */
#define run(dir, output, ...)                                                 \
    command_run(dir, COMMAND_TIMEOUT_S, output, __VA_ARGS__)

/* One integer from an SQL query on a database file; ?1 is `text`. */
static long long query_with(const char *db_path, const char *sql,
                            const char *text)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (text)
        sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    long long value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

static long long query(const char *db_path, const char *sql)
{
    return query_with(db_path, sql, NULL);
}

/* A whole file, malloc'd. */
static char *file_text(const char *path)
{
    char *text = read_whole_file(path);
    assert_non_null(text);
    return text;
}

/* The run loads in th-report (from the checkout, where it finds the
 * published table); its results database, for queries. */
static char *load_in_report(const char *run_dir)
{
    char *report_db = NULL;
    assert_true(asprintf(&report_db, "%s/report.db", the_fixture.dir) > 0);
    unlink(report_db);
    int status = run(the_fixture.dir, NULL,
                     "cd '%s' && '%s' --db '%s' '%s' "
                     ">/dev/null",
                     TH_HOME, TH_REPORT, report_db, run_dir);
    assert_int_equal(status, 0);
    return report_db;
}

/* Assert that `sql` counts `expected` on the report's database; if not,
 * fail showing every job's row and the jobs' batch logs, so a failure on
 * a CI machine says what the jobs did. */
static void assert_count(const char *report_db, const char *sql,
                         long long expected)
{
    long long got = query(report_db, sql);
    if (got == expected)
        return;
    char *rows = NULL, *logs = NULL;
    run(the_fixture.dir, &rows,
        "sqlite3 -line '%s' \"SELECT job, outcome, "
        "signal, failed_op, code_name, message, last_ack, in_flight, "
        "verdict, wall_s FROM jobs ORDER BY run_id, round, job\" 2>&1",
        report_db);
    run(the_fixture.dir, &logs,
        "tail -n 20 th-*.o* th-*.out trackhammer*.o* "
        "trackhammer-*.out 2>&1");
    fail_msg("%s: %lld, expected %lld\n-- jobs --\n%s\n-- logs --\n%s", sql,
             got, expected, rows ? rows : "", logs ? logs : "");
}

/* What every run here must show, whatever the topology: one round of
 * JOBS jobs of `profile`, verified: integrity ok, nothing acknowledged
 * lost; every job failed at mark_running with an fsync error
 * (delete-normal) or completed (delete-off), as the database says too. */
static void assert_mechanism(const char *report_db, const char *profile)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM jobs WHERE profile='%s'",
             profile);
    assert_count(report_db, sql, JOBS);
    assert_count(report_db,
                 "SELECT count(*) FROM rounds WHERE "
                 "integrity<>'ok' OR lost_updates<>0",
                 0);
    if (strcmp(profile, "delete-normal") == 0)
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM jobs WHERE "
                 "profile='%s' AND outcome='failed' AND failed_op="
                 "'mark_running' AND code_name='SQLITE_IOERR_FSYNC'",
                 profile);
    else
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM jobs WHERE "
                 "profile='%s' AND outcome='ok' AND last_ack='mark_completed' "
                 "AND verdict='ok'",
                 profile);
    assert_count(report_db, sql, JOBS);
}

/* How many of the run's tasks the database holds completed. */
static void assert_completed(const char *db_dir, long long expected)
{
    char *db = NULL, sql[128];
    assert_true(asprintf(&db, "%s/cmor_tasks.db", db_dir) > 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM cmor_tasks WHERE "
             "status='completed'");
    assert_int_equal(query(db, sql), expected);
    free(db);
}

/* The first line of `text` into `line`, the second into `second`. */
static void two_lines(const char *text, char *line, char *second, size_t size)
{
    assert_non_null(text);
    const char *end = strchr(text, '\n');
    assert_non_null(end);
    snprintf(line, size, "%.*s", (int)(end - text), text);
    snprintf(second, size, "%s", end + 1);
    second[strcspn(second, "\n")] = '\0';
}

/* Poll `check` (a shell condition on $JOB, the job's id) every 0.2 s
 * until it holds, at most timeout_s: the wait for a batch job to end. */
static bool wait_until(const char *job, const char *check, double timeout_s)
{
    for (int i = 0; i < (int)(timeout_s * 5); i++) {
        if (run(the_fixture.dir, NULL, "JOB='%s'; %s", job, check) == 0)
            return true;
        struct timespec pause = { 0, 200000000 };
        nanosleep(&pause, NULL);
    }
    return false;
}

/* The jobs of a single-job run ran at once: some moment lies inside every
 * job's life (the latest start is before the earliest end), from the
 * start_epoch and end_epoch each job recorded (summary.json's
 * environment.jobs). On failure, every job's times. */
static void assert_all_overlapped(const char *summary)
{
    long long overlap =
        query_with(":memory:",
                   "SELECT "
                   "max(json_extract(value, '$.start_epoch')) < "
                   "min(json_extract(value, '$.end_epoch')) AND "
                   "min(json_extract(value, '$.start_epoch')) > 0 "
                   "FROM json_each(?1, '$.environment.jobs')",
                   summary);
    if (overlap == 1)
        return;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char *times = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&times, &size);
    assert_non_null(out);
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(
            db,
            "SELECT printf('job %d (%s): "
            "%.3f to %.3f', json_extract(value, '$.job'), json_extract(value, "
            "'$.batch_job_id'), json_extract(value, '$.start_epoch'), "
            "json_extract(value, '$.end_epoch')) FROM json_each(?1, "
            "'$.environment.jobs')",
            -1, &stmt, NULL),
        SQLITE_OK);
    sqlite3_bind_text(stmt, 1, summary, -1, SQLITE_STATIC);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        fprintf(out, "%s\n", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    fclose(out);
    fail_msg("the %d jobs were not all running at one moment after their "
             "release (the latest start is not before the earliest end):\n%s",
             JOBS, times);
}

/* The single-job topology through `scheduler`: prepare, JOBS held jobs
 * released together, the merge after all of them, each submitted with
 * `submit_args` (TH_SUBMIT_ARGS). The delete-off jobs work 3 s each and
 * must all have run at once. The run directory, malloc'd. */
static char *independent_jobs(const char *scheduler, const char *profile,
                              const char *fault_args, const char *submit_args,
                              const char *wait_for, const char *succeeded,
                              const char *job_id_pattern)
{
    char *out = NULL, run_dir[1024], merge[256];
    bool overlap = strcmp(profile, "delete-off") == 0;
    int status =
        run(the_fixture.dir, &out,
            "TH_JOBS=%d TH_PROFILE=%s TH_DB_DIR=db-%s-%s TH_OUTPUT=out-%s "
            "TH_SUBMIT_ARGS='%s' TH_ARGS='" SMALL_RUN "%s%s' "
            "'%s/pbs/submit-jobs.sh' %s",
            JOBS, profile, scheduler, profile, scheduler, submit_args,
            overlap ? LONG_WORK : "", fault_args, TH_HOME, scheduler);
    assert_int_equal(status, 0);
    two_lines(out, run_dir, merge, sizeof run_dir);
    free(out);
    if (!wait_until(merge, wait_for, COMMAND_TIMEOUT_S))
        fail_msg("the merge job %s did not finish", merge);
    assert_int_equal(
        run(the_fixture.dir, NULL, "JOB='%s'; %s", merge, succeeded), 0);
    char *report_db = load_in_report(run_dir);
    assert_mechanism(report_db, profile);
    /* Each job's own environment, under the scheduler's id for it. */
    char summary_path[1200];
    snprintf(summary_path, sizeof summary_path, "%s/summary.json", run_dir);
    char *summary = file_text(summary_path);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM json_each(?1, "
             "'$.environment.jobs') WHERE json_extract(value, '$.record')="
             "'settled' AND json_extract(value, '$.batch_job_id') GLOB '%s' "
             "AND json_extract(value, '$.fs_type') IS NOT NULL",
             job_id_pattern);
    assert_int_equal(query_with(":memory:", sql, summary), JOBS);
    if (overlap)
        assert_all_overlapped(summary);
    free(summary);
    char db_dir[1100];
    snprintf(db_dir, sizeof db_dir, "%s/db-%s-%s", the_fixture.dir, scheduler,
             profile);
    /* A failing fsync fails mark_failed too: no delete-normal task ends
     * completed, every delete-off task does. */
    assert_completed(db_dir, strcmp(profile, "delete-off") == 0 ? JOBS : 0);
    free(report_db);
    return strdup(run_dir);
}

/* Submit an MPI job (`submit` prints its id on its first line), wait for
 * it, require it succeeded; its id into `id`, and the run directory it
 * wrote under `output` (malloc'd). */
static char *mpi_job_run(const char *submit, const char *wait_for,
                         const char *succeeded, const char *output, char *id,
                         size_t id_size)
{
    char *out = NULL;
    int status = run(the_fixture.dir, &out, "%s", submit);
    assert_int_equal(status, 0);
    char rest[256];
    assert_true(id_size <= sizeof rest);
    two_lines(out, id, rest, id_size);
    free(out);
    if (!wait_until(id, wait_for, COMMAND_TIMEOUT_S))
        fail_msg("the MPI job %s did not finish", id);
    if (run(the_fixture.dir, NULL, "JOB='%s'; %s", id, succeeded) != 0) {
        char *log = NULL;
        run(the_fixture.dir, &log,
            "cat trackhammer*.o* trackhammer-*.out 2>&1");
        fail_msg("the MPI job %s failed:\n%s", id, log);
    }
    char *run_dir = NULL;
    status = run(the_fixture.dir, &run_dir, "ls -d \"$PWD\"/%s/*/", output);
    assert_int_equal(status, 0);
    run_dir[strcspn(run_dir, "\n")] = '\0';
    return run_dir;
}

/* The MPI job script: 2 ranks, both profiles, one round each. */
static void mpi_job(const char *submit, const char *wait_for,
                    const char *succeeded, const char *scheduler)
{
    char id[256], output[64];
    snprintf(output, sizeof output, "out-mpi-%s", scheduler);
    char *run_dir =
        mpi_job_run(submit, wait_for, succeeded, output, id, sizeof id);
    char *report_db = load_in_report(run_dir);
    assert_count(report_db, "SELECT count(*) FROM rounds", 2);
    assert_count(report_db,
                 "SELECT count(*) FROM rounds WHERE "
                 "integrity<>'ok' OR lost_updates<>0",
                 0);
    assert_count(report_db,
                 "SELECT count(*) FROM jobs WHERE profile="
                 "'delete-normal' AND code_name="
                 "'SQLITE_IOERR_FSYNC'",
                 JOBS);
    assert_count(report_db,
                 "SELECT count(*) FROM jobs WHERE profile="
                 "'delete-off' AND outcome='ok'",
                 JOBS);
    free(report_db);
    free(run_dir);
}

/* One integer from `sql` on a results CSV file of `run_dir` (table t). */
static long long csv_count(const char *run_dir, const char *file,
                           const char *sql)
{
    char path[1200];
    long long value = -1;
    snprintf(path, sizeof path, "%s/%s", run_dir, file);
    if (csv_file_query(path, sql, &value) != 0)
        fail_msg("%s: no answer to %s", path, sql);
    return value;
}

/* How many of the stand-in jobs that `ids` (a shell command printing job
 * ids) names show `line` in qstat -f, exactly. */
static long long qstat_showing(const char *ids, const char *line)
{
    char *out = NULL;
    int status = run(the_fixture.dir, &out,
                     "n=0; for id in $(%s); do "
                     "qstat -x -f \"$id\" | grep -qxF '    %s' && "
                     "n=$((n + 1)); done; echo $n",
                     ids, line);
    assert_int_equal(status, 0);
    assert_non_null(out);
    long long n = strtoll(out, NULL, 10);
    free(out);
    return n;
}

static int setup(void **state)
{
    the_fixture.dir = scratch_dir_make("trackhammer-pbs");
    the_fixture.slurm_up = false;
    *state = &the_fixture;
    return the_fixture.dir ? 0 : -1;
}

/* Whatever a test left: stand-in jobs deleted, Slurm stopped. */
static int teardown(void **state)
{
    (void)state;
    run(the_fixture.dir, NULL,
        "ids=$(ls spool/jobs 2>/dev/null); "
        "[ -z \"$ids\" ] || qdel $ids >/dev/null 2>&1; true");
    if (the_fixture.slurm_up) {
        run(the_fixture.dir, NULL,
            "scancel --user=$(id -un) 2>/dev/null; "
            "'%s/pbs/tests/slurm-cluster.sh' stop slurm",
            TH_HOME);
        the_fixture.slurm_up = false;
    }
    scratch_dir_remove(the_fixture.dir);
    free(the_fixture.dir);
    the_fixture.dir = NULL;
    return 0;
}

/* The stand-in's spool in the scratch directory, its commands first on
 * PATH, and what this machine's "login profile" passes to jobs. */
static void use_standin(void)
{
    char *spool = NULL, *path = NULL;
    assert_true(asprintf(&spool, "%s/spool", the_fixture.dir) > 0);
    assert_true(asprintf(&path, "%s/pbs/standin:%s", TH_HOME, getenv("PATH")) >
                0);
    setenv("PBS_STANDIN_SPOOL", spool, 1);
    setenv("PATH", path, 1);
    setenv("PBS_STANDIN_PASS",
           "OMPI_ALLOW_RUN_AS_ROOT "
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_mca_base_component_"
           "disable_dlclose ASAN_OPTIONS LSAN_OPTIONS",
           1);
    free(spool);
    free(path);
}

#define PBS_FINISHED "qstat -x -f \"$JOB\" | grep -q 'job_state = F'"
#define PBS_SUCCEEDED "qstat -x -f \"$JOB\" | grep -q 'Exit_status = 0$'"

/* The ids of a single-job run's jobs and its merge (RUN_DIR/batch-jobs). */
#define BATCH_JOBS "sed 's/^merge //' '%s/batch-jobs'"

static void test_pbs_independent_jobs(void **state)
{
    (void)state;
    use_standin();
    char ids[1400];
    /* Without -P and -l storage=, the jobs get the placeholders of their
     * #PBS lines: the stand-in read them. */
    char *run_dir =
        independent_jobs("pbs", "delete-normal", "-f " FSYNC_FAILS, "",
                         PBS_FINISHED, PBS_SUCCEEDED, "*.standin");
    snprintf(ids, sizeof ids, BATCH_JOBS, run_dir);
    assert_int_equal(qstat_showing(ids, "project = " PLACEHOLDER_PROJECT),
                     JOBS + 1);
    assert_int_equal(
        qstat_showing(ids,
                      "Resource_List.storage = scratch/" PLACEHOLDER_PROJECT
                      "+gdata/" PLACEHOLDER_PROJECT),
        JOBS + 1);
    free(run_dir);
    /* With them in TH_SUBMIT_ARGS, qsub's command line wins over the
     * #PBS lines, resource by resource: mem stays the directive's. */
    run_dir =
        independent_jobs("pbs", "delete-off", "-f " FSYNC_FAILS, PROJECT_ARGS,
                         PBS_FINISHED, PBS_SUCCEEDED, "*.standin");
    snprintf(ids, sizeof ids, BATCH_JOBS, run_dir);
    assert_int_equal(qstat_showing(ids, "project = " PROJECT), JOBS + 1);
    assert_int_equal(qstat_showing(ids,
                                   "Resource_List.storage = scratch/" PROJECT
                                   "+gdata/" PROJECT),
                     JOBS + 1);
    assert_int_equal(qstat_showing(ids, "Resource_List.mem = 2GB"), JOBS + 1);
    free(run_dir);
    /* The jobs ran as PBS runs them: their logs in the submission
     * directory, under their -N names. */
    assert_int_equal(run(the_fixture.dir, NULL,
                         "ls th-job-0.o* th-merge.o* "
                         ">/dev/null"),
                     0);
}

static void test_pbs_mpi_job(void **state)
{
    (void)state;
    use_standin();
    char submit[2048];
    snprintf(
        submit, sizeof submit,
        "qsub -l ncpus=2 -v \"TH_HOME=%s,TH_BIN=$TH_BIN,TH_DB_DIR=$PWD/db-mpi,"
        "TH_OUTPUT=$PWD/out-mpi-pbs,TH_PROFILES='delete-normal,"
        "delete-off',TH_MPIRUN_ARGS=--oversubscribe,TH_ARGS='-n %d " SMALL_RUN
        "-f " FSYNC_FAILS "'\" '%s/pbs/trackhammer.pbs' && "
        "mkdir -p db-mpi && echo",
        TH_HOME, JOBS, TH_HOME);
    mpi_job(submit, PBS_FINISHED, PBS_SUCCEEDED, "pbs");
}

/* The MPI job's parameters from qsub -v, and Gadi's directives from qsub's
 * command line: TH_RANKS=3 ranks (not the job's 2 CPUs), one job per rank
 * (no --jobs), TH_REPEAT=2 rounds (not 1), project and storage given, the
 * walltime and ncpus replaced, mem left to the script. */
#define V_RANKS 3
#define V_REPEAT 2
#define STR_(x) #x
#define STR(x) STR_(x)
static void test_pbs_mpi_job_qsub_overrides(void **state)
{
    (void)state;
    use_standin();
    char submit[2048];
    snprintf(submit, sizeof submit,
             "qsub " PROJECT_ARGS " -l ncpus=2 -l walltime=00:10:00 -v "
             "\"TH_HOME=%s,TH_BIN=$TH_BIN,TH_DB_DIR=$PWD/db-mpi-v,"
             "TH_OUTPUT=$PWD/out-mpi-v,TH_PROFILES=delete-off,TH_RANKS=%d,"
             "TH_REPEAT=%d,TH_MPIRUN_ARGS=--oversubscribe,TH_ARGS='" SMALL_RUN
             "-f " FSYNC_FAILS "'\" '%s/pbs/trackhammer.pbs' && echo",
             TH_HOME, V_RANKS, V_REPEAT, TH_HOME);
    char id[256];
    char *run_dir = mpi_job_run(submit, PBS_FINISHED, PBS_SUCCEEDED,
                                "out-mpi-v", id, sizeof id);
    /* TH_REPEAT rounds of one profile, each of TH_RANKS jobs, all done. */
    assert_int_equal(csv_count(run_dir, "rounds.csv",
                               "SELECT count(*) FROM "
                               "t"),
                     V_REPEAT);
    assert_int_equal(csv_count(run_dir, "rounds.csv",
                               "SELECT count(DISTINCT "
                               "repeat) FROM t"),
                     V_REPEAT);
    assert_int_equal(
        csv_count(
            run_dir, "rounds.csv",
            "SELECT count(*) FROM "
            "t WHERE profile='delete-off' AND jobs+0 = " STR(
                V_RANKS) " AND ok+0 = " STR(V_RANKS) " AND "
                                                     "integrity='ok' AND "
                                                     "lost_updates+0 = 0"),
        V_REPEAT);
    assert_int_equal(csv_count(run_dir, "jobs.csv",
                               "SELECT count(*) FROM t "
                               "WHERE outcome='ok'"),
                     V_RANKS * V_REPEAT);
    /* The run says so too: TH_RANKS ranks, TH_REPEAT repeats. */
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.json", run_dir);
    char *summary = file_text(path);
    assert_int_equal(query_with(":memory:",
                                "SELECT json_array_length(?1, "
                                "'$.environment.ranks')",
                                summary),
                     V_RANKS);
    assert_int_equal(query_with(":memory:",
                                "SELECT json_extract(?1, "
                                "'$.repeat')",
                                summary),
                     V_REPEAT);
    free(summary);
    /* qsub's command line over the #PBS lines, resource by resource. */
    char ids[300];
    snprintf(ids, sizeof ids, "echo '%s'", id);
    assert_int_equal(qstat_showing(ids, "project = " PROJECT), 1);
    assert_int_equal(qstat_showing(ids,
                                   "Resource_List.storage = scratch/" PROJECT
                                   "+gdata/" PROJECT),
                     1);
    assert_int_equal(qstat_showing(ids, "Resource_List.ncpus = 2"), 1);
    assert_int_equal(qstat_showing(ids, "Resource_List.walltime = 00:10:00"),
                     1);
    assert_int_equal(qstat_showing(ids, "Resource_List.mem = 64GB"), 1);
    free(run_dir);
}

#define SLURM_FINISHED                                                        \
    "scontrol show job \"$JOB\" | grep -qE "                                  \
    "'JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY)'"
/* COMPLETED is Slurm's state for exit status 0 (FAILED otherwise). */
#define SLURM_SUCCEEDED                                                       \
    "scontrol show job \"$JOB\" | grep -q 'JobState=COMPLETED'"

/* A one-node Slurm for the test, or a skip saying why it cannot start. */
static void use_slurm(void)
{
    char *out = NULL;
    int status = run(the_fixture.dir, &out,
                     "mkdir -p slurm && "
                     "'%s/pbs/tests/slurm-cluster.sh' start \"$PWD/slurm\" "
                     "2>slurm-start.err",
                     TH_HOME);
    if (status == 3) {
        /* The script's last line says which: slurm-wlm or munge not
         * installed, munged or slurmctld not starting. */
        char *why = NULL;
        run(the_fixture.dir, &why,
            "grep '^slurm-cluster: ' slurm-start.err "
            "| tail -n 1 | sed 's/^slurm-cluster: //'");
        print_message("skipped: no local Slurm: %s\n",
                      why && why[0] ? why
                                    : "(slurm-cluster.sh gave no reason)");
        free(why);
        free(out);
        skip();
    }
    the_fixture.slurm_up = true;
    if (status != 0)
        fail_msg("the local Slurm did not start (status %d)", status);
    char *conf = NULL;
    assert_true(asprintf(&conf, "%s/slurm/slurm.conf", the_fixture.dir) > 0);
    setenv("SLURM_CONF", conf, 1);
    free(conf);
    free(out);
}

static void test_slurm_both_topologies(void **state)
{
    (void)state;
    use_slurm();
    free(independent_jobs("slurm", "delete-normal", "-f " FSYNC_FAILS, "",
                          SLURM_FINISHED, SLURM_SUCCEEDED, "[0-9]*"));
    free(independent_jobs("slurm", "delete-off", "-f " FSYNC_FAILS, "",
                          SLURM_FINISHED, SLURM_SUCCEEDED, "[0-9]*"));
    char submit[2048];
    snprintf(
        submit, sizeof submit,
        "TH_HOME=%s TH_DB_DIR=$PWD/db-mpi-slurm "
        "TH_OUTPUT=$PWD/out-mpi-slurm TH_PROFILES=delete-normal,delete-off "
        "TH_MPIRUN_ARGS=--oversubscribe TH_ARGS='-n %d " SMALL_RUN
        "-f " FSYNC_FAILS "' sbatch --parsable --ntasks=2 --mem-per-cpu=200M "
        "'%s/pbs/trackhammer.sbatch' && echo",
        TH_HOME, JOBS, TH_HOME);
    mpi_job(submit, SLURM_FINISHED, SLURM_SUCCEEDED, "slurm");
}

int main(void)
{
    /* mpirun refuses root without these; the sanitizer build's leak
     * suppressions for Open MPI (as the harness's own test). */
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    /* This build's programs, not the checkout's default build/. */
    setenv("TH_BIN", TH_BIN, 1);
    setenv("TH_REPORT", TH_REPORT, 1);
    setenv("OMPI_MCA_mca_base_component_disable_dlclose", "1", 1);
    setenv("ASAN_OPTIONS", "fast_unwind_on_malloc=0", 0);
    setenv("LSAN_OPTIONS",
           "suppressions=" LSAN_SUPPRESSIONS ":fast_unwind_on_malloc=0", 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pbs_independent_jobs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pbs_mpi_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pbs_mpi_job_qsub_overrides, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_slurm_both_topologies, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("batch scripts end to end", tests, NULL,
                                       NULL);
}
