/*
 * test_single_job.c: the single-job topology's steps without a scheduler
 * (--prepare, --single-job, --merge), for what the batch tests cannot
 * place exactly: bad command lines exit 2, a job SIGKILLed from outside
 * (as PBS kills at walltime or qdel) is counted killed from the record it
 * left, and a job that never ran counts as pending; verification still
 * holds the database to every acknowledged write; runs prepared in the
 * same second with the same seed never share a directory. Every command
 * is bounded.
 */
#define _GNU_SOURCE /* asprintf */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
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

#define TIMEOUT_S 60

/* trackhammer with `args` (a shell word list) in `dir`, stdout into *out,
 * stderr into dir/stderr; its exit status, -1 after a timeout. */
static int trackhammer(const char *dir, char **out, const char *args)
{
    return command_run(dir, TIMEOUT_S, out, "'%s' %s 2>stderr",
                       TRACKHAMMER_BIN, args);
}

/* One integer from a query on a CSV file of the run, by the sqlite3 shell. */
static long long csv_count(const char *run_dir, const char *file,
                           const char *where)
{
    char *path = NULL, *sql = NULL;
    long long value = 0;
    assert_true(asprintf(&path, "%s/%s", run_dir, file) > 0);
    assert_true(asprintf(&sql, "SELECT count(*) FROM t WHERE %s", where) > 0);
    assert_int_equal(csv_file_query(path, sql, &value), 0);
    free(path);
    free(sql);
    return value;
}

/* Each test's scratch directory, with db/ in it for the database. */
static int setup(void **state)
{
    char *dir = scratch_dir_make("th-single"), *db = NULL;
    if (dir == NULL || asprintf(&db, "%s/db", dir) < 0 ||
        mkdir(db, 0777) != 0) {
        free(db);
        free(dir);
        return -1;
    }
    free(db);
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    scratch_dir_remove(*state);
    free(*state);
    return 0;
}

