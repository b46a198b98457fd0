/*
 * test_trackhammer.c: the harness end to end, under mpirun with 2 ranks.
 *
 * Where the outcome follows from mechanism it is asserted: an fsync that
 * always fails fails every delete-normal job and no delete-off job; a read
 * failing once at is_done fails the jobs whose reads are unprotected and
 * not the others; the SIGBUS model crashes WAL jobs and no DELETE job;
 * SIGKILLs at random points leave integrity_check ok and lose nothing
 * acknowledged, and so do SIGKILLs placed at a file write of a write
 * transaction, in every DELETE profile and WAL on one node. The result
 * files are read back and must agree with the printed table; bad command
 * lines exit with status 2. Every run is bounded by a timeout and killed
 * after it.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
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

#define RUN_TIMEOUT_S 240.0
#define MAX_ARGS 48

/* Every probability of the lustre model at 0, storm off: only what a test
 * adds can fail. */
#define QUIET_LUSTRE                                                          \
    "lustre,storm=off,open.p=0,delete.p=0,access.p=0,sync.p=0,read.p=0,"      \
    "write.p=0,truncate.p=0,lock.p=0,shm_open.p=0,shm_map.p=0"

typedef struct run {
    char *dir; /* scratch: db/, out/, stdout, stderr */
    char *db_dir;
    char *out_dir;
    int status;     /* trackhammer's exit status, -1 if it timed out */
    char *out_text; /* stdout */
    char *err_text; /* stderr */
    char *results;  /* out/<run-id>/, or NULL */
} run;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    if (n > 0)
        assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

static void run_free(run *r)
{
    scratch_dir_remove(r->dir);
    free(r->dir);
    free(r->db_dir);
    free(r->out_dir);
    free(r->out_text);
    free(r->err_text);
    free(r->results);
    memset(r, 0, sizeof *r);
}

/* The newest entry of out/, the run's results directory. */
static char *results_dir(const char *out_dir)
{
    char *cmd = NULL, line[1024] = "";
    assert_true(
        asprintf(&cmd, "ls -1t '%s' 2>/dev/null | head -n 1", out_dir) > 0);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (p && fgets(line, sizeof line, p))
        line[strcspn(line, "\n")] = '\0';
    if (p)
        pclose(p);
    char *dir = NULL;
    if (line[0])
        assert_true(asprintf(&dir, "%s/%s", out_dir, line) > 0);
    return dir;
}

/* mpirun -np 2 trackhammer ARGS... --db-dir D --output O, bounded. */
static void run_trackhammer(run *r, const char *const *args)
{
    memset(r, 0, sizeof *r);
    r->dir = scratch_dir_make("trackhammer-it");
    assert_non_null(r->dir);
    assert_true(asprintf(&r->db_dir, "%s/db", r->dir) > 0);
    assert_true(asprintf(&r->out_dir, "%s/out", r->dir) > 0);
    assert_int_equal(mkdir(r->db_dir, 0777), 0);

    const char *argv[MAX_ARGS];
    int n = 0;
    argv[n++] = "mpirun";
    argv[n++] = "--oversubscribe";
    argv[n++] = "-np";
    argv[n++] = "2";
    argv[n++] = TRACKHAMMER_BIN;
    argv[n++] = "--seed";
    argv[n++] = "7";
    argv[n++] = "--quiet";
    /* Short lives: the tests assert mechanisms, not rates. */
    argv[n++] = "--time-scale";
    argv[n++] = "0.01";
    argv[n++] = "--db-dir";
    argv[n++] = r->db_dir;
    argv[n++] = "--output";
    argv[n++] = r->out_dir;
    for (int i = 0; args[i]; i++) {
        assert_true(n < MAX_ARGS - 1);
        argv[n++] = args[i];
    }
    argv[n] = NULL;

    char *out_path = NULL, *err_path = NULL;
    assert_true(asprintf(&out_path, "%s/stdout", r->dir) > 0);
    assert_true(asprintf(&err_path, "%s/stderr", r->dir) > 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 1);
        dup2(err, 2);
        setpgid(0, 0); /* so a timeout can kill mpirun and its ranks */
        execvp("mpirun", (char *const *)argv);
        _exit(127);
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status = 0;
    r->status = -1;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid) {
            r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > RUN_TIMEOUT_S) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec pause = { 0, 20000000 };
        nanosleep(&pause, NULL);
    }
    r->out_text = read_file(out_path);
    r->err_text = read_file(err_path);
    r->results = results_dir(r->out_dir);
    free(out_path);
    free(err_path);
}

