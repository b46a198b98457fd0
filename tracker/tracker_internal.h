/*
 * tracker_internal.h: what the files of tracker/ share and nobody else sees.
 */
#ifndef TRACKER_INTERNAL_H
#define TRACKER_INTERNAL_H

#include "tracker.h"

#include <sqlite3.h>

/*
 * Every SQL statement the tracker prepares, the one place to edit one:
 *   X(ID, SQL)   gives STMT_<ID>, an index into tracker.statements
 * An operation's own statement has the operation's ID (TRACKER_OPERATIONS
 * in tracker.h). The statements are upstream's, so the same pages, locks
 * and journal writes happen here as there. Parameters are ?1 = variable,
 * ?2 = experiment_id, ?3 = the value being set, except list_unfinished and
 * the monitor queue's experiment-wide statements, where ?1 = experiment_id.
 */
#define SQL_WHERE_TASK " WHERE variable=?1 AND experiment_id=?2"
/* A JSON column read back only if it still holds a JSON object; CASE, not
 * AND, so json_type never sees malformed text. */
#define SQL_JSON_OBJECT_OR_NULL(col)                                          \
    "SELECT CASE WHEN json_valid(" col ") THEN CASE WHEN json_type(" col      \
    ")='object' THEN " col " END END FROM cmor_tasks" SQL_WHERE_TASK

#define TRACKER_STATEMENTS(X)                                                 \
    X(BEGIN, "BEGIN")                                                         \
    X(COMMIT, "COMMIT")                                                       \
    X(ROLLBACK, "ROLLBACK")                                                   \
    X(ADD_TASK, "INSERT OR IGNORE INTO cmor_tasks (variable, experiment_id) " \
                "VALUES (?1, ?2)")                                            \
    X(MARK_RUNNING,                                                           \
      "UPDATE cmor_tasks SET status='running', start_time=datetime('now'), "  \
      "end_time=NULL, error_message=NULL, worker_memory_json=NULL, "          \
      "output_summary_json=NULL" SQL_WHERE_TASK)                              \
    X(MARK_COMPLETED,                                                         \
      "UPDATE cmor_tasks SET status='completed', end_time=datetime('now'), "  \
      "error_message=NULL" SQL_WHERE_TASK)                                    \
    X(MARK_FAILED,                                                            \
      "UPDATE cmor_tasks SET status='failed', end_time=datetime('now'), "     \
      "error_message=?3" SQL_WHERE_TASK)                                      \
    X(GET_STATUS, "SELECT status FROM cmor_tasks" SQL_WHERE_TASK)             \
    X(RESET_TO_PENDING,                                                       \
      "UPDATE cmor_tasks SET status='pending', start_time=NULL, "             \
      "end_time=NULL, error_message=NULL, pbs_job_id=NULL, "                  \
      "pbs_info_json=NULL" SQL_WHERE_TASK)                                    \
    X(SET_PBS_JOB_ID, "UPDATE cmor_tasks SET pbs_job_id=?3, "                 \
                      "pbs_info_json=NULL" SQL_WHERE_TASK)                    \
    X(GET_PBS_JOB_ID, "SELECT pbs_job_id FROM cmor_tasks" SQL_WHERE_TASK)     \
    X(SET_PBS_INFO, "UPDATE cmor_tasks SET pbs_info_json=?3" SQL_WHERE_TASK)  \
    X(GET_PBS_INFO, SQL_JSON_OBJECT_OR_NULL("pbs_info_json"))                 \
    X(SET_WORKER_MEMORY,                                                      \
      "UPDATE cmor_tasks SET worker_memory_json=?3" SQL_WHERE_TASK)           \
    X(GET_WORKER_MEMORY, SQL_JSON_OBJECT_OR_NULL("worker_memory_json"))       \
    X(SET_OUTPUT_SUMMARY,                                                     \
      "UPDATE cmor_tasks SET output_summary_json=?3" SQL_WHERE_TASK)          \
    X(GET_OUTPUT_SUMMARY, SQL_JSON_OBJECT_OR_NULL("output_summary_json"))     \
    X(LIST_UNFINISHED,                                                        \
      "SELECT variable, status, pbs_job_id FROM cmor_tasks "                  \
      "WHERE experiment_id=?1 AND status NOT IN ('completed','failed')")      \
    X(ENQUEUE_MONITOR_REQUEST,                                                \
      "INSERT OR IGNORE INTO monitor_requests (variable, experiment_id) "     \
      "VALUES (?1, ?2)")                                                      \
    X(SELECT_MONITOR_REQUESTS,                                                \
      "SELECT variable FROM monitor_requests WHERE experiment_id=?1 "         \
      "ORDER BY requested_at, variable")                                      \
    X(DELETE_MONITOR_REQUESTS,                                                \
      "DELETE FROM monitor_requests WHERE experiment_id=?1")

