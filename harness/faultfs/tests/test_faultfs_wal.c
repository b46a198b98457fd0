/*
 * test_faultfs_wal.c: a node's stale view of the -wal file's size
 * (wal.stale). A reader on node 0 that learned the -wal's size before a
 * writer on another node appended to it gets SQLITE_IOERR_SHORT_READ from
 * its next read transaction; the same scenario with the writer on node 0,
 * on a DELETE-journal database, with wal.stale=0, or with short reads off
 * (the node then learns the size first) reads every row. And a
 * node that rebuilds the wal-index from a stale size (its first connection
 * after model (b)'s reset) misses another node's commit, then overwrites
 * it.
 *
 * Both jobs run in forked children, as two nodes are two processes. The
 * reader waits on a pipe while the writer runs, so that model (b)'s reset
 * of the -shm (the writer is the first connection of its node) happens
 * while the reader touches nothing, and cannot end it with a SIGBUS.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"

#define CHILD_TIMEOUT_S 30.0
/* Longer than any test runs: the reader's view never expires by itself. */
#define LIFETIME "1h"

/* Child exit codes: how the reader's read ended, or the step that failed. */
enum {
    READ_ALL_ROWS,
    READ_SHORT,
    READ_OTHER_ERROR,
    CHILD_SETUP,
    CHILD_PIPE
};

typedef struct scenario {
    const char *journal;  /* "wal" or "delete" */
    unsigned writer_node; /* 0: the reader's own node */
    const char *stale;    /* wal.stale for both jobs */
    bool short_reads;     /* wal.short_reads for both jobs */
    int ready[2];         /* reader -> test: its view is learned */
    int go[2];            /* test -> reader: read again */
} scenario;

/* Install the none model on a node, with the scenario's wal.stale and the
 * shared event log. */
static int install_node(const scenario *s, unsigned node)
{
    char config[700];
    snprintf(config, sizeof config,
             "none,node=%u,wal.stale=%s,wal.short_reads=%s,log=%s.events",
             node, s->stale, s->short_reads ? "on" : "off", test_dir.db);
    return install(config);
}

/* Node 0: make the database and write to it (which teaches node 0 the
 * -wal's size), then, when told, count its rows. */
static int reader_job(void *arg)
{
    scenario *s = arg;
    sqlite3 *db;
    char sql[128], count[32];
    char c = 'r';
    close(s->ready[0]);
    close(s->go[1]);
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=%s; CREATE TABLE t(x);"
             "INSERT INTO t VALUES(1);",
             s->journal);
    if (install_node(s, 0) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK ||
        db_exec(db, sql) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    if (write(s->ready[1], &c, 1) != 1 || read(s->go[0], &c, 1) != 1) {
        return CHILD_PIPE;
    }
    int rc = db_query_text(db, "SELECT count(*) FROM t", count, sizeof count);
    sqlite3_close(db);
    faultfs_unregister();
    if (rc == SQLITE_IOERR_SHORT_READ) {
        return READ_SHORT;
    }
    return rc == SQLITE_OK && strcmp(count, "201") == 0 ? READ_ALL_ROWS
                                                         : READ_OTHER_ERROR;
}

/* The other job: 200 rows in one commit, enough frames to reach past
 * whatever node 0 learned. */
static int writer_job(void *arg)
{
    scenario *s = arg;
    sqlite3 *db;
    if (install_node(s, s->writer_node) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc = db_exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i+1 FROM n WHERE i<200) "
                         "INSERT INTO t SELECT randomblob(300) FROM n");
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? READ_ALL_ROWS : CHILD_SETUP;
}

/* The short reads the event log holds. */
static int logged_short_reads(void)
{
    return count_events(" class=read kind=wal ",
                        " by=mechanism effect=short_read ");
}

