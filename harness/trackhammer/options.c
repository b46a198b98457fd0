/*
 * options.c: the command line, as one table.
 *
 * Every option is a row: its names, its argument, its default and its help
 * line. --help prints the table; the parser walks it; nothing about an
 * option is written twice. Numbers are parsed strictly (a trailing "x" is
 * an error, not ignored), and any error is one line naming the option and
 * the value, so `trackhammer` exits with status 2 before a rank does work.
 */
#include "trackhammer.h"

#include <sqlite3.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "command_line.h"

#define FIT_FILE "lustre-fitted.conf"

typedef enum arg_kind {
    ARG_NONE,
    ARG_INT,
    ARG_SECONDS,
    ARG_REAL,
    ARG_TEXT
} arg_kind;

/* Options of the single-job topology have no short form: ids above any
 * character. */
enum {
    ID_PREPARE = 256,
    ID_SINGLE_JOB,
    ID_RUN_DIR,
    ID_MERGE,
    ID_KILL_AT,
    ID_VERIFY_DIR,
    ID_FS_INFO,
    ID_DURING_ROUND,
    ID_WORKLOAD,
    ID_LIST_WORKLOADS,
    ID_WRITES,
    ID_PYTHON
};

struct option_row {
    const char *name;
    int short_name; /* the getopt id: a letter, or an ID_* above */
    arg_kind kind;
    const char *metavar;
    const char *default_text;
    const char *help;
};