typedef enum statement_id {
#define STATEMENT_ENUM(id, sql) STMT_##id,
    TRACKER_STATEMENTS(STATEMENT_ENUM)
#undef STATEMENT_ENUM
        STMT_COUNT
} statement_id;

struct tracker {
    char *path;
    char *vfs_name;          /* copy of options.vfs, or NULL */
    sqlite3 *db;             /* NULL once closed or between reconnects */
    bool closed;             /* tracker_close was called */
    bool reconnect_pending;  /* a corrupt result asked for a new connection */
    unsigned failed_scope;   /* an attempt's failure outside its call's scope */
    tracker_options options; /* a copy; options.profile is the profile */
    uint64_t random_state;   /* built-in jitter generator */
    sqlite3_stmt *statements[STMT_COUNT];
    char attempt_message[512]; /* SQLite's message for the failed attempt */
    tracker_error last_error;
    tracker_stats stats;
};

/* What one attempt of a call does; returns an SQLite result code. */
typedef int (*attempt_fn)(tracker *t, void *ctx);

/* retry.c: run `attempt` under the profile's retry policy when the
 * operation's scope (TRACKER_OPERATIONS) is in the profile's retry scope,
 * once otherwise; keeps statistics and the last error. */
int tracker_call(tracker *t, tracker_op op, attempt_fn attempt, void *ctx);
/* Record a failure found before any SQLite call (bad arguments). */
int tracker_reject(tracker *t, tracker_op op, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* tracker.c: the checks every call makes before touching the database;
 * each records the rejection as the call's error. */
int tracker_check_experiment(tracker *t, tracker_op op,
                             const char *experiment);
int tracker_check_task(tracker *t, tracker_op op, const char *variable,
                       const char *experiment);
/* `has_place`: the caller gave somewhere to put the result. */
int tracker_check_result(tracker *t, tracker_op op, bool has_place);

/* connection.c */
/* One attempt at the open sequence: connect if not connected, then the
 * profile's pragmas and the schema. An attempt_fn (ctx unused). */
int tracker_connect(tracker *t, void *ctx);
void tracker_disconnect(tracker *t); /* finalize statements, close */

/* statements.c */
int tracker_statement_get(tracker *t, statement_id id, sqlite3_stmt **out);
/* Bind NULL-or-text parameters 1..n. */
int tracker_statement_bind_texts(tracker *t, sqlite3_stmt *stmt, int n,
                                 const char *const *texts);
/* Step to completion discarding rows. */
int tracker_statement_run(tracker *t, statement_id id, int n,
                          const char *const *texts);
/* Note SQLite's message for a failed attempt, roll back any open
 * transaction (as Python's `with connection:` does) and pass rc up. */
int tracker_statement_fail(tracker *t, int rc);
/* BEGIN; statement; COMMIT, rolled back on failure. */
int tracker_statement_write(tracker *t, statement_id id, int n,
                            const char *const *texts);

/* A whole write call: tracker_statement_write under the retry policy for
 * writes. */
int tracker_write(tracker *t, tracker_op op, statement_id id, int n,
                  const char *const *texts);

/* json.c: canonical text of a JSON object (compact, keys sorted at every
 * level) into *out (sqlite3_malloc'd), or SQLITE_MISUSE if not an object. */
int tracker_json_canonical_object(tracker *t, const char *text, char **out);

/* stats.c */
void tracker_stats_record_latency(tracker_op_stats *s, double seconds);
double tracker_monotonic_seconds(void);

/* errors.c */
void tracker_error_set(tracker_error *e, tracker_op op, int code, int attempts,
                       const char *message);

#endif /* TRACKER_INTERNAL_H */
