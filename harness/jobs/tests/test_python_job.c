/*
 * test_python_job.c: harness/jobs/python_job.py keeps the foreign-job
 * contract (harness/jobs/CONTRACT.md). Each test prepares a database with
 * the C tracker, runs the job in a child process with the contract's
 * environment, and checks its exit status, its outcome record and, through
 * the C tracker again, what it left in the database.
 *
 * Run from the repository root (make check does). The interpreter is
 * $TRACKHAMMER_PYTHON if set, else the first of python3 (on PATH) and
 * /usr/bin/python3 whose sqlite3 can load extensions, else the first that
 * runs; the tests skip only when there is no Python 3.11 at all.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsupport.h"

#include <sqlite3.h>

#include "tracker.h"

#ifndef JOBS_FAULTFS_EXT
#error "harness/jobs/jobs.mk defines JOBS_FAULTFS_EXT (the path of faultfs.so)"
#endif

#define JOB_SCRIPT "harness/jobs/python_job.py"
#define VARIABLE "Amon.tas"
#define EXPERIMENT "historical"
/* A bound on one child process, not a measurement: a hung job fails the
 * test instead of hanging it. */
#define CHILD_TIMEOUT_S 120
#define MAX_VARS 32
#define TEXT_MAX 16384

extern char **environ;

/* ------------------------------------------------------------ the python */

static const char *python; /* NULL: no usable Python */
static bool python_loads_extensions;
static char python_tried[512]; /* for the skip message */

/* --------------------------------------------------------- the scratch dir */

static struct fixture {
    char dir[256];
    char db[320];
    char outcome[320];
    char output[320]; /* the job's stdout and stderr */
} fx;

static int fixture_setup(void **state)
{
    (void)state;
    char *dir = scratch_dir_make("test_python_job");
    if (dir == NULL) {
        print_error("cannot make a scratch directory: %s\n", strerror(errno));
        return -1;
    }
    snprintf(fx.dir, sizeof fx.dir, "%s", dir);
    free(dir);
    snprintf(fx.db, sizeof fx.db, "%s/tasks.db", fx.dir);
    snprintf(fx.outcome, sizeof fx.outcome, "%s/outcome", fx.dir);
    snprintf(fx.output, sizeof fx.output, "%s/output", fx.dir);
    return 0;
}

static int fixture_teardown(void **state)
{
    (void)state;
    scratch_dir_remove(fx.dir);
    return 0;
}

/* ------------------------------------------------------- child processes */

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wait for pid at most CHILD_TIMEOUT_S, then SIGKILL it. Returns the wait
 * status; *timed_out says whether it had to be killed. */
static int wait_bounded(pid_t pid, bool *timed_out)
{
    const struct timespec tick = { 0, 10 * 1000 * 1000 };
    double deadline = monotonic_seconds() + CHILD_TIMEOUT_S;
    int status = 0;
    *timed_out = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            fail_msg("waitpid: %s", strerror(errno));
        if (monotonic_seconds() > deadline) {
            *timed_out = true;
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return status;
        }
        nanosleep(&tick, NULL);
    }
}

/* The parent's environment without TRACKHAMMER_* and FAULTFS_*, then
 * `extra` ("NAME=value" strings): the child sees the contract's variables
 * as given and nothing left over from whoever ran the tests. */
static char **child_environment(char *const *extra, int extra_count)
{
    int n = 0;
    while (environ[n])
        n++;
    char **env = calloc((size_t)(n + extra_count + 1), sizeof *env);
    assert_non_null(env);
    int used = 0;
    for (int i = 0; i < n; i++)
        if (strncmp(environ[i], "TRACKHAMMER_", 12) != 0 &&
            strncmp(environ[i], "FAULTFS_", 8) != 0)
            env[used++] = environ[i];
    for (int i = 0; i < extra_count; i++)
        env[used++] = extra[i];
    return env;
}

/*
 * Run argv (PATH searched) with that environment, stdout and stderr to
 * `output` (NULL: /dev/null). Returns the exit code, or -1 if the child
 * could not be started or was killed by a signal.
 */
