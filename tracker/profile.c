/*
 * profile.c: the configuration matrix as a table, and its knobs.
 *
 * The first five rows are the published runs of the upstream pull request
 * (test_1..test_5); "upstream" is its newest code; "hardened" is this
 * project's own answer. A profile is plain data: the tracker reads it and
 * nothing else decides how a call is made or retried.
 */
#include "tracker_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upstream's retry: 5 attempts, attempt k sleeps 2^k s + U(0,1) s. */
#define UPSTREAM_ATTEMPTS 5
#define UPSTREAM_BACKOFF_S 1.0
#define UPSTREAM_JITTER_S 1.0
#define UPSTREAM_BUSY_TIMEOUT_MS 30000

#define PROFILE(NAME, RUN, DESC, JOURNAL, SYNC, CKPT, ERRORS, SCOPE)        \
    { .name = NAME, .published_run = RUN, .description = DESC,              \
      .journal_mode = TRACKER_JOURNAL_##JOURNAL,                            \
      .synchronous = TRACKER_SYNC_##SYNC,                                   \
      .busy_timeout_ms = UPSTREAM_BUSY_TIMEOUT_MS,                          \
      .checkpoint_before_switch = CKPT, .retry_errors = ERRORS,             \
      .retry_scope = SCOPE, .max_attempts = UPSTREAM_ATTEMPTS,              \
      .backoff_base_s = UPSTREAM_BACKOFF_S, .jitter_s = UPSTREAM_JITTER_S }

static const tracker_profile builtin_profiles[] = {
    PROFILE("wal-normal", "test_1",
            "original: WAL + synchronous NORMAL, locked and malformed retried",
            WAL, NORMAL, false, TRACKER_RETRY_BUSY | TRACKER_RETRY_CORRUPT,
            TRACKER_SCOPE_WRITES),
    PROFILE("delete-normal", "test_2", "DELETE journal + synchronous NORMAL",
            DELETE, NORMAL, true, TRACKER_RETRY_BUSY, TRACKER_SCOPE_WRITES),
    PROFILE("delete-off", "test_3", "DELETE journal + synchronous OFF",
            DELETE, OFF, true, TRACKER_RETRY_BUSY, TRACKER_SCOPE_WRITES),
    PROFILE("delete-off-retry-writes", "test_4",
            "DELETE + OFF, I/O errors retried on writes; reads unprotected",
            DELETE, OFF, true, TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR,
            TRACKER_SCOPE_WRITES),
    PROFILE("delete-off-retry-all", "test_5",
            "DELETE + OFF, I/O errors retried on every read and write",
            DELETE, OFF, true, TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR,
            TRACKER_SCOPE_WRITES | TRACKER_SCOPE_READS),
    PROFILE("upstream", "",
            "newest upstream: all but take_monitor_requests retried, open too",
            DELETE, OFF, true, TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR,
            TRACKER_SCOPE_WRITES | TRACKER_SCOPE_READS | TRACKER_SCOPE_OPEN),
    /* Retrying every call absorbs transient EIO, fsync's included: a commit
     * whose fsync failed is rolled back from the journal before the retry,
     * so there is no need to give up durability with synchronous=OFF. */
    PROFILE("hardened", "",
            "this project's answer: DELETE + NORMAL, every call retried",
            DELETE, NORMAL, true, TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR,
            TRACKER_SCOPE_ALL),
};

#define PROFILE_COUNT (sizeof builtin_profiles / sizeof builtin_profiles[0])

size_t tracker_profile_count(void)
{
    return PROFILE_COUNT;
}

const tracker_profile *tracker_profile_at(size_t index)
{
    return index < PROFILE_COUNT ? &builtin_profiles[index] : NULL;
}

const tracker_profile *tracker_profile_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < PROFILE_COUNT; i++)
        if (strcmp(builtin_profiles[i].name, name) == 0)
            return &builtin_profiles[i];
    return NULL;
}

/* Names of enum values, indexed by the value; shared by parse and print. */
static const char *const journal_names[] = {
    [TRACKER_JOURNAL_DELETE] = "delete", [TRACKER_JOURNAL_TRUNCATE] = "truncate",
    [TRACKER_JOURNAL_PERSIST] = "persist", [TRACKER_JOURNAL_WAL] = "wal",
};
static const char *const sync_names[] = {
    [TRACKER_SYNC_OFF] = "off", [TRACKER_SYNC_NORMAL] = "normal",
    [TRACKER_SYNC_FULL] = "full", [TRACKER_SYNC_EXTRA] = "extra",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *tracker_journal_mode_name(tracker_journal_mode mode)
{
    return (unsigned)mode < COUNT_OF(journal_names) ? journal_names[mode]
                                                     : "invalid";
}

const char *tracker_sync_mode_name(tracker_sync_mode mode)
{
    return (unsigned)mode < COUNT_OF(sync_names) ? sync_names[mode]
                                                  : "invalid";
}

/* Names of the bits of retry_errors and retry_scope, for "a+b" lists. */
struct flag_name {
    const char *name;
    unsigned bit;
};
static const struct flag_name retry_flags[] = {
    { "busy", TRACKER_RETRY_BUSY },
    { "ioerr", TRACKER_RETRY_IOERR },
    { "corrupt", TRACKER_RETRY_CORRUPT },
};
static const struct flag_name scope_flags[] = {
    { "writes", TRACKER_SCOPE_WRITES },
    { "reads", TRACKER_SCOPE_READS },
    { "take_monitor", TRACKER_SCOPE_TAKE_MONITOR },
    { "open", TRACKER_SCOPE_OPEN },
};

/* Index of `value` in `names`, or -1. */
static int lookup_name(const char *const *names, size_t count,
                       const char *value)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], value) == 0)
            return (int)i;
    return -1;
}

