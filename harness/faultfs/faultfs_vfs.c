/*
 * faultfs_vfs.c: the VFS shim over "unix", its io methods, registration.
 *
 * Each method asks the model about its call (faultfs_check: count, delay,
 * maybe fail with the code the unix VFS would return for EIO there) and
 * otherwise hands the call to the unix VFS with the fcntl context set, so
 * that lock faults and node-local locks act inside the unix VFS for this
 * call only. A faultfs file is a faultfs_file immediately followed by the
 * unix VFS's own file object.
 */
#include <stdio.h>
#include <string.h>

#include "faultfs_internal.h"

typedef struct faultfs_file {
    sqlite3_file base;     /* pMethods: faultfs_io_methods, or NULL */
    faultfs_target target; /* kind, storm state and name of this file */
    bool shm_open;         /* this connection has opened the -shm file */
    bool dir_sync_due;     /* the unix VFS syncs the directory at this
                              file's first sync (a journal or WAL it
                              created): crash mode's names become durable */
} faultfs_file;

/* The unix VFS's file object behind a faultfs file. */
#define REAL(p) ((sqlite3_file *)((faultfs_file *)(p) + 1))

/* Call a method of the unix file behind p with the fcntl context set. */
#define CALL_REAL(p, method, ...)                                             \
    (faultfs_fcntl_begin(&(p)->target),                                       \
     faultfs_fcntl_end(REAL(p)->pMethods->method(REAL(p), __VA_ARGS__)))

static sqlite3_vfs faultfs_vfs;
static bool faultfs_registered;

/* The unix VFS underneath. */
#define UNIX_VFS ((sqlite3_vfs *)faultfs_vfs.pAppData)

/* -------------------------------------------------------------- io methods */

/* Close the unix file; closing releases its locks, so the context is set. */
static int ffClose(sqlite3_file *f)
{
    faultfs_file *p = (faultfs_file *)f;
    faultfs_fcntl_begin(&p->target);
    return faultfs_fcntl_end(REAL(p)->pMethods->xClose(REAL(p)));
}

/* The unix VFS answers EIO from pread() with SQLITE_IOERR_CORRUPTFS (which
 * a running statement turns into SQLITE_CORRUPT, "database disk image is
 * malformed") and any other errno with SQLITE_IOERR_READ (the class's
 * other codes); so does a faulted read, for the errno the model says it
 * stands for. */
static int ffRead(sqlite3_file *f, void *buf, int amt, sqlite3_int64 offset)
{
    faultfs_file *p = (faultfs_file *)f;
    int code = faultfs_g.config.read_errno == FAULTFS_READ_EIO
                   ? faultfs_class_code(FAULTFS_READ)
                   : SQLITE_IOERR_READ;
    int rc = faultfs_check(FAULTFS_READ, &p->target, code);
    if (rc == SQLITE_OK) {
        rc = faultfs_wal_read(&p->target, REAL(p), buf, amt, offset);
    }
    return rc ? rc : CALL_REAL(p, xRead, buf, amt, offset);
}

/* In crash mode a write that reached the file is also journaled as
 * pending, under the crash state's lock (faultfs_crash.c). */
static int ffWrite(sqlite3_file *f, const void *buf, int amt,
                   sqlite3_int64 offset)
{
    faultfs_file *p = (faultfs_file *)f;
    int rc = faultfs_check(FAULTFS_WRITE, &p->target,
                           faultfs_class_code(FAULTFS_WRITE));
    if (rc) {
        return rc;
    }
    int lock = faultfs_crash_lock(p->target.path, p->target.kind);
    rc = CALL_REAL(p, xWrite, buf, amt, offset);
    if (rc == SQLITE_OK) {
        faultfs_crash_note_write(p->target.path, p->target.kind, buf, amt,
                                 offset);
        faultfs_wal_learn(&p->target, REAL(p));
    }
    faultfs_crash_unlock(lock);
    return rc;
}

