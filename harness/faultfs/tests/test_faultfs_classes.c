/*
 * test_faultfs_classes.c: each fault class against real SQLite operations,
 * pass-through at probability 0, counters, the event log, determinism,
 * schedules, latency and the storm factor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"

/* A database at path with one table and one row, in the journal mode. */
static void make_database(const char *path, const char *vfs,
                          const char *journal_mode)
{
    sqlite3 *db;
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=%s; PRAGMA synchronous=FULL;"
             "CREATE TABLE t(x); INSERT INTO t VALUES(1);",
             journal_mode);
    assert_int_equal(db_open(path, vfs, &db), SQLITE_OK);
    assert_int_equal(db_exec(db, sql), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

typedef enum action { OPEN, READ, WRITE } action;

/* What fails when a class's probability is 1, and with which code. */
static const struct class_case {
    faultfs_class cls;
    const char *journal_mode;
    const char *extra_config;
    action act;
    int expected;
} class_cases[] = {
    { FAULTFS_OPEN, "delete", "", OPEN, SQLITE_CANTOPEN },
    { FAULTFS_DELETE, "delete", "", WRITE, SQLITE_IOERR_DELETE },
    { FAULTFS_ACCESS, "delete", "", READ, SQLITE_IOERR_ACCESS },
    { FAULTFS_SYNC, "delete", "", WRITE, SQLITE_IOERR_FSYNC },
    /* EIO on read is the unix VFS's IOERR_CORRUPTFS; a fresh connection
     * meets it while reading the schema, where SQLite passes it on as is
     * (inside a running statement it would become SQLITE_CORRUPT). */
    { FAULTFS_READ, "delete", "", READ, SQLITE_IOERR_CORRUPTFS },
    { FAULTFS_READ, "delete", ",read.errno=etimedout", READ,
      SQLITE_IOERR_READ },
    { FAULTFS_WRITE, "delete", "", WRITE, SQLITE_IOERR_WRITE },
    { FAULTFS_TRUNCATE, "truncate", "", WRITE, SQLITE_IOERR_TRUNCATE },
    { FAULTFS_LOCK, "delete", "", READ, SQLITE_IOERR_LOCK },
    { FAULTFS_SHM_OPEN, "wal", "", READ, SQLITE_IOERR_SHMOPEN },
    { FAULTFS_SHM_MAP, "wal", ",shm_map.effect=error", READ,
      SQLITE_IOERR_SHMMAP },
};

/* Run the case's operation on a fresh connection; the extended code. A
 * write sets the (per-connection) journal mode first. */
static int run_action(action act, const char *journal_mode)
{
    sqlite3 *db;
    char sql[128];
    int rc = db_open(test_dir.db, FAULTFS_VFS_NAME, &db);
    if (rc == SQLITE_OK && act == READ) {
        rc = db_query_text(db, "SELECT count(*) FROM t", sql, sizeof sql);
    } else if (rc == SQLITE_OK && act == WRITE) {
        snprintf(sql, sizeof sql,
                 "PRAGMA journal_mode=%s; PRAGMA synchronous=FULL;"
                 "INSERT INTO t VALUES(2)",
                 journal_mode);
        rc = db_exec(db, sql);
    }
    sqlite3_close(db);
    return rc;
}

static void test_each_class_at_probability_1_fails_its_operation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof class_cases / sizeof class_cases[0]; i++) {
        const struct class_case *k = &class_cases[i];
        char config[128];
        assert_int_equal(install("none"), SQLITE_OK);
        make_database(test_dir.db, FAULTFS_VFS_NAME, k->journal_mode);
        snprintf(config, sizeof config, "none,%s.p=1%s",
                 faultfs_class_name(k->cls), k->extra_config);
        assert_int_equal(install(config), SQLITE_OK);
        faultfs_counters_reset();
        int rc = run_action(k->act, k->journal_mode);
        if (rc != k->expected) {
            print_error("class %s: got %d, want %d\n",
                        faultfs_class_name(k->cls), rc, k->expected);
        }
        assert_int_equal(rc, k->expected);
        faultfs_counters counters;
        faultfs_counters_get(&counters);
        assert_true(counters.faults[k->cls] >= 1);
        for (int other = 0; other < FAULTFS_CLASS_COUNT; other++) {
            if (other != (int)k->cls) {
                assert_int_equal(counters.faults[other], 0);
            }
        }
        assert_int_equal(install("none"), SQLITE_OK);
        scratch_remove(&test_dir);
        assert_true(scratch_make(&test_dir));
    }
}

