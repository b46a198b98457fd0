/*
 * faultfs_config.c: the configuration string, its keys, and the models.
 *
 * A configuration is "MODEL[,key=value...]": the model's defaults, then
 * overrides. Every key is described once, in global_keys or class_keys,
 * and both the parser and faultfs_config_describe work from those tables,
 * so what can be set and what is printed never drift apart.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "faultfs_internal.h"

/*
 * The default model, `lustre`: a Lustre client during a 71-job start-up
 * storm. Every parameter, its default and why, in one place. Probabilities
 * are per call at storm factor 1, i.e. when the file-system calls of all
 * jobs run at storm.capacity; they are starting estimates from the published
 * matrix (about 100 calls and 6 fsyncs per job, 6/71 jobs failing with WAL +
 * NORMAL, 3/71 once synchronous=OFF removed every fsync), never trusted as
 * rates: they are the design point of the calibration, which keeps their
 * ratios within each group (sync; the metadata round trips open, delete,
 * access, truncate, lock, shm_open; the data calls read, write) and fits one
 * multiplier per group to published rows. The fitted rates are in
 * lustre-fitted.conf, which trackhammer applies (fit=PATH) unless told
 * fit=none; FIDELITY.md tells how they were fitted. Latencies, the storm's
 * shape and everything else are not fitted: the published counts of five
 * configurations leave no data for them. Latencies are model seconds.
 */
static const struct model_setting {
    const char *key;
    const char *value;
    const char *why;
} lustre_model[] = {
    { "open.p", "0.002",
      "open/create is an intent RPC to the metadata server (MDS), the first "
      "thing to time out under a storm" },
    { "delete.p", "0.002",
      "unlink is a pure MDS operation, as costly as create" },
    { "access.p", "0.0005",
      "stat/getattr is usually answered from the client's cached attributes" },
    { "sync.p", "0.01",
      "fsync waits for OST commit and the MDS; the published runs lose most "
      "I/O errors when synchronous=OFF removes it (8/71 -> 3/71)" },
    { "read.p", "0.0005",
      "reads hit the OSTs, which the storm loads less than the MDS; upstream "
      "still needed to retry reads to reach 0/71" },
    { "read.errno", "eio",
      "a Lustre client reports a failed page read as EIO (an RPC timeout "
      "can surface as ETIMEDOUT: read.errno=etimedout)" },
    { "write.p", "0.0005", "writes are cached and flushed later, like reads" },
    { "truncate.p", "0.002", "truncate is an MDS setattr plus an OST punch" },
    { "lock.p", "0.0005",
      "an fcntl lock is an LDLM round trip with flock, rarely refused" },
    { "shm_open.p", "0.002", "opening the -shm file is an open, like open.p" },
    { "shm_map.p", "0",
      "SIGBUS comes from model (b), nodes, by placement; model (a) adds "
      "a rate nobody measured" },
    { "shm_map.effect", "unback",
      "when shm_map.p is raised, a failed page-in is a SIGBUS, not an error" },
    { "open.latency", "1ms", "one MDS round trip under load" },
    { "delete.latency", "1ms", "one MDS round trip" },
    { "access.latency", "200us", "mostly answered from the attribute cache" },
    { "sync.latency", "5ms", "OST commit plus an MDS round trip" },
    { "read.latency", "200us", "a 4 KiB page from an OST, often cached" },
    { "write.latency", "300us", "a 4 KiB page into the client's cache" },
    { "truncate.latency", "2ms", "MDS setattr plus OST punch" },
    { "lock.latency", "500us",
      "an LDLM lock enqueue; makes lock hold times span round trips" },
    { "shm_open.latency", "1ms", "an open" },
    { "shm_map.latency", "0", "mmap is local to the client" },
    { "node", "0", "the harness assigns each rank its node" },
    { "node.locks", "shm",
      "localflock-like -shm locks; database locks stay coherent, as the "
      "DELETE runs (no corruption, no SIGBUS) imply" },
    { "wal.stale", "1s",
      "a client answers a -wal file's size from its cache for up to a second "
      "after another client appended to it (a FUSE client's attribute "
      "lifetime; not fitted: no published figure measures it)" },
    { "wal.short_reads", "off",
      "a read past the size a client believes is served in full: three real "
      "file systems' clients (GlusterFS, sshfs, CephFS, 4 nodes) gave one "
      "short read in 240 WAL jobs, where on gave 46 of 80 (FIDELITY.md)" },
    { "time_scale", "1", "real time; the harness passes its --time-scale" },
    { "storm", "on", "fault rates follow the load on the metadata server" },
    { "storm.capacity", "2000",
      "calls/s at which the base rates apply: 71 jobs opening the database "
      "at once make roughly this many" },
    { "storm.horizon", "1s", "the MDS queue drains in about a second" },
    { "storm.max", "10", "even a saturated MDS answers most requests" },
    { "storm.window", "60s",
      "other start-up traffic (Python, conda, inputs) lasts about a minute" },
    { "storm.background", "1000",
      "that traffic, in calls/s, while the window lasts (needs storm.start)" },
};

