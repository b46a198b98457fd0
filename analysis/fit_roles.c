/*
 * fit_roles.c: which published rows the runs' fitted parameters were fitted
 * to, and which they held out, read from the fit files themselves.
 *
 * A run under a fitted model records its fit file in its fault model
 * (summary.json: "lustre,fit=PATH,..."). th-calibrate writes the rows into
 * that file's provenance ("# fitted rows: test_2 ...", "# held-out rows:
 * ..."), so the agreement section can say of each configuration whether it
 * was fitted or is a prediction. A fit file that cannot be read any more
 * leaves its runs' rows unmarked.
 */
#include "analysis.h"

#include <string.h>

#define FITTED_LINE "# fitted rows:"
#define HELD_OUT_LINE "# held-out rows:"

/* The fit file a run's fault model names, into path ("" if none). */
static void fit_path_of(const char *model, char *path, size_t size)
{
    const char *fit = model ? strstr(model, ",fit=") : NULL;
    path[0] = '\0';
    if (fit) {
        fit += strlen(",fit=");
        snprintf(path, size, "%.*s", (int)strcspn(fit, ","), fit);
    }
}

/* One row per run named on a provenance line of the given kind. */
static int insert_runs(sqlite3 *db, const char *path, const char *line,
                       const char *role)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", line);
    char *save = NULL;
    int rc = SQLITE_OK;
    for (char *run = strtok_r(copy, " \t\r\n", &save); run && rc == SQLITE_OK;
         run = strtok_r(NULL, " \t\r\n", &save)) {
        char *sql = sqlite3_mprintf("INSERT INTO fit_roles VALUES "
                                    "(%Q, %Q, %Q)",
                                    run, role, path);
        rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
    }
    return rc;
}

/* The roles one fit file gives, from its provenance lines. */
static int read_fit_file(sqlite3 *db, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return SQLITE_OK;
    char line[1024];
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK && fgets(line, sizeof line, f)) {
        if (strncmp(line, FITTED_LINE, strlen(FITTED_LINE)) == 0)
            rc = insert_runs(db, path, line + strlen(FITTED_LINE), "fitted");
        else if (strncmp(line, HELD_OUT_LINE, strlen(HELD_OUT_LINE)) == 0)
            rc = insert_runs(db, path, line + strlen(HELD_OUT_LINE),
                             "held out");
    }
    fclose(f);
    return rc;
}

int fit_roles_load(sqlite3 *db, char *err, size_t err_size)
{
    int rc = sqlite3_exec(db,
                          "DROP TABLE IF EXISTS fit_roles; CREATE TABLE "
                          "fit_roles (run TEXT, role TEXT, fit_file "
                          "TEXT)",
                          NULL, NULL, NULL);
    sqlite3_stmt *stmt = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT DISTINCT fault_model FROM runs",
                                -1, &stmt, NULL);
    while (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        char path[4096];
        fit_path_of((const char *)sqlite3_column_text(stmt, 0), path,
                    sizeof path);
        if (path[0])
            rc = read_fit_file(db, path);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK)
        snprintf(err, err_size, "fit roles: %s", sqlite3_errmsg(db));
    return rc == SQLITE_OK ? 0 : -1;
}
