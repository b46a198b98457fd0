/*
 * th-report: trackhammer's results with intervals, significance, agreement
 * with the published table, attribution and plots.
 */
#include "analysis.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command_line.h"

/* Exit statuses: bad command line or input, and failure to write output. */
#define EXIT_INPUT 2
#define EXIT_OUTPUT 1

static const char usage[] =
    "usage: th-report [options] [RESULTS_DIR...]\n"
    "\n"
    "Loads trackhammer results directories (results/<run-id>/: jobs.csv,\n"
    "rounds.csv, faults.csv, summary.json, faults-round-N.log and, where\n"
    "recorded, ops.csv) and the published reference table into one SQLite\n"
    "database, and prints a markdown report: failures by class per\n"
    "configuration with Wilson 95% intervals (pooled and per repeat),\n"
    "pairwise two-sided Fisher exact tests on the I/O-error counts, the\n"
    "repeats needed to tell two rates apart (normal approximation, alpha\n"
    "0.05, power 80%), agreement with the published rates (the predicted\n"
    "rate with a round-aware interval, Wilson at n / design effect of the\n"
    "rounds; SIGBUS as rounds with one), the failing calls and injected\n"
    "faults, SIGBUS jobs against other nodes' -shm resets, the jobs the\n"
    "harness killed (where each kill landed, what the round's verification\n"
    "found), and per operation its retries, backoff and latency\n"
    "percentiles. Each configuration gets a verdict: safe (no acknowledged\n"
    "update lost, no integrity_check failure, every set-up done; the 95%\n"
    "upper bound of its failure rate stated) or unsafe, and why. Several\n"
    "directories are pooled by configuration (profile, fault model, file\n"
    "system, and what --fs-info told of it); one run given twice is\n"
    "refused. With no directory: the report on the published table alone.\n"
    "Every query is printed at the end.\n"
    "\n"
    "  -r, --reference CSV  the published table; default, the first found of\n"
    "                         " REFERENCE_IN_TREE "\n"
    "                         PREFIX/share/trackhammer/" REFERENCE_NAME "\n"
    "  -d, --db FILE        keep the results database in FILE (replaced if\n"
    "                       th-report made it; default: in memory, or\n"
    "                       DIR/report.db with --out)\n"
    "  -o, --out DIR        (made if missing, its parent must exist) also\n"
    "                       write every table as CSV, report.json,\n"
    "                       queries.sql, report.md and, with gnuplot, the\n"
    "                       plots rates.png/.svg (I/O-error rates, published\n"
    "                       overlaid) and db_time.png/.svg (job database "
    "time)\n"
    "  -c, --compare        also put each profile run under a fault model\n"
    "                       beside the same profile run with none (a real\n"
    "                       file system, e.g. th-realfs's runs), failure by\n"
    "                       failure, with what the model attributes each to;\n"
    "                       both kinds of run must be given\n"
    "  -h, --help           this text\n"
    "\n"
    "Exit status: 0 done, 2 bad command line or input (the message names the\n"
    "file and line), 1 output could not be written.\n";

typedef struct settings {
    const char *reference;
    const char *db_path;
    const char *out_dir;
    char **dirs;
    int dir_count;
    bool compare;
} settings;

