/*
 * monitor.c: the queue through which jobs ask the monitor to act.
 */
#include "tracker_internal.h"

#include <stdlib.h>
#include <string.h>

int tracker_enqueue_monitor_request(tracker *t, const char *variable,
                                    const char *experiment)
{
    int rc = tracker_check_task(t, TRACKER_OP_ENQUEUE_MONITOR_REQUEST,
                                variable, experiment);
    if (rc != SQLITE_OK)
        return rc;
    const char *texts[2] = { variable, experiment };
    return tracker_write(t, TRACKER_OP_ENQUEUE_MONITOR_REQUEST,
                         STMT_ENQUEUE_MONITOR_REQUEST, 2, texts);
}

struct taken {
    const char *experiment;
    char **variables;
    size_t count;
};

static void taken_clear(struct taken *r)
{
    tracker_free_strings(r->variables, r->count);
    r->variables = NULL;
    r->count = 0;
}

/* Collect the queued variables of the experiment, in queue order. */
static int select_requests(tracker *t, struct taken *r)
{
    sqlite3_stmt *stmt;
    int rc = tracker_statement_get(t, STMT_SELECT_MONITOR_REQUESTS, &stmt);
    if (rc == SQLITE_OK)
        rc = tracker_statement_bind_texts(t, stmt, 1, &r->experiment);
    if (rc != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *variable = (const char *)sqlite3_column_text(stmt, 0);
        char **grown =
            realloc(r->variables, (r->count + 1) * sizeof *r->variables);
        if (grown == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        r->variables = grown;
        if ((r->variables[r->count] = strdup(variable ? variable : "")) ==
            NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        r->count++;
    }
    if (rc != SQLITE_DONE)
        return tracker_statement_fail(t, rc);
    sqlite3_reset(stmt);
    return SQLITE_OK;
}

/* Read and delete in one deferred transaction, so a request is handed out
 * once: either this call returns it and removes it, or neither happens. */
static int take_attempt(tracker *t, void *ctx)
{
    struct taken *r = ctx;
    taken_clear(r);
    int rc = tracker_statement_run(t, STMT_BEGIN, 0, NULL);
    if (rc == SQLITE_OK)
        rc = select_requests(t, r);
    if (rc == SQLITE_OK)
        rc = tracker_statement_run(t, STMT_DELETE_MONITOR_REQUESTS, 1,
                                   &r->experiment);
    if (rc == SQLITE_OK)
        rc = tracker_statement_run(t, STMT_COMMIT, 0, NULL);
    return rc;
}

int tracker_take_monitor_requests(tracker *t, const char *experiment,
                                  char ***variables, size_t *count)
{
    int rc = tracker_check_experiment(t, TRACKER_OP_TAKE_MONITOR_REQUESTS,
                                      experiment);
    if (rc == SQLITE_OK)
        rc = tracker_check_result(t, TRACKER_OP_TAKE_MONITOR_REQUESTS,
                                  variables && count);
    if (rc != SQLITE_OK)
        return rc;
    struct taken r = { experiment, NULL, 0 };
    rc = tracker_call(t, TRACKER_OP_TAKE_MONITOR_REQUESTS, take_attempt, &r);
    if (rc != SQLITE_OK)
        taken_clear(&r);
    *variables = r.variables;
    *count = r.count;
    return rc;
}

void tracker_free_strings(char **strings, size_t count)
{
    for (size_t i = 0; strings && i < count; i++)
        free(strings[i]);
    free(strings);
}