/* The `none` model: pass-through, counting only. */
void faultfs_config_none(faultfs_config *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->model, sizeof out->model, "none");
    out->time_scale = 1.0;
    out->shm_map_effect = FAULTFS_SHM_MAP_ERROR;
    out->node_locks = FAULTFS_NODE_LOCKS_SHM;
    out->storm.capacity = 1000.0;
    out->storm.horizon_s = 1.0;
    out->storm.max_factor = 10.0;
    /* Crash mode is off; when on, a pending write is as likely lost as kept
     * and one in four is torn, on the 512-byte sectors of a disk (SQLite's
     * crash tests tear on the device's sector size the same way). */
    out->crash.drop = 0.5;
    out->crash.torn = 0.25;
    out->crash.sector = 512;
    out->crash.names = FAULTFS_CRASH_NAMES_IMMEDIATE;
}

/* ------------------------------------------------------------- key table */

typedef enum value_type {
    VALUE_PROBABILITY, /* double in [0,1] */
    VALUE_DURATION,    /* seconds, written with a unit */
    VALUE_NUMBER,      /* double >= 0 */
    VALUE_COUNT,       /* uint64_t */
    VALUE_NODE,        /* unsigned 0..FAULTFS_MAX_NODE */
    VALUE_SCHEDULE,    /* fail_first, fail_count */
    VALUE_PATH,        /* char[FAULTFS_PATH_MAX], may be empty */
    VALUE_SWITCH,      /* bool: on|off */
    VALUE_CHOICE       /* an enum, by name */
} value_type;

typedef struct key_spec {
    const char *name;
    value_type type;
    size_t offset;              /* into faultfs_config or a class entry */
    bool nonzero;               /* numbers and durations must be > 0 */
    const char *const *choices; /* VALUE_CHOICE: names in enum order */
} key_spec;

/* VALUE_CHOICE fields are enums stored through an int. */
_Static_assert(sizeof(faultfs_shm_map_effect) == sizeof(int), "enum size");
_Static_assert(sizeof(faultfs_node_locks) == sizeof(int), "enum size");
_Static_assert(sizeof(faultfs_read_errno) == sizeof(int), "enum size");
_Static_assert(sizeof(faultfs_crash_names) == sizeof(int), "enum size");
static const char *const read_errno_names[] = { "eio", "etimedout", NULL };
static const char *const shm_map_effect_names[] = { "error", "unback", NULL };
static const char *const node_locks_names[] = { "shm", "all", NULL };
static const char *const crash_names_names[] = { "immediate", "dirsync",
                                                 NULL };

