/*
 * connection.c: the open sequence, the schema and its migration.
 *
 * Mirrors upstream's sqlite3.connect, then its _init_db: busy timeout,
 * optional WAL checkpoint, journal mode, synchronous, then the schema.
 * Like Python's sqlite3, the schema statements run outside any explicit
 * transaction (DDL does not open one implicitly), each committing on its
 * own; every one is idempotent, so a retried open starts again from the
 * top.
 */
#include "tracker_internal.h"

#include <stdio.h>
#include <string.h>

/* The upstream schema, to the letter: a database written here is one the
 * Python tracker reads, and the reverse. */
static const char create_tasks_sql[] =
    "CREATE TABLE IF NOT EXISTS cmor_tasks (\n"
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "    variable TEXT NOT NULL,\n"
    "    experiment_id TEXT NOT NULL,\n"
    "    status TEXT CHECK(status IN ('pending', 'running', 'completed', "
    "'failed')) NOT NULL DEFAULT 'pending',\n"
    "    start_time TEXT,\n"
    "    end_time TEXT,\n"
    "    error_message TEXT,\n"
    "    pbs_job_id TEXT,\n"
    "    pbs_info_json TEXT,\n"
    "    worker_memory_json TEXT,\n"
    "    output_summary_json TEXT\n"
    ")";
static const char create_index_sql[] =
    "CREATE UNIQUE INDEX IF NOT EXISTS idx_var_exp "
    "ON cmor_tasks(variable, experiment_id)";
static const char create_monitor_sql[] =
    "CREATE TABLE IF NOT EXISTS monitor_requests (\n"
    "    variable TEXT NOT NULL,\n"
    "    experiment_id TEXT NOT NULL,\n"
    "    requested_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    PRIMARY KEY (variable, experiment_id)\n"
    ")";

/* Columns added after the first release; older databases lack them. */
static const char *const later_columns[] = {
    "pbs_job_id",
    "pbs_info_json",
    "worker_memory_json",
    "output_summary_json",
};
#define LATER_COLUMN_COUNT (sizeof later_columns / sizeof later_columns[0])

/* Run one statement with no parameters on the connection. */
static int exec_sql(tracker *t, const char *sql)
{
    int rc = sqlite3_exec(t->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SQLITE_OK : tracker_statement_fail(t, rc);
}

/* Which of the later columns cmor_tasks already has (bit i: column i). */
static int existing_later_columns(tracker *t, unsigned *present)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(t->db, "PRAGMA table_info(cmor_tasks)", -1,
                                &stmt, NULL);
    if (rc != SQLITE_OK)
        return tracker_statement_fail(t, rc);
    *present = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 1);
        for (size_t i = 0; name && i < LATER_COLUMN_COUNT; i++)
            if (strcmp(name, later_columns[i]) == 0)
                *present |= 1u << i;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : tracker_statement_fail(t, rc);
}

/* Create what is missing; add the later columns to an older table. */
static int ensure_schema(tracker *t)
{
    int rc = exec_sql(t, create_tasks_sql);
    if (rc == SQLITE_OK)
        rc = exec_sql(t, create_index_sql);
    if (rc == SQLITE_OK)
        rc = exec_sql(t, create_monitor_sql);
    unsigned present = 0;
    if (rc == SQLITE_OK)
        rc = existing_later_columns(t, &present);
    for (size_t i = 0; rc == SQLITE_OK && i < LATER_COLUMN_COUNT; i++) {
        if (present & (1u << i))
            continue;
        char sql[128];
        snprintf(sql, sizeof sql, "ALTER TABLE cmor_tasks ADD COLUMN %s TEXT",
                 later_columns[i]);
        rc = exec_sql(t, sql);
    }
    return rc;
}

/* The profile's pragmas, in upstream's order. */
static int apply_pragmas(tracker *t)
{
    const tracker_profile *p = &t->options.profile;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA busy_timeout=%d", p->busy_timeout_ms);
    int rc = exec_sql(t, sql);
    if (rc == SQLITE_OK && p->checkpoint_before_switch)
        rc = exec_sql(t, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s",
                 tracker_journal_mode_name(p->journal_mode));
        rc = exec_sql(t, sql);
    }
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof sql, "PRAGMA synchronous=%s",
                 tracker_sync_mode_name(p->synchronous));
        rc = exec_sql(t, sql);
    }
    return rc;
}

/* sqlite3.connect(path, timeout=busy/1000). sqlite3_open_v2 already reads
 * the database header (the page size), so a read fault can end it; upstream
 * calls it once, outside its retry loop, hence a scope of its own. */
static int open_connection(tracker *t)
{
    int rc = sqlite3_open_v2(t->path, &t->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             t->options.vfs);
    if (rc != SQLITE_OK) {
        snprintf(t->attempt_message, sizeof t->attempt_message,
                 "cannot open '%s': %s", t->path,
                 t->db ? sqlite3_errmsg(t->db) : sqlite3_errstr(rc));
        if (t->db)
            rc = sqlite3_extended_errcode(t->db);
        sqlite3_close_v2(t->db);
        t->db = NULL;
        t->failed_scope = TRACKER_SCOPE_CONNECT;
        return rc;
    }
    sqlite3_extended_result_codes(t->db, 1);
    sqlite3_busy_timeout(t->db, t->options.profile.busy_timeout_ms);
    return SQLITE_OK;
}

int tracker_connect(tracker *t, void *ctx)
{
    (void)ctx;
    int rc = (t->db == NULL) ? open_connection(t) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = apply_pragmas(t);
    if (rc == SQLITE_OK)
        rc = ensure_schema(t);
    return rc;
}

void tracker_disconnect(tracker *t)
{
    for (int i = 0; i < STMT_COUNT; i++) {
        sqlite3_finalize(t->statements[i]);
        t->statements[i] = NULL;
    }
    sqlite3_close_v2(t->db);
    t->db = NULL;
}
