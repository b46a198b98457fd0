/*
 * verify.c: what a round left behind.
 *
 * After every job has ended: which files are left next to the database
 * (looked at before anything opens it, since opening rolls a hot journal
 * back), PRAGMA integrity_check, and every job's last acknowledged write
 * against the row it wrote. The check runs on the plain unix VFS: it is the
 * harness looking, not a job, so no fault is injected into it.
 */
#include "trackhammer.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

/* A file beside the database, with content. */
static bool sidecar_exists(const char *db_path, const char *suffix)
{
    char path[TEXT_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s%s", db_path, suffix);
    return stat(path, &st) == 0 && st.st_size > 0;
}

static void first_row_text(sqlite3 *db, const char *sql, char *out,
                           size_t size)
{
    sqlite3_stmt *stmt;
    snprintf(out, size, "error: %s", "no answer");
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        snprintf(out, size, "error: %s", sqlite3_errmsg(db));
        return;
    }
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    else
        snprintf(out, size, "error: %s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
}

/* The task's status in the database, "" when the row is absent or
 * unreadable. */
static void task_status(sqlite3 *db, const char *variable,
                        const char *experiment, char *out, size_t size)
{
    sqlite3_stmt *stmt;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT status FROM cmor_tasks WHERE "
                           "variable=?1 AND experiment_id=?2",
                           -1, &stmt, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(stmt, 1, variable, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, experiment, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

/* Compare one job's acknowledged state with the database. A write that
 * failed or was cut short after the last acknowledgement may or may not
 * have committed: either state is acceptable, and which one it was is
 * counted apart. */
const char *verdict_name(job_verdict verdict)
{
    static const char *const names[] = { "ok", "lost", "unknown_committed",
                                         "unknown_lost" };
    return (unsigned)verdict < 4 ? names[verdict] : "invalid";
}

static job_verdict check_job(sqlite3 *db, const options *o,
                             const job_record *r, int index)
{
    char variable[64], actual[32];
    variable_name(index, variable, sizeof variable);
    task_status(db, variable, o->experiment, actual, sizeof actual);
    const char *acked = status_set_by(r->last_ack_op);
    if (acked == NULL)
        acked = "pending";
    /* The writes that may or may not have committed: every status write
     * that failed since the last ack, and the one cut short, if any. */
    unsigned unknown = r->unknown_ops;
    if (r->current_op >= 0 && status_set_by(r->current_op))
        unknown |= 1u << r->current_op;
    bool maybe_other = false, actual_is_unknown = false;
    for (int op = 0; op < TRACKER_OP_COUNT; op++) {
        const char *maybe = (unknown & (1u << op)) ? status_set_by(op) : NULL;
        if (maybe == NULL)
            continue;
        maybe_other |= strcmp(maybe, acked) != 0;
        actual_is_unknown |= strcmp(actual, maybe) == 0;
    }
    if (strcmp(actual, acked) == 0)
        return maybe_other ? VERDICT_UNKNOWN_LOST : VERDICT_OK;
    if (actual_is_unknown)
        return VERDICT_UNKNOWN_COMMITTED;
    return r->outcome == OUTCOME_SKIPPED ? VERDICT_OK : VERDICT_LOST;
}

void verify_round(const char *db_path, const options *o,
                  const job_record *records, int count, round_verdict *v,
                  job_verdict *verdicts)
{
    for (int i = 0; i < count; i++)
        verdicts[i] = VERDICT_OK;
    memset(v, 0, sizeof *v);
    v->hot_journal = sidecar_exists(db_path, "-journal");
    v->wal_left = sidecar_exists(db_path, "-wal");
    v->shm_left = sidecar_exists(db_path, "-shm");

    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, "unix") !=
        SQLITE_OK) {
        snprintf(v->integrity, sizeof v->integrity, "cannot open: %s",
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, 30000);
    first_row_text(db, "PRAGMA integrity_check", v->integrity,
                   sizeof v->integrity);
    for (int i = 0; i < count; i++) {
        verdicts[i] = check_job(db, o, &records[i], i);
        v->lost_updates += verdicts[i] == VERDICT_LOST;
        v->unknown_committed += verdicts[i] == VERDICT_UNKNOWN_COMMITTED;
        v->unknown_lost += verdicts[i] == VERDICT_UNKNOWN_LOST;
    }
    sqlite3_close(db);
}
