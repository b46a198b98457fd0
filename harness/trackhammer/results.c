/*
 * results.c: rounds into counts, counts into files and the table.
 *
 * A job is counted by how it ended: "disk I/O error" are the jobs whose
 * failing call returned an SQLITE_IOERR_* code (the published table's
 * column), SIGBUS the jobs a SIGBUS ended, locked and malformed their own
 * classes, and everything else that did not end ok or skipped is "other".
 * The class is results_job_class_of()'s (tracker/results_schema.h), the
 * one classification: jobs.csv states it, and th-report reads it there.
 * Files: jobs.csv (a row per job per round), rounds.csv (a row per round),
 * faults.csv (injected faults per class per round), ops.csv, each with the
 * columns of tracker/results_schema.h, and summary.json.
 */
#include "trackhammer.h"
#include "results_schema.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *outcome_name(job_outcome outcome)
{
    static const char *const names[OUTCOME_COUNT] = {
        "pending", "ok", "skipped", "failed", "crashed", "killed", "hung",
    };
    return (unsigned)outcome < OUTCOME_COUNT ? names[outcome] : "invalid";
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, int n, double q)
{
    if (n == 0)
        return 0;
    int k = (int)ceil(q * n) - 1;
    return sorted[k < 0 ? 0 : (k >= n ? n - 1 : k)];
}

static void add_faults(faultfs_counters *sum, const faultfs_counters *c)
{
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        sum->calls[k] += c->calls[k];
        sum->faults[k] += c->faults[k];
        sum->delay_s[k] += c->delay_s[k];
    }
    for (int k = 0; k < FAULTFS_FILE_KIND_COUNT; k++)
        sum->faults_by_kind[k] += c->faults_by_kind[k];
}

/* The job's failure class, as jobs.csv states it. */
static results_job_class job_class(const job_record *j)
{
    return results_job_class_of(outcome_name(j->outcome), j->signal,
                                j->failed_code);
}

/* One job more in the round's count of its class. */
static void count_class(round_result *r, results_job_class cls)
{
    switch (cls) {
    case RESULTS_CLASS_NONE: break;
    case RESULTS_CLASS_IOERR: r->ioerr_jobs++; break;
    case RESULTS_CLASS_SIGBUS: r->sigbus_jobs++; break;
    case RESULTS_CLASS_LOCKED: r->locked_jobs++; break;
    case RESULTS_CLASS_MALFORMED: r->corrupt_jobs++; break;
    default: r->other_jobs++; break;
    }
}

void round_summarize(const job_record *records, int count, round_result *r)
{
    double *times = malloc(sizeof(double) * (size_t)(count ? count : 1));
    int n = 0;
    r->jobs = count;
    for (int i = 0; i < count; i++) {
        const job_record *j = &records[i];
        r->by_outcome[j->outcome]++;
        add_faults(&r->faults, &j->faults);
        count_class(r, job_class(j));
        /* A crashed or killed job's time stops mid-call: only jobs that
         * lived their whole life count in the percentiles. */
        bool whole_life = j->outcome == OUTCOME_OK ||
                          j->outcome == OUTCOME_SKIPPED ||
                          j->outcome == OUTCOME_FAILED;
        if (times && whole_life)
            times[n++] = j->db_time_s;
    }
    if (times) {
        qsort(times, (size_t)n, sizeof *times, compare_doubles);
        r->db_time_p50_s = percentile(times, n, 0.50);
        r->db_time_p99_s = percentile(times, n, 0.99);
        free(times);
    }
}

/* A CSV field: quoted, quotes doubled. */
static void csv_text(FILE *f, const char *text)
{
    fputc('"', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p == '\n' ? ' ' : *p, f);
    }
    fputc('"', f);
}

/* Each file's columns by name, as indexes into its row: JOBS_round... */
#define COLUMN_INDEX(prefix, name) prefix##_##name,
#define JOBS_INDEX(name, type, meaning) COLUMN_INDEX(JOBS, name)
#define ROUNDS_INDEX(name, type, meaning) COLUMN_INDEX(ROUNDS, name)
#define FAULTS_INDEX(name, type, meaning) COLUMN_INDEX(FAULTS, name)
#define OPS_INDEX(name, type, meaning) COLUMN_INDEX(OPS, name)
enum { RESULTS_JOBS_COLUMNS(JOBS_INDEX) JOBS_COLUMN_COUNT };
enum { RESULTS_ROUNDS_COLUMNS(ROUNDS_INDEX) ROUNDS_COLUMN_COUNT };
enum { RESULTS_FAULTS_COLUMNS(FAULTS_INDEX) FAULTS_COLUMN_COUNT };
enum { RESULTS_OPS_COLUMNS(OPS_INDEX) OPS_COLUMN_COUNT };