/* The table: the order of --help. */
static const struct option_row rows[] = {
    { "jobs", 'n', ARG_INT, "N", "one per rank",
      "batch jobs per round; more jobs than ranks is fine" },
    { "matrix", 'm', ARG_TEXT, "NAME", "-",
      "run a published matrix: gadi71 (every profile with a published "
      "run, test_1..test_5, as --list-profiles marks them)" },
    { "profiles", 'p', ARG_TEXT, "A,B,...", "gadi71's five",
      "tracker profiles to run, in order (see --list-profiles)" },
    { "profile", 'P', ARG_TEXT, "NAME,KEY=V,...", "-",
      "add one profile with knob overrides (repeatable), e.g. "
      "delete-off,attempts=3" },
    { "repeat", 'r', ARG_INT, "R", "1", "rounds per profile" },
    { "fault-model", 'f', ARG_TEXT, "MODEL[,K=V...]", "none",
      "none (real file system, nothing simulated) or lustre, with overrides "
      "in faultfs syntax, e.g. lustre,sync.p=0.05; lustre takes its fitted "
      "parameters from " FIT_FILE " beside trackhammer (or "
      "../share/trackhammer/) unless given fit=PATH, or fit=none for the "
      "unfitted table (harness/faultfs/FIDELITY.md)" },
    { "sim-nodes", 'K', ARG_INT, "K", "one per job",
      "simulated nodes for the fault model; jobs are placed round-robin" },
    { "time-scale", 't', ARG_REAL, "X", "1 (0.1 with a fault model)",
      "real seconds per model second, for every clock at once: backoff, "
      "work, start jitter, walltime, monitor polling and the fault model" },
    { "seed", 's', ARG_INT, "N", "from the clock (printed)",
      "seed for fault draws, start jitter and kills: same seed, same round" },
    { "walltime", 'w', ARG_SECONDS, "SECONDS", "600",
      "model seconds a job may run before it is killed (never less than 5 "
      "real seconds)" },
    { "work", 'W', ARG_SECONDS, "SECONDS", "10",
      "model seconds of work between mark_running and mark_completed" },
    { "start-jitter", 'j', ARG_SECONDS, "SECONDS", "1",
      "each job waits uniform [0, SECONDS) model seconds after the start "
      "barrier" },
    { "monitor-interval", 'M', ARG_SECONDS, "SECONDS", "5",
      "model seconds between the monitor's polls" },
    { "kill-rate", 'k', ARG_REAL, "P", "0",
      "probability that a job is SIGKILLed, where --kill-at says" },
    { "kill-at", ID_KILL_AT, ARG_TEXT, "life|write", "life",
      "where --kill-rate's SIGKILLs land: life, a random moment of the "
      "job's life (mostly outside its short tracker calls); write, a "
      "random one of its database file writes, syncs, truncates and "
      "deletes (counted by the fault VFS, also with --fault-model none), "
      "so inside a write transaction (or a rollback or checkpoint), "
      "between journal and database writes included. The call is drawn "
      "from the seed; built-in jobs only" },
    { "start-from", 'S', ARG_TEXT, "fresh|wal", "fresh",
      "wal: each round starts from a WAL database with frames not yet "
      "checkpointed (the migration case)" },
    { "db-dir", 'd', ARG_TEXT, "DIR", "./trackhammer-db",
      "existing directory for the shared database: on a cluster, on the "
      "shared file system under test" },
    { "output", 'o', ARG_TEXT, "DIR", "results",
      "results go to DIR/<run-id>/" },
    { "experiment", 'e', ARG_TEXT, "NAME", "historical",
      "experiment_id of every task" },
    { "workload", ID_WORKLOAD, ARG_TEXT, "NAME", "tracker",
      "whose code each job runs, what counts as an acknowledged write and "
      "how a round is verified: tracker (the C tracker), or another tool's "
      "own code hammered unchanged (--list-workloads)" },
    { "writes", ID_WRITES, ARG_INT, "N", "5",
      "writes each job of a many-write workload makes: Optuna's trials, "
      "IPython's inputs (at most 50)" },
    { "python", ID_PYTHON, ARG_TEXT, "PATH", "python3",
      "the Python that runs a Python workload, with the tool installed" },
    { "job-cmd", 'c', ARG_TEXT, "CMD", "-",
      "run CMD (via /bin/sh -c) as each job instead of the built-in C job; "
      "see harness/jobs/CONTRACT.md" },
    { "faultfs-ext", 'x', ARG_TEXT, "PATH", "faultfs.so beside trackhammer",
      "the fault model as a loadable extension, for --job-cmd jobs" },
    { "fault-before", 'F', ARG_TEXT, "OP:CLASS:N", "-",
      "with a fault model, fail the next N calls of CLASS as each job starts "
      "tracker call OP (e.g. get_status:read:1): a fault placed exactly, for "
      "tests and replays" },
    { "verify-dir", ID_VERIFY_DIR, ARG_TEXT, "DIR", "the database directory",
      "verify each round through DIR: the database directory as another "
      "client of the same file system sees it, one no job used, so one "
      "node's stale cache can neither hide nor invent a loss (th-realfs "
      "gives its verifying mount)" },
    { "fs-info", ID_FS_INFO, ARG_TEXT, "FILE", "-",
      "'key: value' lines about the file system (th-realfs writes them: "
      "version, preset, client and volume options, faults, nodes), printed "
      "in the header and kept in summary.json's file_system_info" },
    { "during-round", ID_DURING_ROUND, ARG_TEXT, "CMD", "-",
      "rank 0 runs CMD (via /bin/sh -c) as each round's jobs start, with "
      "TRACKHAMMER_ROUND, TRACKHAMMER_PROFILE and TRACKHAMMER_RUN_DIR set, "
      "its output in RUN_DIR/during-round.log; ended with the round (e.g. "
      "th-realfs's server outages); how it ended is in rounds.csv" },
    { "prepare", ID_PREPARE, ARG_NONE, NULL, "-",
      "single-job topology, step 1, the batch driver (pbs/submit-jobs.sh "
      "runs it): a fresh database with every task, and a run directory "
      "OUTPUT/<run-id>/ holding the plan (these options); prints the run "
      "directory. Needs --jobs and one profile" },
    { "single-job", ID_SINGLE_JOB, ARG_TEXT, "INDEX", "-",
      "step 2, one batch job (0 <= INDEX < jobs): lives one job's life "
      "against the prepared database, no MPI, and leaves its record in "
      "RUN_DIR/jobs/; every other option comes from the plan" },
    { "run-dir", ID_RUN_DIR, ARG_TEXT, "RUN_DIR", "-",
      "the run directory --prepare printed, for --single-job" },
    { "merge", ID_MERGE, ARG_TEXT, "RUN_DIR", "-",
      "step 3, after every job (afterany): verify the database against "
      "every job's record and write the usual results into RUN_DIR" },
    { "list-profiles", 'L', ARG_NONE, NULL, "-",
      "print the profiles and exit: per profile, a line NAME RUN "
      "DESCRIPTION (RUN its published run, or -) and an indented line "
      "with every knob" },
    { "list-workloads", ID_LIST_WORKLOADS, ARG_NONE, NULL, "-",
      "print the workloads and exit: per workload its name, the Python "
      "module it needs, and what a job does, acknowledges and is held to" },
    { "quiet", 'q', ARG_NONE, NULL, "-", "no progress lines on stderr" },
    { "version", 'V', ARG_NONE, NULL, "-", "print the version and exit" },
    { "help", 'h', ARG_NONE, NULL, "-", "print this help and exit" },
};
#define ROW_COUNT (sizeof rows / sizeof rows[0])

