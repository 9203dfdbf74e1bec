"""Per-scanner circuit breakers persisted in SQLite: admit before each run, record after it."""

# Why this is written by hand rather than on pybreaker (1.4): pybreaker reads
# ``datetime.now(UTC)`` itself, in ``CircuitBreaker.open()`` and in the open state's timeout check,
# so an injected clock could only be honoured by patching its module's ``datetime`` (process-wide,
# every breaker and thread at once) or by overriding its private ``_create_new_state``. Its
# open -> half-open move also happens inside ``call()`` of the guarded call, while the engine
# must decide before dispatch and record after the fact (it may abandon a hung scanner thread),
# so the timeout check would be re-implemented here anyway; its storage interface writes field
# by field (state, counter, opened_at), so one transition is several writes that another process
# could interleave, and it has no place for the last error; and its half-open state lets every
# call through, not one trial. What is left is the three-state table below, one SQLite
# transaction per decision; no maintained library offers that with an injectable clock.

from __future__ import annotations

import math
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.closing import Closing
from tradingagents.errors import TradingAgentsError
from tradingagents.paths import state_dir

BreakerState = Literal["closed", "open", "half_open"]
STATES: tuple[BreakerState, ...] = ("closed", "open", "half_open")

DB_FILENAME = "breakers.sqlite"

# How a scanner run's status counts: 'skipped' and 'circuit_open' say nothing about the
# scanner's health (it did not run), so they leave the breaker as it is.
SUCCESS_STATUSES = frozenset({"ok"})
FAILURE_STATUSES = frozenset({"error", "timeout"})
NEUTRAL_STATUSES = frozenset({"skipped", "circuit_open"})

_SCHEMA_VERSION = 1
# Another process may hold the write lock for one short transaction; wait a little rather than
# fail, but not long: discovery fails open when the store is unavailable (graph/nodes.py).
_BUSY_TIMEOUT_S = 1.0
# The last error is shown in skip reasons and tables, so keep it to a readable length.
_MAX_ERROR_CHARS = 300

_SCHEMA = """
CREATE TABLE IF NOT EXISTS breakers (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    failures INTEGER NOT NULL,
    opened_at TEXT,
    retry_after TEXT,
    trial_started_at TEXT,
    last_error TEXT
)
"""
_COLUMNS = "name, state, failures, opened_at, retry_after, trial_started_at, last_error"


class BreakerStoreError(TradingAgentsError):
    """The breaker state file cannot be opened, read or written (corrupt, unreadable, locked)."""


@dataclass(frozen=True)
class BreakerPolicy:
    """When a breaker opens (consecutive failed runs) and how long it stays open."""

    failure_threshold: int = 3
    reset_timeout_s: float = 3600.0

    def __post_init__(self) -> None:
        threshold = self.failure_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ValueError(f"failure_threshold must be an integer >= 1, got {threshold!r}")
        timeout = self.reset_timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise ValueError(f"reset_timeout_s must be a number, got {timeout!r}")
        if not math.isfinite(timeout) or timeout < 0:
            raise ValueError(f"reset_timeout_s must be finite and >= 0, got {timeout!r}")


@dataclass(frozen=True)
class BreakerStatus:
    """One scanner's breaker as persisted; ``retry_after`` is set only while it is open."""

    name: str
    state: BreakerState
    consecutive_failures: int
    opened_at: datetime | None
    retry_after: datetime | None
    last_error: str | None


@dataclass
class _Row:
    name: str
    state: BreakerState = "closed"
    failures: int = 0
    opened_at: datetime | None = None
    # Persisted when the breaker opens, so that show/reset (which know no policy) and later
    # runs all see the retry time that the skip reason promised.
    retry_after: datetime | None = None
    # When the current half-open trial was admitted: a second admit within the reset timeout
    # is refused (one trial at a time), a later one assumes the trial's process died.
    trial_started_at: datetime | None = None
    last_error: str | None = None

    def status(self) -> BreakerStatus:
        return BreakerStatus(
            name=self.name,
            state=self.state,
            consecutive_failures=self.failures,
            opened_at=self.opened_at,
            retry_after=self.retry_after if self.state == "open" else None,
            last_error=self.last_error,
        )


@dataclass
class _Txn:
    conn: sqlite3.Connection
    transitions: list[tuple[str, str, str]] = field(default_factory=list)

    def note(self, name: str, old: str, new: str) -> None:
        if old != new:
            self.transitions.append((name, old, new))


