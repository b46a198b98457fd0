/*
 * test_bad_input.c: BAD_INPUT.md's table "Bad input and what it gets", run.
 *
 * The table sits between two marker lines of BAD_INPUT.md (beside this
 * file), columns | input | command | exit | message |. Each row is one
 * cmocka test, named by its BAD_INPUT.md line: its command (one backticked
 * shell snippet, \| for a literal |) runs with /bin/sh -c in a fresh
 * scratch directory, the build directory first on PATH, stdin from
 * /dev/null, and is killed whole after ROW_TIMEOUT_S; its exit status must
 * be the row's, and every backticked text of the message column must occur
 * in its stdout and stderr together. So the document's claims are the
 * test's, and adding a row is adding a line. A missing or empty table, or
 * a malformed row, fails.
 */
#define _GNU_SOURCE /* asprintf, open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testsupport.h"

#define TABLE_START                                                           \
    "<!-- bad-input table: run row by row by "                                \
    "harness/trackhammer/tests/test_bad_input.c -->"
#define TABLE_END "<!-- end of the bad-input table -->"
#define COLUMNS 4
#define MAX_SPANS 8
#define ROW_TIMEOUT_S 60.0
#define OUTPUT_SHOWN 3000 /* bytes of a failing row's output printed */

static const char *const column_names[COLUMNS] = { "input", "command", "exit",
                                                   "message" };

typedef struct row {
    int line;   /* in BAD_INPUT.md */
    char *text; /* the line, cut into the fields below */
    char *name; /* the test's name */
    const char *input;
    const char *command; /* unescaped, without its backticks */
    int exit_status;
    const char *spans[MAX_SPANS]; /* texts the output must contain */
    int span_count;
    char *error;  /* why the row is malformed, or NULL */
    char *report; /* why it failed when run, or NULL */
} row;

typedef struct table {
    row *rows;
    int count;
    char *error; /* why there is no table, or NULL */
} table;

/* printf into a new string; aborts on no memory, as a test may. */
static char *format(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    return text;
}

/* `s` without leading and trailing blanks, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Whether a line is blank. */
static bool blank(const char *text)
{
    return text[strspn(text, " \t\r")] == '\0';
}

/* The cells of a markdown table line, in place, \| unescaped to |: their
 * count, or -1 if the line does not start and end with a |. */
static int split_cells(char *line, char **cells, int max)
{
    line = trim(line);
    size_t n = strlen(line);
    if (n < 2 || line[0] != '|' || line[n - 1] != '|' || line[n - 2] == '\\')
        return -1;
    line[n - 1] = '\0';
    int count = 0;
    char *out = line + 1, *cell = out;
    for (char *p = line + 1;; p++) {
        if (*p == '\\' && p[1] == '|') {
            *out++ = '|';
            p++;
        } else if (*p == '|' || *p == '\0') {
            bool last = *p == '\0';
            *out = '\0';
            if (count < max)
                cells[count] = trim(cell);
            count++;
            if (last)
                break;
            cell = out = p + 1;
        } else
            *out++ = *p;
    }
    return count;
}

/* The command cell's snippet: the cell is one backticked span. */
static const char *parse_command(char *cell)
{
    size_t n = strlen(cell);
    if (n < 3 || cell[0] != '`' || cell[n - 1] != '`')
        return NULL;
    cell[n - 1] = '\0';
    return strchr(cell + 1, '`') ? NULL : cell + 1;
}

/* The exit cell: a status 0 to 255, or -1. */
static int parse_exit(const char *cell)
{
    char *end = NULL;
    errno = 0;
    long status = strtol(cell, &end, 10);
    if (end == cell || *end != '\0' || errno != 0 || status < 0 ||
        status > 255)
        return -1;
    return (int)status;
}

/* The message cell's backticked spans into the row, in place; the text
 * between them is for the reader. NULL, or why the cell is malformed. */
static const char *parse_spans(row *r, char *cell)
{
    for (char *open = strchr(cell, '`'); open; open = strchr(open, '`')) {
        char *close = strchr(open + 1, '`');
        if (close == NULL)
            return "the message has an unclosed backtick";
        if (close == open + 1)
            return "the message has an empty `` span";
        if (r->span_count == MAX_SPANS)
            return "the message has too many backticked texts";
        *close = '\0';
        r->spans[r->span_count++] = open + 1;
        open = close + 1;
    }
    return r->span_count ? NULL
                         : "the message has no `text` for the output to hold";
}

/* One row of the table from its line: its fields, or why it is malformed.
 * A malformed row is still a test, one that fails naming it. */
static void parse_row(row *r, int line, const char *text)
{
    memset(r, 0, sizeof *r);
    r->line = line;
    r->text = format("%s", text);
    char *cells[COLUMNS];
    const char *why = NULL;
    int count = split_cells(r->text, cells, COLUMNS);
    if (blank(text))
        why = "a blank line, which ends a markdown table";
    else if (count != COLUMNS)
        why = count < 0 ? "not a table row (| ... |)" : "not 4 columns";
    else if (*(r->input = cells[0]) == '\0')
        why = "the input column is empty";
    else if ((r->command = parse_command(cells[1])) == NULL)
        why = "the command is not one `backticked` snippet";
    else if ((r->exit_status = parse_exit(cells[2])) < 0)
        why = "the exit column is not a status from 0 to 255";
    else
        why = parse_spans(r, cells[3]);
    if (why)
        r->error = format("BAD_INPUT.md line %d is malformed: %s:\n%s", line,
                          why, text);
    r->name = format("BAD_INPUT.md line %d: %s", line,
                     r->input && *r->input ? r->input : "(malformed row)");
}

