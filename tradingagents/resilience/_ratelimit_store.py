"""The rate limiter's SQLite store: booked window slots and daily counts, shared by processes."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from tradingagents import sqlite_files
from tradingagents.sqlite_files import open_healing

logger = logging.getLogger(__name__)

DAY_US = 86_400_000_000
# Opening waits this long at most for another process's lock (SQLite's default is 5 s).
OPEN_TIMEOUT_S = 2.0
# A slot booked more than this after "now" was booked before the wall clock stepped back.
CLOCK_STEP_TOLERANCE_US = 1_000_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS window_slots (
    provider TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    booked_us INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS window_slots_by_time ON window_slots (provider, at_us);
CREATE TABLE IF NOT EXISTS daily_used (
    provider TEXT NOT NULL,
    day INTEGER NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (provider, day)
);
"""


class Transaction:
    """One provider's rows inside a write transaction; times are UTC epoch microseconds."""

    def __init__(self, conn: sqlite3.Connection, provider: str) -> None:
        self._conn = conn
        self._provider = provider

    def forget(self, *, ended_by_us: int, now_us: int) -> None:
        """Drop slots that no longer constrain anything, old daily counts, and slots booked
        in the future (the wall clock stepped back since: they would block for the step)."""
        self._conn.execute(
            "DELETE FROM window_slots WHERE provider = ? AND (at_us <= ? OR booked_us > ?)",
            (self._provider, ended_by_us, now_us + CLOCK_STEP_TOLERANCE_US),
        )
        self._conn.execute(
            "DELETE FROM daily_used WHERE provider = ? AND day < ?",
            (self._provider, now_us // DAY_US - 1),
        )

    def nth_newest_slot(self, n: int) -> int | None:
        """The ``n``-th newest booked slot (1 = the newest), or None if fewer are booked."""
        row = self._conn.execute(
            "SELECT at_us FROM window_slots WHERE provider = ? "
            "ORDER BY at_us DESC LIMIT 1 OFFSET ?",
            (self._provider, n - 1),
        ).fetchone()
        return int(row[0]) if row is not None else None

    def book(self, at_us: int, now_us: int) -> None:
        self._conn.execute(
            "INSERT INTO window_slots (provider, at_us, booked_us) VALUES (?, ?, ?)",
            (self._provider, at_us, now_us),
        )

    def used(self, day: int) -> int:
        return _used(self._conn, self._provider, day)

    def spend(self, day: int) -> None:
        self._conn.execute(
            "INSERT INTO daily_used (provider, day, used) VALUES (?, ?, 1) "
            "ON CONFLICT (provider, day) DO UPDATE SET used = used + 1",
            (self._provider, day),
        )


class LimitStore:
    """A connection to ``path`` (in memory when None) for one provider.

    Not thread-safe: the limiter that owns it serialises its threads. A file that cannot be
    used at all when opened degrades as the cache and breakers do: a corrupt one is moved
    aside and recreated, anything else (locked, read-only, no such directory) falls back to
    memory with a warning, so a broken state file never stops a run.
    """

    def __init__(self, path: Path | None, provider: str, *, stamp: str) -> None:
        self.provider = provider
        self._conn = self._open(path, stamp)
        _adopt_legacy_counts(self._conn, provider)

    @contextlib.contextmanager
    def transaction(self, busy_timeout_ms: int) -> Iterator[Transaction]:
        """``BEGIN IMMEDIATE`` (SQLite's write lock, so processes take turns), waiting at
        most ``busy_timeout_ms`` for it; committed unless the block raises."""
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {max(1, int(busy_timeout_ms))}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(conn, self.provider)
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        conn.commit()

    def used(self, day: int) -> int:
        return _used(self._conn, self.provider, day)

    def close(self) -> None:
        self._conn.close()

    def _open(self, path: Path | None, stamp: str) -> sqlite3.Connection:
        if path is None:
            return _connect(":memory:")
        opened = open_healing(path, _connect, what="rate limit state", logger=logger, when=stamp)
        if opened.conn is None:
            return self._fall_back(path, opened.failure)
        return opened.conn

    def _fall_back(self, path: Path, exc: BaseException | None) -> sqlite3.Connection:
        logger.warning(
            "rate limit state %s unusable (%s): %s limits are kept in memory for this run, "
            "not shared with other processes",
            path,
            exc,
            self.provider,
        )
        return _connect(":memory:")


def _connect(target: str | Path) -> sqlite3.Connection:
    # WAL (sqlite_files.connect) lets used_today() read while another process books; the
    # write probe makes a read-only file fail here, not on every acquire.
    return sqlite_files.connect(
        target, timeout_s=OPEN_TIMEOUT_S, setup=_setup, probe="DELETE FROM daily_used WHERE 0"
    )


def _setup(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        # NORMAL skips the fsync per commit (a power cut may forget the last bookings, a
        # crash does not).
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(_SCHEMA)


def _adopt_legacy_counts(conn: sqlite3.Connection, provider: str) -> None:
    """Carry over the counts of the pyrate-limiter tables (``daily_<provider>``, epoch ms)
    that earlier versions wrote, so an upgrade in mid-day does not hand out a fresh quota."""
    table = f"daily_{provider}"  # the provider name is checked to be [A-Za-z0-9_]+
    with contextlib.suppress(sqlite3.Error):
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone():
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT INTO daily_used (provider, day, used) "
                    f'SELECT ?, item_timestamp / 86400000, COUNT(*) FROM "{table}" '
                    "WHERE true GROUP BY item_timestamp / 86400000 "
                    "ON CONFLICT (provider, day) DO UPDATE SET used = MAX(used, excluded.used)",
                    (provider,),
                )
                conn.execute(f'DROP TABLE "{table}"')
            except BaseException:
                conn.rollback()
                raise
            conn.commit()


def _used(conn: sqlite3.Connection, provider: str, day: int) -> int:
    row = conn.execute(
        "SELECT used FROM daily_used WHERE provider = ? AND day = ?", (provider, day)
    ).fetchone()
    return int(row[0]) if row is not None else 0
