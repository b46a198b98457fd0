/*
 * test_load.c: the results database holds every row of the files it was
 * given, and each kind of bad input stops the load with one message that
 * names the file and, for bad content, the line.
 *
 * Bad inputs are made from the small real run in data/run-small (a
 * trackhammer run of 6 jobs x 3 profiles x 2 repeats under the lustre
 * model), copied to a scratch directory and spoiled one way at a time.
 */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsupport.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"

#define RUN_SMALL ANALYSIS_DATA "/run-small"

static char *read_text(const char *path)
{
    char *text = file_contents(path);
    if (text == NULL)
        fail_msg("%s: cannot read", path);
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static long count_lines(const char *path)
{
    char *text = read_text(path);
    long n = 0;
    for (char *p = text; *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

/* A scratch copy of run-small; the test state. */
static int make_copy(void **state)
{
    char *dir = scratch_dir_make("th-report-test");
    if (dir == NULL)
        return -1;
    DIR *d = opendir(RUN_SMALL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *from, *to;
        if (asprintf(&from, "%s/%s", RUN_SMALL, e->d_name) < 0 ||
            asprintf(&to, "%s/%s", dir, e->d_name) < 0)
            return -1;
        char *text = read_text(from);
        write_text(to, text);
        free(text);
        free(from);
        free(to);
    }
    closedir(d);
    *state = dir;
    return 0;
}

static int remove_copy(void **state)
{
    scratch_dir_remove(*state);
    free(*state);
    return 0;
}

/* Replaces line `number` (from 1) of dir/name with `line`. */
static void replace_line(const char *dir, const char *name, int number,
                         const char *line)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = read_text(path);
    char *start = text;
    for (int n = 1; n < number; n++)
        start = strchr(start, '\n') + 1;
    char *end = strchr(start, '\n');
    assert_non_null(end);
    *start = '\0';
    char *spoiled;
    assert_true(asprintf(&spoiled, "%s%s%s", text, line, end) > 0);
    write_text(path, spoiled);
    free(spoiled);
    free(text);
}

/* Loading `dir` fails, and the message holds `dir`/`where`. */
static void assert_load_fails(const char *dir, const char *where)
{
    sqlite3 *db;
    char err[ERR_MAX] = "", *want;
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, dir, err, sizeof err), -1);
    assert_true(asprintf(&want, "%s/%s", dir, where) > 0);
    if (strstr(err, want) == NULL)
        fail_msg("message '%s' does not name '%s'", err, want);
    free(want);
    sqlite3_close(db);
}

static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    long long n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void test_every_row_is_loaded(void **state)
{
    (void)state;
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, RUN_SMALL, err, sizeof err), 0);
    assert_int_equal(load_reference(db, REFERENCE_CSV, err, sizeof err), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM jobs"),
                     count_lines(RUN_SMALL "/jobs.csv") - 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM rounds"),
                     count_lines(RUN_SMALL "/rounds.csv") - 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM faults"),
                     count_lines(RUN_SMALL "/faults.csv") - 1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM reference"),
                     count_lines(REFERENCE_CSV) - 1);
    long events = 0;
    for (int round = 0; round < 6; round++) {
        char path[256];
        snprintf(path, sizeof path, RUN_SMALL "/faults-round-%d.log", round);
        events += count_lines(path);
        char sql[128];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM fault_events WHERE round = %d", round);
        assert_int_equal(query_int(db, sql), count_lines(path));
    }
    assert_int_equal(query_int(db, "SELECT count(*) FROM fault_events"),
                     events);
    /* The quoted message field and the JSON summary arrive whole. */
    assert_int_equal(query_int(db, "SELECT count(*) FROM jobs WHERE "
                                   "message = 'disk I/O error'"),
                     query_int(db, "SELECT count(*) FROM jobs WHERE "
                                   "code_name LIKE 'SQLITE_IOERR%'"));
    assert_int_equal(query_int(db, "SELECT seed FROM runs"), 3);
    assert_int_equal(query_int(db, "SELECT jobs_per_round FROM runs"), 6);
    sqlite3_close(db);
}

static void test_missing_directory(void **state)
{
    char *dir;
    assert_true(asprintf(&dir, "%s/not-there", (char *)*state) > 0);
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, dir));
    assert_non_null(strstr(err, "No such file"));
    sqlite3_close(db);
    free(dir);
}

