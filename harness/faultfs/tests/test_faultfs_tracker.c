/*
 * test_faultfs_tracker.c: the tracker's profiles under faultfs.
 *
 * One job's life (open, add_task, is_done, mark_running, mark_completed,
 * close) under each built-in profile: nothing changes without faults; with
 * every fsync failing only the profiles with synchronous=OFF survive (the
 * upstream claim that OFF removes every fsync, checked by counting them);
 * one failed write is survived exactly by the profiles that retry I/O
 * errors on writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"
#include "tracker.h"

/* Backoff must not really sleep in a test. */
static void no_sleep(void *ctx, double seconds)
{
    (void)ctx;
    (void)seconds;
}

static tracker *open_tracker(const tracker_profile *profile, const char *path,
                             int *rc)
{
    tracker_options options;
    tracker *t = NULL;
    tracker_error error;
    tracker_options_init(&options, profile);
    options.vfs = FAULTFS_VFS_NAME;
    options.sleep = no_sleep;
    *rc = tracker_open(path, &options, &t, &error);
    if (*rc != SQLITE_OK) {
        *rc = error.code;
    }
    return t;
}

/* One job's life; the first failing call's extended code, or SQLITE_OK. */
static int run_job(const tracker_profile *profile, const char *path)
{
    int rc;
    bool done = false;
    tracker *t = open_tracker(profile, path, &rc);
    if (!t) {
        return rc;
    }
    if ((rc = tracker_add_task(t, "tas", "historical")) == SQLITE_OK &&
        (rc = tracker_is_done(t, "tas", "historical", &done)) == SQLITE_OK &&
        (rc = tracker_mark_running(t, "tas", "historical")) == SQLITE_OK &&
        (rc = tracker_mark_completed(t, "tas", "historical")) == SQLITE_OK) {
        rc = tracker_close(t);
    }
    if (rc != SQLITE_OK) {
        rc = tracker_last_error(t)->code;
    }
    tracker_free(t);
    return rc;
}

/* A database path of its own for each profile. */
static void db_for(const tracker_profile *profile, char *out, size_t size)
{
    char name[300];
    snprintf(name, sizeof name, "%s.db", profile->name);
    scratch_path(&test_dir, name, out, size);
}

static void test_every_profile_runs_unchanged_without_faults(void **state)
{
    (void)state;
    assert_int_equal(install("none"), SQLITE_OK);
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *profile = tracker_profile_at(i);
        char path[400];
        faultfs_counters counters;
        db_for(profile, path, sizeof path);
        faultfs_counters_reset();
        assert_int_equal(run_job(profile, path), SQLITE_OK);
        faultfs_counters_get(&counters);
        assert_true(counters.calls[FAULTFS_OPEN] > 0);
        assert_true(counters.calls[FAULTFS_WRITE] > 0);
        for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
            assert_int_equal(counters.faults[k], 0);
        }
    }
}

static void test_only_synchronous_off_survives_failing_fsync(void **state)
{
    (void)state;
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *profile = tracker_profile_at(i);
        char path[400];
        faultfs_counters counters;
        db_for(profile, path, sizeof path);
        assert_int_equal(install("none,sync.p=1"), SQLITE_OK);
        faultfs_counters_reset();
        int rc = run_job(profile, path);
        faultfs_counters_get(&counters);
        if (profile->synchronous == TRACKER_SYNC_OFF) {
            assert_int_equal(rc, SQLITE_OK);
            assert_int_equal(counters.calls[FAULTFS_SYNC], 0);
        } else {
            assert_int_equal(rc, SQLITE_IOERR_FSYNC);
            assert_true(counters.faults[FAULTFS_SYNC] >= 1);
        }
    }
}

static void test_one_failed_write_is_retried_only_where_configured(
    void **state)
{
    (void)state;
    assert_int_equal(install("none"), SQLITE_OK);
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *profile = tracker_profile_at(i);
        char path[400];
        int rc;
        db_for(profile, path, sizeof path);
        tracker *t = open_tracker(profile, path, &rc);
        assert_non_null(t);
        assert_int_equal(tracker_add_task(t, "pr", "ssp585"), SQLITE_OK);
        /* the next write on any file fails, once */
        assert_int_equal(faultfs_fail_calls(FAULTFS_WRITE, 1, 1), SQLITE_OK);
        rc = tracker_mark_running(t, "pr", "ssp585");
        const tracker_op_stats *stats =
            &tracker_get_stats(t)->op[TRACKER_OP_MARK_RUNNING];
        bool retried = (profile->retry_errors & TRACKER_RETRY_IOERR) &&
                       (profile->retry_scope & TRACKER_SCOPE_WRITES);
        if (retried) {
            assert_int_equal(rc, SQLITE_OK);
            assert_int_equal(stats->attempts, 2);
        } else {
            assert_int_equal(rc, SQLITE_IOERR_WRITE);
            assert_int_equal(tracker_last_error(t)->code, SQLITE_IOERR_WRITE);
            assert_int_equal(stats->attempts, 1);
        }
        tracker_free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_every_profile_runs_unchanged_without_faults, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_only_synchronous_off_survives_failing_fsync, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_one_failed_write_is_retried_only_where_configured, test_setup,
            test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
