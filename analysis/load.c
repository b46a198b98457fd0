/*
 * load.c: results directories and the reference table into the results
 * database.
 *
 * Tables have trackhammer's columns, from the lists it writes them by
 * (tracker/results_schema.h), so a user who knows jobs.csv knows the jobs
 * table; run_id tells apart the directories of a merged report. A CSV
 * column is found by its header name, so added columns do not break an
 * older report; a missing column, a row with the wrong number of fields or
 * a number that does not parse stops the load with the file and the line.
 * ops.csv (per-operation statistics) is optional: results directories
 * older than it lack it, and the report says so.
 */
#include "analysis.h"
#include "results_schema.h"
#include "tracker.h" /* TRACKER_LATENCY_BUCKETS: ops.csv's histogram */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "thrp": marks a database th-report made, which it may replace. */
#define REPORT_APPLICATION_ID 0x74687270
#define MAX_FIELDS 64
#define TEXT_OF(x) #x
#define NUMBER_TEXT(x) TEXT_OF(x)

/* A fault log's key and its type, as a results column's. */
typedef struct column {
    const char *name;
    char type;
} column;

/* Columns added to a file after it was first written, and their value
 * where an older file's header lacks them: a round's set-up (its database
 * and tasks; a failed set-up ran no job) was always ok before rounds.csv
 * said; nothing ran beside a round, nor in waves, before rounds.csv said.
 * jobs.csv's class is derived where absent (class_of_row). */
typedef struct column_default {
    const char *name, *value;
} column_default;

static const column_default absent_columns[] = {
    { "setup", "ok" },         { "setup_op", "" },      { "setup_code", "0" },
    { "setup_code_name", "" }, { "setup_message", "" }, { "late_starts", "0" },
    { "during_round", "" },
};

typedef struct csv_table {
    const char *table;
    const char *file; /* inside a results directory */
    const results_column *columns;
    int count;
    bool optional; /* older results directories lack the file */
} csv_table;

/* results/reference/gadi-71-job-matrix.csv, the published table. */
static const results_column reference_columns[] = {
    { "run", 't', "the published run, test_1 to test_5" },
    { "profile", 't', "the tracker profile that reproduces it" },
    { "journal_mode", 't', "its journal mode" },
    { "synchronous", 't', "its synchronous setting" },
    { "retry_on_ioerr", 't', "whether it retried I/O errors" },
    { "retry_scope", 't', "which calls it retried" },
    { "jobs", 'i', "jobs in the run" },
    { "jobs_with_disk_io_error", 'i', "of them failed with disk I/O error" },
    { "sigbus", 't', "present or eliminated" },
};

#define TABLE(t, f, c, o)                                                     \
    {                                                                         \
        t, f, c, (int)(sizeof c / sizeof c[0]), o                             \
    }
static const csv_table results_tables[] = {
    TABLE("jobs", "jobs.csv", results_jobs_columns, false),
    TABLE("rounds", "rounds.csv", results_rounds_columns, false),
    TABLE("faults", "faults.csv", results_faults_columns, false),
    TABLE("ops", "ops.csv", results_ops_columns, true),
};
static const csv_table reference_table =
    TABLE("reference", NULL, reference_columns, false);

/* One line of a fault log, in order; path= takes the rest of the line. */
static const column fault_log_keys[] = {
    { "pid", 'i' },  { "node", 'i' }, { "rank", 'i' }, { "class", 't' },
    { "kind", 't' }, { "call", 'i' }, { "by", 't' },   { "effect", 't' },
    { "code", 'i' }, { "name", 't' },
};

/* runs.name: the run's own id (summary.json run_id, else the directory's
 * name); model and model_key: the fault model's short name and its text
 * without the items that change from run to run (see model_key_of);
 * fs_info: what the run was told of its file system (--fs-info, as
 * th-realfs gives it: version, preset, client and volume options, faults)
 * as a JSON object, NULL when told nothing; verified_through: the client
 * that verified each round, "" for the database directory itself;
 * workload: whose code the jobs ran (--workload), tracker for runs made
 * before workloads were. */