/* Whether a header line names the columns this test reads, in order. */
static bool header_ok(const char *text)
{
    char *copy = format("%s", text), *cells[COLUMNS];
    bool ok = split_cells(copy, cells, COLUMNS) == COLUMNS;
    for (int c = 0; ok && c < COLUMNS; c++)
        ok = strcmp(cells[c], column_names[c]) == 0;
    free(copy);
    return ok;
}

/* Whether a line is the |---|---| line under a header of 4 columns. */
static bool separator_ok(const char *text)
{
    char *copy = format("%s", text), *cells[COLUMNS];
    bool ok = split_cells(copy, cells, COLUMNS) == COLUMNS;
    for (int c = 0; ok && c < COLUMNS; c++)
        ok = cells[c][0] != '\0' && strspn(cells[c], "-:") == strlen(cells[c]);
    free(copy);
    return ok;
}

/* The lines of `text` (cut in place) into a new array; their count. */
static int cut_lines(char *text, char ***lines)
{
    int count = 0, capacity = 0;
    *lines = NULL;
    for (char *p = text; p && *p;) {
        char *end = strchr(p, '\n');
        if (end)
            *end = '\0';
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 256;
            *lines = realloc(*lines, (size_t)capacity * sizeof **lines);
            if (*lines == NULL)
                abort();
        }
        (*lines)[count++] = p;
        p = end ? end + 1 : NULL;
    }
    return count;
}

/* The index of the first line from `from` on whose trimmed text is
 * `marker`, or -1. */
static int find_marker(char **lines, int count, int from, const char *marker)
{
    for (int i = from; i < count; i++) {
        char *copy = format("%s", lines[i]);
        bool found = strcmp(trim(copy), marker) == 0;
        free(copy);
        if (found)
            return i;
    }
    return -1;
}

/* The rows between header+separator line `first` and the end marker
 * `end`, blank lines at the end left out: a blank line inside would end
 * the markdown table, so it is a malformed row. */
static void parse_rows(table *t, char **lines, int first, int end)
{
    while (end > first && blank(lines[end - 1]))
        end--;
    t->rows = calloc((size_t)(end - first) + 1, sizeof *t->rows);
    if (t->rows == NULL)
        abort();
    for (int i = first; i < end; i++)
        parse_row(&t->rows[t->count++], i + 1, lines[i]);
}

/* BAD_INPUT.md's table: its rows, or why there is none. */
static table read_table(const char *path)
{
    table t = { NULL, 0, NULL };
    char *text = read_whole_file(path), **lines = NULL;
    if (text == NULL) {
        t.error = format("cannot read %s: %s", path, strerror(errno));
        return t;
    }
    int count = cut_lines(text, &lines);
    int start = find_marker(lines, count, 0, TABLE_START);
    int end = start < 0 ? -1 : find_marker(lines, count, start + 1, TABLE_END);
    int header = start + 1;
    while (header < end && blank(lines[header]))
        header++;
    if (start < 0 || end < 0)
        t.error = format("%s has no line \"%s\" and after it \"%s\"", path,
                         TABLE_START, TABLE_END);
    else if (header + 1 >= end || !header_ok(lines[header]) ||
             !separator_ok(lines[header + 1]))
        t.error = format("%s line %d: the table does not start with the "
                         "header | input | command | exit | message | and its "
                         "|---| line",
                         path, header + 1);
    else {
        parse_rows(&t, lines, header + 2, end);
        if (t.count == 0)
            t.error =
                format("%s line %d: the table has no rows", path, header + 1);
    }
    free(lines);
    free(text);
    return t;
}

/* A scratch directory and, in it, the empty directory a row runs in;
 * NULL if they could not be made. */
static char *make_workdir(char **scratch)
{
    *scratch = scratch_dir_make("bad-input");
    if (*scratch == NULL)
        return NULL;
    char *work = format("%s/work", *scratch);
    if (mkdir(work, 0777) != 0) {
        free(work);
        return NULL;
    }
    return work;
}

/* In the child: stdin from /dev/null, stdout and stderr into `output`, a
 * process group of its own (so a timeout kills all it started), the row's
 * command by /bin/sh in `dir`. */
static void exec_row(const char *dir, const char *command, const char *output)
{
    int in = open("/dev/null", O_RDONLY);
    int out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || chdir(dir) != 0)
        _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    close(in);
    close(out);
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
}

/* Seconds since `start`. */
static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Wait for the row's shell at most ROW_TIMEOUT_S, then kill its group.
 * Its exit status, or -1; how it ended, for a report, into got. */
