/*
 * test_bad_input.c: bad input gets a clear error, never a crash.
 */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static tracker *open_in(const char *dir, const char *name)
{
    char *db = scratch_path(dir, name);
    tracker_options o;
    tracker_options_init(&o, tracker_profile_find("delete-off"));
    tracker *t = open_tracker(db, &o);
    free(db);
    return t;
}

static void assert_rejected(tracker *t, int rc, tracker_op op,
                            const char *words)
{
    assert_int_equal(rc, SQLITE_MISUSE);
    const tracker_error *e = tracker_last_error(t);
    assert_int_equal(e->op, op);
    assert_int_equal(e->code, SQLITE_MISUSE);
    if (strstr(e->message, words) == NULL)
        fail_msg("message '%s' lacks '%s'", e->message, words);
}

static void test_null_and_empty_names(void **state)
{
    tracker *t = open_in(*state, "t.db");
    assert_rejected(t, tracker_add_task(t, NULL, "hist"), TRACKER_OP_ADD_TASK,
                    "empty variable");
    assert_rejected(t, tracker_add_task(t, "", "hist"), TRACKER_OP_ADD_TASK,
                    "empty variable");
    assert_rejected(t, tracker_mark_running(t, "Amon.tas", NULL),
                    TRACKER_OP_MARK_RUNNING, "empty experiment_id");
    assert_rejected(t, tracker_mark_failed(t, "Amon.tas", "", "m"),
                    TRACKER_OP_MARK_FAILED, "empty experiment_id");
    tracker_status status;
    assert_rejected(t, tracker_get_status(t, "Amon.tas", "hist", NULL),
                    TRACKER_OP_GET_STATUS, "no place");
    assert_rejected(t, tracker_get_status(t, "", "hist", &status),
                    TRACKER_OP_GET_STATUS, "empty variable");
    tracker_task_row *rows;
    size_t n;
    assert_rejected(t, tracker_list_unfinished(t, NULL, &rows, &n),
                    TRACKER_OP_LIST_UNFINISHED, "empty experiment_id");
    char **vars;
    assert_rejected(t, tracker_take_monitor_requests(t, "hist", NULL, &n),
                    TRACKER_OP_TAKE_MONITOR_REQUESTS, "no place");
    assert_rejected(t, tracker_take_monitor_requests(t, "", &vars, &n),
                    TRACKER_OP_TAKE_MONITOR_REQUESTS, "empty experiment_id");
    assert_int_equal(tracker_get_stats(t)
                         ->op[TRACKER_OP_ADD_TASK]
                         .failures[TRACKER_CLASS_OTHER],
                     2);
    /* Nothing reached the database. */
    assert_int_equal(tracker_get_stats(t)->op[TRACKER_OP_ADD_TASK].attempts,
                     0);
    /* A NULL tracker is refused, not dereferenced. */
    assert_int_equal(tracker_add_task(NULL, "Amon.tas", "hist"),
                     SQLITE_MISUSE);
    assert_int_equal(tracker_close(NULL), SQLITE_MISUSE);
    assert_null(tracker_last_error(NULL));
    tracker_free(NULL);
    tracker_free(t);
}