static int run_command(char *const argv[], char *const *extra, int extra_count,
                       const char *output)
{
    char **env = child_environment(extra, extra_count);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(output ? output : "/dev/null",
                      O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        environ = env;
        execvp(argv[0], argv);
        _exit(127);
    }
    free(env);
    bool timed_out;
    int status = wait_bounded(pid, &timed_out);
    if (timed_out)
        fail_msg("%s %s: still running after %d s, killed", argv[0],
                 argv[1] ? argv[1] : "", CHILD_TIMEOUT_S);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ----------------------------------------------------- finding a python */

/* Exit 0: Python >= 3.11 that can load extensions; 4: one that cannot;
 * anything else: not usable. */
static const char probe_script[] =
    "import sqlite3, sys\n"
    "if sys.version_info < (3, 11): sys.exit(3)\n"
    "sys.exit(0 if hasattr(sqlite3.Connection, 'enable_load_extension') "
    "else 4)\n";

static int probe_python(const char *candidate)
{
    char *argv[] = { (char *)candidate, "-c", (char *)probe_script, NULL };
    return run_command(argv, NULL, 0, NULL);
}

/* Choose the interpreter once for the whole group (see the top). */
static int choose_python(void **state)
{
    (void)state;
    const char *forced = getenv("TRACKHAMMER_PYTHON");
    const char *candidates[] = { forced ? forced : "python3",
                                 forced ? NULL : "/usr/bin/python3" };
    for (size_t i = 0; i < 2 && candidates[i]; i++) {
        int rc = probe_python(candidates[i]);
        size_t used = strlen(python_tried);
        snprintf(python_tried + used, sizeof python_tried - used, "%s%s",
                 used ? ", " : "", candidates[i]);
        if (rc == 0 && !python_loads_extensions) {
            python = candidates[i];
            python_loads_extensions = true;
        } else if (rc == 4 && python == NULL) {
            python = candidates[i];
        }
    }
    if (python)
        print_message("python job under %s (%s)\n", python,
                      python_loads_extensions
                          ? "can load extensions"
                          : "cannot load extensions: fault tests will fail");
    return 0;
}

/* Skip (saying why) without Python; fail without the job script. */
static void require_python(void)
{
    if (python == NULL) {
        print_message("skipped: no Python 3.11 or newer (tried %s)\n",
                      python_tried);
        skip();
    }
    char cwd[512];
    if (access(JOB_SCRIPT, R_OK) != 0)
        fail_msg("%s not found from %s: run the test from the repository "
                 "root (make check does)",
                 JOB_SCRIPT, getcwd(cwd, sizeof cwd) ? cwd : "?");
}

/* The fault tests need the model and a Python that can load it. */
static void require_fault_model(void)
{
    require_python();
    if (!python_loads_extensions)
        fail_msg("%s cannot load SQLite extensions, so the fault model "
                 "cannot be tested: set TRACKHAMMER_PYTHON to one that can "
                 "(Debian's /usr/bin/python3 can)",
                 python);
    if (access(JOBS_FAULTFS_EXT, R_OK) != 0)
        fail_msg("fault model %s is missing: build it with `make %s` "
                 "(harness/faultfs/faultfs.mk)",
                 JOBS_FAULTFS_EXT, JOBS_FAULTFS_EXT);
}

/* -------------------------------------------------- the job's environment */

typedef struct job_env {
    int count;
    char vars[MAX_VARS][600]; /* "NAME=value" */
} job_env;

/* Set NAME to value, replacing an earlier setting; value NULL unsets. */
static void env_set(job_env *e, const char *name, const char *value)
{
    size_t len = strlen(name);
    for (int i = 0; i < e->count; i++) {
        if (strncmp(e->vars[i], name, len) == 0 && e->vars[i][len] == '=') {
            memmove(e->vars[i], e->vars[i + 1],
                    (size_t)(e->count - i - 1) * sizeof e->vars[0]);
            e->count--;
            break;
        }
    }
    if (value == NULL)
        return;
    assert_true(e->count < MAX_VARS);
    int n =
        snprintf(e->vars[e->count], sizeof e->vars[0], "%s=%s", name, value);
    assert_true(n > 0 && (size_t)n < sizeof e->vars[0]);
    e->count++;
}

/* Append `word` to a '+'-joined list in buf when `on`. */
static void add_flag(char *buf, size_t size, bool on, const char *word)
{
    size_t used = strlen(buf);
    if (on)
        snprintf(buf + used, size - used, "%s%s", used ? "+" : "", word);
}

/* "busy+ioerr" from TRACKER_RETRY_* bits, "none" when empty. */
static void format_retry(unsigned bits, char *buf, size_t size)
{
    buf[0] = '\0';
    add_flag(buf, size, bits & TRACKER_RETRY_BUSY, "busy");
    add_flag(buf, size, bits & TRACKER_RETRY_IOERR, "ioerr");
    add_flag(buf, size, bits & TRACKER_RETRY_CORRUPT, "corrupt");
    add_flag(buf, size, bits == 0, "none");
}

/* "writes+reads" from TRACKER_SCOPE_* bits, "none" when empty. */
static void format_scope(unsigned bits, char *buf, size_t size)
{
    buf[0] = '\0';
    add_flag(buf, size, bits & TRACKER_SCOPE_WRITES, "writes");
    add_flag(buf, size, bits & TRACKER_SCOPE_READS, "reads");
    add_flag(buf, size, bits & TRACKER_SCOPE_TAKE_MONITOR, "take_monitor");
    add_flag(buf, size, bits & TRACKER_SCOPE_OPEN, "open");
    add_flag(buf, size, bits & TRACKER_SCOPE_CONNECT, "connect");
    add_flag(buf, size, bits == 0, "none");
}

/* The contract's environment for one job under the profile's knobs, with
 * no sleeping (time scale 0) and no fault model. */
static void job_env_init(job_env *e, const tracker_profile *p)
{
    char text[64];
    e->count = 0;
    env_set(e, "TRACKHAMMER_DB", fx.db);
    env_set(e, "TRACKHAMMER_VARIABLE", VARIABLE);
    env_set(e, "TRACKHAMMER_EXPERIMENT", EXPERIMENT);
    env_set(e, "TRACKHAMMER_JOB_INDEX", "0");
    env_set(e, "TRACKHAMMER_PROFILE", p->name);
    env_set(e, "TRACKHAMMER_JOURNAL",
            tracker_journal_mode_name(p->journal_mode));
    env_set(e, "TRACKHAMMER_SYNC", tracker_sync_mode_name(p->synchronous));
    snprintf(text, sizeof text, "%d", p->busy_timeout_ms);
    env_set(e, "TRACKHAMMER_BUSY_TIMEOUT_MS", text);
    env_set(e, "TRACKHAMMER_CHECKPOINT",
            p->checkpoint_before_switch ? "yes" : "no");
    format_retry(p->retry_errors, text, sizeof text);
    env_set(e, "TRACKHAMMER_RETRY", text);
    format_scope(p->retry_scope, text, sizeof text);
    env_set(e, "TRACKHAMMER_SCOPE", text);
    snprintf(text, sizeof text, "%d", p->max_attempts);
    env_set(e, "TRACKHAMMER_ATTEMPTS", text);
    snprintf(text, sizeof text, "%g", p->backoff_base_s);
    env_set(e, "TRACKHAMMER_BACKOFF", text);
    snprintf(text, sizeof text, "%g", p->jitter_s);
    env_set(e, "TRACKHAMMER_JITTER", text);
    env_set(e, "TRACKHAMMER_TIME_SCALE", "0");
    env_set(e, "TRACKHAMMER_WORK_SECONDS", "60");
    env_set(e, "TRACKHAMMER_SEED", "42");
    env_set(e, "TRACKHAMMER_OUTCOME", fx.outcome);
}

/* Put the job under the fault model with this FAULTFS_CONFIG. */
static void job_env_fault(job_env *e, const char *config)
{
    env_set(e, "TRACKHAMMER_FAULTFS_EXT", JOBS_FAULTFS_EXT);
    env_set(e, "FAULTFS_CONFIG", config);
}

/* ------------------------------------------------------- running the job */

typedef struct job_result {
    int exit_code;          /* -1: killed by a signal */
    char outcome[TEXT_MAX]; /* "" if the file was never written */
    char output[TEXT_MAX];
} job_result;

/* The whole file into buf ("" if it does not exist). */
static void read_text(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run the job with `extra_arg` (NULL: none) under the environment. */
static void run_job(const job_env *e, const char *extra_arg, job_result *r)
{
    char *argv[] = { (char *)python, JOB_SCRIPT, (char *)extra_arg, NULL };
    char *vars[MAX_VARS];
    for (int i = 0; i < e->count; i++)
        vars[i] = (char *)e->vars[i];
    r->exit_code = run_command(argv, vars, e->count, fx.output);
    read_text(fx.outcome, r->outcome, sizeof r->outcome);
    read_text(fx.output, r->output, sizeof r->output);
}

/* Fail, showing the job's record and output, unless it exited `expected`. */
static void assert_exit(const job_result *r, int expected)
{
    if (r->exit_code != expected)
        fail_msg("job exited %d, expected %d\n--- outcome:\n%s--- output:\n%s",
                 r->exit_code, expected, r->outcome, r->output);
}

/* Does `text` hold a line starting with `prefix` (the whole line if
 * `whole`)? */
static bool has_line(const char *text, const char *prefix, bool whole)
{
    size_t len = strlen(prefix);
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t line_len = end ? (size_t)(end - line) : strlen(line);
        if (line_len >= len && strncmp(line, prefix, len) == 0 &&
            (!whole || line_len == len))
            return true;
        line += line_len + (end ? 1 : 0);
    }
    return false;
}

static void assert_line(const job_result *r, const char *prefix, bool whole)
{
    if (!has_line(r->outcome, prefix, whole))
        fail_msg("no line %s'%s' in the outcome record:\n%s",
                 whole ? "" : "starting ", prefix, r->outcome);
}

/* The record's last line must be the status line `expected`. */
static void assert_status_line(const job_result *r, const char *expected)
{
    size_t len = strlen(r->outcome);
    assert_true(len > 0 && r->outcome[len - 1] == '\n');
    const char *last = r->outcome + len - 1;
    while (last > r->outcome && last[-1] != '\n')
        last--;
    if (strncmp(last, expected, strlen(expected)) != 0 ||
        last[strlen(expected)] != '\n')
        fail_msg("last line is not '%s':\n%s", expected, r->outcome);
}

/* ------------------------------------------------------- the C tracker */

static const tracker_profile *profile(const char *name)
{
    const tracker_profile *p = tracker_profile_find(name);
    assert_non_null(p);
    return p;
}

static tracker *open_db(const tracker_profile *p)
{
    tracker_options o;
    tracker_options_init(&o, p);
    tracker *t = NULL;
    tracker_error err;
    int rc = tracker_open(fx.db, &o, &t, &err);
    if (rc != SQLITE_OK) {
        char msg[700];
        tracker_error_format(&err, msg, sizeof msg);
        fail_msg("tracker_open %s: %s", fx.db, msg);
    }
    return t;
}

/* The batch driver's part: the task is added (and maybe already done). */
static void prepare_task(const tracker_profile *p, bool completed)
{
    tracker *t = open_db(p);
    assert_int_equal(tracker_add_task(t, VARIABLE, EXPERIMENT), SQLITE_OK);
    if (completed)
        assert_int_equal(tracker_mark_completed(t, VARIABLE, EXPERIMENT),
                         SQLITE_OK);
    tracker_free(t);
}

static tracker_status task_status(void)
{
    tracker *t = open_db(profile("delete-off"));
    tracker_status status = TRACKER_STATUS_NONE;
    assert_int_equal(tracker_get_status(t, VARIABLE, EXPERIMENT, &status),
                     SQLITE_OK);
    tracker_free(t);
    return status;
}

/* ------------------------------------------------------------- the tests */

static void test_plain_run_completes(void **state)
{
    (void)state;
    require_python();
    const tracker_profile *p = profile("delete-off");
    prepare_task(p, false);
    job_env e;
    job_env_init(&e, p);
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 0);
    assert_line(&r, "begin open", true);
    assert_line(&r, "ack mark_running", true);
    assert_line(&r, "ack mark_completed", true);
    assert_status_line(&r, "status ok");
    assert_int_equal(task_status(), TRACKER_STATUS_COMPLETED);
}