/* Room for the widest file's row. */
#define ROW_MAX_COLUMNS ROUNDS_COLUMN_COUNT
_Static_assert((int)JOBS_COLUMN_COUNT <= ROW_MAX_COLUMNS &&
                   (int)FAULTS_COLUMN_COUNT <= ROW_MAX_COLUMNS &&
                   (int)OPS_COLUMN_COUNT <= ROW_MAX_COLUMNS,
               "rounds.csv is no longer the widest file");

/* How a cell is written: a number, a name (no comma, written as it is) or
 * free text (quoted). */
typedef enum cell_kind {
    CELL_UNSET = 0,
    CELL_INT,
    CELL_COUNT,
    CELL_REAL,
    CELL_NAME,
    CELL_TEXT
} cell_kind;

typedef struct csv_cell {
    cell_kind kind;
    long long integer;
    uint64_t count;
    double real;
    const char *text; /* owned by the caller until the row is emitted */
} csv_cell;

/* One row of a results file: a cell per column of its schema. */
typedef struct csv_row {
    const results_column *columns;
    int count;
    csv_cell cells[ROW_MAX_COLUMNS];
} csv_row;

/* How many columns a list of the schema has. */
#define COUNT_OF(list) ((int)(sizeof list / sizeof *list))

/* An empty row of the file whose columns are `list`. */
#define ROW_OF(list) ((csv_row){ .columns = list, .count = COUNT_OF(list) })

/* Column `column` of the row: a signed integer. */
static void row_int(csv_row *row, int column, long long value)
{
    row->cells[column] = (csv_cell){ .kind = CELL_INT, .integer = value };
}

/* A count (the tracker's and the model's counters are 64-bit unsigned). */
static void row_count(csv_row *row, int column, uint64_t value)
{
    row->cells[column] = (csv_cell){ .kind = CELL_COUNT, .count = value };
}

/* A real number, written with 6 decimals. */
static void row_real(csv_row *row, int column, double value)
{
    row->cells[column] = (csv_cell){ .kind = CELL_REAL, .real = value };
}

/* A name, written as it is: no comma, quote or newline can be in it. */
static void row_name(csv_row *row, int column, const char *name)
{
    row->cells[column] = (csv_cell){ .kind = CELL_NAME, .text = name };
}

/* Free text (a message, a verdict): quoted. */
static void row_text(csv_row *row, int column, const char *text)
{
    row->cells[column] = (csv_cell){ .kind = CELL_TEXT, .text = text };
}

/* Whether a cell's kind is what its column's type says: a row filled
 * against the schema, never beside it. */
static bool cell_fits(const csv_cell *c, char type)
{
    switch (c->kind) {
    case CELL_INT:
    case CELL_COUNT: return type == 'i';
    case CELL_REAL: return type == 'r';
    case CELL_NAME: return type == 't' || type == 'h';
    case CELL_TEXT: return type == 't';
    default: return false;
    }
}

/* The header line: the schema's names in its order. */
static void emit_header(FILE *f, const results_column *columns, int count)
{
    for (int c = 0; c < count; c++)
        fprintf(f, "%s%s", c ? "," : "", columns[c].name);
    fputc('\n', f);
}

/* The header of the file whose columns are `list`. */
#define EMIT_HEADER(f, list) emit_header(f, list, COUNT_OF(list))

/* The one CSV emitter: the row's cells in the schema's order. A column
 * left unfilled or filled with another type is a bug here: it stops the
 * program rather than write a file th-report would refuse. */
