/*
 * tool_args.h: the command-line handling faultfs-survey and
 * faultfs-powerloss share. Every refusal is one line on stderr,
 * "TOOL: ...", naming the option and the value; the tools exit 2 on it.
 */
#ifndef FAULTFS_TOOL_ARGS_H
#define FAULTFS_TOOL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "command_line.h"
#include "tracker.h"

#define TOOL_MAX_PROFILES 32

/* Print "TOOL: MESSAGE" as one line on stderr; false, so a check can
 * `return tool_error(...)`. */
bool tool_error(const char *tool, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* printf into a malloc'd string sized to fit (NULL when out of memory):
 * no path a tool builds is cut short. */
char *tool_format(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* The value of OPTION as a whole number in [lo, hi] into *out; false
 * with the reason in err. */
bool tool_whole(const char *option, const char *text, long lo, long hi,
                long *out, char *err, size_t err_size);

/* A --profile SPEC (NAME[,key=value...]) appended to profiles[*count];
 * false with the reason in err. An unknown NAME is refused with the known
 * ones listed, and a profile given twice, as its databases would be the
 * same files. */
bool tool_add_profile(const char *spec, tracker_profile *profiles, int *count,
                      char *err, size_t err_size);

/* No --profile given: every built-in profile, in the matrix's order. */
void tool_default_profiles(tracker_profile *profiles, int *count);

/* 1 if the directory holds nothing but "." and "..", 0 if it holds
 * more, -1 (errno set) if it cannot be read. */
int tool_dir_is_empty(const char *dir);

/* Is DIR, made absolute as SQLite makes it, with `room` more characters
 * (the file names a tool puts in it) within SQLite's longest path? */
bool tool_dir_fits(const char *tool, const char *dir, size_t room);

/* The --dir of a run's databases, made ready: an existing empty
 * directory, or a new one made here when its parent exists (nothing above
 * DIR is ever made), writable, and short enough for SQLite with `room`
 * characters of file name. Not empty is refused: a database left by an
 * earlier run would be taken for a fresh one. */
bool tool_prepare_dir(const char *tool, const char *dir, size_t room);

/* The longest profile name, for the room its database names take. */
size_t tool_longest_name(const tracker_profile *profiles, int count);

/* The command line, option by option, into `apply` (command_line.h);
 * a refusal is said on stderr as "TOOL: ...". -1 to go on, else the exit
 * status to stop with: 0 after an option that did all (--help), 2 on a bad
 * command line. */
int tool_read_command_line(const char *tool, int argc, char **argv,
                           const struct option *options,
                           command_line_apply apply, void *settings);

#endif /* FAULTFS_TOOL_ARGS_H */
