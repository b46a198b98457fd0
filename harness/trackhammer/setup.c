/*
 * setup.c: the batch driver's part of a round: a fresh database with every
 * task and a PBS job id, made in a child process (a crash in SQLite ends
 * the set-up, not the rank) and bounded in time. Shared by the MPI round
 * and the single-job topology's --prepare.
 */
#include "trackhammer.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* The batch driver's part: every task, with a PBS job id. */
static int add_tasks(tracker *t, const options *o)
{
    for (int i = 0; i < o->jobs; i++) {
        char variable[64], job_id[64];
        variable_name(i, variable, sizeof variable);
        snprintf(job_id, sizeof job_id, "%d.gadi-pbs", 100000 + i);
        int rc = tracker_add_task(t, variable, o->experiment);
        if (rc == SQLITE_OK)
            rc = tracker_set_pbs_job_id(t, variable, o->experiment, job_id);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void database_path(const options *o, char *path, size_t size)
{
    text_format(path, size, "%s/" DATABASE_FILE, o->db_dir);
}

/* A failure of SQLite itself (not of a tracker call) as a tracker error of
 * the set-up's open step. */
static int sqlite_failure(sqlite3 *db, int rc, tracker_error *e)
{
    memset(e, 0, sizeof *e);
    e->op = TRACKER_OP_OPEN;
    e->code = db ? sqlite3_extended_errcode(db) : rc;
    if (e->code == SQLITE_OK)
        e->code = rc;
    e->cls = tracker_classify(e->code);
    e->attempts = 1;
    text_format(e->message, sizeof e->message, "%s",
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return e->code;
}

/* The database file made, with trackhammer's application_id in its
 * header (claim.c reads it to know the database is its own); in WAL mode
 * with automatic checkpoints off when `wal`. */
static int create_marked(const char *db_path, bool wal, sqlite3 **db,
                         tracker_error *e)
{
    char sql[128];
    text_format(sql, sizeof sql, "PRAGMA application_id=%d;%s",
                (int)TRACKHAMMER_APPLICATION_ID,
                wal ? " PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0"
                    : "");
    int off = 1;
    int rc = sqlite3_open_v2(
        db_path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix");
    if (rc == SQLITE_OK && wal)
        rc = sqlite3_db_config(*db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &off);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(*db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SQLITE_OK : sqlite_failure(*db, rc, e);
}

/*
 * A fresh database for the round, written on the plain unix VFS: the
 * driver runs before the storm. With --start-from wal the database is left
 * in WAL mode with its content still in the WAL (a second connection that
 * does not checkpoint on close holds it open while the tracker writes), so
 * the round's first opens must migrate it.
 */
static int prepare_here(const options *o, const tracker_profile *profile,
                        const char *db_path, tracker_error *e)
{
    database_remove(db_path);
    sqlite3 *holder = NULL;
    bool wal = o->start == START_WAL;
    tracker_profile driver =
        wal ? *tracker_profile_find("wal-normal") : *profile;
    int rc = create_marked(db_path, wal, &holder, e);
    if (!wal) {
        sqlite3_close(holder);
        holder = NULL;
    }
    tracker_options topt;
    tracker_options_init(&topt, &driver);
    topt.vfs = "unix";
    tracker *t = NULL;
    if (rc == SQLITE_OK)
        rc = tracker_open(db_path, &topt, &t, e);
    if (rc == SQLITE_OK) {
        rc = add_tasks(t, o);
        if (rc != SQLITE_OK)
            *e = *tracker_last_error(t);
    }
    tracker_free(t);
    sqlite3_close(holder);
    return rc;
}

/* The file a workload's own set-up reports through (CONTRACT.md's
 * outcome lines), beside the database. */
static void setup_outcome_path(const options *o, char *path, size_t size)
{
    text_format(path, size, "%s/.outcome-setup", o->db_dir);
}

/*
 * A workload's own set-up (one with operations of its own), in the set-up
 * child: the database made and marked as trackhammer's, in WAL mode when
 * the profile's journal is WAL (it persists in the file; the rest of the
 * profile is the tool's own business), then the workload file's setup
 * step exec'd in this very process, so the set-up's bound holds it.
 * Returns only when it could not be started.
 */
static int exec_workload_setup(const options *o,
                               const tracker_profile *profile,
                               const char *db_path, tracker_error *e)
{
    database_remove(db_path);
    sqlite3 *db = NULL;
    int rc = create_marked(
        db_path, profile->journal_mode == TRACKER_JOURNAL_WAL, &db, e);
    sqlite3_close(db);
    if (rc != SQLITE_OK)
        return rc;
    char jobs[32], writes[32], outcome[TEXT_MAX + 32];
    snprintf(jobs, sizeof jobs, "%d", o->jobs);
    snprintf(writes, sizeof writes, "%d", o->writes);
    setup_outcome_path(o, outcome, sizeof outcome);
    unlink(outcome);
    if (setenv("TRACKHAMMER_DB", db_path, 1) != 0 ||
        setenv("TRACKHAMMER_JOBS", jobs, 1) != 0 ||
        setenv("TRACKHAMMER_WRITES", writes, 1) != 0 ||
        setenv("TRACKHAMMER_JOURNAL",
               tracker_journal_mode_name(profile->journal_mode), 1) != 0 ||
        setenv("TRACKHAMMER_OUTCOME", outcome, 1) != 0)
        return sqlite_failure(NULL, SQLITE_NOMEM, e);
    execlp(o->python, o->python, o->workload_script, "setup", (char *)NULL);
    e->code = SQLITE_ERROR;
    text_format(e->message, sizeof e->message, "cannot run %s: %s", o->python,
                strerror(errno));
    return SQLITE_ERROR;
}

/* How a workload's own set-up ended: SQLITE_OK when its step exited 0,
 * else the failure its outcome line reports (SQLITE_ERROR, and the exit
 * status, when it wrote none). */
static int workload_setup_result(const workload *w, const char *path,
                                 int status, tracker_error *e)
{
    job_record said;
    job_record_init(&said);
    job_read_outcome(path, w, &said);
    if (status == 0)
        return SQLITE_OK;
    e->code = said.failed_op >= 0 ? said.failed_code : SQLITE_ERROR;
    e->cls = tracker_classify(e->code);
    if (said.failed_op >= 0)
        text_format(e->message, sizeof e->message, "%s", said.failed_message);
    else
        text_format(e->message, sizeof e->message,
                    "the workload's set-up exited with status %d and "
                    "reported no failure (its stderr is trackhammer's)",
                    status);
    /* Failed without an SQLite code, it is still the set-up's failure,
     * never the harness's (a negative return would stop the run). */
    return e->code > 0 ? e->code : SQLITE_ERROR;
}

/* What the set-up's child leaves for its parent. */
struct setup_outcome {
    int rc;
    tracker_error error;
};

/* Wait for the set-up child within the bound; its wait status, or -1 when
 * it was killed (hung, or the run interrupted). */
static int wait_setup(pid_t pid)
{
    double give_up = monotonic_now() + SETUP_TIMEOUT_S;
    int status = 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            return status;
        if (got < 0 || stop_relay_poll() || monotonic_now() >= give_up)
            break;
        wait_for_child_exit(give_up - monotonic_now());
    }
    kill_and_reap(pid, &status, REAP_GRACE_S);
    return -1;
}

int database_prepare(const options *o, const tracker_profile *profile,
                     const char *db_path, tracker_error *e)
{
    struct setup_outcome *out = mmap(NULL, sizeof *out, PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(e, 0, sizeof *e);
    e->op = TRACKER_OP_OPEN;
    if (out == MAP_FAILED) {
        text_format(e->message, sizeof e->message, "mmap: %s",
                    strerror(errno));
        return -1;
    }
    out->rc = SQLITE_ERROR;
    out->error = *e;
    bool own = workload_has_own_operations(o->workload);
    pid_t pid = fork_child();
    if (pid == 0 && own)
        _exit((out->rc = exec_workload_setup(o, profile, db_path,
                                             &out->error)) != SQLITE_OK);
    if (pid == 0)
        _exit((out->rc = prepare_here(o, profile, db_path, &out->error)) !=
              SQLITE_OK);
    if (pid < 0) {
        text_format(e->message, sizeof e->message,
                    "fork of the batch "
                    "driver: %s",
                    strerror(errno));
        munmap(out, sizeof *out);
        return -1;
    }
    int status = wait_setup(pid);
    int rc = out->rc;
    *e = out->error;
    if (own) {
        char path[TEXT_MAX + 32];
        setup_outcome_path(o, path, sizeof path);
        if (status != -1 && WIFEXITED(status) && out->rc != SQLITE_OK &&
            e->message[0] == '\0')
            rc = workload_setup_result(o->workload, path, WEXITSTATUS(status),
                                       e);
        /* its report read, or none to read (killed, died): gone either
         * way, as only trackhammer made it */
        unlink(path);
    }
    if (status == -1 || WIFSIGNALED(status)) {
        rc = SQLITE_ERROR;
        e->code = SQLITE_ERROR;
        if (status == -1)
            text_format(e->message, sizeof e->message,
                        "the batch driver "
                        "was killed: %s",
                        stop_relay_poll() ? "the run was "
                                            "interrupted"
                                          : "it did not finish in time");
        else
            text_format(e->message, sizeof e->message,
                        "the batch driver "
                        "died of signal %d (%s)",
                        WTERMSIG(status), strsignal(WTERMSIG(status)));
    }
    munmap(out, sizeof *out);
    return rc;
}