static void print_help(FILE *out)
{
    fprintf(
        out,
        "trackhammer %s: N MPI ranks play N batch jobs against one shared "
        "SQLite\ntracking database, across tracker profiles, and verify what "
        "is left.\n\nUsage: mpirun -np N trackhammer [options]\n\n",
        TRACKHAMMER_VERSION);
    for (size_t i = 0; i < ROW_COUNT; i++) {
        char left[64], short_form[8] = "    ";
        if (rows[i].short_name < ID_PREPARE)
            snprintf(short_form, sizeof short_form, "-%c, ",
                     rows[i].short_name);
        snprintf(left, sizeof left, "%s--%s%s%s", short_form, rows[i].name,
                 rows[i].metavar ? " " : "",
                 rows[i].metavar ? rows[i].metavar : "");
        fprintf(out, "  %-34s %s", left, rows[i].help);
        if (strcmp(rows[i].default_text, "-") != 0)
            fprintf(out, " [default: %s]", rows[i].default_text);
        fputc('\n', out);
    }
    fprintf(
        out,
        "\nExamples:\n"
        "  # the published matrix, locally, under the Lustre fault model\n"
        "  mpirun --oversubscribe -np 71 trackhammer --matrix gadi71 "
        "--fault-model lustre --repeat 5\n"
        "  # on a cluster: real Lustre, nothing simulated\n"
        "  mpirun -np 71 trackhammer --matrix gadi71 --db-dir "
        "/scratch/$PROJECT/$USER/th\n"
        "  # two custom profiles, 200 jobs on 4 ranks\n"
        "  mpirun -np 4 trackhammer -n 200 -P delete-off,attempts=3 "
        "-P hardened,sync=off -f lustre\n"
        "  # single-job topology: one batch job per task "
        "(pbs/submit-jobs.sh)\n"
        "  RUN=$(trackhammer --prepare -n 71 -p delete-off -d DIR)\n"
        "  trackhammer --single-job 0 --run-dir $RUN   # ... one per job\n"
        "  trackhammer --merge $RUN\n"
        "\nOutput: a table in the published format on stdout; progress on "
        "stderr;\njobs.csv, rounds.csv, faults.csv and summary.json in "
        "DIR/<run-id>/ (summary.json rewritten after every round).\n"
        "Exit status: 0 the run ran to its end (whatever its jobs did, set-up "
        "failures\nincluded); 1 it could not run, or a harness error (fork, "
        "results files)\nstopped it; 2 bad command line, or the database "
        "directory refused (held by\nanother run, or holding a database "
        "trackhammer did not make); 128+N\ninterrupted by signal N (SIGINT, "
        "SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGXCPU):\nthe rounds that "
        "completed are recorded.\n");
}

static void print_profiles(FILE *out)
{
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *p = tracker_profile_at(i);
        char line[TEXT_MAX];
        tracker_profile_describe(p, line, sizeof line);
        fprintf(out, "%-24s %-7s %s\n  %s\n", p->name,
                p->published_run[0] ? p->published_run : "-", p->description,
                line);
    }
}

static bool add_profile(options *o, const char *spec, char *err,
                        size_t err_size)
{
    if (o->profile_count == MAX_PROFILES) {
        snprintf(err, err_size, "too many profiles (at most %d)",
                 MAX_PROFILES);
        return false;
    }
    if (tracker_profile_parse(spec, &o->profiles[o->profile_count], err,
                              err_size) != 0)
        return false;
    o->profile_count++;
    return true;
}

/* --profiles a,b,c: plain names, comma separated. */
static bool add_profile_list(options *o, const char *list, char *err,
                             size_t err_size)
{
    char *copy = strdup(list);
    bool ok = copy != NULL;
    char *save = NULL;
    for (char *name = copy ? strtok_r(copy, ",", &save) : NULL; ok && name;
         name = strtok_r(NULL, ",", &save))
        ok = add_profile(o, name, err, err_size);
    if (ok && o->profile_count == 0) {
        snprintf(err, err_size, "--profiles: no profile named");
        ok = false;
    }
    free(copy);
    return ok;
}

/* OP:CLASS:N, each part by name. */
static bool parse_fault_before(options *o, const char *arg, char *err,
                               size_t err_size)
{
    char op[64], cls[32];
    long n = 0;
    char count[32];
    if (sscanf(arg, "%63[^:]:%31[^:]:%31s", op, cls, count) != 3 ||
        !tracker_parse_whole(count, 1, 1000000, &n)) {
        snprintf(err, err_size, "--fault-before: '%s' is not OP:CLASS:N", arg);
        return false;
    }
    tracker_op placed_op;
    o->fault_before_op = tracker_op_find(op, &placed_op) ? (int)placed_op : -1;
    faultfs_class placed_class;
    int found =
        faultfs_class_find(cls, &placed_class) ? (int)placed_class : -1;
    if (o->fault_before_op < 0 || found < 0) {
        snprintf(err, err_size, "--fault-before: unknown %s in '%s'",
                 o->fault_before_op < 0 ? "tracker call" : "fault class", arg);
        return false;
    }
    o->fault_before_class = (faultfs_class)found;
    o->fault_before_count = (int)n;
    return true;
}