/* Each file a results directory must have, removed in turn. */
static void test_missing_file(void **state)
{
    const char *dir = *state;
    const char *names[] = { "summary.json", "jobs.csv", "rounds.csv",
                            "faults.csv" };
    for (int i = 3; i >= 0; i--) {
        char path[4096], where[64];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        assert_int_equal(unlink(path), 0);
        snprintf(where, sizeof where, "%s: No such file", names[i]);
        assert_load_fails(dir, where);
    }
}

static void test_short_row(void **state)
{
    replace_line(*state, "jobs.csv", 3, "0,0,wal-normal,1,Amon.pr,ok");
    assert_load_fails(*state, "jobs.csv:3: 6 fields, the header has 22");
}

static void test_number_that_does_not_parse(void **state)
{
    replace_line(*state, "rounds.csv", 2,
                 "0,0,wal-normal,test_1,six,5,0,1,0,0,1,0,0,0,0,1,2,0,1,"
                 "\"ok\",0,0,0,0.006,0.01,0.2,0,0");
    assert_load_fails(*state, "rounds.csv:2: column 'jobs': 'six' is not");
}

static void test_unterminated_quote(void **state)
{
    replace_line(*state, "jobs.csv", 2,
                 "0,0,wal-normal,0,Amon.tas,ok,0,,0,,0,\"oops,0.01,0.1,"
                 "mark_completed,,,ok,0,0,0,0");
    assert_load_fails(*state, "jobs.csv:2: unterminated quoted field");
}

static void test_header_without_a_column(void **state)
{
    replace_line(*state, "faults.csv", 1, "round,repeat,profile,class,calls");
    assert_load_fails(*state, "faults.csv:1: no column 'faults'");
}

static void test_bad_fault_log_line(void **state)
{
    replace_line(*state, "faults-round-2.log", 2,
                 "1795575067.4 pid=1 node=5 rank=five class=sync");
    assert_load_fails(*state, "faults-round-2.log:2: bad or missing rank");
}

/* ops.csv, optional, is loaded whole where it is; each bad histogram
 * stops the load at its line. */
static void test_ops_csv(void **state)
{
    (void)state;
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(
        load_results_dir(db, ANALYSIS_DATA "/run-ops", err, sizeof err), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM ops"),
                     count_lines(ANALYSIS_DATA "/run-ops/ops.csv") - 1);
    assert_int_equal(query_int(db, "SELECT sum(calls) FROM ops"), 112);
    sqlite3_close(db);
}

static void test_bad_histogram(void **state)
{
    static const char *const bad[] = {
        "1 2 3", /* too few */
        "1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
        "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", /* 41 */
        "1  0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
        "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", /* two spaces */
        "-1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
        "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", /* negative */
    };
    char path[4096];
    snprintf(path, sizeof path, "%s/ops.csv", (char *)*state);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text;
        assert_true(asprintf(&text,
                             "round,repeat,profile,op,calls,attempts,"
                             "retries_locked,retries_ioerr,retries_corrupt,"
                             "failures,backoff_s,latency_total_s,"
                             "latency_max_s,latency_hist\n"
                             "0,0,wal-normal,open,1,1,0,0,0,0,0,0.1,0.1,%s\n",
                             bad[i]) > 0);
        write_text(path, text);
        free(text);
        assert_load_fails(*state, "ops.csv:2: column 'latency_hist'");
    }
}

static void test_summary_not_json(void **state)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", (char *)*state);
    write_text(path, "{\"command_line\": ");
    assert_load_fails(*state, "summary.json: not a JSON object");
}

static void test_bad_reference(void **state)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/reference.csv", (char *)*state);
    write_text(path, "run,profile,journal_mode,synchronous,retry_on_ioerr,"
                     "retry_scope,jobs,jobs_with_disk_io_error,sigbus\n"
                     "test_1,wal-normal,WAL,NORMAL,no,writes,71,6,present\n"
                     "test_2,delete-normal,DELETE,NORMAL,no,writes,71,8.5,"
                     "eliminated\n");
    sqlite3 *db;
    char err[ERR_MAX] = "", want[4200];
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_reference(db, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: column 'jobs_with_disk_io_error'",
             path);
    assert_non_null(strstr(err, want));
    sqlite3_close(db);
}

