#!/usr/bin/env python3
"""trackhammer's foreign job in Python: one batch job's life against the
shared task-tracking database, made through Python's own sqlite3 module.

It implements harness/jobs/CONTRACT.md. The tracker here is a minimal
restatement of upstream's (ACCESS-MOPPy) with the statements, open sequence,
transaction shape and retry policy of the C reference in tracker/: what fails
there under a fault is what fails here. Errors are classified by SQLite's
result code, never by message text.

Standard library only; needs Python 3.11 (sqlite3.Error.sqlite_errorcode) and,
under a fault model, an sqlite3 module that can load extensions (Debian's
/usr/bin/python3 can).
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
import sys
import time
from dataclasses import dataclass

# ------------------------------------------------------------------ the SQL

# The upstream schema, to the letter (tracker/connection.c).
CREATE_TASKS_SQL = """CREATE TABLE IF NOT EXISTS cmor_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    variable TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    status TEXT CHECK(status IN ('pending', 'running', 'completed', \
'failed')) NOT NULL DEFAULT 'pending',
    start_time TEXT,
    end_time TEXT,
    error_message TEXT,
    pbs_job_id TEXT,
    pbs_info_json TEXT,
    worker_memory_json TEXT,
    output_summary_json TEXT
)"""
CREATE_INDEX_SQL = ("CREATE UNIQUE INDEX IF NOT EXISTS idx_var_exp "
                    "ON cmor_tasks(variable, experiment_id)")
CREATE_MONITOR_SQL = """CREATE TABLE IF NOT EXISTS monitor_requests (
    variable TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    requested_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (variable, experiment_id)
)"""
# Columns added after the first release; older databases lack them.
LATER_COLUMNS = ("pbs_job_id", "pbs_info_json", "worker_memory_json",
                 "output_summary_json")

# The statements (tracker/statements.c): ?1 variable, ?2 experiment_id,
# ?3 the value being set.
WHERE_TASK = " WHERE variable=?1 AND experiment_id=?2"
GET_STATUS_SQL = "SELECT status FROM cmor_tasks" + WHERE_TASK
MARK_RUNNING_SQL = (
    "UPDATE cmor_tasks SET status='running', start_time=datetime('now'), "
    "end_time=NULL, error_message=NULL, worker_memory_json=NULL, "
    "output_summary_json=NULL" + WHERE_TASK)
MARK_COMPLETED_SQL = (
    "UPDATE cmor_tasks SET status='completed', end_time=datetime('now'), "
    "error_message=NULL" + WHERE_TASK)
MARK_FAILED_SQL = (
    "UPDATE cmor_tasks SET status='failed', end_time=datetime('now'), "
    "error_message=?3" + WHERE_TASK)
ENQUEUE_MONITOR_REQUEST_SQL = (
    "INSERT OR IGNORE INTO monitor_requests (variable, experiment_id) "
    "VALUES (?1, ?2)")

# The tracker operations this job makes: the rows of TRACKER_OPERATIONS
# (tracker/tracker.h) its life uses, by the same names, each with its retry
# scope (None: never retried). test_python_job checks them against the C
# table.
OPERATIONS = {
    "open": "open",
    "get_status": "reads",
    "mark_running": "writes",
    "mark_completed": "writes",
    "mark_failed": "writes",
    "enqueue_monitor_request": "writes",
    "close": None,
}

# ----------------------------------------------------------------- errors

# Primary result codes (extended code & 0xff) and the class each falls in.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR = 5, 6, 10
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
ERROR_CLASS_BY_PRIMARY_CODE = {
    SQLITE_BUSY: "busy",
    SQLITE_LOCKED: "busy",
    SQLITE_IOERR: "ioerr",
    SQLITE_CORRUPT: "corrupt",
    SQLITE_NOTADB: "corrupt",
}
# The code recorded for a failure SQLite did not report (no result code).
NOT_AN_SQLITE_CODE = -1


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's extended result code of an exception, or None when SQLite
    did not report it (sqlite3's own errors, OSError, ...)."""
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None)
    return None