static void set_defaults(options *o)
{
    memset(o, 0, sizeof *o);
    o->repeat = 1;
    snprintf(o->fault_model, sizeof o->fault_model, "none");
    o->time_scale = -1; /* decided once the fault model is known */
    o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    o->walltime_s = 600;
    o->work_s = 10;
    o->start_jitter_s = 1;
    o->monitor_interval_s = 5;
    snprintf(o->db_dir, sizeof o->db_dir, "./trackhammer-db");
    snprintf(o->output_dir, sizeof o->output_dir, "results");
    snprintf(o->experiment, sizeof o->experiment, "historical");
    o->fault_before_op = -1;
    o->workload = workload_find("tracker");
    o->writes = 5;
    snprintf(o->python, sizeof o->python, "python3");
}

/* One topology step per command: --prepare, --single-job and --merge
 * exclude each other. */
static bool set_mode(options *o, run_mode mode, char *err, size_t err_size)
{
    if (o->mode != MODE_MPI && o->mode != mode) {
        snprintf(err, err_size,
                 "--prepare, --single-job and --merge are "
                 "steps of their own: give one");
        return false;
    }
    o->mode = mode;
    return true;
}

/* An option that takes one of two words: *second says which it got;
 * false with a message naming both on any other. */
static bool pick_one_of_two(const struct option_row *row, const char *arg,
                            const char *first, const char *second_word,
                            bool *second, char *err, size_t err_size)
{
    *second = strcmp(arg, second_word) == 0;
    if (*second || strcmp(arg, first) == 0)
        return true;
    snprintf(err, err_size, "--%s: '%s' is neither %s nor %s", row->name, arg,
             first, second_word);
    return false;
}

/* An option's text into its field, whole, or refused: a path or command
 * cut short would name another file or run another command. */
static bool copy_text(char *field, size_t size, const struct option_row *row,
                      const char *arg, char *err, size_t err_size)
{
    size_t n = strlen(arg);
    if (n >= size) {
        snprintf(err, err_size,
                 "--%s: %zu characters, more than the %zu "
                 "it takes",
                 row->name, n, size - 1);
        return false;
    }
    memcpy(field, arg, n + 1);
    return true;
}

