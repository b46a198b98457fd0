/*
 * stats.c: the statistics of the report, as pure functions and as SQL
 * functions so the report's queries can call them.
 */
#include "analysis.h"

#include <math.h>

/* Two-sided 95% and one-sided 80% standard normal quantiles. */
#define Z_975 1.959963984540054
#define Z_80 0.8416212335729143

/* Probabilities within this relative distance of the observed table's count
 * as equally likely: floating-point sums must not split ties (R's fisher.test
 * uses the same tolerance). */
#define FISHER_TIE_TOLERANCE 1e-7

/* The Wilson score interval of rate p over nn trials; nn may be
 * fractional, so the design-effect interval shares the formula. */
static void wilson_of_rate(double p, double nn, double *low, double *high)
{
    if (nn <= 0) {
        *low = 0;
        *high = 1;
        return;
    }
    double z2 = Z_975 * Z_975;
    double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double half =
        Z_975 / (1 + z2 / nn) * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    *low = fmax(0, centre - half);
    *high = fmin(1, centre + half);
}

void wilson_interval(long k, long n, double *low, double *high)
{
    wilson_of_rate(n > 0 ? (double)k / (double)n : 0, (double)n, low, high);
}

/* Running sums, so an SQL aggregate needs no list of its rounds. */
void round_sums_add(round_sums *s, long k, long n)
{
    double kk = (double)k, nn = (double)n;
    s->rounds++;
    s->k += kk;
    s->n += nn;
    s->kk += kk * kk;
    s->kn += kk * nn;
    s->nn += nn * nn;
}

/* Kish's design effect of rounds as clusters, not a bootstrap: closed-form,
 * deterministic, and Wilson-like near 0, where a bootstrap gives [0, 0]. */
double design_effect(const round_sums *s)
{
    if (s->rounds < 2 || s->n <= 0)
        return 1;
    double p = s->k / s->n, binomial = p * (1 - p);
    if (binomial <= 0) /* every job failed or none did: no spread at all */
        return 1;
    /* sum over rounds of (k_i - p n_i)^2, from the running sums */
    double spread = s->kk - 2 * p * s->kn + p * p * s->nn;
    double r = (double)s->rounds;
    return fmax(1, r / (r - 1) * spread / (s->n * binomial));
}

void wilson_interval_deff(long k, long n, double deff, double *low,
                          double *high)
{
    wilson_of_rate(n > 0 ? (double)k / (double)n : 0,
                   (double)n / fmax(1, deff), low, high);
}

static double log_choose(long n, long k)
{
    return lgamma((double)n + 1) - lgamma((double)k + 1) -
           lgamma((double)(n - k) + 1);
}

static double log_beta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* P(X = x) for X beta-binomial(m, a, b). */
static double beta_binomial_pmf(long x, long m, double a, double b)
{
    return exp(log_choose(m, x) + log_beta((double)x + a, (double)(m - x) + b) -
               log_beta(a, b));
}

void round_prediction_interval(long k, long n, long rounds, double deff,
                               long m, long *low, long *high)
{
    *low = 0;
    *high = m;
    if (n <= 0 || m <= 0 || rounds <= 0)
        return;
    double p = ((double)k + 0.5) / ((double)n + 1);
    double size = (double)n / (double)rounds;
    double rho = size > 1 ? (fmax(1, deff) - 1) / (size - 1) : 0;
    double share = fmin(rho + fmax(1, deff) / ((double)n + 2), 0.999);
    double a = p * (1 / share - 1), b = (1 - p) * (1 / share - 1);
    /* The tails are summed from each end, so that rounding in one does
     * not move the other. */
    double below = 0;
    for (long x = 0; x <= m; x++) {
        below += beta_binomial_pmf(x, m, a, b);
        if (below > 0.025) {
            *low = x;
            break;
        }
    }
    double above = 0;
    for (long x = m; x >= 0; x--) {
        above += beta_binomial_pmf(x, m, a, b);
        if (above > 0.025) {
            *high = x;
            break;
        }
    }
}

/* log P(X = x) for X hypergeometric: x successes in the first row given the
 * margins (rows n1, n2; successes m). */
static double log_hypergeometric(long x, long n1, long n2, long m)
{
    return log_choose(n1, x) + log_choose(n2, m - x) - log_choose(n1 + n2, m);
}

double fisher_exact_p(long k1, long n1, long k2, long n2)
{
    long m = k1 + k2;
    long lo = m > n2 ? m - n2 : 0, hi = m < n1 ? m : n1;
    double observed = log_hypergeometric(k1, n1, n2, m);
    double limit = observed + log1p(FISHER_TIE_TOLERANCE), p = 0;
    for (long x = lo; x <= hi; x++) {
        double lp = log_hypergeometric(x, n1, n2, m);
        if (lp <= limit)
            p += exp(lp);
    }
    return fmin(1, p);
}

