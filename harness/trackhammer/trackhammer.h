/*
 * trackhammer.h: what the parts of the trackhammer program share.
 *
 * The program: N MPI ranks play N batch jobs against one shared tracking
 * database, round after round, across a list of tracker profiles, then
 * verify the database and write results. Each part lives in its own file:
 * options.c (command line), variables.c (task names), environment.c (what
 * the run ran on), job.c (one job's life, in a child process), isolation.c
 * (forking, waiting, walltime and kills), monitor.c (the monitor's polling),
 * round.c (one round across ranks), verify.c (after a round), results.c
 * (files and the table), claim.c (the database directory held by one run,
 * and only what trackhammer made touched), interrupt.c (signals that stop
 * a run), main.c (MPI and the matrix loop).
 *
 * The single-job topology (one batch job per task, as the real batch
 * driver ran them; pbs/ submits it): plan.c (--prepare: the database and
 * the run directory's plan), single_job.c (--single-job: one job's life
 * and its record file), merge.c (--merge: verification and the results of
 * every job's record). No MPI in any of the three.
 */
#ifndef TRACKHAMMER_H
#define TRACKHAMMER_H

#include "faultfs.h"
#include "shared_inline.h"
#include "tracker.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define TRACKHAMMER_VERSION "0.1"
/* The database's name in --db-dir, and the application_id in the header
 * of every database trackhammer makes ("THMR"). */
#define DATABASE_FILE "cmor_tasks.db"
#define TRACKHAMMER_APPLICATION_ID 0x54484d52u
#define MAX_PROFILES 32
#define TEXT_MAX 512

/* ---------------------------------------------------------------- options */

typedef enum start_from { START_FRESH, START_WAL } start_from;

/* Where --kill-rate's kills land (--kill-at). */
typedef enum kill_at {
    KILL_AT_LIFE = 0, /* a random moment of the job's life */
    KILL_AT_WRITE     /* a random one of its file writes, syncs, truncates
                          and deletes: inside a write transaction */
} kill_at;

/* Which program this command is: the MPI run, or a step of the
 * single-job topology. */
typedef enum run_mode {
    MODE_MPI = 0,
    MODE_PREPARE,    /* --prepare */
    MODE_SINGLE_JOB, /* --single-job INDEX --run-dir RUN_DIR */
    MODE_MERGE       /* --merge RUN_DIR */
} run_mode;

/* What --fs-info says of the file system: "key: value" lines. */
#define FS_INFO_MAX 16
typedef struct fs_info {
    int count;
    char key[FS_INFO_MAX][32];
    char value[FS_INFO_MAX][512];
} fs_info;

/* Read `path` into *info: 0, or -1 with a message naming file and line. */
int fs_info_read(const char *path, fs_info *info, char *err, size_t err_size);
/* The value of `key`, or NULL. */
const char *fs_info_get(const fs_info *info, const char *key);

/* --------------------------------------------------------------- workloads */

#define WORKLOAD_MAX_OPS 8
#define WORKLOAD_MAX_WRITES 50

/* Whose code a job runs, what counts as an acknowledged write, how a
 * round is verified (workload.c's table). */
typedef struct workload {
    const char *name;
    const char *script;  /* its file in the workloads directory; NULL: the
                            built-in C job */
    const char *module;  /* the Python module it needs, NULL none */
    const char *install; /* how a user gets that module */
    /* the operations its outcome lines name, NULL-terminated; none: the
     * tracker's, and the tracker's set-up and verification */
    const char *operations[WORKLOAD_MAX_OPS];
    const char *life, *acknowledged, *verified; /* --list-workloads */
} workload;

/* The workload called `name`, NULL when there is none. */
const workload *workload_find(const char *name);
/* Whether it names operations of its own (then it makes the database and
 * verifies a round itself), or is held to the tracker's. */
