/*
 * test_report.c: the report's tables against the raw files of a small real
 * run (data/run-small), counted here apart from the report's SQL: failure
 * classes from trackhammer's own rounds.csv and, for I/O errors, from
 * jobs.csv line by line; then the markdown, the files --out writes, and
 * th-report's exit statuses.
 *
 * data/run-ops is run-small with hand-made additions whose figures are
 * worked out by hand below: an ops.csv with chosen latency histograms, and
 * two SIGBUS crashes in wal-normal (round 0 job 2, round 1 job 3) with
 * -shm resets logged in round 0 by jobs 4 and 5 (other nodes) and by job 2
 * itself. Kills are made by SQL on run-small's loaded tables (test_kills).
 */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsupport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"

#define RUN_SMALL ANALYSIS_DATA "/run-small"
#define RUN_OPS ANALYSIS_DATA "/run-ops"
#define RUN_SETUP ANALYSIS_DATA "/run-setup"
#define PROFILES 3
#define CLASSES 5

static const char *const profiles[PROFILES] = { "wal-normal", "delete-normal",
                                                "delete-off" };
/* rounds.csv's columns for the matrix classes, in its order. */
static const char *const classes[CLASSES] = { "ioerr", "sigbus", "locked",
                                              "malformed", "other" };
enum { ROUNDS_PROFILE = 2, ROUNDS_JOBS = 4, ROUNDS_IOERR = 11 };

typedef struct tally {
    long jobs, failures[CLASSES];
} tally;

/* The report database of one results directory, or two (NULL: one),
 * with `tweak` (NULL: none), SQL run on the loaded tables before the
 * report's queries, to make a case the fixtures lack. */
static sqlite3 *report_db_tweaked(const char *dir, const char *second,
                                  const char *tweak)
{
    sqlite3 *db;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_reference(db, REFERENCE_CSV, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, dir, err, sizeof err), 0);
    if (second)
        assert_int_equal(load_results_dir(db, second, err, sizeof err), 0);
    if (tweak)
        assert_int_equal(sqlite3_exec(db, tweak, NULL, NULL, NULL), SQLITE_OK);
    if (report_build(db, err, sizeof err) != 0)
        fail_msg("%s", err);
    return db;
}

static sqlite3 *report_db_of(const char *dir, const char *second)
{
    return report_db_tweaked(dir, second, NULL);
}

static sqlite3 *report_db(const char *dir)
{
    return report_db_of(dir, NULL);
}

static int profile_index(const char *name)
{
    for (int p = 0; p < PROFILES; p++)
        if (strcmp(profiles[p], name) == 0)
            return p;
    fail_msg("unknown profile %s", name);
    return -1;
}

/* Per round and per profile, from rounds.csv: its fields up to other_jobs
 * have no commas, so strtok splits them. */
static int tally_rounds_csv(tally *by_round, int max_rounds, tally *by_profile)
{
    FILE *f = fopen(RUN_SMALL "/rounds.csv", "r");
    assert_non_null(f);
    char line[1024];
    int rounds = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* the header */
    while (fgets(line, sizeof line, f)) {
        char *field[ROUNDS_IOERR + CLASSES];
        field[0] = strtok(line, ",");
        for (int i = 1; i < ROUNDS_IOERR + CLASSES; i++)
            field[i] = strtok(NULL, ",");
        int round = atoi(field[0]);
        assert_in_range(round, 0, max_rounds - 1);
        tally *r = &by_round[round],
              *p = &by_profile[profile_index(field[ROUNDS_PROFILE])];
        r->jobs = atol(field[ROUNDS_JOBS]);
        p->jobs += r->jobs;
        for (int c = 0; c < CLASSES; c++) {
            r->failures[c] = atol(field[ROUNDS_IOERR + c]);
            p->failures[c] += r->failures[c];
        }
        rounds++;
    }
    fclose(f);
    return rounds;
}

/* The matrix row of one profile (round < 0: pooled) and class. */
static void assert_matrix_row(sqlite3 *db, const char *profile, int round,
                              int class, const tally *want)
{
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT jobs, failures FROM matrix WHERE "
                           "profile = ?1 AND class = ?2 AND "
                           "coalesce(round, -1) = ?3",
                           -1, &stmt, NULL),
        SQLITE_OK);
    sqlite3_bind_text(stmt, 1, profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, classes[class], -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, round);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), want->jobs);
    assert_int_equal(sqlite3_column_int(stmt, 1), want->failures[class]);
    sqlite3_finalize(stmt);
}

static void test_matrix_matches_rounds_csv(void **state)
{
    (void)state;
    enum { ROUNDS = 6 };
    tally by_round[ROUNDS] = { 0 }, by_profile[PROFILES] = { 0 };
    assert_int_equal(tally_rounds_csv(by_round, ROUNDS, by_profile), ROUNDS);
    sqlite3 *db = report_db(RUN_SMALL);
    /* The fixture's rounds: two per profile, in the profiles' order. */
    for (int c = 0; c < CLASSES; c++) {
        for (int p = 0; p < PROFILES; p++)
            assert_matrix_row(db, profiles[p], -1, c, &by_profile[p]);
        for (int r = 0; r < ROUNDS; r++)
            assert_matrix_row(db, profiles[r / 2], r, c, &by_round[r]);
    }
    sqlite3_close(db);
}

/* I/O-error jobs of each profile: failed with an SQLITE_IOERR_* code. The
 * fields before message hold no commas or quotes. */
static void tally_ioerr_jobs_csv(long *ioerr)
{
    enum { PROFILE = 2, OUTCOME = 5, CODE = 8 };
    FILE *f = fopen(RUN_SMALL "/jobs.csv", "r");
    assert_non_null(f);
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        char *rest = line, *field[CODE + 1];
        for (int i = 0; i <= CODE; i++)
            field[i] = strsep(&rest, ",");
        assert_non_null(field[CODE]);
        if (strcmp(field[OUTCOME], "failed") == 0 &&
            (atoi(field[CODE]) & 0xff) == 10)
            ioerr[profile_index(field[PROFILE])]++;
    }
    fclose(f);
}

