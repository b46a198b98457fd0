/*
 * isolation.c: every job in a child process of its own.
 *
 * A SIGBUS, an abort or a hang then ends one job, never the rank or the
 * other jobs' results. The rank starts all its jobs at once (they start
 * together, as 71 qsub'd jobs released at once do), then sleeps until one
 * ends (SIGCHLD) or a deadline comes: a job past its walltime is SIGKILLed,
 * as PBS would; with --kill-rate, chosen jobs are SIGKILLed at a random
 * moment of their life (--kill-at life: the rank sends the signal), or at
 * a random one of their file-changing calls (--kill-at write: the rank
 * plans the call, the job's fault VFS stops it there and the job SIGKILLs
 * its own process before the call reaches the file, so the kill is always
 * inside a write transaction, which a kill in time rarely is: the calls
 * last milliseconds of a life of a second). Each job is a process group
 * of its own: a kill reaches whatever a foreign job started. The rank never
 * polls on a timer: 71 ranks on 2 cores polling every few milliseconds took
 * CPU from the jobs they measure. Every wait is bounded.
 */
#include "trackhammer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A scaled walltime never ends a job sooner than this: CPU time on an
 * oversubscribed node does not compress with the model's clocks. */
#define MIN_REAL_WALLTIME_S 5.0

struct child {
    pid_t pid;
    double kill_at;     /* monotonic time of the planned kill, 0: none */
    double walltime_at; /* monotonic deadline */
    bool reaped;
};

/* Whether job i is killed at all, from the seed (so a round replays);
 * *rng is then the job's stream for where. */
static bool kill_planned(const job_spec *spec, uint64_t *rng)
{
    const options *o = spec->opts;
    if (o->kill_rate <= 0)
        return false;
    *rng = splitmix64_mix(o->seed ^ 0x6b696c6cull ^
                          ((uint64_t)spec->round << 32) ^
                          (uint64_t)spec->job_index);
    return uniform01(rng) < o->kill_rate;
}

/* --kill-at life: when to kill job i, uniform over its expected life
 * (start jitter, its calls, its work), so kills land before, inside and
 * after transactions alike; 0: no kill. */
static double plan_kill_time(const job_spec *spec, double now)
{
    const options *o = spec->opts;
    uint64_t rng;
    if (o->kill_at != KILL_AT_LIFE || !kill_planned(spec, &rng))
        return 0;
    double life = (o->start_jitter_s + o->work_s) * o->time_scale + 0.05;
    return now + uniform01(&rng) * life;
}

/* How many file-changing calls (write, sync, truncate, delete of the
 * database, journal or WAL) a built-in job of this profile makes when
 * nothing fails, as faultfs counted them (8 jobs per profile, SQLite
 * 3.40): its two write transactions write and delete about 20 times in
 * DELETE mode (journal header and pages, database pages, the journal's
 * unlink) and 4 in WAL mode (two frames each) plus, when its first
 * transaction restarts the WAL, as it does after every killed writer, the
 * header and its sync; and they sync 3 times each at NORMAL, 4 at FULL
 * and EXTRA in DELETE mode, once each at FULL and EXTRA in WAL mode. The
 * planned call is drawn from this span, so that every call of a job is
 * about as likely; a job that makes fewer calls than its draw (a skipped
 * job, one that failed early) is not killed. */
static uint64_t kill_span(const tracker_profile *p)
{
    static const int syncs_delete[] = { 0, 3, 4,
                                        4 }; /* by tracker_sync_mode */
    static const int syncs_wal[] = { 0, 0, 1, 1 };
    bool wal = p->journal_mode == TRACKER_JOURNAL_WAL;
    int sync = (int)p->synchronous;
    if (sync < 0 || sync > 3)
        sync = 1;
    return wal ? 6 + 2 * (uint64_t)syncs_wal[sync]
               : 20 + 2 * (uint64_t)syncs_delete[sync];
}

/* --kill-at write: at which of its file-changing calls (1-based) job i is
 * killed, uniform over kill_span; 0: no kill. */
static uint64_t plan_kill_call(const job_spec *spec)
{
    uint64_t rng;
    if (spec->opts->kill_at != KILL_AT_WRITE || !kill_planned(spec, &rng))
        return 0;
    uint64_t span = kill_span(spec->profile);
    uint64_t call = 1 + (uint64_t)(uniform01(&rng) * (double)span);
    return call > span ? span : call;
}

/* A SIGKILL the rank planned: its own at a planned time (killed_by_harness
 * is set as it is sent), or the job's at its planned call, which the job
 * marks reached just before it dies. Any other SIGKILL is not ours. */
static bool planned_kill(const job_record *r, int status)
{
    return r->killed_by_harness ||
           (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
            r->kill_call > 0 && r->kill_reached);
}

