"""Per-provider rate limits and persisted daily quotas, shared by all threads, deadline-aware."""

# What comes from pyrate-limiter (4.x) and what is written here, and why:
#
# - The accounting is pyrate-limiter's: ``Rate``/``Duration`` describe the limits, an
#   ``InMemoryBucket`` (sliding-window log) counts the per-second and per-minute rates, and a
#   file-backed ``SQLiteBucket`` with the ``FixedWindow`` algorithm counts the per-day quota, so
#   it survives the process. Both buckets decide on the timestamp of the item they are given,
#   and every timestamp here comes from the injected ``Clock`` (monotonic ms for the in-memory
#   bucket, UTC wall-clock ms for the daily one: a FixedWindow of one day over epoch ms is
#   exactly a UTC calendar day).
# - The waiting is ours. pyrate-limiter's ``Limiter`` either blocks with ``time.sleep`` (not
#   injectable, and blind to a caller's deadline) or answers False; it never says "the wait
#   would be 0.84 s" before spending it. So ``acquire`` reserves the earliest slot the buckets
#   admit (pushing the item's timestamp forward by the bucket's own retry-after until it fits),
#   refuses at once when that slot is not before the deadline, and otherwise sleeps on the
#   injected clock. Reserving under one lock makes waiting threads first-come first-served and
#   tells each its exact wait up front; no maintained limiter offers a reservation that can be
#   declined against a deadline on an injected clock.
# - No ``Limiter`` or ``BucketFactory`` is used, so no background "Leaker" thread is started;
#   old items are leaked on each ``acquire`` instead, with our clock's time.
# - Across processes, the daily check-and-insert runs inside ``BEGIN IMMEDIATE`` (SQLite's write
#   lock): ``SQLiteBucket.put`` counts and then inserts in two statements, so two runs at once
#   could otherwise both take the last token (its ``use_file_lock`` needs filelock and breaks
#   non-blocking acquires with filelock 4.3).

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from pyrate_limiter import (
    AbstractClock,
    Duration,
    FixedWindow,
    InMemoryBucket,
    Rate,
    RateItem,
    SQLiteBucket,
)

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.closing import Closing
from tradingagents.errors import ProviderError

DB_FILENAME = "ratelimits.sqlite"

# Windows are counted this much longer than the provider's own (1.05 s for "10 per second"):
# the provider counts *arrivals*, we count *sends*, and per-request latency varies, so two
# requests sent exactly 1 s apart can arrive 0.99 s apart and look like one too many.
SAFETY_MARGIN = 0.05

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MS = Duration.DAY.value
# The provider name becomes part of a SQLite table name.
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


DEFAULT_LIMITS: dict[str, RateLimitPolicy] = {
    # SEC "Accessing EDGAR Data" (fair access): at most 10 requests per second per user,
    # across all of that user's machines; faster clients are blocked for 10 minutes.
    "sec_edgar": RateLimitPolicy(per_second=10),
    # Alpha Vantage's free key: 25 requests per day (alphavantage.co/premium, support FAQ),
    # and its over-quota Note also enforces a burst limit of 5 requests per minute.
    "alpha_vantage": RateLimitPolicy(per_minute=5, per_day=25),
    # Finnhub free plan: 60 API calls per minute (finnhub.io/docs/api/rate-limit; the 30/s
    # cap there is above what 60/min allows anyway).
    "finnhub": RateLimitPolicy(per_minute=60),
    # Yahoo publishes no limit for its unofficial endpoints and answers bursts with 429;
    # 5/s is a conservative pace that yfinance users report as safe.
    "yahoo": RateLimitPolicy(per_second=5),
    # api.nasdaq.com is unofficial and undocumented; 5/s, like Yahoo, stays well clear of
    # its bot protection for the few calendar calls a run makes.
    "nasdaq": RateLimitPolicy(per_second=5),
    # Reddit's Data API allows 100 queries per minute per OAuth client (averaged over 10 min)
    # and less without OAuth; 1/s (60/min) stays under both.
    "reddit": RateLimitPolicy(per_second=1),
}


def limits_with_overrides(
    overrides: Mapping[str, Mapping[str, float | int | None]],
    defaults: Mapping[str, RateLimitPolicy] = DEFAULT_LIMITS,
) -> dict[str, RateLimitPolicy]:
    """``defaults`` with each provider's given fields replaced (``{"finnhub": {"per_minute":
    30}}`` keeps finnhub's other fields); a provider not in ``defaults`` starts unlimited."""
    known = {f.name for f in fields(RateLimitPolicy)}
    merged = dict(defaults)
    for provider, values in overrides.items():
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown rate limit field(s) for {provider}: {sorted(unknown)}")
        merged[provider] = replace(merged.get(provider, RateLimitPolicy()), **values)  # type: ignore[arg-type]
    return merged


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


