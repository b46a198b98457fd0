/*
 * th-calibrate: fit the lustre model's fault rates to rows of the published
 * matrix from a design run, and write the fit file the model loads
 * (the method: harness/faultfs/FIDELITY.md).
 */
#include "../analysis.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "command_line.h"
#include "faultfs.h"

#define EXIT_INPUT 2
#define EXIT_OUTPUT 1
#define DEFAULT_ROWS "test_2,test_3,test_4"

static const char usage[] =
    "usage: th-calibrate [options] DESIGN_DIR...\n"
    "\n"
    "Fits the lustre fault model to rows of the published table. The design\n"
    "directories are trackhammer results run under one fault model (the\n"
    "design, e.g. --fault-model lustre,fit=none) for the profiles of the\n"
    "rows to fit. Their jobs that failed with a disk I/O error\n"
    "(SQLITE_IOERR_*) are split by the fault group whose fault ends in the\n"
    "failing call's extended code: sync (fsync), meta (open, delete, access,\n"
    "truncate, lock, shm_open) and data (read, write). One multiplier per\n"
    "group of the design's rates is fitted by maximum likelihood to the\n"
    "published counts of disk I/O errors, with 95% profile-likelihood\n"
    "intervals. Prints the fit as markdown.\n"
    "\n"
    "  -f, --fit RUNS       published runs to fit, comma separated\n"
    "                       [default: " DEFAULT_ROWS "]\n"
    "  -x, --fix GROUPS     keep these groups (sync, meta, data; comma\n"
    "                       separated) at the design's rates, unfitted, and\n"
    "                       test that choice against the full fit by the\n"
    "                       likelihood ratio\n"
    "  -r, --reference CSV  the published table (as th-report finds it)\n"
    "  -o, --out FILE       write the fit file: the fitted rates as faultfs\n"
    "                       key=value lines, and # lines saying where they\n"
    "                       came from; it is loaded back to check it\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 done, 2 bad command line or input, 1 output could not\n"
    "be written.\n";

typedef struct settings {
    const char *reference;
    const char *rows;
    bool fixed[FAULT_GROUP_COUNT];
    const char *out;
    char **dirs;
    int dir_count;
    int argc;
    char **argv;
} settings;

/* What the design ran with and the rows built from it. */
typedef struct design {
    faultfs_config config;
    fit_row rows[FIT_MAX_ROWS];
    long rounds[FIT_MAX_ROWS];
    int row_count;
} design;

/* --fix sync,meta,...: the groups held at the design; false with the
 * reason in err. */
static bool parse_fixed(const char *list, bool *fixed, char *err,
                        size_t err_size)
{
    char *copy = strdup(list);
    char *save = NULL;
    bool ok = copy != NULL, named = false;
    snprintf(err, err_size, "out of memory");
    for (char *name = ok ? strtok_r(copy, ",", &save) : NULL; name && ok;
         name = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int g = 0; g < FAULT_GROUP_COUNT; g++)
            if (strcmp(name, fault_group_name(g)) == 0)
                found = g;
        if (found < 0)
            snprintf(err, err_size,
                     "--fix: unknown group '%s' (known: sync, meta, data)",
                     name);
        else
            fixed[found] = named = true;
        ok = found >= 0;
    }
    if (ok && !named)
        snprintf(err, err_size, "--fix: '%s': no group named", list);
    free(copy);
    return ok && named;
}

/* Refuse an --out the fit file cannot be written to, before the fit:
 * empty, a directory, or in a directory that does not exist (it is never
 * made). */
static bool check_out(const char *path, char *err, size_t err_size)
{
    struct stat st;
    if (*path == '\0') {
        snprintf(err, err_size, "--out: empty path");
        return false;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, err_size,
                 "--out '%s': is a directory (give the fit file's path)",
                 path);
        return false;
    }
    const char *slash = strrchr(path, '/');
    char *dir =
        slash == NULL
            ? strdup(".")
            : strndup(path, slash == path ? 1 : (size_t)(slash - path));
    bool ok = dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok)
        snprintf(err, err_size,
                 "--out '%s': no directory '%s' (it is not created)", path,
                 dir ? dir : "");
    free(dir);
    return ok;
}

/* One option and its value into the settings (command_line.h). */
static command_line_step apply_option(void *settings_record, int option,
                                      const char *value, char *err,
                                      size_t err_size)
{
    settings *s = settings_record;
    switch (option) {
    case 'f': s->rows = value; break;
    case 'x':
        if (!parse_fixed(value, s->fixed, err, err_size))
            return COMMAND_LINE_REFUSED;
        break;
    case 'r': s->reference = value; break;
    case 'o':
        if (!check_out(value, err, err_size))
            return COMMAND_LINE_REFUSED;
        s->out = value;
        break;
    case 'h': fputs(usage, stdout); return COMMAND_LINE_DONE;
    }
    return COMMAND_LINE_NEXT;
}

