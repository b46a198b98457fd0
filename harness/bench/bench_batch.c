/*
 * bench_batch.c: a batch's jobs with no harness around them, the floor
 * trackhammer's rounds are compared with.
 *
 * A round here is N jobs released at once, each the job's life of
 * trackhammer's built-in job with no work and no start jitter (open,
 * is_done, mark_running, mark_completed, close, through the tracker), in N
 * processes forked from one parent before the clock starts, against a
 * fresh database holding the N tasks. Its time is from the release to the
 * end of the last job, as the jobs themselves stamp it: no fork, no
 * reaping, no monitor, no MPI, no set-up, no verification, no results.
 * What trackhammer's round of the same N jobs takes beyond this is the
 * harness's cost (bench.py takes the difference, side by side).
 *
 * Output: one CSV row per round on stdout
 *   round,jobs,failures,span_s,db_time_sum_s
 *
 * Usage: bench_batch --dir DIR --jobs N [--rounds R] [--profile NAME]
 */
#include "bench.h"

#include <sqlite3.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 1024
/* A round's jobs live well under a second; a child still alive after
 * this is stuck, and is killed. */
#define REAP_LIMIT_S 120.0

typedef struct shared_batch {
    volatile int go;
    double released;
    struct {
        double end, life;
        int rc;
    } job[MAX_JOBS];
} shared_batch;

static void sleep_briefly(void)
{
    struct timespec ts = { 0, 200000 }; /* 0.2 ms */
    nanosleep(&ts, NULL);
}

/* Reap `count` children within REAP_LIMIT_S, SIGKILLing any still alive
 * then; exited_ok[k] (if given) says whether child k exited normally. */
static void reap_children(const pid_t *pids, int count, int *exited_ok)
{
    double give_up = bench_now() + REAP_LIMIT_S;
    for (int k = 0; k < count; k++) {
        int status = 0;
        pid_t got;
        while ((got = waitpid(pids[k], &status, WNOHANG)) == 0 &&
               bench_now() < give_up)
            sleep_briefly();
        if (got == 0) {
            kill(pids[k], SIGKILL);
            waitpid(pids[k], &status, 0); /* SIGKILL: it goes at once */
        }
        if (exited_ok)
            exited_ok[k] = got == pids[k] && WIFEXITED(status);
    }
}

/* One round: the children wait for the release, live, stamp their end. */
static int run_round(const char *path, const tracker_profile *profile,
                     int jobs, int round, shared_batch *b)
{
    char err[1024];
    if (bench_prepare_database(path, profile, jobs, "pending", err,
                               sizeof err) != SQLITE_OK) {
        fprintf(stderr, "bench_batch: %s\n", err);
        return 1;
    }
    memset(b, 0, sizeof *b);
    pid_t pids[MAX_JOBS];
    for (int k = 0; k < jobs; k++) {
        pids[k] = fork();
        if (pids[k] < 0) {
            perror("bench_batch: fork");
            /* The children forked so far must not live on: released, then
             * reaped (bounded). */
            b->go = 1;
            reap_children(pids, k, NULL);
            return 1;
        }
        if (pids[k] == 0) {
            double give_up = bench_now() + 60;
            while (!b->go && bench_now() < give_up)
                sleep_briefly();
            tracker_options options;
            tracker_options_init(&options, profile);
            char variable[64], message[1024];
            bench_variable(k, variable, sizeof variable);
            double start = bench_now();
            b->job[k].rc = bench_job_life(path, &options, variable, message,
                                          sizeof message);
            b->job[k].end = bench_now();
            b->job[k].life = b->job[k].end - start;
            _exit(0);
        }
    }
    /* Every child forked and waiting: the release. */
    b->released = bench_now();
    b->go = 1;
    int exited_ok[MAX_JOBS];
    reap_children(pids, jobs, exited_ok);
    int failures = 0;
    for (int k = 0; k < jobs; k++)
        failures +=
            !exited_ok[k] || b->job[k].rc != SQLITE_OK || b->job[k].end == 0;
    double last_end = b->released, life = 0;
    for (int k = 0; k < jobs; k++) {
        if (b->job[k].end > last_end)
            last_end = b->job[k].end;
        life += b->job[k].life;
    }
    printf("%d,%d,%d,%.6f,%.6f\n", round, jobs, failures,
           last_end - b->released, life);
    fflush(stdout);
    return 0;
}

static const char usage[] =
    "usage: bench_batch --dir DIR --jobs N [--rounds R] [--profile NAME]\n"
    "\n"
    "Rounds of N jobs released at once with no harness around them; one CSV\n"
    "row a round on stdout: round,jobs,failures,span_s,db_time_sum_s.\n"
    "\n"
    "  --dir DIR       an existing directory for the database\n"
    "  --jobs N        jobs a round, 1 to 1024\n"
    "  --rounds R      rounds, 1 to 100000 [default: 5]\n"
    "  --profile NAME  a built-in profile [default: delete-off]\n"
    "\n"
    "Exit status: 0 done, 1 a round could not run, 2 bad command line.\n";

int main(int argc, char **argv)
{
    bench_option options[] = {
        { "--dir", true, NULL },
        { "--jobs", true, NULL },
        { "--rounds", false, NULL },
        { "--profile", false, NULL },
    };
    bench_parse_args(argc, argv, usage, options,
                     sizeof options / sizeof *options);
    const char *dir = bench_dir(&options[0]);
    int jobs = bench_int(&options[1], 0, 1, MAX_JOBS);
    int rounds = bench_int(&options[2], 5, 1, 100000);
    const tracker_profile *profile = bench_profile(&options[3], "delete-off");
    shared_batch *b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        perror("bench_batch: mmap");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/batch.db", dir);
    int status = 0;
    for (int r = 0; r < rounds && status == 0; r++)
        status = run_round(path, profile, jobs, r, b);
    munmap(b, sizeof *b);
    return status;
}