static void emit_row(FILE *f, const csv_row *row)
{
    for (int c = 0; c < row->count; c++) {
        const csv_cell *v = &row->cells[c];
        if (!cell_fits(v, row->columns[c].type)) {
            fprintf(stderr,
                    "trackhammer: bug: column %s written as "
                    "another type, or not at all\n",
                    row->columns[c].name);
            abort();
        }
        if (c)
            fputc(',', f);
        switch (v->kind) {
        case CELL_INT: fprintf(f, "%lld", v->integer); break;
        case CELL_COUNT:
            fprintf(f, "%llu", (unsigned long long)v->count);
            break;
        case CELL_REAL: fprintf(f, "%.6f", v->real); break;
        case CELL_NAME: fputs(v->text, f); break;
        default: csv_text(f, v->text); break;
        }
    }
    fputc('\n', f);
}

void results_json_text(FILE *f, const char *text)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* How many "-N" suffixes a run tries before it gives up on a name: runs
 * started in one second with one seed (--seed, or a plan's) are few. */
#define RUN_DIR_ATTEMPTS 100

/* mkdir, not mkdir -p: the directory is this run's only if this call made
 * it. Two runs started in the same second with the same seed would
 * otherwise share one directory, the second overwriting the first's files
 * (and a single-job run would find the other run's job records). mkdir is
 * atomic on a shared file system too, so jobs on several nodes cannot
 * claim one name. */
bool results_new_dir(const options *o, char *dir, size_t dir_size, char *err,
                     size_t err_size)
{
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
    for (int attempt = 1; attempt <= RUN_DIR_ATTEMPTS; attempt++) {
        if (attempt == 1)
            text_format(dir, dir_size, "%s/%s-%llu", o->output_dir, stamp,
                        (unsigned long long)(o->seed % 100000));
        else
            text_format(dir, dir_size, "%s/%s-%llu-%d", o->output_dir, stamp,
                        (unsigned long long)(o->seed % 100000), attempt);
        if (mkdir(dir, 0777) == 0)
            return true;
        if (errno != EEXIST) {
            text_format(err, err_size,
                        "cannot create the results directory "
                        "'%s': %s",
                        dir, strerror(errno));
            return false;
        }
    }
    text_format(err, err_size,
                "cannot find a new results directory: '%s' "
                "and %d more names like it exist already",
                dir, RUN_DIR_ATTEMPTS - 1);
    return false;
}

int results_open(results *res, const options *o, char *err, size_t err_size)
{
    char dir[TEXT_MAX];
    if (!results_new_dir(o, dir, sizeof dir, err, err_size))
        return -1;
    return results_open_in(res, dir, err, err_size);
}

int results_open_in(results *res, const char *dir, char *err, size_t err_size)
{
    memset(res, 0, sizeof *res);
    text_format(res->dir, sizeof res->dir, "%s", dir);
    char path[TEXT_MAX + 32];
    FILE **files[] = { &res->jobs_csv, &res->rounds_csv, &res->faults_csv,
                       &res->ops_csv };
    const char *names[] = { "jobs.csv", "rounds.csv", "faults.csv",
                            "ops.csv" };
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", res->dir, names[i]);
        if ((*files[i] = fopen(path, "we")) == NULL) {
            snprintf(err, err_size, "cannot write '%s'", path);
            for (int k = 0; k < i; k++)
                fclose(*files[k]);
            return -1;
        }
    }
    EMIT_HEADER(res->jobs_csv, results_jobs_columns);
    EMIT_HEADER(res->rounds_csv, results_rounds_columns);
    EMIT_HEADER(res->faults_csv, results_faults_columns);
    EMIT_HEADER(res->ops_csv, results_ops_columns);
    return 0;
}

void results_print_progress(const options *o, const round_result *r, int done,
                            int total)
{
    if (o->quiet)
        return;
    if (r->setup_failed) {
        char text[TEXT_MAX];
        tracker_error_format(&r->setup_error, text, sizeof text);
        fprintf(stderr,
                "round %d/%d %-24s repeat %d: set-up failed, no job "
                "ran: %s\n",
                done, total, r->profile->name, r->repeat + 1, text);
        return;
    }
    fprintf(stderr,
            "round %d/%d %-24s repeat %d: %d ok, %d skipped, %d I/O "
            "error, %d SIGBUS, %d locked, %d malformed, %d other; "
            "lost %d; integrity %s; %.1f s\n",
            done, total, r->profile->name, r->repeat + 1,
            r->by_outcome[OUTCOME_OK], r->by_outcome[OUTCOME_SKIPPED],
            r->ioerr_jobs, r->sigbus_jobs, r->locked_jobs, r->corrupt_jobs,
            r->other_jobs, r->verdict.lost_updates, r->verdict.integrity,
            r->wall_s);
}