static void test_bad_step_command_lines_exit_2(void **state)
{
    const char *dir = *state;
    static const struct {
        const char *args, *words;
    } cases[] = {
        { "--prepare -d .", "--prepare runs one round of one profile" },
        { "--prepare -n 2 -p delete-off,wal-normal -d .", "one --profiles" },
        { "--single-job 0", "needs --run-dir" },
        { "--single-job 0 --run-dir . --seed 3", "takes every other option" },
        { "--single-job x --run-dir .", "not a job index" },
        { "--merge . --prepare", "steps of their own" },
        { "--merge /nonexistent", "no plan at '/nonexistent/plan'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = trackhammer(dir, NULL, cases[i].args);
        char *err_path = NULL, err[1024] = "";
        assert_true(asprintf(&err_path, "%s/stderr", dir) > 0);
        FILE *f = fopen(err_path, "r");
        if (f) {
            size_t n = fread(err, 1, sizeof err - 1, f);
            err[n] = '\0';
            fclose(f);
        }
        free(err_path);
        if (status != 2 || strstr(err, cases[i].words) == NULL)
            fail_msg("'%s': status %d, stderr: %s", cases[i].args, status,
                     err);
    }
}

/* The task's status in the run's database. */
static void task_status(const char *dir, const char *variable, char *out,
                        size_t size)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/db/cmor_tasks.db", dir) > 0);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    out[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT status FROM cmor_tasks WHERE "
                           "variable=?1",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, variable, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            snprintf(out, size, "%s", sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    free(path);
}

static void test_killed_and_missing_jobs_merge(void **state)
{
    const char *dir = *state;
    char *run_dir = NULL;
    /* Three jobs, 30 s of work at scale 1, no fault model. */
    assert_int_equal(trackhammer(dir, &run_dir,
                                 "--prepare -n 3 -p delete-off "
                                 "-d db -o out -s 3 -W 30 -j 0 -q"),
                     0);
    run_dir[strcspn(run_dir, "\n")] = '\0';
    char *args = NULL;
    assert_true(asprintf(&args, "--single-job 0 --run-dir '%s'", run_dir) > 0);

    /* Job 0 in its own process group, killed whole (as PBS does) once its
     * mark_running is in the database; jobs 1 and 2 never run. */
    char *command = NULL;
    assert_true(asprintf(&command, "'%s' %s 2>stderr", TRACKHAMMER_BIN, args) >
                0);
    pid_t pid = command_start(dir, command);
    assert_true(pid > 0);
    free(command);
    char status[32] = "";
    for (int i = 0; i < 500 && strcmp(status, "running") != 0; i++) {
        struct timespec pause = { 0, 20000000 };
        nanosleep(&pause, NULL);
        task_status(dir, "Amon.tas", status, sizeof status);
    }
    assert_string_equal(status, "running");
    kill(-pid, SIGKILL);
    assert_int_equal(command_finish(pid, dir, TIMEOUT_S, NULL), -1);

    char *merged = NULL;
    assert_int_equal(trackhammer(dir, &merged, "--merge out/*/ -q"), 0);
    free(merged);
    assert_int_equal(csv_count(run_dir, "jobs.csv",
                               "job='0' AND outcome="
                               "'killed' AND last_ack='mark_running' AND "
                               "message LIKE 'ended by the batch system%'"),
                     1);
    assert_int_equal(csv_count(run_dir, "jobs.csv",
                               "outcome='pending' AND "
                               "message LIKE 'no record%'"),
                     2);
    /* Nothing acknowledged was lost, the database is whole, and the round
     * counts the three jobs as not ok. */
    assert_int_equal(csv_count(run_dir, "rounds.csv",
                               "integrity='ok' AND "
                               "lost_updates='0' AND other_jobs='3' AND "
                               "killed='1'"),
                     1);
    free(args);
    free(run_dir);
}

/* Runs prepared in one second with one seed (a fixed --seed, as the batch
 * tests and a rerun use) each get a directory of their own: sharing one,
 * the second run's jobs found the first's records and failed as reruns.
 * Every first-choice name of the next TIMEOUT_S seconds is taken before
 * the four prepares start, so each must take a suffixed name, and no two
 * the same one. Each has a database directory of its own: a prepared run
 * holds its directory until its merge. */
static void test_runs_in_one_second_get_their_own_directories(void **state)
{
    const char *dir = *state;
    char *printed = NULL;
    assert_int_equal(
        command_run(dir, TIMEOUT_S, &printed,
                    "now=$(date +%%s); "
                    "for s in $(seq 0 %d); do mkdir -p out/$(date "
                    "-d @$((now + s)) +%%Y%%m%%d-%%H%%M%%S)-7; "
                    "done; for i in 1 2 3 4; do mkdir db$i && "
                    "'%s' --prepare -n 2 -p delete-off -d db$i "
                    "-o out -s 7 -q || exit 1; done 2>stderr",
                    TIMEOUT_S, TRACKHAMMER_BIN),
        0);
    char *listed = NULL;
    assert_int_equal(
        command_run(dir, TIMEOUT_S, &listed,
                    "ls out/*/plan | "
                    "wc -l; echo '%s' | grep -c -- '-7-[0-9][0-9]*$'; "
                    "echo '%s' | sort -u | grep -c .",
                    printed, printed),
        0);
    long plans = -1, suffixed = -1, distinct = -1;
    assert_int_equal(
        sscanf(listed, "%ld %ld %ld", &plans, &suffixed, &distinct), 3);
    assert_int_equal(plans, 4);
    assert_int_equal(suffixed, 4);
    assert_int_equal(distinct, 4);
    free(listed);
    free(printed);
}

#define SCRATCH_TEST(test)                                                    \
    cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SCRATCH_TEST(test_bad_step_command_lines_exit_2),
        SCRATCH_TEST(test_killed_and_missing_jobs_merge),
        SCRATCH_TEST(test_runs_in_one_second_get_their_own_directories),
    };
    return cmocka_run_group_tests_name("single-job topology", tests, NULL,
                                       NULL);
}
