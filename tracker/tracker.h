/*
 * tracker.h: the task-tracking database that every batch job writes to.
 *
 * A C restatement of the upstream Python TaskTracker (ACCESS-MOPPy
 * tracking.py): the same schema, the same statements, the same transactions
 * (Python sqlite3's implicit deferred BEGIN before a data-changing statement,
 * COMMIT after it, ROLLBACK on failure) and the same retry decisions, so that
 * what fails here under a fault is what fails there.
 *
 * Every call returns an SQLite result code (SQLITE_OK on success). On failure
 * tracker_last_error() says which operation failed, the extended result code,
 * its name, SQLite's message and how many attempts were made. Nothing here
 * prints.
 *
 * This header is the whole public interface of tracker/.
 */
#ifndef TRACKER_H
#define TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- profiles */

typedef enum tracker_journal_mode {
    TRACKER_JOURNAL_DELETE,
    TRACKER_JOURNAL_TRUNCATE,
    TRACKER_JOURNAL_PERSIST,
    TRACKER_JOURNAL_WAL
} tracker_journal_mode;

typedef enum tracker_sync_mode {
    TRACKER_SYNC_OFF,
    TRACKER_SYNC_NORMAL,
    TRACKER_SYNC_FULL,
    TRACKER_SYNC_EXTRA
} tracker_sync_mode;

/* How a failed SQLite call is classified: by result code, never by message. */
typedef enum tracker_error_class {
    TRACKER_CLASS_NONE = 0,
    TRACKER_CLASS_BUSY, /* SQLITE_BUSY*, SQLITE_LOCKED*: "database is locked" */
    TRACKER_CLASS_IOERR,   /* SQLITE_IOERR and every SQLITE_IOERR_* */
    TRACKER_CLASS_CORRUPT, /* SQLITE_CORRUPT*, SQLITE_NOTADB: "malformed" */
    TRACKER_CLASS_OTHER,   /* everything else, including misuse of this API */
    TRACKER_CLASS_COUNT
} tracker_error_class;

/* Bits of tracker_profile.retry_errors: which classes are retried. */
#define TRACKER_RETRY_BUSY (1u << TRACKER_CLASS_BUSY)
#define TRACKER_RETRY_IOERR (1u << TRACKER_CLASS_IOERR)
/* A corrupt result closes and reopens the connection before the retry. */
#define TRACKER_RETRY_CORRUPT (1u << TRACKER_CLASS_CORRUPT)

/* Bits of tracker_profile.retry_scope: which calls go through the retry
 * wrapper. A call outside the scope is made once, as upstream's unwrapped
 * reads were. */
#define TRACKER_SCOPE_WRITES (1u << 0) /* every data-changing call */
#define TRACKER_SCOPE_READS (1u << 1)  /* get_*, is_done, list_unfinished */
#define TRACKER_SCOPE_TAKE_MONITOR (1u << 2) /* take_monitor_requests */
#define TRACKER_SCOPE_OPEN (1u << 3) /* the whole pragma+schema sequence */
/* sqlite3.connect itself: sqlite3_open_v2 reads the database header, and
 * upstream makes that call once, before (outside) any retry loop. A failure
 * there is retried only under this bit, though it counts as the open. */
#define TRACKER_SCOPE_CONNECT (1u << 4)
#define TRACKER_SCOPE_ALL (0x1Fu)

/* A named configuration of the tracker. Every field is a knob that can be
 * set on its own (tracker_profile_set). */
typedef struct tracker_profile {
    char name[256];          /* "wal-normal", or with overrides */
    char published_run[16];  /* "test_1".."test_5", or "" */
    const char *description; /* one line, static */
    tracker_journal_mode journal_mode;
    tracker_sync_mode synchronous;
    int busy_timeout_ms;           /* upstream: 30000; original: 5000 */
    bool checkpoint_before_switch; /* PRAGMA wal_checkpoint(TRUNCATE) first */
    unsigned retry_errors;         /* TRACKER_RETRY_* bits */
    unsigned retry_scope;          /* TRACKER_SCOPE_* bits */
    int max_attempts;              /* >= 1; upstream: 5 */
    double backoff_base_s;         /* attempt k sleeps base * 2^k ... */
    double jitter_s;               /* ... plus uniform [0, jitter) s */
} tracker_profile;

/* The built-in profiles, in the order of the published matrix. */
size_t tracker_profile_count(void);
const tracker_profile *tracker_profile_at(size_t index);
/* NULL when no profile has that name. */
const tracker_profile *tracker_profile_find(const char *name);

