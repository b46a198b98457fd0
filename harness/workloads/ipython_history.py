#!/usr/bin/env python3
"""IPython workload: interactive sessions sharing one history database.

Each job is an IPython shell's HistoryManager, opened on the shared
history file as a kernel opens it on a cluster home directory, writing a
session and TRACKHAMMER_WRITES inputs. Debian's python3-ipython,
unchanged. The history-saving thread is stopped at once, so that each
input is written by the job's own call of IPython's writeout_cache (the
thread calls the same method) and the job knows when the write returned.

Acknowledged: the session (its number, when opening returned) and each
input whose writeout_cache returned; then end_session.
Verified: each acknowledged input is in the history once, in its session,
with its text; each acknowledged session's row is there, and an ended
session records its inputs; copies IPython moved aside ("-corrupt") are a
problem of the round, counted and removed.
"""

from __future__ import annotations

import glob
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path

import workload

OPERATIONS = ("setup", "open", "store_input", "end_session")


def _source(job: int, line: int) -> str:
    return f"x_{job}_{line} = {line}"


def _moved_aside(db: str) -> list[str]:
    """The copies IPython makes when it cannot open the history: the
    file's name with -corrupt (and a time) before its suffix."""
    stem, suffix = os.path.splitext(db)
    return glob.glob(glob.escape(stem) + "-corrupt*" + glob.escape(suffix))


class _Swallowed(logging.Handler):
    """The exceptions IPython logs and goes on past (it logs through
    traitlets' logger): what the job reports when IPython gave up."""

    def __init__(self):
        super().__init__()
        self.exceptions = []

    def emit(self, entry: logging.LogRecord) -> None:
        found = entry.exc_info[1] if entry.exc_info else None
        for arg in entry.args if isinstance(entry.args, tuple) else ():
            found = found or (arg if isinstance(arg, BaseException) else None)
        if found is not None:
            self.exceptions.append(found)


def _gave_up(hist_file, db: str, swallowed: _Swallowed):
    """The error IPython logged and went past, when it did not keep the
    shared file (it went on in memory, or moved the file aside and made a
    new one); None when it kept it."""
    if Path(hist_file) == Path(db) and not _moved_aside(db):
        return None
    cause = (swallowed.exceptions or [None])[0]
    error = RuntimeError(f"IPython went on without the history file "
                         f"({hist_file}): {cause}")
    error.__cause__ = cause
    return error


def setup(s: workload.Settings) -> None:
    """The history file with its tables, as an earlier session left it."""
    from IPython.core.history import HistoryAccessor
    for path in _moved_aside(s.db):
        os.unlink(path)
    swallowed = _Swallowed()
    logging.getLogger("traitlets").addHandler(swallowed)
    accessor = HistoryAccessor(hist_file=Path(s.db))
    accessor.db.close()
    error = _gave_up(accessor.hist_file, s.db, swallowed)
    if error is not None:
        raise error


def job(s: workload.Settings, record: workload.Record) -> str:
    """Open (IPython makes a session), write each input, end the session."""
    from IPython.core.history import HistoryManager
    swallowed = _Swallowed()
    logging.getLogger("traitlets").addHandler(swallowed)
    record.begin("open")
    try:
        # A Path, as a kernel passes its profile's history file.
        history = HistoryManager(shell=None, hist_file=Path(s.db))
    except Exception as exc:
        record.fail("open", exc)
        return "failed"
    if history.save_thread is not None:
        history.save_thread.stop()
    if Path(history.hist_file) != Path(s.db) or not history.session_number:
        # IPython gave up on the file, logged why and went on in memory:
        # nothing the job writes from here reaches the database.
        record.fail("open", _gave_up(history.hist_file, s.db, swallowed)
                    or RuntimeError("IPython opened no session"))
        return "failed"
    record.ack("open", history.session_number)
    for line in range(1, s.writes + 1):
        time.sleep(s.work_seconds * s.time_scale / s.writes)
        record.begin("store_input")
        try:
            history.store_inputs(line, _source(s.job_index, line))
            history.writeout_cache()
        except Exception as exc:
            record.fail("store_input", exc)
            return "failed"
        record.ack("store_input", history.session_number, line)
    record.begin("end_session")
    try:
        history.end_session()
    except Exception as exc:
        record.fail("end_session", exc)
        return "failed"
    record.ack("end_session")
    return "ok"


def verify(s: workload.Settings, acks, report: workload.Report) -> None:
    """Each acknowledged input and session as the job wrote it."""
    moved = _moved_aside(s.db)
    if moved:
        report.problem(f"IPython moved the history aside {len(moved)} "
                       f"times")
        for path in moved:
            os.unlink(path)
    try:
        conn = sqlite3.connect(s.db, timeout=30)
        history = {}
        for session, line, source in conn.execute(
                "SELECT session, line, source FROM history"):
            history.setdefault((session, line), []).append(source)
        sessions = {session: cmds for session, cmds in conn.execute(
            "SELECT session, num_cmds FROM sessions")}
        conn.close()
    except sqlite3.Error as exc:
        report.cannot_read("the history", exc)
        history, sessions = {}, {}
    session_of, ended = {}, set()
    for job_index, op, item in acks:
        if op == "open" and item:
            session_of[job_index] = int(item[0])
            if int(item[0]) not in sessions:
                report.lose(job_index, f"session{item[0]}")
        elif op == "end_session":
            ended.add(job_index)
        elif op == "store_input" and len(item) == 2:
            session, line = int(item[0]), int(item[1])
            if history.get((session, line)) != [_source(job_index, line)]:
                report.lose(job_index, f"input{session}/{line}")
    for job_index in ended:
        session = session_of.get(job_index)
        if session in sessions and sessions[session] != s.writes:
            report.lose(job_index, f"session{session}.num_cmds")


if __name__ == "__main__":
    workload.main(sys.modules[__name__])
