/*
 * test_calibrate.c: the calibration. The fit recovers
 * known multipliers from counts drawn with them, and its intervals exclude
 * what a wrong fitter would give; profile-likelihood bounds sit where the
 * log-likelihood has dropped by chi-square(1, 0.95) / 2; a group no row
 * sees is reported unidentified. Codes map to the faultfs classes that
 * produce them. End to end: th-calibrate writes a fit file that faultfs
 * loads, trackhammer applies the build's fit to `lustre` by default and
 * fit=none removes it, and th-report marks fitted and held-out rows from
 * the fit file a run used.
 */
#define _GNU_SOURCE /* asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "analysis.h"
#include "faultfs.h"

#define RUN_SMALL ANALYSIS_DATA "/run-small"
#define TIMEOUT_S 120

/* splitmix64: a fixed-seed source for the synthetic counts. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Binomial(n, p) by n Bernoulli draws. */
static long draw_binomial(uint64_t *state, long n, double p)
{
    long k = 0;
    for (long i = 0; i < n; i++)
        k += (double)(next_random(state) >> 11) * 0x1p-53 < p;
    return k;
}

/* A design row: design_jobs with failures by group, none unattributed. */
static fit_row design_row(const char *run, long jobs, long sync, long meta,
                          long data)
{
    fit_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.run, sizeof row.run, "%s", run);
    snprintf(row.profile, sizeof row.profile, "synthetic-%s", run);
    row.design_jobs = jobs;
    row.design_failures[FAULT_GROUP_SYNC] = sync;
    row.design_failures[FAULT_GROUP_META] = meta;
    row.design_failures[FAULT_GROUP_DATA] = data;
    return row;
}

/* Four rows that tell the groups apart, as the published profiles do:
 * sync only where fsync runs, data mostly where writes are not retried. */
static int synthetic_rows(fit_row *rows)
{
    rows[0] = design_row("a", 1000, 60, 30, 10);
    rows[1] = design_row("b", 1000, 0, 30, 10);
    rows[2] = design_row("c", 1000, 0, 20, 0);
    rows[3] = design_row("d", 1000, 0, 5, 8);
    return 4;
}

/* The synthetic rows with "published" counts of 200000 jobs each, drawn
 * with a fixed seed at the given multipliers; how many rows. */
static int synthetic_counts(fit_row *rows,
                            const double multipliers[FAULT_GROUP_COUNT],
                            uint64_t seed)
{
    int count = synthetic_rows(rows);
    for (int j = 0; j < count; j++) {
        rows[j].published_jobs = 200000;
        rows[j].published_failures =
            draw_binomial(&seed, rows[j].published_jobs,
                          fit_row_probability(&rows[j], multipliers));
    }
    return count;
}

static void test_fit_recovers_known_multipliers(void **state)
{
    (void)state;
    static const double truth[FAULT_GROUP_COUNT] = { 2.0, 0.5, 1.5 };
    fit_row rows[FIT_MAX_ROWS];
    int count = synthetic_counts(rows, truth, 20261125);
    fit_result fit;
    char err[256] = "";
    assert_int_equal(fit_scales(rows, count, NULL, &fit, err, sizeof err), 0);
    for (int g = 0; g < FAULT_GROUP_COUNT; g++) {
        print_message("%s: true %.3f, fitted %.4f [%.4f, %.4f]\n",
                      fault_group_name(g), truth[g], fit.scale[g], fit.low[g],
                      fit.high[g]);
        assert_true(fit.identified[g]);
        assert_true(fit.low[g] <= truth[g] && truth[g] <= fit.high[g]);
        assert_true(fit.low[g] < fit.scale[g] && fit.scale[g] < fit.high[g]);
        /* tight enough to mean something: a fitter that returned the
         * design (1) or swapped two groups would fall outside */
        assert_true(fit.high[g] - fit.low[g] < 0.25 * truth[g]);
        assert_false(fit.low[g] <= 1.0 && 1.0 <= fit.high[g]);
    }
    assert_false(fit.low[FAULT_GROUP_SYNC] <= truth[FAULT_GROUP_DATA] &&
                 truth[FAULT_GROUP_DATA] <= fit.high[FAULT_GROUP_SYNC]);
    /* the maximum is a maximum */
    assert_true(fit.log_likelihood >=
                fit_log_likelihood(rows, count, truth) - 1e-9);
    assert_true(fit.saturated_log_likelihood >= fit.log_likelihood - 1e-9);
}

