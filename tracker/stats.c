/*
 * stats.c: per-operation counters and latency, cheap enough to leave on.
 *
 * Latency goes into power-of-two microsecond buckets: one increment per
 * call, and percentiles good to a factor of two, which is what telling a
 * 1 ms local commit from a 1 s Lustre stall needs.
 */
#include "tracker_internal.h"

#include <math.h>
#include <time.h>

double tracker_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bucket b holds [2^b, 2^(b+1)) us; below 1 us goes to 0, the top is open. */
static int latency_bucket(double seconds)
{
    double us = seconds * 1e6;
    if (!(us >= 2.0))
        return 0;
    int b = (int)floor(log2(us));
    return b < TRACKER_LATENCY_BUCKETS ? b : TRACKER_LATENCY_BUCKETS - 1;
}

void tracker_stats_record_latency(tracker_op_stats *s, double seconds)
{
    s->latency_total_s += seconds;
    if (seconds > s->latency_max_s)
        s->latency_max_s = seconds;
    s->latency_hist[latency_bucket(seconds)]++;
}

const tracker_stats *tracker_get_stats(const tracker *t)
{
    return t ? &t->stats : NULL;
}

void tracker_stats_add(tracker_stats *a, const tracker_stats *b)
{
    for (int op = 0; op < TRACKER_OP_COUNT; op++) {
        tracker_op_stats *x = &a->op[op];
        const tracker_op_stats *y = &b->op[op];
        x->calls += y->calls;
        x->attempts += y->attempts;
        for (int c = 0; c < TRACKER_CLASS_COUNT; c++) {
            x->retries[c] += y->retries[c];
            x->failures[c] += y->failures[c];
        }
        x->backoff_s += y->backoff_s;
        x->latency_total_s += y->latency_total_s;
        if (y->latency_max_s > x->latency_max_s)
            x->latency_max_s = y->latency_max_s;
        for (int i = 0; i < TRACKER_LATENCY_BUCKETS; i++)
            x->latency_hist[i] += y->latency_hist[i];
    }
    a->reconnects += b->reconnects;
}

double tracker_op_stats_percentile(const tracker_op_stats *s, double q)
{
    uint64_t total = 0;
    for (int i = 0; i < TRACKER_LATENCY_BUCKETS; i++)
        total += s->latency_hist[i];
    if (total == 0)
        return 0.0;
    double rank = q * (double)total;
    uint64_t seen = 0;
    for (int i = 0; i < TRACKER_LATENCY_BUCKETS; i++) {
        seen += s->latency_hist[i];
        if ((double)seen >= rank && s->latency_hist[i] > 0) {
            double edge = ldexp(1.0, i + 1) * 1e-6;
            return edge < s->latency_max_s ? edge : s->latency_max_s;
        }
    }
    return s->latency_max_s;
}
