#!/usr/bin/env python3
"""Optuna workload: workers of one study in shared `sqlite:///` storage.

Each job is a worker running `study.optimize` for TRACKHAMMER_WRITES trials
of a cheap objective, on the study the batch driver created, as users run
Optuna across batch jobs; the objective takes the job's work time
(TRACKHAMMER_WORK_SECONDS, scaled) spread over its trials. Debian's
python3-optuna, unchanged.

Acknowledged: each trial the worker saw COMPLETE (a callback runs after
Optuna has stored the trial's state and value), by its number, with its
value.
Verified: each acknowledged trial is in the study, COMPLETE, with its number
and value; no trial number is used twice; integrity_check passes.
"""

from __future__ import annotations

import sqlite3
import sys
import time

import workload

OPERATIONS = ("setup", "load_study", "trial")
STUDY = "trackhammer"


def _url(db: str) -> str:
    return "sqlite:///" + db


def _quiet(optuna) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)


def setup(s: workload.Settings) -> None:
    """The study, made once before the jobs start, as a user does."""
    import optuna
    _quiet(optuna)
    optuna.create_study(study_name=STUDY, storage=_url(s.db),
                        direction="minimize")


def _objective(trial) -> float:
    x = trial.suggest_float("x", -10.0, 10.0)
    return (x - 2.0) ** 2


def job(s: workload.Settings, record: workload.Record) -> str:
    """Load the study, optimize: a failure of either ends the worker."""
    import optuna
    _quiet(optuna)
    record.begin("load_study")
    try:
        study = optuna.load_study(
            study_name=STUDY, storage=_url(s.db),
            sampler=optuna.samplers.RandomSampler(seed=s.seed % 2**32))
    except Exception as exc:
        record.fail("load_study", exc)
        return "failed"

    def objective(trial) -> float:
        record.begin("trial")
        time.sleep(s.work_seconds * s.time_scale / s.writes)
        return _objective(trial)

    def acknowledge(_study, trial) -> None:
        if trial.state == optuna.trial.TrialState.COMPLETE:
            record.ack("trial", trial.number, repr(trial.value))

    try:
        study.optimize(objective, n_trials=s.writes, callbacks=[acknowledge])
    except Exception as exc:
        record.fail("trial", exc)
        return "failed"
    return "ok"


def verify(s: workload.Settings, acks, report: workload.Report) -> None:
    """Every acknowledged trial as the worker saw it; trial numbers unique."""
    try:
        conn = sqlite3.connect(s.db, timeout=30)
        rows = conn.execute(
            "SELECT t.number, t.state, v.value FROM trials t "
            "JOIN studies s USING (study_id) "
            "LEFT JOIN trial_values v ON v.trial_id = t.trial_id "
            "AND v.objective = 0 WHERE s.study_name = ?", (STUDY,)).fetchall()
        reused = conn.execute(
            "SELECT count(*) FROM (SELECT number FROM trials t JOIN studies "
            "USING (study_id) WHERE study_name = ? GROUP BY number "
            "HAVING count(*) > 1)", (STUDY,)).fetchone()[0]
        conn.close()
    except sqlite3.Error as exc:
        report.cannot_read("the study", exc)
        rows, reused = [], 0
    if reused:
        report.problem(f"{reused} trial numbers used more than once")
    # A number used twice is damage already; each acknowledged trial must
    # be among the rows of its number, COMPLETE, with its value.
    stored = {}
    for number, state, value in rows:
        stored.setdefault(number, []).append((state, value))
    for job_index, op, item in acks:
        if op != "trial" or len(item) != 2:
            continue
        number, value = int(item[0]), float(item[1])
        if ("COMPLETE", value) not in stored.get(number, []):
            report.lose(job_index, f"trial{number}")


if __name__ == "__main__":
    workload.main(sys.modules[__name__])