def _seconds_to_ms(seconds: float) -> int:
    # Rounded up (a slot is never earlier than now); the epsilon keeps 1000.105 s, which is
    # 1000104.9999... ms in binary floating point, from becoming 1000106 ms.
    return math.ceil(seconds * 1000 - 1e-6)


def _wall_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _format_utc(epoch_ms: int) -> str:
    return (_EPOCH + timedelta(milliseconds=epoch_ms)).strftime("%Y-%m-%dT%H:%M:%SZ")


class _MonotonicMs(AbstractClock):
    """pyrate-limiter's clock interface (integer milliseconds) over our injectable Clock."""

    def __init__(self, clock: Clock) -> None:
        self._source = clock

    def now(self) -> int:
        return _seconds_to_ms(self._source.monotonic())


class _ClockedBucket(InMemoryBucket):
    """An InMemoryBucket whose ``now()`` is our clock (the class default is time.monotonic)."""

    def __init__(self, rates: list[Rate], clock: AbstractClock) -> None:
        super().__init__(rates)
        self._clock = clock


def _window_rates(policy: RateLimitPolicy) -> list[Rate]:
    """The per-second and per-minute limits as pyrate-limiter rates, margin included.

    A sliding window counts an item until ``interval`` ms have passed *inclusive*, so a token
    comes back ``interval + 1`` ms after it was taken; intervals are one ms short to make the
    spacing exact.
    """
    rates: list[Rate] = []
    spacing_ms = 0
    if policy.per_second is not None:
        # Even spacing: one token per 1/rate s, i.e. a window of one item.
        spacing_ms = math.ceil(1000 * (1 + SAFETY_MARGIN) / policy.per_second - 1e-9)
        rates.append(Rate(1, spacing_ms - 1))
    if policy.per_minute is not None:
        minute_ms = math.ceil(Duration.MINUTE.value * (1 + SAFETY_MARGIN))
        # Dropped when the spacing already allows no more than this per minute (pyrate-limiter
        # also rejects a longer window that is looser than a shorter one).
        if not spacing_ms or policy.per_minute < minute_ms / spacing_ms:
            if policy.per_minute <= 1:
                # One token a minute is stricter than any spacing: pyrate-limiter needs limits
                # that grow with the window, and the spacing adds nothing here.
                rates = []
            rates.append(Rate(policy.per_minute, minute_ms - 1))
    return rates