/* Apply one parsed option; false with a message on a bad value. */
static bool apply(options *o, const struct option_row *row, const char *arg,
                  char *err, size_t err_size)
{
    long n = 0;
    double x = 0;
    bool second = false;
    int name = row->short_name;
    if (name != ID_RUN_DIR && name != ID_SINGLE_JOB && name != ID_MERGE &&
        name != 'q')
        o->plan_options++;
    if (row->kind == ARG_INT) {
        long hi = name == 's'         ? LONG_MAX
                  : name == ID_WRITES ? WORKLOAD_MAX_WRITES
                                      : 1000000;
        if (!tracker_parse_whole(arg, name == 's' ? 0 : 1, hi, &n)) {
            if (name == 's')
                snprintf(err, err_size,
                         "--%s: '%s' is not a whole number >= 0", row->name,
                         arg);
            else
                snprintf(err, err_size,
                         "--%s: '%s' is not a whole number from 1 to %ld",
                         row->name, arg, hi);
            return false;
        }
    } else if (row->kind == ARG_SECONDS || row->kind == ARG_REAL) {
        double hi = (name == 'k') ? 1 : 1e7;
        double lo = (name == 't') ? 1e-6 : 0;
        if (!tracker_parse_real(arg, lo, hi, &x)) {
            snprintf(err, err_size, "--%s: '%s' is not a number from %g to %g",
                     row->name, arg, lo, hi);
            return false;
        }
    }
    switch (name) {
    case 'n': o->jobs = (int)n; break;
    case 'm':
        if (strcmp(arg, "gadi71") != 0) {
            snprintf(err, err_size,
                     "--matrix: unknown matrix '%s' (known: "
                     "gadi71)",
                     arg);
            return false;
        }
        snprintf(o->matrix, sizeof o->matrix, "%s", arg);
        break;
    case 'p': return add_profile_list(o, arg, err, err_size);
    case 'P': return add_profile(o, arg, err, err_size);
    case 'r': o->repeat = (int)n; break;
    case 'f':
        return copy_text(o->fault_model, sizeof o->fault_model, row, arg, err,
                         err_size);
    case 'K': o->sim_nodes = (int)n; break;
    case 't': o->time_scale = x; break;
    case 's': o->seed = (uint64_t)n; break;
    case 'w': o->walltime_s = x; break;
    case 'W': o->work_s = x; break;
    case 'j': o->start_jitter_s = x; break;
    case 'M': o->monitor_interval_s = x; break;
    case 'k': o->kill_rate = x; break;
    case 'S':
        if (!pick_one_of_two(row, arg, "fresh", "wal", &second, err, err_size))
            return false;
        o->start = second ? START_WAL : START_FRESH;
        break;
    case ID_KILL_AT:
        if (!pick_one_of_two(row, arg, "life", "write", &second, err,
                             err_size))
            return false;
        o->kill_at = second ? KILL_AT_WRITE : KILL_AT_LIFE;
        break;
    case 'd':
        return copy_text(o->db_dir, sizeof o->db_dir, row, arg, err, err_size);
    case 'o':
        return copy_text(o->output_dir, sizeof o->output_dir, row, arg, err,
                         err_size);
    case 'e':
        return copy_text(o->experiment, sizeof o->experiment, row, arg, err,
                         err_size);
    case 'c':
        return copy_text(o->job_cmd, sizeof o->job_cmd, row, arg, err,
                         err_size);
    case ID_WORKLOAD:
        o->workload = workload_find(arg);
        if (o->workload == NULL) {
            text_format(err, err_size,
                        "--workload: unknown workload '%s' (see "
                        "--list-workloads)",
                        arg);
            return false;
        }
        break;
    case ID_WRITES: o->writes = (int)n; break;
    case ID_PYTHON:
        return copy_text(o->python, sizeof o->python, row, arg, err, err_size);
    case 'x':
        return copy_text(o->faultfs_ext, sizeof o->faultfs_ext, row, arg, err,
                         err_size);
    case ID_VERIFY_DIR:
        return copy_text(o->verify_dir, sizeof o->verify_dir, row, arg, err,
                         err_size);
    case ID_FS_INFO:
        return copy_text(o->fs_info_path, sizeof o->fs_info_path, row, arg,
                         err, err_size);
    case ID_DURING_ROUND:
        return copy_text(o->during_round, sizeof o->during_round, row, arg,
                         err, err_size);
    case 'q': o->quiet = true; break;
    case 'F': return parse_fault_before(o, arg, err, err_size);
    case ID_PREPARE: return set_mode(o, MODE_PREPARE, err, err_size);
    case ID_SINGLE_JOB:
        /* The mode first: a bad index is then a step's error, said
         * without starting MPI. */
        if (!set_mode(o, MODE_SINGLE_JOB, err, err_size))
            return false;
        if (!tracker_parse_whole(arg, 0, 1000000, &n)) {
            snprintf(err, err_size,
                     "--single-job: '%s' is not a job index "
                     "from 0",
                     arg);
            return false;
        }
        o->single_job_index = (int)n;
        return true;
    case ID_RUN_DIR:
    case ID_MERGE:
        if (!copy_text(o->run_dir, sizeof o->run_dir, row, arg, err, err_size))
            return false;
        return name == ID_RUN_DIR || set_mode(o, MODE_MERGE, err, err_size);
    default: break;
    }
    return true;
}

/* The command line as one string, for summary.json; one too long for
 * its field keeps its start and says how much was cut. */
static void record_command_line(options *o, int argc, char **argv)
{
    size_t used = 0, total = 0, size = sizeof o->command_line;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + (i ? 1 : 0);
        total += n;
        if (used == total - n && used + n < size - 64) {
            snprintf(o->command_line + used, size - used, "%s%s", i ? " " : "",
                     argv[i]);
            used += n;
        }
    }
    if (used < total)
        snprintf(o->command_line + used, size - used,
                 " ...[%zu more characters]", total - used);
}

/* What each step of the single-job topology needs. --prepare fixes every
 * option of the run in its plan, so the later steps take none but their
 * own; one round of one profile, since the jobs of a round share one
 * database and are released together. */