def format_time(moment: datetime) -> str:
    """``2026-11-20T15:00:00Z``: how breaker times are shown in reasons and tables."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_db_path(configured: str | os.PathLike[str] | None = None) -> Path:
    """The breaker state file in the state directory (:func:`tradingagents.paths.state_dir`)."""
    return state_dir(configured) / DB_FILENAME


class BreakerBoard(Closing):
    """The circuit breakers of all scanners, persisted in one SQLite file.

    Per run, the engine asks :meth:`admit` before dispatching a scanner and tells
    :meth:`record` its outcome afterwards; nothing wraps the scan call itself. Each decision is
    one ``BEGIN IMMEDIATE`` transaction, so threads sharing a board and processes sharing the
    file never lose a count. Times come from ``clock`` (tests pass a ``FakeClock``).
    """

    def __init__(self, path: Path, policy: BreakerPolicy, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.path = Path(path)
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._transitions: dict[str, list[tuple[str, str]]] = {}
        self._conn: sqlite3.Connection | None = self._connect()

    # -- the state machine ---------------------------------------------------------------------

    def admit(self, name: str) -> str | None:
        """May ``name`` run now? None if so, else the reason to skip it with ``circuit_open``.

        An open breaker whose reset timeout has passed moves to half-open and admits one trial.
        """
        now = self._now()
        with self._txn() as txn:
            row = self._load(txn.conn, name)
            if row.state == "closed":
                return None
            if row.state == "open":
                if row.retry_after is not None and now < row.retry_after:
                    return _open_reason(row, row.retry_after)
                self._store(txn.conn, replace(row, state="half_open", trial_started_at=now))
                txn.note(name, "open", "half_open")
                return None
            lease = timedelta(seconds=self.policy.reset_timeout_s)
            if row.trial_started_at is not None and now < row.trial_started_at + lease:
                return (
                    f"circuit half-open: the trial run admitted at "
                    f"{format_time(row.trial_started_at)} has not reported; "
                    f"retry after {format_time(row.trial_started_at + lease)}"
                )
            self._store(txn.conn, replace(row, trial_started_at=now))
            return None

    def record(self, name: str, status: str, error: str | None = None) -> BreakerStatus:
        """Record the outcome of one run of ``name`` and return its breaker's new status.

        ``ok`` closes the breaker and clears the count; ``error`` and ``timeout`` count one
        consecutive failure (``error`` describes it), open a closed breaker at
        ``failure_threshold`` and re-open a half-open one with a fresh ``opened_at``;
        ``skipped`` and ``circuit_open`` change nothing.
        """
        if status in NEUTRAL_STATUSES:
            with self._txn() as txn:
                row = self._load(txn.conn, name)
                if row.state == "half_open" and row.trial_started_at is not None:
                    # The trial never really ran (skipped, never started): the next run may try.
                    self._store(txn.conn, replace(row, trial_started_at=None))
            return self.status(name)
        if status not in SUCCESS_STATUSES and status not in FAILURE_STATUSES:
            known = sorted(SUCCESS_STATUSES | FAILURE_STATUSES | NEUTRAL_STATUSES)
            raise ValueError(f"unknown scanner status {status!r} (known: {', '.join(known)})")
        now = self._now()
        with self._txn() as txn:
            row = self._load(txn.conn, name)
            if status in SUCCESS_STATUSES:
                new = _Row(name)
            else:
                failures = row.failures + 1
                last_error = _clip(error or status)
                if row.state == "closed" and failures < self.policy.failure_threshold:
                    new = replace(row, failures=failures, last_error=last_error)
                else:
                    new = _Row(
                        name,
                        "open",
                        failures,
                        opened_at=now,
                        retry_after=now + timedelta(seconds=self.policy.reset_timeout_s),
                        last_error=last_error,
                    )
            self._store(txn.conn, new)
            txn.note(name, row.state, new.state)
        return new.status()

    def status(self, name: str) -> BreakerStatus:
        """The breaker of ``name``; closed with no failures if it never recorded any."""
        with self._read() as conn:
            return self._load(conn, name).status()

    def all(self) -> list[BreakerStatus]:
        """Every breaker that has state in the file, sorted by name."""
        with self._read() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM breakers ORDER BY name").fetchall()
            return [self._parse(row).status() for row in rows]

    def reset(self, name: str | None = None) -> list[str]:
        """Close and forget the breaker of ``name`` (None: every breaker); the names reset."""
        with self._txn() as txn:
            # Only names and raw states are read, so that resetting also clears a row that no
            # longer parses (the way out that BreakerStoreError suggests).
            rows: list[tuple[str, str]]
            if name is None:
                rows = txn.conn.execute("SELECT name, state FROM breakers ORDER BY name").fetchall()
            else:
                select = "SELECT name, state FROM breakers WHERE name = ?"
                rows = txn.conn.execute(select, (name,)).fetchall()
            for row_name, state in rows:
                txn.conn.execute("DELETE FROM breakers WHERE name = ?", (row_name,))
                txn.note(row_name, str(state), "closed")
        return [row_name for row_name, _ in rows]

    def transitions(self) -> dict[str, list[tuple[str, str]]]:
        """State changes (from, to) per scanner made through this board since it was created."""
        with self._lock:
            return {name: list(changes) for name, changes in self._transitions.items()}

    def close(self) -> None:
        """Close the database connection; further calls raise :class:`BreakerStoreError`."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- storage -------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BreakerStoreError(
                f"cannot create the directory of the breaker state file {self.path}: {exc}"
            ) from exc
        conn: sqlite3.Connection | None = None
        try:
            # Autocommit mode: every write is an explicit BEGIN IMMEDIATE ... COMMIT below.
            conn = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                conn.execute("COMMIT")
            elif version != _SCHEMA_VERSION:
                raise BreakerStoreError(
                    f"breaker state file {self.path} has schema version {version}; this version "
                    f"of tradingagents reads version {_SCHEMA_VERSION}"
                )
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise self._error(exc) from exc
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return conn

    @contextmanager
    def _txn(self) -> Iterator[_Txn]:
        with self._lock:
            txn = _Txn(self._connection())
            try:
                txn.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield txn
                except BaseException:
                    txn.conn.execute("ROLLBACK")
                    raise
                txn.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._error(exc) from exc
            # Counted only once committed, so the metrics never show a change that was undone.
            for name, old, new in txn.transitions:
                self._transitions.setdefault(name, []).append((old, new))

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._connection()
            except sqlite3.Error as exc:
                raise self._error(exc) from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BreakerStoreError(f"the breaker board on {self.path} is closed")
        return self._conn

    def _load(self, conn: sqlite3.Connection, name: str) -> _Row:
        row = conn.execute(f"SELECT {_COLUMNS} FROM breakers WHERE name = ?", (name,)).fetchone()
        return _Row(name) if row is None else self._parse(row)

    def _parse(self, row: Sequence[object]) -> _Row:
        name, state, failures, opened_at, retry_after, trial_started_at, last_error = row
        if (
            not isinstance(name, str)
            or state not in STATES
            or not isinstance(failures, int)
            or failures < 0
            or not (last_error is None or isinstance(last_error, str))
        ):
            raise BreakerStoreError(
                f"breaker state file {self.path} holds an invalid row for {name!r}; "
                "reset that breaker or delete the file"
            )
        return _Row(
            name,
            state,
            failures,
            self._time(opened_at, name),
            self._time(retry_after, name),
            self._time(trial_started_at, name),
            last_error,
        )

    def _time(self, value: object, name: str) -> datetime | None:
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise BreakerStoreError(
                f"breaker state file {self.path} holds an invalid time {value!r} for {name!r}; "
                "reset that breaker or delete the file"
            ) from None
        return _utc(moment)

    @staticmethod
    def _store(conn: sqlite3.Connection, row: _Row) -> None:
        conn.execute(
            f"INSERT OR REPLACE INTO breakers ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row.name,
                row.state,
                row.failures,
                _stored_time(row.opened_at),
                _stored_time(row.retry_after),
                _stored_time(row.trial_started_at),
                row.last_error,
            ),
        )

    def _error(self, exc: sqlite3.Error) -> BreakerStoreError:
        message = f"cannot use the breaker state file {self.path}: {exc}"
        if not isinstance(exc, sqlite3.OperationalError | sqlite3.ProgrammingError):
            # "file is not a database", "database disk image is malformed"...
            message += " (corrupt? delete it to start again with every breaker closed)"
        return BreakerStoreError(message)

    def _now(self) -> datetime:
        return _utc(self._clock.now())