def error_class(exc: BaseException) -> str:
    """busy, ioerr, corrupt or other: by result code, as tracker/errors.c
    classifies, because one message ("disk I/O error") covers many faults."""
    code = sqlite_code(exc)
    if code is None:
        return "other"
    return ERROR_CLASS_BY_PRIMARY_CODE.get(code & 0xFF, "other")


class TrackerError(Exception):
    """A tracker call that failed for good: which call, SQLite's code and
    name (or the exception's type), its message and the attempts made."""

    def __init__(self, op: str, cause: BaseException, attempts: int):
        super().__init__(f"{op}: {cause}")
        self.attempts = attempts
        self.message = str(cause)
        code = sqlite_code(cause)
        if code is None:
            self.code, self.name = NOT_AN_SQLITE_CODE, type(cause).__name__
        else:
            self.code, self.name = code, cause.sqlite_errorname


# ---------------------------------------------------------------- settings

class SetupError(Exception):
    """The job cannot run as asked (bad environment, model not loadable):
    exit status 2, and no outcome record, since nothing was tried."""


@dataclass(frozen=True)
class Settings:
    """The job's configuration, read from the contract's variables."""
    db: str
    variable: str
    experiment: str
    journal: str
    sync: str
    busy_timeout_ms: int
    checkpoint: bool
    retry: frozenset
    scope: frozenset
    attempts: int
    backoff: float
    jitter: float
    time_scale: float
    work_seconds: float
    seed: int
    outcome: str
    faultfs_ext: str | None


def parse_text(value: str) -> str:
    """Any non-empty text (an empty path or name is a harness mistake)."""
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_choice(*allowed: str):
    """A parser accepting exactly one of `allowed`."""
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError("expected " + ", ".join(allowed))
        return value
    return parse


def parse_int(low: int, high: int | None = None):
    """A parser of a whole number in [low, high] (no upper bound if None)."""
    def parse(value: str) -> int:
        number = int(value, 10)
        if number < low or (high is not None and number > high):
            bound = f"from {low} to {high}" if high is not None else f">= {low}"
            raise ValueError(f"expected a whole number {bound}")
        return number
    return parse


def parse_seconds(value: str) -> float:
    """A finite, non-negative number (seconds or a scale factor)."""
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError("expected a finite number >= 0")
    return number


def parse_yes_no(value: str) -> bool:
    """yes/no, with the spellings tracker_profile_set accepts."""
    if value in ("yes", "1", "true"):
        return True
    if value in ("no", "0", "false"):
        return False
    raise ValueError("expected yes or no")


def parse_flags(*known: str):
    """A parser of words from `known` joined by '+', or 'none' (and 'all'
    for every word, as the C knob syntax allows)."""
    def parse(value: str) -> frozenset:
        if value == "none":
            return frozenset()
        if value == "all":
            return frozenset(known)
        words = value.split("+")
        if not all(word in known for word in words):
            raise ValueError("expected 'none' or " + ", ".join(known)
                             + " joined by '+'")
        return frozenset(words)
    return parse