bool workload_has_own_operations(const workload *w);
/* An operation's name by its number in the workload's list ("-" none). */
const char *workload_op_name(const workload *w, int op);
/* An operation's number by its name, -1 when it has none. */
int workload_op_find(const workload *w, const char *name);
void workload_print_list(FILE *out);
/* The longest a workload's import check or verify step may take. */
#define WORKLOAD_STEP_TIMEOUT_S 300.0

typedef struct options options;
/* Whether the run's Python can import the workload's module (then the
 * tool's and the Python's versions go into o->workload_code) and its file
 * names the table's operations; false with what to do in err. */
bool workload_ready(options *o, char *err, size_t err_size);

typedef struct options {
    int jobs; /* 0: one per rank */
    tracker_profile profiles[MAX_PROFILES];
    int profile_count;
    char matrix[32]; /* "gadi71" or "" */
    int repeat;
    char fault_model[TEXT_MAX];  /* "none" or "lustre[,key=value...]" */
    faultfs_config fault_config; /* parsed fault_model */
    bool simulate;               /* a fault model other than none */
    int sim_nodes;               /* 0: one node per job */
    double time_scale;
    uint64_t seed;
    double walltime_s;         /* model seconds */
    double work_s;             /* model seconds */
    double start_jitter_s;     /* model seconds */
    double monitor_interval_s; /* model seconds */
    double kill_rate;
    kill_at kill_at; /* --kill-at */
    start_from start;
    char db_dir[TEXT_MAX];
    char output_dir[TEXT_MAX];
    char experiment[64];
    const workload *workload;       /* --workload */
    int writes;                     /* --writes */
    char python[TEXT_MAX];          /* --python */
    char workload_script[TEXT_MAX]; /* the workload's file, "" none */
    char workload_code[TEXT_MAX];   /* the tool's version and Python's,
                                         "" for the built-in job */
    char job_cmd[TEXT_MAX];         /* "" = the built-in C job */
    char faultfs_ext[TEXT_MAX];     /* path of faultfs.so for foreign jobs */
    int fault_before_op;            /* --fault-before: tracker_op, -1 none */
    faultfs_class fault_before_class;
    int fault_before_count;
    bool quiet;
    run_mode mode;
    int single_job_index;        /* --single-job */
    char run_dir[TEXT_MAX];      /* --run-dir or --merge */
    char verify_dir[TEXT_MAX];   /* --verify-dir, "" = the db directory */
    char fs_info_path[TEXT_MAX]; /* --fs-info, "" none */
    fs_info fs_info;             /* read from it by options_check_paths */
    char during_round[TEXT_MAX]; /* --during-round, "" none */
    int plan_options;            /* options other than the mode's own */
    char command_line[4096];
} options;

/* What parse_options decided: run, or exit at once with this status. */
typedef enum parse_result {
    PARSE_RUN,
    PARSE_EXIT_OK,
    PARSE_EXIT_USAGE
} parse_result;

/* Parse argv into *o. Help, version and profile lists go to `out`, errors
 * (one clear line) into err. Checks that need the file system are in
 * options_check_paths. */
parse_result parse_options(int argc, char **argv, options *o, FILE *out,
                           char *err, size_t err_size);
/* The database directory exists and is writable, --verify-dir is a
 * directory, --fs-info is read into o->fs_info, and the output
 * directory is or can be made (by results_new_dir, once the run holds the
 * database directory). */
bool options_check_paths(options *o, char *err, size_t err_size);

/* -------------------------------------------------------------- variables */

/* A realistic CMOR variable name for job i ("Amon.tas", "Omon.tos", ...). */
void variable_name(int index, char *buf, size_t size);

/* ------------------------------------------------------------ environment */

typedef struct environment {
    char hostname[256];
    char sqlite_version[32];
    char mpi_version[256];
    char fs_type[64];    /* statfs's kind of the database
                                      directory, FUSE's by its subtype
                                      (fuse.glusterfs) */
    char mount_type[64]; /* mountinfo's name for the mount */
    char mount_point[TEXT_MAX];
    char mount_options[TEXT_MAX]; /* the mount's own, then its file
                                      system's, as /proc/mounts shows them */
    char kernel[128];             /* uname: system, release, machine */
    bool fs_is_local;             /* not a shared/parallel file system */
} environment;