static const char schema[] =
    "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, dir TEXT, name TEXT, "
    "  command_line TEXT, fault_model TEXT, time_scale REAL, seed INTEGER, "
    "  jobs_per_round INTEGER, sqlite_version TEXT, fs_type TEXT, "
    "  mount_options TEXT, status TEXT, stop_reason TEXT, "
    "  rounds_planned INTEGER, rounds_done INTEGER, model TEXT, "
    "  model_key TEXT, fs_info TEXT, verified_through TEXT, "
    "  workload TEXT);\n"
    /* by= of the log is drawn_by here: BY is an SQL keyword. */
    "CREATE TABLE fault_events (run_id INTEGER, round INTEGER, time REAL, "
    "  pid INTEGER, node INTEGER, rank INTEGER, class TEXT, kind TEXT, "
    "  call INTEGER, drawn_by TEXT, effect TEXT, code INTEGER, name TEXT, "
    "  path TEXT);\n";

static int fail(char *err, size_t err_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(err, err_size, format, ap);
    va_end(ap);
    return -1;
}

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t err_size)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) == SQLITE_OK)
        return 0;
    fail(err, err_size, "SQL: %s", message ? message : sqlite3_errmsg(db));
    sqlite3_free(message);
    return -1;
}

static const char *sql_type(char type)
{
    return type == 'i' ? "INTEGER" : type == 'r' ? "REAL" : "TEXT";
}

static int create_csv_table(sqlite3 *db, const csv_table *t, bool with_run,
                            char *err, size_t err_size)
{
    char *sql = sqlite3_mprintf("CREATE TABLE %s (%s", t->table,
                                with_run ? "run_id INTEGER" : "");
    for (int i = 0; sql && i < t->count; i++) {
        char *longer =
            sqlite3_mprintf("%s%s\"%w\" %s", sql, (with_run || i) ? ", " : "",
                            t->columns[i].name, sql_type(t->columns[i].type));
        sqlite3_free(sql);
        sql = longer;
    }
    char *full = sql ? sqlite3_mprintf("%s);", sql) : NULL;
    sqlite3_free(sql);
    if (full == NULL)
        return fail(err, err_size, "out of memory");
    int rc = exec_sql(db, full, err, err_size);
    sqlite3_free(full);
    return rc;
}

/* A database th-report wrote earlier may be replaced; any other file not. */
static int clear_old_report(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT
                   ? 0
                   : fail(err, err_size, "%s: %s", path, strerror(errno));
    unsigned char header[72] = { 0 };
    size_t n = fread(header, 1, sizeof header, f);
    fclose(f);
    unsigned long id = n == sizeof header
                           ? (unsigned long)header[68] << 24 |
                                 (unsigned long)header[69] << 16 |
                                 (unsigned long)header[70] << 8 | header[71]
                           : 0;
    if (id != REPORT_APPLICATION_ID)
        return fail(err, err_size,
                    "%s: exists and is not a th-report database; "
                    "remove it or choose another --db",
                    path);
    if (unlink(path) != 0)
        return fail(err, err_size, "%s: %s", path, strerror(errno));
    return 0;
}

int db_open(const char *path, sqlite3 **db, char *err, size_t err_size)
{
    *db = NULL;
    const char *name = path ? path : ":memory:";
    if (path && clear_old_report(path, err, err_size) < 0)
        return -1;
    if (sqlite3_open(name, db) != SQLITE_OK)
        return fail(err, err_size, "%s: %s", name, sqlite3_errmsg(*db));
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d;",
             REPORT_APPLICATION_ID);
    if (stats_register_sql(*db) != SQLITE_OK)
        return fail(err, err_size, "%s: %s", name, sqlite3_errmsg(*db));
    if (exec_sql(*db, pragma, err, err_size) < 0 ||
        exec_sql(*db, schema, err, err_size) < 0 ||
        create_csv_table(*db, &reference_table, false, err, err_size) < 0)
        return -1;
    for (size_t i = 0; i < sizeof results_tables / sizeof *results_tables; i++)
        if (create_csv_table(*db, &results_tables[i], true, err, err_size) < 0)
            return -1;
    return 0;
}

/* A latency histogram as tracker/stats.c keeps it: exactly
 * TRACKER_LATENCY_BUCKETS counts, digits only, one space between, so the
 * report's SQL can split it on spaces. */
static bool is_histogram(const char *text)
{
    int counts = 0;
    for (const char *p = text;; p++) {
        size_t digits = strspn(p, "0123456789");
        if (digits == 0)
            return false;
        counts++;
        p += digits;
        if (*p != ' ')
            return *p == '\0' && counts == TRACKER_LATENCY_BUCKETS;
    }
}

