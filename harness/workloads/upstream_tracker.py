#!/usr/bin/env python3
"""The upstream tracker workload: ACCESS-MOPPy's own TaskTracker.

Each job imports access_moppy.tracking.TaskTracker, unchanged, from the
Python trackhammer runs, and lives the worker script's life of the Python
job (harness/jobs/python_job.py: open, is_done, mark_running, work,
mark_completed; on a failure mark_failed and, where this version has it,
enqueue_monitor_request), so a user on a cluster hammers the code their
jobs run. The batch driver's set-up and the verification are the tracker
workload's (the C set-up, the task rows checked against each job's last
acknowledged status), so its outcomes sit beside the C port's `upstream`
profile. Upstream retries inside its own calls: a failure's attempts are
recorded as 0 (not seen).
"""

from __future__ import annotations

import os
import sys

import workload

python_job = workload.python_job
OPERATIONS = tuple(python_job.OPERATIONS)


class UpstreamTracker:
    """TaskTracker behind the calls python_job.Job makes; what it raises
    becomes the Job's TrackerError."""

    def __init__(self, db: str):
        self.db = db
        self.tracker = None

    @staticmethod
    def _call(op: str, method, *args):
        try:
            return method(*args)
        except Exception as exc:  # upstream's, whatever its type
            raise python_job.TrackerError(op, exc, 0) from exc

    def open(self) -> None:
        from access_moppy.tracking import TaskTracker
        self.tracker = self._call("open", TaskTracker, self.db)

    def close(self) -> None:
        if self.tracker is not None:
            self._call("close", self.tracker.close)

    def is_done(self, variable: str, experiment: str) -> bool:
        return self._call("get_status", self.tracker.is_done, variable,
                          experiment)

    def mark_running(self, variable: str, experiment: str) -> None:
        self._call("mark_running", self.tracker.mark_running, variable,
                   experiment)

    def mark_completed(self, variable: str, experiment: str) -> None:
        self._call("mark_completed", self.tracker.mark_completed, variable,
                   experiment)

    def mark_failed(self, variable: str, experiment: str,
                    message: str) -> None:
        self._call("mark_failed", self.tracker.mark_failed, variable,
                   experiment, message)

    def __getattr__(self, name: str):
        # enqueue_monitor_request only where this upstream version has it.
        if name == "enqueue_monitor_request" and hasattr(self.tracker, name):
            return lambda *args: self._call(name, getattr(self.tracker, name),
                                            *args)
        raise AttributeError(name)


def job(s: workload.Settings, record: workload.Record) -> str:
    """The Python job's life around upstream's tracker."""
    try:
        settings = python_job.read_settings(os.environ)
    except python_job.SetupError as err:
        # the contract's variables are trackhammer's to set: exit 2
        print(f"upstream_tracker.py: {err}", file=sys.stderr)
        sys.exit(2)
    tracker = UpstreamTracker(s.db)
    return python_job.Job(settings, record.outcome, tracker).run()


if __name__ == "__main__":
    workload.main(sys.modules[__name__])
