/*
 * test_faultfs_crash.c: power loss (crash=on).
 *
 * The mechanism, through the VFS's own file methods: a synced write
 * survives the crash, an unsynced one is dropped (and logged), a torn one
 * keeps only a sector prefix, the same seed gives the same files, a
 * pending truncate can be lost; names: with crash.names=dirsync an
 * unlinked journal whose unlink was not synced comes back and a created,
 * never-synced one disappears, with immediate names neither happens.
 * The crash state never costs a writer its POSIX locks, takes a file
 * whole, fails a sync it cannot record, and never replays a pending
 * record a kill cut short. Then the tracker: three
 * writers SIGKILLed at random points and a power loss; the profiles that
 * sync (delete-normal, hardened) keep integrity and every acknowledged
 * update; synchronous=OFF is measured, and the crash is checked to have
 * dropped writes there (so the test could have failed).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "powerloss.h"
#include "support.h"

#define BLOCK 4096

/* A file opened through the faultfs VFS, the way SQLite opens it. */
typedef struct vfs_file {
    sqlite3_file *file;
    char path[512];
} vfs_file;

/* Open a file of a kind (SQLITE_OPEN_MAIN_DB, _MAIN_JOURNAL) by name. */
static void vfs_open(vfs_file *f, const char *name, int kind_flag)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(FAULTFS_VFS_NAME);
    assert_non_null(vfs);
    scratch_path(&test_dir, name, f->path, sizeof f->path);
    f->file = calloc(1, (size_t)vfs->szOsFile);
    assert_non_null(f->file);
    int out = 0;
    assert_int_equal(
        vfs->xOpen(vfs, f->path, f->file,
                   kind_flag | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                   &out),
        SQLITE_OK);
}

static void vfs_close(vfs_file *f)
{
    f->file->pMethods->xClose(f->file);
    free(f->file);
}

/* Write BLOCK bytes of `fill` at block `index`. */
static void write_block(vfs_file *f, int index, unsigned char fill)
{
    unsigned char buf[BLOCK];
    memset(buf, fill, sizeof buf);
    assert_int_equal(f->file->pMethods->xWrite(f->file, buf, BLOCK,
                                               (sqlite3_int64)index * BLOCK),
                     SQLITE_OK);
}

static void sync_file(vfs_file *f)
{
    assert_int_equal(f->file->pMethods->xSync(f->file, SQLITE_SYNC_NORMAL),
                     SQLITE_OK);
}

/* The bytes of a file after the crash; size in *size. */
static unsigned char *contents(const char *path, size_t *size)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    unsigned char *data = malloc(1 << 20);
    assert_non_null(data);
    *size = fread(data, 1, 1 << 20, in);
    fclose(in);
    return data;
}

/* Crash the database at path; returns the report. */
static faultfs_crash_report crash(const char *path)
{
    faultfs_crash_report r;
    char err[512] = "";
    assert_int_equal(faultfs_crash_apply(path, &r, err, sizeof err),
                     SQLITE_OK);
    return r;
}

/* Install crash mode with knobs and an event log, its path into log. */
static void install_crash_with_log(const char *knobs, char *log,
                                   size_t log_size)
{
    scratch_path(&test_dir, "crash.log", log, log_size);
    char config[700];
    snprintf(config, sizeof config, "none,crash=on,%s,log=%s", knobs, log);
    assert_int_equal(install(config), SQLITE_OK);
}

/* Crash mode with knobs and an event log at log: block 0 written 'A' and
 * synced, then overwritten 'B' and block 1 written 'C', neither synced. */
static void synced_then_two_pending(const char *knobs, char *log,
                                    size_t log_size, vfs_file *f)
{
    install_crash_with_log(knobs, log, log_size);
    vfs_open(f, "test.db", SQLITE_OPEN_MAIN_DB);
    write_block(f, 0, 'A');
    sync_file(f);
    write_block(f, 0, 'B');
    write_block(f, 1, 'C');
    vfs_close(f);
}

/* Is the file at path exactly one block of 'A'? */
static bool one_block_of_a(const char *path)
{
    size_t size;
    unsigned char *data = contents(path, &size);
    bool all_a = size == BLOCK;
    for (size_t i = 0; all_a && i < size; i++) {
        all_a = data[i] == 'A';
    }
    free(data);
    return all_a;
}