/* The published run a round reproduces: its profile's, when the jobs
 * are the tracker's (the C job or one under --job-cmd); another tool's
 * code reproduces none, its profile only set the database's journal. */
static const char *published_run_of(const tracker_profile *profile,
                                    const workload *w)
{
    return w->script ? "" : profile->published_run;
}

/* The call a failed set-up failed in: the workload's own set-up step
 * ("setup", its first operation) when it makes the database itself. */
static const char *setup_call_name(const workload *w, const tracker_error *e)
{
    return workload_has_own_operations(w) ? workload_op_name(w, 0)
                                          : tracker_op_name(e->op);
}

/* An operation of the round's workload by name, "" none. */
static const char *op_or_dash(const round_result *r, int op)
{
    return op >= 0 ? workload_op_name(r->workload, op) : "";
}

/* Retries of one class over every operation of a job. */
static uint64_t retries_of(const tracker_stats *s, tracker_error_class cls)
{
    uint64_t n = 0;
    for (int op = 0; op < TRACKER_OP_COUNT; op++)
        n += s->op[op].retries[cls];
    return n;
}

/* The three columns every file starts with. */
#define ROUND_KEY(row, prefix, r)                                             \
    do {                                                                      \
        row_int(row, prefix##_round, (r)->round);                             \
        row_int(row, prefix##_repeat, (r)->repeat);                           \
        row_name(row, prefix##_profile, (r)->profile->name);                  \
    } while (0)

/* ops.csv: the round's tracker statistics, summed over its jobs, a row per
 * operation called: counts, backoff, and the latency histogram (bucket b:
 * [2^b, 2^(b+1)) us) so percentiles can be pooled over rounds. */
static void write_ops(FILE *f, const round_result *r,
                      const job_record *records)
{
    tracker_stats sum;
    memset(&sum, 0, sizeof sum);
    for (int i = 0; i < r->jobs; i++)
        tracker_stats_add(&sum, &records[i].stats);
    for (int op = 0; op < TRACKER_OP_COUNT; op++) {
        const tracker_op_stats *s = &sum.op[op];
        if (s->calls == 0)
            continue;
        uint64_t failures = 0;
        for (int c = 0; c < TRACKER_CLASS_COUNT; c++)
            failures += s->failures[c];
        char hist[TRACKER_LATENCY_BUCKETS * 21];
        size_t used = 0;
        for (int b = 0; b < TRACKER_LATENCY_BUCKETS; b++)
            used += (size_t)snprintf(hist + used, sizeof hist - used, "%s%llu",
                                     b ? " " : "",
                                     (unsigned long long)s->latency_hist[b]);
        csv_row row = ROW_OF(results_ops_columns);
        ROUND_KEY(&row, OPS, r);
        row_name(&row, OPS_op, tracker_op_name((tracker_op)op));
        row_count(&row, OPS_calls, s->calls);
        row_count(&row, OPS_attempts, s->attempts);
        row_count(&row, OPS_retries_locked, s->retries[TRACKER_CLASS_BUSY]);
        row_count(&row, OPS_retries_ioerr, s->retries[TRACKER_CLASS_IOERR]);
        row_count(&row, OPS_retries_corrupt,
                  s->retries[TRACKER_CLASS_CORRUPT]);
        row_count(&row, OPS_failures, failures);
        row_real(&row, OPS_backoff_s, s->backoff_s);
        row_real(&row, OPS_latency_total_s, s->latency_total_s);
        row_real(&row, OPS_latency_max_s, s->latency_max_s);
        row_name(&row, OPS_latency_hist, hist);
        emit_row(f, &row);
    }
}

/* jobs.csv: a row per job of the round, its failure class last. */
static void write_jobs(FILE *f, const round_result *r,
                       const job_record *records, const job_verdict *verdicts)
{
    for (int i = 0; i < r->jobs; i++) {
        const job_record *j = &records[i];
        uint64_t injected = 0;
        for (int k = 0; k < FAULTFS_CLASS_COUNT; k++)
            injected += j->faults.faults[k];
        char variable[64];
        variable_name(i, variable, sizeof variable);
        csv_row row = ROW_OF(results_jobs_columns);
        ROUND_KEY(&row, JOBS, r);
        row_int(&row, JOBS_job, i);
        row_name(&row, JOBS_variable, variable);
        row_name(&row, JOBS_outcome, outcome_name(j->outcome));
        row_int(&row, JOBS_signal, j->signal);
        row_name(&row, JOBS_failed_op, op_or_dash(r, j->failed_op));
        row_int(&row, JOBS_code, j->failed_code);
        row_name(&row, JOBS_code_name,
                 j->failed_op >= 0 ? tracker_code_name(j->failed_code) : "");
        row_int(&row, JOBS_attempts, j->failed_attempts);
        row_text(&row, JOBS_message, j->failed_message);
        row_real(&row, JOBS_db_time_s, j->db_time_s);
        row_real(&row, JOBS_wall_s, j->end_s - j->start_s);
        row_name(&row, JOBS_last_ack, op_or_dash(r, j->last_ack_op));
        row_name(&row, JOBS_in_flight, op_or_dash(r, j->current_op));
        row_name(&row, JOBS_unknown_op, op_or_dash(r, j->unknown_op));
        row_name(&row, JOBS_verdict, verdict_name(verdicts[i]));
        row_count(&row, JOBS_retries_locked,
                  retries_of(&j->stats, TRACKER_CLASS_BUSY));
        row_count(&row, JOBS_retries_ioerr,
                  retries_of(&j->stats, TRACKER_CLASS_IOERR));
        row_count(&row, JOBS_retries_corrupt,
                  retries_of(&j->stats, TRACKER_CLASS_CORRUPT));
        row_count(&row, JOBS_faults_injected, injected);
        row_name(&row, JOBS_class, results_job_class_name(job_class(j)));
        emit_row(f, &row);
    }
}

/* faults.csv: the round's calls and injected faults, a row per class. */
static void write_faults(FILE *f, const round_result *r)
{
    for (int k = 0; k < FAULTFS_CLASS_COUNT; k++) {
        csv_row row = ROW_OF(results_faults_columns);
        ROUND_KEY(&row, FAULTS, r);
        row_name(&row, FAULTS_class, faultfs_class_name((faultfs_class)k));
        row_count(&row, FAULTS_calls, r->faults.calls[k]);
        row_count(&row, FAULTS_faults, r->faults.faults[k]);
        emit_row(f, &row);
    }
}

/* rounds.csv's set-up columns: ok, or the failing call. */
static void fill_setup(csv_row *row, const round_result *r)
{
    const tracker_error *e = &r->setup_error;
    row_name(row, ROUNDS_setup, r->setup_failed ? "failed" : "ok");
    row_name(row, ROUNDS_setup_op,
             r->setup_failed ? setup_call_name(r->workload, e) : "");
    row_int(row, ROUNDS_setup_code, r->setup_failed ? e->code : 0);
    row_name(row, ROUNDS_setup_code_name,
             r->setup_failed ? tracker_code_name(e->code) : "");
    row_text(row, ROUNDS_setup_message, r->setup_failed ? e->message : "");
}

/* rounds.csv: the round's row, its set-up's outcome last but two. */
static void write_round(FILE *f, const round_result *r)
{
    const round_verdict *v = &r->verdict;
    csv_row row = ROW_OF(results_rounds_columns);
    ROUND_KEY(&row, ROUNDS, r);
    row_name(&row, ROUNDS_published_run,
             published_run_of(r->profile, r->workload));
    row_int(&row, ROUNDS_jobs, r->jobs);
    row_int(&row, ROUNDS_ok, r->by_outcome[OUTCOME_OK]);
    row_int(&row, ROUNDS_skipped, r->by_outcome[OUTCOME_SKIPPED]);
    row_int(&row, ROUNDS_failed, r->by_outcome[OUTCOME_FAILED]);
    row_int(&row, ROUNDS_crashed, r->by_outcome[OUTCOME_CRASHED]);
    row_int(&row, ROUNDS_killed, r->by_outcome[OUTCOME_KILLED]);
    row_int(&row, ROUNDS_hung, r->by_outcome[OUTCOME_HUNG]);
    row_int(&row, ROUNDS_ioerr_jobs, r->ioerr_jobs);
    row_int(&row, ROUNDS_sigbus_jobs, r->sigbus_jobs);
    row_int(&row, ROUNDS_locked_jobs, r->locked_jobs);
    row_int(&row, ROUNDS_malformed_jobs, r->corrupt_jobs);
    row_int(&row, ROUNDS_other_jobs, r->other_jobs);
    row_int(&row, ROUNDS_lost_updates, v->lost_updates);
    row_int(&row, ROUNDS_unknown_committed, v->unknown_committed);
    row_int(&row, ROUNDS_unknown_lost, v->unknown_lost);
    row_text(&row, ROUNDS_integrity, v->integrity);
    row_int(&row, ROUNDS_hot_journal, v->hot_journal);
    row_int(&row, ROUNDS_wal_left, v->wal_left);
    row_int(&row, ROUNDS_shm_left, v->shm_left);
    row_real(&row, ROUNDS_db_time_p50_s, r->db_time_p50_s);
    row_real(&row, ROUNDS_db_time_p99_s, r->db_time_p99_s);
    row_real(&row, ROUNDS_wall_s, r->wall_s);
    row_count(&row, ROUNDS_monitor_polls, r->monitor.polls);
    row_count(&row, ROUNDS_monitor_failed_polls, r->monitor.failed_polls);
    fill_setup(&row, r);
    row_int(&row, ROUNDS_late_starts, r->late_starts);
    row_text(&row, ROUNDS_during_round, r->during_round);
    emit_row(f, &row);
}

void results_add_round(results *res, const round_result *r,
                       const job_record *records, const job_verdict *verdicts)
{
    if (!r->setup_failed) {
        write_jobs(res->jobs_csv, r, records, verdicts);
        write_faults(res->faults_csv, r);
        write_ops(res->ops_csv, r, records);
    }
    /* The jobs' rows reach the file before the round's row is written: a
     * round's row is never there without its jobs. */
    FILE *files[] = { res->jobs_csv, res->faults_csv, res->ops_csv,
                      res->rounds_csv };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        if (files[i] == res->rounds_csv)
            write_round(res->rounds_csv, r);
        if (fflush(files[i]) != 0 && res->write_errno == 0)
            res->write_errno = errno;
    }
}

bool results_ok(const results *res)
{
    return res->write_errno == 0 && !ferror(res->jobs_csv) &&
           !ferror(res->rounds_csv) && !ferror(res->faults_csv) &&
           !ferror(res->ops_csv);
}

/* Rounds of one profile pooled: the table's row. */
struct pooled {
    const tracker_profile *profile;
    const workload *workload;
    int rounds, jobs, ioerr, sigbus, locked, malformed, other, lost;
    int sigbus_rounds, integrity_failures, setup_failures;
    int unverified; /* rounds whose verification could not read the
                       database: neither ok nor failed */
    double p50_max, p99_max;
};

static int pool_rounds(const round_result *rounds, int n, struct pooled *rows)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        const round_result *r = &rounds[i];
        int k = 0;
        while (k < count && rows[k].profile != r->profile)
            k++;
        if (k == count) {
            memset(&rows[count], 0, sizeof rows[count]);
            rows[count].workload = r->workload;
            rows[count++].profile = r->profile;
        }
        struct pooled *p = &rows[k];
        p->rounds++;
        if (r->setup_failed) {
            p->setup_failures++;
            continue; /* no job ran, nothing was verified */
        }
        p->jobs += r->jobs;
        p->ioerr += r->ioerr_jobs;
        p->sigbus += r->sigbus_jobs;
        p->sigbus_rounds += r->sigbus_jobs > 0;
        p->locked += r->locked_jobs;
        p->malformed += r->corrupt_jobs;
        p->other += r->other_jobs;
        p->lost += r->verdict.lost_updates;
        bool unverified =
            strncmp(r->verdict.integrity, "not verified", 12) == 0 ||
            strncmp(r->verdict.integrity, "cannot open:", 12) == 0;
        p->unverified += unverified;
        p->integrity_failures +=
            !unverified && strcmp(r->verdict.integrity, "ok") != 0;
        if (r->db_time_p50_s > p->p50_max)
            p->p50_max = r->db_time_p50_s;
        if (r->db_time_p99_s > p->p99_max)
            p->p99_max = r->db_time_p99_s;
    }
    return count;
}