/* A run that must have completed. */
static void run_ok(run *r, const char *const *args)
{
    run_trackhammer(r, args);
    if (r->status != 0 || r->results == NULL)
        fail_msg("trackhammer exited %d:\n%s", r->status, r->err_text);
}

/* One number from the run's CSV files, through SQLite's CSV-free way: a
 * small query over the file loaded into an in-memory table. */
static long long csv_query(const run *r, const char *file, const char *sql)
{
    char *path = NULL;
    long long value = 0;
    assert_true(asprintf(&path, "%s/%s", r->results, file) > 0);
    if (csv_file_query(path, sql, &value) != 0)
        fail_msg("no answer to %s on %s", sql, path);
    free(path);
    return value;
}

/* jobs.csv's class, round by round, is what rounds.csv counts in each
 * class's column, and empty exactly for the jobs that ended ok or
 * skipped: the table's counts and the jobs' classes are one. */
static void assert_classes_match_rounds(const run *r)
{
    static const char *const classes[] = { "ioerr", "sigbus", "locked",
                                           "malformed", "other" };
    long long rounds = csv_query(r, "rounds.csv", "SELECT count(*) FROM t");
    for (long long round = 0; round < rounds; round++)
        for (size_t k = 0; k < sizeof classes / sizeof *classes; k++) {
            char *sql = NULL;
            assert_true(asprintf(&sql,
                                 "SELECT %s_jobs FROM t WHERE round="
                                 "%lld",
                                 classes[k], round) > 0);
            long long stated = csv_query(r, "rounds.csv", sql);
            free(sql);
            assert_true(asprintf(&sql,
                                 "SELECT count(*) FROM t WHERE round="
                                 "%lld AND class='%s'",
                                 round, classes[k]) > 0);
            assert_int_equal(csv_query(r, "jobs.csv", sql), stated);
            free(sql);
        }
    assert_int_equal(csv_query(r, "jobs.csv",
                               "SELECT count(*) FROM t WHERE "
                               "(class='') <> (outcome IN ('ok', "
                               "'skipped'))"),
                     0);
}

static void test_fsync_faults_fail_delete_normal_only(void **state)
{
    (void)state;
    run r;
    const char *args[] = { "-n", "4",
                           "-p", "delete-normal,delete-off",
                           "-f", QUIET_LUSTRE ",sync.p=1",
                           NULL };
    run_ok(&r, args);
    /* Every delete-normal job fails at its first commit, with an fsync
     * error; delete-off never calls fsync. */
    assert_int_equal(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE profile='delete-normal' AND "
                  "outcome='failed' AND failed_op='mark_running' AND "
                  "code_name='SQLITE_IOERR_FSYNC'"),
        4);
    assert_int_equal(csv_query(&r, "jobs.csv",
                               "SELECT count(*) FROM t WHERE "
                               "profile='delete-off' AND outcome='ok'"),
                     4);
    assert_int_equal(
        csv_query(&r, "faults.csv",
                  "SELECT sum(calls) FROM t WHERE profile='delete-off' AND "
                  "class='sync'"),
        0);
    assert_non_null(strstr(r.out_text, "| test_2 | delete-normal | 4/4 |"));
    assert_non_null(strstr(r.out_text, "| test_3 | delete-off | 0/4 |"));
    run_free(&r);
}

static void test_read_fault_at_is_done_by_read_scope(void **state)
{
    (void)state;
    run r;
    /* A read that times out (SQLITE_IOERR_READ), once, as is_done starts. */
    const char *args[] = { "-n",
                           "4",
                           "-p",
                           "delete-off-retry-writes,delete-off-retry-all",
                           "-f",
                           QUIET_LUSTRE ",read.errno=etimedout",
                           "--fault-before",
                           "get_status:read:1",
                           NULL };
    run_ok(&r, args);
    assert_int_equal(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE "
                  "profile='delete-off-retry-writes' AND "
                  "failed_op='get_status' AND code_name='SQLITE_IOERR_READ'"),
        4);
    assert_int_equal(
        csv_query(
            &r, "jobs.csv",
            "SELECT count(*) FROM t WHERE profile='delete-off-retry-all' AND "
            "outcome='ok' AND retries_ioerr=1"),
        4);
    run_free(&r);

    /* EIO instead: SQLite reports "malformed", which upstream's retry did
     * not match, so retrying every read does not save these jobs. */
    const char *eio[] = { "-n",
                          "4",
                          "-p",
                          "delete-off-retry-all",
                          "-f",
                          QUIET_LUSTRE,
                          "--fault-before",
                          "get_status:read:1",
                          NULL };
    run_ok(&r, eio);
    assert_int_equal(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE failed_op='get_status' AND "
                  "code_name='SQLITE_CORRUPT'"),
        4);
    run_free(&r);
}

