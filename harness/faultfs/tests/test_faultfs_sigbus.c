/*
 * test_faultfs_sigbus.c: the two SIGBUS models kill a process reading a WAL
 * database with a real SIGBUS, raised by the kernel on SQLite's own access
 * to its WAL-index; the same scenario on a DELETE-journal database, which
 * maps no -shm file, runs to completion.
 *
 * The readers run in forked children (the signal must not kill the test),
 * each waited for with a timeout and killed after it. A child resets SIGBUS
 * to its default action first, so that a sanitizer's handler, inherited
 * from the test program, cannot turn the signal into an exit code.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"

#define CHILD_TIMEOUT_S 30.0

/* The database every scenario starts from, made with the plain unix VFS. */
static void make_database(const char *journal_mode)
{
    sqlite3 *db;
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=%s; CREATE TABLE t(x);"
             "INSERT INTO t VALUES(1);",
             journal_mode);
    assert_int_equal(db_open(test_dir.db, "unix", &db), SQLITE_OK);
    assert_int_equal(db_exec(db, sql), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The kernel's default action for SIGBUS: terminate with the signal. */
static void default_sigbus(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigaction(SIGBUS, &action, NULL);
}

/* Child exit codes: 0 success, others name the step that failed. */
enum {
    CHILD_OK,
    CHILD_SETUP,
    CHILD_WRITE,
    CHILD_READ,
    CHILD_PIPE,
    CHILD_REREAD,
    CHILD_UNEXPECTED
};

/* Read the table through a connection; an SQLite result code. */
static int read_table(sqlite3 *db)
{
    char count[32];
    return db_query_text(db, "SELECT count(*) FROM t", count, sizeof count);
}

/* ---------------------------------------------- model (a): unbacked map */

/* A job whose second connection maps the WAL-index while the shm_map
 * fault fires: the region loses its backing and the read faults. */
static int unbacked_reader(void *arg)
{
    sqlite3 *first, *second;
    (void)arg;
    default_sigbus();
    if (install("none,shm_map.effect=unback") != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &first) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    if (db_exec(first, "INSERT INTO t VALUES(2)") != SQLITE_OK) {
        return CHILD_WRITE;
    }
    if (install("none,shm_map.effect=unback,shm_map.p=1") != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &second) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    int rc = read_table(second);
    sqlite3_close(second);
    sqlite3_close(first);
    faultfs_unregister();
    return rc == SQLITE_OK ? CHILD_OK : CHILD_READ;
}

static int run_unbacked_scenario(const char *journal_mode)
{
    bool timed_out;
    make_database(journal_mode);
    int status = run_child(unbacked_reader, NULL, CHILD_TIMEOUT_S, &timed_out);
    assert_false(timed_out);
    return status;
}

static void test_model_a_unbacked_wal_index_kills_reader_with_sigbus(
    void **state)
{
    (void)state;
    int status = run_unbacked_scenario("wal");
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGBUS);
}