static bool check_mode(const options *o, char *err, size_t err_size)
{
    switch (o->mode) {
    case MODE_PREPARE:
        if (o->jobs == 0 || o->profile_count != 1 || o->matrix[0] ||
            o->repeat != 1) {
            snprintf(err, err_size,
                     "--prepare runs one round of one "
                     "profile: give --jobs N and one --profiles NAME (and "
                     "no --matrix or --repeat; submit again for another)");
            return false;
        }
        /* Its jobs start one by one as the batch system runs them: no
         * moment for a command beside them, and the merge verifies where
         * the jobs wrote. */
        if (o->verify_dir[0] || o->during_round[0]) {
            snprintf(err, err_size,
                     "--verify-dir and --during-round are "
                     "for a run under mpirun, not the single-job topology");
            return false;
        }
        return true;
    case MODE_SINGLE_JOB:
    case MODE_MERGE:
        if (o->mode == MODE_SINGLE_JOB && o->run_dir[0] == '\0') {
            snprintf(err, err_size,
                     "--single-job needs --run-dir RUN_DIR "
                     "(the directory --prepare printed)");
            return false;
        }
        if (o->plan_options > 0) {
            snprintf(err, err_size,
                     "%s takes every other option from the "
                     "plan --prepare wrote: give only --run-dir and --quiet",
                     o->mode == MODE_MERGE ? "--merge" : "--single-job");
            return false;
        }
        return true;
    default:
        if (o->run_dir[0]) {
            snprintf(err, err_size, "--run-dir belongs with --single-job");
            return false;
        }
        return true;
    }
}

/* The directory this program was started from, via /proc/self/exe; ""
 * when that cannot be read. */
static void program_directory(char *dir, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(dir, size, "%s", exe);
}

/* faultfs.so for foreign jobs: beside the trackhammer binary (the build
 * tree), else in ../lib (an installed tree). */
static void default_extension_path(options *o, const char *dir)
{
    if (o->faultfs_ext[0] || dir[0] == '\0')
        return;
    text_format(o->faultfs_ext, sizeof o->faultfs_ext, "%s/faultfs.so", dir);
    if (access(o->faultfs_ext, R_OK) != 0)
        text_format(o->faultfs_ext, sizeof o->faultfs_ext,
                    "%s/../lib/faultfs.so", dir);
}

/* `text` in single quotes for /bin/sh, each ' inside as '\''; false when
 * it does not fit in size. */
static bool shell_quote(char *out, size_t size, const char *text)
{
    size_t n = 0;
    if (size < 3)
        return false;
    out[n++] = '\'';
    for (const char *c = text; *c; c++) {
        if (n + 6 > size)
            return false;
        if (*c == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *c;
        }
    }
    out[n++] = '\'';
    out[n] = '\0';
    return true;
}

/* A workload run by a file of harness/workloads/: the file beside the
 * program (the build tree copies them to workloads/), else in
 * ../share/trackhammer/workloads (an installed tree), and the job's
 * command from it. The workload is the job: --job-cmd is refused. */
static bool resolve_workload(options *o, const char *dir, char *err,
                             size_t err_size)
{
    const char *script = o->workload->script;
    if (script == NULL)
        return true;
    if (o->job_cmd[0]) {
        text_format(err, err_size,
                    "--job-cmd and --workload %s: the workload is the job; "
                    "give one",
                    o->workload->name);
        return false;
    }
    text_format(o->workload_script, sizeof o->workload_script,
                "%s/workloads/%s", dir, script);
    if (access(o->workload_script, R_OK) != 0)
        text_format(o->workload_script, sizeof o->workload_script,
                    "%s/../share/trackhammer/workloads/%s", dir, script);
    if (dir[0] == '\0' || access(o->workload_script, R_OK) != 0) {
        text_format(err, err_size,
                    "--workload %s: %s is neither in workloads/ beside "
                    "trackhammer nor in ../share/trackhammer/workloads: run "
                    "make",
                    o->workload->name, script);
        return false;
    }
    char python[TEXT_MAX + 64], file[TEXT_MAX + 64];
    if (!shell_quote(python, sizeof python, o->python) ||
        !shell_quote(file, sizeof file, o->workload_script) ||
        snprintf(o->job_cmd, sizeof o->job_cmd, "exec %s %s job", python,
                 file) >= (int)sizeof o->job_cmd) {
        text_format(err, err_size,
                    "--python or the workload's path is too "
                    "long");
        return false;
    }
    return true;
}

/* Whether the fault model text is the lustre model with no fit= item: the
 * model first (as NAME or model=NAME), items split at commas, blanks
 * around them ignored, as faultfs parses them. */
static bool lustre_without_fit(const char *model)
{
    char copy[TEXT_MAX];
    snprintf(copy, sizeof copy, "%s", model);
    char *save = NULL;
    bool lustre = false, fit = false;
    int index = 0;
    for (char *item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save), index++) {
        item += strspn(item, " \t");
        item[strcspn(item, " \t")] = '\0';
        if (index == 0)
            lustre = strcmp(item, "lustre") == 0 ||
                     strcmp(item, "model=lustre") == 0;
        fit = fit || strncmp(item, "fit=", 4) == 0;
    }
    return lustre && !fit;
}