/* What a value of the type must be, for the error message. */
static const char *type_wanted(char type)
{
    return type == 'i' ? "an integer"
           : type == 'r'
               ? "a number"
               : NUMBER_TEXT(TRACKER_LATENCY_BUCKETS) " counts separated by "
                                                      "single spaces";
}

/* Binds `text` to parameter `index` as the column's type. */
static int bind_value(sqlite3_stmt *stmt, int index, char type,
                      const char *text)
{
    char *end;
    errno = 0;
    if (type == 'h' && !is_histogram(text))
        return -1;
    if (type == 't' || type == 'h')
        return sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
    if (type == 'i') {
        long long v = strtoll(text, &end, 10);
        if (*text == '\0' || *end != '\0' || errno)
            return -1;
        return sqlite3_bind_int64(stmt, index, v);
    }
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || errno)
        return -1;
    return sqlite3_bind_double(stmt, index, v);
}

static sqlite3_stmt *prepare_insert(sqlite3 *db, const char *table, int params)
{
    char *sql = sqlite3_mprintf("INSERT INTO %s VALUES (?", table);
    for (int i = 1; sql && i < params; i++) {
        char *longer = sqlite3_mprintf("%s, ?", sql);
        sqlite3_free(sql);
        sql = longer;
    }
    char *full = sql ? sqlite3_mprintf("%s)", sql) : NULL;
    sqlite3_free(sql);
    sqlite3_stmt *stmt = NULL;
    if (full)
        sqlite3_prepare_v2(db, full, -1, &stmt, NULL);
    sqlite3_free(full);
    return stmt;
}

/* A column's value where the header lacks it, or NULL: required. */
static const char *absent_value(const char *name)
{
    for (size_t i = 0; i < sizeof absent_columns / sizeof *absent_columns; i++)
        if (strcmp(absent_columns[i].name, name) == 0)
            return absent_columns[i].value;
    return NULL;
}

/* Whether column c is jobs.csv's class, which runs older than it lack. */
static bool is_job_class(const csv_table *t, int c)
{
    return t->columns == results_jobs_columns &&
           strcmp(t->columns[c].name, "class") == 0;
}

/* The row's field of a column the header has. */
static const char *field_of(const csv_table *t, char **fields,
                            const int *where, const char *name)
{
    for (int c = 0; c < t->count; c++)
        if (strcmp(t->columns[c].name, name) == 0 && where[c] >= 0)
            return fields[where[c]];
    return "";
}

/* jobs.csv's class of a row of a run older than the column: the one
 * classification trackhammer writes it by, from outcome, signal and code
 * (required columns, bound and checked before class, the last). */
static const char *class_of_row(const csv_table *t, char **fields,
                                const int *where)
{
    int signal = (int)strtol(field_of(t, fields, where, "signal"), NULL, 10);
    int code = (int)strtol(field_of(t, fields, where, "code"), NULL, 10);
    return results_job_class_name(results_job_class_of(
        field_of(t, fields, where, "outcome"), signal, code));
}

/* Column c's value where the header lacks it, or NULL: required. */
static const char *value_where_absent(const csv_table *t, int c, char **fields,
                                      const int *where)
{
    return is_job_class(t, c) ? class_of_row(t, fields, where)
                              : absent_value(t->columns[c].name);
}

/* Which header field holds each of the table's columns; -1 for a column
 * the header lacks and older files did not have. */
static int map_header(const csv_table *t, char **fields, int count, int *where,
                      const char *path, char *err, size_t err_size)
{
    for (int c = 0; c < t->count; c++) {
        where[c] = -1;
        for (int f = 0; f < count; f++)
            if (strcmp(fields[f], t->columns[c].name) == 0)
                where[c] = f;
        if (where[c] < 0 && !is_job_class(t, c) &&
            absent_value(t->columns[c].name) == NULL)
            return fail(err, err_size, "%s:1: no column '%s' in the header",
                        path, t->columns[c].name);
    }
    return 0;
}

