/*
 * faultfs_wal.c: each simulated node's view of a -wal file's size
 * (wal.stale, README.md "WAL across nodes").
 *
 * A node learns the -wal file's true size when it writes or truncates the
 * file, and when the size it learned is older than wal.stale; in between it
 * trusts what it learned, as a client answering from its own cache does:
 * its size queries get the stale size, so a wal-index it rebuilds from the
 * -wal ends before other nodes' commits. A read that reaches past that size
 * (frames another node appended, which the shared wal-index announces)
 * makes the node learn the size first (real clients gave one short read
 * in 240 jobs: FIDELITY.md); with wal.short_reads=on it comes back short
 * instead, zero-filled, with SQLITE_IOERR_SHORT_READ, as the unix VFS
 * returns a read past the end of the file, and SQLite's WAL reader passes
 * that code up. On one node every append is the node's own, so its view is
 * never behind: the mechanisms need two nodes on one WAL database within
 * wal.stale of each other.
 *
 * The views live in a state file beside the database (one entry per node),
 * updated with atomics. A view's size and time are two words, so a reader
 * racing a writer of the same node's entry may pair one's size with the
 * other's time: at worst a view lasts one lifetime longer or shorter.
 */
#include <string.h>
#include <time.h>

#include "faultfs_internal.h"

#define VIEW_SUFFIX "-faultfs-wal-view"

typedef struct node_view {
    _Atomic int64_t size;        /* the -wal's size as the node learned it */
    _Atomic uint64_t learned_ns; /* CLOCK_MONOTONIC when; 0: never */
} node_view;

/* The state file's contents: one view per node. */
struct faultfs_wal_views {
    node_view node[FAULTFS_MAX_NODE + 1];
};

/* Nanoseconds on the clock every process of the host shares. */
static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + 1;
}

faultfs_wal_views *faultfs_wal_views_for(faultfs_file_kind kind,
                                         const char *path)
{
    if (faultfs_g.config.wal_stale_s <= 0.0 || kind != FAULTFS_FILE_WAL ||
        !path) {
        return NULL;
    }
    char state[FAULTFS_PATH_MAX + sizeof VIEW_SUFFIX];
    faultfs_shared_path(path, VIEW_SUFFIX, state, sizeof state);
    return faultfs_shared_state(state, sizeof(faultfs_wal_views));
}

/* This process's node's view of the -wal at target, or NULL. */
static node_view *view_of(const faultfs_target *target)
{
    unsigned node = faultfs_g.config.node % (FAULTFS_MAX_NODE + 1);
    return target->wal ? &target->wal->node[node] : NULL;
}

/* The file's true size, or -1 if it cannot be had. */
static int64_t true_size(sqlite3_file *real)
{
    sqlite3_int64 size = 0;
    return real->pMethods->xFileSize(real, &size) == SQLITE_OK ? size : -1;
}

/* Record size as the node's view, now. */
static void learn(node_view *view, int64_t size)
{
    atomic_store(&view->size, size);
    atomic_store(&view->learned_ns, monotonic_ns());
}

/* The size the node believes a file of true size `size` has: its view,
 * learned afresh when it is older than wal.stale (in real time: the
 * model's duration times the time scale). A view can lag other nodes'
 * appends, never a file that shrank or was made anew (the -wal after a
 * checkpoint's reset or a delete): one larger than the file is learned
 * afresh, so that one node alone never misreads. */
static int64_t believed_size(node_view *view, int64_t size)
{
    const faultfs_config *c = &faultfs_g.config;
    uint64_t learned = atomic_load(&view->learned_ns);
    double age_s = (double)(monotonic_ns() - learned) * 1e-9;
    int64_t seen = atomic_load(&view->size);
    if (learned == 0 || age_s > c->wal_stale_s * c->time_scale ||
        seen > size) {
        learn(view, size);
        return size;
    }
    return seen;
}

int faultfs_wal_read(const faultfs_target *target, sqlite3_file *real,
                     void *buf, int amt, sqlite3_int64 offset)
{
    node_view *view = view_of(target);
    int64_t size = view ? true_size(real) : -1;
    if (size < 0) {
        return SQLITE_OK; /* no view to apply: read the file */
    }
    int64_t seen = believed_size(view, size);
    if (offset + amt <= seen) {
        return SQLITE_OK;
    }
    if (!faultfs_g.config.wal_short_reads) {
        learn(view, size);
        return SQLITE_OK;
    }
    /* What the node believes is there, then zeros, as a short read. */
    int part = offset < seen ? (int)(seen - offset) : 0;
    if (part > 0 &&
        real->pMethods->xRead(real, buf, part, offset) != SQLITE_OK) {
        part = 0;
    }
    memset((char *)buf + part, 0, (size_t)(amt - part));
    faultfs_record_mechanism(FAULTFS_READ, FAULTFS_FILE_WAL, "short_read",
                             target->path);
    return SQLITE_IOERR_SHORT_READ;
}

void faultfs_wal_learn(const faultfs_target *target, sqlite3_file *real)
{
    node_view *view = view_of(target);
    int64_t size = view ? true_size(real) : -1;
    if (size >= 0) {
        learn(view, size);
    }
}

void faultfs_wal_size(const faultfs_target *target, sqlite3_int64 *size)
{
    node_view *view = view_of(target);
    if (view) {
        *size = believed_size(view, *size);
    }
}
