/*
 * test_journal.c: what each profile leaves on disk, and the WAL migration.
 */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* A job's life against the database, leaving the tracker open. */
static void play_job(tracker *t, const char *variable)
{
    assert_int_equal(tracker_add_task(t, variable, "hist"), SQLITE_OK);
    assert_int_equal(tracker_mark_running(t, variable, "hist"), SQLITE_OK);
    assert_int_equal(
        tracker_set_output_summary(t, variable, "hist", "{\"files\":2}"),
        SQLITE_OK);
    assert_int_equal(tracker_mark_completed(t, variable, "hist"), SQLITE_OK);
}

static bool has_suffix_file(const char *db, const char *suffix)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", db, suffix);
    return file_exists(path);
}

/* Every DELETE profile: no -wal, no -shm, no journal after a commit; the
 * header says rollback mode and so does PRAGMA journal_mode. */
static void test_delete_profiles_leave_only_the_database(void **state)
{
    int delete_profiles = 0;
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const tracker_profile *p = tracker_profile_at(i);
        if (p->journal_mode != TRACKER_JOURNAL_DELETE)
            continue;
        delete_profiles++;
        char name[sizeof p->name + 8];
        snprintf(name, sizeof name, "%s.db", p->name);
        char *db = scratch_path(*state, name);
        tracker *t = open_tracker_profile(db, p->name);
        play_job(t, "Amon.tas");
        assert_false(has_suffix_file(db, "-wal"));
        assert_false(has_suffix_file(db, "-shm"));
        assert_false(has_suffix_file(db, "-journal"));
        char *mode = sql_text(db, "PRAGMA journal_mode");
        assert_string_equal(mode, "delete");
        free(mode);
        assert_int_equal(db_header_format(db), 1);
        tracker_free(t);
        free(db);
    }
    assert_int_equal(delete_profiles, 6);
    assert_int_equal(dir_entry_count(*state), 6); /* the six databases only */
}

/* WAL: the header says WAL, and the last close cleans -wal and -shm up. */
static void test_wal_profile_cleans_up_on_close(void **state)
{
    char *db = scratch_path(*state, "wal.db");
    tracker *t = open_tracker_profile(db, "wal-normal");
    play_job(t, "Amon.tas");
    assert_true(has_suffix_file(db, "-wal"));
    assert_true(has_suffix_file(db, "-shm"));
    assert_int_equal(tracker_close(t), SQLITE_OK);
    assert_int_equal(tracker_close(t), SQLITE_OK); /* idempotent */
    assert_int_equal(db_header_format(db), 2);
    char *mode = sql_text(db, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    assert_int_equal(dir_entry_count(*state), 1);
    tracker_free(t);
    free(db);
}

/* A database left in WAL mode whose last commits are still only in the WAL
 * (no checkpoint on close): the migration case. */
static void make_wal_database_with_pending_frames(const char *db, int rows)
{
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    int off = 1;
    assert_int_equal(
        sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &off),
        SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "PRAGMA journal_mode=WAL;"
                                  "PRAGMA wal_autocheckpoint=0;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    /* The schema, through the tracker's WAL profile. */
    tracker *t = open_tracker_profile(db, "wal-normal");
    tracker_free(t);
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(
        sqlite3_db_config(raw, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &off),
        SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(raw, "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL),
        SQLITE_OK);
    for (int i = 0; i < rows; i++) {
        char *sql = sqlite3_mprintf("INSERT INTO cmor_tasks (variable, "
                                    "experiment_id, status) VALUES "
                                    "('Amon.v%d', 'hist', 'completed')",
                                    i);
        assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_free(sql);
    }
    sqlite3_close(raw);
}

static void test_wal_database_migrates_without_loss(void **state)
{
    static const char *const profiles[] = {
        "delete-normal", "delete-off", "delete-off-retry-all",
        "upstream",      "hardened",
    };
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "migrate-%s.db", profiles[i]);
        char *db = scratch_path(*state, name);
        make_wal_database_with_pending_frames(db, 40);
        /* The rows really are only in the WAL before the switch. */
        assert_true(has_suffix_file(db, "-wal"));
        assert_int_equal(db_header_format(db), 2);

        tracker *t = open_tracker_profile(db, profiles[i]);
        tracker_status status;
        assert_int_equal(tracker_get_status(t, "Amon.v39", "hist", &status),
                         SQLITE_OK);
        assert_int_equal(status, TRACKER_STATUS_COMPLETED);
        tracker_free(t);

        assert_int_equal(db_header_format(db), 1);
        assert_false(has_suffix_file(db, "-wal"));
        assert_false(has_suffix_file(db, "-shm"));
        assert_int_equal(sql_int(db, "SELECT count(*) FROM cmor_tasks"), 40);
        char *ok = sql_text(db, "PRAGMA integrity_check");
        assert_string_equal(ok, "ok");
        free(ok);
        free(db);
    }
}

int main(void)
{
#define T(name)                                                               \
    cmocka_unit_test_setup_teardown(name, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_delete_profiles_leave_only_the_database),
        T(test_wal_profile_cleans_up_on_close),
        T(test_wal_database_migrates_without_loss),
    };
    return cmocka_run_group_tests_name("tracker journal", tests, NULL, NULL);
}