static int insert_row(sqlite3 *db, sqlite3_stmt *stmt, const csv_table *t,
                      long long run_id, char **fields, const int *where,
                      const char *path, long line, char *err, size_t err_size)
{
    int first = 1;
    sqlite3_reset(stmt);
    if (run_id > 0)
        sqlite3_bind_int64(stmt, first++, run_id);
    for (int c = 0; c < t->count; c++) {
        const char *value = where[c] < 0
                                ? value_where_absent(t, c, fields, where)
                                : fields[where[c]];
        if (bind_value(stmt, first + c, t->columns[c].type, value) !=
            SQLITE_OK)
            return fail(err, err_size, "%s:%ld: column '%s': '%s' is not %s",
                        path, line, t->columns[c].name, value,
                        type_wanted(t->columns[c].type));
    }
    if (sqlite3_step(stmt) != SQLITE_DONE)
        return fail(err, err_size, "%s:%ld: %s", path, line,
                    sqlite3_errmsg(db));
    return 0;
}

/* Rows of `path` into table t; run_id 0 for a table without one. */
static int load_csv(sqlite3 *db, const csv_table *t, const char *path,
                    long long run_id, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail(err, err_size, "%s: %s", path, strerror(errno));
    sqlite3_stmt *stmt = prepare_insert(db, t->table, t->count + (run_id > 0));
    char *line = NULL, *fields[MAX_FIELDS];
    size_t capacity = 0;
    int where[MAX_FIELDS], header_count = 0, rc = 0;
    const char *why = NULL;
    for (long n = 1; rc == 0 && getline(&line, &capacity, f) > 0; n++) {
        int count = csv_split(line, fields, MAX_FIELDS, &why);
        if (count < 0)
            rc = fail(err, err_size, "%s:%ld: %s", path, n, why);
        else if (n == 1) {
            header_count = count;
            rc = map_header(t, fields, count, where, path, err, err_size);
        } else if (count != header_count)
            rc = fail(err, err_size, "%s:%ld: %d fields, the header has %d",
                      path, n, count, header_count);
        else
            rc = insert_row(db, stmt, t, run_id, fields, where, path, n, err,
                            err_size);
    }
    if (rc == 0 && header_count == 0)
        rc = fail(err, err_size, "%s:1: empty file, no header", path);
    free(line);
    sqlite3_finalize(stmt);
    fclose(f);
    return rc;
}

/* One fault-log line's key=value fields after the timestamp, bound from
 * parameter 4 on (run_id, round and time come first). */
static int bind_fault_fields(sqlite3_stmt *stmt, char *p, const char **why)
{
    size_t keys = sizeof fault_log_keys / sizeof fault_log_keys[0];
    for (size_t k = 0; k <= keys; k++) {
        const char *key = k < keys ? fault_log_keys[k].name : "path";
        size_t len = strlen(key);
        if (*p != ' ' || strncmp(p + 1, key, len) != 0 || p[len + 1] != '=') {
            *why = key;
            return -1;
        }
        char *value = p + len + 2;
        p = k < keys ? value + strcspn(value, " ") : value + strlen(value);
        char saved = *p;
        *p = '\0';
        char type = k < keys ? fault_log_keys[k].type : 't';
        if (bind_value(stmt, (int)k + 4, type, value) != SQLITE_OK) {
            *why = key;
            return -1;
        }
        *p = saved;
    }
    return 0;
}

static int load_fault_log(sqlite3 *db, sqlite3_stmt *stmt, const char *path,
                          long long run_id, int round, char *err,
                          size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail(err, err_size, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t capacity = 0;
    int rc = 0;
    for (long n = 1; rc == 0 && getline(&line, &capacity, f) > 0; n++) {
        line[strcspn(line, "\n")] = '\0';
        char *rest;
        double when = strtod(line, &rest);
        const char *why = "the time";
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, run_id);
        sqlite3_bind_int(stmt, 2, round);
        sqlite3_bind_double(stmt, 3, when);
        if (rest == line || bind_fault_fields(stmt, rest, &why) < 0)
            rc =
                fail(err, err_size, "%s:%ld: bad or missing %s", path, n, why);
        else if (sqlite3_step(stmt) != SQLITE_DONE)
            rc =
                fail(err, err_size, "%s:%ld: %s", path, n, sqlite3_errmsg(db));
    }
    free(line);
    fclose(f);
    return rc;
}

/* Every faults-round-N.log of a directory; a run without a fault model
 * has none. */
