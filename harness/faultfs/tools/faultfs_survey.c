/*
 * faultfs_survey.c: what a fault model does to tracker operations.
 *
 *   faultfs-survey [--config MODEL,...] [--jobs N] [--cycles N] [--nodes N]
 *                  [--time-scale X] [--seed N] [--dir DIR] [--profile SPEC]...
 *
 * For each tracker profile (every built-in one unless --profile is given,
 * which may carry knob overrides: --profile delete-normal,sync=full), N
 * concurrent job processes share one database under the model; each opens
 * the tracker and runs `cycles` task cycles (add_task, is_done,
 * mark_running, set_pbs_job_id, get_status, mark_completed: six
 * operations). Job k runs on node k % nodes with seed (seed, k). Printed
 * per profile: operations and failures by result code, jobs killed by a
 * signal, and per fault class the calls the model saw and the faults it
 * injected (summed over the surviving jobs). Exit status 0, 1 if the jobs
 * could not be started, 2 for a bad command line.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "faultfs.h"
#include "tool_args.h"
#include "tracker.h"

#define TOOL "faultfs-survey"
#define MAX_JOBS 256
#define MAX_CYCLES 1000000 /* so a PBS id, 1000 * job + cycle, is an int */
#define MAX_CODES 32

typedef struct survey_options {
    const char *config;
    const char *dir;
    tracker_profile profiles[TOOL_MAX_PROFILES];
    int profile_count;
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
    int codes[MAX_CODES];                /* distinct failure codes ... */
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
    note_result(r,
                outcome(t, tracker_is_done(t, variable, "historical", &done)));
    note_result(r,
                outcome(t, tracker_mark_running(t, variable, "historical")));
    note_result(r, outcome(t, tracker_set_pbs_job_id(t, variable, "historical",
                                                     pbs_id)));
    note_result(
        r, outcome(t, tracker_get_status(t, variable, "historical", &status)));
    note_result(r,
                outcome(t, tracker_mark_completed(t, variable, "historical")));
}

/* Job `job`'s fault model: --config (an empty one is faultfs's "none")
 * with its seed, rank, node and time scale; malloc'd (NULL when out of
 * memory). */
