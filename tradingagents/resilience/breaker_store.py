"""The SQLite file behind the circuit breakers: one row per scanner, one transaction per change."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from tradingagents import sqlite_files
from tradingagents.errors import TradingAgentsError

logger = logging.getLogger("tradingagents.resilience")

BreakerState = Literal["closed", "open", "half_open"]
STATES: tuple[BreakerState, ...] = ("closed", "open", "half_open")
DB_FILENAME = "breakers.sqlite"

_SCHEMA_VERSION = 1
# Another process may hold the write lock for one short transaction; wait a little rather than
# fail, but not long: discovery fails open when the store is unavailable (graph/nodes.py).
_BUSY_TIMEOUT_S = 1.0

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
class BreakerStatus:
    """One scanner's breaker as persisted; ``retry_after`` is set only while it is open."""

    name: str
    state: BreakerState
    consecutive_failures: int
    opened_at: datetime | None
    retry_after: datetime | None
    last_error: str | None


@dataclass
class BreakerRow:
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
class Txn:
    conn: sqlite3.Connection
    transitions: list[tuple[str, str, str]] = field(default_factory=list)

    def note(self, name: str, old: str, new: str) -> None:
        if old != new:
            self.transitions.append((name, old, new))


class BreakerStore:
    """The breaker rows of one file, read and written under a lock, each change one
    ``BEGIN IMMEDIATE`` transaction so that processes sharing the file never lose a count.

    With ``heal`` (what runs use), opening never raises: a corrupt file (checked whole: it is
    small) is moved aside and recreated, and a file that cannot be used (locked past the busy
    timeout, read-only, a newer schema) leaves the store :meth:`unavailable`, tried again by
    the next call of that method; a row that does not parse is deleted (that breaker starts
    closed). Each of these is a warning, kept for :meth:`take_warnings`.
    """

    def __init__(
        self, path: Path, *, busy_timeout_s: float = _BUSY_TIMEOUT_S, heal: bool = False
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.heal = heal
        self._lock = threading.Lock()
        self._transitions: dict[str, list[tuple[str, str]]] = {}
        self._warnings: list[str] = []
        self._closed = False
        self._reason: str | None = None
        self._retry = False
        self._conn: sqlite3.Connection | None = self._open_healing() if heal else self._connect()

    def transitions(self) -> dict[str, list[tuple[str, str]]]:
        """State changes (from, to) per scanner committed through this store."""
        with self._lock:
            return {name: list(changes) for name, changes in self._transitions.items()}

    def unavailable(self) -> str | None:
        """Why the file cannot be used (every scanner is admitted, nothing persisted), or None;
        a store that could not be opened is tried again first."""
        with self._lock:
            if self._conn is None and not self._closed and self.heal and self._retry:
                self._conn = self._open_healing()
            return self._reason if self._conn is None and not self._closed else None

    def take_warnings(self) -> list[str]:
        """What was healed or went wrong since the last call (each said once)."""
        with self._lock:
            taken, self._warnings = self._warnings, []
            # A failure reported once (a run's warnings) is worth another try next time;
            # one not reported yet is the current one.
            self._retry = True
            return taken

    def close(self) -> None:
        with self._lock:
            conn, self._conn, self._closed = self._conn, None, True
        if conn is not None:
            conn.close()

    def _open_healing(self) -> sqlite3.Connection | None:
        # The caller holds the lock, or is the constructor.
        self._retry = False
        opened = sqlite_files.open_healing(
            self.path, self._open_checked, what="breaker state file", logger=logger
        )
        if opened.healed is not None:
            self._warnings.append(opened.healed + "; every breaker starts closed")
        if opened.conn is None:
            self._reason = (
                f"breaker state file {self.path} unusable ({opened.failure}): breakers fail "
                "open, every scanner runs and no outcome is recorded"
            )
            logger.warning(self._reason)
            self._warnings.append(self._reason)
        else:
            self._reason = None
        return opened.conn

    def _open_checked(self, path: Path) -> sqlite3.Connection:
        conn = sqlite_files.connect(
            path,
            timeout_s=self.busy_timeout_s,
            setup=self._setup,
            probe="DELETE FROM breakers WHERE 0",
        )
        try:
            sqlite_files.check_integrity(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _setup(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            conn.execute("COMMIT")
        elif version != _SCHEMA_VERSION:
            # An OperationalError, so that the file counts as unusable, not corrupt: a newer
            # version of tradingagents still needs it.
            raise sqlite3.OperationalError(
                f"schema version {version}; this version of tradingagents reads version "
                f"{_SCHEMA_VERSION}"
            )

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
                self.path,
                timeout=self.busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            self._setup(conn)
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
    def txn(self) -> Iterator[Txn]:
        with self._lock:
            txn = Txn(self._connection())
            try:
                txn.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield txn
                except BaseException:
                    txn.conn.execute("ROLLBACK")
                    raise
                txn.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc
            # Counted only once committed, so the metrics never show a change that was undone.
            for name, old, new in txn.transitions:
                self._transitions.setdefault(name, []).append((old, new))

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._connection()
            except sqlite3.Error as exc:
                raise self._failed(exc) from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            if self._reason is not None and not self._closed:
                raise BreakerStoreError(self._reason)
            raise BreakerStoreError(f"the breaker board on {self.path} is closed")
        return self._conn

    def _failed(self, exc: sqlite3.Error) -> BreakerStoreError:
        # The caller holds the lock. A file found corrupt in use is let go: the next
        # unavailable() opens it again, finds it corrupt and moves it aside.
        error = self._error(exc)
        if self.heal and sqlite_files.is_corrupt(exc) and self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            self._reason, self._retry = str(error), True
        return error

    def all(self, conn: sqlite3.Connection) -> list[BreakerRow]:
        """Every row in the file, sorted by name."""
        rows = conn.execute(f"SELECT {_COLUMNS} FROM breakers ORDER BY name").fetchall()
        return [self.parse(row) for row in rows]

    def load(self, conn: sqlite3.Connection, name: str) -> BreakerRow:
        row = conn.execute(f"SELECT {_COLUMNS} FROM breakers WHERE name = ?", (name,)).fetchone()
        if row is None:
            return BreakerRow(name)
        try:
            return self.parse(row)
        except BreakerStoreError:
            if not self.heal:
                raise
        conn.execute("DELETE FROM breakers WHERE name = ?", (name,))
        message = (
            f"breaker state file {self.path} held an invalid row for {name!r}: dropped, "
            "that breaker starts closed"
        )
        logger.warning(message)
        self._warnings.append(message)
        return BreakerRow(name)

    def parse(self, row: Sequence[object]) -> BreakerRow:
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
        return BreakerRow(
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
        return utc(moment)

    @staticmethod
    def store(conn: sqlite3.Connection, row: BreakerRow) -> None:
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


def utc(moment: datetime) -> datetime:
    # Clocks return aware UTC times; a naive one is taken as UTC rather than local time.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _stored_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
