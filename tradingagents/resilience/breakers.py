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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.closing import Closing
from tradingagents.config import BreakerConfig
from tradingagents.paths import state_dir
from tradingagents.resilience.breaker_store import (
    DB_FILENAME,
    STATES,
    BreakerRow,
    BreakerState,
    BreakerStatus,
    BreakerStore,
    BreakerStoreError,
    utc,
)

__all__ = [
    "DB_FILENAME",
    "STATES",
    "BreakerBoard",
    "BreakerPolicy",
    "BreakerState",
    "BreakerStatus",
    "BreakerStoreError",
    "default_db_path",
    "format_table",
    "format_time",
    "reset_breakers",
    "show_breakers",
]

# A last error is kept this long in the file and in skip reasons.
_MAX_ERROR_CHARS = 300
SUCCESS_STATUSES = frozenset({"ok"})
FAILURE_STATUSES = frozenset({"error", "timeout"})
NEUTRAL_STATUSES = frozenset({"skipped", "circuit_open"})


_DEFAULTS = BreakerConfig()


@dataclass(frozen=True)
class BreakerPolicy:
    """When a breaker opens (consecutive failed runs) and how long it stays open (defaults:
    :class:`BreakerConfig`)."""

    failure_threshold: int = _DEFAULTS.failure_threshold
    reset_timeout_s: float = _DEFAULTS.reset_timeout_seconds

    def __post_init__(self) -> None:
        threshold = self.failure_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ValueError(f"failure_threshold must be an integer >= 1, got {threshold!r}")
        timeout = self.reset_timeout_s
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise ValueError(f"reset_timeout_s must be a number, got {timeout!r}")
        if not math.isfinite(timeout) or timeout < 0:
            raise ValueError(f"reset_timeout_s must be finite and >= 0, got {timeout!r}")

    @classmethod
    def from_config(cls, config: BreakerConfig) -> BreakerPolicy:
        return cls(
            failure_threshold=config.failure_threshold,
            reset_timeout_s=config.reset_timeout_seconds,
        )


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

    A file that cannot be used raises :class:`BreakerStoreError`, unless ``fail_open`` (what
    runs use): then creating the board never raises, a corrupt file is moved aside and
    recreated, and while the file is unusable (locked, read-only, a newer schema)
    :meth:`unavailable` says why and every call raises that reason, so that the run admits
    every scanner and records nothing; :meth:`take_warnings` tells what happened.
    """

    def __init__(
        self,
        path: Path,
        policy: BreakerPolicy,
        *,
        clock: Clock = SYSTEM_CLOCK,
        busy_timeout_s: float = 1.0,
        fail_open: bool = False,
    ) -> None:
        self.path = Path(path)
        self.policy = policy
        self._clock = clock
        # How long a locked file is waited for before the access fails (SQLite's busy timeout).
        self._store = BreakerStore(self.path, busy_timeout_s=busy_timeout_s, heal=fail_open)

    def unavailable(self) -> str | None:
        """Why this board fails open (its file cannot be used; tried again now), or None."""
        return self._store.unavailable()

    def take_warnings(self) -> list[str]:
        """Warnings about the file since the last call: moved aside, unusable, a row dropped."""
        return self._store.take_warnings()

    # -- the state machine ---------------------------------------------------------------------

    def admit(self, name: str) -> str | None:
        """May ``name`` run now? None if so, else the reason to skip it with ``circuit_open``.

        An open breaker whose reset timeout has passed moves to half-open and admits one trial.
        """
        now = self._now()
        with self._store.txn() as txn:
            row = self._store.load(txn.conn, name)
            if row.state == "closed":
                return None
            if row.state == "open":
                if row.retry_after is not None and now < row.retry_after:
                    return _open_reason(row, row.retry_after)
                self._store.store(txn.conn, replace(row, state="half_open", trial_started_at=now))
                txn.note(name, "open", "half_open")
                return None
            lease = timedelta(seconds=self.policy.reset_timeout_s)
            if row.trial_started_at is not None and now < row.trial_started_at + lease:
                return (
                    f"circuit half-open: the trial run admitted at "
                    f"{format_time(row.trial_started_at)} has not reported; "
                    f"retry after {format_time(row.trial_started_at + lease)}"
                )
            self._store.store(txn.conn, replace(row, trial_started_at=now))
            return None

    def record(self, name: str, status: str, error: str | None = None) -> BreakerStatus:
        """Record the outcome of one run of ``name`` and return its breaker's new status.

        ``ok`` closes the breaker and clears the count; ``error`` and ``timeout`` count one
        consecutive failure (``error`` describes it), open a closed breaker at
        ``failure_threshold`` and re-open a half-open one with a fresh ``opened_at``;
        ``skipped`` and ``circuit_open`` change nothing.
        """
        if status in NEUTRAL_STATUSES:
            with self._store.txn() as txn:
                row = self._store.load(txn.conn, name)
                if row.state == "half_open" and row.trial_started_at is not None:
                    # The trial never really ran (skipped, never started): the next run may try.
                    self._store.store(txn.conn, replace(row, trial_started_at=None))
            return self.status(name)
        if status not in SUCCESS_STATUSES and status not in FAILURE_STATUSES:
            known = sorted(SUCCESS_STATUSES | FAILURE_STATUSES | NEUTRAL_STATUSES)
            raise ValueError(f"unknown scanner status {status!r} (known: {', '.join(known)})")
        now = self._now()
        with self._store.txn() as txn:
            row = self._store.load(txn.conn, name)
            if status in SUCCESS_STATUSES:
                new = BreakerRow(name)
            else:
                failures = row.failures + 1
                last_error = _clip(error or status)
                if row.state == "closed" and failures < self.policy.failure_threshold:
                    new = replace(row, failures=failures, last_error=last_error)
                else:
                    new = BreakerRow(
                        name,
                        "open",
                        failures,
                        opened_at=now,
                        retry_after=now + timedelta(seconds=self.policy.reset_timeout_s),
                        last_error=last_error,
                    )
            self._store.store(txn.conn, new)
            txn.note(name, row.state, new.state)
        return new.status()

    def status(self, name: str) -> BreakerStatus:
        """The breaker of ``name``; closed with no failures if it never recorded any."""
        with self._store.read() as conn:
            return self._store.load(conn, name).status()

    def all(self) -> list[BreakerStatus]:
        """Every breaker that has state in the file, sorted by name."""
        with self._store.read() as conn:
            return [row.status() for row in self._store.all(conn)]

    def reset(self, name: str | None = None) -> list[str]:
        """Close and forget the breaker of ``name`` (None: every breaker); the names reset."""
        with self._store.txn() as txn:
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
        return self._store.transitions()

    def close(self) -> None:
        """Close the database connection; further calls raise :class:`BreakerStoreError`."""
        self._store.close()

    def _now(self) -> datetime:
        return utc(self._clock.now())


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _MAX_ERROR_CHARS:
        return text
    return text[: _MAX_ERROR_CHARS - 3] + "..."


def _open_reason(row: BreakerRow, retry_after: datetime) -> str:
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
