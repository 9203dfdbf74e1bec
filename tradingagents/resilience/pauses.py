"""Provider-wide pauses: a "not before" time per provider, set by Retry-After, for every process."""

# A provider that answers 429 or 503 with Retry-After has asked the *user* to wait, not one
# request: every scanner, thread and process using the same state directory must hold its
# calls until then. The instant is stored as wall-clock UTC microseconds (the only time base
# processes share) in ``state_dir/pauses.sqlite``, a file of its own so that the rate limiter's
# store keeps one job. Each process also keeps the pauses it saw in memory, so a state file
# that cannot be used (locked, read-only, corrupt) only loses the sharing, never the pause.

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tradingagents import sqlite_files
from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.closing import Closing
from tradingagents.errors import ProviderRateLimited

logger = logging.getLogger("tradingagents.resilience")

DB_FILENAME = "pauses.sqlite"
# The longest pause honoured (parse_retry_after caps Retry-After the same way). A stored pause
# further ahead than this (and a second) was set before the wall clock stepped back: ignored.
MAX_PAUSE_S = 600.0
_TOLERANCE_US = 1_000_000
OPEN_TIMEOUT_S = 1.0

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pauses (
    provider TEXT PRIMARY KEY,
    until_us INTEGER NOT NULL,
    status INTEGER NOT NULL
);
"""


def format_seconds(seconds: float, *, up: bool = False) -> str:
    """``120`` or ``7.5``: whole seconds from 10 s up, tenths below; rounded down, or ``up``
    (a wait is never shown shorter, nor time left longer, than it is)."""
    step = 1.0 if seconds >= 10 else 0.1
    steps = (math.ceil if up else math.floor)(round(max(seconds, 0.0) / step, 6))
    if step == 1.0:
        return str(steps)
    return f"{steps * step:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Pause:
    """``provider`` asked (with HTTP ``status``) not to be called before ``until`` (UTC)."""

    provider: str
    until: datetime
    status: int

    def seconds_left(self, now: datetime) -> float:
        return max((self.until - now).total_seconds(), 0.0)


class ProviderPaused(ProviderRateLimited):
    """The provider is paused (it answered Retry-After) past the call's deadline: nothing was
    sent, and the call failed at once instead of waiting. Never retried within the call.

    ``wait_s`` is how long the pause still lasted, ``until`` when it ends (UTC), ``status`` the
    HTTP status of the answer that asked for it.
    """

    def __init__(
        self, pause: Pause, *, wait_s: float, left_s: float, scanner: str | None = None
    ) -> None:
        left = f"deadline in {format_seconds(left_s)} s" if left_s > 0 else "no time left"
        wait = format_seconds(wait_s, up=True)
        super().__init__(
            f"{pause.provider} asked us to wait {wait} s (Retry-After); {left}",
            status=pause.status,
            retry_after=wait_s,
            provider=pause.provider,
            scanner=scanner,
        )
        self.retryable = False
        self.wait_s = wait_s
        self.until = pause.until


class PausedWhileQueued(ProviderPaused):
    """The pause began while the call waited for its rate-limit token (see ``PauseRecheck``)."""


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


class PauseBoard(Closing):
    """The providers' pauses, in ``state_dir/pauses.sqlite`` (memory only when ``state_dir`` is
    None). Thread-safe; any number of boards, in any number of processes, may share the file.

    A pause is only ever lengthened: a later, shorter Retry-After (from a request that was
    already in flight) does not cut short what another answer asked for.
    """

    def __init__(self, state_dir: Path | None = None, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.path = state_dir / DB_FILENAME if state_dir is not None else None
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[int, int]] = {}  # provider -> (until_us, status)
        self.clock = clock
        self._conn: sqlite3.Connection | None = None
        # Opened on first use: most runs never call a provider that pauses, or none at all.
        self._unopened = self.path is not None

    def pause(self, provider: str, until: datetime, *, status: int) -> None:
        """Hold ``provider``'s calls until ``until``, unless a longer pause is already set."""
        until_us = _us(until)
        with self._lock:
            held = self._memory.get(provider)
            if held is None or until_us > held[0]:
                self._memory[provider] = (until_us, status)
            conn = self._connection()
            if conn is None:
                return
            try:
                # A stored pause too far ahead to be real (the clock stepped back) is replaced.
                conn.execute(
                    "INSERT INTO pauses (provider, until_us, status) VALUES (?, ?, ?) "
                    "ON CONFLICT (provider) DO UPDATE SET until_us = excluded.until_us, "
                    "status = excluded.status WHERE excluded.until_us > pauses.until_us "
                    "OR pauses.until_us > ?",
                    (provider, until_us, status, until_us + _max_pause_us()),
                )
            except sqlite3.Error as exc:
                self._failed(exc)

    def current(self, provider: str, now: datetime) -> Pause | None:
        """``provider``'s pause if it lasts beyond ``now``, else None."""
        now_us = _us(now)
        with self._lock:
            candidates = [self._memory.get(provider)]
            conn = self._connection()
            if conn is not None:
                try:
                    row = conn.execute(
                        "SELECT until_us, status FROM pauses WHERE provider = ?", (provider,)
                    ).fetchone()
                    candidates.append(_held(conn, provider, row))
                except sqlite3.Error as exc:
                    self._failed(exc)
        live = [
            held
            for held in candidates
            if held is not None and now_us < held[0] <= now_us + _max_pause_us()
        ]
        if not live:
            return None
        until_us, status = max(live)
        return Pause(provider, _EPOCH + timedelta(microseconds=until_us), status)

    def close(self) -> None:
        with self._lock:
            conn, self._conn, self._unopened = self._conn, None, False
        if conn is not None:
            conn.close()

    def _connection(self) -> sqlite3.Connection | None:
        # The caller holds the lock.
        if self._unopened and self.path is not None:
            self._unopened = False
            self._conn = self._open(self.path, self.clock.now().strftime("%Y%m%dT%H%M%SZ"))
        return self._conn

    def _failed(self, exc: sqlite3.Error) -> None:
        # The caller holds the lock. A state file failing in mid-run costs the sharing between
        # processes, not the run: this process's pauses are still kept in memory. Busy (another
        # process writing past the timeout) costs only this read or write.
        if sqlite_files.is_busy(exc):
            logger.warning("provider pause state %s busy (%s): skipped once", self.path, exc)
            return
        logger.warning(
            "provider pause state %s failed (%s): pauses are kept in memory for this run, "
            "not shared with other processes",
            self.path,
            exc,
        )
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    @staticmethod
    def _open(path: Path, stamp: str) -> sqlite3.Connection | None:
        """The store at ``path``; a corrupt file is moved aside and recreated, an unusable one
        (locked, read-only, no such directory) leaves this process's pauses in memory."""
        opened = sqlite_files.open_healing(
            path, _connect, what="provider pause state", logger=logger, when=stamp
        )
        if opened.conn is None:
            logger.warning(
                "provider pause state %s unusable (%s): pauses are kept in memory for this run, "
                "not shared with other processes",
                path,
                opened.failure,
            )
        return opened.conn


