/*
 * test_operations.c: each operation's effect on the database, row by row.
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

struct fixture {
    char *dir;
    char *db;
    tracker *t;
    sleep_log log;
    double jitter;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->dir = scratch_dir_new();
    f->db = scratch_path(f->dir, "tasks.db");
    tracker_options o;
    test_options(&o, "delete-off", &f->log, &f->jitter);
    f->t = open_tracker(f->db, &o);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tracker_free(f->t);
    scratch_dir_free(f->dir);
    free(f->db);
    free(f);
    return 0;
}

/* One column of the task's row, as text ("NULL" for SQL NULL). */
static char *column(struct fixture *f, const char *variable, const char *col)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT ifnull(%s, 'NULL') FROM cmor_tasks "
             "WHERE variable='%s' AND experiment_id='hist'",
             col, variable);
    char *text = sql_text(f->db, sql);
    assert_non_null(text);
    return text;
}

static void assert_column(struct fixture *f, const char *variable,
                          const char *col, const char *expected)
{
    char *text = column(f, variable, col);
    assert_string_equal(text, expected);
    free(text);
}

static void assert_column_set(struct fixture *f, const char *variable,
                              const char *col)
{
    char *text = column(f, variable, col);
    assert_string_not_equal(text, "NULL");
    free(text);
}

static void test_add_task_inserts_once(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "ssp585"), SQLITE_OK);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cmor_tasks"), 2);
    assert_column(f, "Amon.tas", "status", "pending");
    assert_column(f, "Amon.tas", "start_time", "NULL");
}

static void test_mark_running_sets_start_and_clears(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_mark_failed(f->t, "Amon.tas", "hist", "oops"),
                     SQLITE_OK);
    assert_int_equal(
        tracker_set_worker_memory(f->t, "Amon.tas", "hist", "{\"a\":1}"),
        SQLITE_OK);
    assert_int_equal(
        tracker_set_output_summary(f->t, "Amon.tas", "hist", "{\"files\":3}"),
        SQLITE_OK);
    assert_int_equal(
        tracker_set_pbs_job_id(f->t, "Amon.tas", "hist", "7.gadi"), SQLITE_OK);

    assert_int_equal(tracker_mark_running(f->t, "Amon.tas", "hist"),
                     SQLITE_OK);
    assert_column(f, "Amon.tas", "status", "running");
    assert_column_set(f, "Amon.tas", "start_time");
    assert_column(f, "Amon.tas", "end_time", "NULL");
    assert_column(f, "Amon.tas", "error_message", "NULL");
    assert_column(f, "Amon.tas", "worker_memory_json", "NULL");
    assert_column(f, "Amon.tas", "output_summary_json", "NULL");
    assert_column(f, "Amon.tas", "pbs_job_id", "7.gadi"); /* kept */
    /* datetime('now') format: YYYY-MM-DD HH:MM:SS */
    char *start = column(f, "Amon.tas", "start_time");
    assert_int_equal(strlen(start), 19);
    assert_int_equal(start[10], ' ');
    free(start);
}

static void test_mark_completed_and_done(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_add_task(f->t, "Omon.tos", "hist"), SQLITE_OK);
    assert_int_equal(tracker_mark_failed(f->t, "Amon.tas", "hist", "x"),
                     SQLITE_OK);
    assert_int_equal(tracker_mark_completed(f->t, "Amon.tas", "hist"),
                     SQLITE_OK);
    assert_column(f, "Amon.tas", "status", "completed");
    assert_column(f, "Amon.tas", "error_message", "NULL");
    assert_column_set(f, "Amon.tas", "end_time");
    assert_int_equal(tracker_mark_done(f->t, "Omon.tos", "hist"), SQLITE_OK);
    assert_column(f, "Omon.tos", "status", "completed");
    /* An absent task: no row appears, no error. */
    assert_int_equal(tracker_mark_completed(f->t, "Lmon.mrso", "hist"),
                     SQLITE_OK);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cmor_tasks"), 2);
}

static void test_mark_failed_keeps_message(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_mark_failed(f->t, "Amon.tas", "hist",
                                         "Error processing Amon.tas: disk "
                                         "I/O error"),
                     SQLITE_OK);
    assert_column(f, "Amon.tas", "status", "failed");
    assert_column(f, "Amon.tas", "error_message",
                  "Error processing Amon.tas: disk I/O error");
    assert_column_set(f, "Amon.tas", "end_time");
}