/*
 * Set one knob by name, as the harness's command line does:
 *   journal=delete|truncate|persist|wal   sync=off|normal|full|extra
 *   busy_timeout=MS   checkpoint=yes|no   attempts=N
 *   backoff=SECONDS   jitter=SECONDS
 *   retry=busy+ioerr+corrupt|none
 *   scope=writes+reads+take_monitor+open+connect|all|none
 * Any change renames the profile "<name>+<key>=<value>" so results never
 * pass a modified profile off as a published one.
 * Returns SQLITE_OK, or SQLITE_MISUSE with a message in err naming the key
 * and value.
 */
int tracker_profile_set(tracker_profile *profile, const char *key,
                        const char *value, char *err, size_t err_size);

/* The value of one knob as text that tracker_profile_set reads back to the
 * same value (numbers exactly). SQLITE_MISUSE for an unknown key. */
int tracker_profile_get(const tracker_profile *profile, const char *key,
                        char *buf, size_t buf_size);

/* The knobs, one table in profile.c, in the order describe prints them:
 * the key of knob `index`, and the environment variable that carries it to
 * a foreign job (harness/jobs/CONTRACT.md); NULL past the last. */
const char *tracker_profile_knob(size_t index);
const char *tracker_profile_knob_variable(size_t index);

/* "NAME[,key=value...]": a built-in profile with knob overrides. */
int tracker_profile_parse(const char *spec, tracker_profile *out, char *err,
                          size_t err_size);

/* One line with every knob, for logs and result files. */
void tracker_profile_describe(const tracker_profile *profile, char *buf,
                              size_t buf_size);

/* Strict numbers, as the knobs above and the harness's command lines take
 * them: the whole text one decimal number (a finite one for a real) from
 * lo to hi; false, with *out untouched, otherwise. */
bool tracker_parse_whole(const char *text, long lo, long hi, long *out);
bool tracker_parse_real(const char *text, double lo, double hi, double *out);

const char *tracker_journal_mode_name(tracker_journal_mode mode);
const char *tracker_sync_mode_name(tracker_sync_mode mode);
const char *tracker_error_class_name(tracker_error_class cls);

/* ------------------------------------------------------------------ errors */

/*
 * The tracker's operations, the one place to add one:
 *   X(ID, name, retry scope, status it writes into the task's row)
 * The name is what results, outcome records and foreign jobs say
 * (harness/jobs/CONTRACT.md); the scope is the TRACKER_SCOPE_* bit that puts
 * the call under the retry policy (0: never retried); the status is
 * TRACKER_STATUS_NONE for a call that leaves the row's status alone. An
 * operation with a statement of its own finds it under the same ID in
 * tracker_internal.h's TRACKER_STATEMENTS. Aliases (mark_done, is_done)
 * count as what they call.
 */
#define TRACKER_OPERATIONS(X)                                                 \
    X(OPEN, "open", TRACKER_SCOPE_OPEN, TRACKER_STATUS_NONE)                  \
    X(ADD_TASK, "add_task", TRACKER_SCOPE_WRITES, TRACKER_STATUS_NONE)        \
    X(MARK_RUNNING, "mark_running", TRACKER_SCOPE_WRITES,                     \
      TRACKER_STATUS_RUNNING)                                                 \
    X(MARK_COMPLETED, "mark_completed", TRACKER_SCOPE_WRITES,                 \
      TRACKER_STATUS_COMPLETED)                                               \
    X(MARK_FAILED, "mark_failed", TRACKER_SCOPE_WRITES,                       \
      TRACKER_STATUS_FAILED)                                                  \
    X(GET_STATUS, "get_status", TRACKER_SCOPE_READS, TRACKER_STATUS_NONE)     \
    X(RESET_TO_PENDING, "reset_to_pending", TRACKER_SCOPE_WRITES,             \
      TRACKER_STATUS_NONE)                                                    \
    X(SET_PBS_JOB_ID, "set_pbs_job_id", TRACKER_SCOPE_WRITES,                 \
      TRACKER_STATUS_NONE)                                                    \
    X(GET_PBS_JOB_ID, "get_pbs_job_id", TRACKER_SCOPE_READS,                  \
      TRACKER_STATUS_NONE)                                                    \
    X(SET_PBS_INFO, "set_pbs_info", TRACKER_SCOPE_WRITES,                     \
      TRACKER_STATUS_NONE)                                                    \
    X(GET_PBS_INFO, "get_pbs_info", TRACKER_SCOPE_READS, TRACKER_STATUS_NONE) \
    X(SET_WORKER_MEMORY, "set_worker_memory", TRACKER_SCOPE_WRITES,           \
      TRACKER_STATUS_NONE)                                                    \
    X(GET_WORKER_MEMORY, "get_worker_memory", TRACKER_SCOPE_READS,            \
      TRACKER_STATUS_NONE)                                                    \
    X(SET_OUTPUT_SUMMARY, "set_output_summary", TRACKER_SCOPE_WRITES,         \
      TRACKER_STATUS_NONE)                                                    \
    X(GET_OUTPUT_SUMMARY, "get_output_summary", TRACKER_SCOPE_READS,          \
      TRACKER_STATUS_NONE)                                                    \
    X(LIST_UNFINISHED, "list_unfinished", TRACKER_SCOPE_READS,                \
      TRACKER_STATUS_NONE)                                                    \
    X(ENQUEUE_MONITOR_REQUEST, "enqueue_monitor_request",                     \
      TRACKER_SCOPE_WRITES, TRACKER_STATUS_NONE)                              \
    X(TAKE_MONITOR_REQUESTS, "take_monitor_requests",                         \
      TRACKER_SCOPE_TAKE_MONITOR, TRACKER_STATUS_NONE)                        \
    X(CLOSE, "close", 0u, TRACKER_STATUS_NONE)