/* `lustre` without fit= gets the project's fitted parameters (FIDELITY.md):
 * the fit file beside the program (the build tree copies it there), else
 * in ../share/trackhammer (an installed tree); it goes right after the
 * model, so every override the user gave still wins. */
static bool add_default_fit(options *o, const char *dir, char *err,
                            size_t err_size)
{
    if (!lustre_without_fit(o->fault_model))
        return true;
    char path[TEXT_MAX];
    text_format(path, sizeof path, "%s/" FIT_FILE, dir);
    if (access(path, R_OK) != 0)
        text_format(path, sizeof path, "%s/../share/trackhammer/" FIT_FILE,
                    dir);
    if (dir[0] == '\0' || access(path, R_OK) != 0) {
        text_format(err, err_size,
                    "--fault-model lustre: the fitted "
                    "parameters (" FIT_FILE ") are neither beside trackhammer "
                    "nor in ../share/trackhammer: run make, or say "
                    "lustre,fit=PATH, or lustre,fit=none for the unfitted "
                    "model");
        return false;
    }
    size_t model_length = strcspn(o->fault_model, ",");
    char with_fit[TEXT_MAX];
    int n =
        snprintf(with_fit, sizeof with_fit, "%.*s,fit=%s%s", (int)model_length,
                 o->fault_model, path, o->fault_model + model_length);
    if (n < 0 || (size_t)n >= sizeof with_fit) {
        text_format(err, err_size,
                    "--fault-model: too long with the fit "
                    "file's path added");
        return false;
    }
    memcpy(o->fault_model, with_fit, sizeof with_fit);
    return true;
}

/* --kill-at write places the kills of --kill-rate at calls the fault VFS
 * counts in the job's own process: a foreign job's calls are in another
 * program, and without --kill-rate there is nothing to place. */
static bool check_kill_at(const options *o, char *err, size_t err_size)
{
    if (o->kill_at != KILL_AT_WRITE)
        return true;
    if (o->kill_rate <= 0) {
        snprintf(err, err_size,
                 "--kill-at write places the kills of "
                 "--kill-rate: give --kill-rate P too");
        return false;
    }
    if (o->job_cmd[0]) {
        snprintf(err, err_size,
                 "--kill-at write works on the built-in job "
                 "only, not with --job-cmd or a Python workload "
                 "(harness/jobs/CONTRACT.md)");
        return false;
    }
    return true;
}

/* The gadi71 matrix: every built-in profile with a published run, in the
 * table's order (test_1..test_5). */
static bool add_published_profiles(options *o, char *err, size_t err_size)
{
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *p = tracker_profile_at(i);
        if (p->published_run[0] && !add_profile(o, p->name, err, err_size))
            return false;
    }
    return true;
}

/* Decisions that depend on several options at once. */
static bool finish(options *o, char *err, size_t err_size)
{
    if (!check_mode(o, err, err_size))
        return false;
    if (o->profile_count == 0 || o->matrix[0]) {
        if (o->profile_count > 0 && o->matrix[0]) {
            snprintf(err, err_size,
                     "--matrix and --profiles/--profile are "
                     "alternatives: give one");
            return false;
        }
        if (!add_published_profiles(o, err, err_size))
            return false;
    }
    if (o->experiment[0] == '\0') {
        snprintf(err, err_size,
                 "--experiment: the experiment_id must not be "
                 "empty");
        return false;
    }
    /* Paths and names are kept well inside their buffers, so nothing
     * built from them is ever cut short. */
    if (strlen(o->db_dir) > 400 || strlen(o->output_dir) > 400 ||
        strlen(o->experiment) >= sizeof o->experiment - 1) {
        snprintf(err, err_size,
                 "--db-dir, --output (400) or --experiment "
                 "(62 characters) is too long");
        return false;
    }
    char dir[PATH_MAX];
    program_directory(dir, sizeof dir);
    default_extension_path(o, dir);
    if (!resolve_workload(o, dir, err, err_size) ||
        !add_default_fit(o, dir, err, err_size) ||
        faultfs_config_parse(o->fault_model, &o->fault_config, err,
                             err_size) != 0)
        return false;
    o->simulate = strcmp(o->fault_config.model, "none") != 0;
    if (o->fault_before_op >= 0 && !o->simulate) {
        snprintf(err, err_size,
                 "--fault-before needs a fault model "
                 "(--fault-model lustre or none is real: nothing to inject)");
        return false;
    }
    if (!check_kill_at(o, err, err_size))
        return false;
    /* 0.1, not less: at 0.01 the jobs' CPU time, which no scale
     * compresses, stretched their model lives on 2 cores, and failure
     * rates no longer agreed with scale 1 (harness/faultfs/FIDELITY.md,
     * "Time is compressed, and checked"). */
    if (o->time_scale < 0)
        o->time_scale = o->simulate ? 0.1 : 1.0;
    return true;
}

