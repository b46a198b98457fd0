/*
 * workload.c: the workloads, a row each. A workload says whose code a job
 * runs, what counts as an acknowledged write, and how a round is verified.
 * `tracker` is the C tracker's job (job.c) held to the task rows
 * (verify.c); the others are another tool's own code, unchanged, driven by
 * one file in harness/workloads/ through the foreign-job contract
 * (harness/jobs/CONTRACT.md). A workload with operations of its own also
 * makes the database (its file's setup step) and verifies a round (its
 * verify step); one without uses the tracker's.
 */
#include "trackhammer.h"

#include <string.h>

/* The table: --list-workloads prints it in this order. */
static const workload workloads[] = {
    { "tracker",
      NULL,
      NULL,
      NULL,
      { NULL },
      "the C tracker (tracker/) as the worker script calls it: open, "
      "is_done, mark_running, work, mark_completed",
      "each status write the tracker returned from",
      "each task's row holds its job's last acknowledged status" },
    { "optuna",
      "optuna_study.py",
      "optuna",
      "apt-get install python3-optuna",
      { "setup", "load_study", "trial", NULL },
      "an Optuna worker: study.optimize for --writes trials of a cheap "
      "objective on one study in sqlite:/// storage, made by the batch "
      "driver",
      "each trial the worker saw COMPLETE, with its value",
      "each acknowledged trial is in the study, COMPLETE, with its number "
      "and value; no trial number used twice; integrity_check" },
    { "ipython",
      "ipython_history.py",
      "IPython.core.history",
      "apt-get install python3-ipython",
      { "setup", "open", "store_input", "end_session", NULL },
      "an IPython shell's HistoryManager on one shared history file, as a "
      "kernel opens it: a session, --writes inputs, end_session",
      "the session, each input whose write returned, its end",
      "each acknowledged input once in its session with its text, the "
      "session rows; a history IPython moved aside is a problem" },
    { "upstream",
      "upstream_tracker.py",
      "access_moppy.tracking",
      "pip install access-moppy",
      { NULL },
      "ACCESS-MOPPy's own TaskTracker, unchanged, in the worker script's "
      "life (as the Python job lives it)",
      "each status write upstream returned from",
      "as tracker: each task's row holds its job's last acknowledged "
      "status" },
};
#define WORKLOAD_COUNT (sizeof workloads / sizeof workloads[0])

const workload *workload_find(const char *name)
{
    for (size_t i = 0; i < WORKLOAD_COUNT; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

bool workload_has_own_operations(const workload *w)
{
    return w->operations[0] != NULL;
}

const char *workload_op_name(const workload *w, int op)
{
    if (!workload_has_own_operations(w))
        return op >= 0 && op < TRACKER_OP_COUNT
                   ? tracker_op_name((tracker_op)op)
                   : "-";
    for (int i = 0; i <= op && i < WORKLOAD_MAX_OPS && w->operations[i]; i++)
        if (i == op)
            return w->operations[i];
    return "-";
}

int workload_op_find(const workload *w, const char *name)
{
    if (!workload_has_own_operations(w)) {
        tracker_op op;
        return tracker_op_find(name, &op) ? (int)op : -1;
    }
    for (int i = 0; i < WORKLOAD_MAX_OPS && w->operations[i]; i++)
        if (strcmp(w->operations[i], name) == 0)
            return i;
    return -1;
}

void workload_print_list(FILE *out)
{
    for (size_t i = 0; i < WORKLOAD_COUNT; i++) {
        const workload *w = &workloads[i];
        fprintf(out, "%-10s %s\n", w->name,
                w->module ? w->module : "(built in)");
        fprintf(out, "  job:          %s\n", w->life);
        fprintf(out, "  acknowledged: %s\n", w->acknowledged);
        fprintf(out, "  verified:     %s\n", w->verified);
        if (w->module)
            fprintf(out, "  needs:        the Python module %s (%s)\n",
                    w->module, w->install);
    }
}

bool workload_ready(options *o, char *err, size_t err_size)
{
    const workload *w = o->workload;
    if (w->module == NULL)
        return true;
    /* The import, and what the run's output names: the tool's version
     * (its top package's __version__) and the Python's. */
    char import[512], out[512], why[256];
    text_format(import, sizeof import,
                "import importlib, sqlite3, sys\n"
                "importlib.import_module('%s')\n"
                "top = importlib.import_module('%.*s')\n"
                "if %d and not hasattr(sqlite3.Connection, "
                "'enable_load_extension'):\n"
                "    sys.exit('its sqlite3 cannot load the fault model, an "
                "SQLite extension; Debian\\'s /usr/bin/python3 can')\n"
                "print(top.__name__, getattr(top, '__version__', '?'), "
                "'on Python', sys.version.split()[0], sys.executable)",
                w->module, (int)strcspn(w->module, "."), w->module,
                o->simulate ? 1 : 0);
    char *check[] = { o->python, "-c", import, NULL };
    int status = run_captured(check, -1, out, sizeof out, why, sizeof why,
                              WORKLOAD_STEP_TIMEOUT_S);
    if (status != 0) {
        text_format(err, err_size,
                    "--workload %s needs the Python module %s%s, which "
                    "'%s' does not give (%s): %s, or name another "
                    "Python with --python",
                    w->name, w->module,
                    o->simulate ? " and an sqlite3 that loads extensions" : "",
                    o->python, why[0] ? why : "it did not run", w->install);
        return false;
    }
    out[strcspn(out, "\n")] = '\0';
    text_format(o->workload_code, sizeof o->workload_code, "%s", out);
    /* The file's operations are the row's: an outcome line naming another
     * would be dropped unseen. */
    if (!workload_has_own_operations(w))
        return true;
    char *list[] = { o->python, o->workload_script, "operations", NULL };
    status = run_captured(list, -1, out, sizeof out, why, sizeof why,
                          WORKLOAD_STEP_TIMEOUT_S);
    char expected[512] = "";
    for (int op = 0; op < WORKLOAD_MAX_OPS && w->operations[op]; op++) {
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof expected - used, "%s%s",
                 used ? " " : "", w->operations[op]);
    }
    out[strcspn(out, "\n")] = '\0';
    if (status != 0 || strcmp(out, expected) != 0) {
        text_format(err, err_size,
                    "--workload %s: %s says its operations are '%s', the "
                    "table '%s'%s%s",
                    w->name, o->workload_script, out, expected,
                    why[0] ? ": " : "", why);
        return false;
    }
    return true;
}
