/*
 * test_hardening.c: trackhammer survives what it studies.
 *
 * A round whose set-up fails (a full file system, for real: a small tmpfs
 * in a mount namespace of the test's own) is recorded and the run goes
 * on; more ranks than jobs work; a database or journal trackhammer did not
 * make is refused and left as it was; a directory another run holds is
 * refused, naming the holder, and a dead holder is reported; SIGINT,
 * SIGTERM and SIGHUP stop a run with its completed rounds written and
 * readable by th-report; after SIGKILL to mpirun or to a rank, and after a
 * foreign job's walltime, no process the run started is left (checked by
 * pid and start time, never by name); fork failures and results that
 * cannot be written are the harness's errors, never a job's outcome; a
 * long output path reaches a foreign job whole. Every command is bounded
 * by a timeout and killed whole after it.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testsupport.h"

#define TIMEOUT_S 180.0
#define MPIRUN "mpirun --oversubscribe"
/* Short, quiet runs: the tests assert what the harness does, not rates. */
#define QUICK "--seed 7 --time-scale 0.01 -p delete-off"
#define MAX_PROCS 512

/* A process, by pid and start time: a pid reused later is another one. */
typedef struct proc_id {
    pid_t pid;
    unsigned long long start;
} proc_id;

/* path's text, malloc'd ("" when missing). */
static char *read_text(const char *path)
{
    char *text = read_whole_file(path);
    return text ? text : strdup("");
}

/* dir/name's text, malloc'd ("" when missing). */
static char *file_in(const char *dir, const char *name)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    char *text = read_text(path);
    free(path);
    return text;
}

static bool exists_in(const char *dir, const char *name)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    struct stat st;
    bool found = lstat(path, &st) == 0;
    free(path);
    return found;
}

/* /proc/PID/stat's parent, state and start time; false when gone. */
static bool proc_stat(pid_t pid, pid_t *parent, char *state,
                      unsigned long long *start)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *text = read_text(path);
    char *close_paren = strrchr(text, ')');
    bool ok = false;
    if (close_paren) {
        int ppid = 0;
        unsigned long long started = 0;
        /* fields after the name: state ppid ... starttime is the 20th */
        ok = sscanf(close_paren + 2,
                    "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
                    "%*d %*d %*d %*d %*d %llu",
                    state, &ppid, &started) == 3;
        *parent = ppid;
        *start = started;
    }
    free(text);
    return ok;
}

/* Add every live descendant of root not yet in procs[0..*n). */
static void add_descendants(pid_t root, proc_id *procs, int *n)
{
    bool grew = true;
    while (grew) {
        grew = false;
        DIR *d = opendir("/proc");
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL && *n < MAX_PROCS) {
            pid_t pid = (pid_t)atoi(e->d_name), parent = 0;
            char state = 0;
            unsigned long long start = 0;
            if (pid <= 0 || !proc_stat(pid, &parent, &state, &start))
                continue;
            bool known = false, child_of_known = parent == root;
            for (int i = 0; i < *n; i++) {
                known = known || procs[i].pid == pid;
                child_of_known = child_of_known || procs[i].pid == parent;
            }
            if (!known && child_of_known && state != 'Z') {
                procs[(*n)++] = (proc_id){ pid, start };
                grew = true;
            }
        }
        closedir(d);
    }
}

/* How many of procs still live (zombies and reused pids are not). */
static int still_alive(const proc_id *procs, int n)
{
    int alive = 0;
    for (int i = 0; i < n; i++) {
        pid_t parent;
        char state = 0;
        unsigned long long start = 0;
        if (proc_stat(procs[i].pid, &parent, &state, &start) && state != 'Z' &&
            start == procs[i].start)
            alive++;
    }
    return alive;
}

/* Wait up to `seconds` for every one of procs to be gone; how many are
 * left. */
static int wait_all_gone(const proc_id *procs, int n, double seconds)
{
    for (int tenths = 0; tenths < seconds * 10; tenths++) {
        if (still_alive(procs, n) == 0)
            return 0;
        usleep(100000);
    }
    return still_alive(procs, n);
}