/* The end of a child: its outcome from the wait status and the record. */
static void settle(job_record *r, int status)
{
    if (WIFSIGNALED(status)) {
        r->signal = WTERMSIG(status);
        r->killed_by_harness = planned_kill(r, status);
        if (r->walltime_exceeded && r->current_op >= 0)
            r->outcome = OUTCOME_HUNG;
        else if (r->killed_by_harness || r->walltime_exceeded)
            r->outcome = OUTCOME_KILLED;
        else
            r->outcome = OUTCOME_CRASHED;
    } else if (r->outcome == OUTCOME_PENDING) {
        /* Exited without saying how it ended (a foreign job with no
         * status line, whatever its exit status, or one that could not be
         * started): a job that does not report is not counted ok. */
        r->outcome = OUTCOME_FAILED;
        if (r->failed_op < 0)
            snprintf(r->failed_message, sizeof r->failed_message,
                     "job exited with status %d and no status line",
                     WEXITSTATUS(status));
    }
    if (r->end_s == 0)
        r->end_s = monotonic_now();
}

/* The next moment the rank must act on a child still running: a planned
 * kill or a walltime not yet carried out, or the time it gives up. */
static double next_deadline(const struct child *children,
                            const job_record *records, int count,
                            double give_up)
{
    double next = give_up;
    for (int i = 0; i < count; i++) {
        const struct child *c = &children[i];
        if (c->reaped)
            continue;
        if (c->kill_at > 0 && !records[i].killed_by_harness &&
            c->kill_at < next)
            next = c->kill_at;
        if (!records[i].walltime_exceeded && c->walltime_at < next)
            next = c->walltime_at;
    }
    return next;
}

static pid_t start_child(const job_spec *spec, job_record *r)
{
    pid_t pid = fork_child();
    if (pid == 0)
        _exit(job_run(spec, r));
    return pid;
}

/* SIGKILL to a child's whole process group (fork_child made it in both
 * parent and child): a foreign job's own children die with it. */
static void kill_child(const struct child *c)
{
    kill(-c->pid, SIGKILL);
}

/* Start job i now: its walltime and planned kill count from its start. */
static bool start_job(const job_spec *spec, job_record *r, struct child *c,
                      bool late)
{
    double now = monotonic_now();
    const options *o = spec->opts;
    double walltime = o->walltime_s * o->time_scale;
    r->start_s = now;
    r->started_late = late;
    c->walltime_at =
        now +
        (walltime < MIN_REAL_WALLTIME_S ? MIN_REAL_WALLTIME_S : walltime);
    c->kill_at = plan_kill_time(spec, now);
    r->kill_call = plan_kill_call(spec);
    c->pid = start_child(spec, r);
    return c->pid > 0;
}

/* Start every job not yet started, in order, while the machine forks
 * them. A fork refused for want of processes (EAGAIN) waits for a running
 * job to end, so the jobs run in waves; refused with nothing running, or
 * for any other reason, it is the harness's failure, not the job's.
 * Every job after the first refusal starts late. Returns how many it
 * started. */
static int start_pending(const job_spec *specs, job_record *records,
                         struct child *children, int count, int *next,
                         int running, bool *refused)
{
    int started = 0;
    while (*next < count) {
        int i = *next;
        if (start_job(&specs[i], &records[i], &children[i], *refused)) {
            started++;
            (*next)++;
            continue;
        }
        if (errno == EAGAIN && running + started > 0) {
            *refused = true;
            break;
        }
        children[i].reaped = true;
        text_format(records[i].harness_error, sizeof records[i].harness_error,
                    "fork of job %d: %s", specs[i].job_index, strerror(errno));
        (*next)++;
    }
    return started;
}

/* The deadline by which every started child must have been reaped. */
static double last_reap(const struct child *children, int started)
{
    double last = 0;
    for (int i = 0; i < started; i++)
        if (children[i].walltime_at > last)
            last = children[i].walltime_at;
    return last + REAP_GRACE_S;
}

/* A reaped child's record, from its wait status (and a foreign job's
 * outcome file). */
static void reap(const job_spec *spec, job_record *r, struct child *c,
                 int status)
{
    c->reaped = true;
    if (spec->opts->job_cmd[0])
        job_read_outcome(spec->outcome_file, spec->opts->workload, r);
    settle(r, status);
}

/* Act on a running child: reap it if it ended, kill it at its planned
 * kill or its walltime. Returns whether it was reaped. */
