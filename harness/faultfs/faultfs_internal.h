/*
 * faultfs_internal.h: what the faultfs source files share, nothing public.
 */
#ifndef FAULTFS_INTERNAL_H
#define FAULTFS_INTERNAL_H

/* Built as a loadable extension, every SQLite call goes through the
 * sqlite3_api table handed to sqlite3_faultfs_init (faultfs_ext.c). */
#ifdef FAULTFS_LOADABLE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "faultfs.h"
/* The seeded mix and the resumed sleep, the tracker's to the bit. */
#include "../../tracker/shared_inline.h"

/* faultfs_config.c: FAULTFS_CLASSES as data, indexed by class. */
extern const faultfs_class_info faultfs_classes[FAULTFS_CLASS_COUNT];

/* The result code an injected fault of the class returns. */
static inline int faultfs_class_code(faultfs_class cls)
{
    return faultfs_classes[cls].codes[0];
}

/* SQLite locks database files only at and above PENDING_BYTE (1 GiB) and
 * -shm files only at bytes 120..128, so an fcntl() lock range tells which
 * kind of file it is on. */
#define FAULTFS_SQLITE_PENDING_BYTE 0x40000000

typedef struct faultfs_storm faultfs_storm;
typedef struct faultfs_wal_views faultfs_wal_views;

/* The file a call is about, as the model sees it. */
typedef struct faultfs_target {
    faultfs_file_kind kind;
    faultfs_storm *storm; /* NULL when storm=off */
    faultfs_wal_views *wal; /* the nodes' views of this -wal file, NULL
                               for other files or when wal.stale is 0 */
    const char *path;     /* for the event log */
} faultfs_target;

/* One injected fault, for the counters and the event log. */
typedef struct faultfs_fault {
    faultfs_class cls;
    faultfs_file_kind kind;
    uint64_t call; /* which call of its class (1-based) */
    bool by_schedule;
    const char *path;
} faultfs_fault;

/* The process-wide state of the model. */
typedef struct faultfs_globals {
    faultfs_config config;
    _Atomic uint64_t call_number[FAULTFS_CLASS_COUNT];
    faultfs_sleep_fn sleep_fn;
    void *sleep_ctx;
    int log_fd; /* -1: no event log */
    /* How far this process's model clock is ahead of the real one: what its
     * compressed waits would have lasted uncompressed, less what they did
     * (see faultfs_model_wait). */
    _Atomic int64_t model_ahead_ns;
    /* faultfs_set_trigger: classes counted, the call that fires, the count
     * so far, and what it calls. */
    unsigned trigger_classes;
    uint64_t trigger_nth;
    _Atomic uint64_t trigger_calls;
    faultfs_trigger_fn trigger_fn;
    void *trigger_ctx;
} faultfs_globals;

extern faultfs_globals faultfs_g;

/* faultfs_config.c */
void faultfs_config_none(faultfs_config *out);

/* faultfs_decide.c: the one place that decides about a call. */
bool faultfs_decide(faultfs_class cls, const faultfs_target *target,
                    faultfs_fault *fault);
int faultfs_check(faultfs_class cls, const faultfs_target *target,
                  int fault_code);
void faultfs_restart_numbering(void);

/* Sleep real seconds through the sleep hook (faultfs_set_sleep). */
void faultfs_sleep_real(double seconds);

/* faultfs_record.c */
void faultfs_count_call(faultfs_class cls, double delay_s);
/* Count and log an injected fault; effect is "error", "eio" (a lock call
 * failed inside the unix VFS) or "unbacked" (SIGBUS model a). Returns rc,
 * the result code the faulted call returns. */
int faultfs_record(const faultfs_fault *fault, const char *effect, int rc);
/* Log, without counting it as a fault, something a model's mechanism made
 * SQLite do (by=mechanism): model (b)'s reset of a -shm file. */
void faultfs_record_mechanism(faultfs_class cls, faultfs_file_kind kind,
                              const char *effect, const char *path);
int faultfs_log_open(const char *path, char *err, size_t err_size);
void faultfs_log_close(void);

/* faultfs_shared.c */
/* The state file at path, `size` bytes, mapped shared once per process (or,
 * if it cannot be mapped, memory of this process's own); zeroed when new.
 * NULL only when out of memory. */
