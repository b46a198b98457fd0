/*
 * faultfs_fcntl.c: the unix VFS's fcntl(), replaced through xSetSystemCall.
 *
 * Also its ftruncate(), to see model (b)'s -shm reset happen (below).
 *
 * Two things must happen inside the unix VFS rather than around it: a lock
 * call failing with EIO (so that the unix VFS maps the errno itself, to
 * SQLITE_IOERR_LOCK, SQLITE_IOERR_RDLOCK, SQLITE_BUSY... exactly as for a
 * real failure, including the dead-man-switch probe when the -shm file is
 * opened), and node-local locks (SIGBUS model b). The replacement acts only
 * while a faultfs method is calling into the unix VFS on this thread; any
 * other connection's fcntl() passes straight through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "faultfs_internal.h"

typedef int (*fcntl_fn)(int, int, ...);

/* The fcntl the unix VFS used before us (normally libc's). */
static fcntl_fn previous_fcntl;

/* The faultfs call in progress on this thread, and a lock fault injected
 * during it that is recorded once the unix VFS has turned it into a result
 * code. */
static _Thread_local struct {
    const faultfs_target *target;
    bool pending;
    faultfs_fault fault;
} current;

/* Should this lock call fail? Keeps the fault for faultfs_fcntl_end. */
static bool lock_call_fails(const faultfs_target *target)
{
    faultfs_fault fault;
    if (!faultfs_decide(FAULTFS_LOCK, target, &fault)) {
        return false;
    }
    if (current.pending) {
        /* a second failed lock call in one method: the first one's result
         * code is no longer known, only that it was an I/O error */
        faultfs_record(&current.fault, "eio", SQLITE_IOERR);
    }
    current.fault = fault;
    current.pending = true;
    return true;
}

/*
 * The replacement. SQLite passes an int as the third argument of every
 * command except the lock commands, which take a struct flock.
 * Acquisitions and probes may fail; unlocks never do (a Lustre lock cancel
 * does not fail back to the caller). The range is moved to this node's.
 */
static int faultfs_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    if (cmd != F_GETLK && cmd != F_SETLK && cmd != F_SETLKW) {
        int arg = va_arg(ap, int);
        va_end(ap);
        return previous_fcntl(fd, cmd, arg);
    }
    struct flock *lock = va_arg(ap, struct flock *);
    va_end(ap);
    if (!current.target) {
        return previous_fcntl(fd, cmd, lock);
    }
    /* Which file's locks: -shm locks sit below SQLite's pending byte, the
     * database's at and above it. A length of 0 runs to the end of the
     * file: the unix VFS's "release every lock" on the database, which
     * must move with the database's locks (or not at all), never with the
     * -shm ones, or a process on another node would keep its SHARED lock
     * for ever. */
    faultfs_target target = *current.target;
    target.kind = lock->l_start < FAULTFS_SQLITE_PENDING_BYTE && lock->l_len
                      ? FAULTFS_FILE_SHM
                      : FAULTFS_FILE_MAIN;
    if (lock->l_type != F_UNLCK && lock_call_fails(&target)) {
        errno = faultfs_classes[FAULTFS_LOCK].error_number;
        return -1;
    }
    int64_t shift = faultfs_node_lock_shift(target.kind);
    lock->l_start += shift;
    int rc = previous_fcntl(fd, cmd, lock);
    lock->l_start -= shift;
    return rc;
}

typedef int (*ftruncate_fn)(int, off_t);

/* SQLite maps the WAL-index in regions of 32 KiB (WALINDEX_PGSZ). */
#define WAL_INDEX_REGION ((off_t)32768)
static ftruncate_fn previous_ftruncate;

/* Make one -shm reset atomic among the processes that reset this file:
 * flock() on the -shm descriptor, which on Linux is independent of the
 * fcntl() byte-range locks SQLite uses and is dropped if the holder dies.
 * Waiters sleep, leaving the CPU to the holder. Bounded: after 10 s the
 * reset goes ahead unserialized. */
