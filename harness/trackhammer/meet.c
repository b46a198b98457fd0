/*
 * meet.c: where the ranks meet: the polite barrier, the start of a round's
 * jobs, the records gathered at its end. Kept apart from the round: every
 * meeting shares one way of waiting (below), and the round only calls it.
 */
#include "trackhammer.h"

#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Meeting points that sleep instead of spinning: 71 ranks on 2 cores must
 * leave the CPU to the jobs, and Open MPI's blocking calls spin. Each rank
 * tests its requests with a pause between tests that grows from 1 ms to
 * 20 ms (rank 0, a single process, to 2 ms), so ranks waiting out a round
 * cost the jobs little. Bounded: a rank that never arrives aborts the run
 * with a message rather than hanging it.
 *
 * (5 ms between rounds, when no job runs and the ranks wait for rank 0's
 * set-up: a shorter wait for its word.)
 *
 * A barrier is a star, not MPI_Ibarrier: every rank tells rank 0 it has
 * arrived, rank 0 answers each once all have. An MPI_Ibarrier progresses
 * only inside the ranks' own tests, so its log2(ranks) steps each waited
 * for a sleeping partner's next test: about 0.13 s per barrier at 71
 * ranks, four barriers a round (measured with TRACKHAMMER_PHASE_LOG). The
 * star costs two of those waits at most, and rank 0's answer carries what
 * it has to say (the set-up's verdict, the storm's start, the release
 * time), so no blocking broadcast follows.
 */
#define MEET_TAG_ARRIVE 0x7401
#define MEET_TAG_RELEASE 0x7402
#define MEET_TAG_RECORDS 0x7403
#define MEET_TAG_STOP 0x7404
#define MEET_VALUES 4

/* How long ranks still wait for each other once the run is stopping: each
 * learns of the stop within a quarter of a second (its waits sleep no
 * longer, and the relay reaches it), kills its jobs, and reaps them within
 * REAP_GRACE_S (30 s) even when one is stuck in the kernel; a rank missing
 * after this is gone. */
#define INTERRUPT_GRACE_S 45.0

/* Wait for `count` requests, testing them with growing pauses (at most
 * longest_pause; 2 ms on rank 0); the run aborted with a message naming
 * `where` if they are not done in time. */
static void polite_wait(int count, MPI_Request *requests, double timeout_s,
                        const char *where, double longest_pause)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double give_up = monotonic_now() + timeout_s, pause = 0.001;
    double longest = rank == 0 ? 0.002 : longest_pause;
    int done = 0;
    while (MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE) ==
               MPI_SUCCESS &&
           !done) {
        stop_relay_poll();
        double stopped = stop_relay_since();
        if (stopped > 0 && stopped + INTERRUPT_GRACE_S < give_up)
            give_up = stopped + INTERRUPT_GRACE_S;
        if (monotonic_now() > give_up) {
            fprintf(stderr,
                    "trackhammer: ranks did not meet at %s within "
                    "%.0f s%s; aborting (summary.json holds the "
                    "rounds that completed)\n",
                    where, stopped > 0 ? INTERRUPT_GRACE_S : timeout_s,
                    stopped > 0 ? " of the interrupt" : "");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        sleep_resuming(pause);
        pause = pause * 1.5 < longest ? pause * 1.5 : longest;
    }
}

int polite_meet(double timeout_s, const char *where, double *values, int n,
                void (*fill)(double *values, void *arg), void *arg,
                double longest_pause)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double message[MEET_VALUES + 1] = { 0 };
    int mine = stop_relay_poll();
    if (n > MEET_VALUES)
        abort(); /* a caller's mistake: MEET_VALUES is too small */
    if (rank != 0) {
        MPI_Request request[2];
        MPI_Isend(&mine, 1, MPI_INT, 0, MEET_TAG_ARRIVE, MPI_COMM_WORLD,
                  &request[0]);
        MPI_Irecv(message, MEET_VALUES + 1, MPI_DOUBLE, 0, MEET_TAG_RELEASE,
                  MPI_COMM_WORLD, &request[1]);
        polite_wait(2, request, timeout_s, where, longest_pause);
    } else {
        MPI_Request *request = calloc((size_t)size, sizeof *request);
        int *signals = calloc((size_t)size, sizeof *signals);
        if (request == NULL || signals == NULL) {
            fprintf(stderr, "trackhammer: out of memory at %s; aborting\n",
                    where);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        for (int r = 1; r < size; r++)
            MPI_Irecv(&signals[r], 1, MPI_INT, r, MEET_TAG_ARRIVE,
                      MPI_COMM_WORLD, &request[r - 1]);
        polite_wait(size - 1, request, timeout_s, where, longest_pause);
        signals[0] = stop_relay_poll();
        if (fill)
            fill(message, arg);
        else if (n > 0)
            memcpy(message, values, sizeof *values * (size_t)n);
        for (int r = 0; r < size && message[MEET_VALUES] == 0; r++)
            message[MEET_VALUES] = signals[r];
        for (int r = 1; r < size; r++)
            MPI_Isend(message, MEET_VALUES + 1, MPI_DOUBLE, r,
                      MEET_TAG_RELEASE, MPI_COMM_WORLD, &request[r - 1]);
        polite_wait(size - 1, request, timeout_s, where, longest_pause);
        free(signals);
        free(request);
    }
    if (n > 0)
        memcpy(values, message, sizeof *values * (size_t)n);
    return (int)message[MEET_VALUES];
}