# The contract's variables: name, meaning, parser (None: not read by this
# job) and the Settings field it fills. Required unless the field is
# faultfs_ext; --help prints this table.
VARIABLES = (
    ("TRACKHAMMER_DB", "path of the shared tracking database",
     parse_text, "db"),
    ("TRACKHAMMER_VARIABLE", "the job's variable, e.g. Amon.tas",
     parse_text, "variable"),
    ("TRACKHAMMER_EXPERIMENT", "the experiment id, e.g. historical",
     parse_text, "experiment"),
    ("TRACKHAMMER_JOB_INDEX", "the job's number in the round (informative)",
     None, None),
    ("TRACKHAMMER_PROFILE", "the profile's name (informative)", None, None),
    ("TRACKHAMMER_JOURNAL", "delete, truncate, persist or wal",
     parse_choice("delete", "truncate", "persist", "wal"), "journal"),
    ("TRACKHAMMER_SYNC", "off, normal, full or extra",
     parse_choice("off", "normal", "full", "extra"), "sync"),
    ("TRACKHAMMER_BUSY_TIMEOUT_MS", "busy timeout in milliseconds",
     parse_int(0, 86400000), "busy_timeout_ms"),
    ("TRACKHAMMER_CHECKPOINT",
     "yes: PRAGMA wal_checkpoint(TRUNCATE) before the journal switch",
     parse_yes_no, "checkpoint"),
    ("TRACKHAMMER_RETRY", "retried classes: busy, ioerr, corrupt joined "
     "by '+', or none", parse_flags("busy", "ioerr", "corrupt"), "retry"),
    ("TRACKHAMMER_SCOPE", "calls under retry: writes, reads, take_monitor, "
     "open, connect joined by '+', or none",
     parse_flags("writes", "reads", "take_monitor", "open", "connect"),
     "scope"),
    ("TRACKHAMMER_ATTEMPTS", "attempts at most (upstream: 5)",
     parse_int(1, 100), "attempts"),
    ("TRACKHAMMER_BACKOFF", "backoff base in seconds: attempt k sleeps "
     "base*2^k ...", parse_seconds, "backoff"),
    ("TRACKHAMMER_JITTER", "... plus uniform [0, jitter) seconds",
     parse_seconds, "jitter"),
    ("TRACKHAMMER_TIME_SCALE", "multiplies every sleep (backoff, work)",
     parse_seconds, "time_scale"),
    ("TRACKHAMMER_WORK_SECONDS", "model seconds of work between "
     "mark_running and mark_completed", parse_seconds, "work_seconds"),
    ("TRACKHAMMER_SEED", "seed for the jitter", parse_int(0), "seed"),
    ("TRACKHAMMER_OUTCOME", "file the job appends its record to",
     parse_text, "outcome"),
    ("TRACKHAMMER_JOBS", "jobs in the round (informative)", None, None),
    ("TRACKHAMMER_WRITES", "writes a many-write workload's job makes "
     "(informative)", None, None),
    ("FAULTFS_CONFIG", "the fault model (read by faultfs.so itself)",
     None, None),
    ("TRACKHAMMER_FAULTFS_EXT", "path of faultfs.so; loaded before the "
     "database is opened (only under a model)", parse_text, "faultfs_ext"),
)

HELP = """usage: python_job.py [--help]

One trackhammer job in Python (harness/jobs/CONTRACT.md): open the tracker,
skip if the task is completed, mark_running, work, mark_completed; on a
failure after open, best-effort mark_failed and enqueue_monitor_request.
Each event is appended to TRACKHAMMER_OUTCOME as one line (begin OP,
ack OP, fail OP CODE NAME ATTEMPTS MESSAGE, status ok|skipped|failed).
Exit status: 0 ok or skipped, 1 failed, 2 bad environment (nothing tried).

Environment (all TRACKHAMMER_* required except TRACKHAMMER_FAULTFS_EXT and
the informative ones):
"""


def help_text() -> str:
    """The usage text with one line per contract variable."""
    width = max(len(name) for name, _, _, _ in VARIABLES)
    rows = [f"  {name:<{width}}  {meaning}"
            for name, meaning, _, _ in VARIABLES]
    return HELP + "\n".join(rows) + "\n"


def read_settings(environ) -> Settings:
    """Settings from the environment; SetupError naming the first variable
    that is missing or malformed."""
    values = {}
    for name, _, parse, field in VARIABLES:
        if parse is None:
            continue
        raw = environ.get(name)
        if raw is None:
            if field == "faultfs_ext":
                values[field] = None
                continue
            raise SetupError(f"{name} is not set (the harness sets it; "
                             f"see --help)")
        try:
            values[field] = parse(raw)
        except ValueError as exc:
            raise SetupError(f"{name}={raw!r}: {exc}") from exc
    return Settings(**values)


