/*
 * faultfs_survey.c: what a fault model does to tracker operations.
 *
 *   faultfs-survey [--config MODEL,...] [--jobs N] [--cycles N] [--nodes N]
 *                  [--time-scale X] [--seed N] [--dir DIR] [--profile NAME]
 *
 * For each tracker profile (or the one named), N concurrent job processes
 * share one database under the model; each opens the tracker and runs
 * `cycles` task cycles (add_task, is_done, mark_running, set_pbs_job_id,
 * get_status, mark_completed: six operations). Job k runs on node k % nodes
 * with seed (seed, k). Printed per profile: operations and failures by
 * result code, jobs killed by a signal, and per fault class the calls the
 * model saw and the faults it injected (summed over the surviving jobs).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "faultfs.h"
#include "tracker.h"

#define MAX_JOBS 256
#define MAX_CODES 32

typedef struct survey_options {
    const char *config;
    const char *dir;
    const char *profile;
    int jobs;
    int cycles;
    int nodes;
    double time_scale;
    unsigned long long seed;
} survey_options;

/* What one job reports back to the survey through its pipe. */
typedef struct job_report {
    faultfs_counters counters;
    unsigned long ops;
    unsigned long failed;
    int codes[MAX_CODES];           /* distinct failure codes ... */
    unsigned long code_count[MAX_CODES]; /* ... and how often */
} job_report;

/* Count n failures with code rc. */
static void count_failures(job_report *r, int rc, unsigned long n)
{
    r->failed += n;
    for (int i = 0; i < MAX_CODES; i++) {
        if (r->code_count[i] == 0 || r->codes[i] == rc) {
            r->codes[i] = rc;
            r->code_count[i] += n;
            return;
        }
    }
}

/* Count one operation's result. */
static void note_result(job_report *r, int rc)
{
    r->ops++;
    if (rc != SQLITE_OK) {
        count_failures(r, rc, 1);
    }
}

/* The extended code of a tracker call's result. */
static int outcome(tracker *t, int rc)
{
    return rc == SQLITE_OK ? rc : tracker_last_error(t)->code;
}

/* One cycle of a task's life through the tracker. */
static void run_cycle(tracker *t, job_report *r, int job, int cycle)
{
    char variable[64], pbs_id[64];
    bool done;
    tracker_status status;
    snprintf(variable, sizeof variable, "var%d_%d", job, cycle);
    snprintf(pbs_id, sizeof pbs_id, "%d.gadi-pbs", 1000 * job + cycle);
    note_result(r, outcome(t, tracker_add_task(t, variable, "historical")));
    note_result(r, outcome(t, tracker_is_done(t, variable, "historical", &done)));
    note_result(r, outcome(t, tracker_mark_running(t, variable, "historical")));
    note_result(r, outcome(t, tracker_set_pbs_job_id(t, variable, "historical",
                                                     pbs_id)));
    note_result(r, outcome(t, tracker_get_status(t, variable, "historical",
                                                 &status)));
    note_result(r, outcome(t, tracker_mark_completed(t, variable,
                                                     "historical")));
}

/* A job process: reseed, open (counted as an operation; retried next
 * cycle if it failed), run the cycles, report. */
static int run_job(const survey_options *o, const tracker_profile *profile,
                   const char *db, int job, int report_fd)
{
    job_report r;
    tracker_options options;
    tracker_error error;
    tracker *t = NULL;
    memset(&r, 0, sizeof r);
    char config[2048], err[512];
    snprintf(config, sizeof config, "%s,seed=%llu,rank=%d,node=%d,time_scale=%g",
             o->config, o->seed, job, job % o->nodes, o->time_scale);
    if (faultfs_register(config, false, err, sizeof err) != SQLITE_OK) {
        fprintf(stderr, "job %d: %s\n", job, err);
        return 2;
    }
    faultfs_counters_reset();
    tracker_options_init(&options, profile);
    options.vfs = FAULTFS_VFS_NAME;
    options.time_scale = o->time_scale;
    options.seed = o->seed * 1000003u + (unsigned)job;
    for (int cycle = 0; cycle < o->cycles; cycle++) {
        if (!t) {
            int rc = tracker_open(db, &options, &t, &error);
            note_result(&r, rc == SQLITE_OK ? rc : error.code);
        }
        if (t) {
            run_cycle(t, &r, job, cycle);
        }
    }
    if (t) {
        note_result(&r, outcome(t, tracker_close(t)));
        tracker_free(t);
    }
    faultfs_counters_get(&r.counters);
    return write(report_fd, &r, sizeof r) == (ssize_t)sizeof r ? 0 : 3;
}