static void test_status_and_is_done_in_every_state(void **state)
{
    struct fixture *f = *state;
    tracker_status status = TRACKER_STATUS_PENDING;
    bool done = true;
    assert_int_equal(tracker_get_status(f->t, "Amon.tas", "hist", &status),
                     SQLITE_OK);
    assert_int_equal(status, TRACKER_STATUS_NONE);
    assert_int_equal(tracker_is_done(f->t, "Amon.tas", "hist", &done),
                     SQLITE_OK);
    assert_false(done);

    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    static const struct {
        int (*mark)(tracker *, const char *, const char *);
        tracker_status status;
        bool done;
    } steps[] = {
        { NULL, TRACKER_STATUS_PENDING, false },
        { tracker_mark_running, TRACKER_STATUS_RUNNING, false },
        { tracker_mark_completed, TRACKER_STATUS_COMPLETED, true },
        { tracker_reset_to_pending, TRACKER_STATUS_PENDING, false },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i].mark)
            assert_int_equal(steps[i].mark(f->t, "Amon.tas", "hist"),
                             SQLITE_OK);
        assert_int_equal(tracker_get_status(f->t, "Amon.tas", "hist", &status),
                         SQLITE_OK);
        assert_int_equal(status, steps[i].status);
        assert_int_equal(tracker_is_done(f->t, "Amon.tas", "hist", &done),
                         SQLITE_OK);
        assert_int_equal(done, steps[i].done);
    }
    assert_int_equal(tracker_mark_failed(f->t, "Amon.tas", "hist", "e"),
                     SQLITE_OK);
    assert_int_equal(tracker_get_status(f->t, "Amon.tas", "hist", &status),
                     SQLITE_OK);
    assert_int_equal(status, TRACKER_STATUS_FAILED);
    assert_int_equal(tracker_is_done(f->t, "Amon.tas", "hist", &done),
                     SQLITE_OK);
    assert_false(done);
}

static void test_reset_to_pending_clears(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(
        tracker_set_pbs_job_id(f->t, "Amon.tas", "hist", "9.gadi"), SQLITE_OK);
    assert_int_equal(tracker_set_pbs_info(f->t, "Amon.tas", "hist",
                                          "{\"queue\":\"normal\"}"),
                     SQLITE_OK);
    assert_int_equal(tracker_mark_running(f->t, "Amon.tas", "hist"),
                     SQLITE_OK);
    assert_int_equal(
        tracker_set_output_summary(f->t, "Amon.tas", "hist", "{\"files\":1}"),
        SQLITE_OK);
    assert_int_equal(tracker_mark_failed(f->t, "Amon.tas", "hist", "e"),
                     SQLITE_OK);
    assert_int_equal(tracker_reset_to_pending(f->t, "Amon.tas", "hist"),
                     SQLITE_OK);
    assert_column(f, "Amon.tas", "status", "pending");
    assert_column(f, "Amon.tas", "start_time", "NULL");
    assert_column(f, "Amon.tas", "end_time", "NULL");
    assert_column(f, "Amon.tas", "error_message", "NULL");
    assert_column(f, "Amon.tas", "pbs_job_id", "NULL");
    assert_column(f, "Amon.tas", "pbs_info_json", "NULL");
    /* The worker's own record is not part of the reset, as upstream. */
    assert_column(f, "Amon.tas", "output_summary_json", "{\"files\":1}");
}

static void test_pbs_job_id_round_trip_clears_info(void **state)
{
    struct fixture *f = *state;
    char *job = (char *)"sentinel";
    assert_int_equal(tracker_get_pbs_job_id(f->t, "Amon.tas", "hist", &job),
                     SQLITE_OK);
    assert_null(job);
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(
        tracker_set_pbs_info(f->t, "Amon.tas", "hist", "{\"state\":\"Q\"}"),
        SQLITE_OK);
    assert_int_equal(
        tracker_set_pbs_job_id(f->t, "Amon.tas", "hist", "12345.gadi-pbs"),
        SQLITE_OK);
    assert_int_equal(tracker_get_pbs_job_id(f->t, "Amon.tas", "hist", &job),
                     SQLITE_OK);
    assert_string_equal(job, "12345.gadi-pbs");
    tracker_free_text(job);
    assert_column(f, "Amon.tas", "pbs_info_json", "NULL");
    assert_int_equal(tracker_set_pbs_job_id(f->t, "Amon.tas", "hist", NULL),
                     SQLITE_OK);
    assert_column(f, "Amon.tas", "pbs_job_id", "NULL");
}