static void test_ioerr_matches_jobs_csv(void **state)
{
    (void)state;
    long want[PROFILES] = { 0 };
    tally_ioerr_jobs_csv(want);
    assert_true(want[1] > 0); /* the fixture has I/O errors to count */
    sqlite3 *db = report_db(RUN_SMALL);
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT sum(failures) FROM matrix WHERE round IS "
                           "NOT NULL AND class = 'ioerr' AND profile = ?",
                           -1, &stmt, NULL),
        SQLITE_OK);
    for (int p = 0; p < PROFILES; p++) {
        sqlite3_reset(stmt);
        sqlite3_bind_text(stmt, 1, profiles[p], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(stmt, 0), want[p]);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static double query_double(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    double v = sqlite3_column_double(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static void test_pairwise_and_agreement(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_SMALL);
    /* 3 local configurations and 5 published: 3 + 10 pairs. */
    assert_int_equal(query_double(db, "SELECT count(*) FROM pairwise WHERE "
                                      "source = 'local'"),
                     3);
    assert_int_equal(query_double(db, "SELECT count(*) FROM pairwise WHERE "
                                      "source = 'reference'"),
                     10);
    double p = query_double(db, "SELECT p FROM pairwise WHERE config_a = "
                                "'test_1 wal-normal' AND config_b = "
                                "'test_5 delete-off-retry-all'");
    assert_true(p > 0.0279 && p < 0.0281);
    assert_int_equal(query_double(db, "SELECT significant FROM pairwise "
                                      "WHERE config_a LIKE 'test_4%' AND "
                                      "config_b LIKE 'test_5%'"),
                     0);
    /* delete-normal: 6/12 here against 8/71 published, p = 0.004143
     * (python3: exact hypergeometric sum with math.comb). */
    p = query_double(db, "SELECT p FROM agreement WHERE profile = "
                         "'delete-normal'");
    assert_true(p > 0.004142 && p < 0.004144);
    assert_int_equal(query_double(db, "SELECT ioerr_verdict = 'differs' FROM "
                                      "agreement WHERE profile = "
                                      "'delete-normal'"),
                     1);
    assert_int_equal(query_double(db, "SELECT ioerr_verdict = 'agrees' FROM "
                                      "agreement WHERE profile = "
                                      "'delete-off'"),
                     1);
    sqlite3_close(db);
}

static char *markdown_of(sqlite3 *db)
{
    char *text = NULL, err[ERR_MAX] = "";
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_int_equal(report_markdown(db, out, NULL, false, err, sizeof err),
                     0);
    fclose(out);
    return text;
}

/* Values to 1e-9 (python3: Wilson at n / deff, deff = jobs per round *
 * statistics.variance(per-round rates) / (p (1 - p))). */
static void assert_value(sqlite3 *db, const char *sql, double want)
{
    double got = query_double(db, sql);
    if (fabs(got - want) > 1e-9)
        fail_msg("%s: %.12g, want %.12g", sql, got, want);
}

/* run-small's delete-normal rounds are 4/6 and 2/6: deff 6 * 0.05556 /
 * 0.25 = 4/3, and the round-aware interval is Wilson's of 0.5 at 9 jobs,
 * wider than the pooled [0.2538, 0.7462]; 8/71 lies outside it, but one
 * round of 71 predicted from them holds 8.
 * delete-off's rounds are 0/6 and 0/6: deff 1, the pooled interval. */
static void test_round_aware_interval(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_SMALL);
    assert_value(db,
                 "SELECT rounds FROM agreement WHERE profile = "
                 "'delete-normal'",
                 2);
    assert_value(db,
                 "SELECT deff FROM agreement WHERE profile = "
                 "'delete-normal'",
                 4.0 / 3);
    assert_value(db,
                 "SELECT round_low FROM agreement WHERE profile = "
                 "'delete-normal'",
                 0.2265292298893975);
    assert_value(db,
                 "SELECT round_high FROM agreement WHERE profile = "
                 "'delete-normal'",
                 0.7734707701106025);
    assert_value(db,
                 "SELECT rate_low FROM agreement WHERE profile = "
                 "'delete-normal'",
                 0.2537815976337061);
    /* one round of 71 from these two rounds (deff 4/3) is 8 to 63, which
     * holds the published 8 (tests/test_stats.c checks the interval) */
    assert_value(db,
                 "SELECT predict_low * 100 + predict_high FROM agreement "
                 "WHERE profile = 'delete-normal'",
                 863);
    assert_value(db,
                 "SELECT published_in_prediction FROM agreement WHERE "
                 "profile = 'delete-normal'",
                 1);
    assert_value(db,
                 "SELECT deff FROM agreement WHERE profile = "
                 "'delete-off'",
                 1);
    assert_value(db,
                 "SELECT round_low = rate_low AND round_high = "
                 "rate_high AND published_in_prediction AND predict_low = 0 "
                 "AND predict_high = 14 FROM agreement "
                 "WHERE profile = 'delete-off'",
                 1);
    sqlite3_close(db);
}

/* run-small and run-ops together: wal-normal has four rounds, SIGBUS in
 * run-ops' two and not in run-small's, so 2/4 rounds, Wilson [0.1500,
 * 0.8500], 2 SIGBUS jobs, and 'present' agrees. delete-normal's rounds
 * 4, 2, 4, 2 of 6 vary less than binomial (0.889): deff floored at 1. */
static void test_sigbus_per_round(void **state)
{
    (void)state;
    sqlite3 *db = report_db_of(RUN_SMALL, RUN_OPS);
    assert_value(db,
                 "SELECT sigbus_rounds * 100 + rounds FROM agreement "
                 "WHERE profile = 'wal-normal'",
                 204);
    assert_value(db,
                 "SELECT sigbus_rounds_low FROM agreement WHERE "
                 "profile = 'wal-normal'",
                 0.15003898915214958);
    assert_value(db,
                 "SELECT sigbus_rounds_high FROM agreement WHERE "
                 "profile = 'wal-normal'",
                 0.8499610108478504);
    assert_value(db,
                 "SELECT sigbus FROM agreement WHERE profile = "
                 "'wal-normal'",
                 2);
    assert_value(db,
                 "SELECT sigbus_verdict = 'agrees' FROM agreement "
                 "WHERE profile = 'wal-normal'",
                 1);
    assert_value(db,
                 "SELECT sigbus_rounds FROM agreement WHERE profile = "
                 "'delete-off'",
                 0);
    assert_value(db,
                 "SELECT deff FROM agreement WHERE profile = "
                 "'delete-normal'",
                 1);
    assert_value(db,
                 "SELECT round_low = rate_low AND round_high = "
                 "rate_high FROM agreement WHERE profile = "
                 "'delete-normal'",
                 1);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "| 2/4 rounds = 50.0% [15.0, 85.0] "
                               "| 2/24 jobs | present | agrees |"));
    free(md);
    sqlite3_close(db);
}

/* A published 'eliminated' against rounds with SIGBUS, and 'present'
 * against none: both differ. */
static void test_sigbus_verdicts_differ(void **state)
{
    (void)state;
    sqlite3 *db = report_db_tweaked(RUN_OPS, NULL,
                                    "UPDATE reference SET sigbus = "
                                    "'eliminated' WHERE run = 'test_1';"
                                    "UPDATE reference SET sigbus = "
                                    "'present' WHERE run = 'test_3'");
    assert_value(db,
                 "SELECT count(*) FROM agreement WHERE sigbus_verdict "
                 "= 'differs'",
                 2);
    assert_value(db,
                 "SELECT sigbus_rounds FROM agreement WHERE profile = "
                 "'wal-normal'",
                 2);
    assert_value(db,
                 "SELECT sigbus_verdict = 'agrees' FROM agreement "
                 "WHERE profile = 'delete-normal'",
                 1);
    sqlite3_close(db);
}

/* Each failed job's faults come from its own round's log and rank. */
static void test_attribution(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_SMALL);
    assert_int_equal(query_double(db, "SELECT sum(jobs) FROM "
                                      "failed_operations WHERE profile = "
                                      "'delete-normal'"),
                     6);
    assert_int_equal(query_double(db, "SELECT sum(faults) FROM "
                                      "injected_faults"),
                     query_double(db, "SELECT count(*) FROM fault_events e "
                                      "JOIN jobs j ON j.run_id = e.run_id AND "
                                      "j.round = e.round AND j.job = e.rank "
                                      "WHERE j.outcome NOT IN ('ok', "
                                      "'skipped')"));
    assert_int_equal(query_double(db, "SELECT failed_with_logged_fault FROM "
                                      "job_summary WHERE profile = "
                                      "'delete-normal'"),
                     6);
    sqlite3_close(db);
}

