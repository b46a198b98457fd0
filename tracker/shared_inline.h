/*
 * shared_inline.h: the few lines the tracker, faultfs and trackhammer need
 * to be the same to the bit: the splitmix64 mix behind every seeded stream
 * (fault draws, crash draws, retry jitter, the harness's own choices) and
 * the sleep that resumes after signals.
 *
 * Header-only (static inline): libfaultfs and faultfs.so link nothing but
 * SQLite, so these cannot live in libtracker; faultfs includes this file
 * by its relative path.
 */
#ifndef TRACKER_SHARED_INLINE_H
#define TRACKER_SHARED_INLINE_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

/* 2^64 / golden ratio: splitmix64's increment, and a multiplier that
 * spreads small seeds over all 64 bits. */
#define GOLDEN_RATIO_64 0x9e3779b97f4a7c15ULL

/* splitmix64's output for state x: x advanced by one increment, then its
 * finalizer, a bijective 64-bit mix. */
static inline uint64_t splitmix64_mix(uint64_t x)
{
    x += GOLDEN_RATIO_64;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* The generator itself: the next value of the stream *state, advanced. */
static inline uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t value = splitmix64_mix(*state);
    *state += GOLDEN_RATIO_64;
    return value;
}

/* A 64-bit hash as a double uniform in [0, 1): its top 53 bits. */
static inline double unit_interval(uint64_t hash)
{
    return (double)(hash >> 11) * 0x1.0p-53;
}

/* Sleep `seconds` of real time (nothing when not above 0), the rest of it
 * again after each signal that interrupts it. */
static inline void sleep_resuming(double seconds)
{
    if (!(seconds > 0))
        return;
    struct timespec ts = { .tv_sec = (time_t)seconds };
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

#endif /* TRACKER_SHARED_INLINE_H */