static int load_fault_logs(sqlite3 *db, const char *dir, long long run_id,
                           char *err, size_t err_size)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return fail(err, err_size, "%s: %s", dir, strerror(errno));
    sqlite3_stmt *stmt = prepare_insert(db, "fault_events", 14);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        int round, used = 0;
        if (sscanf(e->d_name, "faults-round-%d.log%n", &round, &used) != 1 ||
            e->d_name[used] != '\0')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rc = load_fault_log(db, stmt, path, run_id, round, err, err_size);
    }
    sqlite3_finalize(stmt);
    closedir(d);
    return rc;
}

char *file_contents(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream(&text, &size);
    int c;
    while (memory && (c = fgetc(f)) != EOF)
        fputc(c, memory);
    if (memory)
        fclose(memory);
    fclose(f);
    return text;
}

/* A key of summary.json the report reads, or a newer one it reads when
 * present, with the JSON types it may have (json_type's names, each with
 * a space either side). */
typedef struct summary_key {
    const char *path; /* under $ */
    const char *types;
    const char *wanted; /* what the message asks for */
    bool required;
} summary_key;

static const summary_key summary_keys[] = {
    { "command_line", " text ", "a string", true },
    { "environment", " object ", "an object", true },
    { "environment.sqlite_version", " text ", "a string", true },
    { "environment.fs_type", " text ", "a string", true },
    { "environment.mount_options", " text ", "a string", true },
    { "fault_model", " text ", "a string", true },
    { "time_scale", " integer real ", "a number", true },
    { "seed", " integer ", "an integer", true },
    { "jobs", " integer ", "an integer", true },
    /* Written by newer trackhammer; older runs lack them. */
    { "run_id", " text ", "a non-empty string", false },
    { "status", " text ", "completed, interrupted or stopped", false },
    { "stop_reason", " text ", "a string", false },
    { "rounds_planned", " integer ", "an integer", false },
    { "rounds_done", " integer ", "an integer", false },
    { "file_system_info", " object ", "an object", false },
    { "verified_through", " text ", "a string", false },
    { "workload", " text ", "a non-empty string", false },
};

/* Whether a present key's value is what it must be: of one of its types;
 * status one of its three words, run_id not empty. */
static bool summary_value_ok(const summary_key *k, const char *type,
                             const char *value)
{
    char padded[32];
    snprintf(padded, sizeof padded, " %s ", type);
    if (strstr(k->types, padded) == NULL)
        return false;
    if (strcmp(k->path, "run_id") == 0 || strcmp(k->path, "workload") == 0)
        return *value != '\0';
    return strcmp(k->path, "status") != 0 || strcmp(value, "completed") == 0 ||
           strcmp(value, "interrupted") == 0 || strcmp(value, "stopped") == 0;
}

/* "PATH: missing keys: a, b; wrong values: c (wants ...)", the parts
 * that have names. */
static int summary_failure(const char *path, const char *missing,
                           const char *wrong, char *err, size_t err_size)
{
    bool any_missing = missing && *missing, any_wrong = wrong && *wrong;
    if (!any_missing && !any_wrong)
        return 0;
    return fail(err, err_size, "%s: %s%s%s%s%s", path,
                any_missing ? "missing keys: " : "",
                any_missing ? missing : "",
                any_missing && any_wrong ? "; " : "",
                any_wrong ? "wrong values: " : "", any_wrong ? wrong : "");
}

/* Every required key present and every key present as it must be, or one
 * message naming all that are missing and all that are wrong. A key under
 * a missing or wrong parent is not named again. */
static int check_summary(sqlite3 *db, const char *json, const char *path,
                         char *err, size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT json_type(?1, '$.' || ?2), "
                       "json_extract(?1, '$.' || ?2)",
                       -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
    sqlite3_str *missing = sqlite3_str_new(db), *wrong = sqlite3_str_new(db);
    bool parent_ok = true;
    for (size_t i = 0; i < sizeof summary_keys / sizeof *summary_keys; i++) {
        const summary_key *k = &summary_keys[i];
        bool child = strchr(k->path, '.') != NULL;
        sqlite3_reset(stmt);
        sqlite3_bind_text(stmt, 2, k->path, -1, SQLITE_STATIC);
        const char *type = NULL, *value = NULL;
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            type = (const char *)sqlite3_column_text(stmt, 0);
            value = (const char *)sqlite3_column_text(stmt, 1);
        }
        bool ok = type && summary_value_ok(k, type, value ? value : "");
        if (!child)
            parent_ok = ok;
        else if (!parent_ok)
            continue;
        if (type == NULL && k->required)
            sqlite3_str_appendf(missing, "%s%s",
                                sqlite3_str_length(missing) ? ", " : "",
                                k->path);
        else if (type && !ok)
            sqlite3_str_appendf(wrong, "%s%s (wants %s)",
                                sqlite3_str_length(wrong) ? ", " : "", k->path,
                                k->wanted);
    }
    sqlite3_finalize(stmt);
    char *missing_text = sqlite3_str_finish(missing);
    char *wrong_text = sqlite3_str_finish(wrong);
    int rc = summary_failure(path, missing_text, wrong_text, err, err_size);
    sqlite3_free(missing_text);
    sqlite3_free(wrong_text);
    return rc;
}

