/*
 * fs_info.c: what the launcher knows of a real file system (--fs-info).
 *
 * trackhammer sees the mount (environment.c) but not what stands behind
 * it: the file system's version, its client preset, the volume's options,
 * the faults the file system itself injects. th-realfs writes those as
 * "key: value" lines; they go into the header and summary.json as given.
 */
#include "trackhammer.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* A key: lower-case letters and '_', at most the field's size. */
static bool key_ok(const char *key, size_t n)
{
    if (n == 0 || n >= sizeof((fs_info *)0)->key[0])
        return false;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)key[i]) && key[i] != '_')
            return false;
    return true;
}

/* One line into *info; false with the reason in `why`. */
static bool add_line(fs_info *info, char *line, const char **why)
{
    char *colon = strchr(line, ':');
    if (colon == NULL || colon[1] != ' ' ||
        !key_ok(line, (size_t)(colon - line))) {
        *why = "not 'key: value' (key: a-z and _, under 32 characters)";
        return false;
    }
    const char *value = colon + 2;
    if (strlen(value) >= sizeof info->value[0]) {
        *why = "value longer than 511 characters";
        return false;
    }
    if (info->count == FS_INFO_MAX) {
        *why = "more than 16 keys";
        return false;
    }
    *colon = '\0';
    if (fs_info_get(info, line) != NULL) {
        *why = "key given twice";
        return false;
    }
    snprintf(info->key[info->count], sizeof info->key[0], "%s", line);
    snprintf(info->value[info->count], sizeof info->value[0], "%s", value);
    info->count++;
    return true;
}

int fs_info_read(const char *path, fs_info *info, char *err, size_t err_size)
{
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        text_format(err, err_size, "--fs-info: cannot read '%s': %s", path,
                    strerror(errno));
        return -1;
    }
    char line[1024];
    const char *why = NULL;
    int number = 0;
    while (why == NULL && fgets(line, sizeof line, f) != NULL) {
        number++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n')
            why = "line too long";
        else {
            line[strcspn(line, "\n")] = '\0';
            if (line[0] != '\0' && line[0] != '#')
                add_line(info, line, &why);
        }
    }
    fclose(f);
    if (why != NULL) {
        text_format(err, err_size, "--fs-info: %s:%d: %s", path, number, why);
        return -1;
    }
    return 0;
}

const char *fs_info_get(const fs_info *info, const char *key)
{
    for (int i = 0; i < info->count; i++)
        if (strcmp(info->key[i], key) == 0)
            return info->value[i];
    return NULL;
}