static void test_counts_from_other_multipliers_are_not_recovered(void **state)
{
    (void)state;
    /* Drawn at (0.5, 2, 1), fitted: the intervals must exclude (2, 0.5,
     * 1.5), which a fitter blind to the counts could still report. */
    static const double drawn[FAULT_GROUP_COUNT] = { 0.5, 2.0, 1.0 };
    static const double other[FAULT_GROUP_COUNT] = { 2.0, 0.5, 1.5 };
    fit_row rows[FIT_MAX_ROWS];
    int count = synthetic_counts(rows, drawn, 7);
    fit_result fit;
    char err[256] = "";
    assert_int_equal(fit_scales(rows, count, NULL, &fit, err, sizeof err), 0);
    for (int g = 0; g < FAULT_GROUP_COUNT; g++) {
        assert_true(fit.low[g] <= drawn[g] && drawn[g] <= fit.high[g]);
        assert_false(fit.low[g] <= other[g] && other[g] <= fit.high[g]);
    }
}

static void test_interval_bounds_drop_the_likelihood_by_chi2_half(void **state)
{
    (void)state;
    /* One row, one group seen: the profile is the likelihood itself. */
    fit_row row = design_row("one", 710, 0, 40, 0);
    row.published_jobs = 71;
    row.published_failures = 3;
    fit_result fit;
    char err[256] = "";
    assert_int_equal(fit_scales(&row, 1, NULL, &fit, err, sizeof err), 0);
    assert_true(fit.identified[FAULT_GROUP_META]);
    assert_false(fit.identified[FAULT_GROUP_SYNC]);
    assert_false(fit.identified[FAULT_GROUP_DATA]);
    /* saturated: the fitted rate is the published one */
    assert_true(fabs(fit_row_probability(&row, fit.scale) - 3.0 / 71) < 1e-9);
    double drop = 3.841458820694124 / 2;
    for (int side = 0; side < 2; side++) {
        double scale[FAULT_GROUP_COUNT] = { 1, 1, 1 };
        scale[FAULT_GROUP_META] =
            side ? fit.high[FAULT_GROUP_META] : fit.low[FAULT_GROUP_META];
        double at = fit_log_likelihood(&row, 1, scale);
        assert_true(fabs(at - (fit.log_likelihood - drop)) < 1e-6);
    }
    /* unidentified groups stay at the design, unbounded */
    assert_true(fit.scale[FAULT_GROUP_SYNC] == 1.0);
    assert_true(isinf(fit.high[FAULT_GROUP_DATA]));
}

static void test_zero_published_failures_give_a_lower_bound_of_zero(
    void **state)
{
    (void)state;
    fit_row row = design_row("zero", 710, 0, 0, 20);
    row.published_jobs = 71;
    row.published_failures = 0;
    fit_result fit;
    char err[256] = "";
    assert_int_equal(fit_scales(&row, 1, NULL, &fit, err, sizeof err), 0);
    assert_true(fit.scale[FAULT_GROUP_DATA] == 0.0);
    assert_true(fit.low[FAULT_GROUP_DATA] == 0.0);
    assert_true(fit.high[FAULT_GROUP_DATA] > 0.0 &&
                isfinite(fit.high[FAULT_GROUP_DATA]));
}