static int wait_row(pid_t pid, char *got, size_t got_size)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int raw = 0;
    while (waitpid(pid, &raw, WNOHANG) != pid) {
        if (seconds_since(&start) > ROW_TIMEOUT_S) {
            kill(-pid, SIGKILL);
            waitpid(pid, &raw, 0);
            snprintf(got, got_size, "timed out after %.0f s, killed",
                     ROW_TIMEOUT_S);
            return -1;
        }
        struct timespec pause = { 0, 10000000 };
        nanosleep(&pause, NULL);
    }
    if (WIFEXITED(raw))
        snprintf(got, got_size, "exit %d", WEXITSTATUS(raw));
    else
        snprintf(got, got_size, "killed by signal %d", WTERMSIG(raw));
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

/* The last OUTPUT_SHOWN bytes of `text`, for a report. */
static const char *tail_of(const char *text)
{
    size_t n = strlen(text);
    return n > OUTPUT_SHOWN ? text + n - OUTPUT_SHOWN : text;
}

/* What went wrong with a row that ran, or NULL if nothing did: the row,
 * its command, what was expected and what it got. */
static char *compare(const row *r, int status, const char *got,
                     const char *output)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        abort();
    bool failed = status != r->exit_status;
    fprintf(f,
            "BAD_INPUT.md line %d, row \"%s\":\n  command:  %s\n"
            "  expected: exit %d, output containing",
            r->line, r->input, r->command, r->exit_status);
    for (int i = 0; i < r->span_count; i++)
        fprintf(f, " `%s`", r->spans[i]);
    fprintf(f, "\n  got:      %s", got);
    for (int i = 0; i < r->span_count; i++)
        if (strstr(output, r->spans[i]) == NULL) {
            fprintf(f, "; no `%s`", r->spans[i]);
            failed = true;
        }
    fprintf(f, "\n  output%s:\n%s\n",
            strlen(output) > OUTPUT_SHOWN ? " (its end)" : "",
            tail_of(output));
    fclose(f);
    if (!failed) {
        free(text);
        return NULL;
    }
    return text;
}

/* Run one row's command and compare; the report, or NULL. */
static char *run_row(const row *r)
{
    char *scratch = NULL, *work = make_workdir(&scratch);
    if (work == NULL) {
        scratch_dir_remove(scratch);
        free(scratch);
        return format("BAD_INPUT.md line %d: no scratch directory", r->line);
    }
    char *output_path = format("%s/output", scratch);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        exec_row(work, r->command, output_path);
    if (pid > 0)
        setpgid(pid, pid); /* also here, so a timeout cannot miss the group */
    char got[64] = "no process: fork failed";
    int status = pid > 0 ? wait_row(pid, got, sizeof got) : -1;
    char *output = read_whole_file(output_path);
    char *report = compare(r, status, got, output ? output : "");
    free(output);
    free(output_path);
    free(work);
    scratch_dir_remove(scratch);
    free(scratch);
    return report;
}

/* One row's test: malformed, or run and compared. The report is kept in
 * the row (freed by main), so failing leaks nothing. */
static void test_row(void **state)
{
    row *r = *state;
    if (r->error)
        fail_msg("%s", r->error);
    r->report = run_row(r);
    if (r->report)
        fail_msg("%s", r->report);
}

/* The test that stands for a table that is missing or empty. */
static void test_table(void **state)
{
    fail_msg("%s", (const char *)*state);
}

/* The environment every row runs in: the build directory first on PATH,
 * so rows name programs as a user would, and what MPI programs want. */
static void set_environment(void)
{
    const char *path = getenv("PATH");
    char *new_path = format("%s:%s", BUILD_DIR, path ? path : "/usr/bin:/bin");
    setenv("PATH", new_path, 1);
    free(new_path);
    mpi_test_environment(LSAN_SUPPRESSIONS);
}

/* The tests: one per row, or the one that says there is no table. */
static struct CMUnitTest *make_tests(table *t, int *count)
{
    *count = t->error ? 1 : t->count;
    struct CMUnitTest *tests = calloc((size_t)*count, sizeof *tests);
    if (tests == NULL)
        abort();
    if (t->error) {
        tests[0].name = "the bad-input table of BAD_INPUT.md";
        tests[0].test_func = test_table;
        tests[0].initial_state = t->error;
    }
    for (int i = 0; !t->error && i < t->count; i++) {
        tests[i].name = t->rows[i].name;
        tests[i].test_func = test_row;
        tests[i].initial_state = &t->rows[i];
    }
    return tests;
}

/* Everything the table holds. */
static void table_free(table *t)
{
    for (int i = 0; i < t->count; i++) {
        free(t->rows[i].text);
        free(t->rows[i].name);
        free(t->rows[i].error);
        free(t->rows[i].report);
    }
    free(t->rows);
    free(t->error);
}

int main(void)
{
    set_environment();
    table t = read_table(BAD_INPUT_PATH);
    int count = 0;
    struct CMUnitTest *tests = make_tests(&t, &count);
    int failed = _cmocka_run_group_tests("BAD_INPUT.md bad-input table", tests,
                                         (size_t)count, NULL, NULL);
    free(tests);
    table_free(&t);
    return failed;
}
