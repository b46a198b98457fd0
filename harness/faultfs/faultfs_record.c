/*
 * faultfs_record.c: per-process counters and the shared event log.
 *
 * Counters are atomics, readable and resettable through the API (the
 * harness forks one child per job and reads the child's counters). The
 * event log is one line per injected fault, appended with a single write()
 * on an O_APPEND descriptor, so any number of processes can share one file
 * without interleaving inside a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faultfs_internal.h"

static struct {
    _Atomic uint64_t calls[FAULTFS_CLASS_COUNT];
    _Atomic uint64_t faults[FAULTFS_CLASS_COUNT];
    _Atomic uint64_t faults_by_kind[FAULTFS_FILE_KIND_COUNT];
    _Atomic uint64_t delay_ns[FAULTFS_CLASS_COUNT];
    _Atomic uint64_t log_errors;
} counters;

void faultfs_count_call(faultfs_class cls, double delay_s)
{
    atomic_fetch_add(&counters.calls[cls], 1);
    atomic_fetch_add(&counters.delay_ns[cls], (uint64_t)(delay_s * 1e9));
}

void faultfs_counters_get(faultfs_counters *out)
{
    memset(out, 0, sizeof *out);
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++) {
        out->calls[c] = atomic_load(&counters.calls[c]);
        out->faults[c] = atomic_load(&counters.faults[c]);
        out->delay_s[c] = (double)atomic_load(&counters.delay_ns[c]) * 1e-9;
    }
    for (int k = 0; k < FAULTFS_FILE_KIND_COUNT; k++) {
        out->faults_by_kind[k] = atomic_load(&counters.faults_by_kind[k]);
    }
    out->log_errors = atomic_load(&counters.log_errors);
}

void faultfs_counters_reset(void)
{
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++) {
        atomic_store(&counters.calls[c], 0);
        atomic_store(&counters.faults[c], 0);
        atomic_store(&counters.delay_ns[c], 0);
    }
    for (int k = 0; k < FAULTFS_FILE_KIND_COUNT; k++) {
        atomic_store(&counters.faults_by_kind[k], 0);
    }
    atomic_store(&counters.log_errors, 0);
}

const char *faultfs_file_kind_name(faultfs_file_kind kind)
{
    static const char *const names[FAULTFS_FILE_KIND_COUNT] = {
        "main", "journal", "wal", "shm", "temp"
    };
    return (unsigned)kind < FAULTFS_FILE_KIND_COUNT ? names[kind] : "?";
}

/* The name of a result code a faulted call can return, for the log. */
static const char *code_name(int rc)
{
    static const struct {
        int code;
        const char *name;
    } names[] = {
        { SQLITE_OK, "SQLITE_OK" },
        { SQLITE_BUSY, "SQLITE_BUSY" },
        { SQLITE_PROTOCOL, "SQLITE_PROTOCOL" },
        { SQLITE_CANTOPEN, "SQLITE_CANTOPEN" },
        { SQLITE_IOERR, "SQLITE_IOERR" },
        { SQLITE_IOERR_READ, "SQLITE_IOERR_READ" },
        { SQLITE_IOERR_CORRUPTFS, "SQLITE_IOERR_CORRUPTFS" },
        { SQLITE_IOERR_WRITE, "SQLITE_IOERR_WRITE" },
        { SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC" },
        { SQLITE_IOERR_TRUNCATE, "SQLITE_IOERR_TRUNCATE" },
        { SQLITE_IOERR_FSTAT, "SQLITE_IOERR_FSTAT" },
        { SQLITE_IOERR_UNLOCK, "SQLITE_IOERR_UNLOCK" },
        { SQLITE_IOERR_RDLOCK, "SQLITE_IOERR_RDLOCK" },
        { SQLITE_IOERR_DELETE, "SQLITE_IOERR_DELETE" },
        { SQLITE_IOERR_ACCESS, "SQLITE_IOERR_ACCESS" },
        { SQLITE_IOERR_CHECKRESERVEDLOCK, "SQLITE_IOERR_CHECKRESERVEDLOCK" },
        { SQLITE_IOERR_LOCK, "SQLITE_IOERR_LOCK" },
        { SQLITE_IOERR_SHMOPEN, "SQLITE_IOERR_SHMOPEN" },
        { SQLITE_IOERR_SHMSIZE, "SQLITE_IOERR_SHMSIZE" },
        { SQLITE_IOERR_SHMMAP, "SQLITE_IOERR_SHMMAP" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].code == rc) {
            return names[i].name;
        }
    }
    return "other";
}

/* Append one line to the event log: a fault drawn by chance or schedule,
 * or a mechanism's effect. */
static void log_line(const faultfs_fault *fault, const char *by,
                     const char *effect, int rc)
{
    struct timespec now;
    char line[FAULTFS_PATH_MAX + 256];
    clock_gettime(CLOCK_REALTIME, &now);
    int n = snprintf(
        line, sizeof line,
        "%lld.%06ld pid=%ld node=%u rank=%llu class=%s kind=%s "
        "call=%llu by=%s effect=%s code=%d name=%s path=%s\n",
        (long long)now.tv_sec, now.tv_nsec / 1000, (long)getpid(),
        faultfs_g.config.node, (unsigned long long)faultfs_g.config.rank,
        faultfs_class_name(fault->cls), faultfs_file_kind_name(fault->kind),
        (unsigned long long)fault->call, by, effect, rc, code_name(rc),
        fault->path ? fault->path : "");
    if (n < 0 || (size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    if (write(faultfs_g.log_fd, line, (size_t)n) != n) {
        atomic_fetch_add(&counters.log_errors, 1);
    }
}

int faultfs_record(const faultfs_fault *fault, const char *effect, int rc)
{
    atomic_fetch_add(&counters.faults[fault->cls], 1);
    atomic_fetch_add(&counters.faults_by_kind[fault->kind], 1);
    if (faultfs_g.log_fd >= 0) {
        log_line(fault, fault->by_schedule ? "schedule" : "chance", effect,
                 rc);
    }
    return rc;
}

void faultfs_record_mechanism(faultfs_class cls, faultfs_file_kind kind,
                              const char *effect, const char *path)
{
    faultfs_fault event = { .cls = cls, .kind = kind, .path = path };
    if (faultfs_g.log_fd >= 0) {
        log_line(&event, "mechanism", effect, SQLITE_OK);
    }
}

void faultfs_record_crash(faultfs_class cls, faultfs_file_kind kind,
                          uint64_t index, const char *effect, const char *path)
{
    faultfs_fault event = {
        .cls = cls, .kind = kind, .call = index, .path = path
    };
    if (faultfs_g.log_fd >= 0) {
        log_line(&event, "crash", effect, SQLITE_OK);
    }
}

int faultfs_log_open(const char *path, char *err, size_t err_size)
{
    int fd = -1;
    if (path[0]) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            if (err && err_size) {
                snprintf(err, err_size, "faultfs: log='%s': %s", path,
                         strerror(errno));
            }
            return SQLITE_CANTOPEN;
        }
    }
    faultfs_log_close();
    faultfs_g.log_fd = fd;
    return SQLITE_OK;
}

void faultfs_log_close(void)
{
    if (faultfs_g.log_fd >= 0) {
        close(faultfs_g.log_fd);
        faultfs_g.log_fd = -1;
    }
}
