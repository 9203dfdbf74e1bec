"""Per-provider rate limits and daily quotas, shared by threads and processes, deadline-aware."""

# Written by hand on stdlib sqlite3 rather than on pyrate-limiter (4.5), because its public API
# cannot express what this module needs:
# - an injectable clock: a bucket's clock is the private class attribute ``_clock``, and
#   ``Limiter`` waits with ``time.sleep``, so tests would sleep for real;
# - deadline-aware waits: ``Limiter`` blocks or answers False, it never says "the token is
#   0.84 s away" so that a caller can refuse at once instead of sleeping past its deadline,
#   and a booked item cannot be given back when the request is refused after all;
# - limits shared by independent processes: its SQLite bucket counts and inserts in two
#   statements (atomic across processes only through its private ``conn``, or a file lock that
#   breaks non-blocking acquires), and its multiprocess bucket needs one parent to hand every
#   worker a ``multiprocessing.Manager`` list, which separate CLI runs do not have.
# What is needed is small: even spacing for the per-second rate, a sliding window for the
# per-minute one, and a count per UTC day. All three live in ``state_dir/ratelimits.sqlite``
# and each acquire is one ``BEGIN IMMEDIATE`` transaction, so every thread and every process
# using the state directory shares them. A caller books the earliest slot the windows admit
# (after every slot booked before it: first come, first served) and then sleeps on the
# injected clock until it is due, or is refused at once when the slot is not before its
# deadline. Slots are stored as wall-clock (UTC) microseconds, the only time base that
# processes share; slots booked "in the future" are dropped, so a clock stepped back costs
# no wait, and a clock stepped forward frees the windows early at worst once.

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.closing import Closing
from tradingagents.config import RateLimitConfig, ResilienceConfig
from tradingagents.errors import ProviderError
from tradingagents.resilience._ratelimit_store import DAY_US, LimitStore, Transaction

DB_FILENAME = "ratelimits.sqlite"

