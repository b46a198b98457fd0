/*
 * faultfs_powerloss.c: the power-loss table.
 *
 *   faultfs-powerloss [--config MODEL,crash=on,...] [--profile SPEC]...
 *                     [--rounds N] [--writers N] [--max-acks N]
 *                     [--seed N] [--dir DIR]
 *
 * For each profile (every built-in one unless --profile is given, which may
 * carry knob overrides: --profile delete-normal,sync=full), N rounds
 * of powerloss_round (powerloss.h): writers SIGKILLed at a random point,
 * then faultfs's crash mode drops, tears or keeps each write not yet
 * synced. Round r uses seed + r for the kill point and the crash. Prints,
 * per profile, a markdown row: rounds, rounds failing integrity_check,
 * lost acknowledged updates (of the acknowledged writes), and what the
 * crash did to the pending writes. Exit status 0, 1 if a round could not
 * run, 2 for a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "faultfs.h"
#include "powerloss.h"
#include "tool_args.h"
#include "tracker.h"

#define TOOL "faultfs-powerloss"
#define MAX_ROUNDS 100000

typedef struct tool_options {
    const char *config;
    const char *dir;
    tracker_profile profiles[TOOL_MAX_PROFILES];
    int profile_count;
    int rounds;
    int writers;
    int max_acks;
    unsigned long long seed;
} tool_options;

/* Sums over a profile's rounds. */
typedef struct totals {
    int rounds;
    int integrity_failures;
    int unopenable;
    int rounds_losing;
    long acknowledged;
    long lost;
    long unreadable;
    faultfs_crash_report crash;
} totals;

static const char usage[] =
    "usage: faultfs-powerloss [--config MODEL,crash=on,...] [--profile "
    "SPEC]...\n"
    "                         [--rounds N] [--writers N] [--max-acks N]\n"
    "                         [--seed N] [--dir DIR]\n"
    "\n"
    "Power-loss rounds per tracker profile: writers SIGKILLed at a random\n"
    "point, then faultfs's crash mode drops, tears or keeps each write not\n"
    "yet synced. Prints a markdown row per profile; each round on stderr.\n"
    "\n"
    "  -c, --config MODEL,...  the fault model; must say crash=on\n"
    "                          [default: none,crash=on]\n"
    "  -p, --profile SPEC      a profile, NAME[,key=value...]; repeatable\n"
    "                          [default: every built-in profile]\n"
    "  -r, --rounds N          rounds a profile, 1 to 100000 [default: 10]\n"
    "  -w, --writers N         writer processes, 1 to 16 [default: 3]\n"
    "  -a, --max-acks N        kill after 1 to N acknowledged writes,\n"
    "                          1 to 1000000 [default: 40]\n"
    "  -s, --seed N            round r uses seed + r, >= 0 [default: 1]\n"
    "  -d, --dir DIR           where the databases go: a new or empty\n"
    "                          directory (made if its parent exists)\n"
    "                          [default: a new "
    "/tmp/faultfs-powerloss-XXXXXX]\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 done, 1 a round could not run, 2 bad command line.\n";

/* One option and its value into o (command_line.h). */
static command_line_step parse_option(void *options, int c, const char *value,
                                      char *err, size_t err_size)
{
    tool_options *o = options;
    long n = 0;
    bool ok = true;
    switch (c) {
    case 'c': o->config = value; break;
    case 'd': o->dir = value; break;
    case 'h': fputs(usage, stdout); return COMMAND_LINE_DONE;
    case 'p':
        ok = tool_add_profile(value, o->profiles, &o->profile_count, err,
                              err_size);
        break;
    case 'r':
        ok = tool_whole("--rounds", value, 1, MAX_ROUNDS, &n, err, err_size);
        o->rounds = (int)n;
        break;
    case 'w':
        ok = tool_whole("--writers", value, 1, POWERLOSS_MAX_WRITERS, &n, err,
                        err_size);
        o->writers = (int)n;
        break;
    case 'a':
        ok = tool_whole("--max-acks", value, 1, 1000000, &n, err, err_size);
        o->max_acks = (int)n;
        break;
    case 's':
        ok = tool_whole("--seed", value, 0, __LONG_MAX__, &n, err, err_size);
        o->seed = (unsigned long long)n;
        break;
    }
    return ok ? COMMAND_LINE_NEXT : COMMAND_LINE_REFUSED;
}

/* The command line into o: -1 to go on, or the exit status to stop with
 * (0 after --help). */
