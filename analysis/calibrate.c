/*
 * calibrate.c: the lustre model's fault groups, and the maximum-likelihood
 * fit of one multiplier per group to published rows (analysis.h).
 */
#include "analysis.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "faultfs.h"

/* Half the 95% quantile of chi-square with one degree of freedom: the drop
 * in log-likelihood that bounds a profile-likelihood interval. */
#define PROFILE_DROP (3.841458820694124 / 2)
/* Bounds on a multiplier: above this an interval is called unbounded. */
#define SCALE_CEILING 1e6
#define ASCENT_CYCLES 20000
#define ASCENT_TOLERANCE 1e-11
#define BISECTIONS 200

/* faultfs's fault classes (FAULTFS_CLASSES in faultfs.h) as data: each
 * class's fit group and the codes SQLite reports its faults with. Expanded
 * here, not linked: th-report has this file without libfaultfs. */
static const faultfs_class_info fault_classes[FAULTFS_CLASS_COUNT] = {
    FAULTFS_CLASSES(FAULTFS_CLASS_INFO)
};

int fault_group_of_class(int faultfs_class_id)
{
    bool known =
        faultfs_class_id >= 0 && faultfs_class_id < FAULTFS_CLASS_COUNT;
    const char *group = known ? fault_classes[faultfs_class_id].group : NULL;
    for (int g = 0; group && g < FAULT_GROUP_COUNT; g++)
        if (strcmp(fault_group_name(g), group) == 0)
            return g;
    return -1;
}

const char *fault_group_name(int group)
{
    static const char *const names[FAULT_GROUP_COUNT] = { "sync", "meta",
                                                          "data" };
    return group >= 0 && group < FAULT_GROUP_COUNT ? names[group] : "none";
}

int fault_class_of_code(int extended_code)
{
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++)
        for (const int *code = fault_classes[c].codes; *code; code++)
            if (*code == extended_code)
                return c;
    return -1;
}

/* A row's design hazard by group (h_g) and unexplained (h_0, returned):
 * -ln(1 - P_design) shared out in proportion to the failures. */
static double design_hazards(const fit_row *row, double *h)
{
    long failures = row->design_unattributed;
    for (int g = 0; g < FAULT_GROUP_COUNT; g++)
        failures += row->design_failures[g];
    double total = failures ? -log1p(-(double)failures / row->design_jobs) : 0;
    for (int g = 0; g < FAULT_GROUP_COUNT; g++)
        h[g] = failures ? total * row->design_failures[g] / failures : 0;
    return failures ? total * row->design_unattributed / failures : 0;
}

/* The row's hazard at multipliers s. */
static double row_hazard(const fit_row *row, const double *scale)
{
    double h[FAULT_GROUP_COUNT];
    double hazard = design_hazards(row, h);
    for (int g = 0; g < FAULT_GROUP_COUNT; g++)
        hazard += scale[g] * h[g];
    return hazard;
}

double fit_row_probability(const fit_row *row, const double *scale)
{
    return -expm1(-row_hazard(row, scale));
}

/* k ln P + (n - k) ln(1 - P) at hazard x, where ln(1 - P) = -x; 0 ln 0 is
 * 0, and a failure the rates cannot produce is -infinity. */
static double row_log_likelihood(const fit_row *row, double hazard)
{
    long k = row->published_failures, n = row->published_jobs;
    double value = -(double)(n - k) * hazard;
    if (k > 0)
        value += hazard > 0 ? k * log(-expm1(-hazard)) : -INFINITY;
    return value;
}

double fit_log_likelihood(const fit_row *rows, int count, const double *scale)
{
    double sum = 0;
    for (int j = 0; j < count; j++)
        sum += row_log_likelihood(&rows[j], row_hazard(&rows[j], scale));
    return sum;
}

/* The derivative of the log-likelihood along multiplier g: over the rows,
 * h_g (k / (e^x - 1) - (n - k)). Decreasing in the multiplier. */
static double slope(const fit_row *rows, int count, const double *scale, int g)
{
    double sum = 0;
    for (int j = 0; j < count; j++) {
        double h[FAULT_GROUP_COUNT];
        design_hazards(&rows[j], h);
        if (h[g] == 0)
            continue;
        double x = row_hazard(&rows[j], scale);
        long k = rows[j].published_failures, n = rows[j].published_jobs;
        double ratio = k == 0 ? 0 : x > 0 ? k / expm1(x) : INFINITY;
        sum += h[g] * (ratio - (double)(n - k));
    }
    return sum;
}

/* Whether any row's design sees group g: if none, the rows say nothing of
 * its multiplier. */
static bool seen(const fit_row *rows, int count, int g)
{
    for (int j = 0; j < count; j++)
        if (rows[j].design_failures[g] > 0)
            return true;
    return false;
}

/* Maximise along multiplier g alone, the others fixed: the slope is
 * decreasing, so bisect on its sign between 0 and a bound found by
 * doubling. */
static void maximise_along(const fit_row *rows, int count, double *scale,
                           int g)
{
    scale[g] = 0;
    if (slope(rows, count, scale, g) <= 0)
        return;
    double low = 0, high = 1;
    scale[g] = high;
    while (high < SCALE_CEILING && slope(rows, count, scale, g) > 0) {
        low = high;
        high *= 2;
        scale[g] = high;
    }
    for (int i = 0; i < BISECTIONS && high - low > 1e-15 * high; i++) {
        scale[g] = 0.5 * (low + high);
        if (slope(rows, count, scale, g) > 0)
            low = scale[g];
        else
            high = scale[g];
    }
    scale[g] = 0.5 * (low + high);
}