/* A workload touching every kind of file; returns a digest of the data. */
static void run_workload(const char *path, const char *vfs,
                         const char *journal_mode, char *digest, size_t size)
{
    sqlite3 *db;
    char sql[256];
    make_database(path, vfs, journal_mode);
    assert_int_equal(db_open(path, vfs, &db), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", journal_mode);
    assert_int_equal(db_exec(db, sql), SQLITE_OK);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(db_exec(db,
                                 "BEGIN; INSERT INTO t SELECT x + 1 FROM t;"
                                 "UPDATE t SET x = x * 3 WHERE x % 2 = 0;"
                                 "DELETE FROM t WHERE x % 7 = 0; COMMIT;"),
                         SQLITE_OK);
        assert_int_equal(db_exec(db, "DELETE FROM t WHERE rowid > 300"),
                         SQLITE_OK);
    }
    assert_int_equal(db_query_text(db,
                                   "SELECT count(*) || ':' || total(x) || ':' "
                                   "|| group_concat(x) FROM t",
                                   digest, size),
                     SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The whole content of a file, malloc'd; *size its length. */
static unsigned char *read_file(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    rewind(f);
    unsigned char *data = malloc((size_t)*size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)*size, f), (size_t)*size);
    fclose(f);
    return data;
}

static void test_probability_0_behaves_like_unix(void **state)
{
    const char *modes[] = { "delete", "wal", "truncate" };
    (void)state;
    /* the lustre model with every rate at 0 and no latency */
    char config[1024] = "lustre,time_scale=0.000001";
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        size_t n = strlen(config);
        snprintf(config + n, sizeof config - n, ",%s.p=0",
                 faultfs_class_name((faultfs_class)k));
    }
    char state_path[400];
    scratch_path(&test_dir, "storm", state_path, sizeof state_path);
    strncat(config, ",storm.state=", sizeof config - strlen(config) - 1);
    strncat(config, state_path, sizeof config - strlen(config) - 1);
    assert_int_equal(install(config), SQLITE_OK);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        char plain[400], shimmed[400], a[8192], b[8192];
        long size_a, size_b;
        snprintf(plain, sizeof plain, "%s/plain-%s.db", test_dir.dir,
                 modes[m]);
        snprintf(shimmed, sizeof shimmed, "%s/faultfs-%s.db", test_dir.dir,
                 modes[m]);
        faultfs_counters_reset();
        run_workload(plain, "unix", modes[m], a, sizeof a);
        faultfs_counters counters;
        faultfs_counters_get(&counters);
        assert_int_equal(counters.calls[FAULTFS_OPEN], 0); /* not ours */
        run_workload(shimmed, FAULTFS_VFS_NAME, modes[m], b, sizeof b);
        assert_string_equal(a, b);
        unsigned char *bytes_a = read_file(plain, &size_a);
        unsigned char *bytes_b = read_file(shimmed, &size_b);
        assert_int_equal(size_a, size_b);
        assert_memory_equal(bytes_a, bytes_b, (size_t)size_a);
        free(bytes_a);
        free(bytes_b);
        faultfs_counters_get(&counters);
        for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
            assert_int_equal(counters.faults[k], 0);
        }
        assert_true(counters.calls[FAULTFS_OPEN] > 0);
        assert_true(counters.calls[FAULTFS_READ] > 0);
        assert_true(counters.calls[FAULTFS_WRITE] > 0);
        assert_true(counters.calls[FAULTFS_SYNC] > 0);
        assert_true(counters.calls[FAULTFS_LOCK] > 0);
        if (strcmp(modes[m], "wal") == 0) {
            assert_true(counters.calls[FAULTFS_SHM_MAP] > 0);
        } else {
            assert_int_equal(counters.calls[FAULTFS_SHM_MAP], 0);
        }
    }
}