/* Which call failed: TRACKER_OP_<ID> for each row above. */
typedef enum tracker_op {
#define TRACKER_OP_ENUM(id, name, scope, status) TRACKER_OP_##id,
    TRACKER_OPERATIONS(TRACKER_OP_ENUM)
#undef TRACKER_OP_ENUM
        TRACKER_OP_COUNT
} tracker_op;

const char *tracker_op_name(tracker_op op);
/* The operation called `name`; false when there is none. */
bool tracker_op_find(const char *name, tracker_op *op);
/* The TRACKER_SCOPE_* bit under which the operation is retried (0: never). */
unsigned tracker_op_scope(tracker_op op);

typedef struct tracker_error {
    tracker_op op;
    int code; /* extended SQLite result code */
    tracker_error_class cls;
    int attempts;      /* how many times the call was tried */
    char message[512]; /* SQLite's message, or ours for bad input */
} tracker_error;

/* "SQLITE_IOERR_FSYNC" for SQLITE_IOERR_FSYNC, and so on. */
const char *tracker_code_name(int extended_code);
tracker_error_class tracker_classify(int extended_code);
/* "mark_running: SQLITE_IOERR_FSYNC (1034): disk I/O error (5 attempts)" */
void tracker_error_format(const tracker_error *error, char *buf,
                          size_t buf_size);

/* ----------------------------------------------------------------- opening */

/* Sleeps `seconds` (already scaled). Tests pass one that records and returns. */
typedef void (*tracker_sleep_fn)(void *ctx, double seconds);
/* Uniform in [0, 1). */
typedef double (*tracker_random_fn)(void *ctx);

typedef struct tracker_options {
    tracker_profile profile;
    const char *vfs;        /* SQLite VFS name; NULL for the default */
    double time_scale;      /* multiplies every backoff sleep; 1 = real */
    uint64_t seed;          /* for the built-in jitter source */
    tracker_sleep_fn sleep; /* NULL: nanosleep */
    void *sleep_ctx;
    tracker_random_fn random; /* NULL: a generator seeded with `seed` */
    void *random_ctx;
} tracker_options;

/* Options for a profile with the defaults above (scale 1, real sleep). */
void tracker_options_init(tracker_options *options,
                          const tracker_profile *profile);

typedef struct tracker tracker;

/*
 * Create the directory if needed, open the database, apply the profile's
 * pragmas and create or migrate the schema. On failure *out is NULL and
 * *error says why (error may be NULL).
 */
int tracker_open(const char *path, const tracker_options *options,
                 tracker **out, tracker_error *error);

/* Close the connection; idempotent. Statistics stay readable; any other
 * call afterwards fails with SQLITE_MISUSE. */
int tracker_close(tracker *t);
/* Close if needed and release everything. NULL is fine. */
void tracker_free(tracker *t);

const tracker_error *tracker_last_error(const tracker *t);
const tracker_profile *tracker_get_profile(const tracker *t);
const char *tracker_path(const tracker *t);

/* -------------------------------------------------------------- operations */

