/*
 * test_stats.c: the statistics against values derived apart from this
 * code (python3: statistics.NormalDist quantiles, math.comb exact
 * hypergeometric sums; the design effect from statistics.variance of the
 * per-round rates, or for rounds of unequal sizes from the cluster
 * variance of the pooled rate written out term by term), and the same
 * functions through SQL.
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
    /* analysis/README.md's values: 0.028 and 0.50 to the digits it gives. */
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

/* The design effect of rounds given as k/n pairs. */
static double deff_of(const long (*rounds)[2], int count)
{
    round_sums s = { 0 };
    for (int i = 0; i < count; i++)
        round_sums_add(&s, rounds[i][0], rounds[i][1]);
    return design_effect(&s);
}

static void assert_deff_interval(long k, long n, double deff, double low,
                                 double high)
{
    double got_low, got_high;
    wilson_interval_deff(k, n, deff, &got_low, &got_high);
    assert_close(got_low, low);
    assert_close(got_high, high);
}

/* Every round at one rate: no between-round variance, deff 1, and the
 * interval is the pooled Wilson interval to the last digit. */
static void test_design_effect_equal_rounds(void **state)
{
    (void)state;
    static const long equal[][2] = { { 3, 71 }, { 3, 71 }, { 3, 71 } };
    assert_close(deff_of(equal, 3), 1);
    double low, high;
    wilson_interval(9, 213, &low, &high);
    assert_deff_interval(9, 213, deff_of(equal, 3), low, high);
    /* Nothing to estimate: one round, or a rate of 0 or 1. */
    assert_close(deff_of(equal, 1), 1);
    static const long none[][2] = { { 0, 71 }, { 0, 71 } };
    static const long all[][2] = { { 71, 71 }, { 5, 5 } };
    assert_close(deff_of(none, 2), 1);
    assert_close(deff_of(all, 2), 1);
}

/* Rounds at 0, 3, 6 and 11 of 71: 71 * variance(rates) / (p (1 - p)) =
 * 4.7333; the interval is Wilson's at 284 / 4.7333 jobs, wider than the
 * pooled one [0.046047, 0.106264]. Unequal rounds 1/10, 9/20, 0/5: deff
 * 3.42. Rounds 2/10, 8/20, 1/5 vary less than binomial (0.909): floored
 * at 1. */
static void test_design_effect_known_values(void **state)
{
    (void)state;
    static const long spread[][2] = {
        { 0, 71 }, { 3, 71 }, { 6, 71 }, { 11, 71 }
    };
    double deff = deff_of(spread, 4);
    assert_close(deff, 4.7333333333333325);
    assert_deff_interval(20, 284, deff, 0.028394754909197767,
                         0.16414725890302023);
    double low, high;
    wilson_interval(20, 284, &low, &high);
    assert_true(low > 0.028394754909197767 + 0.01);
    assert_true(high < 0.16414725890302023 - 0.01);
    static const long unequal[][2] = { { 1, 10 }, { 9, 20 }, { 0, 5 } };
    deff = deff_of(unequal, 3);
    assert_close(deff, 3.4200000000000017);
    assert_deff_interval(10, 35, deff, 0.10105466322911677,
                         0.5873398339084162);
    static const long steady[][2] = { { 2, 10 }, { 8, 20 }, { 1, 5 } };
    assert_close(deff_of(steady, 3), 1);
    wilson_interval(11, 35, &low, &high);
    assert_deff_interval(11, 35, 0.9090909090909091, low, high);
}

/* One round's 95% prediction interval, against an independent
 * computation (the beta-binomial pmf by its ratio recursion, no lgamma:
 * python3, the same mean and spread). The fidelity run's test_2 (174/1420,
 * deff 1.55) gives 3 to 16 of 71; its test_1 (8/1420) 0 to 2; no failure
 * in 1420 jobs, 0 to 0; two rounds of 6 at deff 4/3, 8 to 63. */
