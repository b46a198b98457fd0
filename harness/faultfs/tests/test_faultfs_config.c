/*
 * test_faultfs_config.c: the configuration string, the models, describe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

/* Parsing text fails, and the message names both key and value. */
static void assert_rejected(const char *text, const char *key,
                            const char *value)
{
    faultfs_config c;
    char err[512] = "";
    int rc = faultfs_config_parse(text, &c, err, sizeof err);
    if (rc == SQLITE_OK || !strstr(err, key) || !strstr(err, value)) {
        print_error("config '%s': rc %d, message '%s'\n", text, rc, err);
    }
    assert_int_not_equal(rc, SQLITE_OK);
    assert_non_null(strstr(err, key));
    assert_non_null(strstr(err, value));
}

static void test_lustre_model_has_its_table_values(void **state)
{
    faultfs_config c;
    (void)state;
    assert_int_equal(faultfs_config_model("lustre", &c), SQLITE_OK);
    assert_string_equal(c.model, "lustre");
    assert_true(c.cls[FAULTFS_SYNC].probability == 0.01);
    assert_true(c.cls[FAULTFS_OPEN].probability == 0.002);
    assert_true(c.cls[FAULTFS_SHM_MAP].probability == 0.0);
    assert_true(c.cls[FAULTFS_SYNC].latency_s == 0.005);
    assert_true(c.cls[FAULTFS_ACCESS].latency_s == 200e-6);
    assert_true(c.storm.enabled);
    assert_true(c.storm.capacity == 2000.0);
    assert_true(c.storm.horizon_s == 1.0);
    assert_int_equal(c.shm_map_effect, FAULTFS_SHM_MAP_UNBACK);
    assert_int_equal(c.node_locks, FAULTFS_NODE_LOCKS_SHM);
    assert_true(c.wal_stale_s == 1.0);
    assert_false(c.wal_short_reads);
    /* every class has a rate of its own in the table */
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        if (k != FAULTFS_SHM_MAP) {
            assert_true(c.cls[k].probability > 0.0);
        }
    }
}

static void test_none_model_injects_nothing(void **state)
{
    faultfs_config c;
    (void)state;
    assert_int_equal(faultfs_config_parse("none", &c, NULL, 0), SQLITE_OK);
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        assert_true(c.cls[k].probability == 0.0);
        assert_true(c.cls[k].latency_s == 0.0);
        assert_int_equal(c.cls[k].fail_first, 0);
    }
    assert_false(c.storm.enabled);
    assert_true(c.wal_stale_s == 0.0); /* every node's view current */
    /* no text at all is the none model too */
    assert_int_equal(faultfs_config_parse(NULL, &c, NULL, 0), SQLITE_OK);
    assert_string_equal(c.model, "none");
    assert_int_equal(faultfs_config_parse("", &c, NULL, 0), SQLITE_OK);
    assert_string_equal(c.model, "none");
}

static void test_overrides_apply_after_the_model(void **state)
{
    faultfs_config c;
    char err[256];
    (void)state;
    int rc = faultfs_config_parse(
        " lustre , sync.p=0.5, read.latency=250us, open.fail=3:forever,"
        "write.fail=2:4, seed=42, rank=7, node=3, node.locks=all,"
        "time_scale=0.01, log=/tmp/x.log, storm=off, storm.start=1700000000,"
        "storm.window=2min, shm_map.effect=error, truncate.latency=1.5s",
        &c, err, sizeof err);
    assert_int_equal(rc, SQLITE_OK);
    assert_true(c.cls[FAULTFS_SYNC].probability == 0.5);
    assert_true(c.cls[FAULTFS_READ].latency_s == 250e-6);
    assert_int_equal(c.cls[FAULTFS_OPEN].fail_first, 3);
    assert_true(c.cls[FAULTFS_OPEN].fail_count == FAULTFS_FOREVER);
    assert_int_equal(c.cls[FAULTFS_WRITE].fail_first, 2);
    assert_int_equal(c.cls[FAULTFS_WRITE].fail_count, 4);
    assert_int_equal(c.seed, 42);
    assert_int_equal(c.rank, 7);
    assert_int_equal(c.node, 3);
    assert_int_equal(c.node_locks, FAULTFS_NODE_LOCKS_ALL);
    assert_true(c.time_scale == 0.01);
    assert_string_equal(c.log_path, "/tmp/x.log");
    assert_false(c.storm.enabled);
    assert_true(c.storm.start_epoch_s == 1700000000.0);
    assert_true(c.storm.window_s == 120.0);
    assert_int_equal(c.shm_map_effect, FAULTFS_SHM_MAP_ERROR);
    assert_true(c.cls[FAULTFS_TRUNCATE].latency_s == 1.5);
    /* untouched keys keep the model's values */
    assert_true(c.cls[FAULTFS_OPEN].probability == 0.002);
}