static char *job_config(const survey_options *o, int job)
{
    return tool_format("%s,seed=%llu,rank=%d,node=%d,time_scale=%g",
                       *o->config ? o->config : "none", o->seed, job,
                       job % o->nodes, o->time_scale);
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
    char err[1024];
    char *config = job_config(o, job);
    int registered = config ? faultfs_register(config, false, err, sizeof err)
                            : SQLITE_NOMEM;
    if (config == NULL) {
        snprintf(err, sizeof err, "out of memory");
    }
    free(config);
    if (registered != SQLITE_OK) {
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
    int pipes[MAX_JOBS][2], pids[MAX_JOBS];
    int killed = 0, sigbus = 0;
    job_report total;
    memset(&total, 0, sizeof total);
    char *db = tool_format("%s/%s.db", o->dir, profile->name);
    if (db == NULL) {
        fprintf(stderr, TOOL ": out of memory\n");
        exit(1);
    }
    for (int j = 0; j < o->jobs; j++) {
        if (pipe(pipes[j]) != 0) {
            perror(TOOL ": pipe");
            exit(1);
        }
        fflush(NULL);
        pids[j] = fork();
        if (pids[j] < 0) {
            perror(TOOL ": fork");
            exit(1);
        }
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
    free(db);
    print_profile(profile, &total, killed, sigbus);
}

static const char usage[] =
    "usage: faultfs-survey [--config MODEL,...] [--jobs N] [--cycles N]\n"
    "                      [--nodes N] [--time-scale X] [--seed N] [--dir "
    "DIR]\n"
    "                      [--profile SPEC]...\n"
    "\n"
    "Runs N job processes per tracker profile on one database under a "
    "faultfs\n"
    "fault model and prints what each fault class did to their operations.\n"
    "\n"
    "  -c, --config MODEL,...  the fault model [default: lustre]\n"
    "  -j, --jobs N            concurrent jobs, 1 to 256 [default: 8]\n"
    "  -n, --cycles N          task cycles a job, 1 to 1000000 [default: 60]\n"
    "  -N, --nodes N           job k runs on node k % N, 1 to 1024 [default: "
    "1]\n"
    "  -t, --time-scale X      the model's time scale, 1e-06 to 1e+07\n"
    "                          [default: 0.1]\n"
    "  -s, --seed N            the draws' seed, >= 0 [default: 1]\n"
    "  -d, --dir DIR           where the databases go: a new or empty\n"
    "                          directory (made if its parent exists)\n"
    "                          [default: a new /tmp/faultfs-survey-XXXXXX]\n"
    "  -p, --profile SPEC      a profile, NAME[,key=value...]; repeatable\n"
    "                          [default: every built-in profile]\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 done, 1 the jobs could not be started, 2 bad command "
    "line.\n";

/* The value of OPTION as a number in [lo, hi] into *out. */
static bool parse_real(const char *option, const char *text, double lo,
                       double hi, double *out, char *err, size_t err_size)
{
    if (!tracker_parse_real(text, lo, hi, out)) {
        snprintf(err, err_size, "%s: '%s' is not a number from %g to %g",
                 option, text, lo, hi);
        return false;
    }
    return true;
}

/* One option and its value into o (command_line.h). */
static command_line_step parse_option(void *options, int c, const char *value,
                                      char *err, size_t err_size)
{
    survey_options *o = options;
    long n = 0;
    bool ok = true;
    switch (c) {
    case 'c': o->config = value; break;
    case 'd': o->dir = value; break;
    case 'h': fputs(usage, stdout); return COMMAND_LINE_DONE;
    case 'p':
        ok = tool_add_profile(value, o->profiles, &o->profile_count, err,
                              err_size);
        break;
    case 'j':
        ok = tool_whole("--jobs", value, 1, MAX_JOBS, &n, err, err_size);
        o->jobs = (int)n;
        break;
    case 'n':
        ok = tool_whole("--cycles", value, 1, MAX_CYCLES, &n, err, err_size);
        o->cycles = (int)n;
        break;
    case 'N':
        ok = tool_whole("--nodes", value, 1, FAULTFS_MAX_NODE + 1, &n, err,
                        err_size);
        o->nodes = (int)n;
        break;
    case 's':
        ok = tool_whole("--seed", value, 0, __LONG_MAX__, &n, err, err_size);
        o->seed = (unsigned long long)n;
        break;
    case 't':
        ok = parse_real("--time-scale", value, 1e-6, 1e7, &o->time_scale, err,
                        err_size);
        break;
    }
    return ok ? COMMAND_LINE_NEXT : COMMAND_LINE_REFUSED;
}

/* The command line into o: -1 to go on, or the exit status to stop with
 * (0 after --help). */
static int parse_args(int argc, char **argv, survey_options *o)
{
    static const struct option longs[] = {
        { "config", required_argument, NULL, 'c' },
        { "jobs", required_argument, NULL, 'j' },
        { "cycles", required_argument, NULL, 'n' },
        { "nodes", required_argument, NULL, 'N' },
        { "time-scale", required_argument, NULL, 't' },
        { "seed", required_argument, NULL, 's' },
        { "dir", required_argument, NULL, 'd' },
        { "profile", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int status =
        tool_read_command_line(TOOL, argc, argv, longs, parse_option, o);
    if (status >= 0)
        return status;
    tool_default_profiles(o->profiles, &o->profile_count);
    return -1;
}

/* Is the fault model, as job 0 gets it, one faultfs takes? */
static bool check_config(const survey_options *o)
{
    faultfs_config parsed;
    char err[1024] = "out of memory";
    char *config = job_config(o, 0);
    bool ok = config && faultfs_config_parse(config, &parsed, err,
                                             sizeof err) == SQLITE_OK;
    free(config);
    return ok || tool_error(TOOL, "--config '%s': %s", o->config, err);
}

int main(int argc, char **argv)
{
    static survey_options o = { .config = "lustre",
                                .jobs = 8,
                                .cycles = 60,
                                .nodes = 1,
                                .time_scale = 0.1,
                                .seed = 1 };
    int status = parse_args(argc, argv, &o);
    if (status >= 0) {
        return status;
    }
    if (!check_config(&o)) {
        return 2;
    }
    /* room for "/NAME.db" */
    if (o.dir &&
        !tool_prepare_dir(
            TOOL, o.dir, tool_longest_name(o.profiles, o.profile_count) + 4)) {
        return 2;
    }
    char tmp[] = "/tmp/faultfs-survey-XXXXXX";
    if (!o.dir && !(o.dir = mkdtemp(tmp))) {
        perror(TOOL ": mkdtemp");
        return 1;
    }
    printf("model: %s; %d jobs x %d cycles, %d node(s), time_scale %g, "
           "seed %llu, in %s\n",
           o.config, o.jobs, o.cycles, o.nodes, o.time_scale, o.seed, o.dir);
    for (int i = 0; i < o.profile_count; i++) {
        survey_profile(&o, &o.profiles[i]);
    }
    return 0;
}
