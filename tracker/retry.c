/*
 * retry.c: how every tracker call is made, timed and retried.
 *
 * One loop serves every operation, so the retry decision is the profile's
 * alone: a call inside the profile's retry scope whose attempt failed with a
 * retried class sleeps base * 2^k + U(0, jitter) seconds (times the time
 * scale) after attempt k and tries again, at most max_attempts times in
 * all, as upstream's _execute_with_retry does. A call outside the scope is
 * made once. An attempt that failed in a step with a scope of its own (the
 * connect inside open) is judged by that step's scope.
 */
#include "tracker_internal.h"
#include "shared_inline.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

/* Should a failure of class `cls` on attempt `attempt` (0-based) be retried? */
static bool should_retry(const tracker *t, unsigned scope,
                         tracker_error_class cls, int attempt)
{
    const tracker_profile *p = &t->options.profile;
    return (p->retry_scope & scope) && (p->retry_errors & (1u << cls)) &&
           attempt + 1 < p->max_attempts;
}

/* splitmix64: small, seedable, good enough for jitter. */
static double builtin_uniform(tracker *t)
{
    return unit_interval(splitmix64_next(&t->random_state));
}

/* The backoff before attempt k+1, already scaled. */
static double backoff_seconds(tracker *t, int attempt)
{
    const tracker_options *o = &t->options;
    double u = o->random ? o->random(o->random_ctx) : builtin_uniform(t);
    double s = o->profile.backoff_base_s * ldexp(1.0, attempt) +
               o->profile.jitter_s * u;
    return s * o->time_scale;
}

int tracker_call(tracker *t, tracker_op op, attempt_fn attempt, void *ctx)
{
    unsigned scope = tracker_op_scope(op);
    tracker_op_stats *s = &t->stats.op[op];
    double start = tracker_monotonic_seconds();
    int rc = SQLITE_OK;
    int k = 0;

    s->calls++;
    for (;; k++) {
        s->attempts++;
        t->attempt_message[0] = '\0';
        t->failed_scope = 0;
        rc = SQLITE_OK;
        if (t->reconnect_pending) {
            /* A fresh connection, set up as tracker_open set up the first. */
            t->stats.reconnects++;
            tracker_disconnect(t);
            rc = tracker_connect(t, NULL);
            t->reconnect_pending = (rc != SQLITE_OK);
        }
        if (rc == SQLITE_OK)
            rc = attempt(t, ctx);
        if (rc == SQLITE_OK)
            break;
        tracker_error_class cls = tracker_classify(rc);
        if (!should_retry(t, t->failed_scope ? t->failed_scope : scope, cls,
                          k))
            break;
        s->retries[cls]++;
        if (cls == TRACKER_CLASS_CORRUPT)
            t->reconnect_pending = true;
        double pause = backoff_seconds(t, k);
        s->backoff_s += pause;
        t->options.sleep(t->options.sleep_ctx, pause);
    }
    tracker_stats_record_latency(s, tracker_monotonic_seconds() - start);
    if (rc != SQLITE_OK) {
        s->failures[tracker_classify(rc)]++;
        tracker_error_set(&t->last_error, op, rc, k + 1, t->attempt_message);
    } else {
        tracker_error_set(&t->last_error, op, SQLITE_OK, k + 1, NULL);
    }
    return rc;
}

int tracker_reject(tracker *t, tracker_op op, int code, const char *fmt, ...)
{
    char message[sizeof t->last_error.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    t->stats.op[op].calls++;
    t->stats.op[op].failures[tracker_classify(code)]++;
    tracker_error_set(&t->last_error, op, code, 0, message);
    return code;
}
