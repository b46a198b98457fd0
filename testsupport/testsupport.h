/*
 * testsupport.h: what every component's tests share. Only tests link it.
 */
#ifndef TESTSUPPORT_H
#define TESTSUPPORT_H

#include <sys/types.h>

/* A fresh directory "$TMPDIR/<prefix>-XXXXXX" ($TMPDIR or /tmp),
 * malloc'd; NULL if it could not be made. */
char *scratch_dir_make(const char *prefix);

/* Remove the directory and everything below it (links are not followed). */
void scratch_dir_remove(const char *dir);

/* Start `command` with bash in `dir`, in a process group of its own (kill
 * it whole with kill(-pid, ...)), its stdout into a file in `dir`; its pid,
 * -1 if it could not be started. */
pid_t command_start(const char *dir, const char *command);

/* Wait for a started command at most timeout_s, then kill its group; its
 * stdout (malloc'd) into *output if output. Its exit status, -1 if a
 * signal or the timeout ended it. */
int command_finish(pid_t pid, const char *dir, double timeout_s,
                   char **output);

/* command_start and command_finish of a printf-formatted command. */
int command_run(const char *dir, double timeout_s, char **output,
                const char *format, ...) __attribute__((format(printf, 4, 5)));

/* A whole file's text, malloc'd; NULL if it cannot be read. */
char *read_whole_file(const char *path);

/* The environment tests that run mpirun or an MPI program want: mpirun's
 * consent to root (when root), and for a sanitizer build Open MPI's
 * components kept loaded and LeakSanitizer given the suppressions file
 * for Open MPI's own allocations. */
void mpi_test_environment(const char *lsan_suppressions);

/* The integer the first row of `sql` gives on a CSV file imported as table
 * t by the sqlite3 shell, into *value; 0, or -1 if there was no answer. */
int csv_file_query(const char *csv_path, const char *sql, long long *value);

/* The one run directory under DIR/out that a trackhammer or th-realfs
 * command made (th-realfs's realfs-logs beside it skipped), malloc'd; the
 * test fails when there is none, or more than one. */
char *results_run_dir(const char *dir);

/* The integer `sql` gives on RESULTS/FILE, imported as table t; the test
 * fails when it gives none. */
long long results_query(const char *results, const char *file,
                        const char *sql);

#endif