static void test_a_fixed_group_stays_at_the_design(void **state)
{
    (void)state;
    static const double truth[FAULT_GROUP_COUNT] = { 2.0, 0.5, 1.5 };
    fit_row rows[FIT_MAX_ROWS];
    int count = synthetic_rows(rows);
    uint64_t seed = 11;
    for (int j = 0; j < count; j++) {
        rows[j].published_jobs = 20000;
        rows[j].published_failures =
            draw_binomial(&seed, rows[j].published_jobs,
                          fit_row_probability(&rows[j], truth));
    }
    fit_result full, held;
    char err[256] = "";
    const bool fix_data[FAULT_GROUP_COUNT] = { false, false, true };
    assert_int_equal(fit_scales(rows, count, NULL, &full, err, sizeof err), 0);
    assert_int_equal(fit_scales(rows, count, fix_data, &held, err, sizeof err),
                     0);
    assert_int_equal(full.free_parameters, 3);
    assert_int_equal(held.free_parameters, 2);
    assert_true(held.fixed[FAULT_GROUP_DATA] && !full.fixed[FAULT_GROUP_DATA]);
    assert_true(held.scale[FAULT_GROUP_DATA] == 1.0);
    assert_true(held.log_likelihood <= full.log_likelihood + 1e-9);
    /* data drawn at 1.5 and held at 1: the likelihood-ratio test sees it */
    double statistic = 2 * (full.log_likelihood - held.log_likelihood);
    assert_true(chi_square_tail(statistic, 1) < 0.05);
}

static void test_chi_square_tail_at_known_quantiles(void **state)
{
    (void)state;
    /* the 95% quantiles of chi-square with 1, 2 and 3 degrees of freedom */
    assert_true(fabs(chi_square_tail(3.841458820694124, 1) - 0.05) < 1e-9);
    assert_true(fabs(chi_square_tail(5.991464547107979, 2) - 0.05) < 1e-9);
    assert_true(fabs(chi_square_tail(7.814727903251178, 3) - 0.05) < 1e-9);
    assert_true(chi_square_tail(0, 2) == 1.0);
    assert_true(isnan(chi_square_tail(1, 4)));
}

static void test_unusable_rows_are_refused(void **state)
{
    (void)state;
    fit_row row = design_row("bad", 0, 0, 0, 0);
    row.published_jobs = 71;
    fit_result fit;
    char err[256] = "";
    assert_int_equal(fit_scales(&row, 1, NULL, &fit, err, sizeof err), -1);
    assert_non_null(strstr(err, "no design jobs"));
    row = design_row("all", 10, 5, 5, 0);
    row.published_jobs = 71;
    assert_int_equal(fit_scales(&row, 1, NULL, &fit, err, sizeof err), -1);
    assert_non_null(strstr(err, "every design job failed"));
    assert_int_equal(fit_scales(&row, 0, NULL, &fit, err, sizeof err), -1);
}

