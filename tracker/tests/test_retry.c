/*
 * test_retry.c: transient failures are retried exactly as each profile
 * says, with the right scaled sleeps; the rest are not.
 *
 * Busy comes from a real lock held by a second connection and released
 * from inside the sleep hook; I/O errors come from the fault seam in
 * support_faults.c. Expected outcomes are written out per profile here,
 * not derived from the profile table they test.
 */
#include "support.h"

#include <stdarg.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SCALE 0.01
#define JITTER 0.25

struct fixture {
    char *dir;
    char *db;
    sleep_log log;
    double jitter;
    sqlite3 *blocker; /* holds a lock until the sleep hook lets go */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = scratch_dir_new();
    f->db = scratch_path(f->dir, "tasks.db");
    f->jitter = JITTER;
    faults_install();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    faults_disarm();
    sqlite3_close(f->blocker);
    scratch_dir_free(f->dir);
    free(f->db);
    free(f);
    return 0;
}

/* Open under `profile` with busy_timeout 0 (a held lock fails at once) and
 * a compressed clock; the database gets one task. */
static tracker *open_profile(struct fixture *f, const char *profile)
{
    tracker_options o;
    test_options(&o, profile, &f->log, &f->jitter);
    char err[256];
    assert_int_equal(
        tracker_profile_set(&o.profile, "busy_timeout", "0", err, sizeof err),
        SQLITE_OK);
    o.time_scale = SCALE;
    tracker *t = open_tracker(f->db, &o);
    assert_int_equal(tracker_add_task(t, "Amon.tas", "hist"), SQLITE_OK);
    memset(&f->log, 0, sizeof f->log);
    return t;
}

/* Take a lock from a second connection: "BEGIN IMMEDIATE" blocks writers,
 * "BEGIN EXCLUSIVE" everybody. */
static void block(struct fixture *f, const char *begin)
{
    assert_int_equal(
        sqlite3_open_v2(f->db, &f->blocker, SQLITE_OPEN_READWRITE, "unix"),
        SQLITE_OK);
    assert_int_equal(sqlite3_exec(f->blocker, begin, NULL, NULL, NULL),
                     SQLITE_OK);
}

static void release(void *ctx)
{
    struct fixture *f = ctx;
    assert_int_equal(sqlite3_exec(f->blocker, "COMMIT", NULL, NULL, NULL),
                     SQLITE_OK);
}

/* The k-th sleep (0-based) upstream would take: 2^k + jitter, scaled. */
static double expected_sleep(int k)
{
    return ((double)(1 << k) + JITTER) * SCALE;
}

static void assert_sleeps(const sleep_log *log, int n)
{
    assert_int_equal(log->count, n);
    for (int k = 0; k < n; k++)
        assert_float_equal(log->seconds[k], expected_sleep(k), 1e-12);
}

static void test_busy_write_retried_until_lock_released(void **state)
{
    struct fixture *f = *state;
    tracker *t = open_profile(f, "delete-off");
    block(f, "BEGIN IMMEDIATE");
    f->log.act_after = 2;
    f->log.action = release;
    f->log.action_ctx = f;

    assert_int_equal(tracker_mark_running(t, "Amon.tas", "hist"), SQLITE_OK);
    assert_sleeps(&f->log, 2);
    const tracker_op_stats *s =
        &tracker_get_stats(t)->op[TRACKER_OP_MARK_RUNNING];
    assert_int_equal(s->calls, 1);
    assert_int_equal(s->attempts, 3);
    assert_int_equal(s->retries[TRACKER_CLASS_BUSY], 2);
    assert_int_equal(s->failures[TRACKER_CLASS_BUSY], 0);
    assert_float_equal(s->backoff_s, expected_sleep(0) + expected_sleep(1),
                       1e-12);
    assert_int_equal(tracker_last_error(t)->attempts, 3);
    char *status = sql_text(f->db, "SELECT status FROM cmor_tasks");
    assert_string_equal(status, "running");
    free(status);
    tracker_free(t);
}

