/*
 * faultfs_powerloss.c: the power-loss table (issue 8, point 2).
 *
 *   faultfs-powerloss [--config MODEL,crash=on,...] [--profile SPEC]...
 *                     [--rounds N] [--writers N] [--max-acks N]
 *                     [--seed N] [--dir DIR]
 *
 * For each profile (every built-in one unless --profile is given, which may
 * carry knob overrides: --profile delete-normal,synchronous=full), N rounds
 * of powerloss_round (powerloss.h): writers SIGKILLed at a random point,
 * then faultfs's crash mode drops, tears or keeps each write not yet
 * synced. Round r uses seed + r for the kill point and the crash. Prints,
 * per profile, a markdown row: rounds, rounds failing integrity_check,
 * lost acknowledged updates (of the acknowledged writes), and what the
 * crash did to the pending writes. Exit status 0, 1 if a round could not
 * run, 2 for a bad command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "faultfs.h"
#include "powerloss.h"
#include "tracker.h"

#define MAX_PROFILES 32

typedef struct tool_options {
    const char *config;
    const char *dir;
    tracker_profile profiles[MAX_PROFILES];
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

static void usage(FILE *out)
{
    fprintf(out,
            "usage: faultfs-powerloss [--config MODEL,crash=on,...] "
            "[--profile SPEC]... [--rounds N] [--writers N] [--max-acks N] "
            "[--seed N] [--dir DIR]\n");
}

/* A whole number in [lo, hi], or false. */
static bool parse_int(const char *text, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

/* The command line into o; false with a message on stderr. */
static bool parse_args(int argc, char **argv, tool_options *o)
{
    static const struct option longs[] = {
        {"config", required_argument, NULL, 'c'},
        {"profile", required_argument, NULL, 'p'},
        {"rounds", required_argument, NULL, 'r'},
        {"writers", required_argument, NULL, 'w'},
        {"max-acks", required_argument, NULL, 'a'},
        {"seed", required_argument, NULL, 's'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char err[512];
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "c:p:r:w:a:s:d:h", longs, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'd': o->dir = optarg; break;
        case 'p':
            ok = o->profile_count < MAX_PROFILES &&
                 tracker_profile_parse(optarg, &o->profiles[o->profile_count++],
                                       err, sizeof err) == SQLITE_OK;
            if (!ok) {
                fprintf(stderr, "faultfs-powerloss: --profile %s: %s\n",
                        optarg, o->profile_count > MAX_PROFILES ? "too many"
                                                                : err);
                return false;
            }
            break;
        case 'r': ok = parse_int(optarg, 1, 100000, &v); o->rounds = (int)v; break;
        case 'w':
            ok = parse_int(optarg, 1, POWERLOSS_MAX_WRITERS, &v);
            o->writers = (int)v;
            break;
        case 'a': ok = parse_int(optarg, 1, 1000000, &v); o->max_acks = (int)v; break;
        case 's': ok = parse_int(optarg, 0, __LONG_MAX__, &v); o->seed = (unsigned long long)v; break;
        case 'h': usage(stdout); exit(0);
        default: ok = false; break;
        }
        if (!ok) {
            if (c != '?') {
                fprintf(stderr, "faultfs-powerloss: bad value '%s' for -%c\n",
                        optarg, c);
            }
            usage(stderr);
            return false;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "faultfs-powerloss: unexpected argument '%s'\n",
                argv[optind]);
        return false;
    }
    for (size_t i = 0; o->profile_count == 0 && i < tracker_profile_count(); i++) {
        o->profiles[i] = *tracker_profile_at(i);
    }
    if (o->profile_count == 0) {
        o->profile_count = (int)tracker_profile_count();
    }
    return true;
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
    char err[1024], path[1200], line[512];
    for (int round = 1; round <= o->rounds; round++) {
        uint64_t seed = o->seed + (uint64_t)round;
        powerloss_config c = {*p, path, o->writers, seed, o->max_acks, 30.0};
        powerloss_result r;
        snprintf(path, sizeof path, "%s/%s-%d.db", o->dir, p->name, round);
        faultfs_reseed(seed, 0);
        if (powerloss_round(&c, &r, err, sizeof err) != SQLITE_OK) {
            fprintf(stderr, "faultfs-powerloss: %s round %d: %s\n", p->name,
                    round, err);
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
    static tool_options o = {.config = "none,crash=on",
                             .rounds = 10,
                             .writers = 3,
                             .max_acks = 40,
                             .seed = 1};
    char err[1024];
    char dir_template[] = "/tmp/faultfs-powerloss-XXXXXX";
    if (!parse_args(argc, argv, &o)) {
        return 2;
    }
    if (faultfs_register(o.config, false, err, sizeof err) != SQLITE_OK) {
        fprintf(stderr, "faultfs-powerloss: %s\n", err);
        return 2;
    }
    if (!faultfs_current_config()->crash.enabled) {
        fprintf(stderr, "faultfs-powerloss: --config must say crash=on\n");
        return 2;
    }
    if (!o.dir && !(o.dir = mkdtemp(dir_template))) {
        perror("faultfs-powerloss: mkdtemp");
        return 1;
    }
    char names[16];
    snprintf(names, sizeof names, "%s",
             faultfs_current_config()->crash.names ==
                     FAULTFS_CRASH_NAMES_DIRSYNC
                 ? "dirsync"
                 : "immediate");
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
