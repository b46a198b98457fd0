/*
 * job.c: one batch job's life, as the upstream worker script lives it.
 *
 * open tracker -> is_done? (skip if completed) -> mark_running -> work ->
 * mark_completed; on any failure, best-effort mark_failed and a monitor
 * request, then exit 1 -> close. Runs in a child process of its rank, so a
 * SIGBUS ends this job only; what it did is written into the shared record
 * before and after every call, so the rank knows even after a crash which
 * call was in flight and which writes had been acknowledged.
 *
 * A foreign job (--job-cmd) lives the same life in another program; it
 * reports through the outcome file of harness/jobs/CONTRACT.md, which
 * job_read_outcome turns into the same record.
 */
#include "trackhammer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void job_record_init(job_record *r)
{
    memset(r, 0, sizeof *r);
    r->current_op = r->last_ack_op = r->unknown_op = r->failed_op = -1;
    r->outcome = OUTCOME_PENDING;
}

const char *status_set_by(int op)
{
    tracker_status status = tracker_op_sets_status((tracker_op)op);
    return status == TRACKER_STATUS_NONE ? NULL : tracker_status_name(status);
}

/* The --fault-before placement, if it names this call. */
static const options *placed_fault;

/* A call is about to start: the record says so before SQLite runs. */
static double call_begin(job_record *r, tracker_op op)
{
    if (placed_fault && placed_fault->fault_before_op == (int)op)
        faultfs_fail_calls(placed_fault->fault_before_class, 1,
                           (uint64_t)placed_fault->fault_before_count);
    r->current_op = (int)op;
    return monotonic_now();
}

/* A call returned rc: an acknowledged status, or a status write of unknown
 * outcome. */
static void call_end(job_record *r, tracker_op op, int rc, double started)
{
    r->db_time_s += monotonic_now() - started;
    if (status_set_by((int)op)) {
        if (rc == SQLITE_OK) {
            r->last_ack_op = (int)op;
            r->unknown_op = -1;
            r->unknown_ops = 0;
        } else {
            r->unknown_op = (int)op;
            r->unknown_ops |= 1u << op;
        }
    }
    r->current_op = -1;
}

static void record_failure(job_record *r, tracker_op op, int code,
                           int attempts, const char *message)
{
    r->failed_op = (int)op;
    r->failed_code = code;
    r->failed_attempts = attempts;
    text_format(r->failed_message, sizeof r->failed_message, "%s", message);
}

static void record_tracker_failure(job_record *r, const tracker_error *e)
{
    record_failure(r, e->op, e->code, e->attempts, e->message);
}

/* Whether this run's jobs (and its monitor) go through the fault VFS: a
 * fault model, or --kill-at write, whose calls the VFS counts (the none
 * model injects nothing and delays nothing). */
bool jobs_use_faultfs(const options *o)
{
    return o->simulate || o->kill_at == KILL_AT_WRITE;
}

/* Put this job's fault model in place: its node, its seed, the shared
 * start of the storm, the run's clock. Without a model (faultfs only
 * counting for --kill-at write) every job is on node 0, the real one:
 * nothing simulated. */
static int install_fault_model(const job_spec *spec, char *err,
                               size_t err_size)
{
    const options *o = spec->opts;
    faultfs_config config = o->fault_config;
    int nodes = o->sim_nodes > 0 ? o->sim_nodes : INT32_MAX;
    config.node = (unsigned)(spec->job_index % nodes) % (FAULTFS_MAX_NODE + 1);
    if (!o->simulate)
        config.node = 0;
    config.seed = o->seed + (uint64_t)spec->round;
    config.rank = (uint64_t)spec->job_index;
    config.time_scale = o->time_scale;
    config.storm.start_epoch_s = spec->storm_start_epoch;
    if (spec->fault_log)
        snprintf(config.log_path, sizeof config.log_path, "%s",
                 spec->fault_log);
    int rc = faultfs_install(&config, false, err, err_size);
    faultfs_counters_reset();
    if (o->fault_before_op >= 0)
        placed_fault = o;
    return rc;
}

/* The calls --kill-at write counts: every call by which a write
 * transaction changes a file. */