/* A database file th-report made is replaced; any other file is kept. */
static void test_db_file_replaced_only_if_ours(void **state)
{
    char path[4096], err[ERR_MAX] = "";
    snprintf(path, sizeof path, "%s/jobs.csv", (char *)*state);
    sqlite3 *db;
    assert_int_equal(db_open(path, &db, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a th-report database"));
    sqlite3_close(db);
    assert_int_equal(count_lines(path), 37);

    snprintf(path, sizeof path, "%s/report.db", (char *)*state);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(db_open(path, &db, err, sizeof err), 0);
        assert_int_equal(load_reference(db, REFERENCE_CSV, err, sizeof err),
                         0);
        assert_int_equal(query_int(db, "SELECT count(*) FROM reference"), 5);
        sqlite3_close(db);
    }
}

/* `{}` names every key the report reads in one message; a summary that
 * lacks only what is under environment, or has a bad status, says so. */
static void test_summary_missing_keys(void **state)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", (char *)*state);
    write_text(path, "{}");
    assert_load_fails(*state, "summary.json: missing keys: command_line, "
                              "environment, fault_model, time_scale, seed, "
                              "jobs");
    write_text(path, "{\"command_line\": \"x\", \"environment\": "
                     "{\"sqlite_version\": \"3\"}, \"fault_model\": "
                     "\"none\", \"time_scale\": 1, \"seed\": \"3\", "
                     "\"jobs\": 6, \"status\": \"done\"}");
    assert_load_fails(*state, "summary.json: missing keys: "
                              "environment.fs_type, "
                              "environment.mount_options; wrong values: "
                              "seed (wants an integer), status (wants "
                              "completed, interrupted or stopped)");
}

/* Loading `dir` fails with a message "DIR: ...`what`...". */
static void assert_dir_fails(const char *dir, const char *what)
{
    sqlite3 *db;
    char err[ERR_MAX] = "", *want;
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, dir, err, sizeof err), -1);
    assert_true(asprintf(&want, "%s: ", dir) > 0);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, what))
        fail_msg("message '%s' is not '%s...%s...'", err, want, what);
    free(want);
    sqlite3_close(db);
}

/* jobs.csv cut at a row boundary, or one outcome changed, disagrees with
 * rounds.csv's counts: the run directory and the round are named. */
static void test_jobs_disagree_with_rounds(void **state)
{
    replace_line(*state, "jobs.csv", 3,
                 "0,0,wal-normal,1,Amon.pr,failed,0,open,10,SQLITE_IOERR,1,"
                 "\"disk I/O error\",0.01,0.1,,,,ok,0,0,0,0");
    assert_dir_fails(*state, "round 0: jobs.csv has 6 jobs (ok 4, "
                             "skipped 0, failed 1, crashed 0, killed 0, "
                             "hung 1), rounds.csv states 6 jobs (ok 5, "
                             "skipped 0, failed 0, crashed 0, killed 0, "
                             "hung 1)");
    replace_line(*state, "jobs.csv", 3,
                 "0,0,wal-normal,1,Amon.pr,ok,0,,0,,0,\"\",0.014373,"
                 "0.117999,mark_completed,,,ok,0,0,0,0");
    char path[4096];
    snprintf(path, sizeof path, "%s/jobs.csv", (char *)*state);
    char *text = read_text(path);
    *strrchr(text, '\n') = '\0';
    *(strrchr(text, '\n') + 1) = '\0'; /* the last row gone */
    write_text(path, text);
    free(text);
    assert_dir_fails(*state, "round 5: jobs.csv has 5 jobs");
}

/* Newer rounds.csv columns load where they are; older files get
 * set-up "ok"; the run's id, status and planned rounds are kept. */
