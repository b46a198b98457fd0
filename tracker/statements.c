/*
 * statements.c: the tracker's SQL, prepared once per connection, and the
 * transaction shape every write shares.
 *
 * The statements themselves are TRACKER_STATEMENTS in tracker_internal.h.
 */
#include "tracker_internal.h"

#include <stdio.h>
#include <string.h>

/* The SQL of each statement, indexed by statement_id. */
static const char *const statement_sql[STMT_COUNT] = {
#define STATEMENT_SQL(id, sql) [STMT_##id] = sql,
    TRACKER_STATEMENTS(STATEMENT_SQL)
#undef STATEMENT_SQL
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
    return tracker_call(t, op, write_attempt, &c);
}