void environment_probe(const char *db_dir, environment *env);

/* -------------------------------------------------------------------- jobs */

typedef enum job_outcome {
    OUTCOME_PENDING = 0,
    OUTCOME_OK,
    OUTCOME_SKIPPED,
    OUTCOME_FAILED,
    OUTCOME_CRASHED, /* a signal the job did not ask for: SIGBUS, SIGSEGV */
    OUTCOME_KILLED,  /* walltime or an injected SIGKILL */
    OUTCOME_HUNG,    /* walltime passed inside a tracker call */
    OUTCOME_COUNT
} job_outcome;

const char *outcome_name(job_outcome outcome);

/* A job's record, in memory shared between the job child and its rank, so
 * that what a crashed job had done survives it. */
typedef struct job_record {
    /* written by the job as it goes */
    int current_op;       /* tracker_op in flight, -1 between calls */
    int last_ack_op;      /* last acknowledged status write, -1 none */
    int unknown_op;       /* the last status write that failed after
                                 the last ack: it may have committed */
    unsigned unknown_ops; /* every such write since the ack (bit per
                                 tracker_op): a failure can follow a commit,
                                 e.g. SQLITE_IOERR_RDLOCK on the downgrade */
    int failed_op;        /* the call that failed the job, -1 none */
    /* a workload with operations of its own: "OP ITEM...\n" of each ack,
     * what its verification holds the database to */
    char acked[4096];
    bool acked_overflow; /* more than acked holds: the round is void */
    int failed_code;
    int failed_attempts;
    char failed_message[256];
    job_outcome outcome;   /* ok, skipped or failed, set by the job */
    double db_time_s;      /* time spent inside tracker calls */
    double start_s, end_s; /* monotonic, for wall time */
    tracker_stats stats;
    faultfs_counters faults;
    /* --kill-at write: written by the rank before the child starts, the
     * file-changing call (1-based) at which the job is to be SIGKILLed, 0
     * none; set by the job as it reaches that call, just before it dies */
    uint64_t kill_call;
    bool kill_reached;
    /* written by the rank */
    bool started_late;       /* its fork waited for another job to end:
                                 the machine could not fork them all */
    char harness_error[128]; /* the harness could not run it (fork): not
                                 a database outcome; "" none */
    int signal;              /* the signal that ended it, 0 none */
    bool killed_by_harness;
    bool walltime_exceeded;
} job_record;

/* Everything a job needs to know; the same on every rank. */
typedef struct job_spec {
    const options *opts;
    const tracker_profile *profile;
    const char *db_path;
    int job_index;
    int round;
    double storm_start_epoch;
    char variable[64];
    const char *outcome_file; /* foreign jobs only */
    const char *fault_log;    /* the model's event log for the round */
} job_spec;

/* The job's life in the current process (a forked child); returns the exit
 * status. A foreign job (--job-cmd) is exec'd and never returns. */
int job_run(const job_spec *spec, job_record *record);
/* Whether the jobs and the monitor go through the fault VFS (a fault
 * model, or --kill-at write's counting). */
bool jobs_use_faultfs(const options *o);
/* The tracker options of a job (and of the monitor): its profile, the
 * model's VFS, every clock compressed by the time scale. */
void job_tracker_options(const job_spec *spec, tracker_options *topt);
/* The status a tracker call writes into the task's row ("running",
 * "completed", "failed"), NULL for calls that leave it: their success is
 * the acknowledgement verification holds the database to. */
const char *status_set_by(int op);
/* Fill a record from a foreign job's outcome file, its operations named
 * as the workload names them. */
void job_read_outcome(const char *path, const workload *w, job_record *record);
/* A record before its job starts: nothing done, nothing in flight. */
void job_record_init(job_record *record);
/* A job's spec: job `job_index` of round `round` of `profile`; fault_log
 * and outcome_file may be NULL (no model, no foreign job). */
