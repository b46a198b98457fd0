/*
 * support.c: helpers shared by the faultfs tests.
 */
#include "support.h"
#include "testsupport.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char install_error[512];
scratch test_dir;

int test_setup(void **state)
{
    (void)state;
    faultfs_counters_reset();
    faultfs_set_sleep(NULL, NULL);
    return scratch_make(&test_dir) ? 0 : -1;
}

int test_teardown(void **state)
{
    (void)state;
    faultfs_unregister();
    scratch_remove(&test_dir);
    return 0;
}

bool read_first_line(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    bool found = f && fgets(out, (int)size, f) != NULL;
    if (f) {
        fclose(f);
    }
    return found;
}

int count_events(const char *what, const char *effect)
{
    char path[sizeof test_dir.db + 8], line[1400];
    snprintf(path, sizeof path, "%s.events", test_dir.db);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) {
        n += strstr(line, what) && strstr(line, effect);
    }
    if (f) {
        fclose(f);
    }
    return n;
}

bool scratch_make(scratch *s)
{
    char *dir = scratch_dir_make("faultfs-test");
    if (dir == NULL) {
        return false;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    free(dir);
    scratch_path(s, "test.db", s->db, sizeof s->db);
    return true;
}

void scratch_path(const scratch *s, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", s->dir, name);
}

void scratch_remove(scratch *s)
{
    scratch_dir_remove(s->dir);
}

int db_open(const char *path, const char *vfs, sqlite3 **db)
{
    int rc = sqlite3_open_v2(path, db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    sqlite3_extended_result_codes(*db, 1);
    return rc == SQLITE_OK ? rc : sqlite3_extended_errcode(*db);
}

int db_exec(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? rc : sqlite3_extended_errcode(db);
}

int db_query_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *stmt;
    out[0] = '\0';
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK) {
        return sqlite3_extended_errcode(db);
    }
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        snprintf(out, size, "%s", text ? (const char *)text : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    } else {
        rc = sqlite3_extended_errcode(db);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int install(const char *config)
{
    return faultfs_register(config, false, install_error,
                            sizeof install_error);
}

int start_child(int (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        _exit(fn(arg));
    }
    return (int)pid;
}

int wait_child(int pid, double timeout_s, bool *timed_out)
{
    int status = 0;
    struct timespec tick = { 0, 10 * 1000 * 1000 };
    *timed_out = false;
    for (double waited = 0.0; waited < timeout_s; waited += 0.01) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return status;
        }
        nanosleep(&tick, NULL);
    }
    *timed_out = true;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return status;
}

int run_child(int (*fn)(void *), void *arg, double timeout_s, bool *timed_out)
{
    int pid = start_child(fn, arg);
    if (pid < 0) {
        *timed_out = false;
        return -1;
    }
    return wait_child(pid, timeout_s, timed_out);
}

bool under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
}