/* Model (b), the lustre model's own: one simulated node per job, -shm
 * locks coherent only within a node. A job on another node takes the
 * dead-man switch, truncates the -shm file under the others' mappings, and
 * their next WAL-index access is a SIGBUS. How many jobs it hits depends on
 * timing (2 to 11 of 16 in trials), so two rounds of 24 must show at least
 * one; a DELETE job maps no -shm and can never be hit. */
static void test_sigbus_crashes_wal_jobs_only(void **state)
{
    (void)state;
    run r;
    const char *args[] = { "-n", "24",         "-r",
                           "2",  "-p",         "wal-normal,delete-off",
                           "-f", QUIET_LUSTRE, NULL };
    run_ok(&r, args);
    assert_true(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE profile='wal-normal' AND "
                  "outcome='crashed' AND signal=7") >= 1);
    /* Every crash is a SIGBUS, inside a tracker call. */
    assert_int_equal(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE outcome='crashed' AND "
                  "(signal<>7 OR in_flight='')"),
        0);
    assert_int_equal(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE profile='delete-off' AND "
                  "outcome='ok'"),
        48);
    /* Each round with a SIGBUS logged the -shm reset behind it. */
    char *cmd = NULL, line[64] = "";
    assert_true(asprintf(&cmd,
                         "cat %s/faults-round-*.log | grep -c "
                         "'by=mechanism effect=reset'",
                         r.results) > 0);
    FILE *p = popen(cmd, "r");
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    free(cmd);
    assert_true(atoi(line) >= 1);
    /* The table's SIGBUS cell: rounds with a SIGBUS, then jobs, as
     * rounds.csv and jobs.csv count them. */
    char cell[96];
    snprintf(cell, sizeof cell, "| present (%lld/2 rounds, %lld/48 jobs) |",
             csv_query(&r, "rounds.csv",
                       "SELECT count(*) FROM t WHERE "
                       "profile='wal-normal' AND sigbus_jobs>0"),
             csv_query(&r, "jobs.csv",
                       "SELECT count(*) FROM t WHERE "
                       "profile='wal-normal' AND signal=7"));
    assert_non_null(strstr(r.out_text, "| wal-normal |"));
    assert_non_null(strstr(strstr(r.out_text, "| wal-normal |"), cell));
    assert_non_null(strstr(
        r.out_text, "| delete-off | 0/48 | none (0/2 rounds, 0/48 jobs)"));
    assert_classes_match_rounds(&r);
    run_free(&r);
}

static void test_kills_leave_integrity_ok(void **state)
{
    (void)state;
    run r;
    const char *args[] = { "-n",          "8",   "-p", "delete-off,hardened",
                           "--kill-rate", "0.9", "-f", QUIET_LUSTRE,
                           NULL };
    run_ok(&r, args);
    assert_true(
        csv_query(
            &r, "jobs.csv",
            "SELECT count(*) FROM t WHERE outcome='killed' AND signal=9") >=
        1);
    assert_int_equal(csv_query(&r, "rounds.csv",
                               "SELECT count(*) FROM t WHERE integrity<>'ok'"),
                     0);
    /* A killed process loses nothing SQLite acknowledged, synchronous=OFF
     * included: the page cache outlives the process. */
    assert_int_equal(
        csv_query(&r, "rounds.csv", "SELECT sum(lost_updates) FROM t"), 0);
    run_free(&r);
}

/* Kills placed inside writes (--kill-at write, with no fault model: the
 * fault VFS only counts the calls): every job SIGKILLed at a file write,
 * sync or delete of a write transaction. SQLite's guarantee after a
 * process crash holds in every DELETE profile, synchronous=OFF included
 * (what the process wrote is in the page cache, the journal complete),
 * and in WAL on one node (-K 1: -shm locks coherent): integrity_check ok
 * in every round, no acknowledged update lost. */
