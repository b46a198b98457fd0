/*
 * tracker_internal.h: what the files of tracker/ share and nobody else sees.
 */
#ifndef TRACKER_INTERNAL_H
#define TRACKER_INTERNAL_H

#include "tracker.h"

#include <sqlite3.h>

/* Every SQL statement the tracker prepares; index into tracker.statements. */
typedef enum statement_id {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_ADD_TASK,
    STMT_MARK_RUNNING,
    STMT_MARK_COMPLETED,
    STMT_MARK_FAILED,
    STMT_GET_STATUS,
    STMT_RESET_TO_PENDING,
    STMT_SET_PBS_JOB_ID,
    STMT_GET_PBS_JOB_ID,
    STMT_SET_PBS_INFO,
    STMT_GET_PBS_INFO,
    STMT_SET_WORKER_MEMORY,
    STMT_GET_WORKER_MEMORY,
    STMT_SET_OUTPUT_SUMMARY,
    STMT_GET_OUTPUT_SUMMARY,
    STMT_LIST_UNFINISHED,
    STMT_ENQUEUE_MONITOR_REQUEST,
    STMT_SELECT_MONITOR_REQUESTS,
    STMT_DELETE_MONITOR_REQUESTS,
    STMT_COUNT
} statement_id;

struct tracker {
    char *path;
    char *vfs_name;                 /* copy of options.vfs, or NULL */
    sqlite3 *db;                    /* NULL once closed or between reconnects */
    bool closed;                    /* tracker_close was called */
    bool reconnect_pending;         /* a corrupt result asked for a new connection */
    tracker_options options;        /* a copy; options.profile is the profile */
    uint64_t random_state;          /* built-in jitter generator */
    sqlite3_stmt *statements[STMT_COUNT];
    char attempt_message[512];      /* SQLite's message for the failed attempt */
    tracker_error last_error;
    tracker_stats stats;
};

/* What one attempt of a call does; returns an SQLite result code. */
typedef int (*attempt_fn)(tracker *t, void *ctx);

/* retry.c: run `attempt` under the profile's retry policy when `scope` is in
 * the profile's retry scope, once otherwise; keeps statistics and the last
 * error. */
int tracker_call(tracker *t, tracker_op op, unsigned scope, attempt_fn attempt,
                 void *ctx);
/* Record a failure found before any SQLite call (bad arguments). */
int tracker_reject(tracker *t, tracker_op op, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* tracker.c: the checks every call makes before touching the database;
 * each records the rejection as the call's error. */
int tracker_check_experiment(tracker *t, tracker_op op, const char *experiment);
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
