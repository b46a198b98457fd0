/*
 * phase_log.c: where a round's wall time goes (TRACKHAMMER_PHASE_LOG, see
 * trackhammer.h): measuring is kept out of the round's own file, which
 * only marks the end of each step.
 */
#include "trackhammer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_names[PHASE_COUNT] = {
    "setup", "setup_barrier", "specs",        "release", "monitor_start",
    "jobs",  "end_gather",    "monitor_stop", "verify",  "results",
};

void phase_clock_start(phase_clock *c, int rank)
{
    memset(c, 0, sizeof *c);
    c->on = rank == 0 && getenv("TRACKHAMMER_PHASE_LOG") != NULL;
    if (c->on)
        c->last = monotonic_now();
}

void phase_mark(phase_clock *c, enum round_phase phase)
{
    if (!c->on)
        return;
    double now = monotonic_now();
    c->seconds[phase] += now - c->last;
    c->last = now;
}

/* The jobs' times are other ranks' monotonic clocks, comparable with rank
 * 0's on one node only (Linux's CLOCK_MONOTONIC is the machine's): the log
 * is for one-node benchmarks (make bench). */
void phase_log_write(const phase_clock *c, const round_result *r,
                     const job_record *all, int jobs, double released)
{
    if (!c->on)
        return;
    FILE *f = fopen(getenv("TRACKHAMMER_PHASE_LOG"), "a");
    if (f == NULL)
        return;
    if (ftell(f) == 0) {
        fprintf(f, "round,profile,jobs");
        for (int p = 0; p < PHASE_COUNT; p++)
            fprintf(f, ",%s_s", phase_names[p]);
        fprintf(f, ",total_s,first_child_start_s,last_child_start_s,"
                   "last_child_end_s,child_life_sum_s,db_time_sum_s\n");
    }
    double total = 0, first_start = 0, last_start = 0, last_end = 0;
    double life = 0, db = 0;
    bool seen = false;
    for (int p = 0; p < PHASE_COUNT; p++)
        total += c->seconds[p];
    for (int i = 0; i < jobs; i++) {
        const job_record *j = &all[i];
        if (j->start_s <= 0 || j->end_s <= 0)
            continue;
        double s = j->start_s - released, e = j->end_s - released;
        if (!seen || s < first_start)
            first_start = s;
        seen = true;
        if (s > last_start)
            last_start = s;
        if (e > last_end)
            last_end = e;
        life += j->end_s - j->start_s;
        db += j->db_time_s;
    }
    fprintf(f, "%d,%s,%d", r->round, r->profile->name, jobs);
    for (int p = 0; p < PHASE_COUNT; p++)
        fprintf(f, ",%.6f", c->seconds[p]);
    fprintf(f, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", total, first_start,
            last_start, last_end, life, db);
    fclose(f);
}