static int ffTruncate(sqlite3_file *f, sqlite3_int64 size)
{
    faultfs_file *p = (faultfs_file *)f;
    int rc = faultfs_check(FAULTFS_TRUNCATE, &p->target,
                           faultfs_class_code(FAULTFS_TRUNCATE));
    if (rc) {
        return rc;
    }
    int lock = faultfs_crash_lock(p->target.path, p->target.kind);
    rc = CALL_REAL(p, xTruncate, size);
    if (rc == SQLITE_OK) {
        faultfs_crash_note_truncate(p->target.path, p->target.kind, size);
        faultfs_wal_learn(&p->target, REAL(p));
    }
    faultfs_crash_unlock(lock);
    return rc;
}

/* In crash mode a sync makes the file's contents durable; a sync the crash
 * state could not record fails, as the caller must not rely on it. */
static int ffSync(sqlite3_file *f, int flags)
{
    faultfs_file *p = (faultfs_file *)f;
    int rc = faultfs_check(FAULTFS_SYNC, &p->target,
                           faultfs_class_code(FAULTFS_SYNC));
    rc = rc ? rc : CALL_REAL(p, xSync, flags);
    if (rc == SQLITE_OK) {
        if (!faultfs_crash_synced(p->target.path, p->target.kind,
                                  p->dir_sync_due, REAL(p))) {
            rc = SQLITE_IOERR_FSYNC;
        }
        p->dir_sync_due = false;
    }
    return rc;
}

/* fstat() is a stat: the access class, failing as unixFileSize does (the
 * class's second code). A -wal file's size is what this node believes. */
static int ffFileSize(sqlite3_file *f, sqlite3_int64 *size)
{
    faultfs_file *p = (faultfs_file *)f;
    int rc = faultfs_check(FAULTFS_ACCESS, &p->target,
                           faultfs_classes[FAULTFS_ACCESS].codes[1]);
    rc = rc ? rc : CALL_REAL(p, xFileSize, size);
    if (rc == SQLITE_OK) {
        faultfs_wal_size(&p->target, size);
    }
    return rc;
}

/* Lock methods fail only through their fcntl() calls (faultfs_fcntl.c). */
static int ffLock(sqlite3_file *f, int level)
{
    faultfs_file *p = (faultfs_file *)f;
    return CALL_REAL(p, xLock, level);
}

static int ffUnlock(sqlite3_file *f, int level)
{
    faultfs_file *p = (faultfs_file *)f;
    return CALL_REAL(p, xUnlock, level);
}

static int ffCheckReservedLock(sqlite3_file *f, int *out)
{
    faultfs_file *p = (faultfs_file *)f;
    return CALL_REAL(p, xCheckReservedLock, out);
}

/* File controls go to the unix VFS; the VFS name says faultfs is on top. */
static int ffFileControl(sqlite3_file *f, int op, void *arg)
{
    faultfs_file *p = (faultfs_file *)f;
    int rc = CALL_REAL(p, xFileControl, op, arg);
    if (rc == SQLITE_OK && op == SQLITE_FCNTL_VFSNAME) {
        *(char **)arg = sqlite3_mprintf(FAULTFS_VFS_NAME "/%z", *(char **)arg);
    }
    return rc;
}

static int ffSectorSize(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int ffDeviceCharacteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

/* The -shm file of this database, as a target of the model. */
static faultfs_target shm_target(const faultfs_file *p)
{
    faultfs_target t = p->target;
    t.kind = FAULTFS_FILE_SHM;
    return t;
}

/*
 * Map a region of the -shm file. The connection's first call opens the
 * file (shm_open class); every call is a shm_map call. A shm_map fault
 * either fails the call or, with shm_map.effect=unback, lets the unix VFS
 * map the region and then takes its backing away (SIGBUS model a).
 */
static int ffShmMap(sqlite3_file *f, int region, int size, int extend,
                    void volatile **pp)
{
    faultfs_file *p = (faultfs_file *)f;
    faultfs_target shm = shm_target(p);
    faultfs_fault fault;
    int rc = SQLITE_OK;
    if (!p->shm_open) {
        rc = faultfs_check(FAULTFS_SHM_OPEN, &shm,
                           faultfs_class_code(FAULTFS_SHM_OPEN));
    }
    if (rc) {
        return rc;
    }
    bool fails = faultfs_decide(FAULTFS_SHM_MAP, &shm, &fault);
    bool unback = faultfs_g.config.shm_map_effect == FAULTFS_SHM_MAP_UNBACK;
    if (fails && !unback) {
        return faultfs_record(&fault, "error",
                              faultfs_class_code(FAULTFS_SHM_MAP));
    }
    rc = CALL_REAL(p, xShmMap, region, size, extend, pp);
    p->shm_open = p->shm_open || rc == SQLITE_OK;
    if (!fails) {
        return rc;
    }
    if (rc == SQLITE_OK && *pp && faultfs_unback(*pp, size)) {
        return faultfs_record(&fault, "unbacked", SQLITE_OK);
    }
    /* nothing mapped to take away: the page-in failure is an error */
    return faultfs_record(&fault, "error",
                          rc ? rc : faultfs_class_code(FAULTFS_SHM_MAP));
}

static int ffShmLock(sqlite3_file *f, int offset, int n, int flags)
{
    faultfs_file *p = (faultfs_file *)f;
    return CALL_REAL(p, xShmLock, offset, n, flags);
}

static void ffShmBarrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int ffShmUnmap(sqlite3_file *f, int delete_flag)
{
    faultfs_file *p = (faultfs_file *)f;
    p->shm_open = false;
    return CALL_REAL(p, xShmUnmap, delete_flag);
}

/* Memory-mapped reads pass through: a load from a mapping has no EIO. */
static int ffFetch(sqlite3_file *f, sqlite3_int64 offset, int amt, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), offset, amt, pp);
}

