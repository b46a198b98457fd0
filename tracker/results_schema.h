/*
 * results_schema.h: the columns of trackhammer's result files, jobs.csv,
 * rounds.csv, faults.csv and ops.csv, and a job's failure class.
 *
 * trackhammer writes the files through these lists (header and values in
 * list order) and th-report reads them through the same lists, checking
 * each header against them. It lives in tracker/ because both build with
 * -Itracker, and its classification is inline because th-report does not
 * link libtracker yet must classify the jobs of runs older than jobs.csv's
 * class column exactly as trackhammer does.
 *
 * Each list is X(name, type, meaning); type 'i' integer, 'r' real, 't'
 * text, 'h' the latency histogram (text: TRACKER_LATENCY_BUCKETS counts
 * separated by single spaces).
 */
#ifndef RESULTS_SCHEMA_H
#define RESULTS_SCHEMA_H

#include "tracker.h"

#include <signal.h>
#include <sqlite3.h>
#include <string.h>

typedef struct results_column {
    const char *name;
    char type;
    const char *meaning;
} results_column;

/* X(...) as an element of a results_column array. */
#define RESULTS_COLUMN_ENTRY(name, type, meaning) { #name, type, meaning },

/* The columns every file starts with: which round of which profile. */
#define RESULTS_ROUND_KEY_COLUMNS(X)                                          \
    X(round, 'i', "the round's number in the run, from 0")                    \
    X(repeat, 'i', "the profile's repeat, from 0")                            \
    X(profile, 't', "the tracker profile's name")

/* Retries by the class of the failed attempt, in jobs.csv and ops.csv. */
#define RESULTS_RETRY_COLUMNS(X)                                              \
    X(retries_locked, 'i', "retries after \"database is locked\"")            \
    X(retries_ioerr, 'i', "retries after an I/O error")                       \
    X(retries_corrupt, 'i', "retries after \"malformed\"")

/* jobs.csv: a row per job per round, what its record says, then its
 * failure class (added after the rest). */
#define RESULTS_JOBS_COLUMNS(X)                                               \
    RESULTS_JOBS_RECORD_COLUMNS(X)                                            \
    X(class, 't',                                                             \
      "failure class: ioerr, sigbus, locked, malformed, "                     \
      "other, empty for ok or skipped")

/* What a job's record says: jobs.csv's columns but class. */
#define RESULTS_JOBS_RECORD_COLUMNS(X)                                        \
    RESULTS_ROUND_KEY_COLUMNS(X)                                              \
    X(job, 'i', "the job's number in the round, from 0")                      \
    X(variable, 't', "the task the job processed")                            \
    X(outcome, 't', "pending, ok, skipped, failed, crashed, killed, hung")    \
    X(signal, 'i', "the signal that ended it, 0 none")                        \
    X(failed_op, 't', "the tracker call that failed, empty none")             \
    X(code, 'i', "the failing call's extended result code")                   \
    X(code_name, 't', "that code's name")                                     \
    X(attempts, 'i', "attempts of the failing call")                          \
    X(message, 't', "the failing call's message")                             \
    X(db_time_s, 'r', "seconds inside tracker calls")                         \
    X(wall_s, 'r', "seconds from start to end")                               \
    X(last_ack, 't', "the last write the tracker acknowledged")               \
    X(in_flight, 't', "the call in progress when the job ended")              \
    X(unknown_op, 't', "a write whose outcome the job never learned")         \
    X(verdict, 't', "what verification found of the job's writes")            \
    RESULTS_RETRY_COLUMNS(X)                                                  \
    X(faults_injected, 'i', "faults the model injected into the job")

/* rounds.csv: a row per round, its set-up's outcome last but two. */
#define RESULTS_ROUNDS_COLUMNS(X)                                             \
    RESULTS_ROUND_KEY_COLUMNS(X)                                              \
    X(published_run, 't', "the published run the profile reproduces")         \
    X(jobs, 'i', "jobs in the round")                                         \
    X(ok, 'i', "jobs by outcome: ok")                                         \
    X(skipped, 'i', "skipped")                                                \
    X(failed, 'i', "failed")                                                  \
    X(crashed, 'i', "crashed")                                                \
    X(killed, 'i', "killed")                                                  \
    X(hung, 'i', "hung")                                                      \
    X(ioerr_jobs, 'i', "jobs of class ioerr")                                 \
    X(sigbus_jobs, 'i', "jobs of class sigbus")                               \
    X(locked_jobs, 'i', "jobs of class locked")                               \
    X(malformed_jobs, 'i', "jobs of class malformed")                         \
    X(other_jobs, 'i', "jobs of class other")                                 \
    X(lost_updates, 'i', "acknowledged writes the database lacks")            \
    X(unknown_committed, 'i', "unacknowledged writes that committed")         \
    X(unknown_lost, 'i', "unacknowledged writes that did not")                \
    X(integrity, 't', "integrity_check: ok or the first problem")             \
    X(hot_journal, 'i', "a -journal left after the round")                    \
    X(wal_left, 'i', "a -wal left")                                           \
    X(shm_left, 'i', "a -shm left")                                           \
    X(db_time_p50_s, 'r', "db time p50 of the jobs that lived to the end")    \
    X(db_time_p99_s, 'r', "and p99")                                          \
    X(wall_s, 'r', "the round's seconds")                                     \
    X(monitor_polls, 'i', "the monitor's polls")                              \
    X(monitor_failed_polls, 'i', "of them failed")                            \
    X(setup, 't', "the set-up: ok or failed (then no job ran)")               \
    X(setup_op, 't', "a failed set-up's call")                                \
    X(setup_code, 'i', "its extended code, 0 none")                           \
    X(setup_code_name, 't', "that code's name")                               \
    X(setup_message, 't', "its message")                                      \
    X(late_starts, 'i', "jobs started late: forks refused, run in waves")     \
    X(during_round, 't', "how --during-round's command ended, empty none")

