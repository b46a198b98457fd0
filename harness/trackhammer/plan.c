/*
 * plan.c: --prepare, the batch driver of the single-job topology, and the
 * plan it leaves for the jobs and the merge.
 *
 * The batch driver makes the fresh database (every task, a PBS job id for
 * each) exactly as an MPI round's rank 0 does, then a run directory
 * OUTPUT/<run-id>/ holding `plan`: the driver's own command line, one
 * argument a line, with the seed it drew and the absolute database and
 * output directories appended. Every later step parses the plan as the
 * driver parsed its command line, so N jobs on N nodes and the merge run
 * with one set of options, and nothing about an option is restated.
 */
#include "trackhammer.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PLAN_MAGIC "trackhammer-plan 1"
#define PLAN_MAX_ARGS 256

/* An absolute path for `path`, so jobs started elsewhere find it. */
static bool absolute(char *path, size_t size, char *err, size_t err_size)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL || strlen(real) > 400) {
        text_format(err, err_size, "cannot resolve '%s': %s", path,
                    strerror(errno));
        return false;
    }
    text_format(path, size, "%s", real);
    return true;
}

/* RUN_DIR/plan: the magic line, then one argument a line. */
static bool write_plan(const options *o, const char *run_dir, int argc,
                       char **argv, char *err, size_t err_size)
{
    char path[TEXT_MAX + 16];
    text_format(path, sizeof path, "%s/plan", run_dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        text_format(err, err_size, "cannot write '%s': %s", path,
                    strerror(errno));
        return false;
    }
    fprintf(f, "%s\n", PLAN_MAGIC);
    for (int i = 1; i < argc; i++)
        fprintf(f, "%s\n", argv[i]);
    /* Later options win: the drawn seed and the absolute directories. */
    fprintf(f, "--seed\n%llu\n--db-dir\n%s\n--output\n%s\n",
            (unsigned long long)o->seed, o->db_dir, o->output_dir);
    bool ok = fclose(f) == 0;
    if (!ok)
        text_format(err, err_size, "cannot write '%s'", path);
    return ok;
}

/* Arguments are written a line each, so none may hold a newline. */
static bool arguments_fit_lines(int argc, char **argv, char *err,
                                size_t err_size)
{
    if (argc + 6 > PLAN_MAX_ARGS) {
        text_format(err, err_size,
                    "--prepare: too many arguments (at most "
                    "%d)",
                    PLAN_MAX_ARGS - 6);
        return false;
    }
    for (int i = 1; i < argc; i++)
        if (strchr(argv[i], '\n')) {
            text_format(err, err_size,
                        "--prepare: an argument holds a "
                        "newline");
            return false;
        }
    return true;
}