# ----------------------------------------------------------------- tracker

class Tracker:
    """The task tracker, minimal: the calls one job makes, each made under
    the configured retry policy (tracker/retry.c) and each write in
    Python's implicit transaction (tracker/statements.c)."""

    def __init__(self, settings: Settings, rng: random.Random):
        self.settings = settings
        self.rng = rng
        self.conn: sqlite3.Connection | None = None
        self.reconnect_pending = False
        # An attempt's failure outside its call's scope (the connect
        # inside open), as tracker/retry.c judges it.
        self.failed_scope: str | None = None

    # -- the retry loop

    def _call(self, op: str, attempt):
        """Run attempt() until it succeeds or the policy says stop: a
        failure is retried only if the call is in the scope OPERATIONS
        gives it (or, failing in sqlite3.connect, the 'connect' scope), its
        class is retried and attempts remain; a corrupt database reconnects
        first.
        Raises TrackerError with the last failure."""
        scope = OPERATIONS[op]
        k = 0
        while True:
            self.failed_scope = None
            try:
                if self.reconnect_pending:
                    self._disconnect()
                    self._connect()
                    self.reconnect_pending = False
                return attempt()
            except Exception as exc:  # every failure is classified
                cls = error_class(exc)
                if not self._should_retry(self.failed_scope or scope, cls, k):
                    raise TrackerError(op, exc, k + 1) from exc
                if cls == "corrupt":
                    self.reconnect_pending = True
                time.sleep(self._backoff_seconds(k))
                k += 1

    def _should_retry(self, scope: str | None, cls: str,
                      attempt: int) -> bool:
        """Is a failure of class `cls` on attempt `attempt` (0-based) of a
        call in `scope` to be tried again?"""
        s = self.settings
        return (scope in s.scope and cls in s.retry
                and attempt + 1 < s.attempts)

    def _backoff_seconds(self, attempt: int) -> float:
        """The pause after attempt k: (base * 2^k + U(0, jitter)) scaled."""
        s = self.settings
        pause = s.backoff * 2.0 ** attempt + s.jitter * self.rng.random()
        return pause * s.time_scale

    # -- the connection

    def _connect(self) -> None:
        """Open the connection if needed (and the database's directory, as
        upstream does), then pragmas and schema; every step is idempotent,
        so a retried open starts again from the top. sqlite3.connect reads
        the database header already; upstream calls it outside its retry
        loops, so its failure is judged under the 'connect' scope."""
        if self.conn is None:
            os.makedirs(os.path.dirname(self.settings.db) or ".",
                        exist_ok=True)
            try:
                self.conn = sqlite3.connect(
                    self.settings.db,
                    timeout=self.settings.busy_timeout_ms / 1000.0)
            except sqlite3.Error:
                self.failed_scope = "connect"
                raise
        self._apply_pragmas()
        self._ensure_schema()

    def _disconnect(self) -> None:
        """Drop the connection (before a reconnect, or at close)."""
        if self.conn is not None:
            conn, self.conn = self.conn, None
            conn.close()

    def _exec(self, sql: str) -> list:
        """Run one statement to completion, as sqlite3_exec does."""
        return self.conn.execute(sql).fetchall()

    def _apply_pragmas(self) -> None:
        """busy_timeout, the optional checkpoint, journal_mode, synchronous:
        upstream's order."""
        s = self.settings
        self._exec(f"PRAGMA busy_timeout={s.busy_timeout_ms}")
        if s.checkpoint:
            self._exec("PRAGMA wal_checkpoint(TRUNCATE)")
        self._exec(f"PRAGMA journal_mode={s.journal}")
        self._exec(f"PRAGMA synchronous={s.sync}")

    def _ensure_schema(self) -> None:
        """Create what is missing and add the later columns to an older
        table. DDL opens no implicit transaction: each commits alone."""
        self._exec(CREATE_TASKS_SQL)
        self._exec(CREATE_INDEX_SQL)
        self._exec(CREATE_MONITOR_SQL)
        present = {row[1] for row in self._exec("PRAGMA table_info(cmor_tasks)")}
        for column in LATER_COLUMNS:
            if column not in present:
                self._exec(f"ALTER TABLE cmor_tasks ADD COLUMN {column} TEXT")

    # -- statement shapes

    def _write_attempt(self, sql: str, params: tuple) -> None:
        """One write as Python's sqlite3 makes it: implicit deferred BEGIN,
        the statement, COMMIT; on failure ROLLBACK, whose own error is
        ignored so the first failure is the one reported (as in C)."""
        try:
            self.conn.execute(sql, params)
            self.conn.commit()
        except Exception:
            try:
                self.conn.rollback()
            except sqlite3.Error:
                pass  # report the first failure, as tracker/ does
            raise

    def _write(self, op: str, sql: str, params: tuple) -> None:
        """A data-changing call, retried under the 'writes' scope."""
        self._call(op, lambda: self._write_attempt(sql, params))

    # -- the calls

    def open(self) -> None:
        """Open the database with the configured pragmas and schema."""
        self._call("open", self._connect)

    def close(self) -> None:
        """Close the connection; idempotent."""
        self._disconnect()

    def get_status(self, variable: str, experiment: str) -> str | None:
        """The task's status, None when there is no such task."""
        def attempt():
            row = self.conn.execute(GET_STATUS_SQL,
                                    (variable, experiment)).fetchone()
            return row[0] if row else None
        return self._call("get_status", attempt)

    def is_done(self, variable: str, experiment: str) -> bool:
        """Is the task completed? (A get_status call, as upstream.)"""
        return self.get_status(variable, experiment) == "completed"

    def mark_running(self, variable: str, experiment: str) -> None:
        """Status running, start time now, end time and results cleared."""
        self._write("mark_running", MARK_RUNNING_SQL, (variable, experiment))

    def mark_completed(self, variable: str, experiment: str) -> None:
        """Status completed, end time now, error cleared."""
        self._write("mark_completed", MARK_COMPLETED_SQL,
                    (variable, experiment))

    def mark_failed(self, variable: str, experiment: str,
                    message: str) -> None:
        """Status failed, end time now, the error message stored."""
        self._write("mark_failed", MARK_FAILED_SQL,
                    (variable, experiment, message))

    def enqueue_monitor_request(self, variable: str, experiment: str) -> None:
        """Ask the monitor to look at this task (once: insert or ignore)."""
        self._write("enqueue_monitor_request", ENQUEUE_MONITOR_REQUEST_SQL,
                    (variable, experiment))