void job_spec_init(job_spec *spec, const options *o,
                   const tracker_profile *profile, const char *db_path,
                   int job_index, int round, double storm_start_epoch,
                   const char *fault_log, const char *outcome_file);

/* ---------------------------------------------------------------- isolation */

/* Run the given jobs concurrently, one child each (each in a process group
 * of its own), and wait for all of them with the walltime and the kill
 * plan; fills records[i]. A job the machine cannot fork yet starts when
 * another ends (started_late); one it cannot fork at all gets a
 * harness_error. stop_check says, at every wake, whether the run is
 * stopping: then every job's process group is SIGKILLed and reaped, and
 * the stop signal returned; else 0. */
int run_jobs_isolated(const job_spec *specs, job_record *records, int count,
                      int (*stop_check)(void));
/* The longest run_jobs_isolated can take for `count` jobs: each to its
 * walltime and reaped, one after another (the machine forking one at a
 * time). */
double jobs_time_bound(const options *o, int count);

/* --------------------------------------------------------------- monitor */

typedef struct monitor_record {
    uint64_t polls;
    uint64_t failed_polls;
    uint64_t requests_taken;
    char harness_error[128]; /* why it could not run, "" none */
    volatile int stop;       /* set by the rank when the jobs are done */
    int stop_fd;             /* the rank's end of the pipe the monitor
                                 sleeps on: closing it wakes the monitor */
    tracker_stats stats;
} monitor_record;

/* Fork the monitor; returns its pid. */
int monitor_start(const job_spec *spec, monitor_record *record);
void monitor_stop(int pid, monitor_record *record, double timeout_s);

/* ----------------------------------------------------------------- verify */

/* What verification found for one job's row. */
typedef enum job_verdict {
    VERDICT_OK,                /* the row holds the acknowledged status */
    VERDICT_LOST,              /* an acknowledged status is missing */
    VERDICT_UNKNOWN_COMMITTED, /* an unacknowledged write did commit */
    VERDICT_UNKNOWN_LOST       /* an unacknowledged write did not */
} job_verdict;

const char *verdict_name(job_verdict verdict);

typedef struct round_verdict {
    char integrity[128];     /* "ok" or the first problem */
    int lost_updates;        /* acknowledged writes the database lacks */
    int unknown_committed;   /* unacknowledged writes that did commit */
    int unknown_lost;        /* unacknowledged writes that did not */
    bool hot_journal;        /* -journal left behind */
    bool wal_left, shm_left; /* -wal, -shm left behind */
} round_verdict;

/* Fills *v and, for each job, verdicts[i]. */
void verify_round(const char *db_path, const options *o,
                  const job_record *records, int count, round_verdict *v,
                  job_verdict *verdicts);

/* ---------------------------------------------------------------- results */

typedef struct round_result {
    int round;                 /* 0-based over the whole run */
    bool setup_failed;         /* the batch driver could not set up the
                                  database: no job ran */
    tracker_error setup_error; /* its failing call, when setup_failed */
    int repeat;
    const tracker_profile *profile;
    const workload *workload; /* names the jobs' operations */
    int jobs;
    int by_outcome[OUTCOME_COUNT];
    int ioerr_jobs;        /* failed with an SQLITE_IOERR_* */
    int sigbus_jobs;       /* crashed with SIGBUS */
    int locked_jobs;       /* failed with busy/locked */
    int corrupt_jobs;      /* failed with corrupt/malformed */
    int other_jobs;        /* every other non-ok end */
    int late_starts;       /* jobs that started in a later wave: the
                                  machine could not fork them all at once */
    char during_round[64]; /* how --during-round's command ended, ""
                                  without one */
    double db_time_p50_s, db_time_p99_s;
    double wall_s;
    round_verdict verdict;
    monitor_record monitor;
    faultfs_counters faults; /* summed over the round's jobs */
} round_result;

/* Classify a round's records into the result's counters. */
void round_summarize(const job_record *records, int count, round_result *r);