static int parse_args(int argc, char **argv, tool_options *o)
{
    static const struct option longs[] = {
        { "config", required_argument, NULL, 'c' },
        { "profile", required_argument, NULL, 'p' },
        { "rounds", required_argument, NULL, 'r' },
        { "writers", required_argument, NULL, 'w' },
        { "max-acks", required_argument, NULL, 'a' },
        { "seed", required_argument, NULL, 's' },
        { "dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int status =
        tool_read_command_line(TOOL, argc, argv, longs, parse_option, o);
    if (status >= 0)
        return status;
    tool_default_profiles(o->profiles, &o->profile_count);
    return -1;
}

/* Add one round's result to a profile's totals. */
static void add_round(totals *t, const powerloss_result *r)
{
    t->rounds++;
    t->integrity_failures += r->opened && !r->integrity_ok;
    t->unopenable += !r->opened;
    t->rounds_losing += r->lost > 0;
    t->acknowledged += r->acknowledged;
    t->lost += r->lost;
    t->unreadable += r->unreadable;
    t->crash.writes += r->crash.writes;
    t->crash.kept += r->crash.kept;
    t->crash.dropped += r->crash.dropped;
    t->crash.torn += r->crash.torn;
    t->crash.files_resurrected += r->crash.files_resurrected;
    t->crash.files_removed += r->crash.files_removed;
}

/* All rounds of one profile; false if a round could not run. */
static bool run_profile(const tool_options *o, const tracker_profile *p,
                        totals *t)
{
    char err[1024], line[512];
    for (int round = 1; round <= o->rounds; round++) {
        uint64_t seed = o->seed + (uint64_t)round;
        char *path = tool_format("%s/%s-%d.db", o->dir, p->name, round);
        powerloss_config c = { *p, path, o->writers, seed, o->max_acks, 30.0 };
        powerloss_result r;
        faultfs_reseed(seed, 0);
        int rc =
            path ? powerloss_round(&c, &r, err, sizeof err) : SQLITE_NOMEM;
        if (path == NULL) {
            snprintf(err, sizeof err, "out of memory");
        }
        free(path);
        if (rc != SQLITE_OK) {
            fprintf(stderr, TOOL ": %s round %d: %s\n", p->name, round, err);
            return false;
        }
        faultfs_crash_report_format(&r.crash, line, sizeof line);
        fprintf(stderr,
                "%s round %d: acknowledged %d, lost %d, unreadable %d, "
                "integrity %s; crash: %s\n",
                p->name, round, r.acknowledged, r.lost, r.unreadable,
                r.integrity, line);
        add_round(t, &r);
    }
    return true;
}

int main(int argc, char **argv)
{
    static tool_options o = { .config = "none,crash=on",
                              .rounds = 10,
                              .writers = 3,
                              .max_acks = 40,
                              .seed = 1 };
    char err[1024];
    char dir_template[] = "/tmp/faultfs-powerloss-XXXXXX";
    int status = parse_args(argc, argv, &o);
    if (status >= 0) {
        return status;
    }
    if (faultfs_register(o.config, false, err, sizeof err) != SQLITE_OK) {
        tool_error(TOOL, "--config '%s': %s", o.config, err);
        return 2;
    }
    if (!faultfs_current_config()->crash.enabled) {
        tool_error(TOOL, "--config must say crash=on (it is '%s')", o.config);
        return 2;
    }
    /* room for "/NAME-ROUND.db" */
    if (o.dir && !tool_prepare_dir(
                     TOOL, o.dir,
                     tool_longest_name(o.profiles, o.profile_count) + 11)) {
        return 2;
    }
    if (!o.dir && !(o.dir = mkdtemp(dir_template))) {
        perror(TOOL ": mkdtemp");
        return 1;
    }
    const char *names =
        faultfs_current_config()->crash.names == FAULTFS_CRASH_NAMES_DIRSYNC
            ? "dirsync"
            : "immediate";
    printf("| profile | journal | synchronous | crash.names | rounds | "
           "integrity failures | rounds losing | lost acknowledged updates | "
           "pending writes | dropped | torn | journals resurrected |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < o.profile_count; i++) {
        const tracker_profile *p = &o.profiles[i];
        totals t;
        memset(&t, 0, sizeof t);
        if (!run_profile(&o, p, &t)) {
            return 1;
        }
        printf("| %s | %s | %s | %s | %d | %d%s | %d | %ld of %ld%s | "
               "%llu | %llu | %llu | %llu |\n",
               p->name, tracker_journal_mode_name(p->journal_mode),
               tracker_sync_mode_name(p->synchronous), names, t.rounds,
               t.integrity_failures, t.unopenable ? " (+unopenable)" : "",
               t.rounds_losing, t.lost, t.acknowledged,
               t.unreadable ? " (+unreadable rows)" : "",
               (unsigned long long)t.crash.writes,
               (unsigned long long)t.crash.dropped,
               (unsigned long long)t.crash.torn,
               (unsigned long long)t.crash.files_resurrected);
        fflush(stdout);
    }
    fprintf(stderr, "databases left in %s\n", o.dir);
    faultfs_unregister();
    return 0;
}