static void test_completed_task_is_skipped(void **state)
{
    (void)state;
    require_python();
    const tracker_profile *p = profile("delete-off");
    prepare_task(p, true);
    job_env e;
    job_env_init(&e, p);
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 0);
    assert_line(&r, "begin get_status", true);
    assert_null(strstr(r.outcome, "mark_running"));
    assert_status_line(&r, "status skipped");
    assert_int_equal(task_status(), TRACKER_STATUS_COMPLETED);
}

/* Every fsync fails; with synchronous=NORMAL the first commit needs one,
 * and I/O errors are not retried in delete-normal. */
static void test_fsync_fault_fails_delete_normal(void **state)
{
    (void)state;
    require_fault_model();
    const tracker_profile *p = profile("delete-normal");
    prepare_task(p, false);
    job_env e;
    job_env_init(&e, p);
    job_env_fault(&e, "none,sync.fail=1:forever");
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 1);
    assert_line(&r, "fail mark_running 1034 SQLITE_IOERR_FSYNC 1 ", false);
    assert_false(has_line(r.outcome, "ack mark_running", true));
    /* The best-effort report is tried, and meets the same fault. */
    assert_line(&r, "begin mark_failed", true);
    assert_line(&r, "fail mark_failed 1034 SQLITE_IOERR_FSYNC ", false);
    assert_status_line(&r, "status failed");
    /* The failed transactions were rolled back. */
    assert_int_equal(task_status(), TRACKER_STATUS_PENDING);
}