static void test_setup_columns(void **state)
{
    (void)state;
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, RUN_SMALL, err, sizeof err), 0);
    assert_int_equal(
        load_results_dir(db, ANALYSIS_DATA "/run-setup", err, sizeof err), 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM rounds WHERE "
                                   "run_id = 1 AND setup = 'ok' AND "
                                   "setup_code = 0"),
                     6);
    assert_int_equal(query_int(db, "SELECT setup_code FROM rounds WHERE "
                                   "run_id = 2 AND setup_code_name = "
                                   "'SQLITE_FULL' AND setup_op = 'open' AND "
                                   "setup_message = 'database or disk is "
                                   "full'"),
                     13);
    assert_int_equal(query_int(db, "SELECT count(*) FROM runs WHERE "
                                   "name = '20261201-101500-7' AND status = "
                                   "'interrupted' AND rounds_planned = 4"),
                     1);
    assert_int_equal(query_int(db, "SELECT count(*) FROM runs WHERE "
                                   "name = 'run-small' AND status IS NULL"),
                     1);
    sqlite3_close(db);
}

/* A run older than jobs.csv's class column gets each job's class from
 * its outcome, signal and code: round by round the counts rounds.csv
 * states, empty exactly for the jobs that ended ok or skipped. */
static void test_class_derived_for_old_runs(void **state)
{
    (void)state;
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, RUN_SMALL, err, sizeof err), 0);
    assert_true(query_int(db, "SELECT count(*) FROM jobs WHERE class = "
                              "'ioerr'") > 0);
    assert_int_equal(query_int(db, "SELECT count(*) FROM rounds o JOIN ("
                                   "SELECT round, sum(class = 'ioerr') AS i, "
                                   "sum(class = 'sigbus') AS s, "
                                   "sum(class = 'locked') AS l, "
                                   "sum(class = 'malformed') AS m, "
                                   "sum(class = 'other') AS x "
                                   "FROM jobs GROUP BY round) j "
                                   "USING (round) WHERE o.ioerr_jobs = j.i "
                                   "AND o.sigbus_jobs = j.s AND "
                                   "o.locked_jobs = j.l AND "
                                   "o.malformed_jobs = j.m AND "
                                   "o.other_jobs = j.x"),
                     query_int(db, "SELECT count(*) FROM rounds"));
    assert_int_equal(query_int(db, "SELECT count(*) FROM jobs WHERE "
                                   "(class = '') <> (outcome IN ('ok', "
                                   "'skipped'))"),
                     0);
    sqlite3_close(db);
}

/* jobs.csv's class, where the file has it, is loaded as written: the
 * loader derives it only for runs older than the column. */
static void test_class_column_taken_as_written(void **state)
{
    const char *dir = *state;
    char path[4096];
    snprintf(path, sizeof path, "%s/jobs.csv", dir);
    char *text = read_text(path);
    char *with_class = malloc(strlen(text) * 2 + 16);
    assert_non_null(with_class);
    char *out = with_class;
    long rows = -1;
    for (char *line = text; *line; rows++) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        out += sprintf(out, "%.*s,%s\n", (int)(end - line), line,
                       rows < 0 ? "class" : "other");
        line = end + 1;
    }
    write_text(path, with_class);
    free(with_class);
    free(text);
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    if (load_results_dir(db, dir, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(query_int(db, "SELECT count(*) FROM jobs WHERE class = "
                                   "'other'"),
                     rows);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_is_loaded),
        cmocka_unit_test_setup_teardown(test_missing_directory, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_missing_file, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_short_row, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_number_that_does_not_parse,
                                        make_copy, remove_copy),
        cmocka_unit_test_setup_teardown(test_unterminated_quote, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_header_without_a_column,
                                        make_copy, remove_copy),
        cmocka_unit_test_setup_teardown(test_bad_fault_log_line, make_copy,
                                        remove_copy),
        cmocka_unit_test(test_ops_csv),
        cmocka_unit_test_setup_teardown(test_bad_histogram, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_summary_not_json, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_bad_reference, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_db_file_replaced_only_if_ours,
                                        make_copy, remove_copy),
        cmocka_unit_test_setup_teardown(test_summary_missing_keys, make_copy,
                                        remove_copy),
        cmocka_unit_test_setup_teardown(test_jobs_disagree_with_rounds,
                                        make_copy, remove_copy),
        cmocka_unit_test(test_setup_columns),
        cmocka_unit_test(test_class_derived_for_old_runs),
        cmocka_unit_test_setup_teardown(test_class_column_taken_as_written,
                                        make_copy, remove_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