def _utc(moment: datetime) -> datetime:
    # Clocks return aware UTC times; a naive one is taken as UTC rather than local time.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _stored_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _MAX_ERROR_CHARS:
        return text
    return text[: _MAX_ERROR_CHARS - 3] + "..."


def _open_reason(row: _Row, retry_after: datetime) -> str:
    count = row.failures
    reason = (
        f"circuit open after {count} consecutive failure{'' if count == 1 else 's'}; "
        f"retry after {format_time(retry_after)}"
    )
    if row.last_error:
        reason += f"; last error: {row.last_error}"
    return reason


# -- functions for the command line -------------------------------------------------------------


def show_breakers(path: Path) -> list[BreakerStatus]:
    """Every breaker persisted in ``path``, sorted by name; [] if the file does not exist."""
    if not Path(path).exists():
        return []
    with BreakerBoard(path, BreakerPolicy()) as board:
        return board.all()


def reset_breakers(path: Path, name: str | None = None) -> list[str]:
    """Close the breaker of ``name`` (None: all) in ``path``; the names that were reset."""
    if not Path(path).exists():
        return []
    with BreakerBoard(path, BreakerPolicy()) as board:
        return board.reset(name)


def format_table(statuses: Sequence[BreakerStatus]) -> str:
    """A small fixed-width table of breakers, one per line under a header."""
    width = max([len("scanner"), *(len(s.name) for s in statuses)])
    lines = [
        f"{'scanner':<{width}}  {'state':<9}  {'failures':>8}  "
        f"{'opened at':<20}  {'retry after':<20}  last error"
    ]
    for s in statuses:
        opened = format_time(s.opened_at) if s.opened_at else "-"
        retry = format_time(s.retry_after) if s.retry_after else "-"
        lines.append(
            f"{s.name:<{width}}  {s.state:<9}  {s.consecutive_failures:>8}  "
            f"{opened:<20}  {retry:<20}  {s.last_error or '-'}"
        )
    return "\n".join(lines)