int plan_prepare(options *o, int argc, char **argv)
{
    char err[TEXT_MAX] = "";
    if (!arguments_fit_lines(argc, argv, err, sizeof err) ||
        !options_check_paths(o, err, sizeof err) ||
        !workload_ready(o, err, sizeof err) ||
        !absolute(o->db_dir, sizeof o->db_dir, err, sizeof err)) {
        fprintf(stderr, "trackhammer: %s\n", err);
        return 2;
    }
    db_claim claim;
    int claimed =
        db_dir_claim(o->db_dir, "single-job", &claim, err, sizeof err);
    if (claimed == 0 &&
        (!make_directory(o->output_dir, "output directory", err, sizeof err) ||
         !absolute(o->output_dir, sizeof o->output_dir, err, sizeof err))) {
        db_dir_release(&claim);
        claimed = 2;
    }
    if (claimed != 0) {
        fprintf(stderr, "trackhammer: %s\n", err);
        return claimed;
    }
    environment env;
    environment_probe(o->db_dir, &env);
    if (!o->simulate && env.fs_is_local)
        fprintf(stderr,
                "trackhammer: warning: %s is a local file system and "
                "no fault model is active: Lustre behaviour will not "
                "appear\n",
                env.fs_type);
    char db_path[TEXT_MAX + 32], run_dir[TEXT_MAX], jobs_dir[TEXT_MAX + 8];
    database_path(o, db_path, sizeof db_path);
    tracker_error setup_error;
    int rc = database_prepare(o, &o->profiles[0], db_path, &setup_error);
    if (rc != SQLITE_OK) {
        char text[TEXT_MAX];
        tracker_error_format(&setup_error, text, sizeof text);
        text_format(err, sizeof err,
                    "%s: the batch driver could not set up "
                    "'%s': %s",
                    rc < 0 ? "harness error" : "set-up failed", db_path,
                    rc < 0 ? setup_error.message : text);
    }
    bool ok = rc == SQLITE_OK &&
              results_new_dir(o, run_dir, sizeof run_dir, err, sizeof err) &&
              db_dir_claim_name_run(&claim, run_dir, 0, err, sizeof err) == 0;
    if (ok) {
        text_format(jobs_dir, sizeof jobs_dir, "%s/jobs", run_dir);
        ok = make_directory(jobs_dir, "jobs directory", err, sizeof err) &&
             write_plan(o, run_dir, argc, argv, err, sizeof err);
    }
    if (!ok) {
        fprintf(stderr, "trackhammer: %s\n", err);
        db_dir_release(&claim);
        return 1;
    }
    /* The run holds the directory until its --merge. */
    db_dir_keep(&claim);
    if (!o->quiet)
        fprintf(stderr,
                "trackhammer: prepared %d job(s) of %s in %s (%s); "
                "seed %llu; run directory:\n",
                o->jobs, o->profiles[0].name, db_path, env.fs_type,
                (unsigned long long)o->seed);
    printf("%s\n", run_dir);
    return 0;
}

/* The plan's arguments, after the magic line; argv[0] is the program. */
static int read_plan(const char *path, char **argv, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        text_format(err, err_size,
                    "no plan at '%s' (%s): give the run "
                    "directory that --prepare printed",
                    path, strerror(errno));
        return -1;
    }
    char line[TEXT_MAX * 2];
    int argc = 0;
    bool magic = fgets(line, sizeof line, f) &&
                 strncmp(line, PLAN_MAGIC "\n", sizeof PLAN_MAGIC) == 0;
    argv[argc++] = strdup("trackhammer");
    while (magic && argc < PLAN_MAX_ARGS - 1 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        argv[argc++] = strdup(line);
    }
    argv[argc] = NULL;
    fclose(f);
    if (!magic)
        text_format(err, err_size, "'%s' is not a trackhammer plan", path);
    return magic ? argc : -1;
}

bool plan_load(const options *step, options *o, char *err, size_t err_size)
{
    char path[TEXT_MAX + 16];
    text_format(path, sizeof path, "%s/plan", step->run_dir);
    char *argv[PLAN_MAX_ARGS] = { NULL };
    int argc = read_plan(path, argv, err, err_size);
    if (argc < 0) {
        free(argv[0]);
        return false;
    }
    char *said = NULL;
    size_t said_size = 0;
    FILE *out = open_memstream(&said, &said_size);
    parse_result parsed =
        out ? parse_options(argc, argv, o, out, err, err_size)
            : PARSE_EXIT_USAGE;
    if (out)
        fclose(out);
    free(said);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    if (parsed != PARSE_RUN || o->mode != MODE_PREPARE) {
        char reason[TEXT_MAX];
        text_format(reason, sizeof reason, "%s", err);
        text_format(err, err_size, "the plan '%s' does not parse: %s", path,
                    reason);
        return false;
    }
    o->mode = step->mode;
    o->single_job_index = step->single_job_index;
    o->quiet = o->quiet || step->quiet;
    text_format(o->run_dir, sizeof o->run_dir, "%s", step->run_dir);
    return true;
}