typedef enum tracker_status {
    TRACKER_STATUS_NONE = 0, /* no such task */
    TRACKER_STATUS_PENDING,
    TRACKER_STATUS_RUNNING,
    TRACKER_STATUS_COMPLETED,
    TRACKER_STATUS_FAILED
} tracker_status;

const char *tracker_status_name(tracker_status status);
/* The status the operation writes into the task's row; TRACKER_STATUS_NONE
 * for one that leaves it. */
tracker_status tracker_op_sets_status(tracker_op op);

int tracker_add_task(tracker *t, const char *variable, const char *experiment);
int tracker_mark_running(tracker *t, const char *variable,
                         const char *experiment);
int tracker_mark_completed(tracker *t, const char *variable,
                           const char *experiment);
int tracker_mark_done(tracker *t, const char *variable,
                      const char *experiment);
int tracker_mark_failed(tracker *t, const char *variable,
                        const char *experiment, const char *message);
int tracker_get_status(tracker *t, const char *variable,
                       const char *experiment, tracker_status *status);
int tracker_is_done(tracker *t, const char *variable, const char *experiment,
                    bool *done);
int tracker_reset_to_pending(tracker *t, const char *variable,
                             const char *experiment);

/* job_id may be NULL (stored as NULL). Setting it clears pbs_info_json. */
int tracker_set_pbs_job_id(tracker *t, const char *variable,
                           const char *experiment, const char *job_id);

/*
 * Getters of text hand back a string the caller frees with tracker_free_text,
 * or NULL for "none" (no such task, NULL column, or for the JSON getters a
 * stored value that is malformed or not an object).
 */
int tracker_get_pbs_job_id(tracker *t, const char *variable,
                           const char *experiment, char **job_id);

/* JSON setters take the text of a JSON object (NULL clears) and store it
 * compact with keys sorted at every level, as json.dumps(sort_keys=True,
 * separators=(",", ":")) does. */
int tracker_set_pbs_info(tracker *t, const char *variable,
                         const char *experiment, const char *json_object);
int tracker_get_pbs_info(tracker *t, const char *variable,
                         const char *experiment, char **json_object);
int tracker_set_worker_memory(tracker *t, const char *variable,
                              const char *experiment, const char *json_object);
int tracker_get_worker_memory(tracker *t, const char *variable,
                              const char *experiment, char **json_object);
int tracker_set_output_summary(tracker *t, const char *variable,
                               const char *experiment,
                               const char *json_object);
int tracker_get_output_summary(tracker *t, const char *variable,
                               const char *experiment, char **json_object);
void tracker_free_text(char *text);

typedef struct tracker_task_row {
    char *variable;
    tracker_status status;
    char *pbs_job_id; /* NULL when unset */
} tracker_task_row;

/* Tasks of the experiment whose status is neither completed nor failed. */
int tracker_list_unfinished(tracker *t, const char *experiment,
                            tracker_task_row **rows, size_t *count);
void tracker_free_task_rows(tracker_task_row *rows, size_t count);

int tracker_enqueue_monitor_request(tracker *t, const char *variable,
                                    const char *experiment);
/* Queued variables ordered by requested_at then variable, removed in the
 * same transaction. */
int tracker_take_monitor_requests(tracker *t, const char *experiment,
                                  char ***variables, size_t *count);
void tracker_free_strings(char **strings, size_t count);

/* -------------------------------------------------------------- statistics */

#define TRACKER_LATENCY_BUCKETS 40 /* bucket b: [2^b, 2^(b+1)) microseconds */

typedef struct tracker_op_stats {
    uint64_t calls;
    uint64_t attempts;
    uint64_t retries[TRACKER_CLASS_COUNT]; /* by class of the failed attempt */
    uint64_t failures[TRACKER_CLASS_COUNT]; /* calls that returned an error */
    double backoff_s;                       /* time asked of the sleep hook */
    double latency_total_s;                 /* whole call, retries included */
    double latency_max_s;
    uint64_t latency_hist[TRACKER_LATENCY_BUCKETS];
} tracker_op_stats;

typedef struct tracker_stats {
    tracker_op_stats op[TRACKER_OP_COUNT];
    uint64_t reconnects;
} tracker_stats;

const tracker_stats *tracker_get_stats(const tracker *t);
/* Add b into a (for merging ranks or jobs). */
void tracker_stats_add(tracker_stats *a, const tracker_stats *b);
/* Latency below which a fraction q of the calls fell (upper bucket edge). */
double tracker_op_stats_percentile(const tracker_op_stats *s, double q);

#ifdef __cplusplus
}
#endif
#endif /* TRACKER_H */