typedef struct results {
    char dir[TEXT_MAX];
    FILE *jobs_csv, *rounds_csv, *faults_csv, *ops_csv;
    int write_errno; /* the first failed write's errno, 0 none */
} results;

/* A new results directory OUTPUT/<date>-<time>-<seed>, or with "-2",
 * "-3"... when that exists: made by this call, never shared; into dir.
 * OUTPUT must exist (the caller makes it, once it holds the database
 * directory). */
bool results_new_dir(const options *o, char *dir, size_t dir_size, char *err,
                     size_t err_size);
/* The result files, in a new directory (results_open) or in `dir`. */
int results_open(results *res, const options *o, char *err, size_t err_size);
int results_open_in(results *res, const char *dir, char *err, size_t err_size);
void results_add_round(results *res, const round_result *r,
                       const job_record *records, const job_verdict *verdicts);
/* How a run ended, for summary.json and the table's caption. */
typedef enum run_status {
    RUN_COMPLETED = 0,
    RUN_INTERRUPTED, /* a signal, or not finished yet */
    RUN_STOPPED      /* a harness error ended it */
} run_status;
typedef struct run_end {
    run_status status;
    int signal_number;     /* the stop signal, when interrupted by one */
    char reason[TEXT_MAX]; /* "SIGTERM", "harness error: ...", "" */
    int rounds_planned;
} run_end;
/* `text` as a JSON string, quoted and escaped. */
void results_json_text(FILE *f, const char *text);
/* The progress line of a round on stderr (unless --quiet). */
void results_print_progress(const options *o, const round_result *r, int done,
                            int total);
/* summary.json as it stands after round_count rounds (written aside,
 * then renamed into place: a reader never sees half of it); false when it
 * cannot be written. placement_json is the JSON array of where the jobs
 * ran: the ranks' hosts, or in the single-job topology each job's own
 * environment. */
bool results_write_summary(const results *res, const options *o,
                           const environment *env, const char *placement_json,
                           const round_result *rounds, int round_count,
                           const run_end *end);
/* The closing table on `out`, the final summary.json, the files closed;
 * false when a results file could not be written. */
bool results_finish(results *res, const options *o, const environment *env,
                    const char *placement_json, const round_result *rounds,
                    int round_count, const run_end *end, FILE *out);
/* Whether every results file has been written without error so far. */
bool results_ok(const results *res);

/* ------------------------------------------------------------------ rounds */

typedef struct run_context {
    const options *opts;
    int rank, size; /* MPI_COMM_WORLD */
    const char *db_path;
    const char *results_dir; /* rank 0's results/<run-id>, on every rank */
} run_context;

/* How a round ended for the run. */
typedef enum round_end {
    ROUND_DONE = 0,     /* ran, or its set-up failed: an outcome */
    ROUND_INTERRUPTED,  /* a rank was signalled: not recorded */
    ROUND_HARNESS_ERROR /* the harness failed (fork, memory, files):
                                  not recorded, the run stops */
} round_end;

/* One round of `profile` on every rank; rank 0 fills *out and writes the
 * round's results. For ROUND_INTERRUPTED *stop_signal is the signal; for
 * ROUND_HARNESS_ERROR rank 0's `why` says what failed. */
round_end run_round(const run_context *ctx, const tracker_profile *profile,
                    int round, int repeat, results *res, round_result *out,
                    int *stop_signal, char *why, size_t why_size);
/* The longest one round may take on `size` ranks: its set-up, its jobs
 * (in waves, at worst), the meetings' margins. */
double round_time_bound(const options *o, int size);
/* How many of the round's jobs rank `rank` plays: jobs rank, rank+size... */
int jobs_of_rank(int jobs, int rank, int size);

/* meet.c: meetings that sleep instead of spinning, each bounded by
 * timeout_s; each returns the stop signal of any rank (0 none). */
/* The longest pause of a rank other than 0: while jobs run (the end of a
 * round), and between rounds, when no job runs and rank 0 alone works. */
