/*
 * fuzz_options.c: libFuzzer target for trackhammer's command line
 * (parse_options in harness/trackhammer/options.c, linked without MPI:
 * options.c and util.c call no MPI function). The input is the argument
 * list, one argument per line (a NUL also ends an argument); "trackhammer"
 * is argv[0]. What must hold: no crash, no undefined behaviour, and a
 * refused command line always comes with a message.
 *
 * Found by it: a parse that stopped inside a cluster of short options
 * ("-hx" stops at h) left glibc's getopt pointing into that argv, and the
 * next parse read the old argv (regressions/getopt-cluster-stops-early);
 * parse_options now resets getopt with optind = 0.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trackhammer.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static options parsed;
    static FILE *sink;
    char *text = malloc(size + 1);
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    if (!text) {
        return 0;
    }
    if (!sink && !(sink = fopen("/dev/null", "w"))) {
        abort();
    }
    memcpy(text, data, size);
    text[size] = '\0';
    argv[argc++] = "trackhammer";
    for (char *p = text; argc <= MAX_ARGS && p < text + size;) {
        size_t len = strcspn(p, "\n");
        p[len] = '\0';
        argv[argc++] = p;
        p += len + 1;
    }
    argv[argc] = NULL;
    char err[1024] = "";
    parse_result result =
        parse_options(argc, argv, &parsed, sink, err, sizeof err);
    if (result == PARSE_EXIT_USAGE && err[0] == '\0') {
        abort(); /* refused without saying why */
    }
    free(text);
    return 0;
}