# Windows are counted this much longer than the provider's own (1.05 s for "10 per second"):
# the provider counts *arrivals*, we count *sends*, and per-request latency varies, so two
# requests sent exactly 1 s apart can arrive 0.99 s apart and look like one too many.
SAFETY_MARGIN = 0.05

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE_US = math.ceil(60_000_000 * (1 + SAFETY_MARGIN))
# Waiting for another process's write lock on the store is bounded by the deadline, and this.
_MAX_BUSY_MS = 5000
# The provider name is stored with each row, and names an old (pyrate-limiter) table.
_PROVIDER_RE = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class RateLimitPolicy:
    """How often one provider may be called; ``None`` leaves that window unlimited.

    ``per_second`` may be fractional (0.5 = one request every 2 s); it is enforced as even
    spacing (one token every ``1/per_second`` s, no bursts). ``per_minute`` is a sliding window
    that allows bursts. ``per_day`` is a quota per UTC calendar day, persisted across runs.
    """

    per_second: float | None = None
    per_minute: int | None = None
    per_day: int | None = None

    def __post_init__(self) -> None:
        if self.per_second is not None and not 0 < self.per_second <= 500:
            raise ValueError(f"per_second must be in (0, 500], got {self.per_second}")
        for name in ("per_minute", "per_day"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    @property
    def unlimited(self) -> bool:
        return self.per_second is None and self.per_minute is None and self.per_day is None

    @classmethod
    def from_config(cls, config: RateLimitConfig) -> RateLimitPolicy:
        return cls(
            per_second=config.per_second, per_minute=config.per_minute, per_day=config.per_day
        )


# The built-in limits, defined (with their sources) in the config model.
DEFAULT_LIMITS: dict[str, RateLimitPolicy] = {
    name: RateLimitPolicy.from_config(limit)
    for name, limit in ResilienceConfig().rate_limits.items()
}


class RateLimitWouldExceedDeadline(ProviderError):
    """A rate-limit token is not available before the request's deadline, or the daily quota
    is used up. Raised at once, without waiting; never retried (waiting is what failed).

    ``wait_s`` is how long the token was away (for a quota: until it resets); ``resets_at`` is
    the UTC time a used-up daily quota resets, else None.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        wait_s: float,
        resets_at: datetime | None = None,
        scanner: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, scanner=scanner)
        self.wait_s = wait_s
        self.resets_at = resets_at


def _wall_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _clamp(seconds: float) -> float:
    # An infinite deadline ("never") must not overflow the integer conversions.
    return min(seconds, 1e9)


def _format_utc(epoch_us: int) -> str:
    return (_EPOCH + timedelta(microseconds=epoch_us)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spacing_us(policy: RateLimitPolicy) -> int:
    """Microseconds between two tokens at ``per_second`` (margin included), 0 if unlimited."""
    if policy.per_second is None:
        return 0
    # The epsilon keeps 105000.00000000001 (float noise of 1.05e6 / 10) from becoming 105001.
    return math.ceil(1_000_000 * (1 + SAFETY_MARGIN) / policy.per_second - 1e-6)


def _next_slot(tx: Transaction, now_us: int, *, spacing_us: int, per_minute: int | None) -> int:
    """The earliest time a new token may be used, given the slots already booked.

    Never before the newest booked slot (first come, first served, which also keeps every
    booked slot at or before the new one), at least ``spacing_us`` after it, and late enough
    that the ``per_minute``-th newest slot has left the sliding minute window. A slot at ``t``
    occupies its windows over ``[t, t + length)``.
    """
    slot = now_us
    newest = tx.nth_newest_slot(1)
    if newest is not None:
        slot = max(slot, newest + spacing_us)
        oldest_counted = tx.nth_newest_slot(per_minute) if per_minute is not None else None
        if oldest_counted is not None:
            slot = max(slot, oldest_counted + _MINUTE_US)
    return slot


class ProviderRateLimiter(Closing):
    """One provider's limits, shared by every scanner and thread that calls it, and by every
    process that uses the same ``state_dir``.

    :meth:`acquire` takes one token, sleeping on the injected clock until it is due, but
    never past the caller's deadline: when the token would come too late it raises
    :class:`RateLimitWouldExceedDeadline` at once, without waiting and without spending
    anything. Waiting callers are served in order of arrival. The windows and the daily quota
    are kept in ``state_dir/ratelimits.sqlite`` (in memory when ``state_dir`` is None, or when
    that file cannot be used: then they are this process's own, with a logged warning).
    """

    def __init__(
        self,
        provider: str,
        policy: RateLimitPolicy,
        *,
        state_dir: Path | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not _PROVIDER_RE.fullmatch(provider):
            raise ValueError(f"provider name must be letters, digits and _: {provider!r}")
        self.provider = provider
        self.policy = policy
        self.clock = clock
        self._lock = threading.Lock()
        self._closed = False
        self._spacing_us = _spacing_us(policy)
        self._windowed = policy.per_second is not None or policy.per_minute is not None
        # Slots older than this constrain nothing any more.
        self._horizon_us = max(self._spacing_us, _MINUTE_US if policy.per_minute else 0)
        self._store = LimitStore(
            state_dir / DB_FILENAME if state_dir is not None else None,
            provider,
            stamp=clock.now().strftime("%Y%m%dT%H%M%SZ"),
        )

    def acquire(self, deadline: float) -> float:
        """Take one token, waiting until it is due; return the seconds waited.

        ``deadline`` is a ``clock.monotonic()`` value. A token is only granted if it is due
        strictly before it (a request needs some time left); otherwise this raises
        :class:`RateLimitWouldExceedDeadline` without sleeping and without spending a token.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError(f"the {self.provider} rate limiter is closed")
            # Another process may hold the store's write lock for a moment; wait for it no
            # longer than the deadline (and never over 5 s).
            busy_ms = _clamp(deadline - self.clock.monotonic()) * 1000
            try:
                with self._store.transaction(min(_MAX_BUSY_MS, max(1, int(busy_ms)))) as tx:
                    # Read once the write lock is held, so processes book in time order.
                    now_s = self.clock.monotonic()
                    now_us = _wall_us(self.clock.now())
                    left_us = round(_clamp(deadline - now_s) * 1_000_000)
                    wait_us = self._book(tx, now_us, left_us)
            except sqlite3.Error as exc:
                raise ProviderError(
                    f"{self.provider} rate limit state unavailable: {exc}", provider=self.provider
                ) from exc
        # Rounded to microseconds: float noise of the clock is not worth reporting.
        wait = round(now_s + wait_us / 1_000_000 - self.clock.monotonic(), 6)
        if wait <= 0:
            return 0.0
        self.clock.sleep(wait)
        return wait

    def used_today(self) -> int:
        """Requests counted against today's (UTC) quota, by every run that shares state_dir."""
        if self.policy.per_day is None:
            return 0
        with self._lock:
            return self._store.used(_wall_us(self.clock.now()) // DAY_US)

    def close(self) -> None:
        """Close the store's connection; the limiter refuses to acquire afterwards."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._store.close()

    def _book(self, tx: Transaction, now_us: int, left_us: int) -> int:
        """Book the earliest slot every limit admits and spend its daily token; return the
        microseconds until it is due. A refusal raises, and the transaction keeps nothing."""
        per_day = self.policy.per_day
        tx.forget(ended_by_us=now_us - self._horizon_us, now_us=now_us)
        if per_day is not None and tx.used(now_us // DAY_US) >= per_day:
            self._refuse_for_quota(now_us, now_us)
        slot_us = now_us
        if self._windowed:
            slot_us = _next_slot(
                tx, now_us, spacing_us=self._spacing_us, per_minute=self.policy.per_minute
            )
        if slot_us - now_us >= left_us:
            self._refuse_for_deadline((slot_us - now_us) / 1_000_000, left_us / 1_000_000)
        if self._windowed:
            tx.book(slot_us, now_us)
        if per_day is not None:
            # The daily token is dated when the request will go out (maybe after midnight).
            slot_day = slot_us // DAY_US
            if tx.used(slot_day) >= per_day:
                self._refuse_for_quota(slot_us, now_us)
            tx.spend(slot_day)
        return slot_us - now_us

    def _refuse_for_deadline(self, wait_s: float, left_s: float) -> NoReturn:
        left = f"{left_s:.2f}s left" if left_s > 0 else "no time left"
        # The wait is rounded up (0.105 s is "0.11s"): never report a token as nearer than it is.
        shown = math.ceil(round(max(wait_s, 0.0) * 100, 6)) / 100
        raise RateLimitWouldExceedDeadline(
            f"rate limit would exceed deadline: next {self.provider} token in {shown:.2f}s, {left}",
            provider=self.provider,
            wait_s=max(wait_s, 0.0),
        )

    def _refuse_for_quota(self, day_us: int, now_us: int) -> NoReturn:
        resets_us = (day_us // DAY_US + 1) * DAY_US
        raise RateLimitWouldExceedDeadline(
            f"rate limit would exceed deadline: the {self.provider} daily quota of "
            f"{self.policy.per_day} requests is used up until {_format_utc(resets_us)}",
            provider=self.provider,
            wait_s=(resets_us - now_us) / 1_000_000,
            resets_at=_EPOCH + timedelta(microseconds=resets_us),
        )


class RateLimiterRegistry(Closing):
    """One :class:`ProviderRateLimiter` per provider, created on first use and shared.

    ``limits`` maps provider -> policy (default :data:`DEFAULT_LIMITS`); a provider without an
    entry, or with an unlimited policy, is not limited (:meth:`get` returns None).
    """

    def __init__(
        self,
        limits: Mapping[str, RateLimitPolicy] | None = None,
        *,
        state_dir: Path | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self.state_dir = state_dir
        self.clock = clock
        self._lock = threading.Lock()
        self._limiters: dict[str, ProviderRateLimiter] = {}
        self._closed = False

    def get(self, provider: str) -> ProviderRateLimiter | None:
        policy = self.limits.get(provider)
        if policy is None or policy.unlimited:
            return None
        with self._lock:
            if self._closed:
                raise RuntimeError("the rate limiter registry is closed")
            limiter = self._limiters.get(provider)
            if limiter is None:
                limiter = self._limiters[provider] = ProviderRateLimiter(
                    provider, policy, state_dir=self.state_dir, clock=self.clock
                )
            return limiter

    def close(self) -> None:
        with self._lock:
            self._closed = True
            limiters, self._limiters = list(self._limiters.values()), {}
        for limiter in limiters:
            limiter.close()
