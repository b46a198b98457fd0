/*
 * bench_readload.c: DELETE against WAL with readers polling hard
 *.
 *
 * The pull request says DELETE mode's loss of WAL's concurrent readers
 * costs no measurable throughput for this workload. Here W writer
 * processes live job after job (open, is_done, mark_running,
 * mark_completed, close) on one database, while R reader processes poll
 * it as fast as they can: one monitor (list_unfinished and
 * take_monitor_requests, on one long-lived connection, as trackhammer's
 * monitor does) and R-1 dashboards (list_unfinished alone). Every run
 * lasts the same time; the profiles and the reader counts are interleaved,
 * repeat after repeat, so a slow moment of the machine falls on all of
 * them alike.
 *
 * The writers' jobs are a pool of tasks that failed in an earlier batch
 * (not done, so each job runs; not listed as unfinished, so the readers
 * see the jobs in flight, as the monitor sees a live batch). The writers
 * are bound by time, not by the pool: before the runs, every profile's
 * writers run alone for a short calibration against a large pool, and the
 * pool of every run is sized from the fastest rate measured, with a
 * headroom of POOL_HEADROOM (at least POOL_MIN_PER_WRITER tasks a writer;
 * one size for every run, so the readers scan the same table in each). A
 * writer that still runs out before the stop is reported: the run's
 * `capped` column counts such writers, and its rate is a floor, not a
 * measurement (bench.py refuses to quote it).
 *
 * Output: one CSV row per run on stdout
 *   run,repeat,profile,readers,seconds,jobs,job_failures,polls,
 *   poll_failures,poll_failures_locked,pool_per_writer,capped
 * and each run's raw durations, as native doubles, in
 *   SAMPLES/run-<run>-jobs.f64 and SAMPLES/run-<run>-polls.f64.
 *
 * Usage: bench_readload --dir DIR --samples DIR [--writers W] [--readers R]
 *                       [--seconds S] [--repeats N] [--profiles A,B,...]
 */
#include "bench.h"

#include <sqlite3.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 32
#define MAX_PROFILES 8
#define SAMPLE_CAPACITY (1 << 18) /* per child and run */
/* The pool: at least a large batch's worth of tasks a writer (the table
 * list_unfinished scans), and POOL_HEADROOM times what the fastest
 * profile's writers lived in the calibration, scaled to a run's length. */
#define POOL_MIN_PER_WRITER 3000
#define POOL_HEADROOM 3.0
#define CALIBRATION_POOL_PER_WRITER 20000
#define CALIBRATION_SECONDS 0.5

/* What one child did in a run, in memory shared with the parent. */
typedef struct child_tally {
    long done, failures, busy_failures, samples;
    int exhausted; /* a writer that ran out of tasks before the stop */
    double sample[SAMPLE_CAPACITY];
} child_tally;

typedef struct shared_run {
    volatile int go, stop;
    child_tally child[MAX_CHILDREN];
} shared_run;

/* The longest run: its pool of tasks, sized from the run's length, must
 * stay an int and a database that is made in minutes, not hours. */
#define MAX_SECONDS 3600.0
#define MAX_POOL_PER_WRITER (INT_MAX / MAX_CHILDREN)

/* The option as seconds in (0, MAX_SECONDS], `fallback` when absent. */
static double parse_seconds(const bench_option *o, double fallback)
{
    if (o->value == NULL)
        return fallback;
    char *end;
    double seconds = strtod(o->value, &end);
    if (*o->value == '\0' || *end != '\0' || !(seconds > 0) ||
        !(seconds <= MAX_SECONDS))
        bench_fail("%s: '%s' is not a number of seconds above 0 and at "
                   "most %g",
                   o->name, o->value, MAX_SECONDS);
    return seconds;
}

static void sleep_briefly(void)
{
    struct timespec ts = { 0, 200000 }; /* 0.2 ms */
    nanosleep(&ts, NULL);
}

static void add_sample(child_tally *c, double seconds)
{
    if (c->samples < SAMPLE_CAPACITY)
        c->sample[c->samples++] = seconds;
}

/* A finished job or poll: its duration, or its failure and class. */
static void tally(child_tally *c, int rc, double seconds)
{
    if (rc == SQLITE_OK) {
        c->done++;
        add_sample(c, seconds);
    } else {
        c->failures++;
        c->busy_failures += tracker_classify(rc) == TRACKER_CLASS_BUSY;
    }
}

/* A writer: job after job on its share of the pool until told to stop. */
static void writer_loop(const char *path, const tracker_profile *profile,
                        int writer, int writers, int pool_per_writer,
                        shared_run *run)
{
    child_tally *c = &run->child[writer];
    tracker_options options;
    tracker_options_init(&options, profile);
    char err[1024];
    for (int task = writer; !run->stop && task < writers * pool_per_writer;
         task += writers) {
        char variable[64];
        bench_variable(task, variable, sizeof variable);
        double start = bench_now();
        int rc = bench_job_life(path, &options, variable, err, sizeof err);
        if (run->stop)
            break; /* a job cut short by the end of the run is not counted */
        tally(c, rc, bench_now() - start);
    }
    c->exhausted = !run->stop;
}