static void test_model_a_same_scenario_in_delete_mode_survives(void **state)
{
    (void)state;
    int status = run_unbacked_scenario("delete");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

/* ------------------------------------------------ model (b): two nodes */

typedef struct two_nodes {
    int ready[2];         /* node 0 -> test: WAL-index mapped */
    int go[2];            /* test -> node 0: read again */
    unsigned second_node; /* where the second job runs */
} two_nodes;

/* Node 0: write (the WAL-index now indexes frames), read, wait, read. */
static int node0_job(void *arg)
{
    two_nodes *t = arg;
    sqlite3 *db;
    char c = 'r';
    default_sigbus();
    close(t->ready[0]);
    close(t->go[1]);
    if (install("none,node=0") != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    if (db_exec(db, "INSERT INTO t VALUES(2)") != SQLITE_OK) {
        return CHILD_WRITE;
    }
    if (read_table(db) != SQLITE_OK) {
        return CHILD_READ;
    }
    if (write(t->ready[1], &c, 1) != 1 || read(t->go[0], &c, 1) != 1) {
        return CHILD_PIPE;
    }
    int rc = read_table(db);
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? CHILD_OK : CHILD_REREAD;
}

/*
 * The second job, on node 1: a job starting on another node. Its -shm locks
 * do not see node 0's, so the unix VFS finds the dead-man switch free,
 * takes it and truncates the -shm file as the first connection must. The
 * model keeps the file short for the truncate latency (5 s here, so that
 * the test can read node 0's WAL-index inside the window, even on a
 * loaded machine or under valgrind), then extends it.
 */
#define RESET_WINDOW "5s"

static int second_job(void *arg)
{
    const two_nodes *t = arg;
    sqlite3 *db;
    char config[600];
    snprintf(config, sizeof config,
             "none,node=%u,truncate.latency=" RESET_WINDOW ",log=%s.events",
             t->second_node, test_dir.db);
    if (install(config) != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    int rc = read_table(db);
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? CHILD_OK : CHILD_UNEXPECTED;
}

/* Wait until fd is readable, at most timeout_s. */
static bool readable_within(int fd, double timeout_s)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, (int)(timeout_s * 1000)) == 1;
}

/* The size of the -shm file, -1 if there is none. */
static long shm_size(void)
{
    char shm[400];
    struct stat st;
    snprintf(shm, sizeof shm, "%s-shm", test_dir.db);
    return stat(shm, &st) == 0 ? (long)st.st_size : -1;
}

/* Poll the -shm file until it is 3 bytes long, at most timeout_s. */
static bool shm_truncated_within(double timeout_s)
{
    for (int i = 0; i < (int)(timeout_s * 1000); i++) {
        if (shm_size() == 3) {
            return true;
        }
        usleep(1000);
    }
    return false;
}

/* Run node 0's job, then the second job on second_node, then node 0's
 * second read: while the second job's reset window is open
 * (`during_reset`: the test waits to see the file truncated), or after the
 * second job ended. The first job's wait status; the -shm size that node
 * 0's second read met. */
static int run_two_node_scenario(const char *journal_mode,
                                 unsigned second_node, bool during_reset,
                                 long *shm_size_met)
{
    two_nodes t = { .second_node = second_node };
    bool timed_out, second_timed_out = false;
    char c = 'g';
    make_database(journal_mode);
    assert_int_equal(pipe(t.ready), 0);
    assert_int_equal(pipe(t.go), 0);
    int node0 = start_child(node0_job, &t);
    assert_true(node0 > 0);
    close(t.ready[1]);
    close(t.go[0]);
    bool ready = readable_within(t.ready[0], CHILD_TIMEOUT_S) &&
                 read(t.ready[0], &c, 1) == 1;
    int second_status = -1, second = -1;
    if (ready && during_reset) {
        second = start_child(second_job, &t);
        assert_true(second > 0);
        assert_true(shm_truncated_within(CHILD_TIMEOUT_S));
    } else if (ready) {
        second_status =
            run_child(second_job, &t, CHILD_TIMEOUT_S, &second_timed_out);
    }
    *shm_size_met = shm_size();
    c = 'g';
    assert_int_equal(write(t.go[1], &c, 1), 1);
    int status = wait_child(node0, CHILD_TIMEOUT_S, &timed_out);
    if (second > 0) {
        second_status = wait_child(second, CHILD_TIMEOUT_S, &second_timed_out);
    }
    close(t.ready[0]);
    close(t.go[1]);
    assert_true(ready);
    assert_false(timed_out);
    assert_false(second_timed_out);
    assert_true(WIFEXITED(second_status));
    assert_int_equal(WEXITSTATUS(second_status), CHILD_OK);
    return status;
}

/* How many lines of the second job's event log record a -shm reset. */
static int logged_resets(void)
{
    return count_events(" class=shm_open kind=shm ",
                        " by=mechanism effect=reset code=0 ");
}

static void test_model_b_other_node_truncates_shm_and_kills_reader(
    void **state)
{
    long size_met;
    (void)state;
    int status = run_two_node_scenario("wal", 1, true, &size_met);
    /* the unix VFS's own first-connection truncation, to 3 bytes, logged
     * as the mechanism behind the SIGBUS */
    assert_int_equal(size_met, 3);
    assert_int_equal(logged_resets(), 1);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGBUS);
}

