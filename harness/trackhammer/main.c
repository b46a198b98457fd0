/*
 * main.c: trackhammer's MPI life: parse, check, say where it runs, run the
 * matrix round by round, print the table.
 *
 * Every rank parses the same command line, so a bad one stops every rank
 * with status 2 before any work; rank 0 alone prints. The command line is
 * parsed before MPI starts: a step of the single-job topology (--prepare,
 * --single-job, --merge) is a plain process and never starts MPI.
 */
#include "trackhammer.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit codes (--help): 0 ran to the end, 1 could not run or a harness
 * error stopped it, 2 bad command line or a database directory refused,
 * 128 + N interrupted by signal N. */
#define EXIT_USAGE 2

static int finish(int status)
{
    MPI_Finalize();
    return status;
}

/* Every rank must see the database directory rank 0 sees: rank 0 leaves a
 * token there and every rank looks for it. */
static bool same_directory_everywhere(const options *o, int rank, char *err,
                                      size_t err_size)
{
    char token[TEXT_MAX + 64];
    long pid = (long)getpid(); /* rank 0's: two runs never share a token */
    MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    snprintf(token, sizeof token, "%s/.trackhammer-token-%llu-%ld", o->db_dir,
             (unsigned long long)o->seed, pid);
    if (rank == 0) {
        FILE *f = fopen(token, "w");
        if (f)
            fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    struct stat st;
    int seen = stat(token, &st) == 0, all = 0;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    MPI_Allreduce(&seen, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all) {
        /* Name one host that cannot see it. */
        int mine = seen ? INT_MAX : rank, first = 0;
        MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        char blind[256];
        memcpy(blind, host, sizeof blind);
        MPI_Bcast(blind, sizeof blind, MPI_CHAR, first, MPI_COMM_WORLD);
        text_format(err, err_size,
                    "rank %d on host %s does not see the database "
                    "directory '%s' that rank 0 sees: put --db-dir on a file "
                    "system shared by every node",
                    first, blind, o->db_dir);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        unlink(token);
    return all;
}

/* Where one rank runs: its host, and its node: TRACKHAMMER_NODE when a
 * launcher plays nodes on one host (th-realfs), else the host. */
struct rank_place {
    char host[256]; /* HOST_NAME_MAX is 64 on Linux; 255 elsewhere */
    char node[64];
};

/* The node (or, by_node false, the host) of rank r: its name. */
static const char *place_of(const struct rank_place *all, int r, bool by_node)
{
    return by_node ? all[r].node : all[r].host;
}

/* Whether a rank before r runs on r's node (by_node) or host. */
static bool seen_before(const struct rank_place *all, int r, bool by_node)
{
    for (int q = 0; q < r; q++)
        if (strcmp(place_of(all, q, by_node), place_of(all, r, by_node)) == 0)
            return true;
    return false;
}

/* "node-0: 0,2; node-1: 1,3": the ranks of each node, first seen first;
 * "" when every node is its host. Into a buffer of `cap`. */
static void nodes_line(const struct rank_place *all, int size, char *line,
                       size_t cap)
{
    size_t used = 0;
    bool named = false;
    line[0] = '\0';
    for (int r = 0; r < size; r++) {
        named |= strcmp(all[r].node, all[r].host) != 0;
        if (seen_before(all, r, true))
            continue;
        used += (size_t)snprintf(line + used, used < cap ? cap - used : 0,
                                 "%s%s: %d", used ? "; " : "", all[r].node, r);
        for (int q = r + 1; q < size; q++)
            if (strcmp(all[q].node, all[r].node) == 0)
                used += (size_t)snprintf(
                    line + used, used < cap ? cap - used : 0, ",%d", q);
    }
    if (!named)
        line[0] = '\0';
}

/* A host or node name as it may stand inside a JSON string unescaped:
 * quotes, backslashes and control characters (a TRACKHAMMER_NODE is the
 * user's text) become '_'. */
static void plain_name(char *name)
{
    for (char *c = name; *c; c++)
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
            *c = '_';
}

/* The ranks' hosts and nodes as JSON, the nodes' line for the header,
 * and how many distinct hosts there are. */
static int rank_map(int rank, int size, char **json, char **nodes)
{
    struct rank_place mine;
    memset(&mine, 0, sizeof mine);
    gethostname(mine.host, sizeof mine.host - 1);
    const char *node = getenv("TRACKHAMMER_NODE");
    text_format(mine.node, sizeof mine.node, "%s",
                node && node[0] ? node : mine.host);
    plain_name(mine.host);
    plain_name(mine.node);
    struct rank_place *all =
        rank == 0 ? calloc((size_t)size, sizeof *all) : NULL;
    MPI_Gather(&mine, sizeof mine, MPI_CHAR, all, sizeof mine, MPI_CHAR, 0,
               MPI_COMM_WORLD);
    int hosts = 0;
    if (rank == 0) {
        size_t cap = (size_t)size * (sizeof mine + 48) + 16, used = 0;
        *json = all ? malloc(cap) : NULL;
        *nodes = all ? malloc(cap) : NULL;
        if (*json == NULL || *nodes == NULL) {
            fprintf(stderr, "trackhammer: out of memory for the rank map\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        used += (size_t)snprintf(*json, cap, "[");
        for (int r = 0; r < size; r++) {
            hosts += !seen_before(all, r, false);
            used +=
                (size_t)snprintf(*json + used, cap - used,
                                 "%s{\"rank\": %d, \"host\": \"%s\", "
                                 "\"node\": \"%s\"}",
                                 r ? ", " : "", r, all[r].host, all[r].node);
        }
        snprintf(*json + used, cap - used, "]");
        nodes_line(all, size, *nodes, cap);
    }
    free(all);
    MPI_Bcast(&hosts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return hosts;
}

/* The fault line when no model runs: a real file system may still fail
 * on purpose (th-realfs's faults), and says so. */
static const char *fault_model_none_words(const options *o)
{
    static char words[TEXT_MAX + 80];
    const char *faults = fs_info_get(&o->fs_info, "faults");
    if (faults == NULL)
        return "none (nothing simulated; no fault injected)";
    text_format(words, sizeof words,
                "none (nothing simulated); faults "
                "injected by the file system: %s",
                faults);
    return words;
}

/* What this run runs on and with, before anything else happens. */
static void print_header(const options *o, const environment *env, int size,
                         int hosts, const char *nodes, const char *db_path)
{
    char *model = o->simulate ? model_description(&o->fault_config) : NULL;
    fprintf(stderr,
            "trackhammer %s: SQLite %s, %s, %s\n"
            "  database %s on %s (mount %s, options %s)\n"
            "  fault model: %s\n"
            "  %d jobs per round on %d ranks on %d host(s); %d profile(s) x "
            "%d repeat(s); time scale %g; seed %llu\n",
            TRACKHAMMER_VERSION, env->sqlite_version, env->mpi_version,
            env->kernel, db_path, env->fs_type, env->mount_point,
            env->mount_options,
            model         ? model
            : o->simulate ? "(out of memory)"
                          : fault_model_none_words(o),
            o->jobs, size, hosts, o->profile_count, o->repeat, o->time_scale,
            (unsigned long long)o->seed);
    free(model);
    if (o->simulate)
        fprintf(stderr, "  fitted parameters: %s\n",
                o->fault_config.fit_path[0]
                    ? o->fault_config.fit_path
                    : "none (the model's unfitted table)");
    fprintf(stderr, "  workload: %s%s%s\n", o->workload->name,
            o->workload_code[0] ? ": " : "", o->workload_code);
    if (nodes[0])
        fprintf(stderr, "  ranks on nodes: %s\n", nodes);
    fprintf(stderr, "  verified through: %s\n",
            o->verify_dir[0] ? o->verify_dir
                             : "the database directory, "
                               "rank 0's client");
    if (o->verify_dir[0])
        fprintf(stderr, "    (another client of the file system, used by no "
                        "job)\n");
    if (o->fs_info.count)
        fprintf(stderr, "  file system (from --fs-info %s):\n",
                o->fs_info_path);
    for (int i = 0; i < o->fs_info.count; i++)
        fprintf(stderr, "    %s: %s\n", o->fs_info.key[i],
                o->fs_info.value[i]);
    if (!o->simulate && env->fs_is_local)
        fprintf(stderr,
                "  warning: %s is a local file system and no fault "
                "model is active: Lustre behaviour will not appear\n",
                env->fs_type);
}

/* A step of the single-job topology, without MPI. */
static int run_step(options *o, parse_result parsed, const char *said,
                    const char *err, int argc, char **argv)
{
    fputs(said, stdout);
    if (parsed != PARSE_RUN) {
        if (parsed == PARSE_EXIT_USAGE)
            fprintf(stderr, "trackhammer: %s\n", err);
        return parsed == PARSE_EXIT_OK ? 0 : EXIT_USAGE;
    }
    switch (o->mode) {
    case MODE_PREPARE: return plan_prepare(o, argc, argv);
    case MODE_SINGLE_JOB: return single_job_main(o);
    default: return merge_main(o);
    }
}

/* Whether this run's job records fit: rank 0 holds every job's record
 * twice while it gathers them, and a rank's records go to rank 0 in one
 * message, whose length MPI counts in an int. */
static bool records_fit(const options *o, int size, char *err, size_t err_size)
{
    double record = (double)sizeof(job_record);
    double per_rank = (double)((o->jobs + size - 1) / size) * record;
    double needed = 3.0 * (double)o->jobs * record;
    double memory =
        (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (per_rank > INT_MAX) {
        text_format(err, err_size,
                    "--jobs %d on %d rank(s) is %.0f jobs a "
                    "rank, more than one MPI message carries (%d): use more "
                    "ranks",
                    o->jobs, size, per_rank / record, (int)(INT_MAX / record));
        return false;
    }
    if (memory > 0 && needed > memory / 2) {
        text_format(err, err_size,
                    "--jobs %d needs %.1f GiB on rank 0 for "
                    "the jobs' records, more than half of this node's %.1f "
                    "GiB",
                    o->jobs, needed / 1073741824.0, memory / 1073741824.0);
        return false;
    }
    return true;
}

/* Rank 0's checks before any work: 0, or the exit status with the
 * message in err. */
static int check_run(options *o, int size, char *err, size_t err_size)
{
    if (!options_check_paths(o, err, err_size) ||
        !records_fit(o, size, err, err_size) ||
        !workload_ready(o, err, err_size))
        return EXIT_USAGE;
    if (o->job_cmd[0] && o->simulate && access(o->faultfs_ext, R_OK)) {
        text_format(err, err_size,
                    "--faultfs-ext: '%s' is not readable "
                    "(build it with make, or give its path)",
                    o->faultfs_ext);
        return EXIT_USAGE;
    }
    return 0;
}

/* Rank 0's status, said by rank 0 and taken by every rank: 0 goes on. */
static int agree(int rank, int status, const char *err)
{
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status != 0 && rank == 0)
        fprintf(stderr, "trackhammer: %s\n", err);
    return status;
}

/* Rank 0's word on whether the run stops for a harness error, taken by
 * every rank, so all stop together. */
static bool agree_stopped(int rank, bool stopped)
{
    int word = rank == 0 && stopped;
    MPI_Bcast(&word, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return word != 0;
}

/* Every round of the matrix, in order, until they are done or one ends
 * the run; rank 0 records each and rewrites summary.json after each, so
 * a run killed at any moment leaves the rounds it completed readable. */
static int run_matrix(const run_context *ctx, results *res,
                      const environment *env, const char *rank_json,
                      db_claim *claim, round_result *rounds, run_end *end)
{
    const options *o = ctx->opts;
    int done = 0, stop = 0;
    for (int p = 0; p < o->profile_count; p++) {
        for (int r = 0; r < o->repeat; r++) {
            round_result *slot = ctx->rank == 0 ? &rounds[done] : NULL;
            round_end how = run_round(ctx, &o->profiles[p], done, r, res, slot,
                                      &stop, end->reason, sizeof end->reason);
            if (how == ROUND_HARNESS_ERROR) {
                end->status = RUN_STOPPED;
                return done;
            }
            if (how == ROUND_DONE) {
                done++;
                bool unwritten = false;
                if (ctx->rank == 0) {
                    results_print_progress(o, slot, done, end->rounds_planned);
                    db_dir_heartbeat(claim);
                    unwritten = !results_write_summary(res, o, env, rank_json,
                                                       rounds, done, end);
                    if (unwritten)
                        text_format(end->reason, sizeof end->reason,
                                    "harness error: cannot write %s/"
                                    "summary.json",
                                    res->dir);
                }
                if (agree_stopped(ctx->rank, unwritten)) {
                    end->status = RUN_STOPPED;
                    return done;
                }
            }
            if (stop) {
                end->status = RUN_INTERRUPTED;
                end->signal_number = stop;
                text_format(end->reason, sizeof end->reason, "%s",
                            interrupt_signal_name(stop));
                return done;
            }
        }
    }
    end->status = RUN_COMPLETED;
    end->reason[0] = '\0';
    return done;
}

/* The exit status of a run that ran: documented in --help. */
static int run_exit_status(const run_end *end, bool files_ok)
{
    if (end->status == RUN_INTERRUPTED && end->signal_number > 0)
        return interrupt_exit_status(end->signal_number);
    return end->status == RUN_COMPLETED && files_ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    static options o;
    char err[TEXT_MAX] = "";
    /* What parsing prints (help, profiles) waits until it is known whether
     * this is an MPI rank, and which one. */
    char *said = NULL;
    size_t said_size = 0;
    FILE *out = open_memstream(&said, &said_size);
    if (out == NULL)
        return 1;
    parse_result parsed = parse_options(argc, argv, &o, out, err, sizeof err);
    fclose(out);
    if (o.mode != MODE_MPI) {
        int status = run_step(&o, parsed, said, err, argc, argv);
        free(said);
        return status;
    }

    /* SIGCHLD blocked before MPI starts its threads, so that they inherit
     * the mask and only the waits for children take it. */
    sigset_t child_exit;
    sigemptyset(&child_exit);
    sigaddset(&child_exit, SIGCHLD);
    sigprocmask(SIG_BLOCK, &child_exit, NULL);
    MPI_Init(&argc, &argv);
    interrupts_install();
    /* mpirun or its daemon gone: stop as if told to. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0)
        fputs(said, stdout);
    free(said);
    if (parsed != PARSE_RUN) {
        if (parsed == PARSE_EXIT_USAGE && rank == 0)
            fprintf(stderr, "trackhammer: %s\n", err);
        return finish(parsed == PARSE_EXIT_OK ? 0 : EXIT_USAGE);
    }
    if (o.jobs == 0)
        o.jobs = size;
    /* A seed from the clock differs per process: every rank takes rank 0's. */
    unsigned long long seed = o.seed;
    MPI_Bcast(&seed, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    o.seed = seed;

    int status = rank == 0 ? check_run(&o, size, err, sizeof err) : 0;
    if (agree(rank, status, err) != 0)
        return finish(status);
    /* The directory held first: a refused run writes nothing there. */
    db_claim claim = { .held = false };
    status =
        rank == 0 ? db_dir_claim(o.db_dir, "mpi", &claim, err, sizeof err) : 0;
    if (agree(rank, status, err) != 0)
        return finish(status);
    status = same_directory_everywhere(&o, rank, err, sizeof err) ? 0 : 1;
    /* The output directory only now: a refused run leaves nothing. */
    if (rank == 0 && status == 0 &&
        !make_directory(o.output_dir, "output directory", err, sizeof err))
        status = EXIT_USAGE;
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (status != 0) {
        if (rank == 0) {
            fprintf(stderr, "trackhammer: %s\n", err);
            db_dir_release(&claim);
        }
        return finish(status);
    }

    environment env;
    environment_probe(o.db_dir, &env);
    char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi_version, &len);
    mpi_version[strcspn(mpi_version, "\n,")] = '\0';
    snprintf(env.mpi_version, sizeof env.mpi_version, "%s", mpi_version);
    char *rank_json = NULL, *nodes = NULL;
    int hosts = rank_map(rank, size, &rank_json, &nodes);

    char db_path[TEXT_MAX + 32];
    database_path(&o, db_path, sizeof db_path);
    results res;
    run_end end = { RUN_INTERRUPTED, 0,
                    "not finished: the run was still going, "
                    "or was killed, when this was written",
                    o.profile_count * o.repeat };
    round_result *rounds = NULL;
    int ok = 1;
    if (rank == 0) {
        print_header(&o, &env, size, hosts, nodes, db_path);
        rounds = calloc((size_t)end.rounds_planned, sizeof *rounds);
        if (rounds == NULL)
            text_format(err, sizeof err, "out of memory for %d rounds",
                        end.rounds_planned);
        ok = rounds && results_open(&res, &o, err, sizeof err) == 0 &&
             db_dir_claim_name_run(&claim, res.dir, round_time_bound(&o, size),
                                   err, sizeof err) == 0;
        if (ok && !results_write_summary(&res, &o, &env, rank_json, rounds, 0,
                                         &end)) {
            text_format(err, sizeof err, "cannot write %s/summary.json",
                        res.dir);
            ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "trackhammer: %s\n", err);
            db_dir_release(&claim);
        }
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok) {
        free(rank_json);
        free(nodes);
        return finish(1);
    }
    char results_dir[TEXT_MAX];
    if (rank == 0)
        snprintf(results_dir, sizeof results_dir, "%s", res.dir);
    MPI_Bcast(results_dir, sizeof results_dir, MPI_CHAR, 0, MPI_COMM_WORLD);

    run_context ctx = { &o, rank, size, db_path, results_dir };
    stop_relay_start();
    int done = run_matrix(&ctx, &res, &env, rank_json, &claim, rounds, &end);
    bool files_ok = true;
    if (rank == 0) {
        if (end.status == RUN_STOPPED)
            fprintf(stderr,
                    "trackhammer: %s; the run stopped after %d "
                    "round(s)\n",
                    end.reason, done);
        if (end.status == RUN_INTERRUPTED)
            fprintf(stderr,
                    "trackhammer: interrupted by %s after %d of %d "
                    "round(s); the rounds that completed are recorded\n",
                    end.reason, done, end.rounds_planned);
        files_ok = results_finish(&res, &o, &env, rank_json, rounds, done,
                                  &end, stdout);
        if (!files_ok)
            fprintf(stderr,
                    "trackhammer: harness error: the results in %s "
                    "could not all be written\n",
                    res.dir);
        db_dir_release(&claim);
        free(rounds);
        free(rank_json);
        free(nodes);
    }
    polite_barrier(600, "the end of the run");
    stop_relay_finish();
    return finish(run_exit_status(&end, files_ok));
}