/* The same fault under synchronous=OFF: no fsync is issued at all. */
static void test_fsync_fault_spares_delete_off(void **state)
{
    (void)state;
    require_fault_model();
    const tracker_profile *p = profile("delete-off");
    prepare_task(p, false);
    job_env e;
    job_env_init(&e, p);
    job_env_fault(&e, "none,sync.fail=1:forever");
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 0);
    assert_false(has_line(r.outcome, "fail ", false));
    assert_line(&r, "ack mark_completed", true);
    assert_status_line(&r, "status ok");
    assert_int_equal(task_status(), TRACKER_STATUS_COMPLETED);
}

/* One failed fsync, with I/O errors retried on writes: the write is made
 * again and acknowledged, and nothing is recorded as failed. */
static void test_retried_fsync_fault_is_absorbed(void **state)
{
    (void)state;
    require_fault_model();
    tracker_profile p = *profile("delete-normal");
    char err[256];
    assert_int_equal(
        tracker_profile_set(&p, "retry", "busy+ioerr", err, sizeof err),
        SQLITE_OK);
    prepare_task(&p, false);
    job_env e;
    job_env_init(&e, &p);
    job_env_fault(&e, "none,sync.fail=1");
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 0);
    assert_false(has_line(r.outcome, "fail ", false));
    assert_line(&r, "ack mark_running", true);
    assert_status_line(&r, "status ok");
    assert_int_equal(task_status(), TRACKER_STATUS_COMPLETED);
}