static void test_model_b_same_scenario_in_delete_mode_survives(void **state)
{
    long size_met;
    (void)state;
    int status = run_two_node_scenario("delete", 1, false, &size_met);
    assert_int_equal(size_met, -1); /* no -shm file at all */
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

static void test_model_b_same_node_shares_shm_safely(void **state)
{
    long size_met;
    (void)state;
    /* control: the second job on node 0 sees node 0's dead-man-switch lock,
     * truncates nothing and reads; so does the first job afterwards */
    int status = run_two_node_scenario("wal", 0, false, &size_met);
    assert_true(size_met >= 32768);
    assert_int_equal(logged_resets(), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

/* A writer on node 1 that keeps its connection open, as a job does
 * between its calls, until told to close. */
static int node1_writer(void *arg)
{
    two_nodes *t = arg;
    sqlite3 *db;
    char c = 'r';
    close(t->ready[0]);
    close(t->go[1]);
    if (install("none,node=1") != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    int rc = db_exec(db, "INSERT INTO t VALUES(3)");
    if (write(t->ready[1], &c, 1) != 1 || read(t->go[0], &c, 1) != 1) {
        return CHILD_PIPE;
    }
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? CHILD_OK : CHILD_WRITE;
}

/* A writer on node 0, while node 1's connection is still open. */
static int node0_writer(void *arg)
{
    sqlite3 *db;
    (void)arg;
    if (install("none,node=0") != SQLITE_OK ||
        db_open(test_dir.db, FAULTFS_VFS_NAME, &db) != SQLITE_OK) {
        return CHILD_SETUP;
    }
    sqlite3_busy_timeout(db, 5000);
    int rc = db_exec(db, "INSERT INTO t VALUES(4)");
    sqlite3_close(db);
    faultfs_unregister();
    return rc == SQLITE_OK ? CHILD_OK : CHILD_WRITE;
}

/* Node-local -shm locks must leave the database's own locks alone: after
 * node 1's write, its connection holds no lock, so node 0 can write. (The
 * unix VFS drops its database locks with one whole-file unlock; moved to
 * node 1's -shm range, it would release nothing.) */
static void test_model_b_database_locks_stay_shared_across_nodes(void **state)
{
    two_nodes t = { 0 };
    bool timed_out;
    char c = 'g';
    (void)state;
    make_database("delete");
    assert_int_equal(pipe(t.ready), 0);
    assert_int_equal(pipe(t.go), 0);
    int node1 = start_child(node1_writer, &t);
    assert_true(node1 > 0);
    close(t.ready[1]);
    close(t.go[0]);
    bool ready = readable_within(t.ready[0], CHILD_TIMEOUT_S) &&
                 read(t.ready[0], &c, 1) == 1;
    int writer =
        ready ? run_child(node0_writer, NULL, CHILD_TIMEOUT_S, &timed_out)
              : -1;
    c = 'g';
    assert_int_equal(write(t.go[1], &c, 1), 1);
    int status = wait_child(node1, CHILD_TIMEOUT_S, &timed_out);
    close(t.ready[0]);
    close(t.go[1]);
    assert_true(ready);
    assert_true(WIFEXITED(writer));
    assert_int_equal(WEXITSTATUS(writer), CHILD_OK);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_model_b_database_locks_stay_shared_across_nodes, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_model_a_unbacked_wal_index_kills_reader_with_sigbus,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_model_a_same_scenario_in_delete_mode_survives, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_model_b_other_node_truncates_shm_and_kills_reader, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_model_b_same_scenario_in_delete_mode_survives, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_model_b_same_node_shares_shm_safely, test_setup,
            test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