#define GLOBAL(field) offsetof(faultfs_config, field)
static const key_spec global_keys[] = {
    { "seed", VALUE_COUNT, GLOBAL(seed), false, NULL },
    { "rank", VALUE_COUNT, GLOBAL(rank), false, NULL },
    { "node", VALUE_NODE, GLOBAL(node), false, NULL },
    { "node.locks", VALUE_CHOICE, GLOBAL(node_locks), false,
      node_locks_names },
    { "wal.stale", VALUE_DURATION, GLOBAL(wal_stale_s), false, NULL },
    { "wal.short_reads", VALUE_SWITCH, GLOBAL(wal_short_reads), false, NULL },
    { "time_scale", VALUE_NUMBER, GLOBAL(time_scale), true, NULL },
    { "log", VALUE_PATH, GLOBAL(log_path), false, NULL },
    { "shm_map.effect", VALUE_CHOICE, GLOBAL(shm_map_effect), false,
      shm_map_effect_names },
    { "read.errno", VALUE_CHOICE, GLOBAL(read_errno), false,
      read_errno_names },
    { "storm", VALUE_SWITCH, GLOBAL(storm.enabled), false, NULL },
    { "storm.capacity", VALUE_NUMBER, GLOBAL(storm.capacity), true, NULL },
    { "storm.horizon", VALUE_DURATION, GLOBAL(storm.horizon_s), true, NULL },
    { "storm.max", VALUE_NUMBER, GLOBAL(storm.max_factor), true, NULL },
    { "storm.state", VALUE_PATH, GLOBAL(storm.state_path), false, NULL },
    { "storm.start", VALUE_NUMBER, GLOBAL(storm.start_epoch_s), false, NULL },
    { "storm.window", VALUE_DURATION, GLOBAL(storm.window_s), false, NULL },
    { "storm.background", VALUE_NUMBER, GLOBAL(storm.background), false,
      NULL },
    { "crash", VALUE_SWITCH, GLOBAL(crash.enabled), false, NULL },
    { "crash.drop", VALUE_PROBABILITY, GLOBAL(crash.drop), false, NULL },
    { "crash.torn", VALUE_PROBABILITY, GLOBAL(crash.torn), false, NULL },
    { "crash.sector", VALUE_COUNT, GLOBAL(crash.sector), true, NULL },
    { "crash.names", VALUE_CHOICE, GLOBAL(crash.names), false,
      crash_names_names },
};
#undef GLOBAL

/* Keys "CLASS.name", offsets into faultfs_class_config. */
static const key_spec class_keys[] = {
    { "p", VALUE_PROBABILITY, offsetof(faultfs_class_config, probability),
      false, NULL },
    { "latency", VALUE_DURATION, offsetof(faultfs_class_config, latency_s),
      false, NULL },
    { "fail", VALUE_SCHEDULE, offsetof(faultfs_class_config, fail_first),
      false, NULL },
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------- value parsers */

/* Write a message naming key and value; returns SQLITE_ERROR. */
static int config_error(char *err, size_t err_size, const char *key,
                        const char *value, const char *problem)
{
    if (err && err_size) {
        snprintf(err, err_size, "faultfs: %s='%s': %s", key, value, problem);
    }
    return SQLITE_ERROR;
}

/* A finite double making up the whole of text (a prefix with *end). */
static bool parse_double_prefix(const char *text, double *out,
                                const char **end)
{
    char *stop;
    if (*text == '\0' || *text == ' ') {
        return false;
    }
    errno = 0;
    *out = strtod(text, &stop);
    *end = stop;
    return stop != text && errno == 0 && isfinite(*out);
}

static bool parse_double(const char *text, double *out)
{
    const char *end;
    return parse_double_prefix(text, out, &end) && *end == '\0';
}

/* Decimal digits only: no sign, no spaces, no overflow. */
static bool parse_count(const char *text, uint64_t *out)
{
    char *end;
    if (*text < '0' || *text > '9') {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    *out = v;
    return *end == '\0' && errno == 0;
}

/* "0", or a number followed by ns, us, ms, s, min or h; no sign, since a
 * "-0us" would describe itself as "-0", which no duration parses as. */
static bool parse_duration(const char *text, double *seconds)
{
    /* dividing by an exact power of ten rounds as a decimal literal does:
     * 200us is exactly 200e-6 */
    static const struct {
        const char *suffix;
        double multiplier, divisor;
    } units[] = { { "ns", 1, 1e9 }, { "us", 1, 1e6 }, { "ms", 1, 1e3 },
                  { "s", 1, 1 },    { "min", 60, 1 }, { "h", 3600, 1 } };
    const char *unit;
    double v;
    if (strcmp(text, "0") == 0) {
        *seconds = 0.0;
        return true;
    }
    if (!parse_double_prefix(text, &v, &unit) || signbit(v)) {
        return false;
    }
    for (size_t i = 0; i < COUNT_OF(units); i++) {
        if (strcmp(unit, units[i].suffix) == 0) {
            *seconds = v * units[i].multiplier / units[i].divisor;
            return true;
        }
    }
    return false;
}

/* "none", "N", "N:K" or "N:forever" with N >= 1 and K >= 1. */
static bool parse_schedule(const char *text, uint64_t *first, uint64_t *count)
{
    char buf[64];
    if (strcmp(text, "none") == 0) {
        *first = *count = 0;
        return true;
    }
    if (strlen(text) >= sizeof buf) {
        return false;
    }
    snprintf(buf, sizeof buf, "%s", text);
    char *colon = strchr(buf, ':');
    *count = 1;
    if (colon) {
        *colon = '\0';
        if (strcmp(colon + 1, "forever") == 0) {
            *count = FAULTFS_FOREVER;
        } else if (!parse_count(colon + 1, count) || *count == 0) {
            return false;
        }
    }
    return parse_count(buf, first) && *first >= 1;
}

/* Index of text in a NULL-terminated list of names, or -1. */
static int choice_index(const char *const *names, const char *text)
{
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], text) == 0) {
            return i;
        }
    }
    return -1;
}