static void test_busy_gives_up_after_max_attempts(void **state)
{
    struct fixture *f = *state;
    tracker *t = open_profile(f, "upstream");
    block(f, "BEGIN IMMEDIATE");
    assert_int_equal(tracker_mark_completed(t, "Amon.tas", "hist"),
                     SQLITE_BUSY);
    assert_sleeps(&f->log, 4); /* 5 attempts, a sleep between each */
    const tracker_error *e = tracker_last_error(t);
    assert_int_equal(e->op, TRACKER_OP_MARK_COMPLETED);
    assert_int_equal(e->attempts, 5);
    assert_int_equal(e->cls, TRACKER_CLASS_BUSY);
    assert_string_equal(e->message, "database is locked");
    assert_string_equal(tracker_code_name(e->code), "SQLITE_BUSY");
    const tracker_op_stats *s =
        &tracker_get_stats(t)->op[TRACKER_OP_MARK_COMPLETED];
    assert_int_equal(s->failures[TRACKER_CLASS_BUSY], 1);
    assert_int_equal(s->retries[TRACKER_CLASS_BUSY], 4);
    release(f);
    tracker_free(t);

    /* The attempts knob bounds it. */
    tracker_options o;
    test_options(&o, "upstream", &f->log, &f->jitter);
    char err[256];
    assert_int_equal(
        tracker_profile_parse("upstream,busy_timeout=0,attempts=2", &o.profile,
                              err, sizeof err),
        SQLITE_OK);
    o.time_scale = SCALE;
    t = open_tracker(f->db, &o);
    memset(&f->log, 0, sizeof f->log);
    assert_int_equal(
        sqlite3_exec(f->blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(tracker_mark_completed(t, "Amon.tas", "hist"),
                     SQLITE_BUSY);
    assert_int_equal(tracker_last_error(t)->attempts, 2);
    assert_sleeps(&f->log, 1);
    release(f);
    tracker_free(t);
}

/* Which profiles retry an I/O error, on a write and on a read. */
static const struct {
    const char *profile;
    bool write_retried, read_retried, take_retried;
} io_policy[] = {
    { "wal-normal", false, false, false },
    { "delete-normal", false, false, false },
    { "delete-off", false, false, false },
    { "delete-off-retry-writes", true, false, false },
    { "delete-off-retry-all", true, true, false },
    { "upstream", true, true, false },
    { "hardened", true, true, true },
};
#define IO_POLICY_COUNT (sizeof io_policy / sizeof io_policy[0])

static void test_every_profile_is_covered(void **state)
{
    (void)state;
    assert_int_equal(IO_POLICY_COUNT, tracker_profile_count());
    for (size_t i = 0; i < IO_POLICY_COUNT; i++)
        assert_non_null(tracker_profile_find(io_policy[i].profile));
}

/* Fail `faults` system calls of kind `which` during `call`, and check
 * attempts and sleeps. */
static void check_io_outcome(struct fixture *f, tracker *t, fault_call which,
                             int error, int faults, bool retried,
                             int (*call)(tracker *), tracker_op op)
{
    static const int expected_code[FAULT_CALL_COUNT] = {
        [FAULT_READ] = SQLITE_IOERR_READ,
        [FAULT_WRITE] = SQLITE_IOERR_WRITE,
    };
    memset(&f->log, 0, sizeof f->log);
    faults_arm(which, 0, faults, error);
    int rc = call(t);
    int injected = faults_injected(which);
    faults_disarm();
    if (injected < 1)
        fail_msg("%s: no failing call met", tracker_get_profile(t)->name);
    const tracker_error *e = tracker_last_error(t);
    assert_int_equal(e->op, op);
    if (retried) {
        assert_int_equal(rc, SQLITE_OK);
        assert_int_equal(e->attempts, injected + 1);
        assert_sleeps(&f->log, injected);
        assert_int_equal(
            tracker_get_stats(t)->op[op].retries[TRACKER_CLASS_IOERR],
            (uint64_t)injected);
    } else {
        assert_int_equal(rc, expected_code[which]);
        tracker_error_class cls = TRACKER_CLASS_IOERR;
        assert_int_equal(e->attempts, 1);
        assert_int_equal(e->cls, cls);
        assert_sleeps(&f->log, 0);
        assert_int_equal(tracker_get_stats(t)->op[op].failures[cls], 1);
    }
}

static int call_mark_running(tracker *t)
{
    return tracker_mark_running(t, "Amon.tas", "hist");
}

static int call_get_status(tracker *t)
{
    tracker_status status;
    int rc = tracker_get_status(t, "Amon.tas", "hist", &status);
    if (rc == SQLITE_OK)
        assert_int_equal(status, TRACKER_STATUS_PENDING);
    return rc;
}

static int call_take(tracker *t)
{
    char **vars = NULL;
    size_t n = 0;
    int rc = tracker_take_monitor_requests(t, "hist", &vars, &n);
    tracker_free_strings(vars, n);
    return rc;
}

static void test_io_errors_on_writes_per_profile(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < IO_POLICY_COUNT; i++) {
        remove(f->db);
        tracker *t = open_profile(f, io_policy[i].profile);
        check_io_outcome(f, t, FAULT_WRITE, EIO, 2, io_policy[i].write_retried,
                         call_mark_running, TRACKER_OP_MARK_RUNNING);
        tracker_free(t);
    }
}

/* A read that fails with ESTALE (a handle the server forgot, as Lustre and
 * NFS report it) is SQLITE_IOERR_READ: an I/O error, retried or not as the
 * profile's read scope says. */
static void test_reads_unprotected_where_profile_says(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < IO_POLICY_COUNT; i++) {
        remove(f->db);
        tracker *t = open_profile(f, io_policy[i].profile);
        /* Another job's commit first, so the read must go to the file
         * (in WAL mode too, where a current cache would answer alone). */
        sql_exec(f->db,
                 "UPDATE cmor_tasks SET error_message=hex(randomblob(8))");
        check_io_outcome(f, t, FAULT_READ, ESTALE, 1,
                         io_policy[i].read_retried, call_get_status,
                         TRACKER_OP_GET_STATUS);
        sql_exec(f->db,
                 "UPDATE cmor_tasks SET error_message=hex(randomblob(8))");
        check_io_outcome(f, t, FAULT_READ, ESTALE, 1,
                         io_policy[i].take_retried, call_take,
                         TRACKER_OP_TAKE_MONITOR_REQUESTS);
        tracker_free(t);
    }
}