#define PAUSE_DURING_JOBS_S 0.02
#define PAUSE_BETWEEN_ROUNDS_S 0.005
/* A barrier after which every rank holds rank 0's values[0..n-1], filled
 * by `fill` on rank 0 once every rank has arrived (NULL: none; n at most
 * 4). Each rank's arrival carries its stop signal, and rank 0's answer the
 * first of them: returned on every rank, so all stop together. */
int polite_meet(double timeout_s, const char *where, double *values, int n,
                void (*fill)(double *values, void *arg), void *arg,
                double longest_pause);
/* A barrier and nothing more. */
int polite_barrier(double timeout_s, const char *where);
/* The start barrier, then every rank sleeps until the release time. */
int release_together(double timeout_s);
/* Rank 0 collects every rank's stop signal and records, in job order (a
 * rank sends once its jobs have ended). Point to point and polite, as the
 * barriers are: rank 0 sleeps while the others' jobs run, rather than
 * spinning in MPI_Gatherv; the end-of-round meeting then holds the other
 * ranks until it is done. *stop: on rank 0 the first rank's stop signal
 * (its own included), so an interrupted round is never verified or
 * recorded. Rank 0's records (malloc'd), NULL on the other ranks. */
job_record *gather_records(const run_context *ctx, const job_record *mine,
                           int count, double timeout_s, int *stop);

/*
 * Where a round's wall time goes (make bench): with the
 * environment variable TRACKHAMMER_PHASE_LOG naming a file, rank 0 appends
 * one CSV row per round with the seconds (rank 0's monotonic clock, to the
 * microsecond) of each step of the round, and when the jobs' children
 * started and ended relative to the release. Off unless asked: nothing is
 * measured or written otherwise.
 */
enum round_phase {
    PHASE_SETUP,         /* the batch driver: a fresh database, tasks */
    PHASE_SETUP_BARRIER, /* every rank meets it, the verdict sent */
    PHASE_SPECS,         /* the jobs' specs, shared memory */
    PHASE_RELEASE,       /* every rank meets, then the release time */
    PHASE_MONITOR_START, /* the monitor's fork */
    PHASE_JOBS,          /* rank 0's jobs, fork to the last reap */
    PHASE_END_GATHER,    /* the other ranks' jobs, their records, the
                            * end-of-round meeting */
    PHASE_MONITOR_STOP,  /* the monitor told to stop, reaped */
    PHASE_VERIFY,        /* the database checked against the records */
    PHASE_RESULTS,       /* the round's rows written */
    PHASE_COUNT
};

/* Each phase's seconds of one round, on rank 0 when the log is on. */
typedef struct phase_clock {
    bool on;
    double last, seconds[PHASE_COUNT];
} phase_clock;
/* Starts the round's clock (on only on rank 0 with the log asked for). */
void phase_clock_start(phase_clock *c, int rank);
/* The time since the last mark counted to `phase`. */
void phase_mark(phase_clock *c, enum round_phase phase);
/* The round's row appended to the log: the phases, then the jobs'
 * children against the release. */
void phase_log_write(const phase_clock *c, const round_result *r,
                     const job_record *all, int jobs, double released);

/* setup.c */
/* The longest a set-up may take before it counts as hung: a small
 * database's creation takes milliseconds, and a file system that stalls
 * it longer is the finding. */
#define SETUP_TIMEOUT_S 120.0
/* The batch driver's part, in a child process (a crash in SQLite ends the
 * set-up, not the caller): a fresh database at db_path (everything beside
 * it removed: the caller holds the directory) with every task and a PBS
 * job id. SQLITE_OK, or the failing call in *e; -1 when the harness
 * itself failed (fork, mmap), said in e->message. */
int database_prepare(const options *o, const tracker_profile *profile,
                     const char *db_path, tracker_error *e);

/* -------------------------------------------- the database directory */

