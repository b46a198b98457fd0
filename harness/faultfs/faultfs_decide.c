/*
 * faultfs_decide.c: the one place that decides what happens to a call.
 *
 * Every file-system call the model sees, whatever its class, goes through
 * faultfs_decide: it is numbered within its class, counted, noted as load
 * for the storm, delayed by the class's latency, and then fails if a
 * schedule says so or if a draw falls under the class's probability times
 * the storm factor. The draw for call i of class c is a hash of
 * (seed, rank, c, i), not the next value of a stream, so the fault sequence
 * of one class does not depend on how many calls other classes made.
 */
#include "faultfs_internal.h"

faultfs_globals faultfs_g = { .log_fd = -1 };

/* Uniform in [0, 1) for call `call` of class cls under the current seed. */
static double draw(faultfs_class cls, uint64_t call)
{
    uint64_t h = splitmix64_mix(faultfs_g.config.seed);
    h = splitmix64_mix(h ^ faultfs_g.config.rank);
    h = splitmix64_mix(h ^ (uint64_t)cls);
    h = splitmix64_mix(h ^ call);
    return unit_interval(h);
}

/* Does the class's schedule cover this call number? */
static bool scheduled(const faultfs_class_config *c, uint64_t call)
{
    if (c->fail_first == 0 || call < c->fail_first) {
        return false;
    }
    return c->fail_count == FAULTFS_FOREVER ||
           call - c->fail_first < c->fail_count;
}

/* Sleep `seconds` of real time, through the hook when one is set. */
void faultfs_sleep_real(double seconds)
{
    if (faultfs_g.sleep_fn) {
        faultfs_g.sleep_fn(faultfs_g.sleep_ctx, seconds);
        return;
    }
    sleep_resuming(seconds);
}

/* Count the call for the trigger, and fire it at its call: before the
 * model's latency and draw, so nothing of the call has happened yet. */
static void trigger_note_call(faultfs_class cls, faultfs_file_kind kind)
{
    if (!(faultfs_g.trigger_classes & FAULTFS_CLASS_BIT(cls))) {
        return;
    }
    uint64_t call = atomic_fetch_add(&faultfs_g.trigger_calls, 1) + 1;
    if (call == faultfs_g.trigger_nth && faultfs_g.trigger_fn) {
        faultfs_g.trigger_fn(faultfs_g.trigger_ctx, cls, kind);
    }
}

bool faultfs_decide(faultfs_class cls, const faultfs_target *target,
                    faultfs_fault *fault)
{
    if (target->kind == FAULTFS_FILE_TEMP) {
        return false;
    }
    trigger_note_call(cls, target->kind);
    const faultfs_class_config *c = &faultfs_g.config.cls[cls];
    uint64_t call = atomic_fetch_add(&faultfs_g.call_number[cls], 1) + 1;
    double delay = c->latency_s * faultfs_g.config.time_scale;
    faultfs_count_call(cls, delay);
    if (delay > 0.0) {
        faultfs_sleep_real(delay);
        faultfs_model_wait(delay);
    }
    double factor = 1.0;
    if (target->storm) {
        faultfs_storm_note_call(target->storm);
        factor = faultfs_storm_factor_of(target->storm);
    }
    bool by_schedule = scheduled(c, call);
    if (!by_schedule && !(draw(cls, call) < c->probability * factor)) {
        return false;
    }
    *fault = (faultfs_fault){ .cls = cls,
                              .kind = target->kind,
                              .call = call,
                              .by_schedule = by_schedule,
                              .path = target->path };
    return true;
}

int faultfs_check(faultfs_class cls, const faultfs_target *target,
                  int fault_code)
{
    faultfs_fault fault;
    if (!faultfs_decide(cls, target, &fault)) {
        return SQLITE_OK;
    }
    return faultfs_record(&fault, "error", fault_code);
}

void faultfs_restart_numbering(void)
{
    for (int c = 0; c < FAULTFS_CLASS_COUNT; c++) {
        atomic_store(&faultfs_g.call_number[c], 0);
    }
}

void faultfs_reseed(uint64_t seed, uint64_t rank)
{
    faultfs_g.config.seed = seed;
    faultfs_g.config.rank = rank;
    faultfs_restart_numbering();
}

int faultfs_fail_calls(faultfs_class cls, uint64_t nth, uint64_t count)
{
    if ((unsigned)cls >= FAULTFS_CLASS_COUNT || (count != 0 && nth == 0)) {
        return SQLITE_MISUSE;
    }
    faultfs_class_config *c = &faultfs_g.config.cls[cls];
    c->fail_first = count ? atomic_load(&faultfs_g.call_number[cls]) + nth : 0;
    c->fail_count = count;
    return SQLITE_OK;
}

int faultfs_set_trigger(unsigned classes, uint64_t nth, faultfs_trigger_fn fn,
                        void *ctx)
{
    if (classes >> FAULTFS_CLASS_COUNT) {
        return SQLITE_MISUSE;
    }
    bool armed = nth > 0 && fn != NULL;
    faultfs_g.trigger_fn = NULL; /* never a half-set trigger */
    atomic_store(&faultfs_g.trigger_calls, 0);
    faultfs_g.trigger_classes = armed ? classes : 0;
    faultfs_g.trigger_nth = armed ? nth : 0;
    faultfs_g.trigger_ctx = ctx;
    faultfs_g.trigger_fn = armed ? fn : NULL;
    return SQLITE_OK;
}

void faultfs_set_sleep(faultfs_sleep_fn sleep_fn, void *ctx)
{
    faultfs_g.sleep_fn = sleep_fn;
    faultfs_g.sleep_ctx = ctx;
}

void faultfs_model_wait(double real_seconds)
{
    double scale = faultfs_g.config.time_scale;
    if (!(real_seconds > 0.0) || !(scale > 0.0)) {
        return;
    }
    double ahead = real_seconds * (1.0 / scale - 1.0) * 1e9;
    atomic_fetch_add(&faultfs_g.model_ahead_ns, (int64_t)ahead);
}
