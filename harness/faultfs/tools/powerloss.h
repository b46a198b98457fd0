/*
 * powerloss.h: one power-loss round of tracker writers under faultfs's
 * crash mode, shared by the faultfs-powerloss tool and the crash tests.
 *
 * A round: the database is created durable (plain unix VFS, one task per
 * writer slot); `writers` child processes open it through faultfs with the
 * profile and cycle their tasks through mark_running, mark_completed and
 * reset_to_pending, recording each status write in shared memory before
 * the call (in flight) and after it returns SQLITE_OK (acknowledged). Once
 * the writers have acknowledged a number of writes drawn from the seed, and
 * a further random delay of up to 3 ms (so kills land inside transactions
 * too), every writer is SIGKILLed and reaped, faultfs_crash_apply simulates
 * the power loss, and the database is reopened with the plain unix VFS:
 * PRAGMA integrity_check, then each task's status against its last
 * acknowledged one. The caller installs faultfs with crash=on first.
 */
#ifndef FAULTFS_POWERLOSS_H
#define FAULTFS_POWERLOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faultfs.h"
#include "tracker.h"

#define POWERLOSS_MAX_WRITERS 16
#define POWERLOSS_TASKS_PER_WRITER 2

typedef struct powerloss_config {
    tracker_profile profile;
    const char *db_path; /* a path that does not exist yet (or refused) */
    int writers;         /* 1..POWERLOSS_MAX_WRITERS */
    uint64_t seed;       /* the kill point; faultfs's seed draws the crash */
    int max_acks;        /* kill after 1..max_acks acknowledged writes */
    double timeout_s;    /* kill anyway after this long */
} powerloss_config;

typedef struct powerloss_result {
    bool opened;         /* the database opened after the crash */
    bool integrity_ok;   /* PRAGMA integrity_check said "ok" */
    char integrity[256]; /* its first line, or the error */
    int acknowledged;    /* status writes acknowledged before the kill */
    int tasks;           /* tasks checked */
    int lost;            /* tasks whose acknowledged status is gone */
    int unreadable;      /* tasks whose row could not be read */
    faultfs_crash_report crash;
} powerloss_result;

/* Run one round. SQLITE_OK, or an error code with a message in err when
 * the round itself could not run (not when the database did badly). */
int powerloss_round(const powerloss_config *config, powerloss_result *result,
                    char *err, size_t err_size);

#endif