/* Who holds a database directory: DB_DIR/.trackhammer-holder. */
typedef struct db_holder {
    char host[256];
    long pid;
    char run_id[TEXT_MAX];
    char run_dir[TEXT_MAX];
    char started[64];
    char topology[32];    /* "mpi" or "single-job" */
    double beat_within_s; /* the longest between two heartbeats, 0 none
                                (a prepared run beats no more) */
} db_holder;

typedef struct db_claim {
    char path[TEXT_MAX + 32];
    int fd;
    bool held;
    db_holder holder;
} db_claim;

/* Hold db_dir for this run: 0; 2 (a message in err) when another run
 * holds it or it holds a database or journal trackhammer did not make; 1
 * when the holder file cannot be written. */
int db_dir_claim(const char *db_dir, const char *topology, db_claim *claim,
                 char *err, size_t err_size);
/* Name the run (its results directory) in the holder file, and the
 * longest it may go between heartbeats (0: it beats no more). */
int db_dir_claim_name_run(db_claim *claim, const char *run_dir,
                          double beat_within_s, char *err, size_t err_size);
/* Remove the database at db_path and the files kept beside it (journal,
 * WAL, -shm, the fault model's storm state): only what trackhammer makes,
 * in a directory its claim checked. */
void database_remove(const char *db_path);
/* Say the holder still works (the file's mtime). */
void db_dir_heartbeat(const db_claim *claim);
/* Keep holding after this process exits (--prepare). */
void db_dir_keep(db_claim *claim);
/* Let go: the holder file removed if it still names this holder. */
void db_dir_release(db_claim *claim);
/* --merge and --single-job: the claim --prepare left for run_dir (to
 * release, or to close with db_dir_keep); 2 with a message when the
 * directory is not held by that run. */
int db_dir_claim_adopt(const char *db_dir, const char *run_dir,
                       db_claim *claim, char *err, size_t err_size);

/* ------------------------------------------- the stop, across ranks */

/* relay.c: a rank signalled tells rank 0, rank 0 tells every rank, while
 * jobs run. Start it on every rank once MPI is up; finish it on every
 * rank after the last meeting, before MPI_Finalize. */
void stop_relay_start(void);
/* The run's stop signal as this rank knows it (its own, or one relayed),
 * 0 none; sends what it has to. Without a started relay (the single-job
 * topology): this process's own stop signal. */
int stop_relay_poll(void);
/* When this rank learnt of the stop (monotonic), 0 not yet. */
double stop_relay_since(void);
void stop_relay_finish(void);

/* ------------------------------------------------------------- interrupts */

/* SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 and SIGXCPU (what batch
 * systems send at walltime or qdel) stop the run: noted, acted on at the
 * next wait. */
void interrupts_install(void);
/* The first stop signal received, 0 none. */
int interrupt_signal(void);
/* The monotonic time it arrived, 0 none. */
double interrupt_time(void);
/* In a forked child: the stop signals back to their default action. */
void interrupts_reset_in_child(void);
/* "SIGTERM" for SIGTERM, and so on, for the stop signals. */
const char *interrupt_signal_name(int signal_number);
/* The exit status of a run a signal stopped: 128 + the signal, as a shell
 * reports it. */
int interrupt_exit_status(int signal_number);

/* ---------------------------------------------- the single-job topology */

/* The database of a run: DB_DIR/cmor_tasks.db. */
void database_path(const options *o, char *path, size_t size);
/* --prepare: the database, the run directory and its plan; prints the
 * run directory on stdout. Returns the exit status. */
int plan_prepare(options *o, int argc, char **argv);
/* The options --prepare wrote into RUN_DIR/plan, parsed as it parsed
 * them, with the mode and run directory of `step` kept. False with a
 * message when the directory holds no plan. */
bool plan_load(const options *step, options *o, char *err, size_t err_size);

/* One job's file RUN_DIR/jobs/job-INDEX.record: the record, mapped
 * shared while the job lives so that a job the batch system kills leaves
 * what it had done, and the environment it ran in. */