/* sqlite3.connect reads the database header, outside upstream's retry
 * loops: a failed first read ends upstream's open at once, while hardened
 * (the connect in its scope) opens on the second attempt. */
static void run_with_first_read_failed(const char *profile_name,
                                       job_result *r)
{
    require_fault_model();
    const tracker_profile *p = profile(profile_name);
    prepare_task(p, false);
    job_env e;
    job_env_init(&e, p);
    job_env_fault(&e, "none,read.fail=1");
    run_job(&e, NULL, r);
}

static void test_connect_fault_ends_upstreams_open(void **state)
{
    (void)state;
    job_result r;
    run_with_first_read_failed("upstream", &r);
    assert_exit(&r, 1);
    assert_line(&r, "fail open 8458 SQLITE_IOERR_CORRUPTFS 1 ", false);
    assert_status_line(&r, "status failed");
}

static void test_connect_fault_is_retried_by_hardened(void **state)
{
    (void)state;
    job_result r;
    run_with_first_read_failed("hardened", &r);
    assert_exit(&r, 0);
    assert_false(has_line(r.outcome, "fail ", false));
    assert_line(&r, "ack mark_completed", true);
    assert_status_line(&r, "status ok");
}

static void test_missing_variable_exits_2_naming_it(void **state)
{
    (void)state;
    require_python();
    job_env e;
    job_env_init(&e, profile("delete-off"));
    env_set(&e, "TRACKHAMMER_VARIABLE", NULL);
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 2);
    assert_non_null(strstr(r.output, "TRACKHAMMER_VARIABLE"));
    assert_string_equal(r.outcome, ""); /* nothing was tried */
}