static int ffUnfetch(sqlite3_file *f, sqlite3_int64 offset, void *page)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), offset, page);
}

static const sqlite3_io_methods faultfs_io_methods = {
    3,
    ffClose,
    ffRead,
    ffWrite,
    ffTruncate,
    ffSync,
    ffFileSize,
    ffLock,
    ffUnlock,
    ffCheckReservedLock,
    ffFileControl,
    ffSectorSize,
    ffDeviceCharacteristics,
    ffShmMap,
    ffShmLock,
    ffShmBarrier,
    ffShmUnmap,
    ffFetch,
    ffUnfetch,
};

/* ------------------------------------------------------------- vfs methods */

/* What a file is, from SQLite's open flags. Temporary files live on a
 * node's local disk, not on the modelled file system. */
static faultfs_file_kind kind_of_open(const char *name, int flags)
{
    if (!name) {
        return FAULTFS_FILE_TEMP;
    }
    if (flags & SQLITE_OPEN_MAIN_DB) {
        return FAULTFS_FILE_MAIN;
    }
    if (flags & (SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_SUPER_JOURNAL)) {
        return FAULTFS_FILE_JOURNAL;
    }
    if (flags & SQLITE_OPEN_WAL) {
        return FAULTFS_FILE_WAL;
    }
    return FAULTFS_FILE_TEMP;
}

/* The suffixes SQLite puts after a database's name for its other files. */
static const struct {
    const char *suffix;
    faultfs_file_kind kind;
} file_suffixes[] = { { "-journal", FAULTFS_FILE_JOURNAL },
                      { "-wal", FAULTFS_FILE_WAL },
                      { "-shm", FAULTFS_FILE_SHM } };