class ProviderRateLimiter(Closing):
    """One provider's limits, shared by every scanner and thread that calls it.

    :meth:`acquire` takes one token, sleeping on the injected clock until it is due, but
    never past the caller's deadline: when the token would come too late it raises
    :class:`RateLimitWouldExceedDeadline` at once, without waiting and without spending
    anything. Waiting callers are served in order of arrival. The daily quota is kept in
    ``state_dir/ratelimits.sqlite`` (or in memory when ``state_dir`` is None).
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
        rates = _window_rates(policy)
        self._window = _ClockedBucket(rates, _MonotonicMs(clock)) if rates else None
        self._daily: SQLiteBucket | None = None
        if policy.per_day is not None:
            if state_dir is not None:
                state_dir.mkdir(parents=True, exist_ok=True)
            db_path = str(state_dir / DB_FILENAME) if state_dir is not None else ":memory:"
            self._daily = SQLiteBucket.init_from_file(
                [Rate(policy.per_day, Duration.DAY)],
                table=f"daily_{provider}",
                db_path=db_path,
                algorithm=FixedWindow(),
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
            now_s = self.clock.monotonic()
            now_ms = _seconds_to_ms(now_s)
            today_ms = _wall_ms(self.clock.now())
            slot_ms: int | None = None
            try:
                if self._daily is not None:
                    # Another process may hold the quota file's write lock for a moment;
                    # wait for it no longer than the deadline (and never over 5 s).
                    busy_ms = min(5000, max(1, int((deadline - now_s) * 1000)))
                    self._daily.conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
                    self._check_daily(today_ms)
                slot_ms = self._reserve_window_slot(now_s, now_ms, deadline)
                if self._daily is not None:
                    # The daily token is dated when the request will go out.
                    self._take_daily(today_ms + (slot_ms - now_ms), slot_ms)
            except sqlite3.Error as exc:
                if slot_ms is not None:
                    self._give_back(slot_ms)
                raise ProviderError(
                    f"{self.provider} daily quota state unavailable: {exc}", provider=self.provider
                ) from exc
        # Rounded to microseconds: float noise of the clock is not worth reporting.
        wait = round(slot_ms / 1000 - self.clock.monotonic(), 6)
        if wait <= 0:
            return 0.0
        self.clock.sleep(wait)
        return wait

    def used_today(self) -> int:
        """Requests counted against today's (UTC) quota, by every run that shares state_dir."""
        if self._daily is None:
            return 0
        with self._lock:
            return self._daily_count(_wall_ms(self.clock.now()))

    def close(self) -> None:
        """Close the quota database connection; the limiter refuses to acquire afterwards."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._daily is not None:
                self._daily.close()  # type: ignore[no-untyped-call]

    # -- internals (called with self._lock held) ------------------------------------------

    def _reserve_window_slot(self, now_s: float, now_ms: int, deadline: float) -> int:
        """Book the earliest slot the per-second/minute windows admit; refuse past deadline."""
        window = self._window
        newest = None
        if window is not None:
            window.leak(now_ms)  # forget items older than the longest window
            newest = window.peek(0)
        # Never before an earlier reservation: slots stay in order (the log is kept sorted,
        # and callers are served first come, first served).
        slot_ms = max(now_ms, newest.timestamp) if newest is not None else now_ms
        while True:
            if slot_ms / 1000 >= deadline:
                self._refuse_for_deadline(slot_ms / 1000 - now_s, deadline - now_s)
            if window is None:
                return slot_ms
            decision = window.put_decision(RateItem(self.provider, slot_ms))
            assert not isinstance(decision, Awaitable)  # the in-memory bucket is synchronous
            if decision.allowed:
                return slot_ms
            # The bucket says how long until the blocking item leaves the window.
            slot_ms += max(1, decision.retry_after_ms or 1)

    def _refuse_for_deadline(self, wait_s: float, left_s: float) -> NoReturn:
        left = f"{left_s:.2f}s left" if left_s > 0 else "no time left"
        raise RateLimitWouldExceedDeadline(
            f"rate limit would exceed deadline: next {self.provider} token in "
            f"{max(wait_s, 0.0):.2f}s, {left}",
            provider=self.provider,
            wait_s=max(wait_s, 0.0),
        )

    def _daily_count(self, wall_ms: int) -> int:
        assert self._daily is not None
        # FixedWindow's leak bound is the start of the window: today's 00:00 UTC.
        self._daily.leak(wall_ms)
        return self._daily.count()

    def _check_daily(self, wall_ms: int) -> None:
        assert self.policy.per_day is not None
        if self._daily_count(wall_ms) >= self.policy.per_day:
            self._refuse_for_quota(wall_ms)

    def _take_daily(self, slot_wall_ms: int, slot_ms: int) -> None:
        daily = self._daily
        assert daily is not None
        # One write transaction across processes; put() commits it, a refusal rolls it back.
        daily.conn.execute("BEGIN IMMEDIATE")
        try:
            taken = daily.put(RateItem(self.provider, slot_wall_ms))
        except BaseException:
            if daily.conn.in_transaction:
                daily.conn.rollback()
            raise
        if taken:
            return
        daily.conn.rollback()
        # Another process took the last token since _check_daily.
        self._give_back(slot_ms)
        self._refuse_for_quota(slot_wall_ms)

    def _give_back(self, slot_ms: int) -> None:
        """Return the window slot just booked: it is the newest item of the log (the lock is
        still held). pyrate-limiter has no "un-put", hence the direct edit of its log."""
        window = self._window
        if window is not None and window.items and window.items[-1].timestamp == slot_ms:
            window.items.pop()

    def _refuse_for_quota(self, wall_ms: int) -> NoReturn:
        resets_ms = wall_ms - wall_ms % _DAY_MS + _DAY_MS
        resets_at = _EPOCH + timedelta(milliseconds=resets_ms)
        raise RateLimitWouldExceedDeadline(
            f"rate limit would exceed deadline: the {self.provider} daily quota of "
            f"{self.policy.per_day} requests is used up until {_format_utc(resets_ms)}",
            provider=self.provider,
            wait_s=(resets_ms - wall_ms) / 1000,
            resets_at=resets_at,
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