int polite_barrier(double timeout_s, const char *where)
{
    return polite_meet(timeout_s, where, NULL, 0, NULL, NULL,
                       PAUSE_BETWEEN_ROUNDS_S);
}

/* Rank 0's clock time a little ahead, when every rank releases its jobs:
 * the jobs start within the scheduler's wake-up latency of each other, not
 * within the barrier's polling interval. */
#define RELEASE_MARGIN_S 0.01

/* Rank 0's answer at the start barrier: the release time. */
static void fill_release(double *values, void *arg)
{
    (void)arg;
    values[0] = epoch_now() + RELEASE_MARGIN_S;
}

int release_together(double timeout_s)
{
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1)
        return stop_relay_poll(); /* alone: no one to wait for */
    double release_at = 0;
    int stop = polite_meet(timeout_s, "the start of a round", &release_at, 1,
                           fill_release, NULL, PAUSE_BETWEEN_ROUNDS_S);
    /* At most the margin: another node's clock may be off. */
    double wait = release_at - epoch_now();
    sleep_resuming(wait < RELEASE_MARGIN_S ? wait : RELEASE_MARGIN_S);
    return stop;
}

job_record *gather_records(const run_context *ctx, const job_record *mine,
                           int count, double timeout_s, int *stop)
{
    const options *o = ctx->opts;
    int my_stop = *stop;
    if (ctx->rank != 0) {
        MPI_Request request[2];
        MPI_Isend(&my_stop, 1, MPI_INT, 0, MEET_TAG_STOP, MPI_COMM_WORLD,
                  &request[0]);
        if (count > 0)
            MPI_Isend(mine, count * (int)sizeof(job_record), MPI_BYTE, 0,
                      MEET_TAG_RECORDS, MPI_COMM_WORLD, &request[1]);
        polite_wait(count > 0 ? 2 : 1, request, timeout_s,
                    "the records' gathering", PAUSE_DURING_JOBS_S);
        return NULL;
    }
    job_record *by_rank = calloc((size_t)o->jobs, sizeof *by_rank);
    job_record *ordered = calloc((size_t)o->jobs, sizeof *ordered);
    MPI_Request *request = calloc((size_t)ctx->size * 2, sizeof *request);
    int *stops = calloc((size_t)ctx->size, sizeof *stops);
    if (!by_rank || !ordered || !request || !stops)
        MPI_Abort(MPI_COMM_WORLD, 1);
    int offset = count, posted = 0;
    memcpy(by_rank, mine, sizeof *mine * (size_t)count);
    for (int r = 1; r < ctx->size; r++) {
        int n = jobs_of_rank(o->jobs, r, ctx->size);
        MPI_Irecv(&stops[r], 1, MPI_INT, r, MEET_TAG_STOP, MPI_COMM_WORLD,
                  &request[posted++]);
        if (n > 0)
            MPI_Irecv(by_rank + offset, n * (int)sizeof(job_record), MPI_BYTE,
                      r, MEET_TAG_RECORDS, MPI_COMM_WORLD, &request[posted++]);
        offset += n;
    }
    polite_wait(posted, request, timeout_s, "the records' gathering",
                PAUSE_DURING_JOBS_S);
    stops[0] = my_stop ? my_stop : stop_relay_poll();
    for (int r = 0; r < ctx->size && *stop == 0; r++)
        *stop = stops[r];
    for (int r = 0, i = 0; r < ctx->size; r++)
        for (int k = 0; k < jobs_of_rank(o->jobs, r, ctx->size); k++)
            ordered[r + k * ctx->size] = by_rank[i++];
    free(stops);
    free(request);
    free(by_rank);
    return ordered;
}
