/*
 * analysis.h: th-report's internal interface (issue 6).
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

/* Two-sided Fisher exact p of k1/n1 against k2/n2: the summed probability
 * of every 2x2 table with these margins as likely or less likely than the
 * observed one. */
double fisher_exact_p(long k1, long n1, long k2, long n2);

/* Repeats of `jobs_per_repeat` jobs each configuration needs for a
 * two-sided test at alpha 0.05 to detect rates k1/n1 against k2/n2 with
 * 80% power (normal approximation for two proportions). 0 when the
 * observed rates are equal, so no number of repeats tells them apart. */
long repeats_needed(long k1, long n1, long k2, long n2, long jobs_per_repeat);

/* Registers wilson_low(k,n), wilson_high(k,n), fisher_p(k1,n1,k2,n2) and
 * repeats_needed(k1,n1,k2,n2,jobs) on a connection. */
int stats_register_sql(sqlite3 *db);

/* csv.c: one CSV record (no embedded newlines: trackhammer writes none).
 * Splits `line` in place; quoted fields lose their quotes, doubled quotes
 * become one. Returns the field count, or -1 with `err` set. */
int csv_split(char *line, char **fields, int max_fields, const char **err);

/* load.c: the results database. Each returns 0, or -1 with `err` naming
 * the file and, for bad content, the line. */
int db_open(const char *path, sqlite3 **db, char *err, size_t err_size);
int load_results_dir(sqlite3 *db, const char *dir, char *err,
                     size_t err_size);
int load_reference(sqlite3 *db, const char *path, char *err, size_t err_size);
/* A whole file as a string to free(), or NULL with errno set. */
char *file_contents(const char *path);

/* report.c: the derived tables and the markdown. */
typedef struct report_query {
    const char *table;  /* the table it creates */
    const char *title;
    const char *sql;    /* CREATE TABLE table AS SELECT ... */
} report_query;

extern const report_query report_queries[];
extern const int report_query_count;

int report_build(sqlite3 *db, char *err, size_t err_size);
int report_markdown(sqlite3 *db, FILE *out, const char *db_name,
                    char *err, size_t err_size);
/* Every query, as an SQL script with a comment for each. */
void report_write_queries(FILE *out);

/* output.c: every derived table as CSV, all of them as one JSON file, and
 * the queries as queries.sql, under `dir`. */
int output_write(sqlite3 *db, const char *dir, char *err, size_t err_size);

/* plots.c: failure rates with intervals, reference overlaid, and the jobs'
 * database time, as PNG and SVG under `dir`, when gnuplot is installed.
 * Returns 1 if drawn, 0 if gnuplot is missing, -1 on error. */
int plots_write(sqlite3 *db, const char *dir, char *err, size_t err_size);

#endif