/* Parse value as spec says into the field at base + spec->offset. */
static int set_value(const key_spec *spec, void *base, const char *key,
                     const char *value, char *err, size_t err_size)
{
    void *field = (char *)base + spec->offset;
    double d;
    uint64_t n;
    int choice;
    switch (spec->type) {
    case VALUE_PROBABILITY:
        if (!parse_double(value, &d)) {
            return config_error(err, err_size, key, value, "malformed number");
        }
        if (d < 0.0 || d > 1.0) {
            return config_error(err, err_size, key, value,
                                "probability outside [0,1]");
        }
        *(double *)field = d;
        return SQLITE_OK;
    case VALUE_DURATION:
        if (!parse_duration(value, &d)) {
            return config_error(err, err_size, key, value,
                                "malformed duration (use 0, or e.g. 250us, "
                                "5ms, 1.5s, 2min)");
        }
        if (spec->nonzero && d <= 0.0) {
            return config_error(err, err_size, key, value, "must be > 0");
        }
        *(double *)field = d;
        return SQLITE_OK;
    case VALUE_NUMBER:
        if (!parse_double(value, &d) || d < 0.0) {
            return config_error(err, err_size, key, value,
                                "malformed number (want a number >= 0)");
        }
        if (spec->nonzero && d <= 0.0) {
            return config_error(err, err_size, key, value, "must be > 0");
        }
        *(double *)field = d;
        return SQLITE_OK;
    case VALUE_COUNT:
        if (!parse_count(value, &n)) {
            return config_error(err, err_size, key, value,
                                "malformed number (want an integer >= 0)");
        }
        if (spec->nonzero && n == 0) {
            return config_error(err, err_size, key, value, "must be > 0");
        }
        *(uint64_t *)field = n;
        return SQLITE_OK;
    case VALUE_NODE:
        if (!parse_count(value, &n) || n > FAULTFS_MAX_NODE) {
            return config_error(err, err_size, key, value,
                                "want an integer in 0..1023");
        }
        *(unsigned *)field = (unsigned)n;
        return SQLITE_OK;
    case VALUE_SCHEDULE:
        if (!parse_schedule(value, &n, (uint64_t *)field + 1)) {
            return config_error(err, err_size, key, value,
                                "malformed schedule (want none, N, N:K or "
                                "N:forever, N and K >= 1)");
        }
        *(uint64_t *)field = n;
        return SQLITE_OK;
    case VALUE_PATH:
        if (strlen(value) >= FAULTFS_PATH_MAX) {
            return config_error(err, err_size, key, value, "path too long");
        }
        snprintf((char *)field, FAULTFS_PATH_MAX, "%s", value);
        return SQLITE_OK;
    case VALUE_SWITCH:
        choice =
            choice_index((const char *const[]){ "off", "on", NULL }, value);
        if (choice < 0) {
            return config_error(err, err_size, key, value, "want on or off");
        }
        *(bool *)field = choice == 1;
        return SQLITE_OK;
    case VALUE_CHOICE:
        choice = choice_index(spec->choices, value);
        if (choice < 0) {
            return config_error(err, err_size, key, value,
                                "not one of the allowed values");
        }
        *(int *)field = choice;
        return SQLITE_OK;
    }
    return config_error(err, err_size, key, value, "unsupported key type");
}

