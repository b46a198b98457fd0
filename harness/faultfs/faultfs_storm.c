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
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faultfs_internal.h"

#define RING_SLOTS 16   /* buckets in the ring */
#define HORIZON_SLOTS 8 /* complete buckets that make up the horizon */
#define TICK_BITS 40
#define COUNT_BITS 24
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)
#define TICK_MASK ((UINT64_C(1) << TICK_BITS) - 1)
#define STATE_FILE_SIZE 4096
#define STATE_SUFFIX "-faultfs-storm"

_Static_assert(RING_SLOTS * sizeof(uint64_t) <= STATE_FILE_SIZE, "ring fits");

struct faultfs_storm {
    faultfs_storm *next;
    _Atomic uint64_t *ring; /* RING_SLOTS words, mapped or process-local */
    bool mapped;
    char path[FAULTFS_PATH_MAX + sizeof STATE_SUFFIX];
};

static pthread_mutex_t storms_mutex = PTHREAD_MUTEX_INITIALIZER;
static faultfs_storm *storms;

/* The state file for a database file (or its journal, WAL or -shm). */
static void state_path_for(const char *file_path, char *out, size_t size)
{
    const char *configured = faultfs_g.config.storm.state_path;
    if (configured[0]) {
        snprintf(out, size, "%s", configured);
        return;
    }
    size_t len = faultfs_database_path_len(file_path);
    snprintf(out, size, "%.*s%s", (int)len, file_path, STATE_SUFFIX);
}

/* Map the state file, creating it if needed; NULL if that is impossible. */
static _Atomic uint64_t *map_state_file(const char *path)
{
    struct stat st;
    void *p = MAP_FAILED;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return NULL;
    }
    /* Growing to the same size concurrently is harmless; never shrink, so
     * nobody's mapping loses its backing. */
    if (fstat(fd, &st) == 0 && (st.st_size >= STATE_FILE_SIZE ||
                                ftruncate(fd, STATE_FILE_SIZE) == 0)) {
        p = mmap(NULL, STATE_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                 0);
    }
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

/* A new state for path: the shared file, or process-local memory if the
 * file cannot be mapped (the load is then this process's alone). */
static faultfs_storm *storm_new(const char *path)
{
    faultfs_storm *s = calloc(1, sizeof *s);
    if (!s) {
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    s->ring = map_state_file(path);
    s->mapped = s->ring != NULL;
    if (!s->ring) {
        s->ring = calloc(RING_SLOTS, sizeof *s->ring);
    }
    if (!s->ring) {
        free(s);
        return NULL;
    }
    return s;
}

faultfs_storm *faultfs_storm_for(const char *file_path)
{
    char path[sizeof storms->path];
    if (!faultfs_g.config.storm.enabled || !file_path) {
        return NULL;
    }
    state_path_for(file_path, path, sizeof path);
    pthread_mutex_lock(&storms_mutex);
    faultfs_storm *s = storms;
    while (s && strcmp(s->path, path) != 0) {
        s = s->next;
    }
    if (!s && (s = storm_new(path)) != NULL) {
        s->next = storms;
        storms = s;
    }
    pthread_mutex_unlock(&storms_mutex);
    return s;
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

void faultfs_storm_release_all(void)
{
    pthread_mutex_lock(&storms_mutex);
    while (storms) {
        faultfs_storm *s = storms;
        storms = s->next;
        if (s->mapped) {
            munmap((void *)s->ring, STATE_FILE_SIZE);
        } else {
            free((void *)s->ring);
        }
        free(s);
    }
    pthread_mutex_unlock(&storms_mutex);
}
