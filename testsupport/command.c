/*
 * command.c: shell commands for tests, bounded and killed whole.
 *
 * A command runs with bash in a directory, in a process group of its own,
 * so that a timeout, or a test playing the batch system, can kill it and
 * everything it started; its stdout goes to a file in that directory, read
 * back when it ends. Also: a file's text, and a query on a CSV file, by
 * the sqlite3 shell.
 */
#define _GNU_SOURCE /* asprintf, vasprintf */
#include "testsupport.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Where a command in `dir` writes its stdout, malloc'd. */
static char *output_path(const char *dir)
{
    char *path = NULL;
    return asprintf(&path, "%s/.command-output", dir) < 0 ? NULL : path;
}

pid_t command_start(const char *dir, const char *command)
{
    char *out_path = output_path(dir);
    if (out_path == NULL)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(out, 1);
        setpgid(0, 0);
        execl("/bin/bash", "bash", "-c", command, (char *)NULL);
        _exit(127);
    }
    free(out_path);
    return pid;
}

char *read_whole_file(const char *path)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *copy = open_memstream(&text, &size);
    int c;
    while (copy && (c = fgetc(f)) != EOF)
        fputc(c, copy);
    if (copy)
        fclose(copy);
    fclose(f);
    return text;
}

/* A command's stdout ("" when it cannot be read), malloc'd. */
static char *read_output(const char *dir)
{
    char *path = output_path(dir);
    char *text = read_whole_file(path);
    free(path);
    return text ? text : strdup("");
}

int command_finish(pid_t pid, const char *dir, double timeout_s, char **output)
{
    if (pid < 0)
        return -1;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status = -1, raw = 0;
    for (;;) {
        if (waitpid(pid, &raw, WNOHANG) == pid) {
            status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) > timeout_s) {
            fprintf(stderr, "command timed out after %.0f s\n", timeout_s);
            kill(-pid, SIGKILL);
            waitpid(pid, &raw, 0);
            break;
        }
        struct timespec pause = { 0, 20000000 };
        nanosleep(&pause, NULL);
    }
    if (output)
        *output = read_output(dir);
    return status;
}

int command_run(const char *dir, double timeout_s, char **output,
                const char *format, ...)
{
    char *command = NULL;
    va_list ap;
    va_start(ap, format);
    int n = vasprintf(&command, format, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    int status =
        command_finish(command_start(dir, command), dir, timeout_s, output);
    free(command);
    return status;
}

int csv_file_query(const char *csv_path, const char *sql, long long *value)
{
    char *command = NULL;
    if (asprintf(&command,
                 "sqlite3 :memory: -cmd '.import --csv %s t' "
                 "\"%s\"",
                 csv_path, sql) < 0)
        return -1;
    FILE *p = popen(command, "r");
    free(command);
    if (p == NULL)
        return -1;
    char line[256] = "";
    bool answered = fgets(line, sizeof line, p) != NULL;
    int status = pclose(p);
    if (!answered || status != 0)
        return -1;
    *value = strtoll(line, NULL, 10);
    return 0;
}