def _held(
    conn: sqlite3.Connection, provider: str, row: tuple[object, ...] | None
) -> tuple[int, int] | None:
    """A row as (until_us, status); a row that is not two integers is deleted, as no pause."""
    if row is None:
        return None
    until_us, status = row
    if isinstance(until_us, int) and isinstance(status, int):
        return until_us, status
    logger.warning("provider pause state: dropped a corrupt row for %s: %r", provider, row)
    conn.execute("DELETE FROM pauses WHERE provider = ?", (provider,))
    return None


def _max_pause_us() -> int:
    return int(MAX_PAUSE_S * 1_000_000) + _TOLERANCE_US


def _create(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)


def _connect(path: Path) -> sqlite3.Connection:
    # WAL: the check before every attempt reads while another process writes; the write
    # probe makes a read-only file fail here, not on the first 429.
    return sqlite_files.connect(
        path,
        timeout_s=OPEN_TIMEOUT_S,
        setup=_create,
        probe="DELETE FROM pauses WHERE 0",
    )


_BOARDS: dict[str, PauseBoard] = {}
_BOARDS_LOCK = threading.Lock()


def shared_pause_board(state_dir: Path, *, clock: Clock = SYSTEM_CLOCK) -> PauseBoard:
    """One board per state directory in the process, shared by every hub (like the limiters);
    other processes share it through the file."""
    key = str(state_dir.resolve())
    with _BOARDS_LOCK:
        board = _BOARDS.get(key)
        if board is None:
            board = _BOARDS[key] = PauseBoard(state_dir, clock=clock)
        return board
