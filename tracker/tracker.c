/*
 * tracker.c: a tracker's life: options, open, close, and what it reports.
 */
#include "tracker_internal.h"
#include "shared_inline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One row of TRACKER_OPERATIONS, indexed by tracker_op. */
struct operation {
    const char *name;
    unsigned scope;
    tracker_status sets_status;
};

static const struct operation operations[TRACKER_OP_COUNT] = {
#define OPERATION_ROW(id, name, scope, status)                                \
    [TRACKER_OP_##id] = { name, scope, status },
    TRACKER_OPERATIONS(OPERATION_ROW)
#undef OPERATION_ROW
};

const char *tracker_op_name(tracker_op op)
{
    return (unsigned)op < TRACKER_OP_COUNT ? operations[op].name : "invalid";
}

bool tracker_op_find(const char *name, tracker_op *op)
{
    for (int k = 0; name && k < TRACKER_OP_COUNT; k++)
        if (strcmp(operations[k].name, name) == 0) {
            *op = (tracker_op)k;
            return true;
        }
    return false;
}

unsigned tracker_op_scope(tracker_op op)
{
    return (unsigned)op < TRACKER_OP_COUNT ? operations[op].scope : 0u;
}

tracker_status tracker_op_sets_status(tracker_op op)
{
    return (unsigned)op < TRACKER_OP_COUNT ? operations[op].sets_status
                                           : TRACKER_STATUS_NONE;
}

/* The default sleep: nanosleep, resumed after signals. */
static void real_sleep(void *ctx, double seconds)
{
    (void)ctx;
    sleep_resuming(seconds);
}

void tracker_options_init(tracker_options *options,
                          const tracker_profile *profile)
{
    memset(options, 0, sizeof *options);
    options->profile = profile ? *profile : *tracker_profile_at(0);
    options->time_scale = 1.0;
    options->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

/* mkdir -p of the directory holding `path`, as upstream's
 * parent.mkdir(parents=True, exist_ok=True). */
static int make_parent_directory(const char *path, char *message, size_t size)
{
    char *dir = strdup(path);
    if (dir == NULL)
        return SQLITE_NOMEM;
    char *slash = strrchr(dir, '/');
    int rc = SQLITE_OK;
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; rc == SQLITE_OK; p++) {
            bool end = (*p == '\0');
            if (*p != '/' && !end)
                continue;
            *p = '\0';
            struct stat st;
            if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
                snprintf(message, size, "cannot create directory '%s': %s",
                         dir, strerror(errno));
                rc = SQLITE_CANTOPEN;
            } else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                snprintf(message, size, "'%s' exists and is not a directory",
                         dir);
                rc = SQLITE_CANTOPEN;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    free(dir);
    return rc;
}

/* A profile the retry loop can run: at least one attempt, sane numbers. */
static bool profile_is_valid(const tracker_profile *p)
{
    return p->max_attempts >= 1 && p->busy_timeout_ms >= 0 &&
           p->backoff_base_s >= 0 && p->jitter_s >= 0 &&
           (unsigned)p->journal_mode <= TRACKER_JOURNAL_WAL &&
           (unsigned)p->synchronous <= TRACKER_SYNC_EXTRA;
}

/* Report a failure of tracker_open through *error. */
static int open_failed(tracker_error *error, int code, const char *message)
{
    if (error)
        tracker_error_set(error, TRACKER_OP_OPEN, code, 1, message);
    return code;
}

int tracker_open(const char *path, const tracker_options *options,
                 tracker **out, tracker_error *error)
{
    if (out == NULL)
        return open_failed(error, SQLITE_MISUSE, "no place for the tracker");
    *out = NULL;
    if (path == NULL || *path == '\0')
        return open_failed(error, SQLITE_MISUSE, "empty database path");
    tracker_options defaults;
    if (options == NULL) {
        tracker_options_init(&defaults, NULL);
        options = &defaults;
    }
    if (!profile_is_valid(&options->profile) || !(options->time_scale >= 0))
        return open_failed(error, SQLITE_MISUSE,
                           "invalid profile or time scale in options");

    char message[256];
    int rc = make_parent_directory(path, message, sizeof message);
    if (rc != SQLITE_OK)
        return open_failed(error, rc, message);

    tracker *t = calloc(1, sizeof *t);
    if (t == NULL || (t->path = strdup(path)) == NULL) {
        free(t);
        return open_failed(error, SQLITE_NOMEM, "out of memory");
    }
    t->options = *options;
    if (t->options.sleep == NULL)
        t->options.sleep = real_sleep;
    t->random_state = options->seed;
    /* Reconnects read the VFS name later: keep a copy of the caller's. */
    if (options->vfs && (t->vfs_name = strdup(options->vfs)) == NULL) {
        tracker_free(t);
        return open_failed(error, SQLITE_NOMEM, "out of memory");
    }
    t->options.vfs = t->vfs_name;
    rc = tracker_call(t, TRACKER_OP_OPEN, tracker_connect, NULL);
    if (rc != SQLITE_OK) {
        if (error)
            *error = t->last_error;
        tracker_free(t);
        return rc;
    }
    *out = t;
    return SQLITE_OK;
}

int tracker_close(tracker *t)
{
    if (t == NULL)
        return SQLITE_MISUSE;
    if (!t->closed) {
        t->stats.op[TRACKER_OP_CLOSE].calls++;
        tracker_disconnect(t);
        t->closed = true;
    }
    return SQLITE_OK;
}

void tracker_free(tracker *t)
{
    if (t == NULL)
        return;
    tracker_close(t);
    free(t->path);
    free(t->vfs_name);
    free(t);
}

/* A NULL tracker has nowhere to record why; SQLITE_MISUSE says enough. */
static int check_open(tracker *t, tracker_op op)
{
    if (t == NULL)
        return SQLITE_MISUSE;
    if (t->closed)
        return tracker_reject(t, op, SQLITE_MISUSE,
                              "tracker for '%s' is closed", t->path);
    return SQLITE_OK;
}

int tracker_check_experiment(tracker *t, tracker_op op, const char *experiment)
{
    int rc = check_open(t, op);
    if (rc == SQLITE_OK && (experiment == NULL || *experiment == '\0'))
        rc = tracker_reject(t, op, SQLITE_MISUSE, "empty experiment_id");
    return rc;
}

int tracker_check_task(tracker *t, tracker_op op, const char *variable,
                       const char *experiment)
{
    int rc = check_open(t, op);
    if (rc == SQLITE_OK && (variable == NULL || *variable == '\0'))
        rc = tracker_reject(t, op, SQLITE_MISUSE, "empty variable name");
    return rc == SQLITE_OK ? tracker_check_experiment(t, op, experiment) : rc;
}

int tracker_check_result(tracker *t, tracker_op op, bool has_place)
{
    int rc = check_open(t, op);
    if (rc == SQLITE_OK && !has_place)
        rc = tracker_reject(t, op, SQLITE_MISUSE, "no place for the result");
    return rc;
}

const tracker_error *tracker_last_error(const tracker *t)
{
    return t ? &t->last_error : NULL;
}

const tracker_profile *tracker_get_profile(const tracker *t)
{
    return t ? &t->options.profile : NULL;
}

const char *tracker_path(const tracker *t)
{
    return t ? t->path : NULL;
}

const char *tracker_status_name(tracker_status status)
{
    switch (status) {
    case TRACKER_STATUS_PENDING: return "pending";
    case TRACKER_STATUS_RUNNING: return "running";
    case TRACKER_STATUS_COMPLETED: return "completed";
    case TRACKER_STATUS_FAILED: return "failed";
    default: return "none";
    }
}