/* 0 to go on, or the exit status to stop with. */
static int parse_args(int argc, char **argv, settings *s)
{
    static const struct option long_options[] = {
        { "fit", required_argument, NULL, 'f' },
        { "fix", required_argument, NULL, 'x' },
        { "reference", required_argument, NULL, 'r' },
        { "out", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char err[1024];
    int first_operand;
    command_line line = { long_options, apply_option, s, true };
    s->rows = DEFAULT_ROWS;
    switch (command_line_read(&line, argc, argv, &first_operand, err,
                              sizeof err)) {
    case COMMAND_LINE_NEXT: break;
    case COMMAND_LINE_DONE: return EXIT_SUCCESS;
    case COMMAND_LINE_REFUSED:
        fprintf(stderr, "th-calibrate: %s\n", err);
        return EXIT_INPUT;
    }
    s->dirs = argv + first_operand;
    s->dir_count = argc - first_operand;
    s->argc = argc;
    s->argv = argv;
    if (s->dir_count == 0) {
        fputs("th-calibrate: no design directory (see --help)\n", stderr);
        return EXIT_INPUT;
    }
    for (int i = 0; i < s->dir_count; i++)
        if (*s->dirs[i] == '\0') {
            fputs("th-calibrate: a design directory: empty path\n", stderr);
            return EXIT_INPUT;
        }
    if (s->reference != NULL && *s->reference == '\0') {
        fputs("th-calibrate: --reference: empty path\n", stderr);
        return EXIT_INPUT;
    }
    if (s->reference == NULL)
        s->reference = default_reference();
    return -1;
}

/* A run's fault model without its fit= item: every rate is written out
 * after it, and the file it named may since have been rewritten. */
static int parse_design_model(const char *text, faultfs_config *config,
                              char *err, size_t err_size)
{
    char *copy = strdup(text ? text : "");
    if (copy == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    char *fit = strstr(copy, ",fit=");
    if (fit) {
        char *end = strchr(fit + 1, ',');
        memmove(fit, end ? end : fit + strlen(fit),
                strlen(end ? end : fit + strlen(fit)) + 1);
    }
    char message[1024] = "";
    int parsed = faultfs_config_parse(copy, config, message, sizeof message);
    free(copy);
    if (parsed != 0) {
        snprintf(err, err_size, "a design run's fault model: %s", message);
        return -1;
    }
    if (strcmp(config->model, "lustre") != 0) {
        snprintf(err, err_size,
                 "a design run ran without the lustre model "
                 "(fault model '%s')",
                 config->model);
        return -1;
    }
    return 0;
}

/* Every design run must have run under the same rates: the fit scales
 * them. */
static int read_design_model(sqlite3 *db, design *d, char *err,
                             size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT dir, fault_model FROM runs ORDER BY "
                       "run_id",
                       -1, &stmt, NULL);
    int rc = 0, runs = 0;
    while (rc == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
        faultfs_config config;
        const char *dir = (const char *)sqlite3_column_text(stmt, 0);
        rc = parse_design_model((const char *)sqlite3_column_text(stmt, 1),
                                &config, err, err_size);
        for (int c = 0; rc == 0 && runs > 0 && c < FAULTFS_CLASS_COUNT; c++)
            if (config.cls[c].probability != d->config.cls[c].probability) {
                snprintf(err, err_size,
                         "%s ran with %s.p=%g, the first "
                         "design run with %g: one design, one set of rates",
                         dir, faultfs_class_name((faultfs_class)c),
                         config.cls[c].probability,
                         d->config.cls[c].probability);
                rc = -1;
            }
        if (rc == 0 && runs++ == 0)
            d->config = config;
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* One integer from a query with one text parameter. */
static long query_long(sqlite3 *db, const char *sql, const char *param)
{
    sqlite3_stmt *stmt = NULL;
    long value = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            value = (long)sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return value;
}

/* The published row of run, and the design's jobs of its profile with
 * their disk I/O errors by group (classified by extended code, as
 * th-report's ioerr class: primary code SQLITE_IOERR). */
static int build_row(sqlite3 *db, const char *run, fit_row *row, long *rounds,
                     char *err, size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    memset(row, 0, sizeof *row);
    sqlite3_prepare_v2(db,
                       "SELECT profile, jobs, jobs_with_disk_io_error "
                       "FROM reference WHERE run = ?1",
                       -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, run, -1, SQLITE_STATIC);
    bool found = sqlite3_step(stmt) == SQLITE_ROW;
    const char *profile =
        found ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    bool fits = found && strlen(run) < sizeof row->run && profile &&
                strlen(profile) < sizeof row->profile;
    if (fits) {
        snprintf(row->run, sizeof row->run, "%s", run);
        snprintf(row->profile, sizeof row->profile, "%s", profile);
        row->published_jobs = (long)sqlite3_column_int64(stmt, 1);
        row->published_failures = (long)sqlite3_column_int64(stmt, 2);
    }
    sqlite3_finalize(stmt);
    if (!found) {
        snprintf(err, err_size, "--fit: no published run '%s'", run);
        return -1;
    }
    if (!fits) {
        snprintf(err, err_size,
                 "--fit: published run '%s': its name or its "
                 "profile's is too long (at most %zu and %zu characters)",
                 run, sizeof row->run - 1, sizeof row->profile - 1);
        return -1;
    }
    row->design_jobs = query_long(db,
                                  "SELECT count(*) FROM jobs WHERE "
                                  "profile = ?1",
                                  row->profile);
    *rounds = query_long(db,
                         "SELECT count(DISTINCT run_id || '/' || round) "
                         "FROM jobs WHERE profile = ?1",
                         row->profile);
    if (row->design_jobs == 0) {
        snprintf(err, err_size,
                 "no design run has jobs of %s (%s): run the "
                 "design with that profile",
                 row->profile, run);
        return -1;
    }
    sqlite3_prepare_v2(db,
                       "SELECT code, count(*) FROM jobs WHERE profile = "
                       "?1 AND outcome = 'failed' AND (code & 255) = 10 "
                       "GROUP BY code",
                       -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, row->profile, -1, SQLITE_STATIC);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        int group = fault_group_of_class(
            fault_class_of_code(sqlite3_column_int(stmt, 0)));
        long jobs = (long)sqlite3_column_int64(stmt, 1);
        if (group < 0)
            row->design_unattributed += jobs;
        else
            row->design_failures[group] += jobs;
    }
    sqlite3_finalize(stmt);
    return 0;
}

/* Has run `run` a row already? */
static bool has_row(const design *d, const char *run)
{
    for (int j = 0; j < d->row_count; j++)
        if (strcmp(d->rows[j].run, run) == 0)
            return true;
    return false;
}

/* The rows of the runs --fit names, each once. */
static int build_rows(sqlite3 *db, const char *list, design *d, char *err,
                      size_t err_size)
{
    char *copy = strdup(list);
    char *save = NULL;
    int rc = copy ? 0 : -1;
    if (copy == NULL)
        snprintf(err, err_size, "out of memory");
    d->row_count = 0;
    for (char *run = copy ? strtok_r(copy, ",", &save) : NULL; run && rc == 0;
         run = strtok_r(NULL, ",", &save)) {
        if (d->row_count == FIT_MAX_ROWS) {
            snprintf(err, err_size, "--fit: at most %d runs", FIT_MAX_ROWS);
            rc = -1;
        } else if (has_row(d, run)) {
            snprintf(err, err_size, "--fit: run '%s' named twice", run);
            rc = -1;
        } else if (build_row(db, run, &d->rows[d->row_count],
                             &d->rounds[d->row_count], err, err_size) < 0) {
            rc = -1;
        } else {
            d->row_count++;
        }
    }
    free(copy);
    if (rc == 0 && d->row_count == 0) {
        snprintf(err, err_size, "--fit: no run named");
        rc = -1;
    }
    return rc;
}

/* "[low, high]", the high end "inf" when unbounded. */
static void format_interval(char *buf, size_t size, double low, double high)
{
    if (isinf(high))
        snprintf(buf, size, "[%.3g, unbounded]", low);
    else
        snprintf(buf, size, "[%.3g, %.3g]", low, high);
}

/* What the fit says of a group. */
static const char *group_status(const fit_result *fit, int g)
{
    return fit->fixed[g]        ? "no: held at the design (--fix)"
           : fit->identified[g] ? "yes"
                                : "no: no fitted row saw it; kept at the "
                                  "design";
}

/* The fit as markdown (prefix "" on stdout) or as # lines (prefix "# "),
 * with the likelihood-ratio test against the full fit when groups were
 * held. */
static void print_fit(FILE *out, const char *prefix, const design *d,
                      const fit_result *fit, const fit_result *full)
{
    fprintf(out,
            "%s| run | profile | design rounds | design jobs "
            "| design I/O errors: sync | meta | data | unattributed "
            "| published | fitted expectation |\n",
            prefix);
    fprintf(out, "%s|---|---|---|---|---|---|---|---|---|---|\n", prefix);
    for (int j = 0; j < d->row_count; j++) {
        const fit_row *r = &d->rows[j];
        fprintf(out,
                "%s| %s | %s | %ld | %ld | %ld | %ld | %ld | %ld "
                "| %ld/%ld | %.2f/%ld |\n",
                prefix, r->run, r->profile, d->rounds[j], r->design_jobs,
                r->design_failures[FAULT_GROUP_SYNC],
                r->design_failures[FAULT_GROUP_META],
                r->design_failures[FAULT_GROUP_DATA], r->design_unattributed,
                r->published_failures, r->published_jobs,
                fit_row_probability(r, fit->scale) * r->published_jobs,
                r->published_jobs);
    }
    fprintf(out,
            "%s\n%s| group | multiplier of the design | 95%% "
            "profile-likelihood interval | fitted |\n%s|---|---|---|---|\n",
            prefix, prefix, prefix);
    for (int g = 0; g < FAULT_GROUP_COUNT; g++) {
        char range[64] = "-";
        if (!fit->fixed[g])
            format_interval(range, sizeof range, fit->low[g], fit->high[g]);
        fprintf(out, "%s| %s | %.4g | %s | %s |\n", prefix,
                fault_group_name(g), fit->scale[g], range,
                group_status(fit, g));
    }
    int df = d->row_count - fit->free_parameters;
    fprintf(out,
            "%s\n%slog-likelihood %.4f (saturated %.4f, deviance %.4f "
            "on %d degree(s) of freedom)\n",
            prefix, prefix, fit->log_likelihood, fit->saturated_log_likelihood,
            2 * (fit->saturated_log_likelihood - fit->log_likelihood),
            df > 0 ? df : 0);
    int held = full->free_parameters - fit->free_parameters;
    if (held > 0) {
        double statistic = 2 * (full->log_likelihood - fit->log_likelihood);
        fprintf(out,
                "%sagainst fitting every group (log-likelihood %.4f, "
                "multipliers",
                prefix, full->log_likelihood);
        for (int g = 0; g < FAULT_GROUP_COUNT; g++)
            fprintf(out, " %s %.4g", fault_group_name(g), full->scale[g]);
        fprintf(out,
                "): likelihood ratio %.4f on %d degree(s) of freedom, "
                "p = %.3f (p >= 0.05: the rows do not need the held "
                "group(s) fitted)\n",
                statistic, held, chi_square_tail(statistic, held));
    }
}

/* Text from the command line or the results into a # line: a line
 * break or another control character, which would end the comment and
 * start a line the model reads, becomes '?'. */
static void put_comment_text(FILE *f, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, f);
}

/* The published runs not fitted, each after a space. */
static void put_held_out(FILE *f, sqlite3 *db, const design *d)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, "SELECT run FROM reference ORDER BY run", -1, &stmt,
                       NULL);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *run = (const char *)sqlite3_column_text(stmt, 0);
        if (run && !has_row(d, run)) {
            fputc(' ', f);
            put_comment_text(f, run);
        }
    }
    sqlite3_finalize(stmt);
}