/* Five kills made in run-small's delete-off rounds (4 and 5): two in
 * mark_completed and one in set_pbs_info (write calls), one in get_status
 * and one between calls (elsewhere); the set_pbs_info job's earlier
 * mark_running had failed and its status committed; round 5 failed
 * integrity_check and lost 2 acknowledged updates. */
static const char kills_tweak[] =
    "UPDATE jobs SET verdict = 'ok', unknown_op = '' "
    "WHERE profile = 'delete-off';"
    "UPDATE rounds SET integrity = 'ok', lost_updates = 0 "
    "WHERE profile = 'delete-off';"
    "UPDATE jobs SET outcome = 'killed', signal = 9, in_flight = "
    "'mark_completed', verdict = 'unknown_lost' "
    "WHERE round = 4 AND job IN (0, 1);"
    "UPDATE jobs SET outcome = 'killed', signal = 9, in_flight = "
    "'get_status' WHERE round = 4 AND job = 2;"
    "UPDATE jobs SET outcome = 'killed', signal = 9, in_flight = '' "
    "WHERE round = 5 AND job = 0;"
    "UPDATE jobs SET outcome = 'killed', signal = 9, in_flight = "
    "'set_pbs_info', unknown_op = 'mark_running', verdict = "
    "'unknown_committed' WHERE round = 5 AND job = 1;"
    "UPDATE rounds SET integrity = '*** in database main ***', "
    "lost_updates = 2 WHERE round = 5;";

static void test_kills(void **state)
{
    (void)state;
    sqlite3 *db = report_db_tweaked(RUN_SMALL, NULL, kills_tweak);
    assert_int_equal(query_double(db,
                                  "SELECT count(*) FROM kills WHERE "
                                  "profile = 'delete-off' AND jobs = 12 "
                                  "AND killed = 5 AND killed_in_write = 3 "
                                  "AND killed_elsewhere = 2 AND rounds = 2 "
                                  "AND integrity_failures = 1 AND "
                                  "lost_updates = 2 AND unknown_committed "
                                  "= 1 AND unknown_lost = 2 AND "
                                  "committed_after_failed_call = 1"),
                     1);
    assert_int_equal(query_double(db, "SELECT killed FROM kills WHERE "
                                      "profile = 'wal-normal'"),
                     0);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "| test_3 | delete-off | lustre on ext4 "
                               "| 12 | 5 | 3 | 2 "
                               "| 1 of 2 | 2 | 1 / 2 | 1 |"));
    free(md);
    sqlite3_close(db);
    /* a run with no kill has no such section */
    db = report_db(RUN_SMALL);
    md = markdown_of(db);
    assert_null(strstr(md, "## Kills"));
    free(md);
    sqlite3_close(db);
}

/* One op_latency row, as run-ops' ops.csv gives it. */
typedef struct op_row {
    const char *profile, *op;
    long calls, attempts, locked, ioerr, failures;
    double backoff, mean, p50, p99, max;
} op_row;

static void assert_near(double value, double want)
{
    if (!(fabs(value - want) <= 1e-9 * fabs(want) + 1e-15))
        fail_msg("%.12g is not %.12g", value, want);
}

/* Percentiles from the summed histograms (bucket b: [2^b, 2^(b+1)) us):
 *  wal-normal open: buckets 0:1, 5:1 (round 1's row has no calls), max
 *    60 us. p50: rank 1 falls in bucket 0, edge 2 us. p99: rank 1.98 in
 *    bucket 5, edge 64 us, capped to the max, 60 us.
 *  wal-normal mark_running: rounds 0 and 1 sum to 3:5, 4:3, 13:2, max
 *    13.1 ms. p50: rank 5 in bucket 3, 16 us. p99: rank 9.9 in bucket 13,
 *    16384 us, capped to 13.1 ms. Mean (0.013136 + 0.01126) / 10.
 *  delete-normal mark_completed: 5:98, 8:1, 20:1, max 1.5 s. p50: 64 us;
 *    p99: rank 99 in bucket 8, 512 us, under the max, not capped. */
static const op_row run_ops_rows[] = {
    { "wal-normal", "open", 2, 2, 0, 0, 0, 0.0, 0.0000615 / 2, 2e-6, 60e-6,
      60e-6 },
    { "wal-normal", "mark_running", 10, 12, 1, 1, 0, 0.0235, 0.024396 / 10,
      16e-6, 0.0131, 0.0131 },
    { "delete-normal", "mark_completed", 100, 101, 0, 1, 2, 0.0105,
      1.50422 / 100, 64e-6, 512e-6, 1.5 },
};

static void test_op_latency_from_histograms(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_OPS);
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT profile, op, calls, attempts, "
                           "retries_locked, retries_ioerr, failures, "
                           "backoff_s, latency_mean_s, latency_p50_s, "
                           "latency_p99_s, latency_max_s FROM op_latency "
                           "ORDER BY rowid",
                           -1, &stmt, NULL),
        SQLITE_OK);
    size_t rows = sizeof run_ops_rows / sizeof run_ops_rows[0];
    for (size_t i = 0; i < rows; i++) {
        const op_row *w = &run_ops_rows[i];
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal(sqlite3_column_text(stmt, 0), w->profile);
        assert_string_equal(sqlite3_column_text(stmt, 1), w->op);
        long got[] = { sqlite3_column_int(stmt, 2),
                       sqlite3_column_int(stmt, 3),
                       sqlite3_column_int(stmt, 4),
                       sqlite3_column_int(stmt, 5),
                       sqlite3_column_int(stmt, 6) };
        long want[] = { w->calls, w->attempts, w->locked, w->ioerr,
                        w->failures };
        assert_memory_equal(got, want, sizeof want);
        double times[] = { w->backoff, w->mean, w->p50, w->p99, w->max };
        for (int t = 0; t < 5; t++)
            assert_near(sqlite3_column_double(stmt, 7 + t), times[t]);
    }
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

/* SIGBUS jobs against other jobs' -shm resets in their round; the crashed
 * job's own reset neither attributes it nor counts as a logged fault. */
static void test_sigbus_attribution(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_OPS);
    assert_int_equal(query_double(db, "SELECT sigbus_jobs || '/' || "
                                      "sigbus_no_fault_logged || '/' || "
                                      "sigbus_after_remote_reset || '/' || "
                                      "remote_resets = '2/2/1/2' FROM "
                                      "sigbus_attribution WHERE profile = "
                                      "'wal-normal'"),
                     1);
    assert_int_equal(query_double(db, "SELECT sum(sigbus_jobs) + "
                                      "sum(remote_resets) FROM "
                                      "sigbus_attribution WHERE profile <> "
                                      "'wal-normal'"),
                     0);
    /* Only round 1's lock fault on job 1 (hung) is a fault of a failed
     * wal-normal job; the resets are mechanisms, not faults. */
    assert_int_equal(query_double(db, "SELECT failed_with_logged_fault FROM "
                                      "job_summary WHERE profile = "
                                      "'wal-normal'"),
                     1);
    assert_int_equal(query_double(db, "SELECT count(*) FROM injected_faults "
                                      "WHERE fault_class = 'shm_open'"),
                     0);
    sqlite3_close(db);
}