/* Whether an item of a fault model's text belongs to one run or one
 * process, not to the model: faultfs_config.c's run_setting_keys but fit
 * (the fitted rates are the model's). */
static bool is_run_item(const char *item, size_t length)
{
    static const char *const keys[] = { "seed",       "rank",
                                        "node",       "log",
                                        "time_scale", "storm.state",
                                        "storm.start" };
    size_t key_length = strcspn(item, "=");
    if (key_length >= length)
        return false;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strlen(keys[i]) == key_length &&
            strncmp(item, keys[i], key_length) == 0)
            return true;
    return false;
}

/* The fault model's text without its run items: runs of one command with
 * other seeds, logs or storm starts share it; models with other rates or
 * fit files do not. The first item, the model's name, stays. */
static void model_key_of(const char *model, char *key, size_t size)
{
    size_t used = 0;
    key[0] = '\0';
    for (const char *item = model; *item;) {
        size_t length = strcspn(item, ",");
        if ((item == model || !is_run_item(item, length)) && used < size)
            used +=
                (size_t)snprintf(key + used, size - used, "%s%.*s",
                                 item == model ? "" : ",", (int)length, item);
        item += length + (item[length] == ',');
    }
}

/* The model's short name for the tables: its first item, and "(fitted)"
 * when a fit file gives its rates. */
static void model_label_of(const char *key, char *label, size_t size)
{
    snprintf(label, size, "%.*s%s", (int)strcspn(key, ","), key,
             strstr(key, ",fit=") ? " (fitted)" : "");
}

/* The directory's own name, also when given as "x/", "." or "..": the id
 * of a run whose summary.json has no run_id. */
static void dir_name_of(const char *dir, char *name, size_t size)
{
    size_t end = strlen(dir);
    while (end > 1 && dir[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    const char *last = dir + start;
    size_t length = end - start;
    char resolved[4096];
    bool dots =
        length == 0 || (length <= 2 && strncmp(last, "..", length) == 0);
    if (dots && realpath(dir, resolved)) {
        const char *slash = strrchr(resolved, '/');
        snprintf(name, size, "%s", slash && slash[1] ? slash + 1 : resolved);
        return;
    }
    snprintf(name, size, "%.*s", (int)length, last);
}

/* Refuses a run loaded already under the same name: the same run twice
 * would count its jobs twice. */
static int refuse_same_run(sqlite3 *db, const char *dir, const char *name,
                           bool from_summary, char *err, size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, "SELECT dir FROM runs WHERE name = ?", -1, &stmt,
                       NULL);
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    int rc = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        rc = fail(err, err_size,
                  "%s and %s are the same run (run id '%s', %s): give each "
                  "run once",
                  (const char *)sqlite3_column_text(stmt, 0), dir, name,
                  from_summary ? "from summary.json"
                               : "the directory's name: summary.json has "
                                 "no run_id");
    sqlite3_finalize(stmt);
    return rc;
}

/* A string of the JSON object at `key`, into buf ("" if absent). */
static void json_text_of(sqlite3 *db, const char *json, const char *key,
                         char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC);
    const unsigned char *text =
        sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : NULL;
    snprintf(buf, size, "%s", text ? (const char *)text : "");
    sqlite3_finalize(stmt);
}

