/*
 * tasks.c: the operations on cmor_tasks rows.
 *
 * Each public call checks its arguments, then hands one attempt function
 * to tracker_call, which decides about retries. Writes go through
 * tracker_write; reads of one text column share text_read_attempt.
 */
#include "tracker_internal.h"

#include <stdlib.h>
#include <string.h>

/* A read of one text column of one row: *value is NULL when there is no
 * row or the column is NULL. */
struct text_read {
    statement_id id;
    const char *texts[2];
    char *value;
};

static int text_read_attempt(tracker *t, void *ctx)
{
    struct text_read *r = ctx;
    sqlite3_stmt *stmt;
    free(r->value); /* from a failed earlier attempt */
    r->value = NULL;
    int rc = tracker_statement_get(t, r->id, &stmt);
    if (rc == SQLITE_OK)
        rc = tracker_statement_bind_texts(t, stmt, 2, r->texts);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(stmt, 0);
        if (text && (r->value = strdup(text)) == NULL)
            return tracker_statement_fail(t, SQLITE_NOMEM);
        rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE)
        return tracker_statement_fail(t, rc);
    sqlite3_reset(stmt);
    return SQLITE_OK;
}

/* Run a write on one task with an optional third parameter. */
static int task_write(tracker *t, tracker_op op, statement_id id,
                      const char *variable, const char *experiment,
                      bool has_value, const char *value)
{
    int rc = tracker_check_task(t, op, variable, experiment);
    if (rc != SQLITE_OK)
        return rc;
    const char *texts[3] = { variable, experiment, value };
    return tracker_write(t, op, id, has_value ? 3 : 2, texts);
}

/* Read one text column of one task into *out (NULL for none). */
static int task_read_text(tracker *t, tracker_op op, statement_id id,
                          const char *variable, const char *experiment,
                          char **out)
{
    int rc = tracker_check_task(t, op, variable, experiment);
    if (rc == SQLITE_OK)
        rc = tracker_check_result(t, op, out != NULL);
    if (rc != SQLITE_OK)
        return rc;
    struct text_read r = { id, { variable, experiment }, NULL };
    rc = tracker_call(t, op, text_read_attempt, &r);
    if (rc != SQLITE_OK) {
        free(r.value);
        r.value = NULL;
    }
    *out = r.value;
    return rc;
}

int tracker_add_task(tracker *t, const char *variable, const char *experiment)
{
    return task_write(t, TRACKER_OP_ADD_TASK, STMT_ADD_TASK, variable,
                      experiment, false, NULL);
}

int tracker_mark_running(tracker *t, const char *variable,
                         const char *experiment)
{
    return task_write(t, TRACKER_OP_MARK_RUNNING, STMT_MARK_RUNNING, variable,
                      experiment, false, NULL);
}

int tracker_mark_completed(tracker *t, const char *variable,
                           const char *experiment)
{
    return task_write(t, TRACKER_OP_MARK_COMPLETED, STMT_MARK_COMPLETED,
                      variable, experiment, false, NULL);
}

int tracker_mark_done(tracker *t, const char *variable, const char *experiment)
{
    return tracker_mark_completed(t, variable, experiment);
}

int tracker_mark_failed(tracker *t, const char *variable,
                        const char *experiment, const char *message)
{
    return task_write(t, TRACKER_OP_MARK_FAILED, STMT_MARK_FAILED, variable,
                      experiment, true, message);
}

int tracker_reset_to_pending(tracker *t, const char *variable,
                             const char *experiment)
{
    return task_write(t, TRACKER_OP_RESET_TO_PENDING, STMT_RESET_TO_PENDING,
                      variable, experiment, false, NULL);
}

int tracker_set_pbs_job_id(tracker *t, const char *variable,
                           const char *experiment, const char *job_id)
{
    return task_write(t, TRACKER_OP_SET_PBS_JOB_ID, STMT_SET_PBS_JOB_ID,
                      variable, experiment, true, job_id);
}