/* Start a printf-formatted command in dir, in the background, in a
 * process group of its own; its pid. TMPDIR is dir: Open MPI's session
 * directory of a job the test kills (its shared-memory files, megabytes
 * each) then goes with the scratch directory. */
static pid_t start_in(const char *dir, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static pid_t start_in(const char *dir, const char *format, ...)
{
    char *command = NULL;
    va_list ap;
    va_start(ap, format);
    assert_true(vasprintf(&command, format, ap) > 0);
    va_end(ap);
    char *in_dir = NULL;
    assert_true(asprintf(&in_dir, "export TMPDIR=\"$PWD\"; %s", command) > 0);
    pid_t pid = command_start(dir, in_dir);
    free(in_dir);
    free(command);
    assert_true(pid > 0);
    return pid;
}

/* Collect root's descendants for up to `seconds`, until there are `want`
 * (0: the whole time); how many. */
static int collect_descendants(pid_t root, proc_id *procs, int want,
                               double seconds)
{
    int n = 0;
    for (int tenths = 0; tenths < seconds * 10 && (want == 0 || n < want);
         tenths++) {
        add_descendants(root, procs, &n);
        usleep(100000);
    }
    return n;
}

/* The run's summary.json (there must be one run in dir/out). */
static char *summary_of(const char *dir)
{
    char *summary = NULL;
    assert_int_equal(command_run(dir, 10, &summary, "cat out/*/summary.json"),
                     0);
    return summary;
}

/* The scratch directory removed, and its name freed. */
static void scratch_done(char *dir)
{
    scratch_dir_remove(dir);
    free(dir);
}

/* Wait up to `seconds` for db/.trackhammer-holder to name its run. */
static bool wait_for_holder_named(const char *dir, double seconds)
{
    for (int tenths = 0; tenths < seconds * 10; tenths++) {
        char *holder = file_in(dir, "db/.trackhammer-holder");
        bool named = strstr(holder, "run_id=2") != NULL;
        free(holder);
        if (named)
            return true;
        usleep(100000);
    }
    return false;
}

/* The run's results directory: the newest under dir/out. */
static char *results_in(const char *dir)
{
    char *out = NULL;
    assert_int_equal(command_run(dir, 10, &out, "ls -1td out/*/ | head -n 1"),
                     0);
    out[strcspn(out, "\n")] = '\0';
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == '/')
        out[n - 1] = '\0';
    char *where = NULL;
    assert_true(asprintf(&where, "%s/%s", dir, out) > 0);
    free(out);
    return where;
}

/* A scratch directory with db/ made. */
static char *scratch(void)
{
    char *dir = scratch_dir_make("th-hardening");
    assert_non_null(dir);
    assert_int_equal(command_run(dir, 10, NULL, "mkdir db"), 0);
    return dir;
}

/* th-report reads the run in out/ (exit 0). */
static void assert_report_reads(const char *dir)
{
    assert_int_equal(command_run(dir, 60, NULL,
                                 "'%s' out/*/ > report.txt "
                                 "2>&1",
                                 TH_REPORT_BIN),
                     0);
}

/* A full file system under the batch driver: tmpfs of 12 KiB, in a mount
 * namespace of this test's own (skipped where the test may not make one).
 * Every round's set-up fails with SQLITE_FULL; the run records each,
 * ends with status 0, and th-report reads it. */
static void test_setup_failure_is_an_outcome(void **state)
{
    (void)state;
    char *dir = scratch();
    if (command_run(dir, 10, NULL, "unshare -m true 2>/dev/null") != 0) {
        scratch_done(dir);
        skip(); /* no mount namespace for this user: nothing to fill */
    }
    int status = command_run(
        dir, TIMEOUT_S, NULL,
        "unshare -m sh -c 'mount -t tmpfs -o size=12k none db && " MPIRUN
        " -np 2 %s " QUICK " -r 2 -d db -o out > table.txt "
        "2> err.txt'",
        TRACKHAMMER_BIN);
    char *table = file_in(dir, "table.txt");
    char *results = results_in(dir);
    char *rounds = file_in(results, "rounds.csv");
    char *summary = file_in(results, "summary.json");
    assert_int_equal(status, 0);
    assert_non_null(strstr(table, "FAILED 2/2 rounds (open: SQLITE_FULL)"));
    assert_non_null(strstr(rounds, ",failed,open,13,SQLITE_FULL,"));
    assert_non_null(strstr(summary, "\"status\": \"completed\""));
    assert_non_null(strstr(summary, "\"setup_failures\": 2"));
    /* what the run ran on, from mountinfo and uname */
    assert_non_null(strstr(summary, "\"fs_type\": \"tmpfs\""));
    assert_non_null(strstr(summary, "size=12k"));
    assert_non_null(strstr(summary, "\"kernel\": \"Linux "));
    assert_report_reads(dir);
    free(summary);
    free(rounds);
    free(results);
    free(table);
    scratch_done(dir);
}