/* The summary's row of runs; its name is new, checked before. */
static int insert_run(sqlite3 *db, const char *dir, const char *json,
                      const char *name, const char *model_key,
                      const char *path, long long *run_id, char *err,
                      size_t err_size)
{
    char label[256];
    model_label_of(model_key, label, sizeof label);
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(
        db,
        "INSERT INTO runs (dir, name, command_line, fault_model, time_scale, "
        "  seed, jobs_per_round, sqlite_version, fs_type, mount_options, "
        "  status, stop_reason, rounds_planned, rounds_done, model, "
        "  model_key, fs_info, verified_through, workload) "
        "SELECT ?1, ?3, json_extract(?2, '$.command_line'), "
        "  json_extract(?2, '$.fault_model'), "
        "  json_extract(?2, '$.time_scale'), json_extract(?2, '$.seed'), "
        "  json_extract(?2, '$.jobs'), "
        "  json_extract(?2, '$.environment.sqlite_version'), "
        "  json_extract(?2, '$.environment.fs_type'), "
        "  json_extract(?2, '$.environment.mount_options'), "
        "  json_extract(?2, '$.status'), json_extract(?2, '$.stop_reason'), "
        "  json_extract(?2, '$.rounds_planned'), "
        "  json_extract(?2, '$.rounds_done'), ?4, ?5, "
        "  nullif(json_extract(?2, '$.file_system_info'), '{}'), "
        "  coalesce(json_extract(?2, '$.verified_through'), ''), "
        "  coalesce(json_extract(?2, '$.workload'), 'tracker')",
        -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, dir, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, model_key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt) == SQLITE_DONE
                 ? 0
                 : fail(err, err_size, "%s: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    *run_id = sqlite3_last_insert_rowid(db);
    return rc;
}

/* Whether the text is a JSON object. */
static bool is_json_object(sqlite3 *db, const char *json)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT json_valid(?1) AND json_type(?1) = "
                       "'object'",
                       -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, json, -1, SQLITE_STATIC);
    bool object =
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return object;
}

/* summary.json's description of the run, by SQLite's JSON functions. */
static int load_summary(sqlite3 *db, const char *dir, long long *run_id,
                        char *err, size_t err_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *json = file_contents(path);
    if (json == NULL)
        return fail(err, err_size, "%s: %s", path, strerror(errno));
    int rc = is_json_object(db, json)
                 ? check_summary(db, json, path, err, err_size)
                 : fail(err, err_size, "%s: not a JSON object", path);
    char name[4096], model[8192], key[8192];
    json_text_of(db, json, "$.run_id", name, sizeof name);
    bool from_summary = name[0] != '\0';
    if (!from_summary)
        dir_name_of(dir, name, sizeof name);
    json_text_of(db, json, "$.fault_model", model, sizeof model);
    model_key_of(model, key, sizeof key);
    if (rc == 0)
        rc = refuse_same_run(db, dir, name, from_summary, err, err_size);
    if (rc == 0)
        rc = insert_run(db, dir, json, name, key, path, run_id, err, err_size);
    free(json);
    return rc;
}

/* A round's jobs as "N jobs (ok a, skipped b, ...)": counted from
 * jobs.csv's rows, or as rounds.csv states them. */
#define OUTCOME_COUNTS(n, ok, skipped, failed, crashed, killed, hung)         \
    "printf('%d jobs (ok %d, skipped %d, failed %d, crashed %d, killed %d, "  \
    "hung %d)', " n ", " ok ", " skipped ", " failed ", " crashed ", " killed \
    ", " hung ")"
#define COUNTED(o) "sum(outcome = '" o "')"

/* jobs.csv against rounds.csv, round by round: as many rows as the round's
 * jobs and, outcome by outcome, the counts it states (a jobs.csv cut short
 * would otherwise pass for a round with fewer jobs); a round whose set-up
 * failed ran none. The first round that disagrees, and how. */
/* The query keeps the layout of its SQL, which clang-format would break
 * up around the macros spliced into it. */
