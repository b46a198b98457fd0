/*
 * faultfs_storm.c: load-dependent fault rates, shared across processes.
 *
 * Load is the rate of file-system calls that every process using the same
 * state file makes through faultfs (see "The storm" in README.md for why
 * calls and not open connections). The state file holds a ring of time
 * buckets; each bucket is one 64-bit word, the bucket's tick number in the
 * high 40 bits and its call count in the low 24, so one compare-and-swap
 * both starts a new bucket and counts a call. The file is mmap'd and
 * updated with lock-free atomics: nothing is ever held across a call, and a
 * process that dies (SIGBUS) leaves no stale count, only calls that age out.
 */
#include <stdio.h>
#include <time.h>

#include "faultfs_internal.h"

#define RING_SLOTS 16   /* buckets in the ring */
#define HORIZON_SLOTS 8 /* complete buckets that make up the horizon */
#define TICK_BITS 40
#define COUNT_BITS 24
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)
#define TICK_MASK ((UINT64_C(1) << TICK_BITS) - 1)
#define STATE_FILE_SIZE 4096
#define STATE_SUFFIX "-faultfs-storm"

/* The state file's contents: the ring. */
struct faultfs_storm {
    _Atomic uint64_t ring[RING_SLOTS];
};
_Static_assert(sizeof(faultfs_storm) <= STATE_FILE_SIZE, "ring fits");

faultfs_storm *faultfs_storm_for(const char *file_path)
{
    char path[FAULTFS_PATH_MAX + sizeof STATE_SUFFIX];
    const char *configured = faultfs_g.config.storm.state_path;
    if (!faultfs_g.config.storm.enabled || !file_path) {
        return NULL;
    }
    if (configured[0]) {
        snprintf(path, sizeof path, "%s", configured);
    } else {
        faultfs_shared_path(file_path, STATE_SUFFIX, path, sizeof path);
    }
    return faultfs_shared_state(path, STATE_FILE_SIZE);
}

/* Nanoseconds of wall-clock time: shared by every process on the host and
 * comparable with storm.start. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
           (uint64_t)atomic_load(&faultfs_g.model_ahead_ns);
}

/* Length of one bucket in model nanoseconds. Load is counted on the model
 * clock of each process (now_ns): real time, in which SQLite's calls run at
 * the machine's speed, plus its compressed waits at their full length. */
static uint64_t bucket_ns(void)
{
    const faultfs_config *c = &faultfs_g.config;
    double ns = c->storm.horizon_s * 1e9 / HORIZON_SLOTS;
    return ns < 1.0 ? 1 : (uint64_t)ns;
}

void faultfs_storm_note_call(faultfs_storm *storm)
{
    uint64_t tick = now_ns() / bucket_ns();
    uint64_t tag = tick & TICK_MASK;
    _Atomic uint64_t *slot = &storm->ring[tick % RING_SLOTS];
    uint64_t old = atomic_load(slot);
    uint64_t next;
    do {
        if ((old >> COUNT_BITS) != tag) {
            next = (tag << COUNT_BITS) | 1;
        } else if ((old & COUNT_MASK) == COUNT_MASK) {
            return; /* saturated: the factor is at storm.max long before */
        } else {
            next = old + 1;
        }
    } while (!atomic_compare_exchange_weak(slot, &old, next));
}

double faultfs_storm_factor_of(faultfs_storm *storm)
{
    const faultfs_config *c = &faultfs_g.config;
    uint64_t now = now_ns();
    uint64_t tick = now / bucket_ns();
    uint64_t calls = 0;
    for (uint64_t k = 1; k <= HORIZON_SLOTS && k <= tick; k++) {
        uint64_t word = atomic_load(&storm->ring[(tick - k) % RING_SLOTS]);
        if ((word >> COUNT_BITS) == ((tick - k) & TICK_MASK)) {
            calls += word & COUNT_MASK;
        }
    }
    double rate = (double)calls / c->storm.horizon_s;
    double since_start = (double)now * 1e-9 - c->storm.start_epoch_s;
    if (c->storm.start_epoch_s > 0.0 && since_start >= 0.0 &&
        since_start < c->storm.window_s) {
        rate += c->storm.background;
    }
    double factor = rate / c->storm.capacity;
    return factor < c->storm.max_factor ? factor : c->storm.max_factor;
}

double faultfs_storm_factor(const char *db_path)
{
    faultfs_storm *s = faultfs_storm_for(db_path);
    return s ? faultfs_storm_factor_of(s) : 1.0;
}