/* Four ranks, two jobs: two ranks have none, and the run ends cleanly. */
static void test_more_ranks_than_jobs(void **state)
{
    (void)state;
    char *dir = scratch();
    int status = command_run(dir, TIMEOUT_S, NULL,
                             MPIRUN " -np 4 %s " QUICK
                                    " -n 2 -r 2 -d db -o out > table.txt "
                                    "2> err.txt",
                             TRACKHAMMER_BIN);
    char *table = file_in(dir, "table.txt");
    assert_int_equal(status, 0);
    assert_non_null(strstr(table, "| test_3 | delete-off | 0/4 |"));
    free(table);
    scratch_done(dir);
}

/* A text file, and a tracking database (with its journal) that another
 * program made, where trackhammer's database would go: refused with
 * status 2 and the path, and left byte for byte as they were. */
static void test_files_it_did_not_make_are_kept(void **state)
{
    (void)state;
    char *dir = scratch();
    assert_int_equal(
        command_run(dir, 20, NULL,
                    "mkdir text sqlite journal && echo 'my notes' > "
                    "text/cmor_tasks.db && "
                    "sqlite3 sqlite/cmor_tasks.db 'CREATE TABLE tasks(x); "
                    "INSERT INTO tasks VALUES (42)' && echo hot > "
                    "sqlite/cmor_tasks.db-journal && echo hot > "
                    "journal/cmor_tasks.db-journal && "
                    "md5sum text/* sqlite/* journal/* > before.md5"),
        0);
    const char *dirs[] = { "text", "sqlite", "journal" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char *err = NULL;
        int status = command_run(dir, TIMEOUT_S, &err,
                                 "%s " QUICK " -n 1 "
                                 "-d %s -o out 2>&1 >/dev/null",
                                 TRACKHAMMER_BIN, dirs[i]);
        assert_int_equal(status, 2);
        assert_non_null(strstr(err, dirs[i]));
        assert_non_null(
            strstr(err, "not made by trackhammer")
                ? strstr(err, "not made by trackhammer")
                : strstr(err, "is not a database trackhammer made"));
        free(err);
    }
    assert_int_equal(command_run(dir, 20, NULL,
                                 "md5sum -c --quiet "
                                 "before.md5"),
                     0);
    assert_false(exists_in(dir, "out"));
    scratch_done(dir);
}

/* One run holds the directory: a second run and a --prepare are refused
 * with the holder's host, pid and run id; SIGTERM stops the holder (exit
 * 128+15) with summary.json marked interrupted and the directory free. */
static void test_a_held_directory_is_refused(void **state)
{
    (void)state;
    char *dir = scratch();
    pid_t first = start_in(dir,
                           "exec %s --seed 7 -p delete-off -n 1 "
                           "-r 3 -W 20 -d db -o out > first.txt 2> first.err",
                           TRACKHAMMER_BIN);
    assert_true(wait_for_holder_named(dir, 60));
    char *err = NULL;
    int status = command_run(dir, TIMEOUT_S, &err,
                             "%s " QUICK " -n 1 -d db "
                             "-o out2 2>&1 >/dev/null",
                             TRACKHAMMER_BIN);
    assert_int_equal(status, 2);
    char *holder = file_in(dir, "db/.trackhammer-holder");
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "pid %d", (int)first);
    assert_non_null(strstr(err, "held by run 2"));
    assert_non_null(strstr(err, pid_text));
    free(err);
    status = command_run(dir, TIMEOUT_S, &err,
                         "%s --prepare -n 1 -p "
                         "delete-off -d db -o out3 2>&1 >/dev/null",
                         TRACKHAMMER_BIN);
    assert_int_equal(status, 2);
    assert_non_null(strstr(err, pid_text));
    free(err);
    free(holder);
    kill(first, SIGTERM);
    status = command_finish(first, dir, 30, NULL);
    assert_int_equal(status, 128 + SIGTERM);
    char *results = results_in(dir);
    char *summary = file_in(results, "summary.json");
    assert_non_null(strstr(summary, "\"status\": \"interrupted\", "
                                    "\"stop_reason\": \"SIGTERM\""));
    assert_false(exists_in(dir, "db/.trackhammer-holder"));
    assert_report_reads(dir);
    free(summary);
    free(results);
    scratch_done(dir);
}

