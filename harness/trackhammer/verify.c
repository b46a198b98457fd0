/*
 * verify.c: what a round left behind.
 *
 * After every job has ended: which files are left next to the database
 * (looked at before anything opens it, since opening rolls a hot journal
 * back), PRAGMA integrity_check, and every job's last acknowledged write
 * against the row it wrote. The check runs on the plain unix VFS: it is the
 * harness looking, not a job, so no fault is injected into it. A workload
 * with operations of its own is held to its acknowledged writes by its
 * file's verify step instead, which never loads the fault model either.
 */
#include "trackhammer.h"

#include <sqlite3.h>
#include <errno.h>
#include <stdlib.h>
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

/* The first column of sql's first row into out: true; false, with
 * SQLite's message in out, when it gives no row. */
static bool first_row_text(sqlite3 *db, const char *sql, char *out,
                           size_t size)
{
    sqlite3_stmt *stmt = NULL;
    bool answered =
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW;
    const unsigned char *text = answered ? sqlite3_column_text(stmt, 0) : NULL;
    snprintf(out, size, "%s",
             answered ? (text ? (const char *)text : "") : sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return answered;
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

/* Every job's acknowledged writes as the verify step reads them, one per
 * line, "JOB OP ITEM...", in an unnamed temporary file at its start;
 * NULL when it cannot be made. */
static FILE *acknowledged_writes(const job_record *records, int count)
{
    FILE *f = tmpfile();
    for (int i = 0; f && i < count; i++) {
        const char *line = records[i].acked;
        while (*line) {
            size_t n = strcspn(line, "\n");
            fprintf(f, "%d %.*s\n", i, (int)n, line);
            line += n + (line[n] == '\n');
        }
    }
    if (f && (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0)) {
        fclose(f);
        f = NULL;
    }
    return f;
}

/* The verify step's report into the verdicts: "integrity TEXT", then
 * "job I ok" or "job I lost N FIRST" per job. */
static void read_workload_report(char *report, int count, round_verdict *v,
                                 job_verdict *verdicts)
{
    char *save = NULL;
    for (char *line = strtok_r(report, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        int job = -1, lost = 0;
        if (strncmp(line, "integrity ", 10) == 0)
            text_format(v->integrity, sizeof v->integrity, "%s", line + 10);
        else if (sscanf(line, "job %d lost %d", &job, &lost) == 2 &&
                 job >= 0 && job < count && lost > 0) {
            verdicts[job] = VERDICT_LOST;
            v->lost_updates += lost;
        }
    }
}

/* A workload's own verification: its file's verify step, run on the
 * database with every job's acknowledged writes on its stdin. */
static void verify_by_workload(const char *db_path, const options *o,
                               const job_record *records, int count,
                               round_verdict *v, job_verdict *verdicts)
{
    for (int i = 0; i < count; i++)
        if (records[i].acked_overflow) {
            text_format(v->integrity, sizeof v->integrity,
                        "not verified: job %d acknowledged more writes "
                        "than its record holds",
                        i);
            return;
        }
    FILE *acks = acknowledged_writes(records, count);
    char why[256];
    text_format(why, sizeof why, "%s",
                acks ? "out of memory" : strerror(errno));
    size_t report_size = 256 + (size_t)count * 160;
    char *report = malloc(report_size);
    char db_env[TEXT_MAX + 64], jobs_env[64], writes_env[64];
    text_format(db_env, sizeof db_env, "TRACKHAMMER_DB=%s", db_path);
    text_format(jobs_env, sizeof jobs_env, "TRACKHAMMER_JOBS=%d", count);
    text_format(writes_env, sizeof writes_env, "TRACKHAMMER_WRITES=%d",
                o->writes);
    char *argv[] = { "env",
                     db_env,
                     jobs_env,
                     writes_env,
                     (char *)o->python,
                     (char *)o->workload_script,
                     "verify",
                     NULL };
    int status = acks && report
                     ? run_captured(argv, fileno(acks), report, report_size,
                                    why, sizeof why, WORKLOAD_STEP_TIMEOUT_S)
                     : -1;
    if (status == 0 && strncmp(report, "integrity ", 10) == 0)
        read_workload_report(report, count, v, verdicts);
    else
        text_format(v->integrity, sizeof v->integrity,
                    "not verified: the workload's verify step %s%s%s",
                    status == -1 ? "did not run to its end" : "failed",
                    why[0] ? ": " : "", why);
    free(report);
    if (acks)
        fclose(acks);
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
    if (workload_has_own_operations(o->workload)) {
        verify_by_workload(db_path, o, records, count, v, verdicts);
        return;
    }

    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, "unix") !=
        SQLITE_OK) {
        snprintf(v->integrity, sizeof v->integrity, "cannot open: %s",
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, 30000);
    char checked[sizeof v->integrity];
    if (!first_row_text(db, "PRAGMA integrity_check", checked,
                        sizeof checked)) {
        /* The check could not read the database (a WAL database through
         * a client that cannot map its -shm): nothing was verified, and
         * no job's write is counted lost for want of a look. */
        text_format(v->integrity, sizeof v->integrity,
                    "not verified: integrity_check: %s", checked);
        sqlite3_close(db);
        return;
    }
    text_format(v->integrity, sizeof v->integrity, "%s", checked);
    for (int i = 0; i < count; i++) {
        verdicts[i] = check_job(db, o, &records[i], i);
        v->lost_updates += verdicts[i] == VERDICT_LOST;
        v->unknown_committed += verdicts[i] == VERDICT_UNKNOWN_COMMITTED;
        v->unknown_lost += verdicts[i] == VERDICT_UNKNOWN_LOST;
    }
    sqlite3_close(db);
}
