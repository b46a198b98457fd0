/*
 * fuzz_results.c: libFuzzer target for th-report's results reader
 * (csv_split, load_results_dir, load_reference in analysis/load.c).
 *
 * The first byte of the input picks the file it becomes, the rest is that
 * file's contents: 0 jobs.csv, 1 rounds.csv, 2 faults.csv, 3 ops.csv,
 * 4 faults-round-1.log, 5 summary.json (each inside a copy of the small
 * results directory analysis/tests/data/run-small, so the other files are
 * valid), 6 the published reference table. The whole input is also split
 * as one CSV record. What must hold: no crash, no undefined behaviour, and
 * a refused file always comes with a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"

#ifndef FUZZ_RESULTS_BASE
#error "FUZZ_RESULTS_BASE: a valid results directory"
#endif

#define MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = { "jobs.csv",           "rounds.csv",
                                     "faults.csv",         "ops.csv",
                                     "faults-round-1.log", "summary.json" };
#define FILE_COUNT (sizeof files / sizeof files[0])

static char scratch[] = "/tmp/fuzz-results-XXXXXX";

/* The scratch directory and its files, at the process's exit. */
static void remove_scratch_dir(void)
{
    char path[512];
    for (size_t i = 0; i < FILE_COUNT; i++) {
        snprintf(path, sizeof path, "%s/%s", scratch, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/reference.csv", scratch);
    unlink(path);
    rmdir(scratch);
}

/* A scratch results directory, made once per process: the base
 * directory's files, one of which each input replaces. */
static const char *scratch_dir(void)
{
    static bool made;
    if (!made) {
        if (!mkdtemp(scratch)) {
            abort();
        }
        atexit(remove_scratch_dir);
        made = true;
    }
    return scratch;
}

/* Write bytes to dir/name. */
static void put_file(const char *dir, const char *name, const void *bytes,
                     size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, size, f) != size) {
        abort();
    }
    fclose(f);
}

/* Reset dir/name to the base directory's copy (absent if it has none). */
static void restore_file(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FUZZ_RESULTS_BASE, name);
    char *text = file_contents(path);
    if (text) {
        put_file(dir, name, text, strlen(text));
        free(text);
    } else {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
    }
}

/* The whole input as one CSV record. */
static void split_record(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    char *fields[MAX_FIELDS];
    const char *why = NULL;
    if (!line) {
        return;
    }
    memcpy(line, data, size);
    line[size] = '\0';
    if (csv_split(line, fields, MAX_FIELDS, &why) < 0 && !why) {
        abort(); /* refused without saying why */
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    split_record(data, size);
    const char *dir = scratch_dir();
    unsigned pick = data[0] % (FILE_COUNT + 1);
    for (size_t i = 0; i < FILE_COUNT; i++) {
        restore_file(dir, files[i]);
    }
    sqlite3 *db = NULL;
    char err[ERR_MAX] = "";
    if (db_open(NULL, &db, err, sizeof err) < 0) {
        abort();
    }
    int rc;
    if (pick < FILE_COUNT) {
        put_file(dir, files[pick], data + 1, size - 1);
        rc = load_results_dir(db, dir, err, sizeof err);
    } else {
        put_file(dir, "reference.csv", data + 1, size - 1);
        char path[512];
        snprintf(path, sizeof path, "%s/reference.csv", dir);
        rc = load_reference(db, path, err, sizeof err);
    }
    if (rc < 0 && err[0] == '\0') {
        abort(); /* refused without saying why */
    }
    sqlite3_close(db);
    return 0;
}