# ------------------------------------------------------------------ the job

def load_fault_model(path: str) -> None:
    """Load faultfs.so through a throwaway connection; it makes 'faultfs'
    the default VFS (configured from FAULTFS_CONFIG) for the rest of the
    process. A job that cannot load it must not run unfaulted."""
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        raise SetupError(
            f"TRACKHAMMER_FAULTFS_EXT={path!r}: this Python's sqlite3 cannot "
            f"load extensions ({sys.executable}); use one that can, e.g. "
            f"Debian's /usr/bin/python3")
    loader = sqlite3.connect(":memory:")
    try:
        loader.enable_load_extension(True)
        loader.load_extension(path)
    except sqlite3.Error as exc:
        raise SetupError(f"TRACKHAMMER_FAULTFS_EXT={path!r}: cannot load the "
                         f"fault model: {exc}") from exc
    finally:
        loader.close()


class Outcome:
    """The outcome record: each line one write() on an O_APPEND descriptor,
    so a crash leaves whole lines only."""

    def __init__(self, path: str):
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                              | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise SetupError(f"TRACKHAMMER_OUTCOME={path!r}: {exc}") from exc

    def line(self, text: str) -> None:
        """Append one line; newlines inside `text` become spaces."""
        flat = " ".join(text.splitlines())
        os.write(self.fd, (flat + "\n").encode("utf-8", "backslashreplace"))

    def close(self) -> None:
        """Release the descriptor."""
        os.close(self.fd)