static void test_a_synced_write_survives_and_a_pending_one_is_dropped(
    void **state)
{
    (void)state;
    char log[512], line[1024];
    vfs_file f;
    synced_then_two_pending("crash.drop=1", log, sizeof log, &f);
    faultfs_crash_report r = crash(f.path);
    assert_int_equal(r.writes, 2);
    assert_int_equal(r.dropped, 2);
    assert_true(one_block_of_a(f.path)); /* the extending write is gone too */
    assert_true(read_first_line(log, line, sizeof line));
    assert_non_null(strstr(line, "by=crash effect=dropped"));
    assert_non_null(strstr(line, "class=write kind=main call=1"));
}

/* Under `config`: block 0 written 'A' and synced, then overwritten 'B'
 * and not synced; the crash applied. */
static faultfs_crash_report overwrite_after_sync(const char *config,
                                                 vfs_file *f)
{
    assert_int_equal(install(config), SQLITE_OK);
    vfs_open(f, "test.db", SQLITE_OPEN_MAIN_DB);
    write_block(f, 0, 'A');
    sync_file(f);
    write_block(f, 0, 'B');
    vfs_close(f);
    return crash(f->path);
}

static void test_a_kept_write_survives_whole(void **state)
{
    (void)state;
    vfs_file f;
    faultfs_crash_report r =
        overwrite_after_sync("none,crash=on,crash.drop=0,crash.torn=0", &f);
    assert_int_equal(r.kept, 1);
    size_t size;
    unsigned char *data = contents(f.path, &size);
    assert_int_equal(size, BLOCK);
    assert_int_equal(data[0], 'B');
    assert_int_equal(data[BLOCK - 1], 'B');
    free(data);
}

static void test_a_torn_write_keeps_a_sector_prefix(void **state)
{
    (void)state;
    vfs_file f;
    faultfs_crash_report r = overwrite_after_sync(
        "none,crash=on,crash.drop=0,crash.torn=1,crash.sector=512", &f);
    assert_int_equal(r.torn, 1);
    size_t size, torn_at = 0;
    unsigned char *data = contents(f.path, &size);
    assert_int_equal(size, BLOCK);
    while (torn_at < size && data[torn_at] == 'B') {
        torn_at++;
    }
    assert_true(torn_at > 0 && torn_at < BLOCK);
    assert_int_equal(torn_at % 512, 0);
    for (size_t i = torn_at; i < size; i++) {
        assert_int_equal(data[i], 'A');
    }
    free(data);
}

/* 64 pending writes of distinct blocks under a seed, then the crash:
 * the file's bytes and the report. */
static unsigned char *crash_sixty_four(const char *name, uint64_t seed,
                                       faultfs_crash_report *r, size_t *size)
{
    char config[128];
    snprintf(config, sizeof config, "none,crash=on,seed=%llu",
             (unsigned long long)seed);
    assert_int_equal(install(config), SQLITE_OK);
    vfs_file f;
    vfs_open(&f, name, SQLITE_OPEN_MAIN_DB);
    for (int i = 0; i < 64; i++) {
        write_block(&f, i, (unsigned char)('a' + i % 26));
    }
    vfs_close(&f);
    *r = crash(f.path);
    return contents(f.path, size);
}

static void test_same_seed_same_crash(void **state)
{
    (void)state;
    faultfs_crash_report a, b;
    size_t size_a, size_b;
    unsigned char *first = crash_sixty_four("a.db", 7, &a, &size_a);
    unsigned char *second = crash_sixty_four("b.db", 7, &b, &size_b);
    assert_int_equal(size_a, size_b);
    assert_memory_equal(first, second, size_a);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(a.writes, 64);
    assert_int_equal(a.kept + a.dropped + a.torn, 64);
    assert_true(a.kept > 0 && a.dropped > 0 && a.torn > 0);
    free(first);
    free(second);
}

static void test_a_pending_truncate_can_be_lost(void **state)
{
    (void)state;
    assert_int_equal(install("none,crash=on,crash.drop=1"), SQLITE_OK);
    vfs_file f;
    vfs_open(&f, "test.db", SQLITE_OPEN_MAIN_DB);
    write_block(&f, 0, 'A');
    write_block(&f, 1, 'A');
    sync_file(&f);
    assert_int_equal(f.file->pMethods->xTruncate(f.file, BLOCK), SQLITE_OK);
    vfs_close(&f);
    faultfs_crash_report r = crash(f.path);
    assert_int_equal(r.truncates_dropped, 1);
    struct stat st;
    assert_int_equal(stat(f.path, &st), 0);
    assert_int_equal(st.st_size, 2 * BLOCK);
}