static void test_markdown(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_SMALL);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "| test_2 | delete-normal | lustre on ext4 "
                               "| 0/2 rounds | 2 | 12 | "
                               "6/12 = 50.0% [25.4, 74.6] |"));
    assert_non_null(strstr(md, "| test_1 | wal-normal | 6/71 = 8.5% "
                               "[3.9, 17.2] | present |"));
    assert_non_null(strstr(md, "differs (p=0.004)"));
    /* The round-aware interval (deff 4/3), one round's prediction and
     * SIGBUS per round. */
    assert_non_null(strstr(md, "| test_2 | delete-normal | lustre on ext4 "
                               "| - | 6/12 = "
                               "50.0% [22.7, 77.3], deff 1.33, 2 rounds "
                               "| 8/71 | differs (p=0.004) | 8 to 63 of 71 "
                               "| yes "
                               "| 0/2 rounds = 0.0% [0.0, 65.8] "
                               "| 0/12 jobs | eliminated | agrees |"));
    assert_non_null(strstr(md, "| 0.496 | no | 4 (N=71) |"));
    assert_non_null(strstr(md, "CREATE TABLE matrix AS"));
    free(md);
    sqlite3_close(db);
}

/* The new sections on run-ops, and on run-small, which has no ops.csv. */
static void test_markdown_ops_and_sigbus(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_OPS);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "| test_1 | wal-normal | lustre on ext4 "
                               "| mark_running | 10 "
                               "| 12 | 1 | 1 | 0 | 0 | 23.50 ms | 2.44 ms "
                               "| 16 us | 13.10 ms | 13.10 ms |"));
    assert_non_null(strstr(md, "| test_1 | wal-normal | lustre on ext4 "
                               "| 12 | 2 | 2 | 1 "
                               "| 2 |"));
    assert_null(strstr(md, "Not recorded"));
    free(md);
    sqlite3_close(db);

    db = report_db(RUN_SMALL);
    assert_int_equal(query_double(db, "SELECT count(*) FROM op_latency"), 0);
    md = markdown_of(db);
    assert_non_null(strstr(md, "## Latency, retries and backoff per "
                               "operation\n\nNot recorded in this run: "));
    free(md);
    sqlite3_close(db);
}

static int make_scratch(void **state)
{
    char *dir = scratch_dir_make("th-report-out");
    *state = dir;
    return dir ? 0 : -1;
}

static int remove_scratch(void **state)
{
    scratch_dir_remove(*state);
    free(*state);
    return 0;
}

static long long count_rows(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    long long n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static char *file_text(const char *dir, const char *name)
{
    char *path;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    char *text = file_contents(path);
    if (text == NULL)
        fail_msg("%s: not written", path);
    free(path);
    return text;
}

static long lines_of(const char *text)
{
    long n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Rows of report.json's array for `table`. */
static long long json_rows(sqlite3 *db, const char *json, const char *table)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT json_array_length(?1, "
                                        "'$.' || ?2)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, table, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    long long n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* Each table's CSV has a row per table row, and report.json is JSON with
 * an array of as many rows. */
static void test_output_files(void **state)
{
    const char *dir = *state;
    sqlite3 *db = report_db(RUN_OPS); /* every table has rows */
    char err[ERR_MAX] = "";
    assert_int_equal(output_write(db, dir, err, sizeof err), 0);
    char *json = file_text(dir, "report.json");
    for (int i = 0; i < report_query_count; i++) {
        const char *table = report_queries[i].table;
        char name[128], sql[256];
        snprintf(name, sizeof name, "%s.csv", table);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
        char *csv = file_text(dir, name);
        long long rows = count_rows(db, sql, "");
        assert_int_equal(lines_of(csv), rows + 1);
        assert_int_equal(json_rows(db, json, table), rows);
        free(csv);
    }
    assert_int_equal(count_rows(db, "SELECT json_valid(?)", json), 1);
    free(json);
    char *queries = file_text(dir, "queries.sql");
    assert_non_null(strstr(queries, "CREATE TABLE pairwise AS"));
    free(queries);
    sqlite3_close(db);
}

/* A message no JSON writer may copy as it is: a quote, a backslash, a
 * newline, a tab and a control character. */
#define HOSTILE_MESSAGE_SQL                                                   \
    "'say \"no\" to C:\\x' || char(10) || 'then' || char(9) || char(1)"

/* report.json's strings read back as they were, whatever they hold. */
static void test_output_json_quoting(void **state)
{
    const char *dir = *state;
    sqlite3 *db = report_db(RUN_SMALL);
    assert_int_equal(
        sqlite3_exec(db,
                     "UPDATE jobs SET message = " HOSTILE_MESSAGE_SQL
                     " WHERE rowid = "
                     "(SELECT min(rowid) FROM jobs)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    char err[ERR_MAX] = "";
    assert_int_equal(output_write(db, dir, err, sizeof err), 0);
    char *json = file_text(dir, "report.json");
    assert_int_equal(count_rows(db, "SELECT json_valid(?)", json), 1);
    assert_int_equal(count_rows(db,
                                "SELECT count(*) FROM json_each(?, "
                                "'$.job_classes') WHERE json_extract(value, "
                                "'$.message') = " HOSTILE_MESSAGE_SQL,
                                json),
                     1);
    free(json);
    sqlite3_close(db);
}

/* A copy of a results directory in `dir` whose summary says it ran at
 * time scale 1 (the fixtures ran at 0.01). */
static char *copy_at_scale_one(const char *from, const char *dir)
{
    char *to, *command;
    assert_true(asprintf(&to, "%s/scale-one", dir) > 0);
    assert_true(asprintf(&command,
                         "cp -r '%s' '%s' && sed -i "
                         "'s/\"time_scale\": 0.01/\"time_scale\": 1/' "
                         "'%s/summary.json'",
                         from, to, to) > 0);
    assert_int_equal(system(command), 0);
    free(command);
    return to;
}

/* The rounds with a SIGBUS job at one scale, from rounds.csv. */
static long sigbus_rounds_of(const tally *by_round, int rounds, int profile)
{
    long k = 0;
    for (int r = 0; r < rounds; r++)
        k += r / 2 == profile && by_round[r].failures[1] > 0;
    return k;
}

/* run-small at 0.01 against run-ops at 1: every configuration and class
 * once, plus SIGBUS per round, counts as each run's own rounds.csv gives
 * them (run-ops adds two SIGBUS jobs to wal-normal, one in each round),
 * and the overlap verdict as the Wilson intervals computed here decide
 * it. SIGBUS rounds: 0/2 against 2/2, Fisher p = 1/3 (python3, math.comb);
 * SIGBUS jobs (0/12 against 2/12) shown, neither overlap nor p. */
static void test_scale_agreement(void **state)
{
    const char *dir = *state;
    char *ops_at_one = copy_at_scale_one(RUN_OPS, dir);
    sqlite3 *db = report_db_of(RUN_SMALL, ops_at_one);
    assert_int_equal(query_double(db, "SELECT count(*) FROM "
                                      "scale_agreement"),
                     PROFILES * (CLASSES + 2));
    tally by_round[16] = { 0 }, small[PROFILES] = { 0 };
    int rounds = tally_rounds_csv(by_round, 16, small);
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT profile, class, scale_a, failures_a, "
                           "n_a, scale_b, failures_b, n_b, "
                           "intervals_overlap, p, compared, unit "
                           "FROM scale_agreement",
                           -1, &stmt, NULL),
        SQLITE_OK);
    int rows = 0, differs = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        rows++;
        int p = profile_index((const char *)sqlite3_column_text(stmt, 0));
        const char *class = (const char *)sqlite3_column_text(stmt, 1);
        bool per_round = strcmp(class, "sigbus_rounds") == 0;
        assert_true(sqlite3_column_double(stmt, 2) == 0.01);
        assert_true(sqlite3_column_double(stmt, 5) == 1.0);
        long ka = sqlite3_column_int(stmt, 3),
             na = sqlite3_column_int(stmt, 4);
        long kb = sqlite3_column_int(stmt, 6),
             nb = sqlite3_column_int(stmt, 7);
        assert_string_equal(sqlite3_column_text(stmt, 11),
                            per_round ? "rounds" : "jobs");
        assert_int_equal(na, per_round ? 2 : small[p].jobs);
        assert_int_equal(nb, na);
        if (per_round)
            assert_int_equal(ka, sigbus_rounds_of(by_round, rounds, p));
        for (int c = 0; c < CLASSES; c++)
            if (strcmp(classes[c], class) == 0)
                assert_int_equal(ka, small[p].failures[c]);
        if (kb != ka) {
            differs++;
            assert_string_equal(sqlite3_column_text(stmt, 0), "wal-normal");
            assert_int_equal(kb, ka + 2);
        }
        if (strcmp(class, "sigbus") == 0) { /* jobs: machine-dependent */
            assert_int_equal(sqlite3_column_int(stmt, 10), 0);
            assert_int_equal(sqlite3_column_type(stmt, 8), SQLITE_NULL);
            assert_int_equal(sqlite3_column_type(stmt, 9), SQLITE_NULL);
            continue;
        }
        assert_int_equal(sqlite3_column_int(stmt, 10), 1);
        double la, ha, lb, hb;
        wilson_interval(ka, na, &la, &ha);
        wilson_interval(kb, nb, &lb, &hb);
        assert_int_equal(sqlite3_column_int(stmt, 8), la <= hb && lb <= ha);
        double fisher = fisher_exact_p(ka, na, kb, nb);
        assert_true(fabs(sqlite3_column_double(stmt, 9) - fisher) < 1e-12);
        if (per_round && p == 0)
            assert_true(fabs(fisher - 1.0 / 3) < 1e-12);
    }
    sqlite3_finalize(stmt);
    assert_int_equal(rows, PROFILES * (CLASSES + 2));
    /* wal-normal: SIGBUS rounds, SIGBUS jobs and any */
    assert_int_equal(differs, 3);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "## Agreement across time scales"));
    assert_non_null(strstr(md, "| test_1 | wal-normal | lustre on ext4 "
                               "| sigbus | rounds "
                               "| 0.01 | 0/2 = 0.0% [0.0, 65.8] | 1 "
                               "| 2/2 = 100.0% [34.2, 100.0] | yes "
                               "| 0.333 |"));
    assert_non_null(strstr(md, "| test_1 | wal-normal | lustre on ext4 "
                               "| sigbus | jobs: "
                               "machine-dependent, not compared | 0.01 "
                               "| 0/12 | 1 | 2/12 | - | - |"));
    free(md);
    sqlite3_close(db);
    free(ops_at_one);
}