static void test_round_prediction_known_values(void **state)
{
    (void)state;
    static const struct {
        long k, n, rounds;
        double deff;
        long low, high;
    } cases[] = {
        { 174, 1420, 20, 1.55, 3, 16 }, { 8, 1420, 20, 1.0, 0, 2 },
        { 91, 1420, 20, 1.05, 1, 9 },   { 0, 1420, 20, 1.0, 0, 0 },
        { 6, 12, 2, 4.0 / 3, 8, 63 },   { 0, 12, 2, 1.0, 0, 14 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long low, high;
        round_prediction_interval(cases[i].k, cases[i].n, cases[i].rounds,
                                  cases[i].deff, 71, &low, &high);
        assert_int_equal(low, cases[i].low);
        assert_int_equal(high, cases[i].high);
    }
    /* Rounds that vary more predict a wider round. */
    long narrow_low, narrow_high, wide_low, wide_high;
    round_prediction_interval(174, 1420, 20, 1.0, 71, &narrow_low,
                              &narrow_high);
    round_prediction_interval(174, 1420, 20, 3.0, 71, &wide_low, &wide_high);
    assert_true(wide_high - wide_low > narrow_high - narrow_low);
    /* Nothing to predict from: the whole range. */
    round_prediction_interval(0, 0, 0, 1.0, 71, &wide_low, &wide_high);
    assert_int_equal(wide_low, 0);
    assert_int_equal(wide_high, 71);
}

/* splitmix64, for the simulated rounds below: seeded, so the test is. */
static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static long binomial_draw(uint64_t *state, long n, double p)
{
    long k = 0;
    for (long i = 0; i < n; i++)
        k += uniform(state) < p;
    return k;
}

/* Known rates in: 20 rounds of 71 at a known rate give an interval that
 * holds at least 93% of 4000 further rounds at that rate (95% nominal,
 * less the test's own noise), for a rare, a middling and a common rate. */
static void test_round_prediction_covers_known_rates(void **state)
{
    (void)state;
    static const double rates[] = { 0.01, 0.06, 0.12 };
    uint64_t seed = 9002;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        round_sums s = { 0 };
        for (int r = 0; r < 20; r++)
            round_sums_add(&s, binomial_draw(&seed, 71, rates[i]), 71);
        long low, high;
        round_prediction_interval((long)s.k, (long)s.n, s.rounds,
                                  design_effect(&s), 71, &low, &high);
        int inside = 0;
        for (int t = 0; t < 4000; t++) {
            long k = binomial_draw(&seed, 71, rates[i]);
            inside += k >= low && k <= high;
        }
        if (inside < 3720)
            fail_msg("rate %g: %d of 4000 rounds in [%ld, %ld]", rates[i],
                     inside, low, high);
    }
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
                           "repeats_needed(1, 71, 1, 71, 71) IS NULL, "
                           "(SELECT design_effect(column1, column2) FROM "
                           "(VALUES (0, 71), (3, 71), (6, 71), (11, 71))), "
                           "wilson_low_deff(20, 284, 4.7333333333333325), "
                           "wilson_high_deff(20, 284, 4.7333333333333325), "
                           "(SELECT design_effect(k, n) FROM (SELECT 1 AS k, "
                           "2 AS n) WHERE k > 1) IS NULL, "
                           "round_predict_low(174, 1420, 20, 1.55, 71), "
                           "round_predict_high(174, 1420, 20, 1.55, 71)",
                           -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_close(sqlite3_column_double(stmt, 0), 0.03930650771071115);
    assert_close(sqlite3_column_double(stmt, 1), 0.17236038214304278);
    assert_close(sqlite3_column_double(stmt, 2), 0.027997108447734745);
    assert_int_equal(sqlite3_column_int(stmt, 3), 4);
    assert_int_equal(sqlite3_column_int(stmt, 4), 1);
    assert_close(sqlite3_column_double(stmt, 5), 4.7333333333333325);
    assert_close(sqlite3_column_double(stmt, 6), 0.028394754909197767);
    assert_close(sqlite3_column_double(stmt, 7), 0.16414725890302023);
    assert_int_equal(sqlite3_column_int(stmt, 8), 1); /* no rounds */
    assert_int_equal(sqlite3_column_int(stmt, 9), 3);
    assert_int_equal(sqlite3_column_int(stmt, 10), 16);
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
        cmocka_unit_test(test_design_effect_equal_rounds),
        cmocka_unit_test(test_design_effect_known_values),
        cmocka_unit_test(test_round_prediction_known_values),
        cmocka_unit_test(test_round_prediction_covers_known_rates),
        cmocka_unit_test(test_sql_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
