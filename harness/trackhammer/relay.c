/*
 * relay.c: a stop signal passed to every rank while jobs run.
 *
 * mpirun, PBS and Slurm signal every rank, but not always (a signal to one
 * rank's pid, a CPU limit that is per process, a forwarding left out), and
 * the ranks meet only at the ends of a round's steps. So a rank that is
 * signalled tells rank 0 (a notice), and rank 0, signalled or told, tells
 * every other rank (a relay), each at most once a run. The waits of a
 * round poll for them with MPI_Test, a call that costs nothing when no
 * message is there; no file of the file system under test is polled.
 *
 * Every message is matched before MPI_Finalize: the notices rank 0 has
 * not yet received are counted (a reduction at the end) and received, and
 * a rank that was never relayed to cancels its receive.
 */
#include "trackhammer.h"

#include <mpi.h>
#include <stdlib.h>

#define TAG_NOTICE 0x7501
#define TAG_RELAY 0x7502

static struct {
    bool started;
    int rank, size;
    int stop;            /* the run's stop signal as this rank knows it */
    double stop_at;      /* monotonic time this rank learnt it */
    bool told;           /* notice sent (rank > 0) or relay sent (0) */
    int incoming;        /* the value of the posted receive */
    MPI_Request receive; /* rank 0: any notice; others: the relay */
    bool receive_done;   /* others: the relay arrived */
    int notices;         /* rank 0: notices received */
    MPI_Request *sends;  /* the notice, or the relays */
    int send_count;
} relay;

/* Rank 0's receive for the next notice, from any rank. */
static void post_notice_receive(void)
{
    MPI_Irecv(&relay.incoming, 1, MPI_INT, MPI_ANY_SOURCE, TAG_NOTICE,
              MPI_COMM_WORLD, &relay.receive);
}

void stop_relay_start(void)
{
    MPI_Comm_rank(MPI_COMM_WORLD, &relay.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &relay.size);
    relay.sends = calloc((size_t)relay.size, sizeof *relay.sends);
    if (relay.sends == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    if (relay.rank == 0)
        post_notice_receive();
    else
        MPI_Irecv(&relay.incoming, 1, MPI_INT, 0, TAG_RELAY, MPI_COMM_WORLD,
                  &relay.receive);
    relay.started = true;
}

/* Rank 0: the stop to every other rank; another rank: to rank 0. */
static void tell(int signal_number)
{
    static int value;
    value = signal_number;
    relay.told = true;
    if (relay.rank != 0) {
        MPI_Isend(&value, 1, MPI_INT, 0, TAG_NOTICE, MPI_COMM_WORLD,
                  &relay.sends[relay.send_count++]);
        return;
    }
    for (int r = 1; r < relay.size; r++)
        MPI_Isend(&value, 1, MPI_INT, r, TAG_RELAY, MPI_COMM_WORLD,
                  &relay.sends[relay.send_count++]);
}

/* What arrived: rank 0 takes every notice there is and posts for the
 * next; another rank takes the relay. */
static void take_arrivals(void)
{
    int arrived = 1;
    while (arrived && !(relay.rank != 0 && relay.receive_done)) {
        MPI_Test(&relay.receive, &arrived, MPI_STATUS_IGNORE);
        if (!arrived)
            break;
        if (relay.stop == 0)
            relay.stop = relay.incoming;
        if (relay.rank == 0) {
            relay.notices++;
            post_notice_receive();
        } else {
            relay.receive_done = true;
        }
    }
}

int stop_relay_poll(void)
{
    if (!relay.started)
        return interrupt_signal();
    if (relay.stop == 0)
        relay.stop = interrupt_signal();
    take_arrivals();
    if (relay.stop != 0 && relay.stop_at == 0)
        relay.stop_at = monotonic_now();
    if (relay.stop != 0 && !relay.told &&
        !(relay.rank != 0 && relay.receive_done))
        tell(relay.stop);
    return relay.stop;
}

double stop_relay_since(void)
{
    if (!relay.started)
        return interrupt_time();
    return relay.stop_at;
}

void stop_relay_finish(void)
{
    if (!relay.started)
        return;
    /* How many notices were sent: rank 0 receives each before it stops
     * listening. Every rank is here, past the last meeting, so these
     * collective calls are short. */
    int sent = relay.rank != 0 && relay.told, total = 0;
    MPI_Reduce(&sent, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (relay.rank == 0)
        while (relay.notices < total) {
            MPI_Wait(&relay.receive, MPI_STATUS_IGNORE);
            relay.notices++;
            post_notice_receive();
        }
    int relayed = relay.rank == 0 && relay.told;
    MPI_Bcast(&relayed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (relay.rank == 0 || !relay.receive_done) {
        if (relay.rank != 0 && relayed) {
            MPI_Wait(&relay.receive, MPI_STATUS_IGNORE);
        } else {
            MPI_Cancel(&relay.receive);
            MPI_Wait(&relay.receive, MPI_STATUS_IGNORE);
        }
    }
    MPI_Waitall(relay.send_count, relay.sends, MPI_STATUSES_IGNORE);
    free(relay.sends);
    relay.started = false;
}
