/*
 * util.c: clocks, the harness's own random streams, directories, children
 * forked and reaped, a helper program run with its output captured.
 */
#include "trackhammer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* pipe(), both ends closed on exec: a child keeps only what it dup2s. */
static int pipe_cloexec(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* n bytes appended to text (size bytes, NUL-terminated, *used long):
 * the start kept when it fills (keep_tail false), or the end (true). */
static void append_bounded(char *text, size_t size, size_t *used,
                           const char *bytes, size_t n, bool keep_tail)
{
    if (keep_tail && *used + n > size - 1) {
        size_t drop = *used + n - (size - 1);
        drop = drop < *used ? drop : *used;
        memmove(text, text + drop, *used - drop);
        *used -= drop;
    }
    size_t take = n < size - 1 - *used ? n : size - 1 - *used;
    if (keep_tail && take < n)
        bytes += n - take;
    memcpy(text + *used, bytes, take);
    *used += take;
    text[*used] = '\0';
}

/* A helper program (a workload's import check, its verification), bounded:
 * stdout and stderr read as they come, so neither pipe fills and blocks it. */
int run_captured(char *const argv[], int input_fd, char *out, size_t out_size,
                 char *err_line, size_t err_line_size, double timeout_s)
{
    int out_pipe[2], err_pipe[2];
    out[0] = err_line[0] = '\0';
    if (pipe_cloexec(out_pipe) != 0)
        return -1;
    if (pipe_cloexec(err_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    pid_t pid = fork_child();
    if (pid == 0) {
        int in = input_fd >= 0 ? input_fd : open("/dev/null", O_RDONLY);
        dup2(in, STDIN_FILENO);
        if (in > STDERR_FILENO)
            close(in);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    char err_text[4096] = "";
    size_t out_used = 0, err_used = 0;
    double give_up = monotonic_now() + timeout_s;
    struct pollfd fds[2] = { { out_pipe[0], POLLIN, 0 },
                             { err_pipe[0], POLLIN, 0 } };
    int open_count = pid > 0 ? 2 : 0;
    /* Woken at least 4 times a second to see whether the run is stopping:
     * a signal to this process ends the helper rather than waiting out
     * its bound. */
    while (open_count > 0 && monotonic_now() < give_up &&
           !interrupt_signal()) {
        double left = give_up - monotonic_now();
        int wait_ms = left > 0.25 ? 250 : (int)(left * 1000) + 1;
        if (poll(fds, 2, wait_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            char buffer[4096];
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) {
                fds[i].fd = -1;
                open_count--;
                continue;
            }
            /* stdout kept from its start, stderr's end (its last line) */
            if (i == 0)
                append_bounded(out, out_size, &out_used, buffer, (size_t)n,
                               false);
            else
                append_bounded(err_text, sizeof err_text, &err_used, buffer,
                               (size_t)n, true);
        }
    }
    close(out_pipe[0]);
    close(err_pipe[0]);
    int status = -1;
    if (pid < 0)
        return -1;
    if (open_count > 0 || !reap_within(pid, &status, 5.0)) {
        kill_and_reap(pid, &status, REAP_GRACE_S);
        return -1;
    }
    /* stderr's last line that says something */
    char *end = err_text + strlen(err_text);
    while (end > err_text && (end[-1] == '\n' || end[-1] == ' '))
        *--end = '\0';
    char *last = strrchr(err_text, '\n');
    snprintf(err_line, err_line_size, "%s", last ? last + 1 : err_text);
    return status;
}