static void test_use_after_close(void **state)
{
    tracker *t = open_in(*state, "t.db");
    assert_int_equal(tracker_add_task(t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_close(t), SQLITE_OK);
    assert_int_equal(tracker_close(t), SQLITE_OK);
    assert_rejected(t, tracker_mark_running(t, "Amon.tas", "hist"),
                    TRACKER_OP_MARK_RUNNING, "is closed");
    bool done;
    assert_rejected(t, tracker_is_done(t, "Amon.tas", "hist", &done),
                    TRACKER_OP_GET_STATUS, "is closed");
    /* Statistics outlive the connection. */
    assert_int_equal(tracker_get_stats(t)->op[TRACKER_OP_ADD_TASK].calls, 1);
    assert_int_equal(tracker_get_stats(t)->op[TRACKER_OP_CLOSE].calls, 1);
    tracker_free(t);
}

static void test_directory_that_cannot_be_created(void **state)
{
    char *file = scratch_path(*state, "plain-file");
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    char *db = scratch_path(*state, "plain-file/sub/tasks.db");
    tracker *t = (tracker *)1;
    tracker_error e;
    int rc = tracker_open(db, NULL, &t, &e);
    assert_int_equal(rc, SQLITE_CANTOPEN);
    assert_null(t);
    assert_int_equal(e.op, TRACKER_OP_OPEN);
    assert_non_null(strstr(e.message, "plain-file"));
    char text[1024];
    tracker_error_format(&e, text, sizeof text);
    assert_non_null(strstr(text, "open: SQLITE_CANTOPEN"));

    assert_int_equal(tracker_open("", NULL, &t, &e), SQLITE_MISUSE);
    assert_int_equal(tracker_open(NULL, NULL, &t, &e), SQLITE_MISUSE);
    assert_non_null(strstr(e.message, "empty database path"));
    assert_int_equal(tracker_open(db, NULL, NULL, NULL), SQLITE_MISUSE);
    free(db);
    free(file);
}

static void test_file_that_is_not_a_database(void **state)
{
    char *path = scratch_path(*state, "notes.db");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is a text file, not an SQLite database\n", fp);
    fclose(fp);
    tracker_options o;
    tracker_options_init(&o, tracker_profile_find("upstream"));
    tracker *t = NULL;
    tracker_error e;
    assert_int_equal(tracker_open(path, &o, &t, &e), SQLITE_NOTADB);
    assert_null(t);
    assert_string_equal(tracker_code_name(e.code), "SQLITE_NOTADB");
    assert_string_equal(e.message, "file is not a database");
    assert_int_equal(e.attempts, 1); /* not transient: not retried */
    free(path);
}

static void test_json_setter_refuses_non_objects(void **state)
{
    tracker *t = open_in(*state, "t.db");
    assert_int_equal(tracker_add_task(t, "Amon.tas", "hist"), SQLITE_OK);
    static const char *const bad[] = { "[1,2]", "42",      "\"text\"",
                                       "null",  "{\"a\":", "not json",
                                       "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tracker_set_pbs_info(t, "Amon.tas", "hist", bad[i]),
                         SQLITE_MISUSE);
        const tracker_error *e = tracker_last_error(t);
        assert_int_equal(e->op, TRACKER_OP_SET_PBS_INFO);
        assert_non_null(strstr(e->message, "not a JSON object"));
        assert_int_equal(e->attempts, 1);
    }
    char *got = (char *)"x";
    assert_int_equal(tracker_get_pbs_info(t, "Amon.tas", "hist", &got),
                     SQLITE_OK);
    assert_null(got); /* nothing was stored */
    tracker_free(t);
}

static void test_profile_lookup_and_knobs(void **state)
{
    (void)state;
    static const char *const names[] = {
        "wal-normal",
        "delete-normal",
        "delete-off",
        "delete-off-retry-writes",
        "delete-off-retry-all",
        "upstream",
        "hardened",
    };
    assert_int_equal(tracker_profile_count(), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(tracker_profile_at(i)->name, names[i]);
        assert_ptr_equal(tracker_profile_find(names[i]),
                         tracker_profile_at(i));
    }
    assert_null(tracker_profile_at(7));
    assert_null(tracker_profile_find("wal"));
    assert_string_equal(tracker_profile_find("delete-off")->published_run,
                        "test_3");

    char err[256];
    tracker_profile p;
    assert_int_equal(
        tracker_profile_parse("delete-off,journal=wal,sync=full,attempts=3,"
                              "backoff=0.5,jitter=0,retry=busy+ioerr,"
                              "scope=reads+open,checkpoint=no,busy_timeout=10",
                              &p, err, sizeof err),
        SQLITE_OK);
    assert_int_equal(p.journal_mode, TRACKER_JOURNAL_WAL);
    assert_int_equal(p.synchronous, TRACKER_SYNC_FULL);
    assert_int_equal(p.max_attempts, 3);
    assert_float_equal(p.backoff_base_s, 0.5, 0);
    assert_float_equal(p.jitter_s, 0, 0);
    assert_int_equal(p.retry_errors, TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR);
    assert_int_equal(p.retry_scope, TRACKER_SCOPE_READS | TRACKER_SCOPE_OPEN);
    assert_false(p.checkpoint_before_switch);
    assert_int_equal(p.busy_timeout_ms, 10);
    assert_string_equal(p.published_run, ""); /* no longer test_3 */
    assert_non_null(strstr(p.name, "delete-off+journal=wal"));
    char line[512];
    tracker_profile_describe(&p, line, sizeof line);
    assert_non_null(strstr(line, "journal=wal sync=full busy_timeout=10 "
                                 "checkpoint=no retry=busy+ioerr "
                                 "scope=reads+open attempts=3"));

    static const struct {
        const char *spec, *words;
    } bad[] = {
        { "nope", "unknown profile 'nope'" },
        { "", "empty profile" },
        { "upstream,attempts=0", "knob attempts: bad value '0'" },
        { "upstream,attempts=2x", "bad value '2x'" },
        { "upstream,backoff=-1", "knob backoff" },
        { "upstream,jitter=nan", "knob jitter" },
        { "upstream,journal=memoryish", "delete, truncate, persist or wal" },
        { "upstream,retry=busy+", "knob retry" },
        { "upstream,scope=writes+everything", "knob scope" },
        { "upstream,colour=red", "unknown profile knob 'colour'" },
        { "upstream,attempts", "is not key=value" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = *tracker_profile_find("hardened");
        err[0] = '\0';
        assert_int_equal(
            tracker_profile_parse(bad[i].spec, &p, err, sizeof err),
            SQLITE_MISUSE);
        if (strstr(err, bad[i].words) == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].spec, err,
                     bad[i].words);
        assert_string_equal(p.name, "hardened"); /* left untouched */
    }
}

