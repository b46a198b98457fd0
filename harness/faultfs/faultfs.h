/*
 * faultfs.h: a Lustre fault model as an SQLite VFS.
 *
 * A shim over SQLite's "unix" VFS: each file-system call on a database,
 * journal, WAL or -shm file may be delayed or failed the way the unix VFS
 * fails on EIO, decided by the configured model before the call and
 * recorded. Configured from one string, "MODEL[,key=value...]" (API,
 * harness command line, FAULTFS_CONFIG). Linked in (build/libfaultfs.a) or
 * loaded as an extension (build/faultfs.so).
 *
 * The model (fault classes and what each returns, the storm, both SIGBUS
 * models, time, fit files, crash mode) and every configuration key:
 * harness/faultfs/README.md. The default model's parameters, each with its
 * reason: faultfs_lustre_model in faultfs_config.c.
 *
 * Library calls return SQLITE_OK or an SQLite error code, with a message
 * in the caller's buffer; nothing here prints. Installing a configuration
 * while another thread is inside SQLite on a faultfs connection is not
 * supported.
 */
#ifndef FAULTFS_H
#define FAULTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FAULTFS_VFS_NAME "faultfs"
#define FAULTFS_CONFIG_ENV "FAULTFS_CONFIG"
#define FAULTFS_PATH_MAX 1024
#define FAULTFS_MAX_NODE 1023
/* fail_count meaning "every call from the first one on". */
#define FAULTFS_FOREVER UINT64_MAX

/*
 * The fault classes, the one place to add one:
 *   X(ID, name, fit group, errno, code, other codes...)
 * ID gives FAULTFS_<ID>. A fault of the class is the system call under it
 * failing with errno; code is what SQLite 3.40's unix VFS then returns from
 * the class's VFS method, and so what an injected fault returns; the other
 * codes are how SQLite reports the same fault elsewhere (README.md's table
 * says where). The fit group is the multiplier th-calibrate fits for the
 * class ("sync", "meta" or "data"; NULL: not fitted). Expanding the codes
 * needs <errno.h> and <sqlite3.h>.
 */
#define FAULTFS_CLASSES(X)                                                    \
    X(OPEN, "open", "meta", EIO, SQLITE_CANTOPEN)                             \
    X(DELETE, "delete", "meta", EIO, SQLITE_IOERR_DELETE)                     \
    X(ACCESS, "access", "meta", EIO, SQLITE_IOERR_ACCESS, SQLITE_IOERR_FSTAT) \
    X(SYNC, "sync", "sync", EIO, SQLITE_IOERR_FSYNC)                          \
    X(READ, "read", "data", EIO, SQLITE_IOERR_CORRUPTFS, SQLITE_CORRUPT,      \
      SQLITE_IOERR_READ)                                                      \
    X(WRITE, "write", "data", EIO, SQLITE_IOERR_WRITE)                        \
    X(TRUNCATE, "truncate", "meta", EIO, SQLITE_IOERR_TRUNCATE)               \
    X(LOCK, "lock", "meta", EIO, SQLITE_IOERR_LOCK, SQLITE_IOERR_RDLOCK,      \
      SQLITE_IOERR_CHECKRESERVEDLOCK)                                         \
    X(SHM_OPEN, "shm_open", "meta", EIO, SQLITE_IOERR_SHMOPEN)                \
    X(SHM_MAP, "shm_map", NULL, EIO, SQLITE_IOERR_SHMMAP)

typedef enum faultfs_class {
#define FAULTFS_CLASS_ENUM(id, ...) FAULTFS_##id,
    FAULTFS_CLASSES(FAULTFS_CLASS_ENUM)
#undef FAULTFS_CLASS_ENUM
        FAULTFS_CLASS_COUNT
} faultfs_class;

/* One row of FAULTFS_CLASSES as data; codes end at the first 0. */
typedef struct faultfs_class_info {
    const char *name;
    const char *group;
    int error_number;
    int codes[4];
} faultfs_class_info;

/* The initializer of a faultfs_class_info array indexed by class:
 *   { FAULTFS_CLASSES(FAULTFS_CLASS_INFO) } */