/* A prepared single-job run holds the directory until its --merge: a
 * second --prepare is refused naming it; after the merge it is free. */
static void test_a_prepared_run_holds_until_merged(void **state)
{
    (void)state;
    char *dir = scratch();
    char *run_dir = NULL;
    assert_int_equal(command_run(dir, TIMEOUT_S, &run_dir,
                                 "%s --prepare -n 1 "
                                 "-p delete-off -W 0 -d db -o out "
                                 "2>/dev/null",
                                 TRACKHAMMER_BIN),
                     0);
    run_dir[strcspn(run_dir, "\n")] = '\0';
    char *err = NULL;
    assert_int_equal(command_run(dir, TIMEOUT_S, &err,
                                 "%s --prepare -n 1 -p "
                                 "delete-off -d db -o out 2>&1 >/dev/null",
                                 TRACKHAMMER_BIN),
                     2);
    assert_non_null(strstr(err, "prepared single-job run"));
    assert_non_null(strstr(err, strrchr(run_dir, '/') + 1));
    free(err);
    assert_int_equal(command_run(dir, TIMEOUT_S, NULL,
                                 "%s --single-job 0 "
                                 "--run-dir '%s' -q && %s --merge '%s' "
                                 "> merge.txt 2>&1",
                                 TRACKHAMMER_BIN, run_dir, TRACKHAMMER_BIN,
                                 run_dir),
                     0);
    assert_false(exists_in(dir, "db/.trackhammer-holder"));
    assert_int_equal(command_run(dir, TIMEOUT_S, NULL,
                                 "%s --prepare -n 1 -p "
                                 "delete-off -d db -o out >/dev/null 2>&1",
                                 TRACKHAMMER_BIN),
                     0);
    free(run_dir);
    scratch_done(dir);
}

/* SIGKILL to a singleton rank whose foreign jobs sleep: every process it
 * started (jobs, their shells' children, the monitor, Open MPI's daemon)
 * is gone within 10 s; the next run is refused, told the holder died; the
 * checkpointed summary.json is readable. */
static void test_sigkill_to_a_rank_leaves_nothing(void **state)
{
    (void)state;
    char *dir = scratch();
    pid_t rank = start_in(dir,
                          "exec %s --seed 7 -p delete-off -n 2 "
                          "-w 600 -c 'sleep 100 & sleep 100' -d db -o out "
                          "> first.txt 2>&1",
                          TRACKHAMMER_BIN);
    proc_id procs[MAX_PROCS];
    int n = collect_descendants(rank, procs, 7, 30);
    /* per job a supervisor and two sleeps (the shell may exec the last),
     * and the monitor */
    assert_true(n >= 7);
    kill(rank, SIGKILL);
    command_finish(rank, dir, 10, NULL);
    assert_int_equal(wait_all_gone(procs, n, 10), 0);
    char *err = NULL;
    assert_int_equal(command_run(dir, TIMEOUT_S, &err,
                                 "%s " QUICK " -n 1 "
                                 "-d db -o out2 2>&1 >/dev/null",
                                 TRACKHAMMER_BIN),
                     2);
    assert_non_null(strstr(err, "which died"));
    free(err);
    char *summary = summary_of(dir);
    assert_non_null(strstr(summary, "\"stop_reason\": \"not finished"));
    free(summary);
    assert_report_reads(dir);
    scratch_done(dir);
}

