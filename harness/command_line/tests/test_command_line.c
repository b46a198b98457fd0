/*
 * test_command_line.c: the shared command-line reading: options reach the
 * program in order with their values, short forms come from the table, and
 * every kind of mistake is refused with the option named as it was typed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "command_line.h"

/* What the options of one reading did to a settings record. */
typedef struct settings {
    char seen[16]; /* option ids, in order */
    const char *out;
    int verbose;
} settings;

static const struct option table[] = {
    { "out", required_argument, NULL, 'o' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "prepare", no_argument, NULL, 256 }, /* long only */
    { "bad", required_argument, NULL, 'b' },
    { NULL, 0, NULL, 0 },
};

/* Records each option; --help stops the reading, --bad refuses. */
static command_line_step apply(void *options, int option, const char *value,
                               char *err, size_t err_size)
{
    settings *s = options;
    size_t n = strlen(s->seen);
    if (n + 1 < sizeof s->seen)
        s->seen[n] = option == 256 ? 'P' : (char)option;
    if (option == 'o')
        s->out = value;
    if (option == 'v')
        s->verbose++;
    if (option == 'h')
        return COMMAND_LINE_DONE;
    if (option == 'b') {
        snprintf(err, err_size, "--bad: '%s' is not good", value);
        return COMMAND_LINE_REFUSED;
    }
    return COMMAND_LINE_NEXT;
}

/* Read the NULL-terminated arguments after "prog" into *s; err and the
 * first operand's index come back through the pointers. */
static command_line_step read_line(settings *s, bool takes_operands, char *err,
                                   size_t err_size, int *first, ...)
{
    static char storage[16][64];
    char *argv[17] = { storage[0] };
    int argc = 1;
    strcpy(storage[0], "prog");
    va_list args;
    va_start(args, first);
    const char *arg;
    while ((arg = va_arg(args, const char *)) != NULL && argc < 16) {
        snprintf(storage[argc], sizeof storage[argc], "%s", arg);
        argv[argc] = storage[argc];
        argc++;
    }
    va_end(args);
    memset(s, 0, sizeof *s);
    err[0] = '\0';
    command_line line = { table, apply, s, takes_operands };
    return command_line_read(&line, argc, argv, first, err, err_size);
}

static void test_options_reach_the_program_in_order(void **state)
{
    (void)state;
    settings s;
    char err[256];
    int first = -1;
    assert_int_equal(read_line(&s, false, err, sizeof err, &first, "-v",
                               "--out", "x.db", "--prepare", "-vo", "y.db",
                               NULL),
                     COMMAND_LINE_NEXT);
    assert_string_equal(s.seen, "voPvo");
    assert_string_equal(s.out, "y.db");
    assert_int_equal(s.verbose, 2);
    assert_int_equal(first, 7);
    assert_string_equal(err, "");
}

static void test_operands_are_counted_or_refused(void **state)
{
    (void)state;
    settings s;
    char err[256];
    int first = -1;
    /* getopt_long moves operands after the options. */
    assert_int_equal(read_line(&s, true, err, sizeof err, &first, "dir1", "-v",
                               "dir2", NULL),
                     COMMAND_LINE_NEXT);
    assert_int_equal(first, 2);
    assert_int_equal(s.verbose, 1);
    assert_int_equal(
        read_line(&s, false, err, sizeof err, &first, "-v", "extra", NULL),
        COMMAND_LINE_REFUSED);
    assert_string_equal(err, "unexpected argument 'extra' (see --help)");
}

static void test_a_stop_or_a_refusal_ends_the_reading(void **state)
{
    (void)state;
    settings s;
    char err[256];
    int first = -1;
    assert_int_equal(
        read_line(&s, false, err, sizeof err, &first, "-h", "--bogus", NULL),
        COMMAND_LINE_DONE);
    assert_string_equal(s.seen, "h");
    assert_int_equal(read_line(&s, false, err, sizeof err, &first, "--bad",
                               "7", "-v", NULL),
                     COMMAND_LINE_REFUSED);
    assert_string_equal(err, "--bad: '7' is not good");
    assert_string_equal(s.seen, "b");
}

/* Each mistake, and the message that names it. */
static void test_mistakes_are_named_as_typed(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "--bogus", "unknown option '--bogus' (see --help)" },
        { "--bogus=3", "unknown option '--bogus=3' (see --help)" },
        { "-Z", "unknown option '-Z' (see --help)" },
        { "-vZ", "unknown option '-Z' (see --help)" },
        { "-o", "missing value for option '-o' (see --help)" },
        { "--out", "missing value for option '--out' (see --help)" },
        { "--help=yes", "option '--help' takes no value (see --help)" },
        { "--prepare=1", "option '--prepare' takes no value (see --help)" },
        /* an abbreviation getopt_long takes, given a value */
        { "--hel=yes", "option '--help' takes no value (see --help)" },
        /* the letter of a long-only id is no short option */
        { "-P", "unknown option '-P' (see --help)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        settings s;
        char err[256];
        int first = -1;
        assert_int_equal(
            read_line(&s, false, err, sizeof err, &first, cases[i][0], NULL),
            COMMAND_LINE_REFUSED);
        assert_string_equal(err, cases[i][1]);
        assert_int_equal(first, -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_reach_the_program_in_order),
        cmocka_unit_test(test_operands_are_counted_or_refused),
        cmocka_unit_test(test_a_stop_or_a_refusal_ends_the_reading),
        cmocka_unit_test(test_mistakes_are_named_as_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
