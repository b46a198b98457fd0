/*
 * support_hooks.c: hooks that make retries observable without waiting.
 */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

void sleep_log_hook(void *ctx, double seconds)
{
    sleep_log *log = ctx;
    assert_true(log->count < MAX_RECORDED_SLEEPS);
    log->seconds[log->count++] = seconds;
    if (log->action && log->count == log->act_after)
        log->action(log->action_ctx);
}

double fixed_random(void *ctx)
{
    return *(double *)ctx;
}

void test_options(tracker_options *o, const char *profile, sleep_log *log,
                  double *jitter_value)
{
    const tracker_profile *p = tracker_profile_find(profile);
    if (p == NULL)
        fail_msg("no profile %s", profile);
    tracker_options_init(o, p);
    o->vfs = "unix";
    o->sleep = sleep_log_hook;
    o->sleep_ctx = log;
    o->random = fixed_random;
    o->random_ctx = jitter_value;
}

tracker *open_tracker(const char *path, const tracker_options *o)
{
    tracker *t = NULL;
    tracker_error e;
    int rc = tracker_open(path, o, &t, &e);
    if (rc != SQLITE_OK) {
        char text[768];
        tracker_error_format(&e, text, sizeof text);
        fail_msg("tracker_open(%s): %s", path, text);
    }
    return t;
}

tracker *open_tracker_profile(const char *path, const char *profile)
{
    static sleep_log unread_log;
    static double half = 0.5;
    tracker_options o;
    test_options(&o, profile, &unread_log, &half);
    unread_log.count = 0;
    return open_tracker(path, &o);
}