static const struct option long_options[] = {
    { "reference", required_argument, NULL, 'r' },
    { "db", required_argument, NULL, 'd' },
    { "out", required_argument, NULL, 'o' },
    { "compare", no_argument, NULL, 'c' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* One option and its value into the settings (command_line.h). */
static command_line_step apply_option(void *settings_record, int option,
                                      const char *value, char *err,
                                      size_t err_size)
{
    settings *s = settings_record;
    switch (option) {
    case 'h': fputs(usage, stdout); return COMMAND_LINE_DONE;
    case 'c': s->compare = true; return COMMAND_LINE_NEXT;
    }
    const struct option *o = long_options;
    while (o->val != option)
        o++;
    if (*value == '\0') {
        snprintf(err, err_size, "an empty path after '--%s' (see --help)",
                 o->name);
        return COMMAND_LINE_REFUSED;
    }
    const char **path = option == 'r'   ? &s->reference
                        : option == 'd' ? &s->db_path
                                        : &s->out_dir;
    *path = value;
    return COMMAND_LINE_NEXT;
}

/* 0 to go on, or the exit status to stop with. */
static int parse_args(int argc, char **argv, settings *s)
{
    char err[1024];
    int first_operand;
    command_line line = { long_options, apply_option, s, true };
    switch (command_line_read(&line, argc, argv, &first_operand, err,
                              sizeof err)) {
    case COMMAND_LINE_NEXT: break;
    case COMMAND_LINE_DONE: return EXIT_SUCCESS;
    case COMMAND_LINE_REFUSED:
        fprintf(stderr, "th-report: %s\n", err);
        return EXIT_INPUT;
    }
    s->dirs = argv + first_operand;
    s->dir_count = argc - first_operand;
    if (s->reference == NULL)
        s->reference = default_reference();
    return -1;
}

static int load_all(sqlite3 *db, const settings *s, char *err, size_t err_size)
{
    if (load_reference(db, s->reference, err, err_size) < 0)
        return -1;
    for (int i = 0; i < s->dir_count; i++)
        if (load_results_dir(db, s->dirs[i], err, err_size) < 0)
            return -1;
    return 0;
}

/* --out: the files, the markdown again, and the plots. */
static int write_outputs(sqlite3 *db, const settings *s, const char *db_name,
                         char *err, size_t err_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/report.md", s->out_dir);
    FILE *md = fopen(path, "w");
    if (md == NULL) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = report_markdown(db, md, db_name, s->compare, err, err_size);
    if (fclose(md) != 0 && rc == 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc < 0 || output_write(db, s->out_dir, err, err_size) < 0)
        return -1;
    int drawn = plots_write(db, s->out_dir, err, err_size);
    if (drawn < 0)
        return -1;
    if (drawn == 0)
        fprintf(stderr, "th-report: gnuplot not found, no plots "
                        "(sudo apt-get install gnuplot-nox)\n");
    return 0;
}

/* --out DIR: an existing directory, or made here, its parent only if it
 * exists (no mkdir -p: no directory the user did not name). 0, or the
 * exit status, with the message printed. */
static int make_out_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        fprintf(stderr,
                "th-report: --out %s: exists and is not a "
                "directory\n",
                dir);
        return EXIT_INPUT;
    }
    if (mkdir(dir, 0777) == 0)
        return 0;
    if (errno == ENOENT || errno == ENOTDIR) {
        fprintf(stderr,
                "th-report: --out %s: its parent directory does "
                "not exist (th-report makes only the last "
                "directory)\n",
                dir);
        return EXIT_INPUT;
    }
    fprintf(stderr, "th-report: --out %s: %s\n", dir, strerror(errno));
    return EXIT_OUTPUT;
}

static int run(const settings *s)
{
    char err[ERR_MAX] = "", db_file[4096];
    const char *db_name = s->db_path;
    int made = s->out_dir ? make_out_dir(s->out_dir) : 0;
    if (made != 0)
        return made;
    if (db_name == NULL && s->out_dir) {
        snprintf(db_file, sizeof db_file, "%s/report.db", s->out_dir);
        db_name = db_file;
    }
    sqlite3 *db = NULL;
    int status = EXIT_SUCCESS;
    if (db_open(db_name, &db, err, sizeof err) < 0 ||
        load_all(db, s, err, sizeof err) < 0)
        status = EXIT_INPUT;
    else if (report_build(db, err, sizeof err) < 0)
        status = EXIT_OUTPUT;
    else if (s->compare && report_check_compare(db, err, sizeof err) < 0)
        status = EXIT_INPUT;
    else if (report_markdown(db, stdout, db_name, s->compare, err,
                             sizeof err) < 0 ||
             (s->out_dir &&
              write_outputs(db, s, db_name, err, sizeof err) < 0))
        status = EXIT_OUTPUT;
    if (status != EXIT_SUCCESS)
        fprintf(stderr, "th-report: %s\n", err);
    sqlite3_close(db);
    return status;
}

int main(int argc, char **argv)
{
    settings s = { 0 };
    int status = parse_args(argc, argv, &s);
    return status >= 0 ? status : run(&s);
}