typedef int (*json_setter)(tracker *, const char *, const char *,
                           const char *);
typedef int (*json_getter)(tracker *, const char *, const char *, char **);

static const struct {
    const char *column;
    json_setter set;
    json_getter get;
} json_columns[] = {
    { "pbs_info_json", tracker_set_pbs_info, tracker_get_pbs_info },
    { "worker_memory_json", tracker_set_worker_memory,
      tracker_get_worker_memory },
    { "output_summary_json", tracker_set_output_summary,
      tracker_get_output_summary },
};

static void test_json_stored_compact_and_sorted(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    for (size_t i = 0; i < sizeof json_columns / sizeof json_columns[0]; i++) {
        /* As json.dumps(sort_keys=True, separators=(",", ":")) writes it:
         * keys sorted at every level, arrays in order, a repeated key
         * keeps its last value. */
        assert_int_equal(
            json_columns[i].set(
                f->t, "Amon.tas", "hist",
                "{ \"zeta\": [3, 1, {\"b\": true, \"a\": null}],\n"
                "  \"alpha\": {\"y\": \"x\\\"q\", \"x\": 1.5},"
                "  \"mid\": 7, \"mid\": 8, \"\\u00e9\": false }"),
            SQLITE_OK);
        const char *expected =
            "{\"alpha\":{\"x\":1.5,\"y\":\"x\\\"q\"},"
            "\"mid\":8,\"zeta\":[3,1,{\"a\":null,\"b\":true}],"
            "\"\\u00e9\":false}";
        assert_column(f, "Amon.tas", json_columns[i].column, expected);
        char *got = NULL;
        assert_int_equal(json_columns[i].get(f->t, "Amon.tas", "hist", &got),
                         SQLITE_OK);
        assert_string_equal(got, expected);
        tracker_free_text(got);
        /* NULL clears. */
        assert_int_equal(json_columns[i].set(f->t, "Amon.tas", "hist", NULL),
                         SQLITE_OK);
        assert_column(f, "Amon.tas", json_columns[i].column, "NULL");
    }
}

static void test_json_get_of_malformed_or_non_object_is_none(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_add_task(f->t, "Amon.tas", "hist"), SQLITE_OK);
    static const char *const stored[] = { "{not json", "[1,2]", "42",
                                          "\"text\"", "" };
    for (size_t i = 0; i < sizeof json_columns / sizeof json_columns[0]; i++)
        for (size_t k = 0; k < sizeof stored / sizeof stored[0]; k++) {
            char sql[256];
            snprintf(sql, sizeof sql, "UPDATE cmor_tasks SET %s='%s'",
                     json_columns[i].column, stored[k]);
            sql_exec(f->db, sql);
            char *got = (char *)"sentinel";
            assert_int_equal(
                json_columns[i].get(f->t, "Amon.tas", "hist", &got),
                SQLITE_OK);
            assert_null(got);
        }
    /* Absent task: none as well. */
    char *got = (char *)"sentinel";
    assert_int_equal(tracker_get_pbs_info(f->t, "Nope", "hist", &got),
                     SQLITE_OK);
    assert_null(got);
}

static void test_list_unfinished(void **state)
{
    struct fixture *f = *state;
    const char *vars[] = { "Amon.tas", "Omon.tos", "Lmon.mrso",
                           "SImon.siconc" };
    for (int i = 0; i < 4; i++)
        assert_int_equal(tracker_add_task(f->t, vars[i], "hist"), SQLITE_OK);
    assert_int_equal(tracker_add_task(f->t, "Amon.pr", "ssp585"), SQLITE_OK);
    assert_int_equal(tracker_mark_running(f->t, "Omon.tos", "hist"),
                     SQLITE_OK);
    assert_int_equal(tracker_set_pbs_job_id(f->t, "Omon.tos", "hist", "3.pbs"),
                     SQLITE_OK);
    assert_int_equal(tracker_mark_completed(f->t, "Lmon.mrso", "hist"),
                     SQLITE_OK);
    assert_int_equal(tracker_mark_failed(f->t, "SImon.siconc", "hist", "x"),
                     SQLITE_OK);

    tracker_task_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(tracker_list_unfinished(f->t, "hist", &rows, &n),
                     SQLITE_OK);
    assert_int_equal(n, 2);
    bool saw_tas = false, saw_tos = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].variable, "Amon.tas") == 0) {
            saw_tas = true;
            assert_int_equal(rows[i].status, TRACKER_STATUS_PENDING);
            assert_null(rows[i].pbs_job_id);
        } else if (strcmp(rows[i].variable, "Omon.tos") == 0) {
            saw_tos = true;
            assert_int_equal(rows[i].status, TRACKER_STATUS_RUNNING);
            assert_string_equal(rows[i].pbs_job_id, "3.pbs");
        }
    }
    assert_true(saw_tas && saw_tos);
    tracker_free_task_rows(rows, n);
    assert_int_equal(tracker_list_unfinished(f->t, "none", &rows, &n),
                     SQLITE_OK);
    assert_int_equal(n, 0);
    tracker_free_task_rows(rows, n);
}

