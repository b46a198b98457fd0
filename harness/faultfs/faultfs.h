/*
 * faultfs.h: a Lustre fault model as an SQLite VFS.
 *
 * faultfs is a shim over SQLite's default "unix" VFS. Every file SQLite
 * opens through it (main database, rollback journal, WAL, -shm) goes to the
 * unix VFS unchanged, except that each file-system call may be delayed (the
 * network round trip of a Lustre client) and may fail the way the unix VFS
 * fails when the kernel returns EIO. Failures are decided by the model
 * configured here, before the call, and recorded; SQLite then reacts in its
 * own code exactly as it would to a real EIO.
 *
 * Three ways to use it:
 *   - linked in (build/libfaultfs.a): faultfs_register(config, ...), then
 *     open connections with the VFS name "faultfs" (or make it the default);
 *   - as a loadable extension (build/faultfs.so): `.load ./build/faultfs` in
 *     the sqlite3 shell, or conn.load_extension("build/faultfs") in Python;
 *     it registers "faultfs" as the default VFS, configured from the
 *     environment variable FAULTFS_CONFIG;
 *   - configured from one string, "MODEL[,key=value...]", the same syntax
 *     everywhere (API, harness command line, FAULTFS_CONFIG).
 *
 * ---------------------------------------------------------------- the model
 *
 * Fault classes (faultfs_class) and what an injected fault returns, which is
 * what SQLite 3.40's unix VFS returns when that system call fails with EIO:
 *
 *   open      xOpen                     SQLITE_CANTOPEN
 *   delete    xDelete (unlink)          SQLITE_IOERR_DELETE
 *   access    xAccess, xFileSize        SQLITE_IOERR_ACCESS, SQLITE_IOERR_FSTAT
 *   sync      xSync (fsync)             SQLITE_IOERR_FSYNC
 *   read      xRead                     SQLITE_IOERR_CORRUPTFS: the unix
 *             VFS maps EIO from pread() so, never to SQLITE_IOERR_READ. A
 *             running statement reports it as SQLITE_CORRUPT ("database disk
 *             image is malformed"); a failed schema read while preparing
 *             passes it on as SQLITE_IOERR_CORRUPTFS ("disk I/O error").
 *             With read.errno=etimedout a read fails as the unix VFS
 *             reports every other errno: SQLITE_IOERR_READ.
 *   write     xWrite                    SQLITE_IOERR_WRITE
 *   truncate  xTruncate                 SQLITE_IOERR_TRUNCATE
 *   lock      an fcntl() lock call inside the unix VFS fails with EIO; the
 *             unix VFS maps it itself: SQLITE_IOERR_LOCK from xLock and from
 *             the -shm dead-man-switch probe, SQLITE_IOERR_RDLOCK from a
 *             downgrade, SQLITE_IOERR_CHECKRESERVEDLOCK, and SQLITE_BUSY
 *             from xShmLock (unixShmSystemLock turns every fcntl failure into
 *             SQLITE_BUSY, and the WAL code retries or reports PROTOCOL).
 *             Unlocks are never failed: a Lustre lock cancel does not fail
 *             back to the caller.
 *   shm_open  first xShmMap of a connection (open of the -shm file)
 *                                       SQLITE_IOERR_SHMOPEN
 *   shm_map   every xShmMap             SQLITE_IOERR_SHMMAP, or with
 *             shm_map.effect=unback the SIGBUS model (a) below.
 *
 * Only files on the modelled file system are subject to the model: temporary
 * files (temp databases, statement journals) live on local disk on a cluster
 * node and pass through uncounted. xFetch/xUnfetch (memory-mapped reads of
 * the main database, off unless PRAGMA mmap_size is set) pass through: a read
 * through a mapping cannot return EIO. The unix VFS's xAccess turns a failed
 * stat() into "file absent" rather than an error; the access class returns
 * SQLITE_IOERR_ACCESS as SQLite's own simulated-I/O-error builds do.
 *
 * Each class has a probability (per call), a latency (model seconds added to
 * every call of the class) and an optional deterministic schedule. Whether
 * call number i of class c fails by chance is a pure function of
 * (seed, rank, c, i): the same seed gives the same fault sequence whatever
 * the interleaving of other classes, and a higher probability only ever adds
 * faults. Every injected fault is counted and, with log=PATH, logged with its
 * class call number so a round can be replayed with schedules.
 *
 * The storm (why load, not connections). The metadata server returns EIO
 * when it is overloaded, and it is overloaded by requests, not by open file
 * handles: a job holds its tracker connection open for hours while idle. So
 * with storm=on each probability is multiplied by
 *
 *     factor = min(storm.max, (measured + background) / storm.capacity)
 *
 * where `measured` is the rate of file-system calls (per model second, over
 * the last storm.horizon) made through faultfs by every process sharing the
 * state file, and `background` is storm.background calls/s during
 * storm.window after the synchronized start storm.start (the rest of the
 * start-up traffic: 71 jobs loading Python and reading inputs). This makes a
 * start-up storm emerge from 71 jobs opening the database together, lets it
 * subside when they settle, and makes retry with backoff effective for the
 * reason the upstream fix claims: backing off lowers the load. The state is a
 * small file (default "<database>-faultfs-storm", or storm.state=PATH),
 * mmap'd and updated with lock-free atomics, so a process killed by SIGBUS
 * leaves nothing stale: its calls simply age out of the horizon. The state
 * file must be on a file system coherent across the processes sharing it
 * (local disk or /dev/shm; on a real cluster it counts per node).
 *
 * SIGBUS, two models, both by mechanism (the signal always comes from the
 * kernel, on a memory access made by SQLite's code):
 *   (a) shm_map.effect=unback: when a shm_map fault fires, the region that
 *       the unix VFS has just mapped is replaced, in this process only, by a
 *       shared mapping of an empty file, so the page cannot be brought in and
 *       SQLite's first read of the WAL-index faults. This is "reading the
 *       page back failed on this client" and needs a probability.
 *   (b) node=K: simulated nodes. Every fcntl() lock the unix VFS takes on a
 *       -shm file (node.locks=all: on every file) is moved to a byte range
 *       private to node K, so locks are coherent only within a node, as with
 *       Lustre's localflock. A connection on another node then finds the
 *       dead-man-switch byte unlocked, believes it is the first connection,
 *       and unixOpenSharedMemory truncates the -shm file to 3 bytes under
 *       the mappings of the connections on other nodes: their next access
 *       beyond the end of the file is a SIGBUS.
 *   The file stays truncated for truncate.latency (a model duration: on
 *   Lustre the truncate and the re-extension are separate round trips).
 *   The reset itself is written to the event log (class=shm_open kind=shm
 *   by=mechanism effect=reset, by the resetting process; not counted as a
 *   fault), so a SIGBUS can be traced to the node that caused it.
 *   The default model `lustre` relies on (b) and leaves shm_map.p at 0: (b)
 *   is what placement of jobs on different nodes does on Lustre, needs no
 *   invented rate, happens only when connections on two nodes overlap in
 *   time (as in the incident, where SIGBUS came and went with timing), and
 *   cannot touch a DELETE-journal database, which never maps a -shm file
 *   (as the published runs show). The harness assigns node=K per rank.
 *
 * Time: the durations of the model (latencies) are in model seconds and
 * multiplied by time_scale to get real seconds. The load is counted on a
 * model clock per process: real time, in which SQLite's own calls run at the
 * machine's speed whatever the scale, plus every compressed wait
 * (latencies, and the caller's waits reported with faultfs_model_wait: work,
 * start jitter, backoff) at its uncompressed length. At time_scale 1 that is
 * real time. storm.horizon, storm.window and storm.start are on that clock;
 * storm.capacity and storm.background are calls per model second. Counted
 * on real time instead, compressing the waits squeezed a round's calls into
 * one burst (105/213 failed delete-normal jobs at 0.01 against 42/213 at
 * 1); counted per model second of real time, a burst weighed 100 times less
 * (20/213 against 41/213).
 *
 * The default model's parameters and the reasoning for each are in one
 * table, faultfs_lustre_model in faultfs_config.c; `faultfs_config_describe`
 * prints any configuration as a string that parses back to itself.
 *
 * Fitted parameters (fit=PATH). The table's probabilities are starting
 * estimates; th-calibrate (analysis/) fits them by maximum likelihood to
 * rows of the published matrix and writes a fit file: `key=value` lines of
 * model parameters (faultfs keys) and `#` lines saying where they came from.
 * The item fit=PATH, allowed only right after the model, applies the file's
 * lines after the model's table and before every later item, so the user's
 * overrides still win. Each line is validated as the parser validates a
 * key: an unknown key, a bad or missing value, a run setting (seed, rank,
 * node, log, time_scale, storm.state, storm.start) or a nested model/fit
 * is an error naming the file and the line, and so is a file with no
 * key=value line. fit=none applies nothing (the unfitted table). The path is
 * kept, made absolute, in the configuration (fit_path) and printed by
 * describe, so a run's record says which fit it used. trackhammer adds the
 * project's fit (harness/faultfs/lustre-fitted.conf, copied beside the
 * program and installed to PREFIX/share/trackhammer/) to `lustre` when no
 * fit= is given; harness/faultfs/FIDELITY.md tells how it was fitted.
 *
 * Power loss (crash=on). A power failure of the machine, or the eviction
 * of the one Lustre client all the processes run on, loses what the client
 * had cached and not yet synced. With crash=on every write and truncate on
 * a database, -journal or -wal file still goes to the real file at once
 * (other processes read it, as they would from the shared page cache) and
 * is also journaled as pending, in order, in a state directory beside the
 * database ("<database>-faultfs-crash/"). A successful xSync of a file, by
 * any process, makes that file's current contents its durable image and
 * clears its pending list: fsync flushes the file's dirty pages whoever
 * wrote them. faultfs_crash_apply, called after every writer is dead, then
 * decides each pending write from the seed: with probability crash.drop it
 * is lost, with crash.torn it keeps a prefix of its sectors (a tear at a
 * multiple of crash.sector strictly inside the write; a write within one
 * sector cannot tear and is lost instead), otherwise it is kept whole; a
 * pending truncate is lost with crash.drop + crash.torn. Each file becomes
 * its durable image plus what was kept, applied in order (a kept write
 * past the end leaves a hole of zeros). The -shm file is removed: SQLite
 * rebuilds it. This is SQLite's own crash test (src/test6.c) moved below
 * the processes: writes are not buffered in one process but written through
 * and replayed at the crash, so the crash can follow several processes.
 *   Names. crash.names=immediate (the default): a create or unlink is
 * durable when it returns. That is a Lustre client's eviction: namespace
 * operations are executed by the metadata server, only the client's dirty
 * data is lost. crash.names=dirsync is the POSIX minimum of a local file
 * system after a power loss: a create or unlink is durable only after the
 * directory is synced. The unix VFS syncs the directory at the first sync
 * of a journal or WAL it created, and after an unlink only when asked
 * (xDelete's dirSync: synchronous=EXTRA in DELETE mode). So an unlinked
 * journal whose unlink was not synced comes back at the crash, rebuilt from
 * its own durable image and pending writes ("resurrected"), and a file
 * created and never synced disappears ("removed"). The main database file
 * is taken as durably named when faultfs first opens it.
 *   Left out: the state is per database, not per directory (a directory
 * sync of one database's journal does not make another database's names
 * durable); the -shm file's mmap'd stores are not journaled (it is removed
 * instead); on a multi-node Lustre, another client's lock revoke would also
 * flush dirty pages, here only a sync does.
 *   Kills. A SIGKILL anywhere in a hook leaves a state from which the
 * crash gives an outcome real hardware could give: a write or truncate
 * killed before its journaling is lost at the crash, unless a later sync
 * by anyone captured it; a sync killed in its hook is as if never asked
 * for (the new image is written aside, the pending list removed, then the
 * image renamed into place); an unlink is forgotten by the state before it
 * reaches the file, so a kill between leaves the file kept with all its
 * writes (with crash.names=dirsync, rebuilt from its ghost); a file an
 * open created and was killed before telling the state is kept whole, and
 * the next opener takes it as durable, dirsync names or not; a pending
 * record cut short is never replayed, nor any after it (logged,
 * effect=cut-short). A file's bytes are read through the caller's open
 * handle: opening the path again would drop the process's POSIX locks on
 * it when closed. A state the hooks cannot write (a full disk) fails the
 * call instead of losing what it should hold: xOpen with SQLITE_CANTOPEN,
 * xSync with SQLITE_IOERR_FSYNC (logged, effect=unrecorded).
 *   The state directory starts from what faultfs first sees: a file that
 * exists when faultfs first opens it is taken as durable. Remove the state
 * directory when the database is replaced by other means.
 *
 * ---------------------------------------------------------- configuration
 *
 *   MODEL                  first item, or model=MODEL: lustre | none
 *   fit=PATH | fit=none    second item only: apply a fit file (above)
 *   seed=N rank=N          fault draws; faultfs_reseed() after fork
 *   node=K                 simulated node (0..1023); node.locks=shm|all
 *   time_scale=X           > 0
 *   log=PATH               append one line per injected fault
 *   CLASS.p=P              probability in [0,1]
 *   CLASS.latency=D        duration: 0, or a number with ns|us|ms|s|min|h
 *   CLASS.fail=N | N:K | N:forever
 *                          fail the Nth call of CLASS (counted from when the
 *                          configuration is installed or the seed reset),
 *                          K calls from the Nth, or every call from the Nth
 *   shm_map.effect=error|unback
 *   read.errno=eio|etimedout
 *   storm=on|off  storm.capacity=R  storm.horizon=D  storm.max=F
 *   storm.state=PATH  storm.start=EPOCH_SECONDS  storm.window=D
 *   storm.background=R
 *   crash=on|off  crash.drop=P  crash.torn=P  crash.sector=N
 *   crash.names=immediate|dirsync
 *
 * Errors: library calls return SQLITE_OK or an SQLite error code and put a
 * message naming the offending key and value in the caller's buffer; nothing
 * here prints.
 *
 * Threads: SQLite may call the VFS from any thread. Installing a
 * configuration while another thread is inside SQLite on a faultfs
 * connection is not supported.
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

typedef enum faultfs_class {
    FAULTFS_OPEN,
    FAULTFS_DELETE,
    FAULTFS_ACCESS,
    FAULTFS_SYNC,
    FAULTFS_READ,
    FAULTFS_WRITE,
    FAULTFS_TRUNCATE,
    FAULTFS_LOCK,
    FAULTFS_SHM_OPEN,
    FAULTFS_SHM_MAP,
    FAULTFS_CLASS_COUNT
} faultfs_class;

typedef enum faultfs_file_kind {
    FAULTFS_FILE_MAIN,
    FAULTFS_FILE_JOURNAL,
    FAULTFS_FILE_WAL,
    FAULTFS_FILE_SHM,
    FAULTFS_FILE_TEMP, /* local temporary files: never faulted */
    FAULTFS_FILE_KIND_COUNT
} faultfs_file_kind;