int tracker_get_pbs_job_id(tracker *t, const char *variable,
                           const char *experiment, char **job_id)
{
    return task_read_text(t, TRACKER_OP_GET_PBS_JOB_ID, STMT_GET_PBS_JOB_ID,
                          variable, experiment, job_id);
}

static tracker_status status_from_text(const char *text)
{
    static const tracker_status all[] = {
        TRACKER_STATUS_PENDING,
        TRACKER_STATUS_RUNNING,
        TRACKER_STATUS_COMPLETED,
        TRACKER_STATUS_FAILED,
    };
    for (size_t i = 0; text && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(text, tracker_status_name(all[i])) == 0)
            return all[i];
    return TRACKER_STATUS_NONE;
}

int tracker_get_status(tracker *t, const char *variable,
                       const char *experiment, tracker_status *status)
{
    char *text = NULL;
    int rc = tracker_check_result(t, TRACKER_OP_GET_STATUS, status != NULL);
    if (rc == SQLITE_OK)
        rc = task_read_text(t, TRACKER_OP_GET_STATUS, STMT_GET_STATUS,
                            variable, experiment, &text);
    if (rc == SQLITE_OK)
        *status = status_from_text(text);
    free(text);
    return rc;
}

int tracker_is_done(tracker *t, const char *variable, const char *experiment,
                    bool *done)
{
    tracker_status status = TRACKER_STATUS_NONE;
    int rc = tracker_check_result(t, TRACKER_OP_GET_STATUS, done != NULL);
    if (rc == SQLITE_OK)
        rc = tracker_get_status(t, variable, experiment, &status);
    if (rc == SQLITE_OK)
        *done = (status == TRACKER_STATUS_COMPLETED);
    return rc;
}

/* ------------------------------------------------------- JSON columns */

/* The three JSON columns differ only in their statements and names. */
struct json_column {
    tracker_op set_op, get_op;
    statement_id set_stmt, get_stmt;
};
static const struct json_column pbs_info = {
    TRACKER_OP_SET_PBS_INFO,
    TRACKER_OP_GET_PBS_INFO,
    STMT_SET_PBS_INFO,
    STMT_GET_PBS_INFO,
};
static const struct json_column worker_memory = {
    TRACKER_OP_SET_WORKER_MEMORY,
    TRACKER_OP_GET_WORKER_MEMORY,
    STMT_SET_WORKER_MEMORY,
    STMT_GET_WORKER_MEMORY,
};
static const struct json_column output_summary = {
    TRACKER_OP_SET_OUTPUT_SUMMARY,
    TRACKER_OP_GET_OUTPUT_SUMMARY,
    STMT_SET_OUTPUT_SUMMARY,
    STMT_GET_OUTPUT_SUMMARY,
};

/* A JSON write: the text is brought to canonical form once, on the first
 * attempt, then written like any other value. */
struct json_write {
    statement_id id;
    const char *texts[3]; /* variable, experiment, canonical text */
    const char *input;
    char *canonical;
};

static int json_write_attempt(tracker *t, void *ctx)
{
    struct json_write *w = ctx;
    if (w->input && w->canonical == NULL) {
        int rc = tracker_json_canonical_object(t, w->input, &w->canonical);
        if (rc != SQLITE_OK)
            return rc;
        w->texts[2] = w->canonical;
    }
    return tracker_statement_write(t, w->id, 3, w->texts);
}

static int json_set(tracker *t, const struct json_column *col,
                    const char *variable, const char *experiment,
                    const char *json_object)
{
    int rc = tracker_check_task(t, col->set_op, variable, experiment);
    if (rc != SQLITE_OK)
        return rc;
    struct json_write w = {
        col->set_stmt,
        { variable, experiment, NULL },
        json_object,
        NULL,
    };
    rc = tracker_call(t, col->set_op, json_write_attempt, &w);
    sqlite3_free(w.canonical);
    return rc;
}

int tracker_set_pbs_info(tracker *t, const char *variable,
                         const char *experiment, const char *json_object)
{
    return json_set(t, &pbs_info, variable, experiment, json_object);
}