/* ------------------------------------------------------------------ keys */

const faultfs_class_info faultfs_classes[FAULTFS_CLASS_COUNT] = {
    FAULTFS_CLASSES(FAULTFS_CLASS_INFO)
};

const char *faultfs_class_name(faultfs_class cls)
{
    return (unsigned)cls < FAULTFS_CLASS_COUNT ? faultfs_classes[cls].name
                                               : "?";
}

/* The class named by the first len bytes of text, or -1. */
static int class_of_prefix(const char *text, size_t len)
{
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++) {
        const char *name = faultfs_classes[c].name;
        if (strlen(name) == len && strncmp(name, text, len) == 0) {
            return c;
        }
    }
    return -1;
}

bool faultfs_class_find(const char *name, faultfs_class *cls)
{
    int found = name ? class_of_prefix(name, strlen(name)) : -1;
    if (found < 0) {
        return false;
    }
    *cls = (faultfs_class)found;
    return true;
}

int faultfs_config_set(faultfs_config *config, const char *key,
                       const char *value, char *err, size_t err_size)
{
    for (size_t i = 0; i < COUNT_OF(global_keys); i++) {
        if (strcmp(key, global_keys[i].name) == 0) {
            return set_value(&global_keys[i], config, key, value, err,
                             err_size);
        }
    }
    const char *dot = strrchr(key, '.');
    int cls = dot ? class_of_prefix(key, (size_t)(dot - key)) : -1;
    for (size_t i = 0; cls >= 0 && i < COUNT_OF(class_keys); i++) {
        if (strcmp(dot + 1, class_keys[i].name) == 0) {
            return set_value(&class_keys[i], &config->cls[cls], key, value,
                             err, err_size);
        }
    }
    return config_error(err, err_size, key, value, "unknown key");
}

int faultfs_config_model(const char *name, faultfs_config *out)
{
    faultfs_config_none(out);
    if (strcmp(name, "none") == 0) {
        return SQLITE_OK;
    }
    if (strcmp(name, "lustre") != 0) {
        return SQLITE_NOTFOUND;
    }
    snprintf(out->model, sizeof out->model, "lustre");
    for (size_t i = 0; i < COUNT_OF(lustre_model); i++) {
        int rc = faultfs_config_set(out, lustre_model[i].key,
                                    lustre_model[i].value, NULL, 0);
        if (rc != SQLITE_OK) {
            return rc; /* only if the table above is wrong; a test checks */
        }
    }
    return SQLITE_OK;
}

/* ------------------------------------------------------------ fit files */

/* Keys that belong to one run or one process, not to the model: a fit file
 * may not set them (nor nest a model or another fit). */
static const char *const run_setting_keys[] = {
    "model", "fit",        "seed",        "rank",        "node",
    "log",   "time_scale", "storm.state", "storm.start", NULL,
};

/* "faultfs: fit file 'PATH' line N: problem"; returns SQLITE_ERROR. */
static int fit_error(char *err, size_t err_size, const char *path,
                     unsigned line, const char *problem)
{
    if (err && err_size) {
        if (line) {
            snprintf(err, err_size, "faultfs: fit file '%s' line %u: %s", path,
                     line, problem);
        } else {
            snprintf(err, err_size, "faultfs: fit file '%s': %s", path,
                     problem);
        }
    }
    return SQLITE_ERROR;
}

/* Strip leading and trailing blanks in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\n\r", s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* One line of a fit file: blank, a # comment, or key=value, validated as
 * the parser validates a key. *applied counts the key=value lines. */
