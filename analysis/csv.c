/*
 * csv.c: one CSV record, split in place. Fields are separated by commas; a
 * field may be quoted, with a quote inside written twice (as trackhammer's
 * results.c and spreadsheets write them).
 */
#include "analysis.h"

#include <string.h>

/* A quoted field starting at *p (on the opening quote), unquoted in place.
 * Leaves *p after the closing quote. */
static int unquote(char **p, const char **err)
{
    char *read = *p + 1, *write = *p;
    for (;;) {
        if (*read == '\0') {
            *err = "unterminated quoted field";
            return -1;
        }
        if (*read == '"') {
            if (read[1] != '"')
                break;
            read++;
        }
        *write++ = *read++;
    }
    *write = '\0';
    *p = read + 1;
    return 0;
}

int csv_split(char *line, char **fields, int max_fields, const char **err)
{
    line[strcspn(line, "\r\n")] = '\0';
    int count = 0;
    char *p = line;
    for (;;) {
        if (count == max_fields) {
            *err = "too many fields";
            return -1;
        }
        fields[count++] = p;
        if (*p == '"') {
            char *end = p;
            if (unquote(&end, err) < 0)
                return -1;
            if (*end != ',' && *end != '\0') {
                *err = "text after a closing quote";
                return -1;
            }
            p = end;
        } else
            p += strcspn(p, ",");
        if (*p == '\0')
            return count;
        *p++ = '\0';
    }
}
