/*
 * powerloss.c: one power-loss round (powerloss.h).
 */
#include "powerloss.h"
#include "shared_inline.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define EXPERIMENT "powerloss"
#define MAX_SLOTS (POWERLOSS_MAX_WRITERS * POWERLOSS_TASKS_PER_WRITER)
#define MAX_STEPS 1000000 /* a writer stops by itself after this many */

/* One task's status writes, as its writer saw them. */
typedef struct slot {
    _Atomic int acked;      /* tracker_status last acknowledged */
    _Atomic unsigned maybe; /* bit per tracker_status written since the
                                  last acknowledgement, outcome unknown */
} slot;

/* Shared between the writers and the round. */
typedef struct shared_state {
    _Atomic int acknowledged;
    slot slots[MAX_SLOTS];
} shared_state;

/* The statuses a writer cycles each task through. */
static const tracker_status cycle[] = { TRACKER_STATUS_RUNNING,
                                        TRACKER_STATUS_COMPLETED,
                                        TRACKER_STATUS_PENDING };

/* Task `slot_index`'s variable name. */
static void variable_of(int slot_index, char *buf, size_t size)
{
    snprintf(buf, size, "var%02d", slot_index);
}

/* One status write through the tracker call that makes it. */
static int write_status(tracker *t, const char *variable, tracker_status s)
{
    switch (s) {
    case TRACKER_STATUS_RUNNING:
        return tracker_mark_running(t, variable, EXPERIMENT);
    case TRACKER_STATUS_COMPLETED:
        return tracker_mark_completed(t, variable, EXPERIMENT);
    default: return tracker_reset_to_pending(t, variable, EXPERIMENT);
    }
}

/* A writer's life: cycle its tasks' statuses until killed, recording each
 * write before the call and its acknowledgement after. */
static int writer_main(const powerloss_config *c, int writer,
                       shared_state *shared)
{
    tracker_options options;
    tracker_error error;
    tracker *t = NULL;
    tracker_options_init(&options, &c->profile);
    options.vfs = FAULTFS_VFS_NAME;
    options.seed = c->seed + (uint64_t)writer;
    if (tracker_open(c->db_path, &options, &t, &error) != SQLITE_OK) {
        return 1;
    }
    for (int step = 0; step < MAX_STEPS; step++) {
        int task = step % POWERLOSS_TASKS_PER_WRITER;
        int index = writer * POWERLOSS_TASKS_PER_WRITER + task;
        tracker_status status = cycle[(step / POWERLOSS_TASKS_PER_WRITER) % 3];
        char variable[32];
        variable_of(index, variable, sizeof variable);
        slot *s = &shared->slots[index];
        atomic_fetch_or(&s->maybe, 1u << status);
        if (write_status(t, variable, status) == SQLITE_OK) {
            atomic_store(&s->acked, (int)status);
            atomic_store(&s->maybe, 0u);
            atomic_fetch_add(&shared->acknowledged, 1);
        }
    }
    tracker_free(t);
    return 0;
}

/* The database, durable before the round: one pending task per slot,
 * written through the plain unix VFS so crash mode takes it as durable. */
static int create_database(const powerloss_config *c, char *err,
                           size_t err_size)
{
    tracker_options options;
    tracker_error error;
    tracker *t = NULL;
    tracker_options_init(&options, &c->profile);
    options.vfs = "unix";
    int rc = tracker_open(c->db_path, &options, &t, &error);
    for (int i = 0;
         rc == SQLITE_OK && i < c->writers * POWERLOSS_TASKS_PER_WRITER; i++) {
        char variable[32];
        variable_of(i, variable, sizeof variable);
        rc = tracker_add_task(t, variable, EXPERIMENT);
    }
    if (rc != SQLITE_OK) {
        tracker_error_format(t ? tracker_last_error(t) : &error, err,
                             err_size);
    }
    tracker_free(t);
    return rc;
}

/* Sleep real seconds. */
static void sleep_s(double seconds)
{
    struct timespec ts = { (time_t)seconds,
                           (long)((seconds - (double)(time_t)seconds) * 1e9) };
    nanosleep(&ts, NULL);
}

/* Wait until the writers have acknowledged `target` writes, every writer
 * has ended, or timeout_s has passed. */
static void wait_for_acks(const shared_state *shared, int target,
                          const pid_t *pids, int count, double timeout_s)
{
    for (double waited = 0; waited < timeout_s; waited += 0.001) {
        if (atomic_load(&shared->acknowledged) >= target) {
            return;
        }
        int alive = 0;
        for (int i = 0; i < count; i++) {
            alive += pids[i] > 0 && kill(pids[i], 0) == 0;
        }
        if (alive == 0) {
            return;
        }
        sleep_s(0.001);
    }
}

