/*
 * analysis.h: th-report's internal interface.
 *
 * th-report loads trackhammer results directories and the published
 * reference table into one SQLite database, then derives every figure it
 * prints with SQL it also prints, so a user can rerun each one. The
 * statistics it needs and SQL lacks (Wilson intervals, Fisher's exact test,
 * a power calculation) are pure functions here, registered as SQL functions.
 */
#ifndef ANALYSIS_H
#define ANALYSIS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ERR_MAX 8192

/* stats.c: pure functions. */

/* Wilson score 95% interval of k successes in n trials; [0, 1] for n = 0. */
void wilson_interval(long k, long n, double *low, double *high);

/* The round-aware interval. Jobs of one round share its storm, so they
 * are not independent trials: a Wilson interval over all jobs pooled is
 * too narrow when the rate varies from round to round. The design effect
 * (Kish) of rounds as clusters is the variance of the pooled rate between
 * rounds (ratio estimator, R/(R-1) correction) over the binomial variance
 * p(1-p)/N, floored at 1; the interval is Wilson's at the effective sample
 * size N/deff, rate unchanged. Chosen over a bootstrap of rounds because
 * it is closed-form and deterministic, and keeps Wilson's sense near 0
 * (a bootstrap of 0/N rounds gives [0, 0]). */
typedef struct round_sums {
    long rounds;
    double k, n, kk, kn, nn; /* sums of k_i, n_i, k_i^2, k_i n_i, n_i^2 */
} round_sums;

/* Adds one round of n jobs, k of them failed, to a zeroed round_sums. */
void round_sums_add(round_sums *s, long k, long n);
/* The design effect of the rounds added, >= 1; 1 when fewer than two
 * rounds (no between-round variance to estimate) or the rate is 0 or 1. */
double design_effect(const round_sums *s);
/* Wilson's 95% interval of k/n at the effective size n / max(1, deff). */
void wilson_interval_deff(long k, long n, double deff, double *low,
                          double *high);

/* The 95% prediction interval for the failures in ONE new round of m jobs,
 * from k failures in n jobs over `rounds` rounds with design effect deff:
 * the central interval [low, high] of a beta-binomial(m, a, b). The beta
 * has the pooled rate's Jeffreys mean (k + 1/2)/(n + 1) and, as a share of
 * p(1 - p), the variance rho + deff/(n + 2): rho, the rounds'
 * intra-round correlation, (deff - 1)/(mean round size - 1), is how much
 * a round's own rate wanders; deff/(n + 2), the uncertainty of the pooled
 * rate. With rounds that vary no more than independent jobs (deff 1) it is
 * the binomial's posterior predictive under Jeffreys' prior. A published
 * run is one round of 71: its count is a plausible draw of the model when
 * it lies inside. */
void round_prediction_interval(long k, long n, long rounds, double deff,
                               long m, long *low, long *high);

/* Two-sided Fisher exact p of k1/n1 against k2/n2: the summed probability
 * of every 2x2 table with these margins as likely or less likely than the
 * observed one. */
double fisher_exact_p(long k1, long n1, long k2, long n2);

/* Repeats of `jobs_per_repeat` jobs each configuration needs for a
 * two-sided test at alpha 0.05 to detect rates k1/n1 against k2/n2 with
 * 80% power (normal approximation for two proportions). 0 when the
 * observed rates are equal, so no number of repeats tells them apart. */
long repeats_needed(long k1, long n1, long k2, long n2, long jobs_per_repeat);

/* Registers wilson_low(k,n), wilson_high(k,n), wilson_low_deff(k,n,deff),
 * wilson_high_deff(k,n,deff), the aggregate design_effect(k,n) over rounds,
 * round_predict_low(k,n,rounds,deff,m), round_predict_high(...),
 * fisher_p(k1,n1,k2,n2) and repeats_needed(k1,n1,k2,n2,jobs) on a
 * connection. */
int stats_register_sql(sqlite3 *db);

/* paths.c: the published table, found by both programs alike. */
#define REFERENCE_NAME "gadi-71-job-matrix.csv"
/* The project's copy, when run from the source tree. */
#define REFERENCE_IN_TREE "results/reference/" REFERENCE_NAME
/* Where make install puts it, under PREFIX: found from the program's own
 * path (PREFIX/bin/th-report), so any PREFIX works without a rebuild. */
#define REFERENCE_INSTALLED "share/trackhammer/" REFERENCE_NAME
/* The source tree's copy if there is one, else the installed one, as a
 * clean absolute path. */
const char *default_reference(void);

/* csv.c: one CSV record (no embedded newlines: trackhammer writes none).
 * Splits `line` in place; quoted fields lose their quotes, doubled quotes
 * become one. Returns the field count, or -1 with `err` set. */
int csv_split(char *line, char **fields, int max_fields, const char **err);

/* load.c: the results database. Each returns 0, or -1 with `err` naming
 * the file and, for bad content, the line. */
int db_open(const char *path, sqlite3 **db, char *err, size_t err_size);
int load_results_dir(sqlite3 *db, const char *dir, char *err, size_t err_size);
int load_reference(sqlite3 *db, const char *path, char *err, size_t err_size);
/* A whole file as a string to free(), or NULL with errno set. */
char *file_contents(const char *path);