/* Run the two jobs; returns the reader's exit code. */
static int run_scenario(scenario *s)
{
    bool timed_out;
    char c = 'g';
    assert_int_equal(pipe(s->ready), 0);
    assert_int_equal(pipe(s->go), 0);
    int reader = start_child(reader_job, s);
    assert_true(reader > 0);
    close(s->ready[1]);
    close(s->go[0]);
    assert_int_equal(read(s->ready[0], &c, 1), 1);
    int status = run_child(writer_job, s, CHILD_TIMEOUT_S, &timed_out);
    assert_false(timed_out);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), READ_ALL_ROWS);
    assert_int_equal(write(s->go[1], &c, 1), 1);
    status = wait_child(reader, CHILD_TIMEOUT_S, &timed_out);
    close(s->ready[0]);
    close(s->go[1]);
    assert_false(timed_out);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_other_node_append_is_a_short_read(void **state)
{
    (void)state;
    scenario s = { .journal = "wal", .writer_node = 1, .stale = LIFETIME,
                   .short_reads = true };
    assert_int_equal(run_scenario(&s), READ_SHORT);
    assert_true(logged_short_reads() >= 1);
}

static void test_same_node_append_is_seen(void **state)
{
    (void)state;
    scenario s = { .journal = "wal", .writer_node = 0, .stale = LIFETIME,
                   .short_reads = true };
    assert_int_equal(run_scenario(&s), READ_ALL_ROWS);
    assert_int_equal(logged_short_reads(), 0);
}

static void test_delete_journal_has_no_wal_to_misread(void **state)
{
    (void)state;
    scenario s = { .journal = "delete", .writer_node = 1, .stale = LIFETIME,
                   .short_reads = true };
    assert_int_equal(run_scenario(&s), READ_ALL_ROWS);
    assert_int_equal(logged_short_reads(), 0);
}

static void test_current_views_read_everything(void **state)
{
    (void)state;
    scenario s = { .journal = "wal", .writer_node = 1, .stale = "0",
                   .short_reads = true };
    assert_int_equal(run_scenario(&s), READ_ALL_ROWS);
    assert_int_equal(logged_short_reads(), 0);
}

/* wal.short_reads=off (the lustre model's): past its view the node learns
 * the size and reads every row, though its view was stale. */
static void test_read_past_the_view_learns_the_size(void **state)
{
    (void)state;
    scenario s = { .journal = "wal", .writer_node = 1, .stale = LIFETIME,
                   .short_reads = false };
    assert_int_equal(run_scenario(&s), READ_ALL_ROWS);
    assert_int_equal(logged_short_reads(), 0);
}

/* One node alone: it writes, closes (the last connection checkpoints and
 * deletes the -wal), opens again and reads, all within its view's
 * lifetime. The new -wal is smaller than the view: the view is learned
 * afresh, and every row is read. */
static int lone_node_job(void *arg)
{
    scenario *s = arg;
    sqlite3 *db;
    char count[32];
    if (install_node(s, 0) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK ||
        db_exec(db, "PRAGMA journal_mode=wal; CREATE TABLE t(x);"
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 "
                    "FROM n WHERE i<200) INSERT INTO t SELECT "
                    "randomblob(300) FROM n") != SQLITE_OK ||
        sqlite3_close(db) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    int rc = db_query_text(db, "SELECT count(*) FROM t", count, sizeof count);
    sqlite3_close(db);
    faultfs_unregister();
    if (rc == SQLITE_IOERR_SHORT_READ) {
        return READ_SHORT;
    }
    return rc == SQLITE_OK && strcmp(count, "200") == 0 ? READ_ALL_ROWS
                                                         : READ_OTHER_ERROR;
}

static void test_lone_node_reads_a_new_wal(void **state)
{
    (void)state;
    bool timed_out;
    scenario s = { .journal = "wal", .stale = LIFETIME, .short_reads = true };
    int status = run_child(lone_node_job, &s, CHILD_TIMEOUT_S, &timed_out);
    assert_false(timed_out);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), READ_ALL_ROWS);
    assert_int_equal(logged_short_reads(), 0);
}

/* --------------------------------------------- the stale wal-index */

/* Node 0's job in the index scenario: make the database, then do as told
 * ('w': commit the next row; 'c': exit with the rows it sees), holding its
 * connection open throughout, as a job does between calls (so nobody
 * checkpoints the WAL away). */