/* The status a row holds, by name (TRACKER_STATUS_NONE if unknown). */
static tracker_status status_of(const char *text)
{
    for (int s = TRACKER_STATUS_PENDING; s <= TRACKER_STATUS_FAILED; s++) {
        if (strcmp(text, tracker_status_name((tracker_status)s)) == 0) {
            return (tracker_status)s;
        }
    }
    return TRACKER_STATUS_NONE;
}

/* Reopen after the crash: integrity, then every task against what its
 * writer was told. */
static void verify(const powerloss_config *c, const shared_state *shared,
                   powerloss_result *r)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_open_v2(c->db_path, &db, SQLITE_OPEN_READWRITE, "unix");
    sqlite3_busy_timeout(db, 5000);
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL);
    }
    r->opened = rc == SQLITE_OK;
    if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        snprintf(r->integrity, sizeof r->integrity, "%s",
                 (const char *)sqlite3_column_text(stmt, 0));
    } else {
        snprintf(r->integrity, sizeof r->integrity, "%s", sqlite3_errmsg(db));
    }
    r->integrity_ok = strcmp(r->integrity, "ok") == 0;
    sqlite3_finalize(stmt);
    stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT status FROM cmor_tasks WHERE variable = ?1 "
                       "AND experiment_id = '" EXPERIMENT "'",
                       -1, &stmt, NULL);
    r->tasks = c->writers * POWERLOSS_TASKS_PER_WRITER;
    for (int i = 0; i < r->tasks; i++) {
        char variable[32];
        variable_of(i, variable, sizeof variable);
        sqlite3_reset(stmt);
        sqlite3_bind_text(stmt, 1, variable, -1, SQLITE_TRANSIENT);
        if (!stmt || sqlite3_step(stmt) != SQLITE_ROW) {
            r->unreadable++;
            continue;
        }
        tracker_status row =
            status_of((const char *)sqlite3_column_text(stmt, 0));
        const slot *s = &shared->slots[i];
        bool allowed = (int)row == atomic_load(&s->acked) ||
                       (atomic_load(&s->maybe) & (1u << row)) != 0;
        r->lost += !allowed;
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

int powerloss_round(const powerloss_config *c, powerloss_result *r, char *err,
                    size_t err_size)
{
    memset(r, 0, sizeof *r);
    if (c->writers < 1 || c->writers > POWERLOSS_MAX_WRITERS ||
        c->max_acks < 1) {
        snprintf(err, err_size,
                 "powerloss: writers must be 1..%d and "
                 "max_acks >= 1",
                 POWERLOSS_MAX_WRITERS);
        return SQLITE_MISUSE;
    }
    if (access(c->db_path, F_OK) == 0) {
        snprintf(err, err_size,
                 "powerloss: '%s' exists: a round needs a new "
                 "database",
                 c->db_path);
        return SQLITE_MISUSE;
    }
    int rc = create_database(c, err, err_size);
    if (rc != SQLITE_OK) {
        return rc;
    }
    shared_state *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        snprintf(err, err_size, "powerloss: no shared memory");
        return SQLITE_NOMEM;
    }
    memset(shared, 0, sizeof *shared);
    for (int i = 0; i < MAX_SLOTS; i++) {
        atomic_store(&shared->slots[i].acked, (int)TRACKER_STATUS_PENDING);
    }
    /* spread small seeds over the generator's 48 bits */
    uint64_t spread = (c->seed + 1) * GOLDEN_RATIO_64;
    unsigned short xsubi[3] = { (unsigned short)(spread >> 16),
                                (unsigned short)(spread >> 32),
                                (unsigned short)(spread >> 48) };
    int target = 1 + (int)(erand48(xsubi) * c->max_acks);
    double extra_s = erand48(xsubi) * 0.003;
    pid_t pids[POWERLOSS_MAX_WRITERS];
    int forked = 0;
    fflush(NULL);
    for (int w = 0; w < c->writers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            _exit(writer_main(c, w, shared));
        }
        forked += pids[w] > 0;
    }
    if (forked == c->writers) {
        wait_for_acks(shared, target, pids, c->writers, c->timeout_s);
    }
    sleep_s(extra_s);
    for (int w = 0; w < c->writers; w++) {
        if (pids[w] > 0) {
            kill(pids[w], SIGKILL);
            waitpid(pids[w], NULL, 0);
        }
    }
    r->acknowledged = atomic_load(&shared->acknowledged);
    if (forked < c->writers) {
        snprintf(err, err_size,
                 "powerloss: could fork only %d of %d "
                 "writers",
                 forked, c->writers);
        rc = SQLITE_ERROR;
    } else {
        rc = faultfs_crash_apply(c->db_path, &r->crash, err, err_size);
    }
    if (rc == SQLITE_OK) {
        verify(c, shared, r);
    }
    munmap(shared, sizeof *shared);
    return rc;
}