/* Index into file_suffixes of the suffix path ends with, or -1. */
static int suffix_of(const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < sizeof file_suffixes / sizeof file_suffixes[0];
         i++) {
        size_t n = strlen(file_suffixes[i].suffix);
        if (len > n && strcmp(path + len - n, file_suffixes[i].suffix) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Which of a database's files the path names, by its suffix. */
static faultfs_file_kind kind_of_path(const char *path)
{
    int i = suffix_of(path);
    return i < 0 ? FAULTFS_FILE_MAIN : file_suffixes[i].kind;
}

size_t faultfs_database_path_len(const char *path)
{
    int i = suffix_of(path);
    return strlen(path) - (i < 0 ? 0 : strlen(file_suffixes[i].suffix));
}

const char *faultfs_file_suffix(faultfs_file_kind kind)
{
    for (size_t i = 0; i < sizeof file_suffixes / sizeof file_suffixes[0];
         i++) {
        if (file_suffixes[i].kind == kind) {
            return file_suffixes[i].suffix;
        }
    }
    return "";
}

/* The model's view of a file SQLite names by path (xDelete, xAccess). */
static faultfs_target path_target(const char *path)
{
    faultfs_target t = { .kind = kind_of_path(path),
                         .storm = faultfs_storm_for(path),
                         .path = path };
    return t;
}

static int ffOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
                  int flags, int *out_flags)
{
    faultfs_file *p = (faultfs_file *)f;
    (void)vfs;
    memset(p, 0, sizeof *p);
    p->target.kind = kind_of_open(name, flags);
    p->target.path = name;
    if (p->target.kind != FAULTFS_FILE_TEMP) {
        p->target.storm = faultfs_storm_for(name);
    }
    p->target.wal = faultfs_wal_views_for(p->target.kind, name);
    int rc = faultfs_check(FAULTFS_OPEN, &p->target,
                           faultfs_class_code(FAULTFS_OPEN));
    if (rc) {
        return rc;
    }
    bool existed = faultfs_crash_exists(name);
    faultfs_fcntl_begin(&p->target);
    rc = faultfs_fcntl_end(
        UNIX_VFS->xOpen(UNIX_VFS, name, REAL(p), flags, out_flags));
    /* SQLite calls xClose whenever pMethods is set, even after an error. */
    if (REAL(p)->pMethods) {
        p->base.pMethods = &faultfs_io_methods;
    }
    if (rc == SQLITE_OK && p->target.kind != FAULTFS_FILE_TEMP) {
        /* as unixOpen decides to sync the directory at the first sync */
        p->dir_sync_due = (flags & SQLITE_OPEN_CREATE) &&
                          (p->target.kind == FAULTFS_FILE_JOURNAL ||
                           p->target.kind == FAULTFS_FILE_WAL);
        if (!faultfs_crash_opened(name, p->target.kind, existed, REAL(p))) {
            /* a failed xOpen leaves no open file behind */
            REAL(p)->pMethods->xClose(REAL(p));
            p->base.pMethods = NULL;
            rc = SQLITE_CANTOPEN;
        }
    }
    return rc;
}

static int ffDelete(sqlite3_vfs *vfs, const char *path, int dir_sync)
{
    faultfs_target t = path_target(path);
    (void)vfs;
    int rc =
        faultfs_check(FAULTFS_DELETE, &t, faultfs_class_code(FAULTFS_DELETE));
    if (rc) {
        return rc;
    }
    /* The crash state forgets the file before the unlink: a process killed
     * between the two leaves a file the state does not know, which the
     * crash keeps as it is, never a state that a new file of the same name
     * would inherit. */
    int lock = faultfs_crash_lock(path, t.kind);
    faultfs_crash_deleted(path, t.kind, dir_sync != 0);
    faultfs_fcntl_begin(&t);
    rc = faultfs_fcntl_end(UNIX_VFS->xDelete(UNIX_VFS, path, dir_sync));
    faultfs_crash_unlock(lock);
    return rc;
}

static int ffAccess(sqlite3_vfs *vfs, const char *path, int flags, int *out)
{
    faultfs_target t = path_target(path);
    (void)vfs;
    int rc =
        faultfs_check(FAULTFS_ACCESS, &t, faultfs_class_code(FAULTFS_ACCESS));
    return rc ? rc : UNIX_VFS->xAccess(UNIX_VFS, path, flags, out);
}

/* The remaining methods are the unix VFS's, unchanged. */
static int ffFullPathname(sqlite3_vfs *vfs, const char *path, int n, char *out)
{
    (void)vfs;
    return UNIX_VFS->xFullPathname(UNIX_VFS, path, n, out);
}

static void *ffDlOpen(sqlite3_vfs *vfs, const char *path)
{
    (void)vfs;
    return UNIX_VFS->xDlOpen(UNIX_VFS, path);
}

static void ffDlError(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    UNIX_VFS->xDlError(UNIX_VFS, n, out);
}

static void (*ffDlSym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
    (void)vfs;
    return UNIX_VFS->xDlSym(UNIX_VFS, lib, sym);
}

static void ffDlClose(sqlite3_vfs *vfs, void *lib)
{
    (void)vfs;
    UNIX_VFS->xDlClose(UNIX_VFS, lib);
}

static int ffRandomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return UNIX_VFS->xRandomness(UNIX_VFS, n, out);
}

static int ffSleep(sqlite3_vfs *vfs, int microseconds)
{
    (void)vfs;
    return UNIX_VFS->xSleep(UNIX_VFS, microseconds);
}