/* One poll; the monitor also takes its requests. */
static int poll_once(tracker *t, bool monitor)
{
    tracker_task_row *rows = NULL;
    size_t n = 0;
    int rc = tracker_list_unfinished(t, BENCH_EXPERIMENT, &rows, &n);
    tracker_free_task_rows(rows, n);
    if (rc == SQLITE_OK && monitor) {
        char **variables = NULL;
        size_t taken = 0;
        rc = tracker_take_monitor_requests(t, BENCH_EXPERIMENT, &variables,
                                           &taken);
        tracker_free_strings(variables, taken);
    }
    return rc;
}

/* A reader: poll after poll on one connection until told to stop. */
static void reader_loop(const char *path, const tracker_profile *profile,
                        child_tally *c, bool monitor, shared_run *run)
{
    tracker_options options;
    tracker_options_init(&options, profile);
    tracker *t = NULL;
    if (tracker_open(path, &options, &t, NULL) != SQLITE_OK) {
        c->failures++;
        return;
    }
    while (!run->stop) {
        double start = bench_now();
        int rc = poll_once(t, monitor);
        if (run->stop)
            break;
        tally(c, rc, bench_now() - start);
    }
    tracker_free(t);
}

/* Each role's samples, concatenated, into its file. */
static bool save_samples(const char *dir, int run_index, const char *role,
                         const shared_run *run, int first, int count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run-%d-%s.f64", dir, run_index, role);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    fclose(f);
    bool ok = true;
    for (int k = first; k < first + count && ok; k++) {
        FILE *a = fopen(path, "ab");
        const child_tally *c = &run->child[k];
        ok = a && fwrite(c->sample, sizeof(double), (size_t)c->samples, a) ==
                      (size_t)c->samples;
        if (a && fclose(a) != 0)
            ok = false;
    }
    return ok;
}

typedef struct run_plan {
    const char *db_dir, *samples_dir;
    int writers, readers, repeat, index, pool_per_writer;
    bool calibration; /* no output, no samples: the rate alone */
    double seconds;
    const tracker_profile *profile;
} run_plan;

/* One run: a fresh database, the children, the clock, the tallies. */
static int run_once(const run_plan *plan, shared_run *run, long *jobs_out)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/readload.db", plan->db_dir);
    if (bench_prepare_database(path, plan->profile,
                               plan->writers * plan->pool_per_writer, "failed",
                               err, sizeof err) != SQLITE_OK) {
        fprintf(stderr, "bench_readload: %s\n", err);
        return 1;
    }
    memset(run, 0, sizeof *run);
    int children = plan->writers + plan->readers;
    pid_t pids[MAX_CHILDREN];
    for (int k = 0; k < children; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            double give_up = bench_now() + 30;
            while (!run->go && bench_now() < give_up)
                sleep_briefly();
            if (k < plan->writers)
                writer_loop(path, plan->profile, k, plan->writers,
                            plan->pool_per_writer, run);
            else
                reader_loop(path, plan->profile, &run->child[k],
                            k == plan->writers, run);
            _exit(0);
        }
    }
    double started = bench_now();
    run->go = 1;
    while (bench_now() < started + plan->seconds)
        sleep_briefly();
    run->stop = 1;
    double elapsed = bench_now() - started;
    for (int k = 0; k < children; k++) {
        /* A child in a busy wait sees the stop within its busy timeout;
         * past a generous bound it is killed rather than waited for. */
        double give_up = bench_now() + 60;
        int status;
        while (pids[k] > 0 && waitpid(pids[k], &status, WNOHANG) == 0) {
            if (bench_now() > give_up) {
                kill(pids[k], SIGKILL);
                waitpid(pids[k], &status, 0);
                break;
            }
            sleep_briefly();
        }
    }
    long jobs = 0, job_failures = 0, polls = 0, poll_failures = 0, busy = 0;
    int capped = 0;
    for (int k = 0; k < children; k++) {
        if (run->child[k].exhausted) {
            capped++;
            fprintf(stderr,
                    "bench_readload: run %d (%s, %d readers): writer "
                    "%d ran out of its %d tasks before the end: the run's "
                    "rate is a floor, not a measurement\n",
                    plan->index, plan->profile->name, plan->readers, k,
                    plan->pool_per_writer);
        }
        bool writer = k < plan->writers;
        *(writer ? &jobs : &polls) += run->child[k].done;
        *(writer ? &job_failures : &poll_failures) += run->child[k].failures;
        busy += writer ? 0 : run->child[k].busy_failures;
    }
    *jobs_out = jobs;
    if (plan->calibration)
        return 0;
    if (!save_samples(plan->samples_dir, plan->index, "jobs", run, 0,
                      plan->writers) ||
        !save_samples(plan->samples_dir, plan->index, "polls", run,
                      plan->writers, plan->readers)) {
        fprintf(stderr, "bench_readload: cannot write samples under '%s'\n",
                plan->samples_dir);
        return 1;
    }
    printf("%d,%d,%s,%d,%.6f,%ld,%ld,%ld,%ld,%ld,%d,%d\n", plan->index,
           plan->repeat, plan->profile->name, plan->readers, elapsed, jobs,
           job_failures, polls, poll_failures, busy, plan->pool_per_writer,
           capped);
    fflush(stdout);
    return 0;
}