/* One time scale: no such section. */
static void test_scale_agreement_needs_two_scales(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_SMALL);
    assert_int_equal(query_double(db, "SELECT count(*) FROM "
                                      "scale_agreement"),
                     0);
    char *md = markdown_of(db);
    assert_null(strstr(md, "## Agreement across time scales"));
    free(md);
    sqlite3_close(db);
}

/* th-report ARGS, its exit status; stderr into `err`. */
static int th_report(const char *args, char **err)
{
    char *command;
    assert_true(asprintf(&command, "%s %s >/dev/null 2>/tmp/th-report-err.%d",
                         TH_REPORT_BIN, args, (int)getpid()) > 0);
    int status = system(command);
    free(command);
    char name[64];
    snprintf(name, sizeof name, "th-report-err.%d", (int)getpid());
    *err = file_text("/tmp", name);
    snprintf(name, sizeof name, "/tmp/th-report-err.%d", (int)getpid());
    unlink(name);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_program_exit_statuses(void **state)
{
    const char *dir = *state;
    char *err, *args;
    assert_int_equal(th_report("--help", &err), 0);
    free(err);
    assert_true(asprintf(&args, "--reference %s %s/not-there", REFERENCE_CSV,
                         dir) > 0);
    assert_int_equal(th_report(args, &err), 2);
    assert_non_null(strstr(err, strrchr(args, ' ') + 1));
    free(err);
    free(args);
    assert_int_equal(th_report("--no-such-option", &err), 2);
    free(err);
    assert_true(asprintf(&args, "--reference %s/nothing.csv", dir) > 0);
    assert_int_equal(th_report(args, &err), 2);
    assert_non_null(strstr(err, "nothing.csv"));
    free(err);
    free(args);
}

/* With gnuplot, both plots as PNG and SVG; without, the scripts that would
 * draw them. */
static void assert_plots(const char *out)
{
    bool have_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
    const char *names[] = { "rates", "db_time" };
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.gp", names[i]);
        char *script = file_text(out, name);
        assert_non_null(strstr(script, "eval draw"));
        free(script);
        if (!have_gnuplot)
            continue;
        snprintf(name, sizeof name, "%s.png", names[i]);
        char *png = file_text(out, name);
        assert_memory_equal(png, "\x89PNG", 4);
        free(png);
        snprintf(name, sizeof name, "%s.svg", names[i]);
        char *svg = file_text(out, name);
        assert_non_null(strstr(svg, "<svg"));
        free(svg);
    }
}

/* --out writes the report, the database and the files; the database
 * answers the report's queries again. */
static void test_program_out_dir(void **state)
{
    const char *dir = *state;
    char *err, *args;
    assert_true(asprintf(&args, "--reference %s --out %s/out %s",
                         REFERENCE_CSV, dir, RUN_SMALL) > 0);
    assert_int_equal(th_report(args, &err), 0);
    free(err);
    free(args);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", dir);
    char *md = file_text(out, "report.md");
    assert_non_null(strstr(md, "| test_3 | delete-off | lustre on ext4 "
                               "| 0/2 rounds | 2 | 12 |"));
    free(md);
    char db_path[4200];
    snprintf(db_path, sizeof db_path, "%s/report.db", out);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(count_rows(db,
                                "SELECT count(*) FROM matrix WHERE "
                                "round IS NULL AND class = ?",
                                "any"),
                     PROFILES);
    sqlite3_close(db);
    assert_plots(out);
}

/* A copy of a results directory as dir/name, its summary.json edited by
 * the sed script `edit` (NULL: none). */
static char *copy_run(const char *from, const char *dir, const char *name,
                      const char *edit)
{
    char *to, *command;
    assert_true(asprintf(&to, "%s/%s", dir, name) > 0);
    assert_true(asprintf(&command,
                         "mkdir -p \"$(dirname '%s')\" && "
                         "cp -r '%s' '%s' && sed -i '%s' '%s/summary.json'",
                         to, from, to, edit ? edit : "", to) > 0);
    assert_int_equal(system(command), 0);
    free(command);
    return to;
}