static void test_monitor_queue_in_order_and_removed(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tracker_enqueue_monitor_request(f->t, "Omon.tos", "hist"),
                     SQLITE_OK);
    assert_int_equal(tracker_enqueue_monitor_request(f->t, "Amon.tas", "hist"),
                     SQLITE_OK);
    assert_int_equal(tracker_enqueue_monitor_request(f->t, "Amon.tas", "hist"),
                     SQLITE_OK); /* ignored: already queued */
    assert_int_equal(
        tracker_enqueue_monitor_request(f->t, "Amon.pr", "ssp585"), SQLITE_OK);
    /* An older request sorts first whatever its name. */
    sql_exec(f->db, "INSERT INTO monitor_requests VALUES "
                    "('Zmon.zz', 'hist', '2000-01-01 00:00:00')");

    char **vars = NULL;
    size_t n = 0;
    assert_int_equal(tracker_take_monitor_requests(f->t, "hist", &vars, &n),
                     SQLITE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(vars[0], "Zmon.zz");
    /* Same second: ordered by variable. */
    assert_string_equal(vars[1], "Amon.tas");
    assert_string_equal(vars[2], "Omon.tos");
    tracker_free_strings(vars, n);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM monitor_requests "
                                    "WHERE experiment_id='hist'"),
                     0);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM monitor_requests"),
                     1);
    assert_int_equal(tracker_take_monitor_requests(f->t, "hist", &vars, &n),
                     SQLITE_OK);
    assert_int_equal(n, 0);
    tracker_free_strings(vars, n);
}

/* The read and the delete are one transaction: when the commit cannot be
 * written, the requests are neither returned nor lost. */
static void test_take_monitor_requests_is_atomic(void **state)
{
    struct fixture *f = *state;
    faults_install();
    for (int i = 0; i < 3; i++) {
        char var[16];
        snprintf(var, sizeof var, "Amon.v%d", i);
        assert_int_equal(tracker_enqueue_monitor_request(f->t, var, "hist"),
                         SQLITE_OK);
    }
    /* Fail the k-th write of the call, for every write it makes, until one
     * call gets through. Each failure must leave all three queued. */
    int k = 0;
    for (; k < 20; k++) {
        char **vars = NULL;
        size_t n = 0;
        faults_arm(FAULT_WRITE, k, 1, EIO);
        int rc = tracker_take_monitor_requests(f->t, "hist", &vars, &n);
        bool injected = faults_injected(FAULT_WRITE) == 1;
        faults_disarm();
        if (!injected) {
            assert_int_equal(rc, SQLITE_OK);
            assert_int_equal(n, 3);
            tracker_free_strings(vars, n);
            break;
        }
        assert_int_equal(rc, SQLITE_IOERR_WRITE);
        assert_null(vars);
        assert_int_equal(n, 0);
        assert_int_equal(sql_int(f->db, "SELECT count(*) FROM "
                                        "monitor_requests"),
                         3);
    }
    assert_true(k >= 1); /* at least one write was failed and survived */
    assert_true(k < 20);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM monitor_requests"),
                     0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_task_inserts_once),
        T(test_mark_running_sets_start_and_clears),
        T(test_mark_completed_and_done),
        T(test_mark_failed_keeps_message),
        T(test_status_and_is_done_in_every_state),
        T(test_reset_to_pending_clears),
        T(test_pbs_job_id_round_trip_clears_info),
        T(test_json_stored_compact_and_sorted),
        T(test_json_get_of_malformed_or_non_object_is_none),
        T(test_list_unfinished),
        T(test_monitor_queue_in_order_and_removed),
        T(test_take_monitor_requests_is_atomic),
    };
    return cmocka_run_group_tests_name("tracker operations", tests, NULL,
                                       NULL);
}