static const char usage[] =
    "usage: bench_readload --dir DIR --samples DIR [--writers W] [--readers "
    "R]\n"
    "                      [--seconds S] [--repeats N] [--profiles A,B,...]\n"
    "\n"
    "Writers living job after job while readers poll the same database, run\n"
    "after run; one CSV row a run on stdout, its durations in --samples.\n"
    "\n"
    "  --dir DIR          an existing directory for the database\n"
    "  --samples DIR      an existing directory for the samples\n"
    "  --writers W        writer processes [default: 2]\n"
    "  --readers R        reader processes [default: 3]; W + R at most 32\n"
    "  --seconds S        a run's length, above 0, at most 3600 [default: 2]\n"
    "  --repeats N        repeats, 1 to 1000 [default: 5]\n"
    "  --profiles A,B,... built-in profiles\n"
    "                     [default: wal-normal,delete-normal,delete-off]\n"
    "\n"
    "Exit status: 0 done, 1 a run failed, 2 bad command line.\n";

int main(int argc, char **argv)
{
    bench_option options[] = {
        { "--dir", true, NULL },       { "--samples", true, NULL },
        { "--writers", false, NULL },  { "--readers", false, NULL },
        { "--seconds", false, NULL },  { "--repeats", false, NULL },
        { "--profiles", false, NULL },
    };
    bench_parse_args(argc, argv, usage, options,
                     sizeof options / sizeof *options);
    run_plan plan = { 0 };
    plan.db_dir = bench_dir(&options[0]);
    plan.samples_dir = bench_dir(&options[1]);
    plan.writers = bench_int(&options[2], 2, 1, MAX_CHILDREN - 1);
    int readers = bench_int(&options[3], 3, 1, MAX_CHILDREN - 1);
    plan.seconds = parse_seconds(&options[4], 2.0);
    int repeats = bench_int(&options[5], 5, 1, 1000);
    if (plan.writers + readers > MAX_CHILDREN)
        bench_fail("--writers %d + --readers %d: more than %d processes",
                   plan.writers, readers, MAX_CHILDREN);
    const tracker_profile *profiles[MAX_PROFILES];
    int count =
        bench_profiles(&options[6], "wal-normal,delete-normal,delete-off",
                       profiles, MAX_PROFILES);
    shared_run *run = mmap(NULL, sizeof *run, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (run == MAP_FAILED) {
        perror("bench_readload: mmap");
        return 1;
    }
    /* Calibration: each profile's writers alone, on a large pool. */
    double fastest = 0; /* jobs per second per writer */
    run_plan calibration = plan;
    calibration.calibration = true;
    calibration.readers = 0;
    calibration.seconds = CALIBRATION_SECONDS;
    calibration.pool_per_writer = CALIBRATION_POOL_PER_WRITER;
    for (int p = 0; p < count; p++) {
        long jobs = 0;
        calibration.profile = profiles[p];
        if (run_once(&calibration, run, &jobs) != 0)
            return 1;
        double rate = (double)jobs / CALIBRATION_SECONDS /
                      (plan.writers ? plan.writers : 1);
        if (rate > fastest)
            fastest = rate;
    }
    double sized = fastest * plan.seconds * POOL_HEADROOM;
    plan.pool_per_writer = sized < POOL_MIN_PER_WRITER   ? POOL_MIN_PER_WRITER
                           : sized < MAX_POOL_PER_WRITER ? (int)sized + 1
                                                         : MAX_POOL_PER_WRITER;
    fprintf(stderr,
            "bench_readload: calibration: fastest %.0f jobs/s a "
            "writer; pool %d tasks a writer\n",
            fastest, plan.pool_per_writer);
    int status = 0;
    for (int r = 0; r < repeats && status == 0; r++)
        for (int level = 0; level < 2 && status == 0; level++)
            for (int p = 0; p < count && status == 0; p++) {
                plan.repeat = r;
                plan.readers = level ? readers : 0;
                /* The first profile rotates, so none is always first. */
                plan.profile = profiles[(p + r) % count];
                long jobs = 0;
                status = run_once(&plan, run, &jobs);
                plan.index++;
            }
    munmap(run, sizeof *run);
    return status;
}