/* The set-up cell: how many rounds could not be set up, and the first
 * round's reason, so a row of zeros is never mistaken for a clean run. */
static void setup_cell(const struct pooled *p, const round_result *rounds,
                       int n, char *cell, size_t size)
{
    if (p->setup_failures == 0) {
        text_format(cell, size, "ok");
        return;
    }
    const tracker_error *e = NULL;
    for (int i = 0; i < n && e == NULL; i++)
        if (rounds[i].profile == p->profile && rounds[i].setup_failed)
            e = &rounds[i].setup_error;
    text_format(cell, size, "FAILED %d/%d rounds (%s: %s)", p->setup_failures,
                p->rounds, setup_call_name(p->workload, e),
                tracker_code_name(e->code));
}

static void print_table(FILE *out, const struct pooled *rows, int count,
                        const round_result *rounds, int n)
{
    fprintf(out, "| run | configuration | jobs with disk I/O error | SIGBUS "
                 "| locked | malformed | other | lost updates | integrity "
                 "| db time p50 | db time p99 | set-up |\n"
                 "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < count; i++) {
        const struct pooled *p = &rows[i];
        /* Per round first, as the published table states it (each of its
         * runs is one round); the job count after, which depends on how
         * the machine interleaves the jobs more than on the model. */
        char sigbus[64], setup[128];
        int ran = p->rounds - p->setup_failures;
        snprintf(sigbus, sizeof sigbus, "%s (%d/%d rounds, %d/%d jobs)",
                 p->sigbus ? "present" : "none", p->sigbus_rounds, ran,
                 p->sigbus, p->jobs);
        setup_cell(p, rounds, n, setup, sizeof setup);
        fprintf(out,
                "| %s | %s | %d/%d | %s | %d/%d | %d/%d | %d/%d | %d "
                "| %s | %.1f ms | %.1f ms | %s |\n",
                published_run_of(p->profile, p->workload)[0]
                    ? published_run_of(p->profile, p->workload)
                    : "-",
                p->profile->name, p->ioerr, p->jobs, sigbus, p->locked,
                p->jobs, p->malformed, p->jobs, p->other, p->jobs, p->lost,
                ran == p->unverified    ? "not verified"
                : p->integrity_failures ? "FAILED"
                                        : "ok",
                p->p50_max * 1e3, p->p99_max * 1e3, setup);
    }
}

