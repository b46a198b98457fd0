/*
 * test_schema.c: the schema is upstream's, old databases migrate, and
 * opening is idempotent.
 */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Column list of cmor_tasks as "name type notnull default pk;" lines. */
static char *columns_of(const char *db, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT group_concat(name || ' ' || type || ' ' || \"notnull\" "
             "|| ' ' || ifnull(dflt_value, '-') || ' ' || pk, ';') "
             "FROM pragma_table_info('%s')",
             table);
    return sql_text(db, sql);
}

static void test_schema_is_created(void **state)
{
    char *db = scratch_path(*state, "sub/dir/tasks.db");
    tracker *t =
        open_tracker_profile(db, "delete-off"); /* creates sub/dir too */
    tracker_free(t);

    char *cols = columns_of(db, "cmor_tasks");
    assert_string_equal(
        cols,
        "id INTEGER 0 - 1;variable TEXT 1 - 0;experiment_id TEXT 1 - 0;"
        "status TEXT 1 'pending' 0;start_time TEXT 0 - 0;end_time TEXT 0 - 0;"
        "error_message TEXT 0 - 0;pbs_job_id TEXT 0 - 0;"
        "pbs_info_json TEXT 0 - 0;worker_memory_json TEXT 0 - 0;"
        "output_summary_json TEXT 0 - 0");
    free(cols);
    cols = columns_of(db, "monitor_requests");
    assert_string_equal(cols, "variable TEXT 1 - 1;experiment_id TEXT 1 - 2;"
                              "requested_at TEXT 1 CURRENT_TIMESTAMP 0");
    free(cols);

    /* AUTOINCREMENT leaves sqlite_sequence; the index is unique and named. */
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE "
                                 "name='sqlite_sequence'"),
                     1);
    char *index =
        sql_text(db, "SELECT group_concat(name || ':' || \"unique\") "
                     "FROM pragma_index_list('cmor_tasks') "
                     "WHERE origin='c'");
    assert_string_equal(index, "idx_var_exp:1");
    free(index);
    char *index_cols = sql_text(db, "SELECT group_concat(name) FROM "
                                    "pragma_index_info('idx_var_exp')");
    assert_string_equal(index_cols, "variable,experiment_id");
    free(index_cols);

    /* The CHECK constraint rejects a status outside the four. */
    sql_exec(db, "INSERT INTO cmor_tasks (variable, experiment_id) "
                 "VALUES ('Amon.tas', 'hist')");
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    sqlite3_extended_result_codes(raw, 1);
    assert_int_equal(sqlite3_exec(raw, "UPDATE cmor_tasks SET status='lost'",
                                  NULL, NULL, NULL),
                     SQLITE_CONSTRAINT_CHECK);
    assert_int_equal(sqlite3_exec(raw,
                                  "INSERT INTO cmor_tasks (variable, "
                                  "experiment_id) VALUES ('Amon.tas', "
                                  "'hist')",
                                  NULL, NULL, NULL),
                     SQLITE_CONSTRAINT_UNIQUE);
    sqlite3_close(raw);
    free(db);
}

/* The first release's table: no pbs_job_id and no JSON columns, and no
 * monitor queue. */
static const char old_schema[] =
    "CREATE TABLE cmor_tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "variable TEXT NOT NULL, experiment_id TEXT NOT NULL, "
    "status TEXT CHECK(status IN ('pending', 'running', 'completed', "
    "'failed')) NOT NULL DEFAULT 'pending', start_time TEXT, end_time TEXT, "
    "error_message TEXT);"
    "CREATE UNIQUE INDEX idx_var_exp ON cmor_tasks(variable, experiment_id);"
    "INSERT INTO cmor_tasks (variable, experiment_id, status, error_message) "
    "VALUES ('Amon.tas', 'hist', 'failed', 'boom'), "
    "('Omon.tos', 'hist', 'completed', NULL);";

static void test_old_database_migrates(void **state)
{
    char *db = scratch_path(*state, "old.db");
    sql_exec(db, old_schema);
    tracker *t = open_tracker_profile(db, "upstream");
    /* Rows kept, and the new columns usable at once. */
    tracker_status status;
    assert_int_equal(tracker_get_status(t, "Amon.tas", "hist", &status),
                     SQLITE_OK);
    assert_int_equal(status, TRACKER_STATUS_FAILED);
    assert_int_equal(tracker_set_pbs_job_id(t, "Amon.tas", "hist", "1.gadi"),
                     SQLITE_OK);
    assert_int_equal(
        tracker_set_worker_memory(t, "Omon.tos", "hist", "{\"peak\":1}"),
        SQLITE_OK);
    tracker_free(t);

    char *cols = sql_text(db, "SELECT group_concat(name) FROM "
                              "pragma_table_info('cmor_tasks')");
    assert_string_equal(cols,
                        "id,variable,experiment_id,status,start_time,"
                        "end_time,error_message,pbs_job_id,pbs_info_json,"
                        "worker_memory_json,output_summary_json");
    free(cols);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM cmor_tasks"), 2);
    char *msg = sql_text(db, "SELECT error_message FROM cmor_tasks WHERE "
                             "variable='Amon.tas'");
    assert_string_equal(msg, "boom");
    free(msg);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE "
                                 "name='monitor_requests'"),
                     1);

    /* A second open changes nothing: same schema text, same rows. */
    char *before = sql_text(db, "SELECT group_concat(sql, ';') FROM "
                                "sqlite_master");
    long long version = sql_int(db, "PRAGMA schema_version");
    tracker_free(open_tracker_profile(db, "upstream"));
    char *after = sql_text(db, "SELECT group_concat(sql, ';') FROM "
                               "sqlite_master");
    assert_string_equal(before, after);
    assert_int_equal(sql_int(db, "PRAGMA schema_version"), version);
    assert_int_equal(sql_int(db, "SELECT count(*) FROM cmor_tasks"), 2);
    free(before);
    free(after);
    free(db);
}

/* A database made by this library has exactly upstream's CREATE text, so
 * upstream's own "IF NOT EXISTS" and table_info checks find what they
 * expect. */
static void test_schema_text_matches_upstream(void **state)
{
    char *db = scratch_path(*state, "text.db");
    tracker_free(open_tracker_profile(db, "wal-normal"));
    char *sql = sql_text(db, "SELECT sql FROM sqlite_master WHERE "
                             "name='idx_var_exp'");
    assert_string_equal(sql, "CREATE UNIQUE INDEX idx_var_exp ON "
                             "cmor_tasks(variable, experiment_id)");
    free(sql);
    sql =
        sql_text(db, "SELECT sql FROM sqlite_master WHERE name='cmor_tasks'");
    assert_non_null(strstr(sql, "status TEXT CHECK(status IN ('pending', "
                                "'running', 'completed', 'failed')) NOT NULL "
                                "DEFAULT 'pending'"));
    free(sql);
    free(db);
}

int main(void)
{
#define T(name)                                                               \
    cmocka_unit_test_setup_teardown(name, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_schema_is_created),
        T(test_old_database_migrates),
        T(test_schema_text_matches_upstream),
    };
    return cmocka_run_group_tests_name("tracker schema", tests, NULL, NULL);
}
