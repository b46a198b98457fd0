/*
 * interrupt.c: the signals that stop a run, noted and acted on later.
 *
 * A handler may do almost nothing safely, so it only notes the first
 * signal and when it came. The waits of the run (for children, for other
 * ranks) sleep at most a quarter of a second and look at the note when
 * they wake (relay.c passes it to the other ranks): a rank then kills its
 * jobs' process groups, and rank 0 finishes the files of the rounds that
 * completed. A batch
 * system's walltime arrives as SIGTERM (PBS, Slurm's KillWait), SIGUSR1 or
 * SIGUSR2 (Slurm's --signal), SIGXCPU (a CPU limit); SIGINT and SIGHUP
 * are a person or a lost terminal; mpirun passes SIGTERM on to the ranks.
 */
#include "trackhammer.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_signal;
static struct timespec stop_time;

static const struct {
    int number;
    const char *name;
} stop_signals[] = {
    { SIGINT, "SIGINT" },   { SIGTERM, "SIGTERM" }, { SIGHUP, "SIGHUP" },
    { SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGXCPU, "SIGXCPU" },
};
#define STOP_SIGNAL_COUNT (sizeof stop_signals / sizeof *stop_signals)

static void note_stop(int signal_number)
{
    if (stop_signal == 0) {
        clock_gettime(CLOCK_MONOTONIC, &stop_time); /* async-signal-safe */
        stop_signal = signal_number;
    }
}

void interrupts_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = note_stop;
    /* One stop signal at a time: the first is noted whole. */
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        sigaddset(&action.sa_mask, stop_signals[i].number);
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        sigaction(stop_signals[i].number, &action, NULL);
    /* A dead mpirun leaves the rank's stdout and stderr pipes without a
     * reader: a write must fail, not kill the rank before it has finished
     * its files. */
    signal(SIGPIPE, SIG_IGN);
}

void interrupts_reset_in_child(void)
{
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        signal(stop_signals[i].number, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

int interrupt_signal(void)
{
    return stop_signal;
}

double interrupt_time(void)
{
    if (stop_signal == 0)
        return 0;
    return (double)stop_time.tv_sec + (double)stop_time.tv_nsec * 1e-9;
}

const char *interrupt_signal_name(int signal_number)
{
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        if (stop_signals[i].number == signal_number)
            return stop_signals[i].name;
    return "a signal";
}

int interrupt_exit_status(int signal_number)
{
    return 128 + signal_number;
}