static void test_bad_value_exits_2_naming_it(void **state)
{
    (void)state;
    require_python();
    job_env e;
    job_env_init(&e, profile("delete-off"));
    env_set(&e, "TRACKHAMMER_SYNC", "sometimes");
    job_result r;
    run_job(&e, NULL, &r);
    assert_exit(&r, 2);
    assert_non_null(strstr(r.output, "TRACKHAMMER_SYNC"));
    assert_non_null(strstr(r.output, "sometimes"));
}

static void test_help_lists_the_contract(void **state)
{
    (void)state;
    require_python();
    job_env e = { .count = 0 };
    job_result r;
    run_job(&e, "--help", &r);
    assert_exit(&r, 0);
    assert_non_null(strstr(r.output, "TRACKHAMMER_OUTCOME"));
    assert_non_null(strstr(r.output, "TRACKHAMMER_FAULTFS_EXT"));
    assert_non_null(strstr(r.output, "FAULTFS_CONFIG"));
}

/* The scope word python_job.py's OPERATIONS gives a C operation: its
 * TRACKER_SCOPE_* bit in format_scope's words, quoted, or None. */
static void python_scope_of(tracker_op op, char *buf, size_t size)
{
    char word[64];
    format_scope(tracker_op_scope(op), word, sizeof word);
    if (strcmp(word, "none") == 0)
        snprintf(buf, size, "None");
    else
        snprintf(buf, size, "\"%s\"", word);
}

/* Every row of the Python job's OPERATIONS table names an operation of the
 * C table (TRACKER_OPERATIONS) with the same retry scope: the job's outcome
 * record names its calls as the C tracker does. */
static void test_operations_match_the_c_table(void **state)
{
    (void)state;
    static char script[1 << 17];
    read_text(JOB_SCRIPT, script, sizeof script);
    const char *table = strstr(script, "\nOPERATIONS = {\n");
    assert_non_null(table);
    const char *end = strstr(table, "\n}\n");
    assert_non_null(end);
    const char *line = strchr(table + 1, '\n') + 1;
    int rows = 0;
    for (; line < end; line = strchr(line, '\n') + 1) {
        char name[64], scope[80], expected[80];
        assert_int_equal(
            sscanf(line, " \"%63[^\"]\": %79[^,\n],", name, scope), 2);
        tracker_op op;
        if (!tracker_op_find(name, &op))
            fail_msg("python_job.py: '%s' is not a tracker operation", name);
        python_scope_of(op, expected, sizeof expected);
        assert_string_equal(scope, expected);
        rows++;
    }
    assert_true(rows > 0);
}

/* The Python job reads every knob's environment variable the harness sets
 * (tracker_profile_knob_variable: the tracker's one knob table). */
static void test_every_knob_variable_is_read(void **state)
{
    (void)state;
    static char script[1 << 17];
    read_text(JOB_SCRIPT, script, sizeof script);
    size_t i = 0;
    for (; tracker_profile_knob_variable(i); i++) {
        char quoted[96];
        snprintf(quoted, sizeof quoted, "\"%s\"",
                 tracker_profile_knob_variable(i));
        if (strstr(script, quoted) == NULL)
            fail_msg("python_job.py does not read %s", quoted);
    }
    assert_true(i > 0);
}

#define FIXTURE_TEST(fn)                                                      \
    cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(test_plain_run_completes),
        FIXTURE_TEST(test_completed_task_is_skipped),
        FIXTURE_TEST(test_fsync_fault_fails_delete_normal),
        FIXTURE_TEST(test_fsync_fault_spares_delete_off),
        FIXTURE_TEST(test_retried_fsync_fault_is_absorbed),
        FIXTURE_TEST(test_connect_fault_ends_upstreams_open),
        FIXTURE_TEST(test_connect_fault_is_retried_by_hardened),
        FIXTURE_TEST(test_missing_variable_exits_2_naming_it),
        FIXTURE_TEST(test_bad_value_exits_2_naming_it),
        FIXTURE_TEST(test_help_lists_the_contract),
        cmocka_unit_test(test_operations_match_the_c_table),
        cmocka_unit_test(test_every_knob_variable_is_read),
    };
    return cmocka_run_group_tests(tests, choose_python, NULL);
}