/* Child: 0 if another process holds the database's RESERVED byte, as
 * fcntl sees it (not through SQLite, whose lock state a child inherits
 * from its parent's memory). */
static int reserved_elsewhere(void *path)
{
    int fd = open(path, O_RDONLY);
    struct flock lock = { .l_type = F_WRLCK,
                          .l_whence = SEEK_SET,
                          .l_start = 0x40000001,
                          .l_len = 1 };
    bool held =
        fd >= 0 && fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
    if (fd >= 0) {
        close(fd);
    }
    return held ? 0 : 1;
}

static bool reserved_by_this_process(const char *path)
{
    bool timed_out = false;
    int status = run_child(reserved_elsewhere, (void *)path, 30.0, &timed_out);
    assert_false(timed_out);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Take a file's SQLite locks up to EXCLUSIVE, as a committing writer. */
static void lock_exclusive(sqlite3_file *f)
{
    assert_int_equal(f->pMethods->xLock(f, SQLITE_LOCK_SHARED), SQLITE_OK);
    assert_int_equal(f->pMethods->xLock(f, SQLITE_LOCK_RESERVED), SQLITE_OK);
    assert_int_equal(f->pMethods->xLock(f, SQLITE_LOCK_EXCLUSIVE), SQLITE_OK);
}

/* The crash state reads a file through the writer's own handle: opening
 * and closing the path would drop every POSIX lock the process holds on
 * it, and another writer could take the database mid-commit (the cause
 * of the rare multi-writer failures this model once had). */
static void test_a_sync_keeps_the_writers_locks(void **state)
{
    (void)state;
    assert_int_equal(install("none,crash=on"), SQLITE_OK);
    vfs_file f;
    vfs_open(&f, "test.db", SQLITE_OPEN_MAIN_DB);
    assert_false(reserved_by_this_process(f.path));
    lock_exclusive(f.file);
    assert_true(reserved_by_this_process(f.path));
    write_block(&f, 0, 'A');
    sync_file(&f);
    assert_true(reserved_by_this_process(f.path));
    assert_int_equal(f.file->pMethods->xUnlock(f.file, SQLITE_LOCK_NONE),
                     SQLITE_OK);
    assert_false(reserved_by_this_process(f.path));
    vfs_close(&f);
}

/* Crash mode on, and test.db (its path into path) holding text before
 * faultfs first sees it. */
static void file_before_faultfs(const char *text, char *path, size_t size)
{
    assert_int_equal(install("none,crash=on"), SQLITE_OK);
    scratch_path(&test_dir, "test.db", path, size);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(text, 1, strlen(text), out), strlen(text));
    assert_int_equal(fclose(out), 0);
}

/* The file at path holds exactly text. */
static void assert_holds(const char *path, const char *text)
{
    size_t size;
    unsigned char *data = contents(path, &size);
    assert_int_equal(size, strlen(text));
    assert_memory_equal(data, text, size);
    free(data);
}

/* The same when faultfs first sees a file another handle of this process
 * already holds locked, and takes its bytes as durable. */
static void test_a_first_open_keeps_the_processs_locks(void **state)
{
    (void)state;
    char path[512];
    file_before_faultfs("before faultfs", path, sizeof path);
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
    sqlite3_file *plain = calloc(1, (size_t)unix_vfs->szOsFile);
    assert_non_null(plain);
    int flags = 0;
    assert_int_equal(
        unix_vfs->xOpen(unix_vfs, path, plain,
                        SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE, &flags),
        SQLITE_OK);
    lock_exclusive(plain);
    vfs_file f;
    vfs_open(&f, "test.db", SQLITE_OPEN_MAIN_DB);
    assert_true(reserved_by_this_process(path));
    vfs_close(&f);
    assert_int_equal(plain->pMethods->xUnlock(plain, SQLITE_LOCK_NONE),
                     SQLITE_OK);
    plain->pMethods->xClose(plain);
    free(plain);
    faultfs_crash_report r = crash(path);
    assert_int_equal(r.files_rebuilt, 1);
    assert_holds(path, "before faultfs");
}

/* unixFileSize reports a one-byte file as empty (an old SQLite
 * workaround); the state takes a file's size from stat(), so a one-byte
 * file faultfs first sees is durable whole. */
static void test_a_one_byte_file_is_taken_whole(void **state)
{
    (void)state;
    char path[512];
    file_before_faultfs("x", path, sizeof path);
    vfs_file f;
    vfs_open(&f, "test.db", SQLITE_OPEN_MAIN_DB);
    vfs_close(&f);
    crash(path);
    assert_holds(path, "x");
}

