/*
 * support_faults.c: a fault seam for the tracker's tests.
 *
 * The unix VFS calls pread/pwrite through a table that SQLite lets a
 * program replace (xSetSystemCall); SQLite's own tests inject I/O errors
 * the same way. A failed call returns -1 with the planned errno, and SQLite
 * reacts exactly as it would to a real one. Nothing here touches SQLite.
 */
#include "support.h"

#include <errno.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>
#include <cmocka.h>

static struct {
    int skip, count, injected, error;
} plan[FAULT_CALL_COUNT];

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
static pread_fn real_pread, real_pread64;
static pwrite_fn real_pwrite, real_pwrite64;

/* Should this call fail? Consumes one step of the plan. */
static bool fault_now(fault_call call)
{
    if (plan[call].skip > 0) {
        plan[call].skip--;
        return false;
    }
    if (plan[call].count > 0) {
        plan[call].count--;
        plan[call].injected++;
        return true;
    }
    return false;
}

static ssize_t faulty_pread(int fd, void *buf, size_t n, off_t off)
{
    if (fault_now(FAULT_READ)) {
        errno = plan[FAULT_READ].error;
        return -1;
    }
    return real_pread(fd, buf, n, off);
}

static ssize_t faulty_pread64(int fd, void *buf, size_t n, off_t off)
{
    if (fault_now(FAULT_READ)) {
        errno = plan[FAULT_READ].error;
        return -1;
    }
    return real_pread64(fd, buf, n, off);
}

static ssize_t faulty_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (fault_now(FAULT_WRITE)) {
        errno = plan[FAULT_WRITE].error;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

static ssize_t faulty_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    if (fault_now(FAULT_WRITE)) {
        errno = plan[FAULT_WRITE].error;
        return -1;
    }
    return real_pwrite64(fd, buf, n, off);
}

/* Swap one entry of the unix VFS's system-call table; keep the original. */
static void replace(sqlite3_vfs *vfs, const char *name,
                    sqlite3_syscall_ptr ours, sqlite3_syscall_ptr *saved)
{
    if (*saved)
        return;
    *saved = vfs->xGetSystemCall(vfs, name);
    if (*saved)
        assert_int_equal(vfs->xSetSystemCall(vfs, name, ours), SQLITE_OK);
}

void faults_install(void)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find("unix");
    assert_non_null(vfs);
    replace(vfs, "pread", (sqlite3_syscall_ptr)faulty_pread,
            (sqlite3_syscall_ptr *)&real_pread);
    replace(vfs, "pread64", (sqlite3_syscall_ptr)faulty_pread64,
            (sqlite3_syscall_ptr *)&real_pread64);
    replace(vfs, "pwrite", (sqlite3_syscall_ptr)faulty_pwrite,
            (sqlite3_syscall_ptr *)&real_pwrite);
    replace(vfs, "pwrite64", (sqlite3_syscall_ptr)faulty_pwrite64,
            (sqlite3_syscall_ptr *)&real_pwrite64);
    assert_true(real_pread || real_pread64);
    assert_true(real_pwrite || real_pwrite64);
}

void faults_arm(fault_call call, int skip, int count, int error)
{
    plan[call].error = error;
    plan[call].skip = skip;
    plan[call].count = count;
    plan[call].injected = 0;
}

void faults_disarm(void)
{
    for (int i = 0; i < FAULT_CALL_COUNT; i++)
        plan[i].skip = plan[i].count = 0;
}

int faults_injected(fault_call call)
{
    return plan[call].injected;
}