static int holder_job(void *arg)
{
    scenario *s = arg;
    sqlite3 *db;
    char c = 'r', count[32];
    int next = 2;
    close(s->ready[0]);
    close(s->go[1]);
    if (install_node(s, 0) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK ||
        db_exec(db, "PRAGMA journal_mode=wal; CREATE TABLE t(x);"
                    "INSERT INTO t VALUES(1);") != SQLITE_OK) {
        return CHILD_SETUP;
    }
    for (;;) {
        if (write(s->ready[1], &c, 1) != 1 || read(s->go[0], &c, 1) != 1) {
            return CHILD_PIPE;
        }
        if (c == 'c') {
            break;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES(%d)", next++);
        if (db_exec(db, sql) != SQLITE_OK) {
            return READ_OTHER_ERROR;
        }
    }
    int rc = db_query_text(db, "SELECT count(*) FROM t", count, sizeof count);
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? 100 + atoi(count) : READ_OTHER_ERROR;
}

/* A job on node 1 that counts the rows and, given a row, then commits it;
 * its exit code is 100 + the rows it saw. */
static int visitor_job(void *arg)
{
    const scenario *s = ((void **)arg)[0];
    const char *row = ((void **)arg)[1];
    sqlite3 *db;
    char count[32], sql[64];
    if (install_node(s, 1) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc = db_query_text(db, "SELECT count(*) FROM t", count, sizeof count);
    if (rc == SQLITE_OK && row) {
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES(%s)", row);
        rc = db_exec(db, sql);
    }
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? 100 + atoi(count) : READ_OTHER_ERROR;
}

/* Tell the holder one step and wait until it has taken it. */
static void holder_step(scenario *s, char step)
{
    char c;
    assert_int_equal(write(s->go[1], &step, 1), 1);
    if (step != 'c') {
        assert_int_equal(read(s->ready[0], &c, 1), 1);
    }
}

/* Run a visitor on node 1; returns the rows it saw. */
static int visit(scenario *s, const char *row)
{
    bool timed_out;
    const void *arg[2] = { s, row };
    int status = run_child(visitor_job, (void *)arg, CHILD_TIMEOUT_S,
                           &timed_out);
    assert_false(timed_out);
    assert_true(WIFEXITED(status));
    assert_true(WEXITSTATUS(status) >= 100);
    return WEXITSTATUS(status) - 100;
}

/* Node 1 learns the -wal's size (row 1), node 0 commits row 2, and node 1's
 * next first connection rebuilds the index and commits row 3. Returns the
 * rows node 1 then saw; *final: the rows node 0 sees at the end. */
static int run_index_scenario(scenario *s, int *final)
{
    bool timed_out;
    char c;
    assert_int_equal(pipe(s->ready), 0);
    assert_int_equal(pipe(s->go), 0);
    int holder = start_child(holder_job, s);
    assert_true(holder > 0);
    close(s->ready[1]);
    close(s->go[0]);
    assert_int_equal(read(s->ready[0], &c, 1), 1);
    assert_int_equal(visit(s, NULL), 1);
    holder_step(s, 'w');
    int seen = visit(s, "3");
    holder_step(s, 'c');
    int status = wait_child(holder, CHILD_TIMEOUT_S, &timed_out);
    close(s->ready[0]);
    close(s->go[1]);
    assert_false(timed_out);
    assert_true(WIFEXITED(status));
    assert_true(WEXITSTATUS(status) >= 100);
    *final = WEXITSTATUS(status) - 100;
    return seen;
}

static void test_stale_index_hides_then_overwrites_a_commit(void **state)
{
    (void)state;
    int final;
    scenario s = { .journal = "wal", .stale = LIFETIME };
    /* row 2 is invisible to node 1, and its frames are overwritten by
     * row 3's: rows 1 and 3 remain */
    assert_int_equal(run_index_scenario(&s, &final), 1);
    assert_int_equal(final, 2);
}

static void test_current_index_keeps_every_commit(void **state)
{
    (void)state;
    int final;
    scenario s = { .journal = "wal", .stale = "0" };
    assert_int_equal(run_index_scenario(&s, &final), 2);
    assert_int_equal(final, 3);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, test_setup, test_teardown)
    const struct CMUnitTest tests[] = {
        T(test_other_node_append_is_a_short_read),
        T(test_same_node_append_is_seen),
        T(test_delete_journal_has_no_wal_to_misread),
        T(test_current_views_read_everything),
        T(test_read_past_the_view_learns_the_size),
        T(test_lone_node_reads_a_new_wal),
        T(test_stale_index_hides_then_overwrites_a_commit),
        T(test_current_index_keeps_every_commit),
    };
    return cmocka_run_group_tests_name("faultfs WAL across nodes", tests,
                                       NULL, NULL);
}
