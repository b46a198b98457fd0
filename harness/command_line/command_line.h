/*
 * command_line.h: the one reading of a command line that every trackhammer
 * program shares (trackhammer, th-report, th-calibrate, faultfs-survey,
 * faultfs-powerloss): getopt_long over the program's option table, each
 * option handed to the program in order, and one wording for what the
 * user got wrong, whatever the program.
 *
 * It prints nothing: a refusal comes back as a message in err, and the
 * program prints it after its own name. Its short options are derived
 * from the table (an option whose id is a letter or digit has that letter
 * as its short form), so no program writes its options twice.
 */
#ifndef COMMAND_LINE_H
#define COMMAND_LINE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* What reading an option, or the whole command line, came to. */
typedef enum command_line_step {
    COMMAND_LINE_NEXT,    /* taken: read on (the whole line: run) */
    COMMAND_LINE_DONE,    /* the option did all that was asked (--help,
                             --version): exit 0 */
    COMMAND_LINE_REFUSED, /* err says what is wrong: exit 2 */
} command_line_step;

/* One option, by its id in the table, with its value (NULL when it takes
 * none), applied to the program's settings; on COMMAND_LINE_REFUSED err
 * holds a message naming the option and the value. */
typedef command_line_step (*command_line_apply)(void *settings, int option,
                                                const char *value, char *err,
                                                size_t err_size);

typedef struct command_line {
    const struct option *options; /* getopt_long's table, all-zero row last */
    command_line_apply apply;
    void *settings;
    bool takes_operands; /* arguments after the options, e.g. directories */
} command_line;

/* Read argv's options in order into line->apply. COMMAND_LINE_NEXT when
 * every option was taken; then *first_operand is the index of the first
 * argument that is not an option (argc when none; getopt_long has moved
 * them all to the end), and a program that takes no operands has been
 * refused any. Restarts getopt, so a line can be read more than once. */
command_line_step command_line_read(const command_line *line, int argc,
                                    char **argv, int *first_operand, char *err,
                                    size_t err_size);

#endif /* COMMAND_LINE_H */