static int ffCurrentTime(sqlite3_vfs *vfs, double *now)
{
    (void)vfs;
    return UNIX_VFS->xCurrentTime(UNIX_VFS, now);
}

static int ffGetLastError(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return UNIX_VFS->xGetLastError(UNIX_VFS, n, out);
}

static int ffCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now)
{
    (void)vfs;
    return UNIX_VFS->xCurrentTimeInt64(UNIX_VFS, now);
}

static int ffSetSystemCall(sqlite3_vfs *vfs, const char *name,
                           sqlite3_syscall_ptr call)
{
    (void)vfs;
    return UNIX_VFS->xSetSystemCall(UNIX_VFS, name, call);
}

static sqlite3_syscall_ptr ffGetSystemCall(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return UNIX_VFS->xGetSystemCall(UNIX_VFS, name);
}

static const char *ffNextSystemCall(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return UNIX_VFS->xNextSystemCall(UNIX_VFS, name);
}

/* ---------------------------------------------------------- registration */

/* Fill in the VFS object over the unix VFS. */
static void init_vfs(sqlite3_vfs *unix_vfs)
{
    faultfs_vfs = (sqlite3_vfs){
        .iVersion = 3,
        .szOsFile = (int)sizeof(faultfs_file) + unix_vfs->szOsFile,
        .mxPathname = unix_vfs->mxPathname,
        .zName = FAULTFS_VFS_NAME,
        .pAppData = unix_vfs,
        .xOpen = ffOpen,
        .xDelete = ffDelete,
        .xAccess = ffAccess,
        .xFullPathname = ffFullPathname,
        .xDlOpen = ffDlOpen,
        .xDlError = ffDlError,
        .xDlSym = ffDlSym,
        .xDlClose = ffDlClose,
        .xRandomness = ffRandomness,
        .xSleep = ffSleep,
        .xCurrentTime = ffCurrentTime,
        .xGetLastError = ffGetLastError,
        .xCurrentTimeInt64 = ffCurrentTimeInt64,
        .xSetSystemCall = ffSetSystemCall,
        .xGetSystemCall = ffGetSystemCall,
        .xNextSystemCall = ffNextSystemCall,
    };
}

int faultfs_install(const faultfs_config *config, bool make_default, char *err,
                    size_t err_size)
{
    sqlite3_vfs *unix_vfs =
        faultfs_registered ? UNIX_VFS : sqlite3_vfs_find("unix");
    if (!unix_vfs || unix_vfs->iVersion < 3) {
        if (err && err_size) {
            snprintf(err, err_size,
                     "faultfs: no unix VFS (version 3) to wrap");
        }
        return SQLITE_ERROR;
    }
    int rc = faultfs_log_open(config->log_path, err, err_size);
    if (rc != SQLITE_OK) {
        return rc;
    }
    faultfs_g.config = *config;
    faultfs_restart_numbering();
    atomic_store(&faultfs_g.model_ahead_ns, 0);
    if (!faultfs_registered) {
        init_vfs(unix_vfs);
        faultfs_fcntl_install(unix_vfs);
    }
    if (!faultfs_registered || make_default) {
        rc = sqlite3_vfs_register(&faultfs_vfs, make_default);
    }
    faultfs_registered = faultfs_registered || rc == SQLITE_OK;
    return rc;
}

int faultfs_register(const char *config, bool make_default, char *err,
                     size_t err_size)
{
    faultfs_config parsed;
    int rc = faultfs_config_parse(config, &parsed, err, err_size);
    return rc ? rc : faultfs_install(&parsed, make_default, err, err_size);
}

void faultfs_unregister(void)
{
    if (!faultfs_registered) {
        return;
    }
    sqlite3_vfs_unregister(&faultfs_vfs);
    faultfs_fcntl_uninstall(UNIX_VFS);
    faultfs_registered = false;
    faultfs_log_close();
    faultfs_shared_release_all();
    faultfs_config_none(&faultfs_g.config);
    faultfs_set_trigger(0, 0, NULL, NULL);
}

const faultfs_config *faultfs_current_config(void)
{
    if (!faultfs_g.config.model[0]) {
        faultfs_config_none(&faultfs_g.config);
    }
    return &faultfs_g.config;
}