/* clang-format off */
static const char rounds_agreement_sql[] =
    "WITH counted AS (\n"
    "  SELECT round, " OUTCOME_COUNTS("count(*)", COUNTED("ok"),
                                      COUNTED("skipped"), COUNTED("failed"),
                                      COUNTED("crashed"), COUNTED("killed"),
                                      COUNTED("hung")) " AS jobs_csv\n"
    "  FROM jobs WHERE run_id = ?1 GROUP BY round),\n"
    "stated AS (\n"
    "  SELECT round, setup, jobs, " OUTCOME_COUNTS("jobs", "ok", "skipped",
                                                   "failed", "crashed",
                                                   "killed", "hung")
    " AS rounds_csv\n"
    "  FROM rounds WHERE run_id = ?1),\n"
    "sides AS (\n"
    "  SELECT s.round, s.setup, s.jobs, coalesce(c.jobs_csv, "
    OUTCOME_COUNTS("0", "0", "0", "0", "0", "0", "0") ") AS jobs_csv,\n"
    "    s.rounds_csv FROM stated s LEFT JOIN counted c USING (round)\n"
    "  UNION ALL\n"
    "  SELECT round, 'ok', NULL, jobs_csv, 'no such round' FROM counted\n"
    "  WHERE round NOT IN (SELECT round FROM stated))\n"
    "SELECT round, CASE\n"
    "    WHEN setup NOT IN ('ok', 'failed') THEN 'rounds.csv: setup is ' ||\n"
    "      quote(setup) || ', not ''ok'' or ''failed'''\n"
    "    WHEN setup = 'failed' AND jobs <> 0 THEN\n"
    "      'rounds.csv: its set-up failed, yet it states ' || rounds_csv\n"
    "    ELSE 'jobs.csv has ' || jobs_csv || ', rounds.csv states ' ||\n"
    "      rounds_csv\n"
    "  END\n"
    "FROM sides\n"
    "WHERE setup NOT IN ('ok', 'failed') OR jobs_csv <> rounds_csv\n"
    "  OR (setup = 'failed' AND jobs <> 0)\n"
    "ORDER BY round LIMIT 1";
/* clang-format on */

static int check_jobs_against_rounds(sqlite3 *db, const char *dir,
                                     long long run_id, char *err,
                                     size_t err_size)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, rounds_agreement_sql, -1, &stmt, NULL) !=
        SQLITE_OK)
        return fail(err, err_size, "%s: %s", dir, sqlite3_errmsg(db));
    sqlite3_bind_int64(stmt, 1, run_id);
    int rc = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        rc = fail(err, err_size, "%s: round %lld: %s", dir,
                  sqlite3_column_int64(stmt, 0),
                  (const char *)sqlite3_column_text(stmt, 1));
    sqlite3_finalize(stmt);
    return rc;
}

/* A run of another tool's code (--workload other than tracker): its
 * profiles renamed "WORKLOAD: PROFILE" in every table of the run, so each
 * is a configuration of its own, never pooled with the tracker's profile
 * of that name nor compared with the published table. */
static int name_workload_profiles(sqlite3 *db, long long run_id, char *err,
                                  size_t err_size)
{
    for (size_t i = 0; i < sizeof results_tables / sizeof *results_tables;
         i++) {
        char *sql = sqlite3_mprintf(
            "UPDATE %s SET profile = (SELECT workload FROM runs WHERE "
            "run_id = %lld) || ': ' || profile WHERE run_id = %lld AND "
            "(SELECT workload FROM runs WHERE run_id = %lld) <> 'tracker'",
            results_tables[i].table, run_id, run_id, run_id);
        int rc = sql ? exec_sql(db, sql, err, err_size)
                     : fail(err, err_size, "out of memory");
        sqlite3_free(sql);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int load_dir_contents(sqlite3 *db, const char *dir, char *err,
                             size_t err_size)
{
    long long run_id = 0;
    if (load_summary(db, dir, &run_id, err, err_size) < 0)
        return -1;
    for (size_t i = 0; i < sizeof results_tables / sizeof *results_tables;
         i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, results_tables[i].file);
        if (results_tables[i].optional && access(path, F_OK) != 0 &&
            errno == ENOENT)
            continue;
        if (load_csv(db, &results_tables[i], path, run_id, err, err_size) < 0)
            return -1;
    }
    if (check_jobs_against_rounds(db, dir, run_id, err, err_size) < 0 ||
        name_workload_profiles(db, run_id, err, err_size) < 0)
        return -1;
    return load_fault_logs(db, dir, run_id, err, err_size);
}

int load_results_dir(sqlite3 *db, const char *dir, char *err, size_t err_size)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return fail(err, err_size, "%s: %s", dir, strerror(errno));
    closedir(d);
    if (exec_sql(db, "BEGIN", err, err_size) < 0)
        return -1;
    if (load_dir_contents(db, dir, err, err_size) < 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec_sql(db, "COMMIT", err, err_size);
}

int load_reference(sqlite3 *db, const char *path, char *err, size_t err_size)
{
    return load_csv(db, &reference_table, path, 0, err, err_size);
}