long repeats_needed(long k1, long n1, long k2, long n2, long jobs_per_repeat)
{
    if (n1 <= 0 || n2 <= 0 || jobs_per_repeat <= 0)
        return 0;
    double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2;
    if (p1 == p2)
        return 0;
    double mean = (p1 + p2) / 2;
    double root = Z_975 * sqrt(2 * mean * (1 - mean)) +
                  Z_80 * sqrt(p1 * (1 - p1) + p2 * (1 - p2));
    double jobs = root * root / ((p1 - p2) * (p1 - p2));
    return (long)ceil(jobs / (double)jobs_per_repeat);
}

/* wilson_low/high(k, n), or with a third argument, the design effect,
 * wilson_low/high_deff(k, n, deff): one body, so both read alike. */
static void sql_wilson(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                       bool high)
{
    double lo, hi;
    long k = sqlite3_value_int64(argv[0]), n = sqlite3_value_int64(argv[1]);
    if (argc == 3)
        wilson_interval_deff(k, n, sqlite3_value_double(argv[2]), &lo, &hi);
    else
        wilson_interval(k, n, &lo, &hi);
    sqlite3_result_double(ctx, high ? hi : lo);
}

static void sql_wilson_low(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv)
{
    sql_wilson(ctx, argc, argv, false);
}

static void sql_wilson_high(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv)
{
    sql_wilson(ctx, argc, argv, true);
}

/* round_predict_low/high(k, n, rounds, deff, m): one body for both. */
static void sql_round_predict(sqlite3_context *ctx, sqlite3_value **argv,
                              bool high)
{
    long lo, hi;
    round_prediction_interval(
        sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1]),
        sqlite3_value_int64(argv[2]), sqlite3_value_double(argv[3]),
        sqlite3_value_int64(argv[4]), &lo, &hi);
    sqlite3_result_int64(ctx, high ? hi : lo);
}

static void sql_round_predict_low(sqlite3_context *ctx, int argc,
                                  sqlite3_value **argv)
{
    (void)argc;
    sql_round_predict(ctx, argv, false);
}

static void sql_round_predict_high(sqlite3_context *ctx, int argc,
                                   sqlite3_value **argv)
{
    (void)argc;
    sql_round_predict(ctx, argv, true);
}

/* design_effect(k, n) over a group of rounds: one step per round. */
static void sql_design_effect_step(sqlite3_context *ctx, int argc,
                                   sqlite3_value **argv)
{
    (void)argc;
    round_sums *s = sqlite3_aggregate_context(ctx, sizeof *s);
    if (s == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    round_sums_add(s, sqlite3_value_int64(argv[0]),
                   sqlite3_value_int64(argv[1]));
}

/* NULL for a group with no rounds. */
static void sql_design_effect_final(sqlite3_context *ctx)
{
    round_sums *s = sqlite3_aggregate_context(ctx, 0);
    if (s == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_double(ctx, design_effect(s));
}

static void sql_fisher_p(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_double(ctx, fisher_exact_p(sqlite3_value_int64(argv[0]),
                                              sqlite3_value_int64(argv[1]),
                                              sqlite3_value_int64(argv[2]),
                                              sqlite3_value_int64(argv[3])));
}

/* NULL where no number of repeats separates the rates. */
static void sql_repeats_needed(sqlite3_context *ctx, int argc,
                               sqlite3_value **argv)
{
    (void)argc;
    long r = repeats_needed(
        sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1]),
        sqlite3_value_int64(argv[2]), sqlite3_value_int64(argv[3]),
        sqlite3_value_int64(argv[4]));
    if (r > 0)
        sqlite3_result_int64(ctx, r);
    else
        sqlite3_result_null(ctx);
}

int stats_register_sql(sqlite3 *db)
{
    static const struct {
        const char *name;
        int args;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } functions[] = {
        { "wilson_low", 2, sql_wilson_low },
        { "wilson_high", 2, sql_wilson_high },
        { "wilson_low_deff", 3, sql_wilson_low },
        { "wilson_high_deff", 3, sql_wilson_high },
        { "round_predict_low", 5, sql_round_predict_low },
        { "round_predict_high", 5, sql_round_predict_high },
        { "fisher_p", 4, sql_fisher_p },
        { "repeats_needed", 5, sql_repeats_needed },
    };
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        int rc =
            sqlite3_create_function(db, functions[i].name, functions[i].args,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                    functions[i].fn, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return sqlite3_create_function(
        db, "design_effect", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
        sql_design_effect_step, sql_design_effect_final);
}
