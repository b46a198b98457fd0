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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upstream's retry: 5 attempts, attempt k sleeps 2^k s + U(0,1) s. */
#define UPSTREAM_ATTEMPTS 5
#define UPSTREAM_BACKOFF_S 1.0
#define UPSTREAM_JITTER_S 1.0
/* sqlite3.connect(path, timeout=30) and PRAGMA busy_timeout=30000, from the
 * fix on; the original called sqlite3.connect(path), whose default timeout
 * (5 s) is the only busy handler it had. */
#define UPSTREAM_BUSY_TIMEOUT_MS 30000
#define PYTHON_DEFAULT_TIMEOUT_MS 5000

#define PROFILE(NAME, RUN, DESC, JOURNAL, SYNC, BUSY_MS, CKPT, ERRORS, SCOPE)  \
    {                                                                         \
        .name = NAME, .published_run = RUN, .description = DESC,              \
        .journal_mode = TRACKER_JOURNAL_##JOURNAL,                            \
        .synchronous = TRACKER_SYNC_##SYNC, .busy_timeout_ms = BUSY_MS,       \
        .checkpoint_before_switch = CKPT, .retry_errors = ERRORS,             \
        .retry_scope = SCOPE, .max_attempts = UPSTREAM_ATTEMPTS,              \
        .backoff_base_s = UPSTREAM_BACKOFF_S, .jitter_s = UPSTREAM_JITTER_S   \
    }

/* Where each row comes from (the code, or the pull request's description
 * of each run, and where they disagree) is tracker/README.md's provenance
 * table; a row changed here changes that table too. */
