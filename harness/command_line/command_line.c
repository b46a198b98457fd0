/*
 * command_line.c: getopt_long's loop and its refusals, once for every
 * program (command_line.h).
 */
#include "command_line.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Room for every letter and digit, each with its ':', the leading ':'
 * and the terminator. */
#define SHORT_OPTIONS_SIZE (2 * 62 + 2)

/* The short-option string getopt_long wants, from the table: a leading
 * ':' (a missing value is told apart from an unknown option), then each
 * option whose id is a letter or digit, with ':' if it takes a value. */
static void short_options_of(const struct option *options,
                             char out[SHORT_OPTIONS_SIZE])
{
    size_t n = 0;
    out[n++] = ':';
    for (const struct option *o = options; o->name; o++) {
        if (o->val <= 0 || o->val > 127 || !isalnum(o->val) ||
            n + 3 > SHORT_OPTIONS_SIZE)
            continue;
        out[n++] = (char)o->val;
        if (o->has_arg != no_argument)
            out[n++] = ':';
    }
    out[n] = '\0';
}

/* The option that takes no value and was written "--NAME=VALUE" (NAME
 * the option's name or, as getopt_long takes it, its start) as the
 * argument ARG, or NULL: getopt_long reports it as '?' with its id. */
static const struct option *given_a_value(const struct option *options, int id,
                                          const char *arg)
{
    const char *equals = strchr(arg, '=');
    if (id == 0 || strncmp(arg, "--", 2) != 0 || equals == NULL ||
        equals == arg + 2)
        return NULL;
    size_t typed = (size_t)(equals - (arg + 2));
    for (const struct option *o = options; o->name; o++)
        if (o->val == id && o->has_arg == no_argument &&
            strncmp(arg + 2, o->name, typed) == 0)
            return o;
    return NULL;
}

/* getopt_long's '?' or ':' as one message naming the option as the user
 * wrote it. A short option inside a cluster ("-qZ") is named by its
 * letter, since argv[optind - 1] is then not yet the argument it is in. */
static void say_refused(const struct option *options, int c, char **argv,
                        char *err, size_t err_size)
{
    const char *arg = argv[optind - 1];
    char letter[3] = { '-', (char)optopt, '\0' };
    const char *as_written =
        strncmp(arg, "--", 2) == 0 || optopt == 0 ? arg : letter;
    const struct option *valued =
        c == '?' ? given_a_value(options, optopt, arg) : NULL;
    if (c == ':')
        snprintf(err, err_size, "missing value for option '%s' (see --help)",
                 as_written);
    else if (valued)
        snprintf(err, err_size, "option '--%s' takes no value (see --help)",
                 valued->name);
    else
        snprintf(err, err_size, "unknown option '%s' (see --help)",
                 as_written);
}

command_line_step command_line_read(const command_line *line, int argc,
                                    char **argv, int *first_operand, char *err,
                                    size_t err_size)
{
    char shorts[SHORT_OPTIONS_SIZE];
    short_options_of(line->options, shorts);
    opterr = 0; /* one message, ours */
    optind = 0; /* glibc: 0 restarts getopt fully, 1 keeps a half-read "-hx" */
    int c;
    while ((c = getopt_long(argc, argv, shorts, line->options, NULL)) != -1) {
        if (c == '?' || c == ':') {
            say_refused(line->options, c, argv, err, err_size);
            return COMMAND_LINE_REFUSED;
        }
        command_line_step step =
            line->apply(line->settings, c, optarg, err, err_size);
        if (step != COMMAND_LINE_NEXT)
            return step;
    }
    if (!line->takes_operands && optind < argc) {
        snprintf(err, err_size, "unexpected argument '%s' (see --help)",
                 argv[optind]);
        return COMMAND_LINE_REFUSED;
    }
    *first_operand = optind;
    return COMMAND_LINE_NEXT;
}