/* A sync the crash state cannot record (here its new image cannot be
 * written: a directory holds the temporary file's name) fails with
 * SQLITE_IOERR_FSYNC and is logged, so that SQLite never relies on a
 * sync the crash would not honour; the state is left as it was. */
static void test_an_unrecorded_sync_fails(void **state)
{
    (void)state;
    char log[512], line[1024], blocker[700];
    install_crash_with_log("crash.drop=1", log, sizeof log);
    vfs_file f;
    vfs_open(&f, "test.db", SQLITE_OPEN_MAIN_DB);
    write_block(&f, 0, 'A');
    sync_file(&f);
    snprintf(blocker, sizeof blocker, "%s-faultfs-crash/main.image.tmp",
             f.path);
    assert_int_equal(mkdir(blocker, 0755), 0);
    write_block(&f, 0, 'B');
    assert_int_equal(f.file->pMethods->xSync(f.file, SQLITE_SYNC_NORMAL),
                     SQLITE_IOERR_FSYNC);
    vfs_close(&f);
    assert_true(read_first_line(log, line, sizeof line));
    assert_non_null(strstr(line, "class=sync kind=main"));
    assert_non_null(strstr(line, "effect=unrecorded"));
    assert_int_equal(rmdir(blocker), 0);
    crash(f.path);
    assert_true(one_block_of_a(f.path)); /* 'B' stayed pending: dropped */
}

/* A record a kill cut short in the middle of the pending list, with a
 * whole record after it (another process appends on): the crash applies
 * neither the half record nor what follows as if it were its bytes, and
 * logs the cut. */
static void test_a_cut_short_record_is_never_replayed(void **state)
{
    (void)state;
    char log[512], line[1024], pending[700];
    vfs_file f;
    synced_then_two_pending("crash.drop=0,crash.torn=0", log, sizeof log, &f);
    /* two records of equal size: cut the first in half, keep the second */
    snprintf(pending, sizeof pending, "%s-faultfs-crash/main.pending", f.path);
    size_t size;
    unsigned char *list = contents(pending, &size);
    assert_int_equal(size % 2, 0);
    size_t record = size / 2, cut = record - BLOCK / 2;
    FILE *out = fopen(pending, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(list, 1, cut, out), cut);
    assert_int_equal(fwrite(list + record, 1, record, out), record);
    assert_int_equal(fclose(out), 0);
    free(list);
    crash(f.path);
    assert_true(one_block_of_a(f.path));
    assert_true(read_first_line(log, line, sizeof line));
    assert_non_null(strstr(line, "effect=cut-short"));
}

/* A synced journal, then unlinked with or without a directory sync;
 * whether it exists after the crash. */
static bool journal_after_crash(const char *names, int dir_sync)
{
    char config[128];
    snprintf(config, sizeof config, "none,crash=on,crash.names=%s", names);
    assert_int_equal(install(config), SQLITE_OK);
    char db_name[64], journal_name[80];
    snprintf(db_name, sizeof db_name, "%s-%d.db", names, dir_sync);
    snprintf(journal_name, sizeof journal_name, "%s-journal", db_name);
    vfs_file db, journal;
    vfs_open(&db, db_name, SQLITE_OPEN_MAIN_DB);
    vfs_open(&journal, journal_name, SQLITE_OPEN_MAIN_JOURNAL);
    write_block(&journal, 0, 'J');
    sync_file(&journal);
    vfs_close(&journal);
    sqlite3_vfs *vfs = sqlite3_vfs_find(FAULTFS_VFS_NAME);
    assert_int_equal(vfs->xDelete(vfs, journal.path, dir_sync), SQLITE_OK);
    vfs_close(&db);
    faultfs_crash_report r = crash(db.path);
    bool present = access(journal.path, F_OK) == 0;
    assert_int_equal(r.files_resurrected, present ? 1 : 0);
    return present;
}

static void test_an_unsynced_unlink_comes_back_only_with_dirsync_names(
    void **state)
{
    (void)state;
    assert_true(journal_after_crash("dirsync", 0));
    assert_false(journal_after_crash("dirsync", 1));
    assert_false(journal_after_crash("immediate", 0));
}

