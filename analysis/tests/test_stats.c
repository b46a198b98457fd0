/*
 * test_stats.c: the statistics against values derived apart from this
 * code (python3: statistics.NormalDist quantiles, math.comb exact
 * hypergeometric sums), and the same functions through SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "analysis.h"

#define TOLERANCE 1e-9

static void assert_close(double got, double want)
{
    if (fabs(got - want) > TOLERANCE)
        fail_msg("got %.12g, want %.12g", got, want);
}

static void assert_wilson(long k, long n, double want_low, double want_high)
{
    double low, high;
    wilson_interval(k, n, &low, &high);
    assert_close(low, want_low);
    assert_close(high, want_high);
}

static void test_wilson_known_values(void **state)
{
    (void)state;
    assert_wilson(6, 71, 0.03930650771071115, 0.17236038214304278);
    assert_wilson(2, 71, 0.007759263582683522, 0.09701500116649467);
    assert_wilson(6, 12, 0.2537815976337061, 0.7462184023662939);
}

static void test_wilson_edges(void **state)
{
    (void)state;
    assert_wilson(0, 71, 0, 0.05132795219689032);
    assert_wilson(71, 71, 1 - 0.05132795219689032, 1);
    assert_wilson(0, 0, 0, 1); /* no jobs: nothing known */
}

static void test_fisher_known_values(void **state)
{
    (void)state;
    /* The values: 0.028 and 0.50 to the digits it gives. */
    assert_close(fisher_exact_p(6, 71, 0, 71), 0.027997108447734745);
    assert_close(round(fisher_exact_p(6, 71, 0, 71) * 1000) / 1000, 0.028);
    assert_close(fisher_exact_p(2, 71, 0, 71), 0.49645390070921985);
    assert_close(fisher_exact_p(8, 71, 3, 71), 0.20788367793598314);
    assert_close(fisher_exact_p(6, 12, 0, 12), 0.013729977116704805);
}

static void test_fisher_symmetry_and_equal_counts(void **state)
{
    (void)state;
    assert_close(fisher_exact_p(0, 71, 6, 71), fisher_exact_p(6, 71, 0, 71));
    assert_close(fisher_exact_p(3, 71, 3, 71), 1);
    assert_close(fisher_exact_p(0, 71, 0, 71), 1);
    assert_close(fisher_exact_p(71, 71, 71, 71), 1);
}

static void test_repeats_needed(void **state)
{
    (void)state;
    /* 87.77, 273.53 and 2687.06 jobs per configuration, in rounds of 71. */
    assert_int_equal(repeats_needed(6, 71, 0, 71, 71), 2);
    assert_int_equal(repeats_needed(2, 71, 0, 71, 71), 4);
    assert_int_equal(repeats_needed(3, 71, 2, 71, 71), 38);
    assert_int_equal(repeats_needed(2, 71, 0, 71, 1), 274);
    assert_int_equal(repeats_needed(3, 71, 3, 71, 71), 0);
    assert_int_equal(repeats_needed(3, 0, 3, 71, 71), 0);
}

static void test_sql_functions(void **state)
{
    (void)state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(stats_register_sql(db), SQLITE_OK);
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT wilson_low(6, 71), wilson_high(6, 71), "
                           "fisher_p(6, 71, 0, 71), "
                           "repeats_needed(2, 71, 0, 71, 71), "
                           "repeats_needed(1, 71, 1, 71, 71) IS NULL",
                           -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_close(sqlite3_column_double(stmt, 0), 0.03930650771071115);
    assert_close(sqlite3_column_double(stmt, 1), 0.17236038214304278);
    assert_close(sqlite3_column_double(stmt, 2), 0.027997108447734745);
    assert_int_equal(sqlite3_column_int(stmt, 3), 4);
    assert_int_equal(sqlite3_column_int(stmt, 4), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson_known_values),
        cmocka_unit_test(test_wilson_edges),
        cmocka_unit_test(test_fisher_known_values),
        cmocka_unit_test(test_fisher_symmetry_and_equal_counts),
        cmocka_unit_test(test_repeats_needed),
        cmocka_unit_test(test_sql_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
