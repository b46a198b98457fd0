/*
 * during_round.c: the command --during-round runs beside a round's jobs.
 *
 * A launcher that owns the file system (th-realfs) acts on it while jobs
 * run: it stops or kills a storage server at a chosen moment of each round.
 * Rank 0 starts the command as the jobs are released, in a process group
 * of its own, and ends it with the round, so it never outlives the round
 * it belongs to; how it ended goes into rounds.csv.
 */
#include "trackhammer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the command may take to act on SIGTERM (put a stopped server
 * back, say) before its group is killed: longer than th-realfs's outage
 * needs to restart a brick and see it online (30 s). */
#define DURING_ROUND_GRACE_S 45.0

/* In the child: the environment, the log as stdout and stderr, the exec. */
static void exec_command(const options *o, const char *run_dir, int round,
                         const char *profile)
{
    char value[32], log_path[TEXT_MAX + 32];
    snprintf(value, sizeof value, "%d", round);
    text_format(log_path, sizeof log_path, "%s/during-round.log", run_dir);
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0 || setenv("TRACKHAMMER_ROUND", value, 1) != 0 ||
        setenv("TRACKHAMMER_PROFILE", profile, 1) != 0 ||
        setenv("TRACKHAMMER_RUN_DIR", run_dir, 1) != 0 ||
        dup2(log, STDOUT_FILENO) < 0 || dup2(log, STDERR_FILENO) < 0)
        _exit(126);
    execl("/bin/sh", "sh", "-c", o->during_round, (char *)NULL);
    _exit(127);
}

during_round during_round_start(const options *o, const char *run_dir,
                                int round, const char *profile)
{
    during_round command = { 0, 0 };
    if (o->during_round[0] == '\0')
        return command;
    command.pid = fork_child();
    if (command.pid == 0)
        exec_command(o, run_dir, round, profile);
    if (command.pid < 0)
        command.fork_errno = errno;
    return command;
}

/* How a wait status reads in rounds.csv. */
static void describe_status(int status, bool ended_by_us, char *out,
                            size_t size)
{
    if (WIFEXITED(status))
        text_format(out, size, "exit %d%s", WEXITSTATUS(status),
                    ended_by_us ? " (ended at round end)" : "");
    else if (WIFSIGNALED(status))
        text_format(out, size, "signal %d%s", WTERMSIG(status),
                    ended_by_us ? " (ended at round end)" : "");
}

/* Wait until no process of group PGID is left, or GIVE_UP (monotonic).
 * The shell that runs the command may end at SIGTERM at once while what
 * it started (a script putting a stopped server back) still works: the
 * group is given the same grace before the SIGKILL that ends it. */
static void wait_group_gone(pid_t pgid, double give_up)
{
    while ((kill(-pgid, 0) == 0 || errno == EPERM) &&
           monotonic_now() < give_up)
        sleep_resuming(0.1);
}

void during_round_finish(const during_round *command, char *out, size_t size)
{
    pid_t pid = command->pid;
    out[0] = '\0';
    if (pid == 0)
        return;
    if (pid < 0) {
        text_format(out, size, "not started: %s",
                    strerror(command->fork_errno));
        return;
    }
    int status = 0;
    if (reap_within(pid, &status, 0))
        describe_status(status, false, out, size);
    else {
        kill(-pid, SIGTERM);
        double give_up = monotonic_now() + DURING_ROUND_GRACE_S;
        if (reap_within(pid, &status, DURING_ROUND_GRACE_S)) {
            describe_status(status, true, out, size);
            wait_group_gone(pid, give_up);
        } else if (kill_and_reap(pid, &status, REAP_GRACE_S))
            text_format(out, size, "killed at round end");
        else
            text_format(out, size, "did not end after SIGKILL");
    }
    /* What the command started and left behind in its group goes with
     * the round too. */
    kill(-pid, SIGKILL);
}