/* EIO on a read is another matter: the unix VFS reports it as
 * SQLITE_IOERR_CORRUPTFS, which reaches the caller as SQLITE_CORRUPT,
 * "database disk image is malformed". Upstream matched "disk I/O error",
 * so even its retry-everything profile gives up at once. */
static void test_eio_on_read_is_reported_as_corrupt(void **state)
{
    struct fixture *f = *state;
    static const char *const profiles[] = { "delete-off-retry-all", "upstream",
                                            "hardened" };
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        remove(f->db);
        tracker *t = open_profile(f, profiles[i]);
        sql_exec(f->db, "UPDATE cmor_tasks SET error_message='x'");
        faults_arm(FAULT_READ, 0, 1, EIO);
        tracker_status status;
        int rc = tracker_get_status(t, "Amon.tas", "hist", &status);
        assert_int_equal(faults_injected(FAULT_READ), 1);
        faults_disarm();
        assert_int_equal(rc, SQLITE_CORRUPT);
        assert_string_equal(tracker_last_error(t)->message,
                            "database disk image is malformed");
        assert_int_equal(tracker_last_error(t)->attempts, 1);
        tracker_free(t);
    }
}

/* Open the tracker with o, whose first attempt at open is to fail with
 * failed_code: opened on the second attempt after one sleep (retried), or
 * not opened after one attempt and no sleep. Returns retried. */
static bool check_open(struct fixture *f, const tracker_options *o,
                       bool retried, int failed_code)
{
    tracker *t = NULL;
    tracker_error e;
    int rc = tracker_open(f->db, o, &t, &e);
    if (retried) {
        assert_int_equal(rc, SQLITE_OK);
        assert_int_equal(tracker_get_stats(t)->op[TRACKER_OP_OPEN].attempts,
                         2);
        assert_sleeps(&f->log, 1);
    } else {
        assert_int_equal(rc, failed_code);
        assert_null(t);
        assert_int_equal(e.op, TRACKER_OP_OPEN);
        assert_int_equal(e.attempts, 1);
        assert_sleeps(&f->log, 0);
    }
    tracker_free(t);
    return retried;
}

/* Open is retried as a whole only where the profile's scope says so. */
static void test_open_retried_only_in_scope(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *profile;
        bool retried;
    } cases[] = {
        { "delete-off-retry-all", false },
        { "upstream", true },
        { "hardened", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tracker_free(open_profile(f, cases[i].profile)); /* the database */
        block(f, "BEGIN EXCLUSIVE");
        tracker_options o;
        test_options(&o, cases[i].profile, &f->log, &f->jitter);
        char err[256];
        assert_int_equal(tracker_profile_set(&o.profile, "busy_timeout", "0",
                                             err, sizeof err),
                         SQLITE_OK);
        o.time_scale = SCALE;
        memset(&f->log, 0, sizeof f->log);
        f->log.act_after = 1;
        f->log.action = release;
        f->log.action_ctx = f;
        if (!check_open(f, &o, cases[i].retried, SQLITE_BUSY))
            release(f);
        sqlite3_close(f->blocker);
        f->blocker = NULL;
    }
}