#define KILL_CLASSES                                                          \
    (FAULTFS_CLASS_BIT(FAULTFS_WRITE) | FAULTFS_CLASS_BIT(FAULTFS_SYNC) |     \
     FAULTFS_CLASS_BIT(FAULTFS_TRUNCATE) | FAULTFS_CLASS_BIT(FAULTFS_DELETE))

/* The planned kill, at the call the rank chose, before the call reaches
 * the file: the record says the plan was reached, then the process dies
 * of SIGKILL, as if the rank had sent it at that instant. */
static void kill_at_call(void *ctx, faultfs_class cls, faultfs_file_kind kind)
{
    job_record *r = ctx;
    (void)cls;
    (void)kind;
    r->kill_reached = true;
    kill(getpid(), SIGKILL);
    for (;;)
        pause(); /* never reached: SIGKILL to oneself is delivered at once */
}

/* Arm the fault VFS's trigger at the job's planned call, if it has one. */
static int arm_planned_kill(job_record *r)
{
    if (r->kill_call == 0)
        return SQLITE_OK;
    return faultfs_set_trigger(KILL_CLASSES, r->kill_call, kill_at_call, r);
}

/* Sleep a compressed model duration, and tell the model's clock (a no-op
 * without a fault model). Used for start jitter, work and backoff. */
static void model_sleep(void *ctx, double seconds)
{
    (void)ctx;
    sleep_resuming(seconds);
    faultfs_model_wait(seconds);
}

void job_tracker_options(const job_spec *spec, tracker_options *topt)
{
    const options *o = spec->opts;
    tracker_options_init(topt, spec->profile);
    topt->vfs = jobs_use_faultfs(o) ? FAULTFS_VFS_NAME : NULL;
    topt->time_scale = o->time_scale;
    topt->sleep = model_sleep;
    /* SQLite's busy timeout is a clock too: compressed with the others,
     * or a waiting job would meet a scaled walltime first. */
    double busy = spec->profile->busy_timeout_ms * o->time_scale;
    topt->profile.busy_timeout_ms =
        spec->profile->busy_timeout_ms > 0 && busy < 1 ? 1 : (int)busy;
}

/* The built-in job: the tracker library, called as the worker calls it. */
static int run_c_job(const job_spec *spec, job_record *r)
{
    const options *o = spec->opts;
    tracker_options topt;
    job_tracker_options(spec, &topt);
    topt.seed = splitmix64_mix(o->seed ^ ((uint64_t)spec->round << 32) ^
                               (uint64_t)spec->job_index);

    tracker *t = NULL;
    tracker_error open_error;
    double started = call_begin(r, TRACKER_OP_OPEN);
    int rc = tracker_open(spec->db_path, &topt, &t, &open_error);
    call_end(r, TRACKER_OP_OPEN, rc, started);
    if (rc != SQLITE_OK) {
        record_tracker_failure(r, &open_error);
        r->outcome = OUTCOME_FAILED;
        return 1;
    }

    const char *var = spec->variable, *exp = o->experiment;
    bool done = false;
    started = call_begin(r, TRACKER_OP_GET_STATUS);
    rc = tracker_is_done(t, var, exp, &done);
    call_end(r, TRACKER_OP_GET_STATUS, rc, started);
    if (rc == SQLITE_OK && done) {
        r->outcome = OUTCOME_SKIPPED;
    } else if (rc == SQLITE_OK) {
        started = call_begin(r, TRACKER_OP_MARK_RUNNING);
        rc = tracker_mark_running(t, var, exp);
        call_end(r, TRACKER_OP_MARK_RUNNING, rc, started);
        if (rc == SQLITE_OK) {
            model_sleep(NULL, o->work_s * o->time_scale);
            started = call_begin(r, TRACKER_OP_MARK_COMPLETED);
            rc = tracker_mark_completed(t, var, exp);
            call_end(r, TRACKER_OP_MARK_COMPLETED, rc, started);
        }
        r->outcome = rc == SQLITE_OK ? OUTCOME_OK : OUTCOME_FAILED;
    }
    if (rc != SQLITE_OK) {
        /* The failure, then the worker's best effort to say so. */
        record_tracker_failure(r, tracker_last_error(t));
        r->outcome = OUTCOME_FAILED;
        char message[TEXT_MAX];
        snprintf(message, sizeof message, "Error processing %s: %s", var,
                 r->failed_message);
        started = call_begin(r, TRACKER_OP_MARK_FAILED);
        int frc = tracker_mark_failed(t, var, exp, message);
        call_end(r, TRACKER_OP_MARK_FAILED, frc, started);
        started = call_begin(r, TRACKER_OP_ENQUEUE_MONITOR_REQUEST);
        frc = tracker_enqueue_monitor_request(t, var, exp);
        call_end(r, TRACKER_OP_ENQUEUE_MONITOR_REQUEST, frc, started);
    }
    tracker_close(t);
    r->stats = *tracker_get_stats(t);
    tracker_free(t);
    return r->outcome == OUTCOME_FAILED ? 1 : 0;
}