static int apply_fit_line(faultfs_config *config, const char *path,
                          unsigned number, char *line, unsigned *applied,
                          char *err, size_t err_size)
{
    char problem[FAULTFS_PATH_MAX + 256];
    char *text = trim(line);
    if (*text == '\0' || *text == '#') {
        return SQLITE_OK;
    }
    char *eq = strchr(text, '=');
    if (!eq) {
        snprintf(problem, sizeof problem, "'%s' is not key=value", text);
        return fit_error(err, err_size, path, number, problem);
    }
    *eq = '\0';
    char *key = trim(text), *value = trim(eq + 1);
    if (*value == '\0') {
        snprintf(problem, sizeof problem, "%s: missing value", key);
        return fit_error(err, err_size, path, number, problem);
    }
    if (choice_index(run_setting_keys, key) >= 0) {
        snprintf(problem, sizeof problem,
                 "%s: a run setting, not a model "
                 "parameter (give it on the command line)",
                 key);
        return fit_error(err, err_size, path, number, problem);
    }
    char inner[512] = "";
    if (faultfs_config_set(config, key, value, inner, sizeof inner) !=
        SQLITE_OK) {
        const char *said =
            strncmp(inner, "faultfs: ", 9) == 0 ? inner + 9 : inner;
        return fit_error(err, err_size, path, number, said);
    }
    (*applied)++;
    return SQLITE_OK;
}

int faultfs_config_apply_fit(faultfs_config *config, const char *path,
                             char *err, size_t err_size)
{
    if (strcmp(path, "none") == 0) {
        config->fit_path[0] = '\0';
        return SQLITE_OK;
    }
    char *absolute = realpath(path, NULL);
    FILE *f = absolute ? fopen(absolute, "r") : NULL;
    if (!f) {
        free(absolute);
        return fit_error(err, err_size, path, 0, strerror(errno));
    }
    struct stat st;
    const char *problem = strlen(absolute) >= FAULTFS_PATH_MAX
                              ? "path too long"
                          : fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)
                              ? "not a regular file"
                              : NULL;
    if (problem) {
        fclose(f);
        free(absolute);
        return fit_error(err, err_size, path, 0, problem);
    }
    snprintf(config->fit_path, FAULTFS_PATH_MAX, "%s", absolute);
    free(absolute);
    char line[1024];
    unsigned number = 0, applied = 0;
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK && fgets(line, sizeof line, f)) {
        number++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = fit_error(err, err_size, path, number, "line too long");
        } else {
            rc = apply_fit_line(config, path, number, line, &applied, err,
                                err_size);
        }
    }
    if (rc == SQLITE_OK && ferror(f)) {
        rc = fit_error(err, err_size, path, number, strerror(errno));
    }
    fclose(f);
    if (rc == SQLITE_OK && applied == 0) {
        rc = fit_error(err, err_size, path, 0,
                       "no key=value line (for the "
                       "unfitted model say fit=none)");
    }
    return rc;
}

/* ----------------------------------------------------------- the string */

/* Apply one "key=value" item (the leading model name, or the fit right
 * after it) to config; index counts the items from 0. */
static int apply_item(faultfs_config *config, char *item, unsigned index,
                      char *err, size_t err_size)
{
    char *eq = strchr(item, '=');
    const char *key = item;
    const char *value = "";
    bool first = index == 0;
    if (eq) {
        *eq = '\0';
        value = eq + 1;
    }
    if (eq && strcmp(key, "fit") == 0) {
        if (index != 1) {
            return config_error(err, err_size, "fit", value,
                                "the fit must come right after the model");
        }
        return faultfs_config_apply_fit(config, value, err, err_size);
    }
    if (!eq || strcmp(key, "model") == 0) {
        const char *name = eq ? value : item;
        if (!first) {
            return config_error(err, err_size, "model", name,
                                "the model must be the first item");
        }
        if (faultfs_config_model(name, config) != SQLITE_OK) {
            return config_error(err, err_size, "model", name,
                                "unknown model (known: lustre, none)");
        }
        return SQLITE_OK;
    }
    return faultfs_config_set(config, key, value, err, err_size);
}