/* sqlite3_open_v2 reads the database header, and upstream calls
 * sqlite3.connect outside its retry loops: a read fault there ends the
 * open of every profile but the one that retries the connect too. */
static void test_connect_retried_only_in_scope(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *profile;
        bool retried;
    } cases[] = {
        { "wal-normal", false },
        { "delete-off-retry-all", false },
        { "upstream", false },
        { "hardened", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        remove(f->db);
        tracker_free(open_profile(f, cases[i].profile)); /* the database */
        tracker_options o;
        test_options(&o, cases[i].profile, &f->log, &f->jitter);
        o.time_scale = SCALE;
        memset(&f->log, 0, sizeof f->log);
        faults_arm(FAULT_READ, 0, 1, EIO);
        /* The unix VFS reports EIO from pread() as CORRUPTFS. */
        check_open(f, &o, cases[i].retried, SQLITE_IOERR_CORRUPTFS);
        assert_int_equal(faults_injected(FAULT_READ), 1);
        faults_disarm();
    }
}

/* An error that is neither busy nor I/O is never retried, even by the
 * profile that retries everything. */
static void test_non_transient_not_retried(void **state)
{
    struct fixture *f = *state;
    tracker *t = open_profile(f, "hardened");
    sql_exec(f->db, "DROP TABLE monitor_requests");
    assert_int_equal(tracker_enqueue_monitor_request(t, "Amon.tas", "hist"),
                     SQLITE_ERROR);
    const tracker_error *e = tracker_last_error(t);
    assert_int_equal(e->attempts, 1);
    assert_int_equal(e->cls, TRACKER_CLASS_OTHER);
    assert_non_null(strstr(e->message, "no such table"));
    assert_sleeps(&f->log, 0);
    tracker_free(t);
}

/* Overwrite the first bytes of cmor_tasks' root page with an invalid page
 * type, so reading the table reports corruption. */
static void corrupt_tasks_table(const char *db)
{
    long long root = sql_int(db, "SELECT rootpage FROM sqlite_master WHERE "
                                 "name='cmor_tasks'");
    long long page_size = sql_int(db, "PRAGMA page_size");
    FILE *file = fopen(db, "r+b");
    assert_non_null(file);
    assert_int_equal(fseek(file, (long)((root - 1) * page_size), SEEK_SET), 0);
    static const unsigned char garbage[8] = { 0xff, 0xff, 0xff, 0xff,
                                              0xff, 0xff, 0xff, 0xff };
    assert_int_equal(fwrite(garbage, 1, sizeof garbage, file), sizeof garbage);
    fclose(file);
}

/* A corrupt result is retried, after a reconnect, only where the profile
 * retries the corrupt class: no built-in profile does (the original code
 * retried nothing), so the knob is set here. */
static void test_corrupt_reconnects_only_where_retried(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *retry;
        int attempts;
    } cases[] = { { "busy+corrupt", 5 }, { "busy", 1 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        remove(f->db);
        tracker_free(open_profile(f, "wal-normal"));
        corrupt_tasks_table(f->db);
        tracker_options o;
        test_options(&o, "wal-normal", &f->log, &f->jitter);
        char err[256];
        assert_int_equal(tracker_profile_set(&o.profile, "retry",
                                             cases[i].retry, err, sizeof err),
                         SQLITE_OK);
        assert_int_equal(tracker_profile_set(&o.profile, "scope", "writes",
                                             err, sizeof err),
                         SQLITE_OK);
        tracker *t = open_tracker(f->db, &o);
        memset(&f->log, 0, sizeof f->log);
        int rc = tracker_mark_running(t, "Amon.tas", "hist");
        assert_int_equal(tracker_classify(rc), TRACKER_CLASS_CORRUPT);
        assert_int_equal(tracker_last_error(t)->attempts, cases[i].attempts);
        assert_int_equal(tracker_get_stats(t)->reconnects,
                         (uint64_t)cases[i].attempts - 1);
        assert_int_equal(f->log.count, cases[i].attempts - 1);
        tracker_free(t);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_profile_is_covered),
        T(test_busy_write_retried_until_lock_released),
        T(test_busy_gives_up_after_max_attempts),
        T(test_io_errors_on_writes_per_profile),
        T(test_reads_unprotected_where_profile_says),
        T(test_eio_on_read_is_reported_as_corrupt),
        T(test_open_retried_only_in_scope),
        T(test_non_transient_not_retried),
        T(test_connect_retried_only_in_scope),
        T(test_corrupt_reconnects_only_where_retried),
    };
    return cmocka_run_group_tests_name("tracker retry", tests, NULL, NULL);
}
