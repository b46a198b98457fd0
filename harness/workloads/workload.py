"""What every Python workload of trackhammer shares (harness/workloads/).

A workload file is a tool's own, unchanged code driven through its public
API as its users drive it. It defines:

    OPERATIONS   the names its outcome lines use, "setup" first, as its row
                 in trackhammer's table lists them
                 (harness/trackhammer/workload.c)
    setup(s)     the batch driver's part: the shared database made ready
    job(s, rec)  one job's life; returns ok, skipped or failed
    verify(s, acks, report)
                 what must be in the database after a round, against every
                 job's acknowledged writes

and ends with `workload.main(sys.modules[__name__])`. This module runs the
step named on the command line: it reads the environment trackhammer sets
(harness/jobs/CONTRACT.md), loads the fault model before the tool's first
connection, and writes the outcome record. Errors are told apart by the
SQLite extended result code beneath the tool's own exceptions, never by
their text.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from dataclasses import dataclass

# The Python job's outcome record, fault-model loader and error type serve
# every workload: beside this file in a built or installed tree, in
# ../jobs in the source tree.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.join(os.path.dirname(_HERE), "jobs")]
import python_job  # noqa: E402  (the path above first)

SetupError = python_job.SetupError


@dataclass(frozen=True)
class Settings:
    """What a workload step is told by trackhammer."""
    db: str
    job_index: int
    jobs: int
    writes: int
    journal: str
    seed: int
    time_scale: float
    work_seconds: float
    outcome: str | None
    faultfs_ext: str | None


def _number(environ, name: str, default: str, parse, low: float) -> float:
    raw = environ.get(name, default)
    try:
        value = parse(raw)
    except ValueError:
        value = low - 1
    if value < low:
        raise SetupError(f"{name}={raw!r}: not a number from {low}")
    return value


def read_settings(environ) -> Settings:
    """The settings from the environment; SetupError naming what is wrong."""
    db = environ.get("TRACKHAMMER_DB", "")
    if not db:
        raise SetupError("TRACKHAMMER_DB is not set (trackhammer sets it)")
    return Settings(
        db=db,
        job_index=int(_number(environ, "TRACKHAMMER_JOB_INDEX", "0", int, 0)),
        jobs=int(_number(environ, "TRACKHAMMER_JOBS", "1", int, 1)),
        writes=int(_number(environ, "TRACKHAMMER_WRITES", "5", int, 1)),
        journal=environ.get("TRACKHAMMER_JOURNAL", "delete"),
        seed=int(_number(environ, "TRACKHAMMER_SEED", "0", int, 0)),
        time_scale=_number(environ, "TRACKHAMMER_TIME_SCALE", "1", float, 0),
        work_seconds=_number(environ, "TRACKHAMMER_WORK_SECONDS", "0", float,
                             0),
        outcome=environ.get("TRACKHAMMER_OUTCOME") or None,
        faultfs_ext=environ.get("TRACKHAMMER_FAULTFS_EXT") or None)


def sqlite_error_beneath(exc: BaseException) -> sqlite3.Error | None:
    """The sqlite3 error at the bottom of a tool's exception: SQLAlchemy
    keeps it as .orig, Optuna raises its own from it (__cause__), others
    raise while handling it (__context__). None when SQLite said nothing."""
    pending, seen = [exc], set()
    while pending:
        e = pending.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if (isinstance(e, sqlite3.Error)
                and getattr(e, "sqlite_errorcode", None) is not None):
            return e
        pending += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return None


def _chain(exc: BaseException) -> str:
    """Each exception of the chain as TYPE: message, on one line, the root
    cause first and the tool's own last (the record keeps 255 characters,
    and the root says most)."""
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen and len(parts) < 4:
        seen.add(id(exc))
        text = " ".join(str(exc).split())[:100]
        parts.append(f"{type(exc).__name__}: {text}")
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return " <- ".join(reversed(parts))[:400]


class Record:
    """The outcome record of CONTRACT.md, for a workload's own operations."""

    def __init__(self, outcome: python_job.Outcome):
        self.outcome = outcome

    def begin(self, op: str) -> None:
        """A call of `op` is about to start."""
        self.outcome.line(f"begin {op}")

    def ack(self, op: str, *item) -> None:
        """`op` returned success; `item` names what it wrote, for verify."""
        self.outcome.line(" ".join(["ack", op, *map(str, item)]))

    def fail(self, op: str, exc: BaseException) -> None:
        """`op` failed: SQLite's extended code beneath the tool's exception
        (-1 and the exception's type when SQLite reported none), attempts
        0 (the tool's own retries, if any, are not seen), and the message:
        the tool's own, then what it was raised from, down to the root."""
        cause = sqlite_error_beneath(exc)
        if cause is None:
            code, name = python_job.NOT_AN_SQLITE_CODE, type(exc).__name__
        else:
            code, name = cause.sqlite_errorcode, cause.sqlite_errorname
        self.outcome.line(f"fail {op} {code} {name} 0 {_chain(exc)}")