static void test_kills_inside_writes_lose_nothing(void **state)
{
    (void)state;
    static const char *const profiles[] = {
        "delete-normal",        "delete-off", "delete-off-retry-writes",
        "delete-off-retry-all", "upstream",   "hardened",
        "wal-normal",
    };
    run r;
    const char *args[] = { "-n",
                           "6",
                           "-r",
                           "2",
                           "-K",
                           "1",
                           "-p",
                           "delete-normal,delete-off,delete-off-retry-writes,"
                           "delete-off-retry-all,upstream,hardened,wal-normal",
                           "--kill-rate",
                           "1",
                           "--kill-at",
                           "write",
                           NULL };
    run_ok(&r, args);
    assert_int_equal(csv_query(&r, "rounds.csv", "SELECT count(*) FROM t"),
                     14);
    for (size_t i = 0; i < sizeof profiles / sizeof *profiles; i++) {
        char *sql = NULL;
        assert_true(asprintf(&sql,
                             "SELECT count(*) FROM t WHERE profile='%s' AND "
                             "outcome='killed' "
                             "AND signal=9 AND in_flight IN "
                             "('mark_running','mark_completed',"
                             "'mark_failed')",
                             profiles[i]) > 0);
        if (csv_query(&r, "jobs.csv", sql) < 1)
            fail_msg("%s: no job killed inside a tracker write", profiles[i]);
        free(sql);
    }
    /* Every kill was the harness's own, at a planned call. */
    assert_int_equal(
        csv_query(
            &r, "jobs.csv",
            "SELECT count(*) FROM t WHERE outcome IN ('crashed','hung') OR "
            "(signal<>0 AND (outcome<>'killed' OR signal<>9))"),
        0);
    assert_int_equal(csv_query(&r, "rounds.csv",
                               "SELECT count(*) FROM t WHERE integrity<>'ok'"),
                     0);
    assert_int_equal(
        csv_query(&r, "rounds.csv", "SELECT sum(lost_updates) FROM t"), 0);
    /* A kill before the call that would commit: no write the job could
     * not acknowledge is in the database. */
    assert_int_equal(
        csv_query(&r, "rounds.csv", "SELECT sum(unknown_committed) FROM t"),
        0);
    run_free(&r);
}

static void test_result_files_agree_with_the_table(void **state)
{
    (void)state;
    run r;
    const char *args[] = { "-n", "3",
                           "-r", "2",
                           "-p", "delete-normal",
                           "-f", QUIET_LUSTRE ",sync.fail=1",
                           NULL };
    run_ok(&r, args);
    assert_int_equal(csv_query(&r, "jobs.csv", "SELECT count(*) FROM t"), 6);
    /* ops.csv: every job called mark_running once, none retried an I/O
     * error (delete-normal retries only locked), and each row's histogram
     * holds all its timed calls. */
    assert_int_equal(
        csv_query(&r, "ops.csv",
                  "SELECT sum(calls) FROM t WHERE op='mark_running'"),
        6);
    assert_int_equal(
        csv_query(&r, "ops.csv", "SELECT sum(retries_ioerr) FROM t"), 0);
    assert_int_equal(
        csv_query(
            &r, "ops.csv",
            "SELECT count(*) FROM t WHERE op<>'close' AND calls <> "
            "(WITH RECURSIVE b(rest, n) AS (SELECT latency_hist || ' ', 0 "
            "UNION "
            "ALL SELECT substr(rest, instr(rest, ' ') + 1), n + CAST(substr("
            "rest, 1, instr(rest, ' ') - 1) AS INTEGER) FROM b WHERE rest <> "
            "'') "
            "SELECT max(n) FROM b)"),
        0);
    assert_int_equal(csv_query(&r, "rounds.csv", "SELECT count(*) FROM t"), 2);
    long long ioerr =
        csv_query(&r, "rounds.csv", "SELECT sum(ioerr_jobs) FROM t");
    assert_int_equal(
        ioerr,
        csv_query(
            &r, "jobs.csv",
            "SELECT count(*) FROM t WHERE code_name LIKE 'SQLITE_IOERR%' AND "
            "outcome='failed'"));
    assert_true(ioerr >= 1); /* each job's first fsync fails */
    assert_classes_match_rounds(&r);
    char row[128];
    snprintf(row, sizeof row, "| test_2 | delete-normal | %lld/6 |", ioerr);
    assert_non_null(strstr(r.out_text, row));
    /* summary.json is valid JSON with the table and the environment. */
    char *cmd = NULL;
    assert_true(asprintf(&cmd,
                         "sqlite3 :memory: \"SELECT json_valid("
                         "readfile('%s/summary.json')), json_extract("
                         "readfile('%s/summary.json'), "
                         "'$.table[0].ioerr_jobs'), json_extract("
                         "readfile('%s/summary.json'), "
                         "'$.environment.fs_type') IS NOT NULL\"",
                         r.results, r.results, r.results) > 0);
    FILE *p = popen(cmd, "r");
    char line[128] = "";
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    free(cmd);
    char expected[64];
    snprintf(expected, sizeof expected, "1|%lld|1\n", ioerr);
    assert_string_equal(line, expected);
    run_free(&r);
}