/* Open and close n connections (xOpen of the main database only). */
static int open_connections(int n)
{
    int failed = 0;
    for (int i = 0; i < n; i++) {
        sqlite3 *db;
        failed += db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK;
        sqlite3_close(db);
    }
    return failed;
}

static void test_counters_match_what_happened(void **state)
{
    faultfs_counters counters;
    (void)state;
    assert_int_equal(install("none,open.fail=3"), SQLITE_OK);
    faultfs_counters_reset();
    assert_int_equal(open_connections(5), 1);
    faultfs_counters_get(&counters);
    assert_int_equal(counters.calls[FAULTFS_OPEN], 5);
    assert_int_equal(counters.faults[FAULTFS_OPEN], 1);
    assert_int_equal(counters.faults_by_kind[FAULTFS_FILE_MAIN], 1);
    faultfs_counters_reset();
    faultfs_counters_get(&counters);
    assert_int_equal(counters.calls[FAULTFS_OPEN], 0);
    assert_int_equal(counters.faults[FAULTFS_OPEN], 0);
}

static void test_schedules_fail_nth_next_k_and_forever(void **state)
{
    (void)state;
    assert_int_equal(install("none,open.fail=2"), SQLITE_OK);
    assert_int_equal(open_connections(1), 0);
    assert_int_equal(open_connections(1), 1);
    assert_int_equal(open_connections(3), 0);

    assert_int_equal(install("none,open.fail=2:2"), SQLITE_OK);
    assert_int_equal(open_connections(1), 0);
    assert_int_equal(open_connections(2), 2);
    assert_int_equal(open_connections(3), 0);

    assert_int_equal(install("none,open.fail=3:forever"), SQLITE_OK);
    assert_int_equal(open_connections(2), 0);
    assert_int_equal(open_connections(10), 10);

    assert_int_equal(install("none"), SQLITE_OK);
    assert_int_equal(open_connections(2), 0);
    assert_int_equal(faultfs_fail_calls(FAULTFS_OPEN, 1, 2), SQLITE_OK);
    assert_int_equal(open_connections(2), 2);
    assert_int_equal(open_connections(2), 0);
    assert_int_equal(faultfs_fail_calls(FAULTFS_OPEN, 2, FAULTFS_FOREVER),
                     SQLITE_OK);
    assert_int_equal(open_connections(4), 3);
    assert_int_equal(faultfs_fail_calls(FAULTFS_OPEN, 0, 0), SQLITE_OK);
    assert_int_equal(open_connections(2), 0);
    assert_int_equal(faultfs_fail_calls(FAULTFS_OPEN, 0, 1), SQLITE_MISUSE);
}

/* What a trigger saw: how often it fired, and the call it fired at. */
typedef struct trigger_seen {
    int fired;
    faultfs_class cls;
    faultfs_file_kind kind;
} trigger_seen;

static void note_trigger(void *ctx, faultfs_class cls, faultfs_file_kind kind)
{
    trigger_seen *seen = ctx;
    seen->fired++;
    seen->cls = cls;
    seen->kind = kind;
}

/* One INSERT in DELETE mode with synchronous=FULL and a trigger at the nth
 * write or sync; what the trigger saw. */