static void test_codes_map_to_the_classes_that_produce_them(void **state)
{
    (void)state;
    static const struct {
        int code, cls, group;
    } cases[] = {
        { SQLITE_IOERR_FSYNC, FAULTFS_SYNC, FAULT_GROUP_SYNC },
        { SQLITE_CANTOPEN, FAULTFS_OPEN, FAULT_GROUP_META },
        { SQLITE_IOERR_DELETE, FAULTFS_DELETE, FAULT_GROUP_META },
        { SQLITE_IOERR_ACCESS, FAULTFS_ACCESS, FAULT_GROUP_META },
        { SQLITE_IOERR_FSTAT, FAULTFS_ACCESS, FAULT_GROUP_META },
        { SQLITE_IOERR_TRUNCATE, FAULTFS_TRUNCATE, FAULT_GROUP_META },
        { SQLITE_IOERR_LOCK, FAULTFS_LOCK, FAULT_GROUP_META },
        { SQLITE_IOERR_RDLOCK, FAULTFS_LOCK, FAULT_GROUP_META },
        { SQLITE_IOERR_CHECKRESERVEDLOCK, FAULTFS_LOCK, FAULT_GROUP_META },
        { SQLITE_IOERR_SHMOPEN, FAULTFS_SHM_OPEN, FAULT_GROUP_META },
        { SQLITE_IOERR_CORRUPTFS, FAULTFS_READ, FAULT_GROUP_DATA },
        { SQLITE_CORRUPT, FAULTFS_READ, FAULT_GROUP_DATA },
        { SQLITE_IOERR_READ, FAULTFS_READ, FAULT_GROUP_DATA },
        { SQLITE_IOERR_WRITE, FAULTFS_WRITE, FAULT_GROUP_DATA },
        { SQLITE_IOERR_SHMMAP, FAULTFS_SHM_MAP, -1 },
        { SQLITE_IOERR_NOMEM, -1, -1 },
        { SQLITE_BUSY, -1, -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(fault_class_of_code(cases[i].code), cases[i].cls);
        assert_int_equal(
            fault_group_of_class(fault_class_of_code(cases[i].code)),
            cases[i].group);
    }
}

/* `command` (a shell line) in dir, stdout into *out if out; its exit
 * status, -1 after a timeout. */
static int run_in(const char *dir, char **out, const char *command)
{
    return command_run(dir, TIMEOUT_S, out, "%s 2>>stderr", command);
}

/* One round of one delete-off job under fault model `model`, through the
 * single-job topology (no MPI); its run directory, malloc'd. The seed
 * names the run directory with the time: one seed per run of a test. */
static char *one_job_run(const char *dir, const char *model, int seed)
{
    char *command = NULL, *run_dir = NULL;
    assert_true(asprintf(&command,
                         "'%s' --prepare -n 1 -p delete-off -f '%s' "
                         "-d db -o out -s %d -W 0 -j 0 -q",
                         TRACKHAMMER_BIN, model, seed) > 0);
    assert_int_equal(run_in(dir, &run_dir, command), 0);
    free(command);
    run_dir[strcspn(run_dir, "\n")] = '\0';
    assert_true(asprintf(&command, "'%s' --single-job 0 --run-dir '%s'",
                         TRACKHAMMER_BIN, run_dir) > 0);
    int status = run_in(dir, NULL, command);
    assert_true(status == 0 || status == 1); /* 1: a fault failed the job */
    free(command);
    assert_true(asprintf(&command, "'%s' --merge '%s' -q", TRACKHAMMER_BIN,
                         run_dir) > 0);
    assert_int_equal(run_in(dir, NULL, command), 0);
    free(command);
    return run_dir;
}

/* The fault model a run's summary.json records, malloc'd. */
static char *recorded_model(const char *run_dir)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/summary.json", run_dir) > 0);
    char *summary = file_contents(path);
    assert_non_null(summary);
    free(path);
    char *start = strstr(summary, "\"fault_model\": \"");
    assert_non_null(start);
    start += strlen("\"fault_model\": \"");
    char *model = strndup(start, strcspn(start, "\""));
    free(summary);
    return model;
}

static void test_trackhammer_applies_the_default_fit(void **state)
{
    (void)state;
    char *dir = scratch_dir_make("th-fit-default");
    assert_non_null(dir);
    char *db = NULL;
    assert_true(asprintf(&db, "%s/db", dir) > 0);
    assert_int_equal(mkdir(db, 0777), 0);
    char *fit = realpath(DEFAULT_FIT, NULL);
    assert_non_null(fit);
    char *expected = NULL;
    assert_true(asprintf(&expected, "lustre,fit=%s,", fit) > 0);

    char *run_dir = one_job_run(dir, "lustre", 1);
    char *model = recorded_model(run_dir);
    assert_true(strncmp(model, expected, strlen(expected)) == 0);
    free(model);
    free(run_dir);

    run_dir = one_job_run(dir, "lustre,fit=none", 2);
    model = recorded_model(run_dir);
    assert_null(strstr(model, "fit="));
    assert_true(strncmp(model, "lustre,", 7) == 0);
    free(model);
    free(run_dir);
    free(expected);
    free(fit);
    free(db);
    scratch_dir_remove(dir);
    free(dir);
}