class Report:
    """What verify prints: the round's integrity, then one line per job."""

    def __init__(self, jobs: int):
        self.integrity = "ok"
        self.lost = {job: [] for job in range(jobs)}
        self.unread = False

    def problem(self, text: str) -> None:
        """The first problem found is the round's integrity text ("ok" is
        none)."""
        if self.integrity == "ok" and text != "ok":
            self.integrity = " ".join(text.split())[:200]

    def cannot_read(self, what: str, exc: BaseException) -> None:
        """The database could not be read: nothing is verified, and no
        acknowledged write is counted lost for want of a look."""
        self.integrity = " ".join(f"not verified: cannot read {what}: "
                                  f"{exc}".split())[:200]
        self.unread = True

    def lose(self, job: int, item: str) -> None:
        """An acknowledged write of `job` that the database lacks."""
        self.lost.setdefault(job, []).append(item)

    def print(self) -> None:
        print(f"integrity {self.integrity}")
        for job in sorted(self.lost):
            items = [] if self.unread else self.lost[job]
            print(f"job {job} ok" if not items else
                  f"job {job} lost {len(items)} {items[0]}")


def read_acks(lines) -> list[tuple[int, str, list[str]]]:
    """The acknowledged writes trackhammer passes verify on stdin, one per
    line: JOB OP ITEM..."""
    acks = []
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0].isdigit():
            acks.append((int(words[0]), words[1], words[2:]))
    return acks


def integrity_check(db: str) -> str:
    """PRAGMA integrity_check's first row (verify never loads the fault
    model: this is the harness looking)."""
    try:
        conn = sqlite3.connect(db, timeout=30)
        try:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"cannot check: {exc}"


def _run_job(module, settings: Settings) -> int:
    outcome = python_job.Outcome(settings.outcome or os.devnull)
    try:
        status = module.job(settings, Record(outcome))
        outcome.line(f"status {status}")
    finally:
        outcome.close()
    return 1 if status == "failed" else 0


def _run_setup(module, settings: Settings) -> int:
    outcome = python_job.Outcome(settings.outcome or os.devnull)
    record = Record(outcome)
    try:
        record.begin("setup")
        module.setup(settings)
        record.ack("setup")
        return 0
    except Exception as exc:  # the tool's failure, whatever its type
        record.fail("setup", exc)
        return 1
    finally:
        outcome.close()


def main(module) -> None:
    """Run the step argv[1] names (setup, job, verify, operations) of a
    workload file; exit 2 with the reason when it cannot run at all."""
    step = sys.argv[1] if len(sys.argv) == 2 else ""
    if step == "operations":
        print(" ".join(module.OPERATIONS))
        sys.exit(0)
    try:
        if step not in ("setup", "job", "verify"):
            raise SetupError("usage: WORKLOAD.py setup|job|verify|operations "
                             "(trackhammer runs it; see --list-workloads)")
        if sys.version_info < (3, 11):
            raise SetupError("needs Python 3.11 or newer "
                             "(sqlite3.Error.sqlite_errorcode classifies "
                             "every failure)")
        settings = read_settings(os.environ)
        if step == "job" and settings.faultfs_ext is not None:
            python_job.load_fault_model(settings.faultfs_ext)
    except SetupError as err:
        print(f"{os.path.basename(sys.argv[0])}: {err}", file=sys.stderr)
        sys.exit(2)
    if step == "setup":
        sys.exit(_run_setup(module, settings))
    if step == "job":
        sys.exit(_run_job(module, settings))
    report = Report(settings.jobs)
    report.problem(integrity_check(settings.db))
    module.verify(settings, read_acks(sys.stdin), report)
    report.print()
    sys.exit(0)