static trigger_seen insert_with_trigger(uint64_t nth)
{
    trigger_seen seen = { 0 };
    sqlite3 *db;
    assert_int_equal(db_open(test_dir.db, FAULTFS_VFS_NAME, &db), SQLITE_OK);
    assert_int_equal(db_exec(db, "PRAGMA synchronous=FULL"), SQLITE_OK);
    assert_int_equal(faultfs_set_trigger(FAULTFS_CLASS_BIT(FAULTFS_WRITE) |
                                             FAULTFS_CLASS_BIT(FAULTFS_SYNC),
                                         nth, note_trigger, &seen),
                     SQLITE_OK);
    assert_int_equal(db_exec(db, "INSERT INTO t VALUES(2)"), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(faultfs_set_trigger(0, 0, NULL, NULL), SQLITE_OK);
    return seen;
}

/* The trigger counts the calls of its classes under the none model and
 * fires once, at the nth: the first write of a DELETE transaction is the
 * journal's, the last sync the database's; past the last call it never
 * fires. */
static void test_trigger_fires_at_the_nth_counted_call(void **state)
{
    (void)state;
    make_database(test_dir.db, NULL, "delete");
    assert_int_equal(install("none"), SQLITE_OK);
    faultfs_counters before, after;
    faultfs_counters_get(&before);
    trigger_seen first = insert_with_trigger(1);
    faultfs_counters_get(&after);
    uint64_t calls = after.calls[FAULTFS_WRITE] + after.calls[FAULTFS_SYNC] -
                     before.calls[FAULTFS_WRITE] - before.calls[FAULTFS_SYNC];
    assert_true(calls >= 4); /* journal write and sync, database's */
    assert_int_equal(first.fired, 1);
    assert_int_equal(first.cls, FAULTFS_WRITE);
    assert_int_equal(first.kind, FAULTFS_FILE_JOURNAL);

    trigger_seen last = insert_with_trigger(calls);
    assert_int_equal(last.fired, 1);
    assert_int_equal(last.cls, FAULTFS_SYNC);
    assert_int_equal(last.kind, FAULTFS_FILE_MAIN);

    assert_int_equal(insert_with_trigger(calls + 1).fired, 0);
    assert_int_equal(insert_with_trigger(0).fired, 0);
    assert_int_equal(
        faultfs_set_trigger(1u << FAULTFS_CLASS_COUNT, 1, note_trigger, NULL),
        SQLITE_MISUSE);
}

/* "class:call" of every line of the event log, joined by spaces. */
static void fault_sequence(const char *log_path, char *out, size_t size)
{
    FILE *f = fopen(log_path, "r");
    char line[2048];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        const char *cls = strstr(line, " class=");
        const char *call = strstr(line, " call=");
        assert_non_null(cls);
        assert_non_null(call);
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%.*s:%ld ", (int)strcspn(cls + 7, " "),
                 cls + 7, strtol(call + 6, NULL, 10));
    }
    if (f) {
        fclose(f);
    }
}

/* Run a workload under the configuration, reseeded with reseed[0..1]
 * when reseed is given; the logged fault sequence. */
static void faults_for(const char *config, int run, const uint64_t *reseed,
                       char *out, size_t size)
{
    char log_path[400], full[1024], name[64];
    snprintf(name, sizeof name, "seq%d.log", run);
    scratch_path(&test_dir, name, log_path, sizeof log_path);
    snprintf(full, sizeof full, "%s,log=%s", config, log_path);
    snprintf(name, sizeof name, "seq%d.db", run);
    scratch_path(&test_dir, name, test_dir.db, sizeof test_dir.db);
    assert_int_equal(install(full), SQLITE_OK);
    if (reseed) {
        faultfs_reseed(reseed[0], reseed[1]);
    }
    sqlite3 *db;
    if (db_open(test_dir.db, FAULTFS_VFS_NAME, &db) == SQLITE_OK) {
        db_exec(db, "CREATE TABLE IF NOT EXISTS t(x)");
        for (int i = 0; i < 40; i++) {
            db_exec(db, "INSERT INTO t VALUES(randomblob(3000))");
            db_exec(db, "SELECT count(*) FROM t");
        }
    }
    sqlite3_close(db);
    assert_int_equal(install("none"), SQLITE_OK);
    fault_sequence(log_path, out, size);
}