/* The configurations run-small and a copy of it made by `edit` give. */
static long configurations_with(const char *dir, const char *edit,
                                const char *label)
{
    char *copy = copy_run(RUN_SMALL, dir, "edited", edit);
    sqlite3 *db = report_db_of(RUN_SMALL, copy);
    long n = (long)query_double(db, "SELECT count(*) FROM configurations");
    if (label) {
        char *md = markdown_of(db);
        if (strstr(md, label) == NULL)
            fail_msg("no '%s' in the report", label);
        free(md);
    }
    sqlite3_close(db);
    char *command;
    assert_true(asprintf(&command, "rm -rf '%s'", copy) > 0);
    assert_int_equal(system(command), 0);
    free(command);
    free(copy);
    return n;
}

/* Runs pool by profile, fault model and file system: another seed, log or
 * storm start does not split a configuration; another model, rate, fit
 * file, file system or mount option does, and the tables say which. */
static void test_configurations_kept_apart(void **state)
{
    const char *dir = *state;
    assert_int_equal(configurations_with(dir,
                                         "s/,seed=0,/,seed=9,/; "
                                         "s/,log=,/,log=\\/tmp\\/x.log,/; "
                                         "s/storm.start=0,/storm.start=17,/",
                                         "| test_2 | delete-normal | lustre "
                                         "on ext4 | 0/4 rounds | 4 | 24 |"),
                     PROFILES);
    assert_int_equal(configurations_with(dir,
                                         "s/\"fault_model\": \"[^\"]*\""
                                         "/\"fault_model\": \"none\"/",
                                         "| test_2 | delete-normal | none on "
                                         "ext4 | 0/2 rounds | 2 | 12 |"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir, "s/,sync.p=0.3,/,sync.p=0.2,/",
                                         "| lustre #2 on ext4 |"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir,
                                         "s/lustre,seed=0/lustre,"
                                         "fit=\\/x\\/lustre-fitted.conf,"
                                         "seed=0/",
                                         "| lustre (fitted) on ext4 |"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir,
                                         "s/\"fs_type\": \"ext4\""
                                         "/\"fs_type\": \"lustre\"/",
                                         "| lustre on lustre |"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir, "s/rw,relatime,/rw,noatime,/",
                                         "| lustre on ext4 #2 |"),
                     2 * PROFILES);
}

/* An interrupted run with set-up failures (data/run-setup): delete-normal
 * ran round 0 (one job) and failed to set up round 1; delete-off failed
 * its one round; SIGTERM stopped the run after 3 of 4 rounds. Failed
 * set-ups count in no rate, no integrity check and no SIGBUS round. */
static void test_interrupted_run_with_setup_failures(void **state)
{
    (void)state;
    sqlite3 *db = report_db(RUN_SETUP);
    assert_value(db,
                 "SELECT setup_failed * 100 + rounds FROM "
                 "configurations WHERE profile = 'delete-normal'",
                 102);
    assert_value(db,
                 "SELECT setup_failed * 100 + rounds FROM "
                 "configurations WHERE profile = 'delete-off'",
                 101);
    assert_value(db,
                 "SELECT jobs * 100 + repeats FROM matrix WHERE "
                 "round IS NULL AND class = 'any' AND profile = "
                 "'delete-normal'",
                 101);
    assert_value(db,
                 "SELECT count(*) FROM matrix WHERE profile = "
                 "'delete-off'",
                 0);
    assert_value(db,
                 "SELECT rounds * 100 + sigbus_rounds FROM agreement "
                 "WHERE profile = 'delete-normal'",
                 100);
    assert_value(db,
                 "SELECT rounds * 100 + integrity_failures FROM kills "
                 "WHERE profile = 'delete-normal'",
                 100);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "(`20261201-101500-7`)"));
    assert_non_null(strstr(md, "  - **interrupted** by SIGTERM: holds 3 of "
                               "4 planned rounds\n"));
    assert_non_null(strstr(md, "| test_2 | delete-normal | none on ext4 "
                               "| 1/2 rounds | 1 | 1 | 0/1 = 0.0% "));
    assert_non_null(strstr(md, "| test_3 | delete-off | none on ext4 "
                               "| 1/1 rounds | 0 | 0 | - | - | - | - | - "
                               "| - | 0 | 0/0 rounds | the database "
                               "directory (as the jobs saw it) "
                               "| **unsafe**: set-up failed in 1 of 1 "
                               "rounds (SQLITE_IOERR_WRITE) |\n"));
    free(md);
    sqlite3_close(db);
}

/* The verdict, per configuration: unsafe on lost acknowledged updates
 * (run-small's wal-normal lost 1 and 2), on an integrity_check failure
 * (made here in one of delete-off's rounds) and on a failed set-up
 * (run-setup); safe otherwise, with the Wilson 95% upper bound of the
 * rate of jobs that failed for any reason, counted here from rounds.csv. */