/* The settings the command line is read into, and where --help,
 * --version and --list-profiles print. */
typedef struct reading {
    options *o;
    FILE *out;
} reading;

/* One option from the command line (command_line.h): the three that
 * print and stop, or its row applied to the options. */
static command_line_step apply_option(void *settings, int option,
                                      const char *value, char *err,
                                      size_t err_size)
{
    reading *r = settings;
    switch (option) {
    case 'h': print_help(r->out); return COMMAND_LINE_DONE;
    case 'V':
        fprintf(r->out, "trackhammer %s (SQLite %s)\n", TRACKHAMMER_VERSION,
                sqlite3_libversion());
        return COMMAND_LINE_DONE;
    case 'L': print_profiles(r->out); return COMMAND_LINE_DONE;
    case ID_LIST_WORKLOADS:
        workload_print_list(r->out);
        return COMMAND_LINE_DONE;
    }
    for (size_t i = 0; i < ROW_COUNT; i++)
        if (rows[i].short_name == option &&
            !apply(r->o, &rows[i], value, err, err_size))
            return COMMAND_LINE_REFUSED;
    return COMMAND_LINE_NEXT;
}

parse_result parse_options(int argc, char **argv, options *o, FILE *out,
                           char *err, size_t err_size)
{
    struct option long_options[ROW_COUNT + 1];
    for (size_t i = 0; i < ROW_COUNT; i++)
        long_options[i] =
            (struct option){ rows[i].name,
                             rows[i].kind == ARG_NONE ? no_argument
                                                      : required_argument,
                             NULL, rows[i].short_name };
    long_options[ROW_COUNT] = (struct option){ 0 };

    set_defaults(o);
    record_command_line(o, argc, argv);
    reading r = { o, out };
    command_line line = { long_options, apply_option, &r, false };
    int first_operand;
    switch (
        command_line_read(&line, argc, argv, &first_operand, err, err_size)) {
    case COMMAND_LINE_NEXT: break;
    case COMMAND_LINE_DONE: return PARSE_EXIT_OK;
    case COMMAND_LINE_REFUSED: return PARSE_EXIT_USAGE;
    }
    return finish(o, err, err_size) ? PARSE_RUN : PARSE_EXIT_USAGE;
}

/* The output directory can be had without making more than its last
 * directory: it is one, writable, or its parent is; made later, once the
 * run holds the database directory, so a refused run leaves nothing. */
static bool output_usable(const char *dir, char *err, size_t err_size)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0)
            return true;
        snprintf(err, err_size,
                 "output directory '%s' is not a writable "
                 "directory",
                 dir);
        return false;
    }
    char parent[TEXT_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    while (slash && slash > parent && slash[1] == '\0') {
        *slash = '\0'; /* "out/" is "out" */
        slash = strrchr(parent, '/');
    }
    if (slash == NULL)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(parent, W_OK | X_OK) != 0) {
        snprintf(err, err_size,
                 "output directory '%s': its parent '%s' is "
                 "not a writable directory (trackhammer makes only the last "
                 "directory of the path)",
                 dir, parent);
        return false;
    }
    return true;
}

/* The database directory must exist, so a mistyped path on a cluster
 * cannot quietly put the database on some other file system. */
bool options_check_paths(options *o, char *err, size_t err_size)
{
    struct stat st;
    if (stat(o->db_dir, &st) != 0) {
        snprintf(err, err_size,
                 "database directory '%s' does not exist: "
                 "create it on the file system under test",
                 o->db_dir);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "database directory '%s' is not a directory",
                 o->db_dir);
        return false;
    }
    if (access(o->db_dir, W_OK | X_OK) != 0) {
        snprintf(err, err_size, "database directory '%s' is not writable",
                 o->db_dir);
        return false;
    }
    if (o->verify_dir[0] &&
        (stat(o->verify_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        snprintf(err, err_size,
                 "--verify-dir '%s' is not a directory: give "
                 "the database directory as another client mounts it",
                 o->verify_dir);
        return false;
    }
    if (o->fs_info_path[0] &&
        fs_info_read(o->fs_info_path, &o->fs_info, err, err_size) != 0)
        return false;
    return output_usable(o->output_dir, err, err_size);
}