/* What a launcher such as th-realfs hands trackhammer: --fs-info lines go
 * into the header and summary.json as given, and a fault the file system
 * injects is named as such; --verify-dir is recorded as the verifying
 * client; --during-round runs once per round with the round's names, its
 * output in during-round.log, and a command still running at the round's
 * end is ended then, as rounds.csv says, its whole group given the grace
 * to act on SIGTERM (the shell ends at once, its child puts things back). */
static void test_launcher_options(void **state)
{
    (void)state;
    char *info_dir = scratch_dir_make("trackhammer-fs-info");
    assert_non_null(info_dir);
    char *info = NULL;
    assert_true(asprintf(&info, "%s/fs-info", info_dir) > 0);
    FILE *f = fopen(info, "w");
    assert_non_null(f);
    fputs("# written by a launcher\n\npreset: coherent\n"
          "faults: fsync fails 5% of the time on the brick\n",
          f);
    fclose(f);
    run r;
    const char *args[] = {
        "-n",
        "2",
        "-r",
        "2",
        "-p",
        "delete-off",
        "--fs-info",
        info,
        "--during-round",
        "echo \"round $TRACKHAMMER_ROUND $TRACKHAMMER_PROFILE\"; "
        "sh -c 'trap \"sleep 1; echo undone $TRACKHAMMER_ROUND; exit 0\" "
        "TERM; sleep 30 & wait'; true",
        NULL
    };
    run_ok(&r, args);
    const char *output[] = { r.out_text, r.err_text };
    bool named = false, told = false;
    for (int i = 0; i < 2; i++) {
        named = named || strstr(output[i], "nothing simulated); faults "
                                           "injected by the file system: "
                                           "fsync fails 5% of the time on "
                                           "the brick");
        told = told || strstr(output[i], "preset: coherent");
    }
    assert_true(named);
    assert_true(told);
    assert_int_equal(csv_query(&r, "rounds.csv",
                               "SELECT count(*) FROM t "
                               "WHERE during_round = 'signal 15 (ended at "
                               "round end)'"),
                     2);
    char *log_path = NULL;
    assert_true(asprintf(&log_path, "%s/during-round.log", r.results) > 0);
    char *log = read_file(log_path);
    assert_non_null(strstr(log, "round 0 delete-off\n"));
    assert_non_null(strstr(log, "round 1 delete-off\n"));
    assert_non_null(strstr(log, "undone 0\n"));
    assert_non_null(strstr(log, "undone 1\n"));
    free(log);
    free(log_path);
    char *cmd = NULL;
    assert_true(asprintf(&cmd,
                         "sqlite3 :memory: \"SELECT json_extract("
                         "readfile('%s/summary.json'), "
                         "'$.file_system_info.preset') || '|' || "
                         "json_extract(readfile('%s/summary.json'), "
                         "'$.file_system_info.faults')\"",
                         r.results, r.results) > 0);
    FILE *p = popen(cmd, "r");
    char line[256] = "";
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    free(cmd);
    assert_string_equal(line, "coherent|fsync fails 5% of the time on the "
                              "brick\n");
    run_free(&r);

    /* --verify-dir: the round is verified through the directory named
     * (here one without the database, so it cannot open it, though the
     * jobs' database is fine), and that directory is recorded. */
    const char *verify_args[] = { "-n",           "1",      "-p", "delete-off",
                                  "--verify-dir", info_dir, NULL };
    run_ok(&r, verify_args);
    assert_int_equal(csv_query(&r, "rounds.csv",
                               "SELECT count(*) FROM t "
                               "WHERE integrity LIKE 'cannot open:%'"),
                     1);
    assert_true(asprintf(&cmd,
                         "sqlite3 :memory: \"SELECT json_extract("
                         "readfile('%s/summary.json'), "
                         "'$.verified_through')\"",
                         r.results) > 0);
    p = popen(cmd, "r");
    assert_non_null(fgets(line, sizeof line, p));
    pclose(p);
    free(cmd);
    line[strcspn(line, "\n")] = '\0';
    assert_string_equal(line, info_dir);
    run_free(&r);
    free(info);
    scratch_dir_remove(info_dir);
    free(info_dir);
}

