/*
 * plots.c: the I/O-error rate per configuration with its Wilson interval
 * and the published rate beside it (rates), and the distribution of the
 * jobs' database time per configuration (db_time), each as NAME.png and
 * NAME.svg, drawn by gnuplot from NAME.dat and NAME.gp (both kept, so a
 * user can restyle), its messages in NAME.log.
 */
#include "analysis.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Pooled local rates per configuration with the published ones of the
 * same profile, then the published configurations not run here. In
 * percent; "?" is missing. */
static const char rates_sql[] =
    "WITH local AS (SELECT m.config, c.name, m.profile, m.rate, m.rate_low,\n"
    "    m.rate_high\n"
    "  FROM matrix m JOIN configurations c USING (config)\n"
    "  WHERE m.round IS NULL AND m.class = 'ioerr')\n"
    "SELECT l.name, 100 * l.rate, 100 * l.rate_low, 100 * l.rate_high,\n"
    "  100 * r.rate, 100 * r.rate_low, 100 * r.rate_high\n"
    "FROM local l LEFT JOIN reference_matrix r USING (profile)\n"
    "UNION ALL\n"
    "SELECT profile, NULL, NULL, NULL, 100 * rate, 100 * rate_low,\n"
    "  100 * rate_high FROM reference_matrix\n"
    "WHERE profile NOT IN (SELECT profile FROM local)";

static const char rates_script[] =
    "set ylabel 'jobs with disk I/O error (%)'\n"
    "set xtics rotate by -25\n"
    "set yrange [0:*]\n"
    "set key top right\n"
    "set grid ytics\n"
    "set bmargin 7\n"
    "set title 'I/O-error rate per configuration, Wilson 95% intervals'\n"
    "set style line 1 lc rgb '#1f77b4' pt 7\n"
    "set style line 2 lc rgb '#d62728' pt 5\n"
    "draw = \"plot data using 0:(NaN):xtic(1) notitle, "
    "data using ($0 - 0.12):2:3:4 with yerrorbars ls 1 title 'this run', "
    "data using ($0 + 0.12):5:6:7 with yerrorbars ls 2 title 'published'\"\n";

/* Jobs that lived their whole life, as results.c's percentiles count them;
 * a zero has no place on the log scale. */
static const char db_time_sql[] =
    "SELECT c.name, 1e3 * j.db_time_s\n"
    "FROM job_classes j JOIN configurations c USING (config)\n"
    "WHERE j.outcome IN ('ok', 'skipped', 'failed') AND j.db_time_s > 0\n"
    "ORDER BY j.config";

/* Points beyond the whiskers drawn: with nooutliers, gnuplot finds no
 * point to draw in a box of one value ("all points y value undefined"),
 * as a configuration of one job, or of jobs of equal time, gives. */
static const char db_time_script[] =
    "set style data boxplot\n"
    "set style boxplot outliers pointtype 7\n"
    "set logscale y\n"
    "set ylabel 'job database time (ms)'\n"
    "set xtics rotate by -25\n"
    "set bmargin 7\n"
    "set grid ytics\n"
    "set title 'Time inside tracker calls per job (box: quartiles; "
    "whiskers: 1.5 IQR; points beyond)'\n"
    "draw = \"plot data using (1):2:(0.5):1 notitle lc rgb '#1f77b4'\"\n";

typedef struct plot {
    const char *name; /* NAME.dat, NAME.gp, NAME.png, NAME.svg */
    const char *data_sql;
    const char *script;
    int first_x; /* where gnuplot puts the first configuration */
} plot;

static const plot plots[] = {
    { "rates", rates_sql, rates_script, 0 },       /* x = row number */
    { "db_time", db_time_sql, db_time_script, 1 }, /* boxplot factors */
};

static void write_field(FILE *f, sqlite3_stmt *stmt, int c)
{
    if (c > 0)
        fputc('\t', f);
    switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_NULL: fputc('?', f); break;
    case SQLITE_TEXT:
        fputs((const char *)sqlite3_column_text(stmt, c), f);
        break;
    default: fprintf(f, "%.6g", sqlite3_column_double(stmt, c)); break;
    }
}

/* The plot's data file; returns how many configurations it holds (runs
 * of rows with the same first column), or -1. */
static int write_data(sqlite3 *db, const char *sql, const char *path,
                      char *err, size_t err_size)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    sqlite3_stmt *stmt = NULL;
    int rows = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        snprintf(err, err_size, "plot data: %s", sqlite3_errmsg(db));
        rows = -1;
    }
    char *last = NULL;
    while (rows >= 0 && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *label = (const char *)sqlite3_column_text(stmt, 0);
        if (last == NULL || strcmp(last, label) != 0) {
            free(last);
            last = strdup(label);
            rows++;
        }
        for (int c = 0; c < sqlite3_column_count(stmt); c++)
            write_field(f, stmt, c);
        fputc('\n', f);
    }
    free(last);
    sqlite3_finalize(stmt);
    if (fclose(f) != 0 && rows >= 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        rows = -1;
    }
    return rows;
}

/* The script: the plot's own settings and `draw`, then both outputs.
 * The x range is set, half a slot either side of the `count`
 * configurations: gnuplot cannot scale a range of one x itself. */
static int write_script(const plot *p, int count, const char *dir,
                        const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# %s.gp, written by th-report: gnuplot %s\n"
            "set datafile separator '\\t'\n"
            "set datafile missing '?'\n"
            "data = '%s/%s.dat'\n"
            "set xrange [%g:%g]\n%s"
            "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
            "  set terminal pngcairo size 900,500\n"
            "} else {\n"
            "  set terminal png size 900,500\n"
            "}\n"
            "set output '%s/%s.png'\n"
            "eval draw\n"
            "set terminal svg size 900,500\n"
            "set output '%s/%s.svg'\n"
            "eval draw\n",
            p->name, path, dir, p->name, p->first_x - 0.5,
            p->first_x + count - 0.5, p->script, dir, p->name, dir, p->name);
    if (fclose(f) != 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* gnuplot SCRIPT, its messages into LOG (warnings about an empty series
 * are no news on stderr): 1 if it drew, 0 if there is no gnuplot, -1 if it
 * failed. */
static int run_gnuplot(const char *script, const char *log, char *err,
                       size_t err_size)
{
    char *argv[] = { "gnuplot", (char *)script, NULL };
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0666);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc == ENOENT)
        return 0;
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) < 0) {
        snprintf(err, err_size, "gnuplot: %s", strerror(rc ? rc : errno));
        return -1;
    }
    /* A shell would say 127 for a missing program; so does a failed exec. */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, err_size, "gnuplot %s failed: see %s", script, log);
        return -1;
    }
    return 1;
}

int plots_write(sqlite3 *db, const char *dir, char *err, size_t err_size)
{
    int drawn = 1;
    for (size_t i = 0; drawn == 1 && i < sizeof plots / sizeof plots[0]; i++) {
        char data[4096], script[4096], log[4096];
        snprintf(data, sizeof data, "%s/%s.dat", dir, plots[i].name);
        snprintf(script, sizeof script, "%s/%s.gp", dir, plots[i].name);
        snprintf(log, sizeof log, "%s/%s.log", dir, plots[i].name);
        int rows = write_data(db, plots[i].data_sql, data, err, err_size);
        if (rows < 0 ||
            write_script(&plots[i], rows, dir, script, err, err_size) < 0)
            return -1;
        /* gnuplot cannot scale an empty plot: no jobs, no db_time plot. */
        if (rows > 0)
            drawn = run_gnuplot(script, log, err, err_size);
    }
    return drawn;
}