static bool tend_child(const job_spec *spec, job_record *r, struct child *c,
                       double now)
{
    int status;
    siginfo_t ended = { .si_pid = 0 };
    if (waitid(P_PID, (id_t)c->pid, &ended, WEXITED | WNOHANG | WNOWAIT) ==
            0 &&
        ended.si_pid == c->pid) {
        /* Ended, not yet reaped, so its group cannot be another's yet:
         * whatever the job left running in it (a foreign job's background
         * process) goes too, as a batch system ends a job's session. */
        kill(-c->pid, SIGKILL);
        if (waitpid(c->pid, &status, 0) == c->pid)
            reap(spec, r, c, status);
        return c->reaped;
    }
    if (c->kill_at > 0 && now >= c->kill_at && !r->killed_by_harness) {
        r->killed_by_harness = true;
        kill_child(c);
    }
    if (now >= c->walltime_at && !r->walltime_exceeded) {
        r->walltime_exceeded = true;
        kill_child(c);
    }
    return false;
}

/* The first line of /proc/PID/NAME, without its newline, in buf ("" when
 * it cannot be read: the process went, or /proc hides it). */
static void proc_line(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    if (fgets(buf, (int)size, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* A job the kernel keeps after its SIGKILL: hung, with where it hangs, as
 * /proc shows it: its scheduler state (D, uninterruptible: a file system
 * request no server answers, such as a FUSE call of an evicted client),
 * the kernel function it sleeps in, and the call it was inside
 * (current_op in jobs.csv). It stays the kernel's until that request ends:
 * the client aborted or unmounted. */
static void record_stuck(job_record *r, const workload *w, pid_t pid)
{
    char stat[512], wchan[128];
    proc_line(pid, "stat", stat, sizeof stat);
    proc_line(pid, "wchan", wchan, sizeof wchan);
    const char *after_name = strrchr(stat, ')');
    char state = after_name && after_name[1] == ' ' ? after_name[2] : '?';
    r->outcome = OUTCOME_HUNG;
    snprintf(r->failed_message, sizeof r->failed_message,
             "not reaped %.0f s after SIGKILL: state %c%s, in %s, inside "
             "%s",
             REAP_GRACE_S, state,
             state == 'D' ? " (uninterruptible sleep)" : "",
             wchan[0] && strcmp(wchan, "0") != 0 ? wchan
                                                 : "an unknown "
                                                   "kernel function",
             r->current_op >= 0 ? workload_op_name(w, r->current_op)
                                : "no call of the workload");
}

/* A stopping run: every child's group SIGKILLed, then reaped within the
 * grace, each settled as it ended (what it had done stays in its record). */
static void kill_all(const job_spec *specs, job_record *records,
                     struct child *children, int started)
{
    for (int i = 0; i < started; i++)
        if (!children[i].reaped)
            kill_child(&children[i]);
    double give_up = monotonic_now() + REAP_GRACE_S;
    for (int i = 0; i < started; i++) {
        int status = 0;
        if (!children[i].reaped &&
            reap_within(children[i].pid, &status, give_up - monotonic_now()))
            reap(&specs[i], &records[i], &children[i], status);
    }
}

double jobs_time_bound(const options *o, int count)
{
    double walltime = o->walltime_s * o->time_scale;
    if (walltime < MIN_REAL_WALLTIME_S)
        walltime = MIN_REAL_WALLTIME_S;
    return (count > 0 ? count : 1) * (walltime + REAP_GRACE_S);
}

int run_jobs_isolated(const job_spec *specs, job_record *records, int count,
                      int (*stop_check)(void))
{
    struct child *children =
        calloc((size_t)(count ? count : 1), sizeof *children);
    if (children == NULL)
        abort();
    int next = 0;
    bool refused = false;
    int running =
        start_pending(specs, records, children, count, &next, 0, &refused);
    int stop = 0;
    while ((running > 0 || next < count) &&
           monotonic_now() < last_reap(children, next)) {
        if ((stop = stop_check()) != 0)
            break;
        double now = monotonic_now();
        for (int i = 0; i < next; i++)
            if (!children[i].reaped &&
                tend_child(&specs[i], &records[i], &children[i], now))
                running--;
        running += start_pending(specs, records, children, count, &next,
                                 running, &refused);
        if (running > 0)
            wait_for_child_exit(next_deadline(children, records, next,
                                              last_reap(children, next)) -
                                monotonic_now());
    }
    if (stop) {
        kill_all(specs, records, children, next);
    } else {
        for (int i = 0; i < next; i++)
            if (!children[i].reaped)
                record_stuck(&records[i], specs[i].opts->workload,
                             children[i].pid);
        /* Waiting for a wave to end, the time ran out: never started. */
        for (int i = next; i < count; i++)
            text_format(records[i].harness_error,
                        sizeof records[i].harness_error,
                        "job %d not started: "
                        "the jobs before it, in waves, did not end",
                        specs[i].job_index);
    }
    free(children);
    return stop;
}