static bool serialize_resets(int fd)
{
    const struct timespec pause = { 0, 100000 };
    for (int tries = 0; tries < 100000; tries++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return true;
        if (errno != EWOULDBLOCK)
            return false;
        nanosleep(&pause, NULL);
    }
    return false;
}

/* SQLite's first connection to a -shm file truncates it to 3 bytes
 * (unixOpenSharedMemory, after it takes the dead-man switch). When the file
 * held a WAL-index, the connection believed itself first while others had
 * it mapped: with node-local locks, model (b)'s reset. It is logged, as the
 * mechanism behind the SIGBUS that follows, and not counted as a fault.
 *
 * On Lustre the truncate and SQLite's re-extension that follows are
 * separate round trips: the file stays short for the truncate's latency, a
 * model duration. The model makes that window exact: after it, the file is
 * extended back (with zeros, as SQLite's own extension leaves it) to its
 * old size and at least one WAL-index region, which this connection is
 * about to map; and resets are serialized, so that a process that read the
 * size during another's window cannot truncate again without extending.
 * Without this the file was left short until some process next got a core
 * and extended it, for as long as the local scheduler chose. */
static int faultfs_ftruncate(int fd, off_t length)
{
    if (!current.target || length != 3)
        return previous_ftruncate(fd, length);
    bool serialized = serialize_resets(fd);
    struct stat before;
    if (fstat(fd, &before) != 0)
        before.st_size = 0;
    int rc = previous_ftruncate(fd, length);
    if (rc == 0 && before.st_size > 3) {
        faultfs_record_mechanism(FAULTFS_SHM_OPEN, FAULTFS_FILE_SHM, "reset",
                                 current.target->path);
        double window = faultfs_g.config.cls[FAULTFS_TRUNCATE].latency_s *
                        faultfs_g.config.time_scale;
        if (window > 0.0) {
            faultfs_sleep_real(window);
            faultfs_model_wait(window);
        }
    }
    /* Grow only: another process may have extended it meanwhile. */
    off_t size =
        before.st_size > WAL_INDEX_REGION ? before.st_size : WAL_INDEX_REGION;
    struct stat after;
    if (rc == 0 && fstat(fd, &after) == 0 && after.st_size < size &&
        previous_ftruncate(fd, size) != 0)
        rc = -1;
    if (serialized)
        flock(fd, LOCK_UN);
    return rc;
}

void faultfs_fcntl_install(sqlite3_vfs *unix_vfs)
{
    if (previous_fcntl) {
        return;
    }
    previous_fcntl = (fcntl_fn)unix_vfs->xGetSystemCall(unix_vfs, "fcntl");
    unix_vfs->xSetSystemCall(unix_vfs, "fcntl",
                             (sqlite3_syscall_ptr)faultfs_fcntl);
    previous_ftruncate =
        (ftruncate_fn)unix_vfs->xGetSystemCall(unix_vfs, "ftruncate");
    unix_vfs->xSetSystemCall(unix_vfs, "ftruncate",
                             (sqlite3_syscall_ptr)faultfs_ftruncate);
}

void faultfs_fcntl_uninstall(sqlite3_vfs *unix_vfs)
{
    if (!previous_fcntl) {
        return;
    }
    unix_vfs->xSetSystemCall(unix_vfs, "fcntl",
                             (sqlite3_syscall_ptr)previous_fcntl);
    unix_vfs->xSetSystemCall(unix_vfs, "ftruncate",
                             (sqlite3_syscall_ptr)previous_ftruncate);
    previous_fcntl = NULL;
    previous_ftruncate = NULL;
}

void faultfs_fcntl_begin(const faultfs_target *target)
{
    current.target = target;
    current.pending = false;
}

int faultfs_fcntl_end(int rc)
{
    current.target = NULL;
    if (current.pending) {
        current.pending = false;
        faultfs_record(&current.fault, "eio", rc);
    }
    return rc;
}