/* The provenance: when, by what command, from which rows and runs. */
static void write_provenance(FILE *f, sqlite3 *db, const settings *s,
                             const design *d, const fit_result *fit,
                             const fit_result *full)
{
    char when[64];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(f,
            "# The lustre model's fault rates, fitted to the published "
            "matrix by th-calibrate\n# on %s (method: "
            "harness/faultfs/FIDELITY.md).\n# command:",
            when);
    for (int i = 0; i < s->argc; i++) {
        fputc(' ', f);
        put_comment_text(f, s->argv[i]);
    }
    fprintf(f, "\n# fitted rows:");
    for (int j = 0; j < d->row_count; j++) {
        fputc(' ', f);
        put_comment_text(f, d->rows[j].run);
    }
    fprintf(f, "\n# held-out rows:");
    put_held_out(f, db, d);
    fprintf(f, "\n# published column: jobs_with_disk_io_error (a job whose "
               "failing call returned SQLITE_IOERR_*)\n");
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT dir, seed, time_scale, jobs_per_round "
                       "FROM runs ORDER BY run_id",
                       -1, &stmt, NULL);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *dir = (const char *)sqlite3_column_text(stmt, 0);
        fputs("# design run: ", f);
        put_comment_text(f, dir ? dir : "");
        fprintf(f, " (seed %lld, time scale %g, %lld jobs per round)\n",
                sqlite3_column_int64(stmt, 1), sqlite3_column_double(stmt, 2),
                sqlite3_column_int64(stmt, 3));
    }
    sqlite3_finalize(stmt);
    print_fit(f, "# ", d, fit, full);
}

