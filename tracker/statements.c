/*
 * statements.c: the tracker's SQL, prepared once per connection, and the
 * transaction shape every write shares.
 *
 * The statements are upstream's, so the same pages, locks and journal
 * writes happen here as there. Parameters are ?1 = variable, ?2 =
 * experiment_id, ?3 = the value being set, except list_unfinished and the
 * monitor queue's experiment-wide statements, where ?1 = experiment_id.
 */
#include "tracker_internal.h"

#include <stdio.h>
#include <string.h>

#define WHERE_TASK " WHERE variable=?1 AND experiment_id=?2"
/* A JSON column read back only if it still holds a JSON object; CASE, not
 * AND, so json_type never sees malformed text. */
#define JSON_OBJECT_OR_NULL(col)                                             \
    "SELECT CASE WHEN json_valid(" col ") THEN CASE WHEN json_type(" col     \
    ")='object' THEN " col " END END FROM cmor_tasks" WHERE_TASK

static const char *const statement_sql[STMT_COUNT] = {
    [STMT_BEGIN] = "BEGIN",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_ADD_TASK] =
        "INSERT OR IGNORE INTO cmor_tasks (variable, experiment_id) "
        "VALUES (?1, ?2)",
    [STMT_MARK_RUNNING] =
        "UPDATE cmor_tasks SET status='running', start_time=datetime('now'), "
        "end_time=NULL, error_message=NULL, worker_memory_json=NULL, "
        "output_summary_json=NULL" WHERE_TASK,
    [STMT_MARK_COMPLETED] =
        "UPDATE cmor_tasks SET status='completed', end_time=datetime('now'), "
        "error_message=NULL" WHERE_TASK,
    [STMT_MARK_FAILED] =
        "UPDATE cmor_tasks SET status='failed', end_time=datetime('now'), "
        "error_message=?3" WHERE_TASK,
    [STMT_GET_STATUS] = "SELECT status FROM cmor_tasks" WHERE_TASK,
    [STMT_RESET_TO_PENDING] =
        "UPDATE cmor_tasks SET status='pending', start_time=NULL, "
        "end_time=NULL, error_message=NULL, pbs_job_id=NULL, "
        "pbs_info_json=NULL" WHERE_TASK,
    [STMT_SET_PBS_JOB_ID] =
        "UPDATE cmor_tasks SET pbs_job_id=?3, pbs_info_json=NULL" WHERE_TASK,
    [STMT_GET_PBS_JOB_ID] = "SELECT pbs_job_id FROM cmor_tasks" WHERE_TASK,
    [STMT_SET_PBS_INFO] =
        "UPDATE cmor_tasks SET pbs_info_json=?3" WHERE_TASK,
    [STMT_GET_PBS_INFO] = JSON_OBJECT_OR_NULL("pbs_info_json"),
    [STMT_SET_WORKER_MEMORY] =
        "UPDATE cmor_tasks SET worker_memory_json=?3" WHERE_TASK,
    [STMT_GET_WORKER_MEMORY] = JSON_OBJECT_OR_NULL("worker_memory_json"),
    [STMT_SET_OUTPUT_SUMMARY] =
        "UPDATE cmor_tasks SET output_summary_json=?3" WHERE_TASK,
    [STMT_GET_OUTPUT_SUMMARY] = JSON_OBJECT_OR_NULL("output_summary_json"),
    [STMT_LIST_UNFINISHED] =
        "SELECT variable, status, pbs_job_id FROM cmor_tasks "
        "WHERE experiment_id=?1 AND status NOT IN ('completed','failed')",
    [STMT_ENQUEUE_MONITOR_REQUEST] =
        "INSERT OR IGNORE INTO monitor_requests (variable, experiment_id) "
        "VALUES (?1, ?2)",
    [STMT_SELECT_MONITOR_REQUESTS] =
        "SELECT variable FROM monitor_requests WHERE experiment_id=?1 "
        "ORDER BY requested_at, variable",
    [STMT_DELETE_MONITOR_REQUESTS] =
        "DELETE FROM monitor_requests WHERE experiment_id=?1",
};

/* Prepared lazily and kept, as Python's statement cache keeps them. */
int tracker_statement_get(tracker *t, statement_id id, sqlite3_stmt **out)
{
    if (t->statements[id] == NULL) {
        int rc = sqlite3_prepare_v3(t->db, statement_sql[id], -1,
                                    SQLITE_PREPARE_PERSISTENT,
                                    &t->statements[id], NULL);
        if (rc != SQLITE_OK)
            return tracker_statement_fail(t, rc);
    }
    *out = t->statements[id];
    sqlite3_reset(*out);
    return SQLITE_OK;
}

int tracker_statement_bind_texts(tracker *t, sqlite3_stmt *stmt, int n,
                                 const char *const *texts)
{
    for (int i = 0; i < n; i++) {
        int rc = texts[i] ? sqlite3_bind_text(stmt, i + 1, texts[i], -1,
                                              SQLITE_STATIC)
                          : sqlite3_bind_null(stmt, i + 1);
        if (rc != SQLITE_OK)
            return tracker_statement_fail(t, rc);
    }
    return SQLITE_OK;
}

int tracker_statement_fail(tracker *t, int rc)
{
    if (t->attempt_message[0] == '\0')
        snprintf(t->attempt_message, sizeof t->attempt_message, "%s",
                 sqlite3_errmsg(t->db));
    for (int i = 0; i < STMT_COUNT; i++)
        if (t->statements[i])
            sqlite3_reset(t->statements[i]);
    if (!sqlite3_get_autocommit(t->db))
        sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int tracker_statement_run(tracker *t, statement_id id, int n,
                          const char *const *texts)
{
    sqlite3_stmt *stmt;
    int rc = tracker_statement_get(t, id, &stmt);
    if (rc == SQLITE_OK)
        rc = tracker_statement_bind_texts(t, stmt, n, texts);
    if (rc != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE)
        return tracker_statement_fail(t, rc);
    sqlite3_reset(stmt);
    return SQLITE_OK;
}

/* The shape of every write, as Python's sqlite3 runs it under
 * `with connection:`: the statement is prepared, a deferred BEGIN opens the
 * transaction, the statement runs, COMMIT ends it; any failure rolls back. */
int tracker_statement_write(tracker *t, statement_id id, int n,
                            const char *const *texts)
{
    sqlite3_stmt *stmt;
    int rc = tracker_statement_get(t, id, &stmt);
    if (rc == SQLITE_OK)
        rc = tracker_statement_run(t, STMT_BEGIN, 0, NULL);
    if (rc == SQLITE_OK)
        rc = tracker_statement_run(t, id, n, texts);
    if (rc == SQLITE_OK)
        rc = tracker_statement_run(t, STMT_COMMIT, 0, NULL);
    return rc;
}

/* A write: which statement, and its parameters. */
struct write_call {
    statement_id id;
    int n;
    const char *const *texts;
};

static int write_attempt(tracker *t, void *ctx)
{
    const struct write_call *c = ctx;
    return tracker_statement_write(t, c->id, c->n, c->texts);
}

int tracker_write(tracker *t, tracker_op op, statement_id id, int n,
                  const char *const *texts)
{
    struct write_call c = { id, n, texts };
    return tracker_call(t, op, TRACKER_SCOPE_WRITES, write_attempt, &c);
}