/* SIGKILL to mpirun mid-round: its ranks, their jobs and monitor, all
 * gone within 10 s; summary.json says interrupted; th-report reads it. */
static void test_sigkill_to_mpirun_leaves_nothing(void **state)
{
    (void)state;
    char *dir = scratch();
    pid_t mpirun = start_in(dir,
                            "exec " MPIRUN " -np 2 %s --seed 7 -p "
                            "delete-off -n 2 -w 600 -c 'sleep 100' -d db "
                            "-o out > first.txt 2>&1",
                            TRACKHAMMER_BIN);
    proc_id procs[MAX_PROCS];
    int n = collect_descendants(mpirun, procs, 7, 30);
    /* 2 ranks, 2 supervisors, 2 shells, 2 sleeps, the monitor */
    assert_true(n >= 7);
    kill(mpirun, SIGKILL);
    command_finish(mpirun, dir, 10, NULL);
    assert_int_equal(wait_all_gone(procs, n, 10), 0);
    char *summary = summary_of(dir);
    assert_non_null(strstr(summary, "\"status\": \"interrupted\""));
    assert_report_reads(dir);
    free(summary);
    scratch_done(dir);
}

/* SIGINT or SIGTERM to mpirun, or SIGHUP to a singleton rank, after the
 * first round: the run stops within 15 s with the table of the rounds
 * that completed, summary.json marked interrupted with the signal, nothing
 * left running, the directory free, and th-report reads it. */
static void interrupt_after_a_round(const char *launcher, int signal_number,
                                    const char *name)
{
    char *dir = scratch();
    pid_t pid = start_in(dir,
                         "exec %s %s --seed 7 -p delete-off -n 2 "
                         "-r 20 -W 2 -d db -o out > table.txt 2> err.txt",
                         launcher, TRACKHAMMER_BIN);
    char *rounds = NULL;
    for (int tenths = 0; tenths < 600; tenths++) {
        free(rounds);
        rounds = NULL;
        command_run(dir, 10, &rounds,
                    "cat out/*/rounds.csv 2>/dev/null | "
                    "wc -l");
        if (atoi(rounds) >= 2)
            break;
        usleep(100000);
    }
    assert_true(atoi(rounds) >= 2);
    free(rounds);
    proc_id procs[MAX_PROCS];
    int n = 0;
    add_descendants(pid, procs, &n);
    double started = (double)time(NULL);
    kill(pid, signal_number);
    command_finish(pid, dir, 30, NULL);
    assert_true((double)time(NULL) - started <= 15);
    assert_int_equal(wait_all_gone(procs, n, 10), 0);
    char *table = file_in(dir, "table.txt");
    char *summary = summary_of(dir);
    char *expected = NULL;
    assert_true(asprintf(&expected,
                         "\"status\": \"interrupted\", "
                         "\"stop_reason\": \"%s\"",
                         name) > 0);
    assert_non_null(strstr(summary, expected));
    assert_non_null(strstr(table, "| test_3 | delete-off |"));
    assert_non_null(strstr(table, "The run was interrupted"));
    assert_false(exists_in(dir, "db/.trackhammer-holder"));
    assert_report_reads(dir);
    free(expected);
    free(summary);
    free(table);
    scratch_done(dir);
}

static void test_sigint_to_mpirun(void **state)
{
    (void)state;
    /* mpirun passes SIGINT on to the ranks as SIGTERM */
    interrupt_after_a_round(MPIRUN " -np 2", SIGINT, "SIGTERM");
}

static void test_sigterm_to_mpirun(void **state)
{
    (void)state;
    interrupt_after_a_round(MPIRUN " -np 2", SIGTERM, "SIGTERM");
}

static void test_sighup_to_a_singleton(void **state)
{
    (void)state;
    interrupt_after_a_round("", SIGHUP, "SIGHUP");
}

/* SIGTERM to one rank only (not to mpirun): the rank tells rank 0, rank 0
 * tells the others, and the whole run stops within 15 s with its table
 * and an interrupted summary.json; nothing is left running. */
