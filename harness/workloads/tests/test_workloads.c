/*
 * test_workloads.c: each workload of another tool, its own code unchanged,
 * run by trackhammer at low counts: nothing lost without faults, an
 * injected fault reaching the tool's own error path and classified by its
 * SQLite code, a loss made during a round seen by the verification, and on
 * a real file system (GlusterFS, coherent clients) what was measured there.
 * A test skips only where the tool's Python package (or, for the real file
 * system, root, FUSE or GlusterFS) is missing, and says which.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testsupport.h"

/* A run of a few jobs of a Python tool on 2 ranks, generous for a shared
 * 2-core machine; a real file system's bring-up and teardown on top. */
#define RUN_TIMEOUT_S 300
/* Quick jobs: half a second of work, little start jitter. */
#define QUICK "-q -W 0.5 -j 0.2 -M 1"
/* The lustre model with every fault drawn at random switched off, and
 * every fsync failing: the one fault the jobs meet is the injected one. */
#define EVERY_FSYNC_FAILS                                                     \
    "lustre,fit=none,storm=off,open.p=0,delete.p=0,access.p=0,sync.p=0,"      \
    "read.p=0,write.p=0,truncate.p=0,lock.p=0,shm_open.p=0,shm_map.p=0,"      \
    "sync.fail=1:forever"

/* What a test needs to know of a workload: a row per workload. */
typedef struct workload_case {
    const char *name;
    const char *module;      /* the Python module it imports */
    const char *package;     /* Debian's package of it */
    const char *last_op;     /* a job's last acknowledged operation */
    const char *fsync_op;    /* where an fsync fault ends a job */
    const char *acked_table; /* a table with a row per acknowledged write */
    const char *delete_one;  /* SQL removing one such row (no quotes: it
                                goes inside a quoted shell command) */
} workload_case;

static const workload_case cases[] = {
    { "optuna", "optuna", "python3-optuna", "trial", "trial", "trial_values",
      "DELETE FROM trial_values WHERE trial_id = (SELECT min(trial_id) FROM "
      "trial_values)" },
    { "ipython", "IPython.core.history", "python3-ipython", "end_session",
      "open", "history",
      "DELETE FROM history WHERE rowid = (SELECT min(rowid) FROM history)" },
};

/* A test's state: its scratch directory, its workload, the Python that
 * imports the workload's module. */
typedef struct test_state {
    char *dir;
    const workload_case *workload;
    char python[256];
} test_state;

/* The first Python (python3 on PATH, then Debian's) that imports module
 * and whose sqlite3 can load the fault model (an extension), into python;
 * false when none does. */
static bool python_with(const char *module, char *python, size_t size)
{
    static const char *const candidates[] = { "python3", "/usr/bin/python3" };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        char *check = NULL;
        if (asprintf(&check,
                     "%s -c 'import %s, sqlite3; sqlite3.connect(\":memory:\")"
                     ".enable_load_extension(True)' >/dev/null 2>&1",
                     candidates[i], module) < 0)
            return false;
        int status = system(check);
        free(check);
        if (status == 0) {
            snprintf(python, size, "%s", candidates[i]);
            return true;
        }
    }
    return false;
}

static int setup(void **state)
{
    mpi_test_environment(LSAN_SUPPRESSIONS);
    test_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->workload = *state;
    s->dir = scratch_dir_make("workloads");
    if (s->dir == NULL) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    test_state *s = *state;
    scratch_dir_remove(s->dir);
    free(s->dir);
    free(s);
    return 0;
}

/* Skip, saying why, unless a Python here imports the workload's tool. */
#define SKIP_UNLESS_TOOL(s)                                                   \
    do {                                                                      \
        if (!python_with((s)->workload->module, (s)->python,                  \
                         sizeof(s)->python)) {                                \
            fprintf(stderr,                                                   \
                    "skipped: no Python here imports %s: "                    \
                    "apt-get install %s\n",                                   \
                    (s)->workload->module, (s)->workload->package);           \
            skip();                                                           \
        }                                                                     \
    } while (0)

/* trackhammer with the workload on 2 ranks in a fresh db directory, its
 * results under dir/out; its exit status. */
static int hammer(const test_state *s, const char *args)
{
    return command_run(
        s->dir, RUN_TIMEOUT_S, NULL,
        "rm -rf db out && mkdir db && mpirun --oversubscribe "
        "-np 2 '%s' -d db -o out --workload %s --python %s " QUICK
        " %s 2>stderr",
        TRACKHAMMER_BIN, s->workload->name, s->python, args);
}

/* results_query of a query ending in "= 'OP'" for one of the workload's
 * operations. */
static long long query_op(const char *results, const char *file,
                          const char *sql_before, const char *op)
{
    char *sql = NULL;
    assert_true(asprintf(&sql, "%s = '%s'", sql_before, op) > 0);
    long long value = results_query(results, file, sql);
    free(sql);
    return value;
}

/* Every one of `jobs` jobs ended ok with its last write acknowledged,
 * nothing acknowledged was lost and integrity_check passed each round. */