/* Parse "a+b+c" (or "none") into bits; false on an unknown word. */
static bool parse_flags(const struct flag_name *flags, size_t count,
                        const char *value, unsigned *out)
{
    unsigned bits = 0;
    if (strcmp(value, "none") == 0) {
        *out = 0;
        return true;
    }
    const char *word = value;
    while (*word) {
        size_t len = strcspn(word, "+");
        bool found = false;
        for (size_t i = 0; i < count && !found; i++) {
            if (strlen(flags[i].name) == len &&
                strncmp(flags[i].name, word, len) == 0) {
                bits |= flags[i].bit;
                found = true;
            }
        }
        if (!found || len == 0)
            return false;
        word += len;
        if (*word == '+' && *++word == '\0')
            return false; /* a trailing '+' */
    }
    *out = bits;
    return word != value;
}

/* Format bits as "a+b", "none" when empty. */
static void format_flags(const struct flag_name *flags, size_t count,
                         unsigned bits, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (!(bits & flags[i].bit))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "+" : "",
                         flags[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, size, "none");
}

bool tracker_parse_whole(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool tracker_parse_real(const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v) || v < lo ||
        v > hi)
        return false;
    *out = v;
    return true;
}

/* A whole number in [lo, hi] into an int knob. */
static bool parse_int(const char *value, long lo, long hi, int *out)
{
    long v;
    if (!tracker_parse_whole(value, lo, hi, &v))
        return false;
    *out = (int)v;
    return true;
}