/* One string member of a JSON object: `sep` then "key": "value". */
static void json_member(FILE *f, const char *sep, const char *key,
                        const char *value)
{
    fprintf(f, "%s\"%s\": ", sep, key);
    results_json_text(f, value);
}

static const char *run_status_name(run_status status)
{
    return status == RUN_COMPLETED     ? "completed"
           : status == RUN_INTERRUPTED ? "interrupted"
                                       : "stopped";
}

/* summary.json's body: how the run was made, where it ran, how it ended,
 * and its table. */
static void write_summary_to(FILE *f, const results *res, const options *o,
                             const environment *env,
                             const char *placement_json,
                             const struct pooled *rows, int count,
                             int round_count, const run_end *end,
                             const char *model)
{
    const char *run_id = strrchr(res->dir, '/');
    json_member(f, "{\n  ", "run_id", run_id ? run_id + 1 : res->dir);
    json_member(f, ",\n  ", "command_line", o->command_line);
    fprintf(f, ",\n  \"environment\": {");
    json_member(f, "", "hostname", env->hostname);
    json_member(f, ", ", "sqlite_version", env->sqlite_version);
    json_member(f, ", ", "mpi_version", env->mpi_version);
    json_member(f, ", ", "db_dir", o->db_dir);
    json_member(f, ", ", "fs_type", env->fs_type);
    json_member(f, ", ", "mount_point", env->mount_point);
    json_member(f, ", ", "mount_options", env->mount_options);
    json_member(f, ", ", "kernel", env->kernel);
    /* Where the jobs ran: the ranks' hosts, or each single job's own
     * environment. */
    fprintf(f, ", \"%s\": %s},\n", o->mode == MODE_MPI ? "ranks" : "jobs",
            placement_json);
    fprintf(f, "  \"file_system_info\": {");
    for (int i = 0; i < o->fs_info.count; i++)
        json_member(f, i ? ", " : "", o->fs_info.key[i], o->fs_info.value[i]);
    fprintf(f, "},\n");
    json_member(f, "  ", "verified_through", o->verify_dir);
    json_member(f, ",\n  ", "workload", o->workload->name);
    json_member(f, ", ", "workload_code", o->workload_code);
    json_member(f, ",\n  ", "topology",
                o->mode == MODE_MPI ? "mpi" : "single-job");
    json_member(f, ",\n  ", "status", run_status_name(end->status));
    json_member(f, ", ", "stop_reason", end->reason);
    fprintf(f, ", \"rounds_planned\": %d, \"rounds_done\": %d,\n",
            end->rounds_planned, round_count);
    json_member(f, "  ", "fault_model", model);
    fprintf(f,
            ",\n  \"time_scale\": %.17g, \"seed\": %llu, \"jobs\": %d, "
            "\"repeat\": %d,\n  \"table\": [\n",
            o->time_scale, (unsigned long long)o->seed, o->jobs, o->repeat);
    for (int i = 0; i < count; i++) {
        const struct pooled *p = &rows[i];
        json_member(f, "    {", "profile", p->profile->name);
        json_member(f, ", ", "published_run",
                    published_run_of(p->profile, p->workload));
        fprintf(f,
                ", \"rounds\": %d, \"setup_failures\": %d, "
                "\"jobs\": %d, \"ioerr_jobs\": %d, "
                "\"sigbus_jobs\": %d, \"sigbus_rounds\": %d, "
                "\"locked_jobs\": %d, "
                "\"malformed_jobs\": %d, \"other_jobs\": %d, "
                "\"lost_updates\": %d, \"integrity_failures\": %d, "
                "\"db_time_p50_s\": %.6f, \"db_time_p99_s\": %.6f}%s\n",
                p->rounds, p->setup_failures, p->jobs, p->ioerr, p->sigbus,
                p->sigbus_rounds, p->locked, p->malformed, p->other, p->lost,
                p->integrity_failures, p->p50_max, p->p99_max,
                i + 1 < count ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

bool results_write_summary(const results *res, const options *o,
                           const environment *env, const char *placement_json,
                           const round_result *rounds, int round_count,
                           const run_end *end)
{
    struct pooled rows[MAX_PROFILES];
    int count = pool_rounds(rounds, round_count, rows);
    char path[TEXT_MAX + 32], aside[TEXT_MAX + 48];
    text_format(path, sizeof path, "%s/summary.json", res->dir);
    text_format(aside, sizeof aside, "%s/.summary.json.new", res->dir);
    char *model =
        o->simulate ? model_description(&o->fault_config) : strdup("none");
    FILE *f = model ? fopen(aside, "we") : NULL;
    if (f == NULL) {
        free(model);
        return false;
    }
    write_summary_to(f, res, o, env, placement_json, rows, count, round_count,
                     end, model);
    free(model);
    /* On the disk before it replaces the last one: a crash leaves the old
     * summary or the new, never an empty file. */
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (ok && rename(aside, path) == 0)
        return true;
    unlink(aside);
    return false;
}

/* The caption under the table: what it holds, and how the run ended. */
static void print_caption(FILE *out, const results *res, int jobs,
                          int round_count, const run_end *end)
{
    fprintf(out,
            "\n%d round(s) of %d job(s); db time: time inside tracker "
            "calls of the jobs that ran to the end, p50/p99 of the worst "
            "round. Files: %s/\n",
            round_count, jobs, res->dir);
    if (end->status != RUN_COMPLETED)
        fprintf(out,
                "The run was %s (%s) after %d of %d rounds: the table "
                "holds the rounds that completed.\n",
                run_status_name(end->status), end->reason, round_count,
                end->rounds_planned);
}

bool results_finish(results *res, const options *o, const environment *env,
                    const char *placement_json, const round_result *rounds,
                    int round_count, const run_end *end, FILE *out)
{
    struct pooled rows[MAX_PROFILES];
    int count = pool_rounds(rounds, round_count, rows);
    fprintf(out, "\n");
    print_table(out, rows, count, rounds, round_count);
    print_caption(out, res, o->jobs, round_count, end);
    bool ok = results_ok(res);
    ok = results_write_summary(res, o, env, placement_json, rounds,
                               round_count, end) &&
         ok;
    FILE *files[] = { res->jobs_csv, res->rounds_csv, res->faults_csv,
                      res->ops_csv };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        ok = fclose(files[i]) == 0 && ok;
    return ok;
}
