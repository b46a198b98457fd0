/*
 * util.c: clocks, the harness's own random streams, directories, children
 * forked and reaped.
 */
#include "trackhammer.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double epoch_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double uniform01(uint64_t *state)
{
    *state = splitmix64_mix(*state);
    return unit_interval(*state);
}

bool make_directory(const char *path, const char *what, char *err,
                    size_t err_size)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s '%s': cannot create it: %s%s", what, path,
                 strerror(errno),
                 errno == ENOENT
                     ? " (trackhammer makes only "
                       "the last directory of the path: create its parent)"
                     : "");
        return false;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s '%s' is not a directory", what, path);
        return false;
    }
    if (access(path, W_OK | X_OK) != 0) {
        snprintf(err, err_size, "%s '%s' is not writable: %s", what, path,
                 strerror(errno));
        return false;
    }
    return true;
}

void text_format(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

/* SIGCHLD, the one signal the parent waits for. */
static sigset_t child_exit_set(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    return set;
}

/* Open MPI installs handlers for SIGSEGV, SIGBUS, SIGFPE and SIGILL that
 * print a backtrace and exit; a forked job must die of the signal itself,
 * as a batch job does, so the rank sees which one. Flushing first keeps a
 * child from writing the rank's buffered output a second time. */
pid_t fork_child(void)
{
    sigset_t child_exit = child_exit_set();
    sigprocmask(SIG_BLOCK, &child_exit, NULL);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own group, so a kill reaches whatever a foreign job starts;
         * SIGKILL when the rank dies, and at once if it died already. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        interrupts_reset_in_child();
        static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
                                             SIGABRT };
        for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals;
             i++)
            signal(crash_signals[i], SIG_DFL);
        /* A job, and whatever it execs, starts with it unblocked. */
        sigprocmask(SIG_UNBLOCK, &child_exit, NULL);
    } else if (pid > 0) {
        setpgid(pid, pid); /* as the child does: no race with a kill */
    }
    return pid;
}

bool reap_within(pid_t pid, int *status, double seconds)
{
    double give_up = monotonic_now() + seconds;
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid)
            return true;
        if (got < 0 && errno != EINTR)
            return false; /* not our child, or reaped already */
        if (monotonic_now() >= give_up)
            return false;
        wait_for_child_exit(give_up - monotonic_now());
    }
}

bool kill_and_reap(pid_t pid, int *status, double seconds)
{
    kill(-pid, SIGKILL);
    return reap_within(pid, status, seconds);
}

void wait_for_child_exit(double seconds)
{
    const double longest_s = 0.25;
    if (seconds > longest_s)
        seconds = longest_s;
    if (!(seconds > 0))
        return;
    sigset_t child_exit = child_exit_set();
    struct timespec timeout = { .tv_sec = (time_t)seconds };
    timeout.tv_nsec = (long)((seconds - (double)timeout.tv_sec) * 1e9);
    sigtimedwait(&child_exit, NULL, &timeout);
}

/* faultfs_config_describe into a buffer that grows until the text fits:
 * the description holds paths (the fit, the fault log) of any length. */
char *model_description(const faultfs_config *config)
{
    for (size_t size = 4096; size <= ((size_t)1 << 24); size *= 2) {
        char *text = malloc(size);
        if (text == NULL)
            return NULL;
        faultfs_config_describe(config, text, size);
        if (strlen(text) < size - 1)
            return text;
        free(text);
    }
    return NULL;
}