static bool parse_yes_no(const char *value, bool *out)
{
    if (strcmp(value, "yes") == 0 || strcmp(value, "1") == 0 ||
        strcmp(value, "true") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(value, "no") == 0 || strcmp(value, "0") == 0 ||
        strcmp(value, "false") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* Apply one knob to a copy; says which values the key accepts on failure. */
static const char *apply_knob(tracker_profile *p, const char *key,
                              const char *value)
{
    int index;
    if (strcmp(key, "journal") == 0) {
        index = lookup_name(journal_names, COUNT_OF(journal_names), value);
        if (index < 0)
            return "delete, truncate, persist or wal";
        p->journal_mode = (tracker_journal_mode)index;
    } else if (strcmp(key, "sync") == 0) {
        index = lookup_name(sync_names, COUNT_OF(sync_names), value);
        if (index < 0)
            return "off, normal, full or extra";
        p->synchronous = (tracker_sync_mode)index;
    } else if (strcmp(key, "busy_timeout") == 0) {
        if (!parse_int(value, 0, 86400000, &p->busy_timeout_ms))
            return "milliseconds from 0 to 86400000";
    } else if (strcmp(key, "checkpoint") == 0) {
        if (!parse_yes_no(value, &p->checkpoint_before_switch))
            return "yes or no";
    } else if (strcmp(key, "attempts") == 0) {
        if (!parse_int(value, 1, 100, &p->max_attempts))
            return "a whole number from 1 to 100";
    } else if (strcmp(key, "backoff") == 0) {
        if (!tracker_parse_real(value, 0, 3600, &p->backoff_base_s))
            return "seconds from 0 to 3600";
    } else if (strcmp(key, "jitter") == 0) {
        if (!tracker_parse_real(value, 0, 3600, &p->jitter_s))
            return "seconds from 0 to 3600";
    } else if (strcmp(key, "retry") == 0) {
        if (!parse_flags(retry_flags, COUNT_OF(retry_flags), value,
                         &p->retry_errors))
            return "'none' or busy, ioerr, corrupt joined by '+'";
    } else if (strcmp(key, "scope") == 0) {
        if (strcmp(value, "all") == 0)
            p->retry_scope = TRACKER_SCOPE_ALL;
        else if (!parse_flags(scope_flags, COUNT_OF(scope_flags), value,
                              &p->retry_scope))
            return "'all', 'none' or writes, reads, take_monitor, open "
                   "joined by '+'";
    } else {
        return NULL;
    }
    return "";
}

int tracker_profile_set(tracker_profile *profile, const char *key,
                        const char *value, char *err, size_t err_size)
{
    if (profile == NULL || key == NULL || value == NULL) {
        snprintf(err, err_size, "profile knob: missing profile, key or value");
        return SQLITE_MISUSE;
    }
    tracker_profile changed = *profile;
    const char *expected = apply_knob(&changed, key, value);
    if (expected == NULL) {
        snprintf(err, err_size,
                 "unknown profile knob '%s' (known: journal, sync, "
                 "busy_timeout, checkpoint, attempts, backoff, jitter, retry, "
                 "scope)", key);
        return SQLITE_MISUSE;
    }
    if (*expected) {
        snprintf(err, err_size, "profile knob %s: bad value '%s' (expected %s)",
                 key, value, expected);
        return SQLITE_MISUSE;
    }
    /* A changed profile is no longer the published one it started from. */
    char name[sizeof changed.name];
    int n = snprintf(name, sizeof name, "%s+%s=%s", profile->name, key, value);
    if (n < 0 || (size_t)n >= sizeof name) {
        snprintf(err, err_size, "profile knob %s=%s: too many overrides for "
                 "one profile name", key, value);
        return SQLITE_MISUSE;
    }
    memcpy(changed.name, name, sizeof name);
    changed.published_run[0] = '\0';
    *profile = changed;
    return SQLITE_OK;
}

int tracker_profile_parse(const char *spec, tracker_profile *out, char *err,
                          size_t err_size)
{
    if (spec == NULL || *spec == '\0') {
        snprintf(err, err_size, "empty profile (known: %s",
                 builtin_profiles[0].name);
        for (size_t i = 1; i < PROFILE_COUNT; i++) {
            size_t used = strlen(err);
            snprintf(err + used, err_size - used, ", %s",
                     builtin_profiles[i].name);
        }
        size_t used = strlen(err);
        snprintf(err + used, err_size - used, ")");
        return SQLITE_MISUSE;
    }
    char *copy = strdup(spec);
    if (copy == NULL) {
        snprintf(err, err_size, "out of memory");
        return SQLITE_NOMEM;
    }
    int rc = SQLITE_OK;
    char *save = NULL;
    char *name = strtok_r(copy, ",", &save);
    const tracker_profile *base = tracker_profile_find(name);
    if (base == NULL) {
        snprintf(err, err_size, "unknown profile '%s' (list them with "
                 "--list-profiles)", name ? name : "");
        rc = SQLITE_MISUSE;
    } else {
        tracker_profile p = *base;
        for (char *kv = strtok_r(NULL, ",", &save); kv && rc == SQLITE_OK;
             kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            if (eq == NULL) {
                snprintf(err, err_size, "profile '%s': '%s' is not key=value",
                         spec, kv);
                rc = SQLITE_MISUSE;
                break;
            }
            *eq = '\0';
            rc = tracker_profile_set(&p, kv, eq + 1, err, err_size);
        }
        if (rc == SQLITE_OK)
            *out = p;
    }
    free(copy);
    return rc;
}

/* The shortest text that strtod reads back to exactly v. */
static void format_seconds(double v, char *buf, size_t size)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int tracker_profile_get(const tracker_profile *p, const char *key, char *buf,
                        size_t buf_size)
{
    if (strcmp(key, "journal") == 0)
        snprintf(buf, buf_size, "%s",
                 tracker_journal_mode_name(p->journal_mode));
    else if (strcmp(key, "sync") == 0)
        snprintf(buf, buf_size, "%s", tracker_sync_mode_name(p->synchronous));
    else if (strcmp(key, "busy_timeout") == 0)
        snprintf(buf, buf_size, "%d", p->busy_timeout_ms);
    else if (strcmp(key, "checkpoint") == 0)
        snprintf(buf, buf_size, "%s", p->checkpoint_before_switch ? "yes"
                                                                   : "no");
    else if (strcmp(key, "attempts") == 0)
        snprintf(buf, buf_size, "%d", p->max_attempts);
    else if (strcmp(key, "backoff") == 0)
        format_seconds(p->backoff_base_s, buf, buf_size);
    else if (strcmp(key, "jitter") == 0)
        format_seconds(p->jitter_s, buf, buf_size);
    else if (strcmp(key, "retry") == 0)
        format_flags(retry_flags, COUNT_OF(retry_flags), p->retry_errors, buf,
                     buf_size);
    else if (strcmp(key, "scope") == 0)
        format_flags(scope_flags, COUNT_OF(scope_flags), p->retry_scope, buf,
                     buf_size);
    else
        return SQLITE_MISUSE;
    return SQLITE_OK;
}

/* Every knob, in the order describe prints them. */
static const char *const knob_keys[] = {
    "journal", "sync", "busy_timeout", "checkpoint", "retry", "scope",
    "attempts", "backoff", "jitter",
};

void tracker_profile_describe(const tracker_profile *p, char *buf,
                              size_t buf_size)
{
    int used = snprintf(buf, buf_size, "%s:", p->name);
    for (size_t i = 0; i < COUNT_OF(knob_keys) && used >= 0 &&
                       (size_t)used < buf_size; i++) {
        char value[64];
        tracker_profile_get(p, knob_keys[i], value, sizeof value);
        used += snprintf(buf + used, buf_size - (size_t)used, " %s=%s",
                         knob_keys[i], value);
    }
}