typedef enum faultfs_shm_map_effect {
    FAULTFS_SHM_MAP_ERROR,  /* return SQLITE_IOERR_SHMMAP */
    FAULTFS_SHM_MAP_UNBACK  /* SIGBUS model (a) */
} faultfs_shm_map_effect;

/* The errno a failed read stands for, which decides what SQLite reports. */
typedef enum faultfs_read_errno {
    FAULTFS_READ_EIO,      /* SQLITE_IOERR_CORRUPTFS, as the unix VFS maps EIO */
    FAULTFS_READ_TIMEDOUT  /* SQLITE_IOERR_READ: any other errno, such as
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
    double capacity;       /* calls per model second at which p applies */
    double horizon_s;      /* load is measured over this long */
    double max_factor;     /* cap on the multiplier */
    double start_epoch_s;  /* synchronized start (Unix time), 0 = none */
    double window_s;       /* background load lasts this long after start */
    double background;     /* calls per model second during the window */
    char state_path[FAULTFS_PATH_MAX]; /* "" = next to the database */
} faultfs_storm_config;

/* Which namespace operations a crash keeps (see "Power loss" above). */
typedef enum faultfs_crash_names {
    FAULTFS_CRASH_NAMES_IMMEDIATE, /* creates and unlinks survive at once */
    FAULTFS_CRASH_NAMES_DIRSYNC    /* only after a directory sync */
} faultfs_crash_names;