# The calls whose success is recorded as `ack OP` (acknowledged writes).
WRITE_OPS = frozenset(op for op, scope in OPERATIONS.items()
                      if scope == "writes")


class Job:
    """One job's life (the upstream worker script), every tracker call
    recorded: begin before it, then ack (a write) or fail."""

    def __init__(self, settings: Settings, outcome: Outcome, tracker=None):
        self.settings = settings
        self.outcome = outcome
        # Another tracker with the same calls may stand in (the upstream
        # workload's, harness/workloads/upstream_tracker.py).
        self.tracker = tracker or Tracker(settings,
                                          random.Random(settings.seed))

    def call(self, op: str, method, *args):
        """Call method(*args), recorded as tracker call `op`; TrackerError
        propagates after its fail line is written."""
        self.outcome.line(f"begin {op}")
        try:
            result = method(*args)
        except TrackerError as err:
            self.outcome.line(f"fail {op} {err.code} {err.name} "
                              f"{err.attempts} {err.message}")
            raise
        if op in WRITE_OPS:
            self.outcome.line(f"ack {op}")
        return result

    def run(self) -> str:
        """The whole life; returns the status: ok, skipped or failed."""
        try:
            self.call("open", self.tracker.open)
        except TrackerError:
            return "failed"
        try:
            return self._work()
        finally:
            self.call("close", self.tracker.close)

    def _work(self) -> str:
        """is_done? -> mark_running -> work -> mark_completed; a failure
        is reported to the tracker as upstream's worker reports it."""
        s = self.settings
        task = (s.variable, s.experiment)
        try:
            # is_done is recorded as the get_status call it makes.
            if self.call("get_status", self.tracker.is_done, *task):
                return "skipped"
            self.call("mark_running", self.tracker.mark_running, *task)
            time.sleep(s.work_seconds * s.time_scale)
            self.call("mark_completed", self.tracker.mark_completed, *task)
            return "ok"
        except TrackerError as err:
            self._report_failure(f"Error processing {s.variable}: "
                                 f"{err.message}")
            return "failed"

    def _report_failure(self, message: str) -> None:
        """Best effort, as upstream: mark_failed, then ask the monitor to
        look; their own failures are recorded and otherwise ignored."""
        s = self.settings
        print(f"python_job: {message}", file=sys.stderr)
        t = self.tracker
        for op, args in (("mark_failed", (message,)),
                         ("enqueue_monitor_request", ())):
            method = getattr(t, op, None)
            if method is None:
                continue  # a tracker without the call (an upstream version)
            try:
                self.call(op, method, s.variable, s.experiment, *args)
            except TrackerError:
                pass  # already recorded as a fail line


def main(argv: list[str]) -> int:
    """Parse the environment, load the fault model if asked, run the job,
    write the status line; the exit status of the contract."""
    if argv[1:] in (["--help"], ["-h"]):
        sys.stdout.write(help_text())
        return 0
    try:
        if argv[1:]:
            raise SetupError(f"unexpected argument {argv[1]!r} (see --help)")
        if sys.version_info < (3, 11):
            raise SetupError("needs Python 3.11 or newer "
                             "(sqlite3.Error.sqlite_errorcode)")
        settings = read_settings(os.environ)
        if settings.faultfs_ext is not None:
            load_fault_model(settings.faultfs_ext)
        outcome = Outcome(settings.outcome)
    except SetupError as err:
        print(f"python_job: {err}", file=sys.stderr)
        return 2
    try:
        status = Job(settings, outcome).run()
        outcome.line(f"status {status}")
    finally:
        outcome.close()
    return 1 if status == "failed" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
