/*
 * faultfs_sigbus.c: the two SIGBUS models' mechanisms (see README.md).
 *
 * Neither raises a signal. Model (a) takes the backing away from a region
 * the unix VFS has mapped; model (b) makes -shm locks node-local so the unix
 * VFS itself truncates the -shm file under other nodes' mappings. In both,
 * the SIGBUS is the kernel's answer to SQLite's next load from the region.
 */
#define _GNU_SOURCE /* memfd_create */
#include <sys/mman.h>
#include <unistd.h>

#include "faultfs_internal.h"

/* Node K's lock ranges start K * 4 GiB above SQLite's own, far beyond the
 * highest byte SQLite locks (PENDING_BYTE + 512). */
#define NODE_LOCK_STRIDE (INT64_C(1) << 32)

/*
 * Model (a): replace the mapping at region, in this process only, with a
 * shared mapping of an empty file. The addresses stay valid, but no page
 * behind them can be brought in, as when a Lustre client cannot read a page
 * back. Returns false (and leaves the mapping alone) if it cannot.
 */
bool faultfs_unback(void volatile *region, int size)
{
    long page = sysconf(_SC_PAGESIZE);
    void *addr = (void *)(uintptr_t)region;
    if (page <= 0 || (uintptr_t)addr % (uintptr_t)page != 0 || size <= 0) {
        return false;
    }
    int fd = memfd_create("faultfs-unbacked", MFD_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    void *p = mmap(addr, (size_t)size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, 0);
    close(fd);
    return p == addr;
}

/*
 * Model (b): how far this process's node moves an fcntl() lock on a file of
 * this kind. Node 0 locks where SQLite does, so a single node behaves
 * exactly like the plain unix VFS.
 */
int64_t faultfs_node_lock_shift(faultfs_file_kind kind)
{
    const faultfs_config *c = &faultfs_g.config;
    bool node_local =
        kind == FAULTFS_FILE_SHM || c->node_locks == FAULTFS_NODE_LOCKS_ALL;
    return node_local ? (int64_t)c->node * NODE_LOCK_STRIDE : 0;
}