/* The fitted rates, one key=value line per class of a group: the design's
 * rate times its group's multiplier. */
static int write_rates(FILE *f, const design *d, const fit_result *fit,
                       faultfs_config *expected, char *err, size_t err_size)
{
    *expected = d->config;
    for (int g = 0; g < FAULT_GROUP_COUNT; g++) {
        char range[64];
        format_interval(range, sizeof range, fit->low[g], fit->high[g]);
        if (fit->fixed[g])
            fprintf(f, "# %s: the design's rates, not fitted (--fix)\n",
                    fault_group_name(g));
        else
            fprintf(f, "# %s: multiplier %.4g %s of the design's rates\n",
                    fault_group_name(g), fit->scale[g], range);
        for (int c = 0; c < FAULTFS_CLASS_COUNT; c++) {
            if (fault_group_of_class(c) != g)
                continue;
            double p = fit->scale[g] * d->config.cls[c].probability;
            char text[32];
            snprintf(text, sizeof text, "%.6g", p);
            if (strtod(text, NULL) > 1) {
                snprintf(err, err_size,
                         "the fit asks %s.p = %s, above 1: "
                         "the design is too far from the data (run it "
                         "again at the fitted rates)",
                         faultfs_class_name((faultfs_class)c), text);
                return -1;
            }
            expected->cls[c].probability = strtod(text, NULL);
            fprintf(f, "%s.p=%s\n", faultfs_class_name((faultfs_class)c),
                    text);
        }
    }
    return 0;
}