static void test_a_created_never_synced_file_disappears_with_dirsync_names(
    void **state)
{
    (void)state;
    assert_int_equal(install("none,crash=on,crash.names=dirsync"), SQLITE_OK);
    vfs_file db, journal;
    vfs_open(&db, "test.db", SQLITE_OPEN_MAIN_DB);
    vfs_open(&journal, "test.db-journal", SQLITE_OPEN_MAIN_JOURNAL);
    write_block(&journal, 0, 'J');
    vfs_close(&journal);
    vfs_close(&db);
    faultfs_crash_report r = crash(db.path);
    assert_int_equal(r.files_removed, 1);
    assert_int_not_equal(access(journal.path, F_OK), 0);
}

static void test_crash_needs_crash_mode(void **state)
{
    (void)state;
    char err[512] = "";
    assert_int_equal(install("none"), SQLITE_OK);
    assert_int_equal(faultfs_crash_apply(test_dir.db, NULL, err, sizeof err),
                     SQLITE_MISUSE);
    assert_non_null(strstr(err, "crash=on"));
}

/* Rounds of power loss for one profile, summed. */
typedef struct round_totals {
    int integrity_failures;
    int lost;
    int acknowledged;
    uint64_t dropped_or_torn;
} round_totals;

static round_totals power_loss_rounds(const char *profile_name, int writers,
                                      int rounds)
{
    round_totals t = { 0, 0, 0, 0 };
    char err[1024] = "";
    assert_int_equal(install("none,crash=on"), SQLITE_OK);
    for (int round = 1; round <= rounds; round++) {
        char name[128], path[512];
        snprintf(name, sizeof name, "%s-%d.db", profile_name, round);
        scratch_path(&test_dir, name, path, sizeof path);
        powerloss_config c = { *tracker_profile_find(profile_name),
                               path,
                               writers,
                               (uint64_t)round,
                               30,
                               30.0 };
        powerloss_result r;
        faultfs_reseed((uint64_t)round, 0);
        assert_int_equal(powerloss_round(&c, &r, err, sizeof err), SQLITE_OK);
        t.integrity_failures += !r.integrity_ok;
        t.lost += r.lost + r.unreadable;
        t.acknowledged += r.acknowledged;
        t.dropped_or_torn += r.crash.dropped + r.crash.torn;
    }
    print_message("%s, %d writer(s): %d rounds, %d integrity failures, %d "
                  "of %d acknowledged updates lost, %llu writes dropped or "
                  "torn\n",
                  profile_name, writers, rounds, t.integrity_failures, t.lost,
                  t.acknowledged, (unsigned long long)t.dropped_or_torn);
    return t;
}

/* Fewer rounds under valgrind, where each is much slower. */
static int round_count(void)
{
    return under_valgrind() ? 3 : 12;
}

/* The profiles that sync keep integrity and every acknowledged update
 * after a power loss, with three writers killed at random points. */
static void test_profiles_that_sync_lose_nothing_acknowledged(void **state)
{
    (void)state;
    static const char *const synced[] = { "delete-normal", "hardened" };
    for (size_t i = 0; i < sizeof synced / sizeof synced[0]; i++) {
        round_totals t = power_loss_rounds(synced[i], 3, round_count());
        assert_true(t.acknowledged > 0);
        assert_int_equal(t.integrity_failures, 0);
        assert_int_equal(t.lost, 0);
    }
}

static void test_synchronous_off_is_measured(void **state)
{
    (void)state;
    round_totals t = power_loss_rounds("delete-off", 3, round_count());
    assert_true(t.acknowledged > 0);
    /* the crash held writes back and lost some: the rounds could fail */
    assert_true(t.dropped_or_torn > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_a_synced_write_survives_and_a_pending_one_is_dropped,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_a_kept_write_survives_whole,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_torn_write_keeps_a_sector_prefix, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_same_seed_same_crash, test_setup,
                                        test_teardown),
        cmocka_unit_test_setup_teardown(test_a_pending_truncate_can_be_lost,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_a_sync_keeps_the_writers_locks,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_first_open_keeps_the_processs_locks, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_a_one_byte_file_is_taken_whole,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_an_unrecorded_sync_fails,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_cut_short_record_is_never_replayed, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(
            test_an_unsynced_unlink_comes_back_only_with_dirsync_names,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_created_never_synced_file_disappears_with_dirsync_names,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_crash_needs_crash_mode,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_profiles_that_sync_lose_nothing_acknowledged, test_setup,
            test_teardown),
        cmocka_unit_test_setup_teardown(test_synchronous_off_is_measured,
                                        test_setup, test_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