static void assert_nothing_lost(const test_state *s, const char *results,
                                long long jobs)
{
    assert_int_equal(
        results_query(results, "jobs.csv", "SELECT count(*) FROM t"), jobs);
    assert_int_equal(query_op(results, "jobs.csv",
                              "SELECT count(*) FROM t WHERE outcome = 'ok' "
                              "AND verdict = 'ok' AND last_ack",
                              s->workload->last_op),
                     jobs);
    assert_int_equal(
        results_query(results, "rounds.csv",
                      "SELECT sum(lost_updates) + sum(integrity != 'ok') "
                      "FROM t"),
        0);
}

/* Without faults, on this machine's own file system, in both journal
 * modes: every job's writes acknowledged and found, the summary naming the
 * workload and the tool's version. */
static void test_nothing_lost_without_faults(void **state)
{
    test_state *s = *state;
    SKIP_UNLESS_TOOL(s);
    assert_int_equal(hammer(s, "-n 3 --writes 4 -p delete-normal,wal-normal"),
                     0);
    char *results = results_run_dir(s->dir);
    assert_nothing_lost(s, results, 6);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/summary.json", results) > 0);
    char *summary = read_whole_file(path);
    assert_non_null(summary);
    char *named = NULL;
    assert_true(asprintf(&named, "\"workload\": \"%s\"", s->workload->name) >
                0);
    assert_non_null(strstr(summary, named));
    assert_non_null(strstr(summary, "on Python 3."));
    /* Another tool's code reproduces no published run: th-report names
     * its configurations after the workload and compares none with the
     * published table. */
    assert_int_equal(
        results_query(results, "rounds.csv",
                      "SELECT count(*) FROM t WHERE published_run != ''"),
        0);
    char *report = NULL;
    assert_int_equal(
        command_run(s->dir, 120, &report, "'%s' '%s'", TH_REPORT_BIN, results),
        0);
    char *label = NULL;
    assert_true(
        asprintf(&label, "| - | %s: delete-normal |", s->workload->name) > 0);
    assert_non_null(strstr(report, label));
    assert_non_null(strstr(report, "prediction only"));
    free(label);
    free(report);
    free(named);
    free(summary);
    free(path);
    free(results);
}

/* Every fsync failing under the model: each job ends in the tool's own
 * error path, classified by the SQLite code beneath the tool's exception
 * (SQLITE_IOERR_FSYNC, class ioerr), at the operation where the tool
 * first commits; the model's log records each injected fault. */
static void test_injected_fsync_fault_is_classified(void **state)
{
    test_state *s = *state;
    SKIP_UNLESS_TOOL(s);
    assert_int_equal(
        hammer(s, "-n 3 --writes 2 -p delete-normal -f " EVERY_FSYNC_FAILS),
        0);
    char *results = results_run_dir(s->dir);
    assert_int_equal(query_op(results, "jobs.csv",
                              "SELECT count(*) FROM t WHERE outcome = "
                              "'failed' AND code_name = 'SQLITE_IOERR_FSYNC' "
                              "AND class = 'ioerr' AND failed_op",
                              s->workload->fsync_op),
                     3);
    char *log = NULL;
    assert_true(asprintf(&log, "%s/faults-round-0.log", results) > 0);
    char *events = read_whole_file(log);
    assert_non_null(events);
    int injected = 0;
    for (char *line = strtok(events, "\n"); line; line = strtok(NULL, "\n"))
        injected += strstr(line, "class=sync ") != NULL &&
                    strstr(line, "name=SQLITE_IOERR_FSYNC") != NULL;
    assert_true(injected >= 3);
    free(events);
    free(log);
    free(results);
}

/* A row of an acknowledged write removed while the round runs (by
 * --during-round, once such a row exists): the verification finds the
 * loss, counts it and names the job. */
static void test_a_loss_is_seen(void **state)
{
    test_state *s = *state;
    SKIP_UNLESS_TOOL(s);
    char *remove_one = NULL;
    assert_true(
        asprintf(&remove_one,
                 "--during-round 'for i in $(seq 600); do n=$(sqlite3 "
                 "-cmd \".timeout 10000\" db/cmor_tasks.db \"SELECT count(*) "
                 "FROM %s\" 2>/dev/null); [ \"${n:-0}\" -gt 0 ] && break; "
                 "sleep 0.1; done; sqlite3 -cmd \".timeout 10000\" "
                 "db/cmor_tasks.db \"%s\"'",
                 s->workload->acked_table, s->workload->delete_one) > 0);
    char *args = NULL;
    assert_true(asprintf(&args, "-n 2 --writes 3 -p delete-normal -W 3 %s",
                         remove_one) > 0);
    assert_int_equal(hammer(s, args), 0);
    char *results = results_run_dir(s->dir);
    assert_int_equal(results_query(results, "rounds.csv",
                                   "SELECT sum(lost_updates) FROM t"),
                     1);
    assert_int_equal(
        results_query(results, "jobs.csv",
                      "SELECT count(*) FROM t WHERE verdict = 'lost'"),
        1);
    free(results);
    free(args);
    free(remove_one);
}