typedef struct faultfs_crash_config {
    bool enabled;              /* hold writes back until a sync */
    double drop;               /* a pending write is lost at the crash */
    double torn;               /* ... or keeps only a prefix of its sectors */
    uint64_t sector;           /* bytes; tears fall on multiples of this */
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
    double delay_s[FAULTFS_CLASS_COUNT];  /* latency added, real seconds */
    uint64_t log_errors;                  /* event-log writes that failed */
} faultfs_counters;

/* -------------------------------------------------------------- configure */

/* The defaults of a named model ("lustre", "none"). SQLITE_NOTFOUND if
 * there is no such model. */
int faultfs_config_model(const char *name, faultfs_config *out);

/* Parse "MODEL[,key=value...]" (NULL or "" means "none"). */
int faultfs_config_parse(const char *text, faultfs_config *out,
                         char *err, size_t err_size);

/* Set one key on a configuration, as the parser does. */
int faultfs_config_set(faultfs_config *config, const char *key,
                       const char *value, char *err, size_t err_size);

/* Apply the fit file at path (see "Fitted parameters") to config and record
 * its absolute path in config->fit_path; "none" clears fit_path and applies
 * nothing. On error config may be partly changed and err names the file and
 * the line. */
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
int faultfs_install(const faultfs_config *config, bool make_default,
                    char *err, size_t err_size);
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
int faultfs_set_trigger(unsigned classes, uint64_t nth,
                        faultfs_trigger_fn fn, void *ctx);

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
void faultfs_crash_report_format(const faultfs_crash_report *report,
                                 char *buf, size_t buf_size);

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
