/*
 * test_faultfs_extension.c: build/faultfs.so in the unmodified sqlite3
 * shell. `.load` registers faultfs as the default VFS, configured from
 * FAULTFS_CONFIG; a database opened afterwards runs under the model.
 */
#include <fcntl.h>
#include <setjmp.h>
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

#ifndef FAULTFS_EXTENSION_PATH
#error "the Makefile defines FAULTFS_EXTENSION_PATH (build/faultfs, no .so)"
#endif
#define SQLITE3_SHELL "/usr/bin/sqlite3"
#define SHELL_TIMEOUT_S 60.0

typedef struct shell_run {
    const char *config; /* FAULTFS_CONFIG, NULL to unset */
    char script[400];   /* stdin */
    char output[400];   /* stdout and stderr */
} shell_run;

/* In the child: the shell with the script on stdin. */
static int exec_shell(void *arg)
{
    const shell_run *run = arg;
    int in = open(run->script, O_RDONLY);
    int out = open(run->output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
        dup2(out, 2) < 0) {
        return 126;
    }
    if (run->config) {
        setenv(FAULTFS_CONFIG_ENV, run->config, 1);
    } else {
        unsetenv(FAULTFS_CONFIG_ENV);
    }
    execl(SQLITE3_SHELL, SQLITE3_SHELL, "-batch", (char *)NULL);
    return 127;
}

/* Run the SQL after loading the extension and opening the test database;
 * the shell's exit code, its output in out. */
static int run_shell(const char *config, const char *sql, char *out,
                     size_t size)
{
    shell_run run = { .config = config };
    bool timed_out;
    scratch_path(&test_dir, "script.sql", run.script, sizeof run.script);
    scratch_path(&test_dir, "output.txt", run.output, sizeof run.output);
    FILE *f = fopen(run.script, "w");
    assert_non_null(f);
    fprintf(f, ".load %s\n.open %s\n.vfsname\n%s\n", FAULTFS_EXTENSION_PATH,
            test_dir.db, sql);
    fclose(f);
    int status = run_child(exec_shell, &run, SHELL_TIMEOUT_S, &timed_out);
    assert_false(timed_out);
    assert_true(WIFEXITED(status));
    f = fopen(run.output, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
    return WEXITSTATUS(status);
}

static void test_shell_runs_under_faultfs_without_faults(void **state)
{
    char out[4096];
    (void)state;
    int rc = run_shell("none",
                       "CREATE TABLE t(x); INSERT INTO t VALUES(41),(1);"
                       "SELECT 'sum=' || sum(x) FROM t;",
                       out, sizeof out);
    if (rc != 0) {
        print_error("shell output:\n%s\n", out);
    }
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, FAULTFS_VFS_NAME "/unix\n"));
    assert_non_null(strstr(out, "sum=42"));
}

static void test_shell_gets_injected_fsync_error(void **state)
{
    char out[4096], log_path[400], config[600], line[2048];
    (void)state;
    scratch_path(&test_dir, "events.log", log_path, sizeof log_path);
    snprintf(config, sizeof config, "none,sync.p=1,log=%s", log_path);
    int rc = run_shell(config,
                       "PRAGMA synchronous=FULL; CREATE TABLE t(x);\n"
                       "SELECT 'after=' || count(*) FROM sqlite_schema;",
                       out, sizeof out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "disk I/O error"));
    assert_non_null(strstr(out, "after=0")); /* the CREATE rolled back */
    assert_true(read_first_line(log_path, line, sizeof line));
    assert_non_null(strstr(line, " class=sync "));
    assert_non_null(strstr(line, " name=SQLITE_IOERR_FSYNC "));
}

static void test_shell_reports_bad_config_naming_key_and_value(void **state)
{
    char out[4096];
    (void)state;
    int rc = run_shell("lustre,sync.p=7", "SELECT 1;", out, sizeof out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "sync.p"));
    assert_non_null(strstr(out, "'7'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_shell_runs_under_faultfs_without_faults, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_shell_gets_injected_fsync_error,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_shell_reports_bad_config_naming_key_and_value, test_setup,
            test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