static void test_verdicts(void **state)
{
    (void)state;
    sqlite3 *db = report_db_tweaked(
        RUN_SMALL, NULL,
        "UPDATE rounds SET integrity = 'row 3 missing from index t1' "
        "WHERE profile = 'delete-off' AND round = (SELECT max(round) "
        "FROM rounds WHERE profile = 'delete-off')");
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT verdict, failure_high "
                                        "FROM verdicts WHERE profile = "
                                        "?1",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    const char *want[PROFILES] = {
        "unsafe: 3 acknowledged updates lost", "safe",
        "unsafe: integrity_check failed in 1 of 2 rounds"
    };
    tally by_round[16] = { 0 }, by_profile[PROFILES] = { 0 };
    tally_rounds_csv(by_round, 16, by_profile);
    for (int p = 0; p < PROFILES; p++) {
        sqlite3_reset(stmt);
        sqlite3_bind_text(stmt, 1, profiles[p], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
        assert_string_equal(sqlite3_column_text(stmt, 0), want[p]);
        long failed = 0;
        for (int c = 0; c < CLASSES; c++)
            failed += by_profile[p].failures[c];
        double low, high;
        wilson_interval(failed, by_profile[p].jobs, &low, &high);
        assert_true(fabs(sqlite3_column_double(stmt, 1) - high) < 1e-12);
    }
    sqlite3_finalize(stmt);
    char *md = markdown_of(db);
    assert_non_null(strstr(md, "| **unsafe**: 3 acknowledged updates lost |"));
    assert_non_null(strstr(md, "| the database directory (as the jobs saw "
                               "it) | **safe** (failed jobs "));
    free(md);
    sqlite3_close(db);

    /* A verification that could not open the database checked nothing:
     * said so, not counted as an integrity failure. */
    db = report_db_tweaked(RUN_SMALL, NULL,
                           "UPDATE rounds SET integrity = 'cannot open: "
                           "unable to open database file' WHERE profile = "
                           "'delete-normal' AND round = (SELECT min(round) "
                           "FROM rounds WHERE profile = 'delete-normal')");
    assert_value(db,
                 "SELECT verdict = 'unsafe: the verification could not "
                 "open the database in 1 of 2 rounds' AND "
                 "integrity_failures = 0 FROM verdicts WHERE profile = "
                 "'delete-normal'",
                 1);
    sqlite3_close(db);

    /* Nor one that could not read it: the losses its jobs were counted
     * then are none it saw. */
    db = report_db_tweaked(RUN_SMALL, NULL,
                           "UPDATE rounds SET integrity = 'not verified: "
                           "integrity_check: disk I/O error', lost_updates "
                           "= 8 WHERE profile = 'delete-normal'");
    assert_value(db,
                 "SELECT unverified = 2 AND integrity_failures = 0 AND "
                 "lost_updates = 0 FROM verdicts WHERE profile = "
                 "'delete-normal'",
                 1);
    sqlite3_close(db);

    db = report_db(RUN_SETUP);
    assert_value(db,
                 "SELECT verdict = 'unsafe: set-up failed in 1 of 1 "
                 "rounds (SQLITE_IOERR_WRITE)' FROM verdicts WHERE "
                 "profile = 'delete-off'",
                 1);
    assert_value(db,
                 "SELECT verdict = 'unsafe: set-up failed in 1 of 2 "
                 "rounds (SQLITE_FULL)' FROM verdicts WHERE "
                 "profile = 'delete-normal'",
                 1);
    sqlite3_close(db);
}

/* What th-realfs told trackhammer of its file system (summary.json's
 * file_system_info) keys the configuration: another preset or faults
 * split it, the label names them, the run list gives the rest, and the
 * verifying client is the one it names. */
static void test_file_system_info(void **state)
{
    const char *dir = *state;
    const char *coherent =
        "s/\"fault_model\": \"[^\"]*\"/\"fault_model\": \"none\"/; "
        "s/\"fault_model\"/\"file_system_info\": {\"file_system\": "
        "\"glusterfs 10.3\", \"preset\": \"coherent\", \"verify_client\": "
        "\"verify (one more client mount)\"}, \"verified_through\": "
        "\"\\/mnt\\/verify\\/db\", \"fault_model\"/";
    assert_int_equal(configurations_with(dir, coherent,
                                         "| test_2 | delete-normal | none on "
                                         "ext4 coherent | 0/2 rounds | 2 "
                                         "| 12 |"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir, coherent,
                                         "- file system ext4 coherent: ext4 "
                                         "(rw,relatime,discard,resv_strict,"
                                         "resuid=65534,resgid=65534); "
                                         "file_system: glusterfs 10.3; "
                                         "preset: coherent; verify_client: "
                                         "verify (one more client mount)\n"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir, coherent,
                                         "| verify (one more client mount) "
                                         "| **unsafe**: 3 acknowledged "
                                         "updates lost |"),
                     2 * PROFILES);
    assert_int_equal(configurations_with(dir,
                                         "s/\"fault_model\"/\"file_system_"
                                         "info\": {\"faults\": \"debug\\/"
                                         "error-gen\"}, \"fault_model\"/",
                                         "| lustre on ext4 + faults |"),
                     2 * PROFILES);
    /* An empty object is no information: the same configurations. */
    assert_int_equal(configurations_with(dir,
                                         "s/\"fault_model\"/\"file_system_"
                                         "info\": {}, \"fault_model\"/",
                                         NULL),
                     PROFILES);
}

/* A copy of run-small as a run with no fault model ("real"), in which
 * every delete-off job failed with a short read, wal-normal lost no
 * update and every delete-normal set-up failed (so none of its jobs ran):
 * the comparison beside run-small's lustre runs, item by item. */
static const char real_copy_tweak[] =
    "UPDATE jobs SET outcome = 'failed', code = 522, code_name = "
    "'SQLITE_IOERR_SHORT_READ', failed_op = 'get_status', class = 'ioerr' "
    "WHERE run_id = 2 AND profile = 'delete-off';"
    "UPDATE rounds SET lost_updates = 0 WHERE run_id = 2;"
    "DELETE FROM jobs WHERE run_id = 2 AND profile = 'delete-normal';"
    "UPDATE rounds SET setup = 'failed', setup_code_name = "
    "'SQLITE_IOERR_SHMMAP', jobs = 0, ok = 0, failed = 0, ioerr_jobs = 0 "
    "WHERE run_id = 2 AND profile = 'delete-normal';";

static void test_compare(void **state)
{
    const char *dir = *state;
    char *real = copy_run(RUN_SMALL, dir, "real",
                          "s/\"fault_model\": \"[^\"]*\"/\"fault_model\": "
                          "\"none\"/");
    char err[ERR_MAX] = "";
    sqlite3 *db = report_db(RUN_SMALL);
    assert_int_equal(report_check_compare(db, err, sizeof err), -1);
    assert_non_null(strstr(err, "--compare: no profile was run both"));
    sqlite3_close(db);

    db = report_db_tweaked(RUN_SMALL, real, real_copy_tweak);
    assert_int_equal(report_check_compare(db, err, sizeof err), 0);
    /* Every profile has its fixed items: SIGBUS, lost, integrity. */
    assert_value(db,
                 "SELECT count(*) FROM comparison WHERE item IN "
                 "('SIGBUS', 'acknowledged updates lost', "
                 "'integrity_check failed')",
                 3 * PROFILES);
    assert_value(db,
                 "SELECT real_failures * 1000 + real_n * 10 + "
                 "(model_failures = 0) FROM comparison WHERE profile = "
                 "'delete-off' AND item = 'SQLITE_IOERR_SHORT_READ' "
                 "AND agreement = 'differs: only the real file system'",
                 12 * 1000 + 12 * 10 + 1);
    /* What the copy's delete-off jobs failed with before is now the
     * model's alone, or shared no more. */
    assert_value(db,
                 "SELECT count(*) FROM comparison WHERE profile = "
                 "'delete-off' AND unit = 'jobs' AND item NOT IN "
                 "('SIGBUS', 'SQLITE_IOERR_SHORT_READ') AND "
                 "real_failures > 0",
                 0);
    assert_value(db,
                 "SELECT model_failures FROM comparison WHERE profile "
                 "= 'wal-normal' AND item = 'acknowledged updates lost' "
                 "AND agreement = 'differs: only the model' AND "
                 "real_failures = 0 AND real_n IS NULL",
                 3);
    /* No real job ran: nothing to compare, but the set-up failures. */
    assert_value(db,
                 "SELECT count(*) FROM comparison WHERE profile = "
                 "'delete-normal' AND unit <> 'rounds' AND agreement "
                 "NOT LIKE 'not comparable: the real file system ran "
                 "no %'",
                 0);
    assert_value(db,
                 "SELECT real_failures * 10 + real_n FROM comparison "
                 "WHERE profile = 'delete-normal' AND item = 'set-up "
                 "failed: SQLITE_IOERR_SHMMAP' AND agreement = "
                 "'only the real file system (not significant)'",
                 22);
    /* Both sides alike where the copy was not changed: agreement, and the
     * model's attribution from its own fault log. */
    assert_true(query_double(db, "SELECT count(*) FROM comparison WHERE "
                                 "profile = 'wal-normal'") >= 3);
    assert_value(db,
                 "SELECT count(*) FROM comparison WHERE profile = "
                 "'wal-normal' AND item <> 'acknowledged updates lost' "
                 "AND (model_failures <> real_failures OR agreement "
                 "NOT LIKE 'agree%')",
                 0);
    assert_value(db,
                 "SELECT count(*) FROM comparison WHERE "
                 "model_failures > 0 AND unit = 'jobs' AND "
                 "model_attribution IS NULL",
                 0);
    assert_value(db,
                 "SELECT count(*) > 0 FROM comparison WHERE "
                 "model_attribution LIKE '%(chance)%'",
                 1);
    char *md;
    size_t size;
    FILE *out = open_memstream(&md, &size);
    assert_int_equal(report_markdown(db, out, NULL, true, err, sizeof err), 0);
    fclose(out);
    assert_non_null(strstr(md, "## Model against reality"));
    assert_non_null(strstr(md, "| delete-off | lustre on ext4 | ext4 "
                               "| SQLITE_IOERR_SHORT_READ | jobs | 0/12 "
                               "| 12/12 | <0.001 | **differs: only the "
                               "real file system** | - |"));
    free(md);
    md = markdown_of(db);
    assert_null(strstr(md, "## Model against reality"));
    free(md);
    sqlite3_close(db);
    free(real);
}

/* The same run given twice, also as a copy elsewhere under its own name,
 * or under another name with the same run_id, is refused naming both. */
static void test_same_run_refused(void **state)
{
    const char *dir = *state;
    char *copies[] = { copy_run(RUN_SMALL, dir, "elsewhere/run-small", NULL),
                       copy_run(RUN_SETUP, dir, "renamed", NULL) };
    const char *originals[] = { RUN_SMALL, RUN_SETUP };
    for (int i = 0; i < 2; i++) {
        char *err, *args;
        assert_true(asprintf(&args, "--reference %s %s %s/", REFERENCE_CSV,
                             originals[i], copies[i]) > 0);
        assert_int_equal(th_report(args, &err), 2);
        if (!strstr(err, originals[i]) || !strstr(err, copies[i]) ||
            !strstr(err, "are the same run"))
            fail_msg("%s", err);
        free(err);
        free(args);
        free(copies[i]);
    }
}

/* --out on one configuration of one job draws both plots. */
static void test_program_out_dir_one_configuration(void **state)
{
    const char *dir = *state;
    char *err, *args;
    assert_true(asprintf(&args, "--reference %s --out %s/out %s",
                         REFERENCE_CSV, dir, RUN_SETUP) > 0);
    int status = th_report(args, &err);
    if (status != 0)
        fail_msg("status %d: %s", status, err);
    free(err);
    free(args);
    char out[4096];
    snprintf(out, sizeof out, "%s/out", dir);
    assert_plots(out);
}

/* Run from outside the checkout, th-report finds the published table the
 * build copied beside it; a copy of the program with no table beside it
 * (an install whose share/ is missing) names PREFIX/share/trackhammer/...
 * as a clean absolute path, never "bin/../share". */
static void test_program_outside_checkout(void **state)
{
    const char *dir = *state;
    char *command;
    assert_true(asprintf(&command,
                         "cd '%s' && %s '%s/run-small' >/dev/null "
                         "2>&1",
                         dir, TH_REPORT_BIN, ANALYSIS_DATA) > 0);
    assert_int_equal(system(command), 0);
    free(command);
    assert_true(asprintf(&command,
                         "cd '%s' && mkdir -p prefix/bin && cp %s "
                         "prefix/bin/ && prefix/bin/th-report 2>err.txt "
                         ">/dev/null; test $? -eq 2",
                         dir, TH_REPORT_BIN) > 0);
    assert_int_equal(system(command), 0);
    free(command);
    char *err = file_text(dir, "err.txt"), *want, real[4096];
    assert_non_null(realpath(dir, real));
    assert_true(asprintf(&want,
                         "th-report: %s/prefix/share/trackhammer/"
                         "gadi-71-job-matrix.csv: ",
                         real) > 0);
    if (strncmp(err, want, strlen(want)) != 0 || strstr(err, "/../"))
        fail_msg("'%s' is not '%s...'", err, want);
    free(want);
    free(err);
}

/* One line of stderr, exit 2, for each command line th-report cannot
 * take; --help on stdout; no directory made but --out's last. */
static void test_program_bad_command_lines(void **state)
{
    const char *dir = *state;
    static const char *const bad[][2] = {
        { "--no-such-option", "th-report: unknown option '--no-such-option' "
                              "(see --help)\n" },
        { "-x", "th-report: unknown option '-x' (see --help)\n" },
        { "--out", "th-report: missing value for option '--out' (see "
                   "--help)\n" },
        { "--db ''", "th-report: an empty path after '--db' (see --help)\n" },
        { "--help=yes", "th-report: option '--help' takes no value (see "
                        "--help)\n" },
    };
    char *err, *args;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(th_report(bad[i][0], &err), 2);
        assert_string_equal(err, bad[i][1]);
        free(err);
    }
    assert_true(asprintf(&args, "--out %s/a/b/c %s", dir, RUN_SMALL) > 0);
    assert_int_equal(th_report(args, &err), 2);
    assert_non_null(strstr(err, "a/b/c: its parent directory does not "
                                "exist"));
    free(err);
    free(args);
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s/a", dir);
    assert_int_equal(stat(path, &st), -1);
    assert_true(asprintf(&args, "--out %s/err.txt %s", dir, RUN_SMALL) > 0);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(th_report(args, &err), 2);
    assert_non_null(strstr(err, "err.txt: exists and is not a directory"));
    free(err);
    free(args);
    /* --compare with no run of nothing simulated beside a model run. */
    assert_true(asprintf(&args, "--compare %s", RUN_SMALL) > 0);
    assert_int_equal(th_report(args, &err), 2);
    assert_non_null(strstr(err, "th-report: --compare: no profile was run "
                                "both under a fault model and with "
                                "--fault-model none"));
    free(err);
    free(args);
    char *command;
    assert_true(asprintf(&command,
                         "%s --help 2>/dev/null | grep -q "
                         "'^usage: th-report'",
                         TH_REPORT_BIN) > 0);
    assert_int_equal(system(command), 0);
    free(command);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_matches_rounds_csv),
        cmocka_unit_test(test_ioerr_matches_jobs_csv),
        cmocka_unit_test(test_pairwise_and_agreement),
        cmocka_unit_test(test_round_aware_interval),
        cmocka_unit_test(test_sigbus_per_round),
        cmocka_unit_test(test_sigbus_verdicts_differ),
        cmocka_unit_test(test_attribution),
        cmocka_unit_test(test_kills),
        cmocka_unit_test(test_op_latency_from_histograms),
        cmocka_unit_test(test_sigbus_attribution),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_markdown_ops_and_sigbus),
        cmocka_unit_test_setup_teardown(test_scale_agreement, make_scratch,
                                        remove_scratch),
        cmocka_unit_test(test_scale_agreement_needs_two_scales),
        cmocka_unit_test_setup_teardown(test_output_files, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_output_json_quoting, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_program_exit_statuses,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_program_out_dir, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_configurations_kept_apart,
                                        make_scratch, remove_scratch),
        cmocka_unit_test(test_interrupted_run_with_setup_failures),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test_setup_teardown(test_file_system_info, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_compare, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_same_run_refused, make_scratch,
                                        remove_scratch),
        cmocka_unit_test_setup_teardown(test_program_out_dir_one_configuration,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_program_outside_checkout,
                                        make_scratch, remove_scratch),
        cmocka_unit_test_setup_teardown(test_program_bad_command_lines,
                                        make_scratch, remove_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