typedef struct job_file {
    char magic[16];  /* JOB_FILE_MAGIC */
    uint32_t layout; /* sizeof(job_file): the same build wrote it */
    int32_t index;
    int32_t settled; /* trackhammer saw the job end */
    int32_t exit_status;
    double start_epoch, end_epoch;
    char batch_job_id[64]; /* PBS_JOBID or SLURM_JOB_ID */
    environment env;       /* as this job's node sees the database */
    job_record record;
} job_file;
#define JOB_FILE_MAGIC "trackhammer-job"

void job_file_path(const char *run_dir, int index, char *path, size_t size);
/* --single-job: returns the exit status (0 ok or skipped, 1 otherwise). */
int single_job_main(const options *step);
/* --merge: returns the exit status. */
int merge_main(const options *step);

/* -------------------------------------------------------------- utilities */

double monotonic_now(void);
double epoch_now(void);
/* (Sleeping and seeded mixing: sleep_resuming and splitmix64_mix, in
 * shared_inline.h.) The next value in [0, 1) of a stream whose state is
 * its last mixed value: deterministic per-seed streams for the harness's
 * own choices (start jitter, kills). */
double uniform01(uint64_t *state);
/* --during-round's command for one round, started by rank 0 as the jobs
 * are released. */
typedef struct during_round {
    pid_t pid;      /* 0 when there is none, -1 when it was not forked */
    int fork_errno; /* why not, when pid is -1 */
} during_round;
during_round during_round_start(const options *o, const char *run_dir,
                                int round, const char *profile);
/* End it with the round (SIGTERM to its group, SIGKILL after a grace, and
 * whatever it left in its group), and say how it ended into out ("" when
 * there was none). */
void during_round_finish(const during_round *command, char *out, size_t size);

/* fork() for a job, the monitor or the batch driver: in the child a
 * process group of its own (killed whole), death with its parent (a rank
 * SIGKILLed leaves no job writing), the crash and stop signals back to
 * their default action and SIGCHLD unblocked; stdio flushed before.
 * In the parent SIGCHLD stays blocked from the first fork on, so that
 * wait_for_child_exit sees every child's end. */
pid_t fork_child(void);
/* Sleep until a child ends (SIGCHLD) or `seconds` pass, at most 0.25 s:
 * waiting for children without polling on a timer, which on 2 cores
 * under 71 ranks took CPU from the jobs being measured. */
void wait_for_child_exit(double seconds);
/* Reap child `pid` within `seconds` (its wait status into *status):
 * false if it has not ended by then. Never blocks longer: a child stuck
 * in the kernel on a hung file system must not hang the rank. */
bool reap_within(pid_t pid, int *status, double seconds);
/* SIGKILL to the child's process group (fork_child made one), then
 * reap_within. */
bool kill_and_reap(pid_t pid, int *status, double seconds);
/* How long a child SIGKILLed may take to be reaped before the harness
 * gives up on it (a process stuck in the kernel). */
#define REAP_GRACE_S 30.0
/* Run argv (argv[0] found on PATH) in a child, stdin from input_fd (-1:
 * /dev/null), its stdout into out (NUL-terminated, cut at out_size - 1)
 * and the last line of its stderr into err_line, for at most timeout_s,
 * then its process group is killed. Its wait status, or -1 when it could
 * not be started or did not end in time. */
int run_captured(char *const argv[], int input_fd, char *out, size_t out_size,
                 char *err_line, size_t err_line_size, double timeout_s);
/* snprintf for text that may be cut short on purpose (messages, names);
 * paths are kept short enough by the option checks never to be. */
void text_format(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The fault model's whole description (faultfs syntax), malloc'd; NULL
 * when out of memory. */
char *model_description(const faultfs_config *config);
/* mkdir of the path's last directory (never its parents: a mistyped
 * path makes no tree), then check it is a writable directory; `what`
 * names it in the message. */
bool make_directory(const char *path, const char *what, char *err,
                    size_t err_size);

#endif /* TRACKHAMMER_H */