static void test_describe_parses_back_to_the_same(void **state)
{
    const char *configs[] = {
        "lustre",
        "none",
        ("lustre,sync.p=0.123456789,seed=18446744073709551615,open.fail=5,"
         "read.fail=2:forever,time_scale=0.001,log=/tmp/y,storm.state=/tmp/s"),
    };
    (void)state;
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        faultfs_config a, b;
        char text[8192], again[8192];
        assert_int_equal(faultfs_config_parse(configs[i], &a, NULL, 0),
                         SQLITE_OK);
        faultfs_config_describe(&a, text, sizeof text);
        assert_int_equal(faultfs_config_parse(text, &b, NULL, 0), SQLITE_OK);
        faultfs_config_describe(&b, again, sizeof again);
        assert_string_equal(text, again);
        assert_memory_equal(&a.cls, &b.cls, sizeof a.cls);
        assert_true(a.seed == b.seed && a.time_scale == b.time_scale);
    }
}

static void test_crash_keys_parse_and_bad_ones_are_rejected(void **state)
{
    (void)state;
    faultfs_config c;
    char err[512];
    assert_int_equal(faultfs_config_parse("lustre", &c, err, sizeof err),
                     SQLITE_OK);
    assert_false(c.crash.enabled); /* off unless asked */
    assert_int_equal(
        faultfs_config_parse("none,crash=on,crash.drop=0.1,crash.torn=0.2,"
                             "crash.sector=4096,crash.names=dirsync",
                             &c, err, sizeof err),
        SQLITE_OK);
    assert_true(c.crash.enabled);
    assert_true(c.crash.drop == 0.1 && c.crash.torn == 0.2);
    assert_int_equal(c.crash.sector, 4096);
    assert_int_equal(c.crash.names, FAULTFS_CRASH_NAMES_DIRSYNC);
    assert_rejected("none,crash=yes", "crash", "yes");
    assert_rejected("none,crash.drop=2", "crash.drop", "2");
    assert_rejected("none,crash.sector=0", "crash.sector", "0");
    assert_rejected("none,crash.names=lazy", "crash.names", "lazy");
}

static void test_unknown_keys_are_rejected(void **state)
{
    (void)state;
    assert_rejected("lustre,bogus=1", "bogus", "1");
    assert_rejected("none,sync.q=0.5", "sync.q", "0.5");
    assert_rejected("none,fsync.p=0.5", "fsync.p", "0.5");
    assert_rejected("none,storm.speed=3", "storm.speed", "3");
}

static void test_probabilities_outside_0_1_are_rejected(void **state)
{
    (void)state;
    assert_rejected("none,sync.p=1.5", "sync.p", "1.5");
    assert_rejected("none,read.p=-0.1", "read.p", "-0.1");
    assert_rejected("none,lock.p=1.0000001", "lock.p", "1.0000001");
}

static void test_malformed_numbers_are_rejected(void **state)
{
    (void)state;
    assert_rejected("none,sync.p=abc", "sync.p", "abc");
    assert_rejected("none,sync.p=0.5x", "sync.p", "0.5x");
    assert_rejected("none,sync.p=", "sync.p", "");
    assert_rejected("none,sync.p=nan", "sync.p", "nan");
    assert_rejected("none,seed=-1", "seed", "-1");
    assert_rejected("none,seed=12a", "seed", "12a");
    assert_rejected("none,seed=99999999999999999999", "seed",
                    "99999999999999999999");
    assert_rejected("none,time_scale=0", "time_scale", "0");
    assert_rejected("none,storm.capacity=-5", "storm.capacity", "-5");
    assert_rejected("none,node=1024", "node", "1024");
}

