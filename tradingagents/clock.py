"""Injectable time: the system clock, and a fake one that tests advance instead of sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What retry, rate-limit, cache and breaker logic may ask about time."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (deadlines, waits)."""

    def now(self) -> datetime:
        """The current UTC wall-clock time (persisted timestamps, daily quotas, TTLs)."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``; a fake clock just advances."""


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to (or when code "sleeps" on it). Thread-safe.

    ``sleeps`` records every requested sleep, so tests can assert backoff schedules exactly.
    """

    def __init__(self, start: datetime | None = None, monotonic_start: float = 1000.0) -> None:
        self._lock = threading.Lock()
        self._wall = start or datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
        self._mono = monotonic_start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def now(self) -> datetime:
        with self._lock:
            return self._wall

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._mono += seconds
            self._wall += timedelta(seconds=seconds)


SYSTEM_CLOCK = SystemClock()