void *faultfs_shared_state(const char *path, size_t size);
/* The path of a database's state file: the database's path plus suffix. */
void faultfs_shared_path(const char *file_path, const char *suffix,
                         char *out, size_t size);
/* Unmap every state file (faultfs_unregister). */
void faultfs_shared_release_all(void);

/* faultfs_storm.c */
faultfs_storm *faultfs_storm_for(const char *file_path);
void faultfs_storm_note_call(faultfs_storm *storm);
double faultfs_storm_factor_of(faultfs_storm *storm);

/* faultfs_wal.c: each node's view of a -wal file's size (wal.stale). A
 * -wal file's reads, writes, truncates and size queries pass through
 * these; each is a no-op when target->wal is NULL. */
/* The views for a file being opened: NULL unless it is a -wal and
 * wal.stale is on (kept in its target, as the storm's state is). */
faultfs_wal_views *faultfs_wal_views_for(faultfs_file_kind kind,
                                         const char *path);
/* A read of [offset, offset+amt): SQLITE_IOERR_SHORT_READ (buf filled as
 * the unix VFS fills a short read) when it reaches past this node's view
 * and wal.short_reads is on, else SQLITE_OK to read the file (past the
 * view, the node learns the size first). */
int faultfs_wal_read(const faultfs_target *target, sqlite3_file *real,
                     void *buf, int amt, sqlite3_int64 offset);
/* The node wrote, or truncated, the file: it knows its size. */
void faultfs_wal_learn(const faultfs_target *target, sqlite3_file *real);
/* *size, the file's true size, becomes the size this node believes. */
void faultfs_wal_size(const faultfs_target *target, sqlite3_int64 *size);

/* faultfs_sigbus.c */
bool faultfs_unback(void volatile *region, int size);
int64_t faultfs_node_lock_shift(faultfs_file_kind kind);

/* faultfs_fcntl.c */
void faultfs_fcntl_install(sqlite3_vfs *unix_vfs);
void faultfs_fcntl_uninstall(sqlite3_vfs *unix_vfs);
void faultfs_fcntl_begin(const faultfs_target *target);
int faultfs_fcntl_end(int rc);

/* faultfs_vfs.c */
/* The length of the database's own path within the path of any of its
 * files (the path less "-journal", "-wal" or "-shm"). */
size_t faultfs_database_path_len(const char *path);
/* "-journal" for FAULTFS_FILE_JOURNAL and so on; "" for the main file. */
const char *faultfs_file_suffix(faultfs_file_kind kind);

/* faultfs_crash.c: power loss (crash=on). Each hook is a no-op unless crash
 * mode is on and kind is a main, journal or WAL file. */
/* Before a file is opened: did it exist? */
bool faultfs_crash_exists(const char *path);
/* After a successful open: start the file's state if it has none. The
 * hooks that need a file's bytes read them through real, the unix VFS's
 * open handle, never by opening the path (which would drop this process's
 * POSIX locks on the file when closed). false (logged, effect=unrecorded)
 * if the state could not be written: the caller fails the call, so that
 * nothing relies on what the crash would not know. */
bool faultfs_crash_opened(const char *path, faultfs_file_kind kind,
                          bool existed, sqlite3_file *real);
/* Around a write or truncate of the real file, so that a sync by another
 * process never falls between the change and its journaling. */
int faultfs_crash_lock(const char *path, faultfs_file_kind kind);
void faultfs_crash_unlock(int lock_fd);
void faultfs_crash_note_write(const char *path, faultfs_file_kind kind,
                              const void *buf, int amt, int64_t offset);
void faultfs_crash_note_truncate(const char *path, faultfs_file_kind kind,
                                 int64_t size);
/* After a successful sync; dir_synced: the unix VFS synced the directory
 * too (the first sync of a journal or WAL it created). false as
 * faultfs_crash_opened. */
bool faultfs_crash_synced(const char *path, faultfs_file_kind kind,
                          bool dir_synced, sqlite3_file *real);
/* Just before an unlink, with xDelete's dirSync; the caller holds
 * faultfs_crash_lock around this and the unlink. */
void faultfs_crash_deleted(const char *path, faultfs_file_kind kind,
                           bool dir_synced);
/* Crash mode's own log lines (by=crash). */
void faultfs_record_crash(faultfs_class cls, faultfs_file_kind kind,
                          uint64_t index, const char *effect,
                          const char *path);

#endif /* FAULTFS_INTERNAL_H */