static void test_malformed_durations_are_rejected(void **state)
{
    (void)state;
    assert_rejected("none,sync.latency=5", "sync.latency", "5");
    assert_rejected("none,sync.latency=5xs", "sync.latency", "5xs");
    assert_rejected("none,sync.latency=-1ms", "sync.latency", "-1ms");
    assert_rejected("none,sync.latency=ms", "sync.latency", "ms");
    assert_rejected("none,storm.horizon=0", "storm.horizon", "0");
    assert_rejected("none,wal.stale=1", "wal.stale", "1");
    assert_rejected("none,wal.stale=-1s", "wal.stale", "-1s");
}

static void test_malformed_schedules_and_choices_are_rejected(void **state)
{
    (void)state;
    assert_rejected("none,open.fail=0", "open.fail", "0");
    assert_rejected("none,open.fail=2:0", "open.fail", "2:0");
    assert_rejected("none,open.fail=2:always", "open.fail", "2:always");
    assert_rejected("none,shm_map.effect=explode", "shm_map.effect",
                    "explode");
    assert_rejected("none,storm=maybe", "storm", "maybe");
    assert_rejected("none,node.locks=some", "node.locks", "some");
    assert_rejected("none,wal.short_reads=maybe", "wal.short_reads", "maybe");
}

static void test_bad_structure_is_rejected(void **state)
{
    (void)state;
    assert_rejected("lustr", "model", "lustr");
    assert_rejected("none,lustre", "model", "lustre");
    assert_rejected("none,,sync.p=1", "config", "none,,sync.p=1");
}

static void test_installing_a_bad_config_keeps_the_old_one(void **state)
{
    (void)state;
    assert_int_equal(install("none,sync.p=0.25"), SQLITE_OK);
    assert_int_not_equal(install("none,sync.p=2"), SQLITE_OK);
    assert_non_null(strstr(install_error, "sync.p"));
    assert_true(faultfs_current_config()->cls[FAULTFS_SYNC].probability ==
                0.25);
    assert_int_not_equal(install("none,log=/nonexistent-dir/x.log"),
                         SQLITE_OK);
    assert_non_null(strstr(install_error, "/nonexistent-dir/x.log"));
    faultfs_unregister();
    assert_string_equal(faultfs_current_config()->model, "none");
}

/* Every fault class is found by its name, and nothing else is a class. */
static void test_class_names_find_their_class(void **state)
{
    (void)state;
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        faultfs_class found = FAULTFS_CLASS_COUNT;
        assert_true(
            faultfs_class_find(faultfs_class_name((faultfs_class)k), &found));
        assert_int_equal(found, k);
    }
    faultfs_class untouched = FAULTFS_SYNC;
    assert_false(faultfs_class_find("fsync", &untouched));
    assert_false(faultfs_class_find("", &untouched));
    assert_false(faultfs_class_find(NULL, &untouched));
    assert_int_equal(untouched, FAULTFS_SYNC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lustre_model_has_its_table_values),
        cmocka_unit_test(test_none_model_injects_nothing),
        cmocka_unit_test(test_overrides_apply_after_the_model),
        cmocka_unit_test(test_describe_parses_back_to_the_same),
        cmocka_unit_test(test_crash_keys_parse_and_bad_ones_are_rejected),
        cmocka_unit_test(test_unknown_keys_are_rejected),
        cmocka_unit_test(test_probabilities_outside_0_1_are_rejected),
        cmocka_unit_test(test_malformed_numbers_are_rejected),
        cmocka_unit_test(test_malformed_durations_are_rejected),
        cmocka_unit_test(test_malformed_schedules_and_choices_are_rejected),
        cmocka_unit_test(test_bad_structure_is_rejected),
        cmocka_unit_test(test_installing_a_bad_config_keeps_the_old_one),
        cmocka_unit_test(test_class_names_find_their_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