/* Add a job's report into the total. */
static void add_report(job_report *total, const job_report *r)
{
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        total->counters.calls[k] += r->counters.calls[k];
        total->counters.faults[k] += r->counters.faults[k];
    }
    total->ops += r->ops;
    for (int i = 0; i < MAX_CODES && r->code_count[i]; i++) {
        count_failures(total, r->codes[i], r->code_count[i]);
    }
}

static void print_profile(const tracker_profile *profile,
                          const job_report *total, int killed, int sigbus)
{
    printf("profile %s: %lu operations, %lu failed, %d job(s) killed by a "
           "signal (%d by SIGBUS)\n",
           profile->name, total->ops, total->failed, killed, sigbus);
    for (int i = 0; i < MAX_CODES && total->code_count[i]; i++) {
        printf("  failed: %6lu x code %d (%s)\n", total->code_count[i],
               total->codes[i], sqlite3_errstr(total->codes[i]));
    }
    printf("  %-9s %10s %8s\n", "class", "calls", "faults");
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        printf("  %-9s %10llu %8llu\n", faultfs_class_name((faultfs_class)k),
               (unsigned long long)total->counters.calls[k],
               (unsigned long long)total->counters.faults[k]);
    }
}

/* All jobs of one profile on a fresh database. */
static void survey_profile(const survey_options *o,
                           const tracker_profile *profile)
{
    char db[1024];
    int pipes[MAX_JOBS][2], pids[MAX_JOBS];
    int killed = 0, sigbus = 0;
    job_report total;
    memset(&total, 0, sizeof total);
    snprintf(db, sizeof db, "%s/%s.db", o->dir, profile->name);
    for (int j = 0; j < o->jobs; j++) {
        if (pipe(pipes[j]) != 0) {
            perror("pipe");
            exit(1);
        }
        fflush(NULL);
        pids[j] = fork();
        if (pids[j] == 0) {
            close(pipes[j][0]);
            _exit(run_job(o, profile, db, j, pipes[j][1]));
        }
        close(pipes[j][1]);
    }
    for (int j = 0; j < o->jobs; j++) {
        job_report r;
        int status;
        if (read(pipes[j][0], &r, sizeof r) == (ssize_t)sizeof r) {
            add_report(&total, &r);
        }
        close(pipes[j][0]);
        waitpid(pids[j], &status, 0);
        killed += WIFSIGNALED(status);
        sigbus += WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
    }
    print_profile(profile, &total, killed, sigbus);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: faultfs-survey [--config MODEL,...] [--jobs N] "
            "[--cycles N] [--nodes N] [--time-scale X] [--seed N] "
            "[--dir DIR] [--profile NAME]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    survey_options o = {.config = "lustre", .dir = NULL, .profile = NULL,
                        .jobs = 8, .cycles = 60, .nodes = 1,
                        .time_scale = 0.1, .seed = 1};
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            usage();
        }
        const char *key = argv[i], *value = argv[i + 1];
        if (strcmp(key, "--config") == 0) o.config = value;
        else if (strcmp(key, "--dir") == 0) o.dir = value;
        else if (strcmp(key, "--profile") == 0) o.profile = value;
        else if (strcmp(key, "--jobs") == 0) o.jobs = atoi(value);
        else if (strcmp(key, "--cycles") == 0) o.cycles = atoi(value);
        else if (strcmp(key, "--nodes") == 0) o.nodes = atoi(value);
        else if (strcmp(key, "--time-scale") == 0) o.time_scale = atof(value);
        else if (strcmp(key, "--seed") == 0) o.seed = strtoull(value, NULL, 10);
        else usage();
    }
    if (o.jobs < 1 || o.jobs > MAX_JOBS || o.cycles < 1 || o.nodes < 1 ||
        o.time_scale <= 0) {
        usage();
    }
    char tmp[] = "/tmp/faultfs-survey-XXXXXX";
    if (!o.dir && !(o.dir = mkdtemp(tmp))) {
        perror("mkdtemp");
        return 1;
    }
    printf("model: %s; %d jobs x %d cycles, %d node(s), time_scale %g, "
           "seed %llu, in %s\n",
           o.config, o.jobs, o.cycles, o.nodes, o.time_scale, o.seed, o.dir);
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *profile = tracker_profile_at(i);
        if (!o.profile || strcmp(o.profile, profile->name) == 0) {
            survey_profile(&o, profile);
        }
    }
    return 0;
}