/* Why this machine cannot bring up GlusterFS, or NULL when it can. */
static const char *glusterfs_missing(void)
{
    struct stat st;
    if (geteuid() != 0)
        return "needs root (namespaces and FUSE mounts)";
    if (stat("/dev/fuse", &st) != 0)
        return "no /dev/fuse";
    if (system("command -v glusterd >/dev/null && command -v glusterfs "
               ">/dev/null") != 0)
        return "no GlusterFS: apt-get install glusterfs-server "
               "glusterfs-client";
    return NULL;
}

/* Measured: on GlusterFS with coherent clients, two nodes, DELETE
 * journal, the tool's jobs end ok and nothing they acknowledged is lost,
 * verified through the client no job used. */
static void test_glusterfs_coherent_delete_loses_nothing(void **state)
{
    test_state *s = *state;
    SKIP_UNLESS_TOOL(s);
    const char *why = glusterfs_missing();
    if (why != NULL) {
        fprintf(stderr, "skipped: %s\n", why);
        skip();
    }
    assert_int_equal(
        command_run(
            s->dir, RUN_TIMEOUT_S, NULL,
            "'%s' --fs glusterfs --preset coherent --nodes 2 "
            "--run-dir run --output out -- --workload %s --python %s " QUICK
            " -n 4 --writes 3 -p delete-normal 2>stderr",
            TH_REALFS_BIN, s->workload->name, s->python),
        0);
    char *results = results_run_dir(s->dir);
    assert_nothing_lost(s, results, 4);
    free(results);
}

/* Whether the stderr a command left in dir says `text`. */
static bool stderr_says(const char *dir, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/stderr", dir) > 0);
    char *said = read_whole_file(path);
    assert_non_null(said);
    bool says = strstr(said, text) != NULL;
    free(said);
    free(path);
    return says;
}

/* The workloads trackhammer lists, and the refusals around them. */
static void test_workloads_listed_and_refused(void **state)
{
    test_state *s = *state;
    char *out = NULL;
    assert_int_equal(command_run(s->dir, 60, &out, "'%s' --list-workloads",
                                 TRACKHAMMER_BIN),
                     0);
    assert_non_null(strstr(out, "tracker    (built in)"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_non_null(strstr(out, cases[i].module));
    assert_non_null(strstr(out, "upstream   access_moppy.tracking"));
    free(out);
    /* A Python that cannot import the tool: refused, saying how to get it,
     * before anything is made. */
    assert_int_equal(command_run(s->dir, 60, NULL,
                                 "mkdir -p db && '%s' -q -d db -o out -n 1 "
                                 "--workload optuna --python "
                                 "/nonexistent/python 2>stderr",
                                 TRACKHAMMER_BIN),
                     2);
    assert_true(stderr_says(s->dir, "needs the Python module optuna, which"));
    assert_true(stderr_says(s->dir, "apt-get install python3-optuna"));
    struct stat st;
    char *path = NULL;
    assert_true(asprintf(&path, "%s/out", s->dir) > 0);
    assert_int_not_equal(stat(path, &st), 0);
    free(path);
}

/* The upstream tracker: run where a Python imports it, its jobs held to
 * the tracker's verification; elsewhere refused with the reason. */
static void test_upstream_tracker(void **state)
{
    test_state *s = *state;
    char python[256];
    if (!python_with("access_moppy.tracking", python, sizeof python)) {
        assert_int_equal(command_run(s->dir, 60, NULL,
                                     "mkdir -p db && '%s' -q -d db -o out "
                                     "-n 1 --workload upstream 2>stderr",
                                     TRACKHAMMER_BIN),
                         2);
        assert_true(stderr_says(s->dir, "access_moppy.tracking"));
        fprintf(stderr, "skipped: no Python here imports "
                        "access_moppy.tracking (pip install access-moppy); "
                        "its refusal checked\n");
        skip();
    }
    snprintf(s->python, sizeof s->python, "%s", python);
    static const workload_case upstream = { .name = "upstream",
                                            .last_op = "mark_completed" };
    s->workload = &upstream;
    assert_int_equal(hammer(s, "-n 3 -p upstream"), 0);
    char *results = results_run_dir(s->dir);
    assert_nothing_lost(s, results, 3);
    free(results);
}

/* A test of one workload, named after both. */
#define WORKLOAD_TEST(label, test, i)                                         \
    {                                                                         \
        label ": " #test, test, setup, teardown, (void *)&cases[i]            \
    }
#define WORKLOAD_TESTS(label, i)                                              \
    WORKLOAD_TEST(label, test_nothing_lost_without_faults, i),                \
        WORKLOAD_TEST(label, test_injected_fsync_fault_is_classified, i),     \
        WORKLOAD_TEST(label, test_a_loss_is_seen, i),                         \
        WORKLOAD_TEST(label, test_glusterfs_coherent_delete_loses_nothing, i)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(
            test_workloads_listed_and_refused, setup, teardown,
            (void *)&cases[0]),
        WORKLOAD_TESTS("optuna", 0),
        WORKLOAD_TESTS("ipython", 1),
        cmocka_unit_test_prestate_setup_teardown(test_upstream_tracker, setup,
                                                 teardown, (void *)&cases[0]),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
