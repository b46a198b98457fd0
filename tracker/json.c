/*
 * json.c: a JSON object in the form upstream stores it.
 *
 * Python's json.dumps(obj, sort_keys=True, separators=(",", ":")) writes
 * no spaces and sorts keys at every level. SQLite's json() only minifies,
 * so the object is rebuilt here from json_each(), one level per call: SQLite
 * parses and quotes, this file only orders and joins. A key given twice
 * keeps its last value, as json.loads does, and characters outside ASCII
 * are written as \uXXXX escapes, as json.dumps does by default
 * (ensure_ascii), so both write the same bytes.
 */
#include "tracker_internal.h"

#include <stdio.h>
#include <string.h>

/* One level: each member's key (quoted), its value as JSON text, its type.
 * Ordered by key and, within a key, last occurrence first. */
static const char members_sql[] =
    "SELECT json_quote(key), CASE type WHEN 'true' THEN 'true' "
    "WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' "
    "WHEN 'object' THEN value WHEN 'array' THEN value "
    "ELSE json_quote(value) END, type, key "
    "FROM json_each(?1) ORDER BY key, id DESC";

static int append_value(tracker *t, sqlite3_str *out, const char *text,
                        const char *type, int depth);

/* Length of the UTF-8 sequence led by byte c, and its payload bits. */
static int utf8_length(unsigned char c, unsigned *bits)
{
    if (c >= 0xf0) {
        *bits = c & 0x07;
        return 4;
    }
    if (c >= 0xe0) {
        *bits = c & 0x0f;
        return 3;
    }
    if (c >= 0xc0) {
        *bits = c & 0x1f;
        return 2;
    }
    *bits = c;
    return 1;
}

/* Append already-quoted JSON text, escaping what is not ASCII. SQLite has
 * checked the text is valid JSON, so a short sequence only ends it. */
static void append_ascii(sqlite3_str *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        if (*p < 0x80) {
            sqlite3_str_appendchar(out, 1, (char)*p++);
            continue;
        }
        unsigned cp;
        int n = utf8_length(*p++, &cp);
        for (int i = 1; i < n && (*p & 0xc0) == 0x80; i++)
            cp = (cp << 6) | (*p++ & 0x3f);
        if (cp > 0xffff) { /* a surrogate pair, as Python writes it */
            cp -= 0x10000;
            sqlite3_str_appendf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                                0xdc00 + (cp & 0x3ff));
        } else {
            sqlite3_str_appendf(out, "\\u%04x", cp);
        }
    }
}

/* Append an object (keys sorted) or an array (order kept) to `out`. */
static int append_container(tracker *t, sqlite3_str *out, const char *text,
                            bool is_object, int depth)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(t->db, members_sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        return tracker_statement_fail(t, rc);
    sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    sqlite3_str_appendchar(out, 1, is_object ? '{' : '[');
    char *previous_key = NULL;
    bool first = true;
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *quoted_key = (const char *)sqlite3_column_text(stmt, 0);
        const char *value = (const char *)sqlite3_column_text(stmt, 1);
        const char *type = (const char *)sqlite3_column_text(stmt, 2);
        if (is_object) {
            /* Rows of a repeated key follow each other, last one first. */
            if (previous_key && strcmp(previous_key, quoted_key) == 0)
                continue;
            sqlite3_free(previous_key);
            previous_key = sqlite3_mprintf("%s", quoted_key);
        }
        if (!first)
            sqlite3_str_appendchar(out, 1, ',');
        first = false;
        if (is_object) {
            append_ascii(out, quoted_key);
            sqlite3_str_appendchar(out, 1, ':');
        }
        rc = append_value(t, out, value, type, depth + 1);
    }
    sqlite3_free(previous_key);
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK && rc != SQLITE_MISUSE)
        rc = tracker_statement_fail(t, rc);
    sqlite3_finalize(stmt);
    sqlite3_str_appendchar(out, 1, is_object ? '}' : ']');
    return rc;
}

/* Python refuses nesting deeper than its recursion limit; so do we, well
 * before the C stack could mind. */
#define MAX_DEPTH 200

static int append_value(tracker *t, sqlite3_str *out, const char *text,
                        const char *type, int depth)
{
    if (depth > MAX_DEPTH) {
        snprintf(t->attempt_message, sizeof t->attempt_message,
                 "JSON nested deeper than %d levels", MAX_DEPTH);
        return SQLITE_MISUSE;
    }
    if (strcmp(type, "object") == 0)
        return append_container(t, out, text, true, depth);
    if (strcmp(type, "array") == 0)
        return append_container(t, out, text, false, depth);
    append_ascii(out, text);
    return SQLITE_OK;
}

/* Is `text` a JSON object? Answered by SQLite's own parser. */
static int check_object(tracker *t, const char *text, bool *is_object)
{
    sqlite3_stmt *stmt;
    int rc = sqlite3_prepare_v2(
        t->db, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) END", -1,
        &stmt, NULL);
    if (rc != SQLITE_OK)
        return tracker_statement_fail(t, rc);
    sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(stmt, 0);
        *is_object = type && strcmp(type, "object") == 0;
        rc = SQLITE_OK;
    } else {
        rc = tracker_statement_fail(t, rc);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int tracker_json_canonical_object(tracker *t, const char *text, char **out)
{
    bool is_object = false;
    int rc = check_object(t, text, &is_object);
    if (rc != SQLITE_OK)
        return rc;
    if (!is_object) {
        snprintf(t->attempt_message, sizeof t->attempt_message,
                 "not a JSON object: '%.60s%s'", text,
                 strlen(text) > 60 ? "..." : "");
        return SQLITE_MISUSE;
    }
    sqlite3_str *str = sqlite3_str_new(t->db);
    rc = append_value(t, str, text, "object", 0);
    char *result = sqlite3_str_finish(str);
    if (rc == SQLITE_OK && result == NULL)
        rc = SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
        sqlite3_free(result);
        return rc;
    }
    *out = result;
    return SQLITE_OK;
}
