"""Run history: each scanner's status and duration per discovery run, in the state directory."""

# The file lives next to the breakers (``history.sqlite``). The discovery graph records every
# run in it and reads it back to start the slowest scanners first; writing is best effort:
# a failure is a warning and never breaks a run. Below the engine, graph and CLI in the layers,
# so that all three may use it.

from __future__ import annotations

import logging
import os
import sqlite3
import statistics
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradingagents import sqlite_files
from tradingagents.closing import Closing
from tradingagents.paths import state_dir

logger = logging.getLogger(__name__)

HISTORY_FILENAME = "history.sqlite"
DEFAULT_WINDOW = 20
# A run's rows are written once at its end: another process's write lock is waited for this
# long at most (the run's results are already out).
OPEN_TIMEOUT_S = 2.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scanner_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_at TEXT NOT NULL,
    run_id TEXT,
    trade_date TEXT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    duration_s REAL,
    candidates INTEGER
);
CREATE INDEX IF NOT EXISTS scanner_runs_name ON scanner_runs (name, id);
"""


def default_history_path(configured: str | os.PathLike[str] | None = None) -> Path:
    """The run history file in the state directory (:func:`tradingagents.paths.state_dir`)."""
    return state_dir(configured) / HISTORY_FILENAME


@dataclass(frozen=True)
class HistoryRow:
    """One scanner's outcome in one run."""

    run_at: str
    trade_date: str | None
    name: str
    status: str
    duration_s: float | None
    candidates: int | None
    #: The run's id (None in rows written before runs had ids).
    run_id: str | None = None