static const tracker_profile builtin_profiles[] = {
    /* The code on upstream's main before the fix: it defines a retry
     * helper for "database is locked" but no method calls it, so nothing
     * is retried; writes run in a bare `with conn:`. */
    PROFILE("wal-normal", "test_1",
            "original: WAL + synchronous NORMAL, 5 s busy timeout, no retry",
            WAL, NORMAL, PYTHON_DEFAULT_TIMEOUT_MS, false, 0u, 0u),
    PROFILE("delete-normal", "test_2", "DELETE journal + synchronous NORMAL",
            DELETE, NORMAL, UPSTREAM_BUSY_TIMEOUT_MS, true, TRACKER_RETRY_BUSY,
            TRACKER_SCOPE_WRITES),
    PROFILE("delete-off", "test_3", "DELETE journal + synchronous OFF", DELETE,
            OFF, UPSTREAM_BUSY_TIMEOUT_MS, true, TRACKER_RETRY_BUSY,
            TRACKER_SCOPE_WRITES),
    PROFILE("delete-off-retry-writes", "test_4",
            "DELETE + OFF, I/O errors retried on writes; reads unprotected",
            DELETE, OFF, UPSTREAM_BUSY_TIMEOUT_MS, true,
            TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR, TRACKER_SCOPE_WRITES),
    PROFILE("delete-off-retry-all", "test_5",
            "DELETE + OFF, I/O errors retried on every read and write", DELETE,
            OFF, UPSTREAM_BUSY_TIMEOUT_MS, true,
            TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR,
            TRACKER_SCOPE_WRITES | TRACKER_SCOPE_READS),
    /* sqlite3.connect stays outside upstream's retry loops: no
     * TRACKER_SCOPE_CONNECT. */
    PROFILE("upstream", "",
            "newest upstream: all but take_monitor_requests retried, open too",
            DELETE, OFF, UPSTREAM_BUSY_TIMEOUT_MS, true,
            TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR,
            TRACKER_SCOPE_WRITES | TRACKER_SCOPE_READS | TRACKER_SCOPE_OPEN),
    /* Retrying every call absorbs transient EIO, fsync's included: a commit
     * whose fsync failed is rolled back from the journal before the retry,
     * so there is no need to give up durability with synchronous=OFF. */
    PROFILE("hardened", "",
            "this project's answer: DELETE + NORMAL, every call retried",
            DELETE, NORMAL, UPSTREAM_BUSY_TIMEOUT_MS, true,
            TRACKER_RETRY_BUSY | TRACKER_RETRY_IOERR, TRACKER_SCOPE_ALL),
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
    [TRACKER_JOURNAL_DELETE] = "delete",
    [TRACKER_JOURNAL_TRUNCATE] = "truncate",
    [TRACKER_JOURNAL_PERSIST] = "persist",
    [TRACKER_JOURNAL_WAL] = "wal",
};
static const char *const sync_names[] = {
    [TRACKER_SYNC_OFF] = "off",
    [TRACKER_SYNC_NORMAL] = "normal",
    [TRACKER_SYNC_FULL] = "full",
    [TRACKER_SYNC_EXTRA] = "extra",
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
    { "connect", TRACKER_SCOPE_CONNECT },
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

/* The shortest text that strtod reads back to exactly v. */
static void format_seconds(double v, char *buf, size_t size)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* ------------------------------------------------------------- key table */

/* How a knob's text maps to its field. */
typedef enum knob_type {
    KNOB_CHOICE, /* an enum stored as an int, by name */
    KNOB_WHOLE,  /* an int from lo to hi */
    KNOB_REAL,   /* a double from lo to hi, printed so it reads back exactly */
    KNOB_YES_NO, /* a bool: yes|no (1|0, true|false accepted) */
    KNOB_FLAGS   /* unsigned bits: "a+b", "none", and "all" when all_bits */
} knob_type;

/* One knob: its key, where it lives, what it takes, and its foreign job's
 * environment variable. */
typedef struct knob {
    const char *key;
    const char *variable; /* harness/jobs/CONTRACT.md */
    knob_type type;
    size_t offset;              /* into tracker_profile */
    const char *expected;       /* the values a bad one is told to use */
    int known_rank;             /* place in the unknown-knob message's list */
    const char *const *choices; /* KNOB_CHOICE, with choice_count */
    size_t choice_count;
    const struct flag_name *flags; /* KNOB_FLAGS, with flag_count */
    size_t flag_count;
    unsigned all_bits; /* KNOB_FLAGS: "all"; 0: no "all" */
    double lo, hi;     /* KNOB_WHOLE, KNOB_REAL */
} knob;

/* KNOB_CHOICE fields are enums stored through an int. */
_Static_assert(sizeof(tracker_journal_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(tracker_sync_mode) == sizeof(int), "enum size");

#define FIELD(name) offsetof(tracker_profile, name)
/* Every knob, the one place to add one, in the order describe prints them
 * and a foreign job's environment carries them. known_rank keeps the
 * documented order (tracker.h) of the list an unknown knob is told. */
static const knob knobs[] = {
    { .key = "journal",
      .variable = "TRACKHAMMER_JOURNAL",
      .type = KNOB_CHOICE,
      .offset = FIELD(journal_mode),
      .expected = "delete, truncate, persist or wal",
      .known_rank = 0,
      .choices = journal_names,
      .choice_count = COUNT_OF(journal_names) },
    { .key = "sync",
      .variable = "TRACKHAMMER_SYNC",
      .type = KNOB_CHOICE,
      .offset = FIELD(synchronous),
      .expected = "off, normal, full or extra",
      .known_rank = 1,
      .choices = sync_names,
      .choice_count = COUNT_OF(sync_names) },
    { .key = "busy_timeout",
      .variable = "TRACKHAMMER_BUSY_TIMEOUT_MS",
      .type = KNOB_WHOLE,
      .offset = FIELD(busy_timeout_ms),
      .expected = "milliseconds from 0 to 86400000",
      .known_rank = 2,
      .lo = 0,
      .hi = 86400000 },
    { .key = "checkpoint",
      .variable = "TRACKHAMMER_CHECKPOINT",
      .type = KNOB_YES_NO,
      .offset = FIELD(checkpoint_before_switch),
      .expected = "yes or no",
      .known_rank = 3 },
    { .key = "retry",
      .variable = "TRACKHAMMER_RETRY",
      .type = KNOB_FLAGS,
      .offset = FIELD(retry_errors),
      .expected = "'none' or busy, ioerr, corrupt joined by '+'",
      .known_rank = 7,
      .flags = retry_flags,
      .flag_count = COUNT_OF(retry_flags) },
    { .key = "scope",
      .variable = "TRACKHAMMER_SCOPE",
      .type = KNOB_FLAGS,
      .offset = FIELD(retry_scope),
      .expected = "'all', 'none' or writes, reads, take_monitor, open, "
                  "connect joined by '+'",
      .known_rank = 8,
      .flags = scope_flags,
      .flag_count = COUNT_OF(scope_flags),
      .all_bits = TRACKER_SCOPE_ALL },
    { .key = "attempts",
      .variable = "TRACKHAMMER_ATTEMPTS",
      .type = KNOB_WHOLE,
      .offset = FIELD(max_attempts),
      .expected = "a whole number from 1 to 100",
      .known_rank = 4,
      .lo = 1,
      .hi = 100 },
    { .key = "backoff",
      .variable = "TRACKHAMMER_BACKOFF",
      .type = KNOB_REAL,
      .offset = FIELD(backoff_base_s),
      .expected = "seconds from 0 to 3600",
      .known_rank = 5,
      .lo = 0,
      .hi = 3600 },
    { .key = "jitter",
      .variable = "TRACKHAMMER_JITTER",
      .type = KNOB_REAL,
      .offset = FIELD(jitter_s),
      .expected = "seconds from 0 to 3600",
      .known_rank = 6,
      .lo = 0,
      .hi = 3600 },
};
#undef FIELD

/* The knob called `key`, or NULL. */
static const knob *find_knob(const char *key)
{
    for (size_t i = 0; i < COUNT_OF(knobs); i++)
        if (strcmp(knobs[i].key, key) == 0)
            return &knobs[i];
    return NULL;
}

/* Parse `value` into the knob's field of p; false if the knob refuses it. */
static bool parse_knob(const knob *k, const char *value, tracker_profile *p)
{
    void *field = (char *)p + k->offset;
    int index;
    switch (k->type) {
    case KNOB_CHOICE:
        index = lookup_name(k->choices, k->choice_count, value);
        if (index >= 0)
            *(int *)field = index;
        return index >= 0;
    case KNOB_WHOLE: return parse_int(value, (long)k->lo, (long)k->hi, field);
    case KNOB_REAL: return tracker_parse_real(value, k->lo, k->hi, field);
    case KNOB_YES_NO: return parse_yes_no(value, field);
    case KNOB_FLAGS:
        if (k->all_bits && strcmp(value, "all") == 0) {
            *(unsigned *)field = k->all_bits;
            return true;
        }
        return parse_flags(k->flags, k->flag_count, value, field);
    }
    return false;
}

/* The knob's value in p as text that parse_knob reads back to it. */
static void format_knob(const knob *k, const tracker_profile *p, char *buf,
                        size_t size)
{
    const void *field = (const char *)p + k->offset;
    int index;
    switch (k->type) {
    case KNOB_CHOICE:
        index = *(const int *)field;
        snprintf(buf, size, "%s",
                 (unsigned)index < k->choice_count ? k->choices[index]
                                                   : "invalid");
        break;
    case KNOB_WHOLE: snprintf(buf, size, "%d", *(const int *)field); break;
    case KNOB_REAL: format_seconds(*(const double *)field, buf, size); break;
    case KNOB_YES_NO:
        snprintf(buf, size, "%s", *(const bool *)field ? "yes" : "no");
        break;
    case KNOB_FLAGS:
        format_flags(k->flags, k->flag_count, *(const unsigned *)field, buf,
                     size);
        break;
    }
}

/* "unknown profile knob 'KEY' (known: ...)", the keys in known_rank order. */
static void unknown_knob_message(const char *key, char *err, size_t err_size)
{
    int used =
        snprintf(err, err_size, "unknown profile knob '%s' (known: ", key);
    for (int rank = 0; rank < (int)COUNT_OF(knobs); rank++)
        for (size_t i = 0; i < COUNT_OF(knobs); i++)
            if (knobs[i].known_rank == rank && used >= 0 &&
                (size_t)used < err_size)
                used += snprintf(err + used, err_size - (size_t)used, "%s%s",
                                 rank ? ", " : "", knobs[i].key);
    if (used >= 0 && (size_t)used < err_size)
        snprintf(err + used, err_size - (size_t)used, ")");
}

const char *tracker_profile_knob(size_t index)
{
    return index < COUNT_OF(knobs) ? knobs[index].key : NULL;
}

const char *tracker_profile_knob_variable(size_t index)
{
    return index < COUNT_OF(knobs) ? knobs[index].variable : NULL;
}

int tracker_profile_set(tracker_profile *profile, const char *key,
                        const char *value, char *err, size_t err_size)
{
    if (profile == NULL || key == NULL || value == NULL) {
        snprintf(err, err_size, "profile knob: missing profile, key or value");
        return SQLITE_MISUSE;
    }
    const knob *k = find_knob(key);
    if (k == NULL) {
        unknown_knob_message(key, err, err_size);
        return SQLITE_MISUSE;
    }
    tracker_profile changed = *profile;
    if (!parse_knob(k, value, &changed)) {
        snprintf(err, err_size,
                 "profile knob %s: bad value '%s' (expected %s)", key, value,
                 k->expected);
        return SQLITE_MISUSE;
    }
    /* A changed profile is no longer the published one it started from. */
    char name[sizeof changed.name];
    int n = snprintf(name, sizeof name, "%s+%s=%s", profile->name, key, value);
    if (n < 0 || (size_t)n >= sizeof name) {
        snprintf(err, err_size,
                 "profile knob %s=%s: too many overrides for "
                 "one profile name",
                 key, value);
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
        snprintf(err, err_size,
                 "unknown profile '%s' (list them with "
                 "--list-profiles)",
                 name ? name : "");
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

int tracker_profile_get(const tracker_profile *p, const char *key, char *buf,
                        size_t buf_size)
{
    const knob *k = find_knob(key);
    if (k == NULL)
        return SQLITE_MISUSE;
    format_knob(k, p, buf, buf_size);
    return SQLITE_OK;
}

void tracker_profile_describe(const tracker_profile *p, char *buf,
                              size_t buf_size)
{
    int used = snprintf(buf, buf_size, "%s:", p->name);
    for (size_t i = 0;
         i < COUNT_OF(knobs) && used >= 0 && (size_t)used < buf_size; i++) {
        char value[64];
        format_knob(&knobs[i], p, value, sizeof value);
        used += snprintf(buf + used, buf_size - (size_t)used, " %s=%s",
                         knobs[i].key, value);
    }
}