/* Load the written file as the model would, and check it holds the rates
 * meant. */
static int check_written(const char *path, const faultfs_config *expected,
                         char *err, size_t err_size)
{
    faultfs_config loaded;
    faultfs_config_model("lustre", &loaded);
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++)
        loaded.cls[c].probability = expected->cls[c].probability + 1;
    if (faultfs_config_apply_fit(&loaded, path, err, err_size) != 0)
        return -1;
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++)
        if (fault_group_of_class(c) >= 0 &&
            loaded.cls[c].probability != expected->cls[c].probability) {
            snprintf(err, err_size, "%s: %s.p reads back as %g, not %g", path,
                     faultfs_class_name((faultfs_class)c),
                     loaded.cls[c].probability, expected->cls[c].probability);
            return -1;
        }
    return 0;
}

static int write_fit_file(sqlite3 *db, const settings *s, const design *d,
                          const fit_result *fit, const fit_result *full,
                          char *err, size_t err_size)
{
    FILE *f = fopen(s->out, "w");
    if (f == NULL) {
        snprintf(err, err_size, "%s: %s", s->out, strerror(errno));
        return -1;
    }
    faultfs_config expected;
    write_provenance(f, db, s, d, fit, full);
    int rc = write_rates(f, d, fit, &expected, err, err_size);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, err_size, "%s: %s", s->out, strerror(errno));
        rc = -1;
    }
    return rc == 0 ? check_written(s->out, &expected, err, err_size) : -1;
}

static int run(const settings *s)
{
    char err[ERR_MAX] = "";
    sqlite3 *db = NULL;
    static design d;
    fit_result fit, full;
    int status = EXIT_INPUT;
    if (db_open(NULL, &db, err, sizeof err) == 0 &&
        load_reference(db, s->reference, err, sizeof err) == 0) {
        int loaded = 0;
        for (int i = 0; i < s->dir_count && loaded == 0; i++)
            loaded = load_results_dir(db, s->dirs[i], err, sizeof err);
        if (loaded == 0 && read_design_model(db, &d, err, sizeof err) == 0 &&
            build_rows(db, s->rows, &d, err, sizeof err) == 0 &&
            fit_scales(d.rows, d.row_count, s->fixed, &fit, err, sizeof err) ==
                0 &&
            fit_scales(d.rows, d.row_count, NULL, &full, err, sizeof err) ==
                0) {
            print_fit(stdout, "", &d, &fit, &full);
            status = s->out && write_fit_file(db, s, &d, &fit, &full, err,
                                              sizeof err) < 0
                         ? EXIT_OUTPUT
                         : EXIT_SUCCESS;
        }
    }
    if (status != EXIT_SUCCESS)
        fprintf(stderr, "th-calibrate: %s\n", err);
    sqlite3_close(db);
    return status;
}

int main(int argc, char **argv)
{
    settings s = { 0 };
    int status = parse_args(argc, argv, &s);
    return status >= 0 ? status : run(&s);
}