/* fit_roles.c: table fit_roles (run, role, fit_file): for each fit file
 * the loaded runs name in their fault model (",fit=PATH"), the published
 * runs its provenance says were fitted ("fitted") or held out ("held
 * out"). 0, or -1 with err. */
int fit_roles_load(sqlite3 *db, char *err, size_t err_size);

/* report.c: the derived tables and the markdown. */
typedef struct report_query {
    const char *table; /* the table it creates */
    const char *title;
    const char *sql; /* CREATE TABLE table AS SELECT ... */
} report_query;

extern const report_query report_queries[];
extern const int report_query_count;

int report_build(sqlite3 *db, char *err, size_t err_size);
/* The markdown; the model-against-reality section only with compare. */
int report_markdown(sqlite3 *db, FILE *out, const char *db_name, bool compare,
                    char *err, size_t err_size);
/* 0 when some profile ran under a fault model and with none (a real file
 * system), so --compare has something to compare; -1 with err. */
int report_check_compare(sqlite3 *db, char *err, size_t err_size);
/* Every query, as an SQL script with a comment for each. */
void report_write_queries(FILE *out);

/* output.c: every derived table as CSV, all of them as one JSON file, and
 * the queries as queries.sql, under `dir`. */
int output_write(sqlite3 *db, const char *dir, char *err, size_t err_size);

/* plots.c: failure rates with intervals, reference overlaid, and the jobs'
 * database time, as PNG and SVG under `dir`, when gnuplot is installed.
 * Returns 1 if drawn, 0 if gnuplot is missing, -1 on error. */
int plots_write(sqlite3 *db, const char *dir, char *err, size_t err_size);

/* calibrate.c: fitting the lustre model's fault rates to published rows
 * (harness/faultfs/FIDELITY.md). Pure functions.
 *
 * The faultfs classes fall in three groups, each with one multiplier of
 * the model's table (the relative rates inside a group stay as the table
 * reasons them): sync (fsync), meta (open, delete, access, truncate, lock,
 * shm_open: round trips to the metadata server) and data (read, write).
 * shm_map is no group: SIGBUS comes from placement (model b), not a rate.
 *
 * A design run (the harness under known rates) gives, per profile, the
 * jobs and the jobs that failed with a disk I/O error (SQLITE_IOERR_*),
 * split by the group whose fault ends in the failing call's extended code.
 * Under small rates a job's chance of such a failure at multipliers s is
 *     P(s) = 1 - exp(-(sum_g s_g h_g + h_0)),
 * h_g the design's hazard -ln(1 - P_design) shared out by group counts,
 * h_0 the share of failures no group explains (0 when the model is whole).
 * The fit maximises the binomial log-likelihood of the published counts;
 * the log-likelihood is concave in s, so the maximum is global. Intervals:
 * profile likelihood, 95% (a drop of chi-square(1, 0.95) / 2). */
typedef enum fault_group {
    FAULT_GROUP_SYNC,
    FAULT_GROUP_META,
    FAULT_GROUP_DATA,
    FAULT_GROUP_COUNT
} fault_group;

#define FIT_MAX_ROWS 16

/* The group of a faultfs class (faultfs_class), or -1 (shm_map). */
int fault_group_of_class(int faultfs_class_id);
const char *fault_group_name(int group);
/* The faultfs class whose injected fault SQLite reports with this extended
 * code (FAULTFS_CLASSES in faultfs.h), or -1. */
int fault_class_of_code(int extended_code);

typedef struct fit_row {
    char run[32]; /* published run, e.g. test_2 */
    char profile[64];
    long design_jobs;
    long design_failures[FAULT_GROUP_COUNT]; /* disk I/O errors by group */
    long design_unattributed;                /* ... by no group */
    long published_jobs;
    long published_failures;
} fit_row;

typedef struct fit_result {
    double scale[FAULT_GROUP_COUNT];    /* the multipliers, at the maximum */
    double low[FAULT_GROUP_COUNT];      /* 95% profile-likelihood interval */
    double high[FAULT_GROUP_COUNT];     /* INFINITY when unbounded */
    bool identified[FAULT_GROUP_COUNT]; /* false: no fitted row sees it */
    bool fixed[FAULT_GROUP_COUNT];      /* held at the design (1) as asked */
    int free_parameters;                /* identified and not fixed */
    double log_likelihood;              /* at the maximum */
    double saturated_log_likelihood;    /* every row at its own rate */
} fit_result;

/* P(s) of one row. */
double fit_row_probability(const fit_row *row, const double *scale);
/* Binomial log-likelihood of the rows' published counts at s (constant
 * terms dropped). */
double fit_log_likelihood(const fit_row *rows, int count, const double *scale);
/* The fit; groups with fixed[g] (fixed may be NULL) stay at the design's
 * rates (multiplier 1) and are not fitted. 0, or -1 with err (no rows, a
 * row with no design jobs, a design row where every job failed). */
int fit_scales(const fit_row *rows, int count, const bool *fixed,
               fit_result *out, char *err, size_t err_size);

/* P(chi-square with df degrees of freedom > x), df 1 to 3 (a
 * likelihood-ratio test of holding up to three multipliers); NAN for
 * other df. */
double chi_square_tail(double x, int df);

#endif