/* Coordinate ascent over the identified multipliers except `fixed` (-1:
 * none), from where scale is; the log-likelihood is concave, so this
 * reaches its maximum. Returns that maximum. */
static double ascend(const fit_row *rows, int count, const bool *free_group,
                     int fixed, double *scale)
{
    double before = fit_log_likelihood(rows, count, scale);
    for (int cycle = 0; cycle < ASCENT_CYCLES; cycle++) {
        for (int g = 0; g < FAULT_GROUP_COUNT; g++)
            if (free_group[g] && g != fixed)
                maximise_along(rows, count, scale, g);
        double after = fit_log_likelihood(rows, count, scale);
        if (fabs(after - before) <= ASCENT_TOLERANCE * (1 + fabs(after)))
            return after;
        before = after;
    }
    return before;
}

/* The profile log-likelihood of multiplier g at value v: the maximum over
 * the others with g held at v. */
static double profile(const fit_row *rows, int count, const bool *free_group,
                      const double *best, int g, double v)
{
    double scale[FAULT_GROUP_COUNT];
    for (int i = 0; i < FAULT_GROUP_COUNT; i++)
        scale[i] = best[i];
    scale[g] = v;
    return ascend(rows, count, free_group, g, scale);
}

/* Bisect for the value between inside (profile above target) and outside
 * (below it) where the profile crosses the target. */
static double crossing(const fit_row *rows, int count, const bool *free_group,
                       const double *best, int g, double target, double inside,
                       double outside)
{
    for (int i = 0; i < 80 && fabs(outside - inside) > 1e-9 * fabs(inside);
         i++) {
        double middle = 0.5 * (inside + outside);
        if (profile(rows, count, free_group, best, g, middle) >= target)
            inside = middle;
        else
            outside = middle;
    }
    return 0.5 * (inside + outside);
}

/* The 95% profile-likelihood interval of multiplier g around the maximum. */
static void interval(const fit_row *rows, int count, const bool *free_group,
                     const fit_result *fit, int g, double *low, double *high)
{
    double target = fit->log_likelihood - PROFILE_DROP;
    double at = fit->scale[g];
    if (at == 0 ||
        profile(rows, count, free_group, fit->scale, g, 0) >= target)
        *low = 0;
    else
        *low = crossing(rows, count, free_group, fit->scale, g, target, at, 0);
    double outside = at > 0 ? 2 * at : 1;
    while (outside < SCALE_CEILING &&
           profile(rows, count, free_group, fit->scale, g, outside) >= target)
        outside *= 2;
    *high = outside >= SCALE_CEILING
                ? INFINITY
                : crossing(rows, count, free_group, fit->scale, g, target, at,
                           outside);
}

/* Rows a fit can use: jobs in the design, not every design job failed,
 * published counts that make sense. */
static int check_rows(const fit_row *rows, int count, char *err,
                      size_t err_size)
{
    if (count <= 0 || count > FIT_MAX_ROWS) {
        snprintf(err, err_size, "fit: %d rows (want 1 to %d)", count,
                 FIT_MAX_ROWS);
        return -1;
    }
    for (int j = 0; j < count; j++) {
        long failed = rows[j].design_unattributed;
        for (int g = 0; g < FAULT_GROUP_COUNT; g++)
            failed += rows[j].design_failures[g];
        const char *problem =
            rows[j].design_jobs <= 0        ? "no design jobs"
            : failed >= rows[j].design_jobs ? "every design job failed"
            : rows[j].published_jobs <= 0 || rows[j].published_failures < 0 ||
                    rows[j].published_failures > rows[j].published_jobs
                ? "published count out of range"
                : NULL;
        if (problem) {
            snprintf(err, err_size, "fit: row %s (%s): %s", rows[j].run,
                     rows[j].profile, problem);
            return -1;
        }
    }
    return 0;
}

int fit_scales(const fit_row *rows, int count, const bool *fixed,
               fit_result *out, char *err, size_t err_size)
{
    if (check_rows(rows, count, err, err_size) < 0)
        return -1;
    bool free_group[FAULT_GROUP_COUNT];
    out->free_parameters = 0;
    for (int g = 0; g < FAULT_GROUP_COUNT; g++) {
        out->identified[g] = seen(rows, count, g);
        out->fixed[g] = fixed && fixed[g];
        free_group[g] = out->identified[g] && !out->fixed[g];
        out->free_parameters += free_group[g];
        out->scale[g] = 1; /* the design: kept where not fitted */
    }
    out->log_likelihood = ascend(rows, count, free_group, -1, out->scale);
    for (int g = 0; g < FAULT_GROUP_COUNT; g++) {
        if (free_group[g]) {
            interval(rows, count, free_group, out, g, &out->low[g],
                     &out->high[g]);
        } else {
            out->low[g] = out->fixed[g] ? 1 : 0;
            out->high[g] = out->fixed[g] ? 1 : INFINITY;
        }
    }
    out->saturated_log_likelihood = 0;
    for (int j = 0; j < count; j++) {
        double rate =
            (double)rows[j].published_failures / rows[j].published_jobs;
        out->saturated_log_likelihood +=
            rate > 0 && rate < 1 ? row_log_likelihood(&rows[j], -log1p(-rate))
                                 : 0;
    }
    return 0;
}

double chi_square_tail(double x, int df)
{
    if (x <= 0)
        return 1;
    switch (df) {
    case 1: return erfc(sqrt(x / 2));
    case 2: return exp(-x / 2);
    case 3: return erfc(sqrt(x / 2)) + sqrt(2 * x / M_PI) * exp(-x / 2);
    default: return NAN;
    }
}