/* setenv, formatting the value into a buffer of its size: a value cut
 * short would hand the job another path or another model. A value that
 * cannot be set is the harness's failure, not the job's: said in the
 * record, and the job never starts. */
static void put_env(job_record *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_env(job_record *r, const char *name, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *value = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (value)
        vsnprintf(value, (size_t)n + 1, fmt, again);
    va_end(again);
    if (value == NULL || setenv(name, value, 1) != 0) {
        text_format(r->harness_error, sizeof r->harness_error,
                    "cannot set %s for the foreign job: %s", name,
                    strerror(errno));
        _exit(127);
    }
    free(value);
}

/* The profile's knobs as the contract names them. */
static void put_profile_env(job_record *r, const tracker_profile *p)
{
    put_env(r, "TRACKHAMMER_PROFILE", "%s", p->name);
    for (size_t i = 0; tracker_profile_knob(i); i++) {
        char value[64];
        tracker_profile_get(p, tracker_profile_knob(i), value, sizeof value);
        put_env(r, tracker_profile_knob_variable(i), "%s", value);
    }
}

/* The job's process group, SIGKILLed: the supervisor's answer to its
 * rank's death (the parent-death signal). */
static void kill_own_group(int signal_number)
{
    (void)signal_number;
    kill(0, SIGKILL);
}

/* End as the shell ended: its exit status, or death by its signal, so the
 * rank sees a foreign job's crash as it sees a built-in job's. */
static void end_as(int status)
{
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        kill(getpid(), WTERMSIG(status));
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

/* Run the foreign job's command under /bin/sh in a child, and wait for it
 * here. This process stays behind to kill the job's whole process group
 * (the shell and whatever it started) if the rank dies: a parent-death
 * signal reaches only its own child, not the shell's children. Never
 * returns. */
static void supervise_shell(const char *command, job_record *r)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = kill_own_group;
    sigaction(SIGTERM, &action, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    pid_t shell = fork();
    if (shell == 0) {
        signal(SIGTERM, SIG_DFL);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        /* The record is shared memory, this child's too until exec. */
        text_format(r->harness_error, sizeof r->harness_error,
                    "exec of /bin/sh for the foreign job: %s",
                    strerror(errno));
        _exit(127);
    }
    if (shell < 0) {
        text_format(r->harness_error, sizeof r->harness_error,
                    "fork of the foreign job's shell: %s", strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(shell, &status, 0) < 0 && errno == EINTR)
        ;
    end_as(status);
}

/* A foreign job: the contract's environment, then exec. Never returns. */
static void exec_foreign_job(const job_spec *spec, job_record *r)
{
    const options *o = spec->opts;
    put_env(r, "TRACKHAMMER_DB", "%s", spec->db_path);
    put_env(r, "TRACKHAMMER_VARIABLE", "%s", spec->variable);
    put_env(r, "TRACKHAMMER_EXPERIMENT", "%s", o->experiment);
    put_env(r, "TRACKHAMMER_JOB_INDEX", "%d", spec->job_index);
    tracker_options scaled; /* the busy timeout compressed, as for C jobs */
    job_tracker_options(spec, &scaled);
    put_profile_env(r, &scaled.profile);
    put_env(r, "TRACKHAMMER_TIME_SCALE", "%.17g", o->time_scale);
    put_env(r, "TRACKHAMMER_WORK_SECONDS", "%.17g", o->work_s);
    put_env(r, "TRACKHAMMER_SEED", "%llu",
            (unsigned long long)splitmix64_mix(o->seed ^
                                               (uint64_t)spec->job_index));
    put_env(r, "TRACKHAMMER_OUTCOME", "%s", spec->outcome_file);
    put_env(r, "TRACKHAMMER_JOBS", "%d", o->jobs);
    put_env(r, "TRACKHAMMER_WRITES", "%d", o->writes);
    if (o->simulate) {
        char *text = model_description(faultfs_current_config());
        if (text == NULL) {
            text_format(r->harness_error, sizeof r->harness_error,
                        "out of memory for the foreign job's model");
            _exit(127);
        }
        put_env(r, FAULTFS_CONFIG_ENV, "%s", text);
        free(text);
        put_env(r, "TRACKHAMMER_FAULTFS_EXT", "%s", o->faultfs_ext);
    }
    supervise_shell(o->job_cmd, r);
}

int job_run(const job_spec *spec, job_record *r)
{
    const options *o = spec->opts;
    uint64_t rng = splitmix64_mix(o->seed ^ ((uint64_t)spec->round << 40) ^
                                  ((uint64_t)spec->job_index << 8) ^ 0x5a);
    r->start_s = monotonic_now();
    if (jobs_use_faultfs(o)) {
        char err[TEXT_MAX];
        int rc = install_fault_model(spec, err, sizeof err);
        if (rc == SQLITE_OK && arm_planned_kill(r) != SQLITE_OK) {
            rc = SQLITE_MISUSE;
            text_format(err, sizeof err, "cannot arm the planned kill");
        }
        if (rc != SQLITE_OK) {
            /* The harness's own failure: no database call was made. */
            text_format(r->harness_error, sizeof r->harness_error,
                        "the job's fault model: %s", err);
            return 1;
        }
    }
    model_sleep(NULL, uniform01(&rng) * o->start_jitter_s * o->time_scale);
    if (o->job_cmd[0])
        exec_foreign_job(spec, r);
    int status = run_c_job(spec, r);
    if (o->simulate)
        faultfs_counters_get(&r->faults);
    r->end_s = monotonic_now();
    return status;
}

/* ------------------------------------------------ a foreign job's report */

/* A reported call ended with rc. A workload with operations of its own
 * is verified by its own step, against what it acknowledged: its ack's
 * items are kept for that; the tracker's calls keep the record's account
 * of status writes, as the built-in job's do. */
static void outcome_call_end(job_record *r, const workload *w, int op, int rc,
                             const char *items)
{
    if (!workload_has_own_operations(w)) {
        call_end(r, (tracker_op)op, rc, monotonic_now());
        return;
    }
    r->current_op = -1;
    if (rc != SQLITE_OK)
        return;
    r->last_ack_op = op;
    size_t used = strlen(r->acked);
    int n = snprintf(r->acked + used, sizeof r->acked - used, "%s %s\n",
                     workload_op_name(w, op), items);
    if (n < 0 || (size_t)n >= sizeof r->acked - used) {
        r->acked[used] = '\0';
        r->acked_overflow = true;
    }
}

/* Read the contract's outcome lines into the record. Missing file or lines
 * leave the record as the job left it (a job killed early wrote little). */
void job_read_outcome(const char *path, const workload *w, job_record *r)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[TEXT_MAX * 2];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char word[32], op_name[64];
        int used = 0;
        if (sscanf(line, "%31s %63s %n", word, op_name, &used) < 2)
            continue;
        int op = workload_op_find(w, op_name);
        if (strcmp(word, "begin") == 0 && op >= 0) {
            r->current_op = op;
        } else if (strcmp(word, "ack") == 0 && op >= 0) {
            outcome_call_end(r, w, op, SQLITE_OK, line + used);
        } else if (strcmp(word, "fail") == 0 && op >= 0) {
            int code = 0, attempts = 0, n = 0;
            char name[64];
            if (sscanf(line + used, "%d %63s %d %n", &code, name, &attempts,
                       &n) >= 3) {
                outcome_call_end(r, w, op, code ? code : SQLITE_ERROR, "");
                if (r->failed_op < 0)
                    record_failure(r, (tracker_op)op, code, attempts,
                                   line + used + n);
            }
        } else if (strcmp(word, "status") == 0) {
            r->outcome = strcmp(op_name, "ok") == 0        ? OUTCOME_OK
                         : strcmp(op_name, "skipped") == 0 ? OUTCOME_SKIPPED
                                                           : OUTCOME_FAILED;
        }
    }
    fclose(f);
    r->db_time_s = 0; /* not measured for foreign jobs */
}