/* Every knob of every profile reads back as text that sets it to the same
 * value, numbers exactly. */
static void test_profile_knobs_read_back(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "journal", "sync",     "busy_timeout", "checkpoint", "retry",
        "scope",   "attempts", "backoff",      "jitter"
    };
    char err[256], value[64];
    tracker_profile odd = *tracker_profile_find("hardened");
    odd.backoff_base_s = 0.1;
    odd.jitter_s = 1.0 / 3.0;
    odd.retry_errors = 0;
    for (size_t i = 0; i <= tracker_profile_count(); i++) {
        const tracker_profile *p =
            i < tracker_profile_count() ? tracker_profile_at(i) : &odd;
        tracker_profile copy = *tracker_profile_find("wal-normal");
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            assert_int_equal(
                tracker_profile_get(p, keys[k], value, sizeof value),
                SQLITE_OK);
            assert_int_equal(
                tracker_profile_set(&copy, keys[k], value, err, sizeof err),
                SQLITE_OK);
        }
        assert_int_equal(copy.journal_mode, p->journal_mode);
        assert_int_equal(copy.synchronous, p->synchronous);
        assert_int_equal(copy.busy_timeout_ms, p->busy_timeout_ms);
        assert_int_equal(copy.checkpoint_before_switch,
                         p->checkpoint_before_switch);
        assert_int_equal(copy.retry_errors, p->retry_errors);
        assert_int_equal(copy.retry_scope, p->retry_scope);
        assert_int_equal(copy.max_attempts, p->max_attempts);
        assert_true(copy.backoff_base_s == p->backoff_base_s);
        assert_true(copy.jitter_s == p->jitter_s);
    }
    assert_int_equal(tracker_profile_get(&odd, "retry", value, sizeof value),
                     SQLITE_OK);
    assert_string_equal(value, "none");
    assert_int_equal(tracker_profile_get(&odd, "backoff", value, sizeof value),
                     SQLITE_OK);
    assert_string_equal(value, "0.1");
    assert_int_equal(tracker_profile_get(&odd, "colour", value, sizeof value),
                     SQLITE_MISUSE);
}