int faultfs_config_parse(const char *text, faultfs_config *out, char *err,
                         size_t err_size)
{
    faultfs_config_none(out);
    if (!text) {
        return SQLITE_OK;
    }
    char *copy = strdup(text);
    if (!copy) {
        return config_error(err, err_size, "config", "", "out of memory");
    }
    int rc = SQLITE_OK;
    unsigned index = 0;
    char *rest = copy;
    while (rc == SQLITE_OK && rest) {
        char *comma = strchr(rest, ',');
        if (comma) {
            *comma = '\0';
        }
        char *item = trim(rest);
        rest = comma ? comma + 1 : NULL;
        if (*item == '\0') {
            if (comma || index > 0) {
                rc = config_error(err, err_size, "config", text, "empty item");
            }
            continue;
        }
        rc = apply_item(out, item, index++, err, err_size);
    }
    free(copy);
    return rc;
}

/* ------------------------------------------------------------- describe */

/* The shortest "%g" form of v that reads back as v. */
static void format_double(char *buf, size_t size, double v)
{
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) {
            return;
        }
    }
}

/* The value of the field spec describes, as the parser would accept it. */
static void format_value(const key_spec *spec, const void *base, char *buf,
                         size_t size)
{
    const void *field = (const char *)base + spec->offset;
    const uint64_t *count = field;    /* VALUE_COUNT */
    const uint64_t *schedule = field; /* VALUE_SCHEDULE: first, count */
    switch (spec->type) {
    case VALUE_PROBABILITY:
    case VALUE_NUMBER:
        format_double(buf, size, *(const double *)field);
        return;
    case VALUE_DURATION:
        format_double(buf, size, *(const double *)field);
        if (*(const double *)field != 0.0) {
            strncat(buf, "s", size - strlen(buf) - 1);
        }
        return;
    case VALUE_COUNT:
        snprintf(buf, size, "%llu", (unsigned long long)*count);
        return;
    case VALUE_NODE:
        snprintf(buf, size, "%u", *(const unsigned *)field);
        return;
    case VALUE_SCHEDULE:
        if (schedule[0] == 0) {
            snprintf(buf, size, "none");
        } else if (schedule[1] == FAULTFS_FOREVER) {
            snprintf(buf, size, "%llu:forever",
                     (unsigned long long)schedule[0]);
        } else {
            snprintf(buf, size, "%llu:%llu", (unsigned long long)schedule[0],
                     (unsigned long long)schedule[1]);
        }
        return;
    case VALUE_PATH: snprintf(buf, size, "%s", (const char *)field); return;
    case VALUE_SWITCH:
        snprintf(buf, size, "%s", *(const bool *)field ? "on" : "off");
        return;
    case VALUE_CHOICE:
        snprintf(buf, size, "%s", spec->choices[*(const int *)field]);
        return;
    }
}

/* Append ",key=value" to buf without overflowing it. */
static void append_item(char *buf, size_t size, const char *key,
                        const key_spec *spec, const void *base)
{
    char value[FAULTFS_PATH_MAX + 32];
    size_t used = strlen(buf);
    format_value(spec, base, value, sizeof value);
    if (used < size) {
        snprintf(buf + used, size - used, ",%s=%s", key, value);
    }
}

void faultfs_config_describe(const faultfs_config *config, char *buf,
                             size_t buf_size)
{
    if (!buf_size) {
        return;
    }
    snprintf(buf, buf_size, "%s", config->model);
    if (config->fit_path[0]) {
        size_t used = strlen(buf);
        snprintf(buf + used, buf_size - used, ",fit=%s", config->fit_path);
    }
    for (size_t i = 0; i < COUNT_OF(global_keys); i++) {
        append_item(buf, buf_size, global_keys[i].name, &global_keys[i],
                    config);
    }
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++) {
        for (size_t i = 0; i < COUNT_OF(class_keys); i++) {
            char key[64];
            snprintf(key, sizeof key, "%s.%s", faultfs_classes[c].name,
                     class_keys[i].name);
            append_item(buf, buf_size, key, &class_keys[i], &config->cls[c]);
        }
    }
}
