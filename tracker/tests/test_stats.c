/*
 * test_stats.c: per-operation statistics add up to what happened.
 */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static uint64_t histogram_total(const tracker_op_stats *s)
{
    uint64_t n = 0;
    for (int i = 0; i < TRACKER_LATENCY_BUCKETS; i++)
        n += s->latency_hist[i];
    return n;
}

static void test_counts_match_calls(void **state)
{
    (void)state;
    char *dir = scratch_dir_new();
    char *db = scratch_path(dir, "t.db");
    tracker_options o;
    tracker_options_init(&o, tracker_profile_find("delete-off"));
    tracker *t = open_tracker(db, &o);
    for (int i = 0; i < 10; i++)
        assert_int_equal(tracker_add_task(t, "Amon.tas", "hist"), SQLITE_OK);
    bool done;
    for (int i = 0; i < 4; i++)
        assert_int_equal(tracker_is_done(t, "Amon.tas", "hist", &done),
                         SQLITE_OK);
    const tracker_stats *st = tracker_get_stats(t);
    const tracker_op_stats *add = &st->op[TRACKER_OP_ADD_TASK];
    assert_int_equal(add->calls, 10);
    assert_int_equal(add->attempts, 10);
    assert_int_equal(histogram_total(add), 10);
    assert_true(add->latency_total_s > 0);
    assert_true(add->latency_max_s > 0);
    assert_true(add->latency_max_s <= add->latency_total_s);
    assert_int_equal(st->op[TRACKER_OP_GET_STATUS].calls, 4); /* is_done */
    assert_int_equal(st->op[TRACKER_OP_OPEN].calls, 1);
    assert_int_equal(st->op[TRACKER_OP_MARK_RUNNING].calls, 0);
    for (int c = 0; c < TRACKER_CLASS_COUNT; c++) {
        assert_int_equal(add->retries[c], 0);
        assert_int_equal(add->failures[c], 0);
    }

    /* Percentiles are bucket edges, monotone, capped by the maximum. */
    double p50 = tracker_op_stats_percentile(add, 0.5);
    double p99 = tracker_op_stats_percentile(add, 0.99);
    assert_true(p50 > 0);
    assert_true(p50 <= p99);
    assert_true(p99 <= add->latency_max_s);

    tracker_stats sum;
    memset(&sum, 0, sizeof sum);
    tracker_stats_add(&sum, st);
    tracker_stats_add(&sum, st);
    assert_int_equal(sum.op[TRACKER_OP_ADD_TASK].calls, 20);
    assert_int_equal(histogram_total(&sum.op[TRACKER_OP_ADD_TASK]), 20);
    assert_float_equal(sum.op[TRACKER_OP_ADD_TASK].latency_max_s,
                       add->latency_max_s, 0);
    tracker_free(t);
    free(db);
    scratch_dir_free(dir);
}

static void test_percentile_of_known_histogram(void **state)
{
    (void)state;
    tracker_op_stats s;
    memset(&s, 0, sizeof s);
    s.latency_hist[3] = 90;  /* [8, 16) us */
    s.latency_hist[10] = 10; /* [1024, 2048) us */
    s.latency_max_s = 1.5e-3;
    assert_float_equal(tracker_op_stats_percentile(&s, 0.5), 16e-6, 1e-12);
    assert_float_equal(tracker_op_stats_percentile(&s, 0.9), 16e-6, 1e-12);
    assert_float_equal(tracker_op_stats_percentile(&s, 0.95), 1.5e-3, 1e-12);
    memset(&s, 0, sizeof s);
    assert_float_equal(tracker_op_stats_percentile(&s, 0.5), 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_match_calls),
        cmocka_unit_test(test_percentile_of_known_histogram),
    };
    return cmocka_run_group_tests_name("tracker stats", tests, NULL, NULL);
}