static void test_code_names_and_classes(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *name;
        tracker_error_class cls;
    } cases[] = {
        { SQLITE_IOERR_FSYNC, "SQLITE_IOERR_FSYNC", TRACKER_CLASS_IOERR },
        { SQLITE_IOERR_SHMMAP, "SQLITE_IOERR_SHMMAP", TRACKER_CLASS_IOERR },
        { SQLITE_IOERR, "SQLITE_IOERR", TRACKER_CLASS_IOERR },
        { SQLITE_BUSY_SNAPSHOT, "SQLITE_BUSY_SNAPSHOT", TRACKER_CLASS_BUSY },
        { SQLITE_LOCKED, "SQLITE_LOCKED", TRACKER_CLASS_BUSY },
        { SQLITE_CORRUPT, "SQLITE_CORRUPT", TRACKER_CLASS_CORRUPT },
        { SQLITE_NOTADB, "SQLITE_NOTADB", TRACKER_CLASS_CORRUPT },
        { SQLITE_CANTOPEN, "SQLITE_CANTOPEN", TRACKER_CLASS_OTHER },
        { SQLITE_OK, "SQLITE_OK", TRACKER_CLASS_NONE },
        { SQLITE_IOERR | (99 << 8), "SQLITE_IOERR", TRACKER_CLASS_IOERR },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(tracker_code_name(cases[i].code), cases[i].name);
        assert_int_equal(tracker_classify(cases[i].code), cases[i].cls);
    }
    assert_string_equal(tracker_error_class_name(TRACKER_CLASS_BUSY),
                        "locked");
    assert_string_equal(tracker_op_name(TRACKER_OP_TAKE_MONITOR_REQUESTS),
                        "take_monitor_requests");
    assert_string_equal(tracker_op_name(TRACKER_OP_COUNT), "invalid");
}

/* Every operation is found by its name, with the retry scope and the
 * status its calls use; unknown names are not operations. */
static void test_operation_table(void **state)
{
    (void)state;
    for (int k = 0; k < TRACKER_OP_COUNT; k++) {
        tracker_op found = TRACKER_OP_COUNT;
        assert_true(tracker_op_find(tracker_op_name((tracker_op)k), &found));
        assert_int_equal(found, k);
    }
    tracker_op untouched = TRACKER_OP_OPEN;
    assert_false(tracker_op_find("is_done", &untouched));
    assert_false(tracker_op_find(NULL, &untouched));
    assert_int_equal(untouched, TRACKER_OP_OPEN);
    assert_int_equal(tracker_op_scope(TRACKER_OP_GET_STATUS),
                     TRACKER_SCOPE_READS);
    assert_int_equal(tracker_op_scope(TRACKER_OP_TAKE_MONITOR_REQUESTS),
                     TRACKER_SCOPE_TAKE_MONITOR);
    assert_int_equal(tracker_op_scope(TRACKER_OP_CLOSE), 0);
    assert_int_equal(tracker_op_sets_status(TRACKER_OP_MARK_FAILED),
                     TRACKER_STATUS_FAILED);
    assert_int_equal(tracker_op_sets_status(TRACKER_OP_SET_PBS_INFO),
                     TRACKER_STATUS_NONE);
    assert_int_equal(tracker_op_sets_status(TRACKER_OP_COUNT),
                     TRACKER_STATUS_NONE);
}

/* The profiles with a published run are the gadi71 matrix, in the table's
 * order: test_1 to test_5, one each. */
static void test_published_runs_in_matrix_order(void **state)
{
    (void)state;
    int next = 1;
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const char *run = tracker_profile_at(i)->published_run;
        if (run[0] == '\0')
            continue;
        char expected[16];
        snprintf(expected, sizeof expected, "test_%d", next++);
        assert_string_equal(run, expected);
    }
    assert_int_equal(next, 6);
}

/* An unknown knob is told every known one, each once. */
static void test_unknown_knob_lists_every_knob(void **state)
{
    (void)state;
    tracker_profile p;
    char err[512] = "";
    assert_int_equal(
        tracker_profile_parse("upstream,colour=red", &p, err, sizeof err),
        SQLITE_MISUSE);
    for (size_t i = 0; tracker_profile_knob(i); i++) {
        char listed[64];
        snprintf(listed, sizeof listed, " %s", tracker_profile_knob(i));
        const char *at = strstr(err, listed);
        assert_non_null(at);
        assert_true(at[strlen(listed)] == ',' || at[strlen(listed)] == ')');
    }
}

int main(void)
{
#define T(name)                                                               \
    cmocka_unit_test_setup_teardown(name, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_null_and_empty_names),
        T(test_use_after_close),
        T(test_directory_that_cannot_be_created),
        T(test_file_that_is_not_a_database),
        T(test_json_setter_refuses_non_objects),
        T(test_profile_lookup_and_knobs),
        T(test_profile_knobs_read_back),
        T(test_code_names_and_classes),
        T(test_operation_table),
        T(test_published_runs_in_matrix_order),
        T(test_unknown_knob_lists_every_knob),
    };
    return cmocka_run_group_tests_name("tracker bad input", tests, NULL, NULL);
}
