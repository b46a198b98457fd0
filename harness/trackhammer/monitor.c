/*
 * monitor.c: the monitor job, polling while the jobs run.
 *
 * Upstream's monitor rebuilds its watch set with list_unfinished and acts
 * on take_monitor_requests; those reads (and the take's delete) contend
 * with the jobs' writes, so the monitor runs through the same profile and
 * fault model as the jobs, in a child of rank 0, until told to stop.
 */
#include "trackhammer.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* The polling interval in poll()'s milliseconds: at least 1 (0 would
 * poll the database without a pause), at most what an int holds. */
static int poll_interval_ms(const options *o)
{
    double ms = o->monitor_interval_s * o->time_scale * 1e3;
    return ms < 1 ? 1 : ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The monitor's polling loop; bounded by the walltime as a job is. */
static void monitor_loop(const job_spec *spec, monitor_record *m, int stop_fd)
{
    const options *o = spec->opts;
    tracker_options topt;
    job_tracker_options(spec, &topt);
    tracker *t = NULL;
    double deadline = monotonic_now() + o->walltime_s * o->time_scale;
    while (!m->stop && monotonic_now() < deadline) {
        if (t == NULL && tracker_open(spec->db_path, &topt, &t, NULL) != 0)
            t = NULL;
        bool failed = (t == NULL);
        if (t != NULL) {
            tracker_task_row *rows = NULL;
            size_t n = 0;
            char **vars = NULL;
            size_t taken = 0;
            failed = tracker_list_unfinished(t, o->experiment, &rows, &n) != 0;
            tracker_free_task_rows(rows, n);
            if (tracker_take_monitor_requests(t, o->experiment, &vars,
                                              &taken) != 0)
                failed = true;
            tracker_free_strings(vars, taken);
            m->requests_taken += taken;
        }
        m->polls++;
        m->failed_polls += failed;
        /* Sleep the interval on the stop pipe. Any event on it ends the
         * loop: the rank closes its end to stop the monitor, and a rank
         * that died closed it too; the hang-up stays readable, so waiting
         * on it again would return at once, a spin. */
        struct pollfd stop = { .fd = stop_fd, .events = POLLIN };
        if (m->stop || poll(&stop, 1, poll_interval_ms(o)) > 0)
            break;
    }
    if (t != NULL) {
        m->stats = *tracker_get_stats(t);
        tracker_free(t);
    }
}

int monitor_start(const job_spec *spec, monitor_record *m)
{
    int stop_pipe[2];
    if (pipe(stop_pipe) != 0)
        return -1;
    /* Not handed to what the jobs exec: a foreign job holding the write
     * end would keep the monitor from seeing its rank close it. */
    fcntl(stop_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(stop_pipe[1], F_SETFD, FD_CLOEXEC);
    pid_t pid = fork_child();
    if (pid == 0) {
        close(stop_pipe[1]);
        if (jobs_use_faultfs(spec->opts)) {
            faultfs_config config = spec->opts->fault_config;
            config.node = 0;
            config.rank = (uint64_t)spec->opts->jobs + 1; /* its own draws */
            config.seed = spec->opts->seed + (uint64_t)spec->round;
            config.time_scale = spec->opts->time_scale;
            config.storm.start_epoch_s = spec->storm_start_epoch;
            char err[TEXT_MAX];
            if (faultfs_install(&config, false, err, sizeof err) != 0) {
                text_format(m->harness_error, sizeof m->harness_error,
                            "the monitor's fault model: %s", err);
                _exit(1);
            }
        }
        monitor_loop(spec, m, stop_pipe[0]);
        _exit(0);
    }
    close(stop_pipe[0]);
    m->stop_fd = stop_pipe[1];
    if (pid < 0)
        close(stop_pipe[1]);
    return (int)pid;
}

void monitor_stop(int pid, monitor_record *m, double timeout_s)
{
    if (pid <= 0)
        return;
    m->stop = 1;
    close(m->stop_fd);
    int status;
    /* A monitor still inside a call after timeout_s is stuck (WAL's
     * incoherent -shm locks can do that): killed, and reaped within the
     * grace, not waited for. */
    if (!reap_within(pid, &status, timeout_s))
        kill_and_reap(pid, &status, REAP_GRACE_S);
}
