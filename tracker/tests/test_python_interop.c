/*
 * test_python_interop.c: a database written here is one Python's sqlite3
 * reads as upstream does, and the reverse; JSON is byte for byte what
 * json.dumps(sort_keys=True, separators=(",", ":")) writes.
 */
#define _GNU_SOURCE /* asprintf */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

/* Run python3 on `script` with the database path as argv[1]; return its
 * exit status, its first output line in `line`. */
static int run_python(const char *dir, const char *db, const char *script,
                      char *line, size_t size)
{
    char *path = scratch_path(dir, "check.py");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(script, f);
    fclose(f);
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "python3 '%s' '%s' 2>&1", path, db) > 0);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    line[0] = '\0';
    if (fgets(line, (int)size, p))
        line[strcspn(line, "\n")] = '\0';
    int status = pclose(p);
    free(cmd);
    free(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool have_python(void)
{
    return system("python3 -c 'import sqlite3, json' >/dev/null 2>&1") == 0;
}

static const char *const nested =
    "{\"b\":{\"z\":[1,2,{\"y\":null,\"x\":true}],\"a\":\"caf\xc3\xa9\"},"
    "\"a\":\"\xf0\x9f\x98\x80 \\\"q\\\"\",\"n\":-12,\"f\":1.5}";

static void test_python_reads_what_we_write(void **state)
{
    (void)state;
    if (!have_python())
        skip();
    char *dir = scratch_dir_new();
    char *db = scratch_path(dir, "tasks.db");
    tracker *t = open_tracker_profile(db, "upstream");
    assert_int_equal(tracker_add_task(t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_mark_running(t, "Amon.tas", "hist"), SQLITE_OK);
    assert_int_equal(tracker_set_pbs_info(t, "Amon.tas", "hist", nested),
                     SQLITE_OK);
    assert_int_equal(tracker_enqueue_monitor_request(t, "Amon.tas", "hist"),
                     SQLITE_OK);
    tracker_free(t);

    char line[512];
    int rc = run_python(
        dir, db,
        "import json, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], timeout=30)\n"
        "status, info = c.execute(\"SELECT status, pbs_info_json FROM "
        "cmor_tasks WHERE variable=? AND experiment_id=?\", "
        "('Amon.tas', 'hist')).fetchone()\n"
        "again = json.dumps(json.loads(info), sort_keys=True, "
        "separators=(',', ':'))\n"
        "q = c.execute('SELECT variable FROM monitor_requests WHERE "
        "experiment_id=? ORDER BY requested_at, variable', "
        "('hist',)).fetchall()\n"
        "ok = status == 'running' and again == info and q == [('Amon.tas',)]\n"
        "print('same' if ok else 'differ: %r %r %r' % (status, info, "
        "again))\n",
        line, sizeof line);
    assert_int_equal(rc, 0);
    assert_string_equal(line, "same");
    scratch_dir_free(dir);
    free(db);
}

static void test_we_read_what_python_writes(void **state)
{
    (void)state;
    if (!have_python())
        skip();
    char *dir = scratch_dir_new();
    char *db = scratch_path(dir, "tasks.db");
    tracker_free(open_tracker_profile(db, "upstream")); /* the schema */

    char line[512];
    int rc = run_python(
        dir, db,
        "import json, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], timeout=30)\n"
        "with c:\n"
        "    c.execute('INSERT OR IGNORE INTO cmor_tasks (variable, "
        "experiment_id) VALUES (?, ?)', ('Omon.tos', 'hist'))\n"
        "with c:\n"
        "    c.execute(\"UPDATE cmor_tasks SET status='failed', "
        "end_time=datetime('now'), error_message=? WHERE variable=? AND "
        "experiment_id=?\", ('disk I/O error', 'Omon.tos', 'hist'))\n"
        "info = {'b': {'z': [1, 2, {'y': None, 'x': True}], 'a': "
        "'caf\\u00e9'},"
        " 'a': '\\U0001F600 \"q\"', 'n': -12, 'f': 1.5}\n"
        "text = json.dumps(info, sort_keys=True, separators=(',', ':'))\n"
        "with c:\n"
        "    c.execute('UPDATE cmor_tasks SET worker_memory_json=? WHERE "
        "variable=? AND experiment_id=?', (text, 'Omon.tos', 'hist'))\n"
        "print(text)\n",
        line, sizeof line);
    assert_int_equal(rc, 0);

    tracker *t = open_tracker_profile(db, "upstream");
    tracker_status status;
    assert_int_equal(tracker_get_status(t, "Omon.tos", "hist", &status),
                     SQLITE_OK);
    assert_int_equal(status, TRACKER_STATUS_FAILED);
    char *got = NULL;
    assert_int_equal(tracker_get_worker_memory(t, "Omon.tos", "hist", &got),
                     SQLITE_OK);
    assert_string_equal(got, line); /* Python's text, as Python wrote it */
    tracker_free_text(got);
    /* And our writer, given the same object, writes the same bytes. */
    assert_int_equal(tracker_set_output_summary(t, "Omon.tos", "hist", nested),
                     SQLITE_OK);
    assert_int_equal(tracker_get_output_summary(t, "Omon.tos", "hist", &got),
                     SQLITE_OK);
    assert_string_equal(got, line);
    tracker_free_text(got);
    tracker_free(t);
    scratch_dir_free(dir);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_reads_what_we_write),
        cmocka_unit_test(test_we_read_what_python_writes),
    };
    return cmocka_run_group_tests_name("tracker python interop", tests, NULL,
                                       NULL);
}
