"""Run history: per-scanner status and latency of each discovery run, in a local SQLite file.

The file lives in the state directory next to the breakers (``history.sqlite``). Writing the
history is best effort: a failure is logged as a warning and never breaks a run.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import statistics
from collections.abc import Mapping
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
    """Append-only per-scanner run records; opened lazily, WAL journal.

    Recording heals the file: a corrupt one is moved aside (``history.sqlite.corrupt-<time>``)
    with a warning and recreated; one that cannot be written (locked past
    :data:`OPEN_TIMEOUT_S`, read-only, a read-only or full directory) costs this run's rows,
    with a warning. Reading leaves a broken file as it is and raises ``sqlite3.Error``.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_history_path()
        self._conn: sqlite3.Connection | None = None

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if not create:
            if not self.path.exists():
                return None
            self._conn = sqlite_files.connect(
                self.path, timeout_s=OPEN_TIMEOUT_S, setup=_setup, probe=None
            )
            return self._conn
        opened = sqlite_files.open_healing(
            self.path, _open_for_writing, what="run history", logger=logger
        )
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
                    self.path, exc, _open_for_writing, what="run history", logger=logger
                )
                if opened.conn is None:
                    raise opened.failure or exc from exc
                self._conn = opened.conn
                self._insert(rows)
        except (sqlite3.Error, OSError) as exc:
            logger.warning("cannot record the run history in %s: %s", self.path, exc)
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

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _setup(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(scanner_runs)")}
    if "run_id" not in columns:  # a history written before runs had ids
        conn.execute("ALTER TABLE scanner_runs ADD COLUMN run_id TEXT")


def _open_for_writing(path: Path) -> sqlite3.Connection:
    return sqlite_files.connect(
        path, timeout_s=OPEN_TIMEOUT_S, setup=_setup, probe="DELETE FROM scanner_runs WHERE 0"
    )