int tracker_get_pbs_info(tracker *t, const char *variable,
                         const char *experiment, char **json_object)
{
    return task_read_text(t, pbs_info.get_op, pbs_info.get_stmt, variable,
                          experiment, json_object);
}

int tracker_set_worker_memory(tracker *t, const char *variable,
                              const char *experiment, const char *json_object)
{
    return json_set(t, &worker_memory, variable, experiment, json_object);
}

int tracker_get_worker_memory(tracker *t, const char *variable,
                              const char *experiment, char **json_object)
{
    return task_read_text(t, worker_memory.get_op, worker_memory.get_stmt,
                          variable, experiment, json_object);
}

int tracker_set_output_summary(tracker *t, const char *variable,
                               const char *experiment, const char *json_object)
{
    return json_set(t, &output_summary, variable, experiment, json_object);
}

int tracker_get_output_summary(tracker *t, const char *variable,
                               const char *experiment, char **json_object)
{
    return task_read_text(t, output_summary.get_op, output_summary.get_stmt,
                          variable, experiment, json_object);
}

void tracker_free_text(char *text)
{
    free(text);
}

/* ---------------------------------------------------- list_unfinished */

struct unfinished_read {
    const char *experiment;
    tracker_task_row *rows;
    size_t count;
};

static void unfinished_clear(struct unfinished_read *r)
{
    tracker_free_task_rows(r->rows, r->count);
    r->rows = NULL;
    r->count = 0;
}

/* Copy the current row; NULL columns stay NULL. */
static int unfinished_append(struct unfinished_read *r, sqlite3_stmt *stmt)
{
    tracker_task_row *grown =
        realloc(r->rows, (r->count + 1) * sizeof *r->rows);
    if (grown == NULL)
        return SQLITE_NOMEM;
    r->rows = grown;
    tracker_task_row *row = &r->rows[r->count++];
    const char *variable = (const char *)sqlite3_column_text(stmt, 0);
    const char *job = (const char *)sqlite3_column_text(stmt, 2);
    row->variable = strdup(variable ? variable : "");
    row->status = status_from_text((const char *)sqlite3_column_text(stmt, 1));
    row->pbs_job_id = job ? strdup(job) : NULL;
    return (row->variable && (!job || row->pbs_job_id)) ? SQLITE_OK
                                                        : SQLITE_NOMEM;
}

static int unfinished_attempt(tracker *t, void *ctx)
{
    struct unfinished_read *r = ctx;
    sqlite3_stmt *stmt;
    unfinished_clear(r);
    int rc = tracker_statement_get(t, STMT_LIST_UNFINISHED, &stmt);
    if (rc == SQLITE_OK)
        rc = tracker_statement_bind_texts(t, stmt, 1, &r->experiment);
    if (rc != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        if (unfinished_append(r, stmt) != SQLITE_OK) {
            rc = SQLITE_NOMEM;
            break;
        }
    if (rc != SQLITE_DONE)
        return tracker_statement_fail(t, rc);
    sqlite3_reset(stmt);
    return SQLITE_OK;
}

int tracker_list_unfinished(tracker *t, const char *experiment,
                            tracker_task_row **rows, size_t *count)
{
    int rc =
        tracker_check_experiment(t, TRACKER_OP_LIST_UNFINISHED, experiment);
    if (rc == SQLITE_OK)
        rc =
            tracker_check_result(t, TRACKER_OP_LIST_UNFINISHED, rows && count);
    if (rc != SQLITE_OK)
        return rc;
    struct unfinished_read r = { experiment, NULL, 0 };
    rc = tracker_call(t, TRACKER_OP_LIST_UNFINISHED, unfinished_attempt, &r);
    if (rc != SQLITE_OK)
        unfinished_clear(&r);
    *rows = r.rows;
    *count = r.count;
    return rc;
}

void tracker_free_task_rows(tracker_task_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free(rows[i].variable);
        free(rows[i].pbs_job_id);
    }
    free(rows);
}