static void test_python_job_under_the_model(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0) {
        print_message("skipped: no /usr/bin/python3 to run the Python job\n");
        skip();
    }
    run r;
    const char *args[] = { "-n",        "2",
                           "-p",        "delete-normal,delete-off",
                           "-f",        QUIET_LUSTRE ",sync.p=1",
                           "--job-cmd", "/usr/bin/python3 " PYTHON_JOB,
                           NULL };
    run_ok(&r, args);
    assert_int_equal(
        csv_query(&r, "jobs.csv",
                  "SELECT count(*) FROM t WHERE profile='delete-normal' AND "
                  "outcome='failed' AND code_name='SQLITE_IOERR_FSYNC'"),
        2);
    assert_int_equal(csv_query(&r, "jobs.csv",
                               "SELECT count(*) FROM t WHERE "
                               "profile='delete-off' AND outcome='ok' "
                               "AND last_ack='mark_completed'"),
                     2);
    run_free(&r);
}

/* A foreign job must end with a status line (CONTRACT.md): one that exits
 * 0 with only garbage in its outcome file is failed, not ok; so is one
 * that exits 3 with nothing. */
static void test_foreign_job_without_status_line_fails(void **state)
{
    (void)state;
    static const struct {
        const char *job, *count_failed;
    } cases[] = {
        { "echo garbage > \"$TRACKHAMMER_OUTCOME\"; exit 0",
          "SELECT count(*) FROM t WHERE outcome='failed' AND message="
          "'job exited with status 0 and no status line'" },
        { "exit 3",
          "SELECT count(*) FROM t WHERE outcome='failed' AND message="
          "'job exited with status 3 and no status line'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        const char *args[] = { "-n",        "2",          "-p", "delete-off",
                               "--job-cmd", cases[i].job, NULL };
        run_ok(&r, args);
        assert_int_equal(csv_query(&r, "jobs.csv", cases[i].count_failed), 2);
        run_free(&r);
    }
}

static void test_bad_command_lines_exit_2(void **state)
{
    (void)state;
    static const struct {
        const char *args[7];
        const char *words;
    } cases[] = {
        { { "-p", "wal-turbo", NULL }, "unknown profile 'wal-turbo'" },
        { { "-n", "2x", NULL }, "--jobs: '2x'" },
        { { "--repeat", "0", NULL }, "--repeat: '0'" },
        { { "--matrix", "gadi72", NULL }, "unknown matrix 'gadi72'" },
        { { "-f", "lustre,sync.p=2", NULL }, "sync.p" },
        { { "--frobnicate", NULL }, "unknown option" },
        { { "--kill-at", "never", NULL }, "--kill-at: 'never'" },
        { { "--kill-at", "write", NULL }, "give --kill-rate P" },
        { { "--kill-at", "write", "-k", "1", "-c", "true", NULL },
          "built-in job only" },
        { { "--output", "/proc/no/such/dir", NULL }, "output directory" },
        { { "--db-dir", "/nonexistent/trackhammer", NULL }, "does not exist" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        run_trackhammer(&r, cases[i].args);
        if (r.status != 2 || strstr(r.err_text, cases[i].words) == NULL)
            fail_msg("case %zu: status %d, stderr:\n%s", i, r.status,
                     r.err_text);
        assert_null(r.results); /* no rank did any work */
        run_free(&r);
    }
}

int main(void)
{
    mpi_test_environment(LSAN_SUPPRESSIONS);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_command_lines_exit_2),
        cmocka_unit_test(test_fsync_faults_fail_delete_normal_only),
        cmocka_unit_test(test_read_fault_at_is_done_by_read_scope),
        cmocka_unit_test(test_sigbus_crashes_wal_jobs_only),
        cmocka_unit_test(test_kills_leave_integrity_ok),
        cmocka_unit_test(test_kills_inside_writes_lose_nothing),
        cmocka_unit_test(test_result_files_agree_with_the_table),
        cmocka_unit_test(test_launcher_options),
        cmocka_unit_test(test_python_job_under_the_model),
        cmocka_unit_test(test_foreign_job_without_status_line_fails),
    };
    return cmocka_run_group_tests_name("trackhammer end to end", tests, NULL,
                                       NULL);
}