static void test_sigterm_to_one_rank_stops_every_rank(void **state)
{
    (void)state;
    char *dir = scratch();
    pid_t mpirun = start_in(dir,
                            "exec " MPIRUN " -np 3 %s --seed 7 -p "
                            "delete-off -n 3 -r 20 -W 20 -d db -o out > "
                            "table.txt 2> err.txt",
                            TRACKHAMMER_BIN);
    assert_true(wait_for_holder_named(dir, 60));
    sleep(2); /* the jobs are running */
    proc_id procs[MAX_PROCS];
    int n = 0;
    add_descendants(mpirun, procs, &n);
    /* the ranks are mpirun's children; take the last one started */
    pid_t rank = 0;
    for (int i = 0; i < n; i++) {
        pid_t parent;
        char proc_state;
        unsigned long long start;
        if (proc_stat(procs[i].pid, &parent, &proc_state, &start) &&
            parent == mpirun && procs[i].pid > rank)
            rank = procs[i].pid;
    }
    assert_true(rank > 0);
    time_t started = time(NULL);
    kill(rank, SIGTERM);
    command_finish(mpirun, dir, 60, NULL);
    assert_true(time(NULL) - started <= 15);
    assert_int_equal(wait_all_gone(procs, n, 10), 0);
    char *summary = summary_of(dir);
    assert_non_null(strstr(summary, "\"status\": \"interrupted\", "
                                    "\"stop_reason\": \"SIGTERM\""));
    assert_false(exists_in(dir, "db/.trackhammer-holder"));
    assert_report_reads(dir);
    free(summary);
    scratch_done(dir);
}

/* A foreign job past its walltime is killed with everything it started. */
static void test_walltime_kills_a_foreign_jobs_children(void **state)
{
    (void)state;
    char *dir = scratch();
    pid_t pid = start_in(dir,
                         "exec %s --seed 7 -p delete-off -n 1 "
                         "-w 5 -c 'sleep 100 & sleep 100' -d db -o out "
                         "> table.txt 2>&1",
                         TRACKHAMMER_BIN);
    proc_id procs[MAX_PROCS];
    int n = collect_descendants(pid, procs, 0, 3);
    assert_int_equal(command_finish(pid, dir, 60, NULL), 0);
    assert_true(n >= 4); /* supervisor, shell, two sleeps */
    assert_int_equal(wait_all_gone(procs, n, 5), 0);
    char *jobs = NULL;
    assert_int_equal(command_run(dir, 10, &jobs, "cat out/*/jobs.csv"), 0);
    assert_non_null(strstr(jobs, ",killed,9,"));
    free(jobs);
    scratch_done(dir);
}

/* Fork refused (a process limit, as another user: root's is not
 * enforced): over a range of limits, a run either forks its jobs in
 * waves and records them as it would, or stops with a harness error
 * (exit 1, said as such); never a job with a database outcome it did not
 * have. Skipped where no other user can run the program. */
static void test_fork_failures_are_harness_errors(void **state)
{
    (void)state;
    char *dir = scratch();
    if (getuid() != 0 ||
        command_run(dir, 10, NULL,
                    "chmod -R 777 . && setpriv --reuid 65534 "
                    "--regid 65534 --clear-groups true") != 0) {
        scratch_done(dir);
        skip(); /* needs root, to run as nobody under a process limit */
    }
    int waves = 0, harness_errors = 0;
    for (int limit = 24; limit >= 4; limit--) {
        char *out = NULL;
        int status = command_run(
            dir, TIMEOUT_S, &out,
            "rm -rf out db/.trackhammer-holder; setpriv --reuid 65534 "
            "--regid 65534 --clear-groups prlimit --nproc=%d %s " QUICK
            " -n 6 -W 1 -d db -o out > table.txt 2> err.txt; echo $?; "
            "cat err.txt",
            limit, TRACKHAMMER_BIN);
        assert_int_equal(status, 0);
        int rc = atoi(out);
        char *table = file_in(dir, "table.txt");
        if (rc == 0) {
            assert_non_null(strstr(table, "| 0/6 | none (0/1 rounds, 0/6 "
                                          "jobs) | 0/6 | 0/6 | 0/6 |"));
            waves += strstr(out, "started late, in waves") != NULL;
        } else if (strstr(out, "harness error: fork of ")) {
            assert_int_equal(rc, 1);
            assert_non_null(strstr(table, "The run was stopped (harness "
                                          "error: fork"));
            harness_errors++;
        }
        /* else MPI itself could not start under the limit */
        free(table);
        free(out);
    }
    if (waves == 0 || harness_errors == 0)
        fail_msg("limits 24 to 4 gave %d run(s) in waves and %d harness "
                 "error(s); want both",
                 waves, harness_errors);
    scratch_done(dir);
}