class RunHistory(Closing):
    """Append-only per-scanner run records; opened lazily, WAL journal; one lock, so one
    instance may be shared by threads (runs of one graph).

    Recording heals the file: a corrupt one is moved aside (``history.sqlite.corrupt-<time>``)
    with a warning and recreated; one that cannot be written (locked past
    :data:`OPEN_TIMEOUT_S`, read-only, a read-only or full directory) costs this run's rows,
    with a warning. Reading leaves a broken file as it is and raises ``sqlite3.Error``.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, timeout_s: float | None = None
    ) -> None:
        self.path = Path(path) if path is not None else default_history_path()
        #: How long a locked file is waited for (default :data:`OPEN_TIMEOUT_S`).
        self.timeout_s = OPEN_TIMEOUT_S if timeout_s is None else timeout_s
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._warnings: list[str] = []

    def _open_for_writing(self, path: Path) -> sqlite3.Connection:
        return sqlite_files.connect(
            path, timeout_s=self.timeout_s, setup=_setup, probe="DELETE FROM scanner_runs WHERE 0"
        )

    def take_warnings(self) -> list[str]:
        """What went wrong recording since the last call (a file healed, rows not written)."""
        with self._lock:
            taken, self._warnings = self._warnings, []
        return taken

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if not create:
            if not self.path.exists():
                return None
            self._conn = sqlite_files.connect(
                self.path, timeout_s=self.timeout_s, setup=_setup, probe=None
            )
            return self._conn
        opened = sqlite_files.open_healing(
            self.path, self._open_for_writing, what="run history", logger=logger
        )
        if opened.healed is not None:
            self._warnings.append(opened.healed)
        if opened.conn is None:
            raise opened.failure or sqlite3.OperationalError("unusable")
        self._conn = opened.conn
        return self._conn

    def record(self, state: Mapping[str, Any], *, run_at: datetime | None = None) -> int:
        """Insert one row per ``scanner_runs`` entry of ``state``; returns the rows written.

        Never raises: a failure to write is logged as a warning and 0 is returned.
        """
        when = (run_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        trade_date = state.get("trade_date")
        run_id = state.get("run_id")
        rows = []
        for run in state.get("scanner_runs") or []:
            duration = run.get("duration_s")
            count = run.get("candidates")
            rows.append(
                (
                    when,
                    None if run_id is None else str(run_id),
                    None if trade_date is None else str(trade_date),
                    str(run.get("name", "")),
                    str(run.get("status", "")),
                    None if duration is None else float(duration),
                    None if count is None else int(count),
                )
            )
        if not rows:
            return 0
        with self._lock:
            return self._record(rows)

    def _record(self, rows: list[tuple[Any, ...]]) -> int:
        try:
            try:
                self._insert(rows)
            except sqlite3.DatabaseError as exc:
                if not sqlite_files.is_corrupt(exc):
                    raise
                # Found corrupt past the first page (a truncated file opens): moved aside,
                # and the rows go to a new file.
                self.close()
                opened = sqlite_files.heal(
                    self.path, exc, self._open_for_writing, what="run history", logger=logger
                )
                if opened.healed is not None:
                    self._warnings.append(opened.healed)
                if opened.conn is None:
                    raise opened.failure or exc from exc
                self._conn = opened.conn
                self._insert(rows)
        except (sqlite3.Error, OSError) as exc:
            logger.warning("cannot record the run history in %s: %s", self.path, exc)
            self._warnings.append(f"run history not updated: {exc}")
            return 0
        return len(rows)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        conn = self._connect(create=True)
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO scanner_runs"
                " (run_at, run_id, trade_date, name, status, duration_s, candidates)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def recent(self, name: str, last: int = DEFAULT_WINDOW) -> list[HistoryRow]:
        """The last ``last`` records of scanner ``name``, newest first."""
        with self._lock:
            conn = self._connect(create=False)
            if conn is None:
                return []
            cursor = conn.execute(
                "SELECT run_at, trade_date, name, status, duration_s, candidates, run_id"
                " FROM scanner_runs WHERE name = ? ORDER BY id DESC LIMIT ?",
                (name, last),
            )
            return [HistoryRow(*row) for row in cursor.fetchall()]

    def median_latency(self, name: str, last: int = DEFAULT_WINDOW) -> float | None:
        """Median ``duration_s`` over the last ``last`` runs of ``name`` that have one."""
        durations = [r.duration_s for r in self.recent(name, last) if r.duration_s is not None]
        return statistics.median(durations) if durations else None

    def expected_durations(
        self, timeouts: Mapping[str, float], last: int = DEFAULT_WINDOW
    ) -> dict[str, float]:
        """Each named scanner's expected duration: the median of its last ``last`` runs that
        ran (see :func:`expected_duration`); a scanner without one is left out (unknown).
        ``timeouts`` maps each scanner to its current timeout. Raises ``sqlite3.Error``."""
        expected = {}
        for name, timeout_s in timeouts.items():
            value = expected_duration(self._ran(name, last), timeout_s)
            if value is not None:
                expected[name] = value
        return expected

    def _ran(self, name: str, last: int) -> list[tuple[str, float]]:
        with self._lock:
            conn = self._connect(create=False)
            if conn is None:
                return []
            # A run without a duration (skipped, circuit open, never started) or cancelled
            # (cut short) says nothing about how long the scanner takes.
            cursor = conn.execute(
                "SELECT status, duration_s FROM scanner_runs WHERE name = ?"
                " AND duration_s IS NOT NULL AND status != 'cancelled'"
                " ORDER BY id DESC LIMIT ?",
                (name, last),
            )
            return [(str(status), float(duration)) for status, duration in cursor.fetchall()]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def expected_duration(runs: Iterable[tuple[str, float]], timeout_s: float) -> float | None:
    """The median of ``runs`` ((status, duration) pairs), a timeout counting as ``timeout_s``
    (the scanner's timeout now: it would have run at least that long); None without runs."""
    durations = [timeout_s if status == "timeout" else duration for status, duration in runs]
    return statistics.median(durations) if durations else None


def _setup(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(scanner_runs)")}
    if "run_id" not in columns:  # a history written before runs had ids
        conn.execute("ALTER TABLE scanner_runs ADD COLUMN run_id TEXT")