/* faults.csv: injected faults per class per round. */
#define RESULTS_FAULTS_COLUMNS(X)                                             \
    RESULTS_ROUND_KEY_COLUMNS(X)                                              \
    X(class, 't', "the fault model's class of calls")                         \
    X(calls, 'i', "calls of the class")                                       \
    X(faults, 'i', "faults injected into them")

/* ops.csv: the tracker's statistics per operation per round, summed over
 * the round's jobs; the histogram's bucket b is [2^b, 2^(b+1)) us. */
#define RESULTS_OPS_COLUMNS(X)                                                \
    RESULTS_ROUND_KEY_COLUMNS(X)                                              \
    X(op, 't', "the tracker operation")                                       \
    X(calls, 'i', "calls")                                                    \
    X(attempts, 'i', "attempts")                                              \
    RESULTS_RETRY_COLUMNS(X)                                                  \
    X(failures, 'i', "calls that returned an error")                          \
    X(backoff_s, 'r', "seconds slept between attempts")                       \
    X(latency_total_s, 'r', "seconds inside the calls")                       \
    X(latency_max_s, 'r', "the longest call")                                 \
    X(latency_hist, 'h', "calls per latency bucket")

/* The lists as arrays, for the writer and the reader alike (a file that
 * includes this header and uses none costs nothing: unused static data is
 * dropped, and compilers do not warn of it in a header). */
static const results_column results_jobs_columns[] = { RESULTS_JOBS_COLUMNS(
    RESULTS_COLUMN_ENTRY) };
static const results_column results_rounds_columns[] = {
    RESULTS_ROUNDS_COLUMNS(RESULTS_COLUMN_ENTRY)
};
static const results_column results_faults_columns[] = {
    RESULTS_FAULTS_COLUMNS(RESULTS_COLUMN_ENTRY)
};
static const results_column results_ops_columns[] = { RESULTS_OPS_COLUMNS(
    RESULTS_COLUMN_ENTRY) };

/* How a job ended, as the tables count it: each job that did not end ok
 * or skipped in exactly one class. */
typedef enum results_job_class {
    RESULTS_CLASS_NONE = 0,  /* ok or skipped */
    RESULTS_CLASS_IOERR,     /* the failing call's code is SQLITE_IOERR_* */
    RESULTS_CLASS_SIGBUS,    /* a SIGBUS ended it */
    RESULTS_CLASS_LOCKED,    /* SQLITE_BUSY* or SQLITE_LOCKED* */
    RESULTS_CLASS_MALFORMED, /* SQLITE_CORRUPT* or SQLITE_NOTADB */
    RESULTS_CLASS_OTHER,     /* any other failure, crash, kill or hang */
    RESULTS_CLASS_COUNT
} results_job_class;

/* The class of an extended result code, the one definition behind
 * tracker_classify(). Busy and locked are one class because upstream
 * retried both on the one message "database is locked"; NOTADB counts as
 * corrupt because SQLite reports a damaged header with it. */
static inline tracker_error_class results_code_class(int extended_code)
{
    switch (extended_code & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return TRACKER_CLASS_NONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return TRACKER_CLASS_BUSY;
    case SQLITE_IOERR: return TRACKER_CLASS_IOERR;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return TRACKER_CLASS_CORRUPT;
    default: return TRACKER_CLASS_OTHER;
    }
}

/* A job's class from jobs.csv's outcome, signal and code: SIGBUS the jobs
 * a SIGBUS ended, a failed job by its code's class, and everything else
 * that did not end ok or skipped is other. */
static inline results_job_class results_job_class_of(const char *outcome,
                                                     int signal, int code)
{
    if (strcmp(outcome, "ok") == 0 || strcmp(outcome, "skipped") == 0)
        return RESULTS_CLASS_NONE;
    if (strcmp(outcome, "crashed") == 0 && signal == SIGBUS)
        return RESULTS_CLASS_SIGBUS;
    if (strcmp(outcome, "failed") != 0)
        return RESULTS_CLASS_OTHER;
    switch (results_code_class(code)) {
    case TRACKER_CLASS_IOERR: return RESULTS_CLASS_IOERR;
    case TRACKER_CLASS_BUSY: return RESULTS_CLASS_LOCKED;
    case TRACKER_CLASS_CORRUPT: return RESULTS_CLASS_MALFORMED;
    default: return RESULTS_CLASS_OTHER;
    }
}

/* jobs.csv's class column: the class's name, empty for none. */
static inline const char *results_job_class_name(results_job_class cls)
{
    static const char *const names[RESULTS_CLASS_COUNT] = {
        [RESULTS_CLASS_NONE] = "",
        [RESULTS_CLASS_IOERR] = "ioerr",
        [RESULTS_CLASS_SIGBUS] = "sigbus",
        [RESULTS_CLASS_LOCKED] = "locked",
        [RESULTS_CLASS_MALFORMED] = "malformed",
        [RESULTS_CLASS_OTHER] = "other",
    };
    return (unsigned)cls < RESULTS_CLASS_COUNT ? names[cls] : "";
}

#endif
