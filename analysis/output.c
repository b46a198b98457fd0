/*
 * output.c: the derived tables as files: one CSV per table, all of them in
 * report.json (an object of arrays of row objects), and queries.sql.
 */
#include "analysis.h"

#include <errno.h>
#include <string.h>

/* A CSV field: quoted, quotes doubled. */
static void csv_string(FILE *f, const unsigned char *text)
{
    fputc('"', f);
    for (const unsigned char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* Column c of the row as a CSV field. */
static void write_csv_value(FILE *f, sqlite3_stmt *stmt, int c)
{
    switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_NULL: return;
    case SQLITE_INTEGER:
        fprintf(f, "%lld", sqlite3_column_int64(stmt, c));
        return;
    case SQLITE_FLOAT:
        fprintf(f, "%.10g", sqlite3_column_double(stmt, c));
        return;
    default: csv_string(f, sqlite3_column_text(stmt, c));
    }
}

static bool is_view(sqlite3 *db, const char *name)
{
    sqlite3_stmt *stmt = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT 1 FROM sqlite_schema WHERE type = 'view' "
                       "AND name = ?",
                       -1, &stmt, NULL);
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    bool view = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return view;
}

/* "SELECT json_object('a', "a", ...) FROM table ORDER ...": each row of
 * `table` as a JSON object, quoted by SQLite's JSON functions. `columns`
 * is a statement over the table, for its column names. */
static char *json_rows_sql(sqlite3_stmt *columns, const char *from)
{
    sqlite3_str *sql = sqlite3_str_new(NULL);
    sqlite3_str_appendall(sql, "SELECT json_object(");
    for (int c = 0; c < sqlite3_column_count(columns); c++) {
        const char *name = sqlite3_column_name(columns, c);
        sqlite3_str_appendf(sql, "%s%Q, \"%w\"", c ? ", " : "", name, name);
    }
    sqlite3_str_appendf(sql, ") %s", from);
    return sqlite3_str_finish(sql);
}

/* One table or view: CSV into `csv`, a JSON array into `json`. Tables keep
 * the order their query gave them; a view has no rowid to keep it by. */
static int write_table(sqlite3 *db, const char *table, FILE *csv, FILE *json)
{
    char *from = sqlite3_mprintf("FROM \"%w\"%s", table,
                                 is_view(db, table) ? "" : " ORDER BY rowid");
    char *sql = from ? sqlite3_mprintf("SELECT * %s", from) : NULL;
    sqlite3_stmt *stmt = NULL, *objects = NULL;
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    sql = rc == SQLITE_OK ? json_rows_sql(stmt, from) : NULL;
    if (rc == SQLITE_OK)
        rc = sql ? sqlite3_prepare_v2(db, sql, -1, &objects, NULL)
                 : SQLITE_NOMEM;
    sqlite3_free(sql);
    sqlite3_free(from);
    if (rc == SQLITE_OK) {
        int columns = sqlite3_column_count(stmt);
        for (int c = 0; c < columns; c++)
            fprintf(csv, "%s%s", c ? "," : "", sqlite3_column_name(stmt, c));
        fputc('\n', csv);
        while (sqlite3_step(stmt) == SQLITE_ROW)
            for (int c = 0; c < columns; c++) {
                write_csv_value(csv, stmt, c);
                fputc(c + 1 < columns ? ',' : '\n', csv);
            }
        fputc('[', json);
        for (int row = 0; sqlite3_step(objects) == SQLITE_ROW; row++)
            fprintf(json, "%s%s", row ? ",\n    " : "\n    ",
                    (const char *)sqlite3_column_text(objects, 0));
        fputs("\n  ]", json);
    }
    /* A step that failed ended its loop early; finalize says so. */
    int rows_rc = sqlite3_finalize(stmt);
    int objects_rc = sqlite3_finalize(objects);
    return rc == SQLITE_OK && rows_rc == SQLITE_OK && objects_rc == SQLITE_OK
               ? 0
               : -1;
}

static FILE *open_in(const char *dir, const char *name, char *err,
                     size_t err_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return f;
}

static int close_checked(FILE *f, const char *dir, const char *name, char *err,
                         size_t err_size)
{
    if (fclose(f) == 0)
        return 0;
    snprintf(err, err_size, "%s/%s: %s", dir, name, strerror(errno));
    return -1;
}

int output_write(sqlite3 *db, const char *dir, char *err, size_t err_size)
{
    FILE *json = open_in(dir, "report.json", err, err_size);
    if (json == NULL)
        return -1;
    fputc('{', json);
    int rc = 0;
    for (int i = 0; rc == 0 && i < report_query_count; i++) {
        const char *table = report_queries[i].table;
        char name[128];
        snprintf(name, sizeof name, "%s.csv", table);
        FILE *csv = open_in(dir, name, err, err_size);
        if (csv == NULL) {
            rc = -1;
            break;
        }
        fprintf(json, "%s\n  \"%s\": ", i ? "," : "", table);
        if (write_table(db, table, csv, json) < 0) {
            snprintf(err, err_size, "table %s: %s", table, sqlite3_errmsg(db));
            rc = -1;
        }
        if (close_checked(csv, dir, name, err, err_size) < 0)
            rc = -1;
    }
    fputs("\n}\n", json);
    if (close_checked(json, dir, "report.json", err, err_size) < 0 || rc < 0)
        return -1;
    FILE *sql = open_in(dir, "queries.sql", err, err_size);
    if (sql == NULL)
        return -1;
    report_write_queries(sql);
    return close_checked(sql, dir, "queries.sql", err, err_size);
}