#define FAULTFS_CLASS_INFO(id, name, group, error_number, ...)                \
    [FAULTFS_##id] = { name, group, error_number, { __VA_ARGS__ } },

typedef enum faultfs_file_kind {
    FAULTFS_FILE_MAIN,
    FAULTFS_FILE_JOURNAL,
    FAULTFS_FILE_WAL,
    FAULTFS_FILE_SHM,
    FAULTFS_FILE_TEMP, /* local temporary files: never faulted */
    FAULTFS_FILE_KIND_COUNT
} faultfs_file_kind;

typedef enum faultfs_shm_map_effect {
    FAULTFS_SHM_MAP_ERROR, /* return SQLITE_IOERR_SHMMAP */
    FAULTFS_SHM_MAP_UNBACK /* SIGBUS model (a) */
} faultfs_shm_map_effect;

/* The errno a failed read stands for, which decides what SQLite reports. */
typedef enum faultfs_read_errno {
    FAULTFS_READ_EIO, /* SQLITE_IOERR_CORRUPTFS, as the unix VFS maps EIO */
    FAULTFS_READ_TIMEDOUT /* SQLITE_IOERR_READ: any other errno, such as
                              ETIMEDOUT after a Lustre RPC timed out */
} faultfs_read_errno;

typedef enum faultfs_node_locks {
    FAULTFS_NODE_LOCKS_SHM, /* only -shm locks are node-local */
    FAULTFS_NODE_LOCKS_ALL  /* database locks too (localflock) */
} faultfs_node_locks;

typedef struct faultfs_class_config {
    double probability;  /* per call, before the storm factor */
    double latency_s;    /* model seconds added to every call */
    uint64_t fail_first; /* scheduled failures: call number, 0 = none */
    uint64_t fail_count; /* how many from fail_first; FAULTFS_FOREVER */
} faultfs_class_config;

typedef struct faultfs_storm_config {
    bool enabled;
    double capacity;      /* calls per model second at which p applies */
    double horizon_s;     /* load is measured over this long */
    double max_factor;    /* cap on the multiplier */
    double start_epoch_s; /* synchronized start (Unix time), 0 = none */
    double window_s;      /* background load lasts this long after start */
    double background;    /* calls per model second during the window */
    char state_path[FAULTFS_PATH_MAX]; /* "" = next to the database */
} faultfs_storm_config;

/* Which namespace operations a crash keeps (crash.names; README.md,
 * "Power loss"). */
typedef enum faultfs_crash_names {
    FAULTFS_CRASH_NAMES_IMMEDIATE, /* creates and unlinks survive at once */
    FAULTFS_CRASH_NAMES_DIRSYNC    /* only after a directory sync */
} faultfs_crash_names;

typedef struct faultfs_crash_config {
    bool enabled;    /* hold writes back until a sync */
    double drop;     /* a pending write is lost at the crash */
    double torn;     /* ... or keeps only a prefix of its sectors */
    uint64_t sector; /* bytes; tears fall on multiples of this */
    faultfs_crash_names names;
} faultfs_crash_config;

typedef struct faultfs_config {
    char model[16];
    faultfs_class_config cls[FAULTFS_CLASS_COUNT];
    faultfs_shm_map_effect shm_map_effect;
    faultfs_read_errno read_errno;
    uint64_t seed;
    uint64_t rank;
    unsigned node;
    faultfs_node_locks node_locks;
    double wal_stale_s; /* how long a node trusts the -wal size it learned;
                           0: views are always current (README.md) */
    bool wal_short_reads; /* a read past that size comes back short (on) or
                             makes the node learn the size first (off) */
    double time_scale;
    char log_path[FAULTFS_PATH_MAX]; /* "" = no event log */
    char fit_path[FAULTFS_PATH_MAX]; /* fit file applied, "" = none */
    faultfs_storm_config storm;
    faultfs_crash_config crash;
} faultfs_config;

/* Per-process record, since the last faultfs_counters_reset(). */
typedef struct faultfs_counters {
    uint64_t calls[FAULTFS_CLASS_COUNT];  /* calls the model saw */
    uint64_t faults[FAULTFS_CLASS_COUNT]; /* faults it injected */
    uint64_t faults_by_kind[FAULTFS_FILE_KIND_COUNT];
    double delay_s[FAULTFS_CLASS_COUNT]; /* latency added, real seconds */
    uint64_t log_errors;                 /* event-log writes that failed */
} faultfs_counters;

/* -------------------------------------------------------------- configure */

/* The defaults of a named model ("lustre", "none"). SQLITE_NOTFOUND if
 * there is no such model. */
int faultfs_config_model(const char *name, faultfs_config *out);

/* Parse "MODEL[,key=value...]" (NULL or "" means "none"). */
int faultfs_config_parse(const char *text, faultfs_config *out, char *err,
                         size_t err_size);

/* Set one key on a configuration, as the parser does. */
int faultfs_config_set(faultfs_config *config, const char *key,
                       const char *value, char *err, size_t err_size);

/* Apply the fit file at path (README.md, "Fitted parameters") to config
 * and record its absolute path in config->fit_path; "none" clears fit_path
 * and applies nothing. On error config may be partly changed and err names
 * the file and the line. */
int faultfs_config_apply_fit(faultfs_config *config, const char *path,
                             char *err, size_t err_size);

/* The whole configuration as a string that parses back to it. */
void faultfs_config_describe(const faultfs_config *config, char *buf,
                             size_t buf_size);

/*
 * Register the VFS "faultfs" over "unix" (once per process) and install
 * `config` (parsed as above). make_default makes it the default VFS.
 * Installing resets the call numbering used by draws and schedules, not the
 * counters. Returns SQLITE_OK, or an error with a message in err.
 */
int faultfs_register(const char *config, bool make_default, char *err,
                     size_t err_size);
/* The same with a parsed configuration. */
int faultfs_install(const faultfs_config *config, bool make_default, char *err,
                    size_t err_size);
/* Unregister the VFS and restore the unix VFS's system calls. Only when no
 * faultfs connection is open. */
void faultfs_unregister(void);
/* The installed configuration (the `none` model before any install). */
const faultfs_config *faultfs_current_config(void);

/* Restart the fault draws for (seed, rank), e.g. in a forked job child, and
 * the call numbering that schedules count. */
void faultfs_reseed(uint64_t seed, uint64_t rank);

/* Fail calls nth .. nth+count-1 of a class, counted from now (nth = 1: the
 * next call); count FAULTFS_FOREVER fails every call from the nth on;
 * count 0 clears the schedule. */
int faultfs_fail_calls(faultfs_class cls, uint64_t nth, uint64_t count);

/*
 * A counted call as a trigger: fn(ctx, cls, kind) runs when the nth call
 * from now (nth = 1: the next) of any class in `classes` (a bit per class,
 * FAULTFS_CLASS_BIT) on a database, journal, WAL or -shm file begins: after
 * it is counted, before the model delays or fails it and before it reaches
 * the file. The count is the trigger's own, across its classes, and starts
 * at this call; it fires once. Any model counts, `none` included, so a
 * trigger needs no faults. One trigger per process; nth 0 or fn NULL
 * clears it. trackhammer --kill-at write SIGKILLs its job from fn, so a
 * kill lands at a chosen file write or sync of a write transaction.
 * SQLITE_MISUSE for a class bit beyond FAULTFS_CLASS_COUNT.
 */
#define FAULTFS_CLASS_BIT(cls) (1u << (unsigned)(cls))
typedef void (*faultfs_trigger_fn)(void *ctx, faultfs_class cls,
                                   faultfs_file_kind kind);
int faultfs_set_trigger(unsigned classes, uint64_t nth, faultfs_trigger_fn fn,
                        void *ctx);

/* The caller has just waited `real_seconds` for a model duration compressed
 * by time_scale (a job's work, its start jitter, a retry's backoff): the
 * process's model clock moves on by the uncompressed length, so the storm
 * sees the load on the model's timeline whatever the scale. */
void faultfs_model_wait(double real_seconds);

/* Latency is slept through this hook (default: nanosleep), in real seconds. */
typedef void (*faultfs_sleep_fn)(void *ctx, double seconds);
void faultfs_set_sleep(faultfs_sleep_fn sleep_fn, void *ctx);

/* ---------------------------------------------------------------- record */

void faultfs_counters_get(faultfs_counters *out);
void faultfs_counters_reset(void);

/* The current storm multiplier for a database (1 with storm=off). */
double faultfs_storm_factor(const char *db_path);

const char *faultfs_class_name(faultfs_class cls);
/* The class called `name`; false when there is none. */
bool faultfs_class_find(const char *name, faultfs_class *cls);
const char *faultfs_file_kind_name(faultfs_file_kind kind);

/* -------------------------------------------------------------- power loss */

/* What a simulated crash did to the files of one database. */
typedef struct faultfs_crash_report {
    uint64_t writes;            /* writes not yet synced at the crash */
    uint64_t kept;              /* ... that survived whole */
    uint64_t dropped;           /* ... that were lost */
    uint64_t torn;              /* ... that kept only a prefix of sectors */
    uint64_t truncates;         /* truncations not yet synced */
    uint64_t truncates_dropped; /* ... that were lost */
    uint64_t files_rebuilt;     /* files rewritten from their durable state */
    uint64_t files_resurrected; /* unlinked, but the unlink was not durable */
    uint64_t files_removed;     /* created, but the name was not durable */
} faultfs_crash_report;

/*
 * Simulate a power loss (or the eviction of the one client) under the
 * database at db_path: its main file, -journal and -wal are rewritten from
 * what the last syncs made durable plus, in order, the pending writes the
 * crash keeps whole or torn; the -shm file is removed. Call it only when no
 * process has the database open (every writer SIGKILLed and reaped), in a
 * process with crash=on installed: the seed and the crash.* keys of the
 * installed configuration decide each pending write's fate, the same seed
 * the same files, and every dropped or torn write is logged (log=PATH,
 * by=crash). The state is then consistent with the rewritten files, so
 * writers may start again. report may be NULL. SQLITE_MISUSE if crash mode
 * is off; SQLITE_IOERR with a message if a file cannot be read or written.
 */
int faultfs_crash_apply(const char *db_path, faultfs_crash_report *report,
                        char *err, size_t err_size);

/* "writes=N kept=N dropped=N torn=N truncates=N truncates_dropped=N
 * rebuilt=N resurrected=N removed=N": a report on one line. */
void faultfs_crash_report_format(const faultfs_crash_report *report, char *buf,
                                 size_t buf_size);

/* ------------------------------------------------------------- extension */

/* The entry point of build/faultfs.so (only there): registers "faultfs" as
 * the default VFS, configured from FAULTFS_CONFIG, and returns
 * SQLITE_OK_LOAD_PERMANENTLY so the VFS outlives the loading connection. */
struct sqlite3;
struct sqlite3_api_routines;
int sqlite3_faultfs_init(struct sqlite3 *db, char **err_msg,
                         const struct sqlite3_api_routines *api);

#ifdef __cplusplus
}
#endif
#endif /* FAULTFS_H */