/* The fit file th-calibrate wrote, loaded by faultfs over the design. */
static void check_fit_file(const char *path)
{
    faultfs_config design, fitted;
    char err[1024] = "";
    assert_int_equal(
        faultfs_config_parse("lustre,sync.p=0.3", &design, NULL, 0),
        SQLITE_OK);
    fitted = design;
    int rc = faultfs_config_apply_fit(&fitted, path, err, sizeof err);
    if (rc != SQLITE_OK)
        print_error("%s\n", err);
    assert_int_equal(rc, SQLITE_OK);
    /* one multiplier per group: open and delete keep their table ratio */
    assert_true(fabs(fitted.cls[FAULTFS_OPEN].probability /
                         design.cls[FAULTFS_OPEN].probability -
                     fitted.cls[FAULTFS_LOCK].probability /
                         design.cls[FAULTFS_LOCK].probability) < 1e-4);
    char *text = file_contents(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\n# fitted rows: test_2 test_3\n"));
    assert_non_null(strstr(text, "\n# held-out rows: test_1 test_4 test_5\n"));
    assert_non_null(strstr(text, "# design run: " RUN_SMALL " (seed 3"));
    assert_non_null(strstr(text, "\nsync.p="));
    free(text);
}

static void test_th_calibrate_writes_a_fit_the_model_loads(void **state)
{
    (void)state;
    char *dir = scratch_dir_make("th-calibrate");
    assert_non_null(dir);
    char *command = NULL, *out = NULL, *fit = NULL;
    assert_true(asprintf(&fit, "%s/fit.conf", dir) > 0);
    assert_true(asprintf(&command,
                         "'%s' --reference '%s' --fit test_2,test_3 "
                         "--out '%s' '%s'",
                         TH_CALIBRATE_BIN, REFERENCE_CSV, fit, RUN_SMALL) > 0);
    assert_int_equal(run_in(dir, &out, command), 0);
    assert_non_null(strstr(out, "| test_2 | delete-normal |"));
    free(out);
    free(command);
    check_fit_file(fit);

    /* th-report: the fit's rows, from the fit file a run names */
    char *db_dir = NULL;
    assert_true(asprintf(&db_dir, "%s/db", dir) > 0);
    assert_int_equal(mkdir(db_dir, 0777), 0);
    char *model = NULL;
    assert_true(asprintf(&model, "lustre,fit=%s", fit) > 0);
    char *run_dir = one_job_run(dir, model, 3);
    sqlite3 *db = NULL;
    char err[ERR_MAX] = "";
    assert_int_equal(db_open(NULL, &db, err, sizeof err), 0);
    assert_int_equal(load_reference(db, REFERENCE_CSV, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, RUN_SMALL, err, sizeof err), 0);
    assert_int_equal(load_results_dir(db, run_dir, err, sizeof err), 0);
    assert_int_equal(report_build(db, err, sizeof err), 0);
    sqlite3_stmt *stmt = NULL;
    /* run-small ran without a fit: its configurations stay apart, with no
     * role */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM agreement "
                                        "WHERE fault_model = 'lustre' "
                                        "AND fit_role IS NULL",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 3);
    sqlite3_finalize(stmt);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT profile, fit_role FROM "
                                        "agreement WHERE fault_model = "
                                        "'lustre (fitted)' ORDER BY "
                                        "profile",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        assert_string_equal(sqlite3_column_text(stmt, 0), "delete-off");
        assert_non_null(sqlite3_column_text(stmt, 1));
        assert_string_equal(sqlite3_column_text(stmt, 1), "fitted");
        rows++;
    }
    assert_int_equal(rows, 1); /* the fitted run's one profile */
    sqlite3_finalize(stmt);
    /* the rows the fit held out, from its provenance */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT group_concat(run) FROM "
                                        "fit_roles WHERE role = "
                                        "'held out'",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_non_null(
        strstr((const char *)sqlite3_column_text(stmt, 0), "test_1"));
    sqlite3_finalize(stmt);
    sqlite3_close(db);

    /* a run that is not published is refused by name */
    assert_true(asprintf(&command, "'%s' --reference '%s' --fit test_9 '%s'",
                         TH_CALIBRATE_BIN, REFERENCE_CSV, RUN_SMALL) > 0);
    assert_int_equal(run_in(dir, NULL, command), 2);
    free(command);
    free(run_dir);
    free(model);
    free(db_dir);
    free(fit);
    scratch_dir_remove(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_recovers_known_multipliers),
        cmocka_unit_test(test_counts_from_other_multipliers_are_not_recovered),
        cmocka_unit_test(
            test_interval_bounds_drop_the_likelihood_by_chi2_half),
        cmocka_unit_test(
            test_zero_published_failures_give_a_lower_bound_of_zero),
        cmocka_unit_test(test_a_fixed_group_stays_at_the_design),
        cmocka_unit_test(test_chi_square_tail_at_known_quantiles),
        cmocka_unit_test(test_unusable_rows_are_refused),
        cmocka_unit_test(test_codes_map_to_the_classes_that_produce_them),
        cmocka_unit_test(test_trackhammer_applies_the_default_fit),
        cmocka_unit_test(test_th_calibrate_writes_a_fit_the_model_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