/* Results on a file system that fills up (a tmpfs of 16 KiB in a mount
 * namespace of the test's own): a harness error, exit 1, said as such,
 * never a round recorded without its rows. Skipped where the test may not
 * make a mount namespace. */
static void test_results_that_cannot_be_written(void **state)
{
    (void)state;
    char *dir = scratch();
    if (command_run(dir, 10, NULL, "unshare -m true 2>/dev/null") != 0) {
        scratch_done(dir);
        skip(); /* no mount namespace for this user: nothing to fill */
    }
    int status = command_run(
        dir, TIMEOUT_S, NULL,
        "mkdir out && unshare -m sh -c 'mount -t tmpfs -o size=16k none out "
        "&& %s " QUICK " -n 40 -r 5 -d db -o out > table.txt 2> err.txt; "
        "echo $? > status.txt'",
        TRACKHAMMER_BIN);
    assert_int_equal(status, 0);
    char *code = file_in(dir, "status.txt");
    char *err = file_in(dir, "err.txt");
    assert_int_equal(atoi(code), 1);
    assert_non_null(strstr(err, "harness error: "));
    assert_non_null(strstr(err, "could not all be written")
                        ? strstr(err, "could not all be written")
                        : strstr(err, "cannot write the results"));
    free(err);
    free(code);
    scratch_done(dir);
}

/* An output path of 390 characters: the model's description handed to a
 * foreign job (it names the fault log, under the output path) arrives
 * whole, its last key included. */
static void test_a_long_path_reaches_a_foreign_job_whole(void **state)
{
    (void)state;
    char *dir = scratch();
    char deep[400] = "out";
    while (strlen(deep) < 380)
        strcat(deep, "/abcdefghijklmnopqrstuvwxyz");
    int status = command_run(
        dir, TIMEOUT_S, NULL,
        "mkdir -p %s && %s --seed 7 -n 1 -p delete-off -W 0 -f "
        "lustre,storm=off -d db -o %s -c 'printf \"%%s\" \"$FAULTFS_CONFIG\" "
        "> \"$PWD/config.txt\"; echo status ok > \"$TRACKHAMMER_OUTCOME\"' "
        "> table.txt 2>&1",
        deep, TRACKHAMMER_BIN, deep);
    assert_int_equal(status, 0);
    char *config = file_in(dir, "config.txt");
    assert_true(strlen(config) > 1024);
    assert_non_null(strstr(config, "/faults-round-0.log,"));
    assert_non_null(strstr(config, "shm_map.fail=none"));
    free(config);
    scratch_done(dir);
}

int main(void)
{
    mpi_test_environment(LSAN_SUPPRESSIONS);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_failure_is_an_outcome),
        cmocka_unit_test(test_more_ranks_than_jobs),
        cmocka_unit_test(test_files_it_did_not_make_are_kept),
        cmocka_unit_test(test_a_held_directory_is_refused),
        cmocka_unit_test(test_a_prepared_run_holds_until_merged),
        cmocka_unit_test(test_sigkill_to_a_rank_leaves_nothing),
        cmocka_unit_test(test_sigkill_to_mpirun_leaves_nothing),
        cmocka_unit_test(test_sigint_to_mpirun),
        cmocka_unit_test(test_sigterm_to_mpirun),
        cmocka_unit_test(test_sighup_to_a_singleton),
        cmocka_unit_test(test_sigterm_to_one_rank_stops_every_rank),
        cmocka_unit_test(test_walltime_kills_a_foreign_jobs_children),
        cmocka_unit_test(test_fork_failures_are_harness_errors),
        cmocka_unit_test(test_results_that_cannot_be_written),
        cmocka_unit_test(test_a_long_path_reaches_a_foreign_job_whole),
    };
    return cmocka_run_group_tests_name("trackhammer hardening", tests, NULL,
                                       NULL);
}
