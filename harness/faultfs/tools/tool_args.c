/*
 * tool_args.c: the command-line handling faultfs-survey and
 * faultfs-powerloss share (tool_args.h).
 */
#include "tool_args.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

/* Print "TOOL: MESSAGE" as one line on stderr; false, so a check can
 * `return tool_error(...)`. */
bool tool_error(const char *tool, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", tool);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    return false;
}

/* printf into a malloc'd string sized to fit (NULL when out of memory):
 * no path a tool builds is cut short. */
char *tool_format(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    char *text = n < 0 ? NULL : malloc((size_t)n + 1);
    if (text) {
        va_start(args, format);
        vsnprintf(text, (size_t)n + 1, format, args);
        va_end(args);
    }
    return text;
}

/* The value of OPTION as a whole number in [lo, hi] into *out. */
bool tool_whole(const char *option, const char *text, long lo, long hi,
                long *out, char *err, size_t err_size)
{
    if (!tracker_parse_whole(text, lo, hi, out)) {
        snprintf(err, err_size,
                 "%s: '%s' is not a whole number from %ld to %ld", option,
                 text, lo, hi);
        return false;
    }
    return true;
}

/* The built-in profiles' names, ", "-separated, into err after its text. */
static void append_profile_names(char *err, size_t err_size)
{
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        size_t used = strlen(err);
        snprintf(err + used, err_size - used, "%s %s", i ? "," : "",
                 tracker_profile_at(i)->name);
    }
    size_t used = strlen(err);
    snprintf(err + used, err_size - used, ")");
}

/* A --profile SPEC (NAME[,key=value...]) appended to profiles[*count].
 * An unknown NAME is refused with the known ones listed (the tracker's
 * own message points at trackhammer's --list-profiles), and a profile
 * given twice, as its databases would be the same files. */
bool tool_add_profile(const char *spec, tracker_profile *profiles, int *count,
                      char *err, size_t err_size)
{
    char why[1024];
    size_t name_length = strcspn(spec, ",");
    bool known = false;
    for (size_t i = 0; i < tracker_profile_count(); i++) {
        const char *name = tracker_profile_at(i)->name;
        known = known || (strlen(name) == name_length &&
                          strncmp(name, spec, name_length) == 0);
    }
    if (!known) {
        snprintf(err, err_size,
                 "--profile '%s': unknown profile (known:", spec);
        append_profile_names(err, err_size);
        return false;
    }
    if (*count == TOOL_MAX_PROFILES) {
        snprintf(err, err_size, "--profile '%s': at most %d profiles", spec,
                 TOOL_MAX_PROFILES);
        return false;
    }
    if (tracker_profile_parse(spec, &profiles[*count], why, sizeof why) !=
        SQLITE_OK) {
        snprintf(err, err_size, "--profile '%s': %s", spec, why);
        return false;
    }
    for (int i = 0; i < *count; i++) {
        if (strcmp(profiles[i].name, profiles[*count].name) == 0) {
            snprintf(err, err_size,
                     "--profile '%s': profile %s given twice (its "
                     "databases would be the same files)",
                     spec, profiles[i].name);
            return false;
        }
    }
    (*count)++;
    return true;
}

/* No --profile given: every built-in profile, in the matrix's order. */
void tool_default_profiles(tracker_profile *profiles, int *count)
{
    for (size_t i = 0; *count == 0 && i < tracker_profile_count(); i++) {
        profiles[i] = *tracker_profile_at(i);
    }
    if (*count == 0) {
        *count = (int)tracker_profile_count();
    }
}

/* 1 if the directory holds nothing but "." and "..", 0 if it holds
 * more, -1 (errno set) if it cannot be read. */
int tool_dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = 1;
    if (d == NULL) {
        return -1;
    }
    while (empty && (e = readdir(d)) != NULL) {
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    }
    closedir(d);
    return empty;
}

/* Is DIR, made absolute as SQLite makes it, with `room` more characters
 * (the file names a tool puts in it) within SQLite's longest path? */
bool tool_dir_fits(const char *tool, const char *dir, size_t room)
{
    int limit = sqlite3_vfs_find(NULL)->mxPathname;
    size_t length = strlen(dir) + room;
    if (dir[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        length += cwd ? strlen(cwd) + 1 : 0;
        free(cwd);
    }
    if (length >= (size_t)limit) {
        return tool_error(tool,
                          "--dir '%s': too long: the databases' paths "
                          "would be %zu characters, SQLite takes %d",
                          dir, length, limit - 1);
    }
    return true;
}

/* The --dir of a run's databases, made ready: an existing empty
 * directory, or a new one made here when its parent exists (nothing above
 * DIR is ever made), writable, and short enough for SQLite with `room`
 * characters of file name. Not empty is refused: a database left by an
 * earlier run would be taken for a fresh one. */
bool tool_prepare_dir(const char *tool, const char *dir, size_t room)
{
    struct stat st;
    if (*dir == '\0') {
        return tool_error(tool, "--dir: empty path");
    }
    if (!tool_dir_fits(tool, dir, room)) {
        return false;
    }
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0) {
            return tool_error(tool,
                              "--dir '%s': cannot create it: %s (its "
                              "parent must exist)",
                              dir, strerror(errno));
        }
    } else if (!S_ISDIR(st.st_mode)) {
        return tool_error(tool, "--dir '%s': not a directory", dir);
    } else {
        int empty = tool_dir_is_empty(dir);
        if (empty < 0) {
            return tool_error(tool, "--dir '%s': cannot read it: %s", dir,
                              strerror(errno));
        }
        if (!empty) {
            return tool_error(tool,
                              "--dir '%s': not empty (give a new or "
                              "empty directory: a run writes fresh "
                              "databases)",
                              dir);
        }
    }
    if (access(dir, W_OK | X_OK) != 0) {
        return tool_error(tool, "--dir '%s': not writable: %s", dir,
                          strerror(errno));
    }
    return true;
}

/* The longest profile name, for the room its database names take. */
size_t tool_longest_name(const tracker_profile *profiles, int count)
{
    size_t longest = 0;
    for (int i = 0; i < count; i++) {
        size_t n = strlen(profiles[i].name);
        longest = n > longest ? n : longest;
    }
    return longest;
}

int tool_read_command_line(const char *tool, int argc, char **argv,
                           const struct option *options,
                           command_line_apply apply, void *settings)
{
    char err[2048];
    int first_operand;
    command_line line = { options, apply, settings, false };
    switch (command_line_read(&line, argc, argv, &first_operand, err,
                              sizeof err)) {
    case COMMAND_LINE_NEXT: return -1;
    case COMMAND_LINE_DONE: return 0;
    case COMMAND_LINE_REFUSED: break;
    }
    tool_error(tool, "%s", err);
    return 2;
}