static void test_same_seed_gives_same_fault_sequence(void **state)
{
    static char a[16384], b[16384], c[16384];
    const char *base = "none,read.p=0.2,write.p=0.2,sync.p=0.2,delete.p=0.2,"
                       "access.p=0.2,open.p=0.1,lock.p=0.05";
    const uint64_t seed_7_rank_3[2] = { 7, 3 };
    char seed7[512], seed8[512];
    (void)state;
    snprintf(seed7, sizeof seed7, "%s,seed=7,rank=3", base);
    snprintf(seed8, sizeof seed8, "%s,seed=8,rank=3", base);
    faults_for(seed7, 1, NULL, a, sizeof a);
    faults_for(seed7, 2, NULL, b, sizeof b);
    assert_true(strlen(a) > 0);
    assert_string_equal(a, b);
    faults_for(seed8, 3, NULL, c, sizeof c);
    assert_string_not_equal(a, c);
    /* reseeding after install gives the reseeded sequence back */
    faults_for(seed8, 4, seed_7_rank_3, c, sizeof c);
    assert_string_equal(a, c);
}

static void test_event_log_line_names_everything(void **state)
{
    char log_path[400], config[600], line[2048];
    (void)state;
    scratch_path(&test_dir, "events.log", log_path, sizeof log_path);
    snprintf(config, sizeof config, "none,sync.fail=1,node=5,rank=9,log=%s",
             log_path);
    assert_int_equal(install(config), SQLITE_OK);
    sqlite3 *db;
    assert_int_equal(db_open(test_dir.db, FAULTFS_VFS_NAME, &db), SQLITE_OK);
    assert_int_equal(db_exec(db, "PRAGMA synchronous=FULL; CREATE TABLE t(x)"),
                     SQLITE_IOERR_FSYNC);
    sqlite3_close(db);
    FILE *f = fopen(log_path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_null(fgets(line + 1000, 100, f)); /* exactly one line */
    fclose(f);
    char expect[128];
    snprintf(expect, sizeof expect, " pid=%ld ", (long)getpid());
    assert_non_null(strstr(line, expect));
    assert_non_null(strstr(line, " node=5 rank=9 class=sync kind=journal "));
    assert_non_null(strstr(line, " call=1 by=schedule effect=error "));
    assert_non_null(strstr(line, " code=1034 name=SQLITE_IOERR_FSYNC "));
    assert_non_null(strstr(line, "-journal\n"));
}

static void test_lock_fault_is_logged_with_the_unix_vfs_code(void **state)
{
    char log_path[400], config[600], line[2048];
    (void)state;
    make_database(test_dir.db, "unix", "delete");
    scratch_path(&test_dir, "lock.log", log_path, sizeof log_path);
    snprintf(config, sizeof config, "none,lock.fail=1,log=%s", log_path);
    assert_int_equal(install(config), SQLITE_OK);
    assert_int_equal(run_action(READ, "delete"), SQLITE_IOERR_LOCK);
    assert_true(read_first_line(log_path, line, sizeof line));
    assert_non_null(strstr(line, " class=lock kind=main "));
    assert_non_null(
        strstr(line, " effect=eio code=3850 name=SQLITE_IOERR_LOCK "));
}

/* A sleep hook that sleeps not, but adds up what it was asked. */
static void add_up(void *ctx, double seconds)
{
    *(double *)ctx += seconds;
}

static void test_latency_is_scaled_and_slept_per_call(void **state)
{
    double asked = 0.0;
    faultfs_counters counters;
    (void)state;
    faultfs_set_sleep(add_up, &asked);
    assert_int_equal(install("none,open.latency=4ms,time_scale=0.5"),
                     SQLITE_OK);
    faultfs_counters_reset();
    assert_int_equal(open_connections(3), 0);
    faultfs_counters_get(&counters);
    assert_int_equal(counters.calls[FAULTFS_OPEN], 3);
    assert_true(asked > 0.0059 && asked < 0.0061);
    assert_true(counters.delay_s[FAULTFS_OPEN] > 0.0059 &&
                counters.delay_s[FAULTFS_OPEN] < 0.0061);
    faultfs_set_sleep(NULL, NULL);
}

static void test_storm_scales_rates_with_load(void **state)
{
    char config[800], state_path[400];
    (void)state;
    scratch_path(&test_dir, "storm", state_path, sizeof state_path);
    /* no load yet: factor 0, so even p=1 injects nothing (buckets of 10 h:
     * these calls are not counted before their bucket is complete) */
    snprintf(config, sizeof config,
             "none,open.p=1,storm=on,storm.capacity=10,storm.horizon=80h,"
             "storm.state=%s",
             state_path);
    assert_int_equal(install(config), SQLITE_OK);
    assert_true(faultfs_storm_factor(test_dir.db) == 0.0);
    assert_int_equal(open_connections(3), 0);
    /* inside the start-up window the background load alone gives 5/10 */
    double now = (double)time(NULL);
    snprintf(config, sizeof config,
             "none,storm=on,storm.capacity=10,storm.state=%s,"
             "storm.start=%.0f,storm.window=1h,storm.background=5",
             state_path, now - 1);
    assert_int_equal(install(config), SQLITE_OK);
    assert_true(faultfs_storm_factor(test_dir.db) >= 0.5);
    /* and a background of 100 saturates at storm.max: p=1 always fails */
    snprintf(config, sizeof config,
             "none,open.p=1,storm=on,storm.capacity=10,storm.max=3,"
             "storm.state=%s,storm.start=%.0f,storm.window=1h,"
             "storm.background=100",
             state_path, now - 1);
    assert_int_equal(install(config), SQLITE_OK);
    assert_true(faultfs_storm_factor(test_dir.db) == 3.0);
    assert_int_equal(open_connections(3), 3);
}

static void test_storm_measures_calls_of_every_process(void **state)
{
    char config[800], state_path[400];
    (void)state;
    scratch_path(&test_dir, "storm2", state_path, sizeof state_path);
    /* buckets of 1 s: calls count once their bucket is complete */
    snprintf(config, sizeof config,
             "none,storm=on,storm.capacity=1,storm.horizon=8s,storm.max=1e9,"
             "storm.state=%s",
             state_path);
    assert_int_equal(install(config), SQLITE_OK);
    assert_true(faultfs_storm_factor(test_dir.db) == 0.0);
    assert_int_equal(open_connections(40), 0);
    double factor = 0.0;
    struct timespec pause = { 0, 50 * 1000 * 1000 };
    for (int i = 0; i < 60 && factor == 0.0; i++) { /* at most 3 s */
        nanosleep(&pause, NULL);
        factor = faultfs_storm_factor(test_dir.db);
    }
    /* every xOpen and the calls behind it: at least 40 calls over 8 s */
    assert_true(factor >= 40.0 / 8.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_each_class_at_probability_1_fails_its_operation, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_probability_0_behaves_like_unix,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_counters_match_what_happened,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_schedules_fail_nth_next_k_and_forever, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_same_seed_gives_same_fault_sequence, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_trigger_fires_at_the_nth_counted_call, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_event_log_line_names_everything,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_lock_fault_is_logged_with_the_unix_vfs_code, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_latency_is_scaled_and_slept_per_call, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_storm_scales_rates_with_load,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_storm_measures_calls_of_every_process, test_setup,
            test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
