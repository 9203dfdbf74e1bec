"""Per-provider rate limits: spacing, windows, daily quotas and deadlines on a fake clock, plus
one real-time load test against a local threaded HTTP server."""

from __future__ import annotations

import bisect
import itertools
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tradingagents.clock import FakeClock
from tradingagents.config import ResilienceConfig
from tradingagents.errors import ProviderError
from tradingagents.resilience.ratelimit import (
    DB_FILENAME,
    DEFAULT_LIMITS,
    SAFETY_MARGIN,
    ProviderRateLimiter,
    RateLimiterRegistry,
    RateLimitPolicy,
    RateLimitWouldExceedDeadline,
)

START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
SPACING_10 = (1 + SAFETY_MARGIN) / 10  # seconds between tokens at 10/s: 0.105
MINUTE = 60 * (1 + SAFETY_MARGIN)  # a per-minute window, margin included: 63 s
FAR = 10_000.0  # a deadline that never binds


def max_in_window(times: list[float], window: float) -> int:
    """Most events in any half-open window [t, t + window) of the given length."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0
    )


class FrozenClock(FakeClock):
    """A FakeClock that stands still while threads "sleep" on it.

    With many threads, an advancing fake clock moves by the *sum* of their sleeps, so times
    read after acquire() say nothing about when each token was granted. Frozen, every token
    is due at exactly start + the wait acquire() returned: the limiter's own timeline.
    """

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)  # list.append is atomic


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def limiter_for(
    clock: FakeClock, state_dir: Path | None = None, provider: str = "sec_edgar", **policy: float
) -> ProviderRateLimiter:
    return ProviderRateLimiter(
        provider,
        RateLimitPolicy(**policy),  # type: ignore[arg-type]
        state_dir=state_dir,
        clock=clock,
    )


# -- windows ------------------------------------------------------------------------------


def test_per_second_rate_spaces_tokens_evenly_and_returns_the_wait(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=10)
    start = clock.monotonic()

    waits = [limiter.acquire(start + FAR) for _ in range(5)]

    assert waits == [0.0] + [pytest.approx(SPACING_10)] * 4
    assert clock.sleeps == pytest.approx([SPACING_10] * 4)
    assert clock.monotonic() - start == pytest.approx(4 * SPACING_10)


def test_fractional_per_second_rate(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=0.5)  # one request every 2 s (2.1 with the margin)

    assert limiter.acquire(clock.monotonic() + FAR) == 0.0
    assert limiter.acquire(clock.monotonic() + FAR) == pytest.approx(2 * (1 + SAFETY_MARGIN))


def test_idle_time_is_not_banked_into_a_burst(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=10)
    limiter.acquire(clock.monotonic() + FAR)
    clock.advance(5.0)

    assert limiter.acquire(clock.monotonic() + FAR) == 0.0
    assert limiter.acquire(clock.monotonic() + FAR) == pytest.approx(SPACING_10)


def test_per_minute_cap_allows_a_burst_then_waits_for_the_window(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_minute=5)
    start = clock.monotonic()

    assert [limiter.acquire(start + FAR) for _ in range(5)] == [0.0] * 5
    assert clock.sleeps == []
    clock.advance(10.0)
    # The sixth waits until the first leaves the (63 s) window.
    assert limiter.acquire(start + FAR) == pytest.approx(MINUTE - 10.0)
    assert clock.monotonic() - start == pytest.approx(MINUTE)


def test_per_second_and_per_minute_together(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=10, per_minute=20)
    start = clock.monotonic()
    granted = []
    for _ in range(45):
        limiter.acquire(start + FAR)
        granted.append(clock.monotonic() - start)

    assert max_in_window(granted, 1.0) <= 10
    assert max_in_window(granted, 60.0) <= 20
    assert min(b - a for a, b in itertools.pairwise(granted)) >= SPACING_10 - 1e-9
    assert granted[20] == pytest.approx(MINUTE)  # the 21st waits for the minute window


def test_per_day_cap_refuses_with_the_reset_time_without_sleeping(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_day=3)
    for _ in range(3):
        limiter.acquire(clock.monotonic() + FAR)

    with pytest.raises(RateLimitWouldExceedDeadline) as info:
        limiter.acquire(clock.monotonic() + FAR)

    assert str(info.value) == (
        "rate limit would exceed deadline: the sec_edgar daily quota of 3 requests is used up "
        "until 2026-11-21T00:00:00Z"
    )
    assert info.value.resets_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert info.value.wait_s == pytest.approx(9.5 * 3600)
    assert info.value.provider == "sec_edgar"
    assert clock.sleeps == []
    assert limiter.used_today() == 3


# -- deadlines ----------------------------------------------------------------------------


def test_refuses_at_once_when_the_wait_would_pass_the_deadline(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=10)
    limiter.acquire(clock.monotonic() + FAR)
    before = clock.monotonic()

    with pytest.raises(RateLimitWouldExceedDeadline) as info:
        limiter.acquire(before + 0.05)

    error = info.value
    assert isinstance(error, ProviderError)
    assert not error.retryable
    assert error.provider == "sec_edgar"
    assert error.wait_s == pytest.approx(SPACING_10)
    assert str(error) == (
        f"rate limit would exceed deadline: next sec_edgar token in {SPACING_10:.2f}s, 0.05s left"
    )
    assert clock.sleeps == []  # no waiting at all
    assert clock.monotonic() == before
    # The refusal spent nothing: the same slot is still the next one.
    assert limiter.acquire(before + FAR) == pytest.approx(SPACING_10)


def test_waits_up_to_but_never_past_the_deadline(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=10)
    limiter.acquire(clock.monotonic() + FAR)
    due = clock.monotonic() + SPACING_10

    # A token due exactly at the deadline leaves no time for the request: refused.
    with pytest.raises(RateLimitWouldExceedDeadline):
        limiter.acquire(due)
    deadline = due + 0.001
    assert limiter.acquire(deadline) == pytest.approx(SPACING_10)
    assert clock.monotonic() < deadline
    assert clock.sleeps == pytest.approx([SPACING_10])


def test_no_time_left_is_refused_even_when_a_token_is_free(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_second=10, per_day=5)

    with pytest.raises(RateLimitWouldExceedDeadline, match=r"token in 0\.00s, no time left"):
        limiter.acquire(clock.monotonic())
    assert limiter.used_today() == 0  # a refused request spends no daily token


def test_a_refused_waiter_does_not_delay_the_others(clock: FakeClock) -> None:
    limiter = limiter_for(clock, per_minute=2)
    now = clock.monotonic()
    limiter.acquire(now + FAR)
    limiter.acquire(now + FAR)

    with pytest.raises(RateLimitWouldExceedDeadline):
        limiter.acquire(now + 1.0)
    assert limiter.acquire(now + FAR) == pytest.approx(MINUTE)


# -- daily quota persistence --------------------------------------------------------------


def test_daily_quota_is_persisted_across_runs_and_resets_with_the_utc_day(
    tmp_path: Path, clock: FakeClock
) -> None:
    state_dir = tmp_path / "state"
    with limiter_for(clock, state_dir, per_day=5) as first_run:
        for _ in range(3):
            first_run.acquire(clock.monotonic() + FAR)
    assert (state_dir / DB_FILENAME).is_file()

    # A new process: same day, a different monotonic origin.
    later = FakeClock(START + timedelta(hours=1), monotonic_start=5.0)
    with limiter_for(later, state_dir, per_day=5) as second_run:
        assert second_run.used_today() == 3
        second_run.acquire(later.monotonic() + FAR)
        second_run.acquire(later.monotonic() + FAR)
        with pytest.raises(RateLimitWouldExceedDeadline, match="until 2026-11-21T00:00:00Z"):
            second_run.acquire(later.monotonic() + FAR)

        # Past midnight UTC the quota is fresh again.
        later.advance((datetime(2026, 11, 21, 0, 0, 1, tzinfo=UTC) - later.now()).total_seconds())
        assert second_run.used_today() == 0
        assert second_run.acquire(later.monotonic() + FAR) == 0.0
        assert second_run.used_today() == 1

    next_day = FakeClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    with limiter_for(next_day, state_dir, per_day=5) as third_run:
        assert third_run.used_today() == 1


def test_quota_is_shared_by_limiters_open_at_once(tmp_path: Path, clock: FakeClock) -> None:
    # Two runs (processes) at the same time on one state directory.
    with (
        limiter_for(clock, tmp_path, per_day=3) as one,
        limiter_for(clock, tmp_path, per_day=3) as other,
    ):
        one.acquire(clock.monotonic() + FAR)
        other.acquire(clock.monotonic() + FAR)
        one.acquire(clock.monotonic() + FAR)
        with pytest.raises(RateLimitWouldExceedDeadline, match="daily quota of 3"):
            other.acquire(clock.monotonic() + FAR)
        assert one.used_today() == other.used_today() == 3


def test_a_token_due_after_midnight_counts_for_the_next_day_and_refusals_book_nothing() -> None:
    clock = FrozenClock(datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC))
    limiter = limiter_for(clock, per_second=0.5, per_day=2)  # a token every 2.1 s
    start = clock.monotonic()
    waits = [limiter.acquire(start + FAR) for _ in range(3)]  # 23:59:59, 00:00:01.1, :03.2
    assert waits == [0.0, pytest.approx(2.1), pytest.approx(4.2)]

    # Today has a token left, but the next slot (00:00:05.3) is on a day already used up.
    with pytest.raises(RateLimitWouldExceedDeadline, match="until 2026-11-22T00:00:00Z") as info:
        limiter.acquire(start + FAR)
    assert info.value.wait_s == pytest.approx(86_401.0)
    assert limiter.used_today() == 1
    # The refused slot was not booked: the spacing still counts from 00:00:03.2.
    with pytest.raises(RateLimitWouldExceedDeadline, match=r"token in 6\.30s, 6\.29s left"):
        limiter.acquire(start + 6.29)


def test_a_locked_quota_file_fails_within_the_deadline_as_a_provider_error(
    tmp_path: Path, clock: FakeClock
) -> None:
    with limiter_for(clock, tmp_path, per_minute=1, per_day=5) as limiter:
        other = sqlite3.connect(tmp_path / DB_FILENAME)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            started = time.monotonic()
            with pytest.raises(ProviderError, match="rate limit state unavailable") as info:
                limiter.acquire(clock.monotonic() + 0.2)
            assert time.monotonic() - started < 2.0  # waited ~0.2 s, not SQLite's 5 s
            assert not isinstance(info.value, RateLimitWouldExceedDeadline)
        finally:
            other.rollback()
            other.close()
        # Nothing was spent: the per-minute token is still free.
        assert limiter.acquire(clock.monotonic() + FAR) == 0.0
        assert limiter.used_today() == 1


def test_quotas_are_per_provider(tmp_path: Path, clock: FakeClock) -> None:
    limits = {"a": RateLimitPolicy(per_day=1), "b": RateLimitPolicy(per_day=1)}
    with RateLimiterRegistry(limits, state_dir=tmp_path, clock=clock) as registry:
        a, b = registry.get("a"), registry.get("b")
        assert a is not None
        assert b is not None
        a.acquire(clock.monotonic() + FAR)
        b.acquire(clock.monotonic() + FAR)
        with pytest.raises(RateLimitWouldExceedDeadline, match="the a daily quota"):
            a.acquire(clock.monotonic() + FAR)


# -- threads ------------------------------------------------------------------------------


def run_threads(
    limiter: ProviderRateLimiter, start: float, deadline: float, n: int = 16
) -> tuple[list[float], list[RateLimitWouldExceedDeadline]]:
    """n threads each take tokens until refused; returns the grant times and the refusals."""
    granted: list[float] = []
    refusals: list[RateLimitWouldExceedDeadline] = []
    barrier = threading.Barrier(n)

    def worker() -> None:
        barrier.wait()
        while True:
            try:
                granted.append(start + limiter.acquire(deadline))
            except RateLimitWouldExceedDeadline as exc:
                refusals.append(exc)
                return

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    return granted, refusals


def test_many_threads_share_one_limiter_and_never_exceed_any_window() -> None:
    clock = FrozenClock(START)
    limiter = limiter_for(clock, per_second=10, per_minute=50, per_day=80)
    start = clock.monotonic()

    granted, refusals = run_threads(limiter, start, start + 200.0)

    assert len(granted) == 80  # the daily quota, exactly
    assert len(refusals) == 16  # each thread once, then it stops
    assert all("daily quota of 80" in str(exc) for exc in refusals)
    assert max_in_window(granted, 1.0) <= 10
    assert max_in_window(granted, 60.0) <= 50
    ordered = sorted(granted)
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= SPACING_10 - 1e-6
    assert limiter.used_today() == 80


def test_threads_stop_at_the_deadline_with_every_token_before_it() -> None:
    clock = FrozenClock(START)
    limiter = limiter_for(clock, per_second=10)
    start = clock.monotonic()

    granted, refusals = run_threads(limiter, start, start + 3.0)

    assert len(granted) == 29  # 0, 0.105, ..., 2.94; the next is due at 3.045
    assert max(granted) < start + 3.0
    assert len(refusals) == 16
    assert all("next sec_edgar token in" in str(exc) for exc in refusals)
    assert max(s for s in clock.sleeps) < 3.0


# -- registry and policy ------------------------------------------------------------------


def test_registry_creates_one_shared_limiter_per_limited_provider(clock: FakeClock) -> None:
    registry = RateLimiterRegistry(
        {"sec_edgar": RateLimitPolicy(per_second=10), "free": RateLimitPolicy()}, clock=clock
    )
    limiter = registry.get("sec_edgar")

    assert limiter is not None
    assert registry.get("sec_edgar") is limiter
    assert registry.get("free") is None
    assert registry.get("unknown") is None
    registry.close()
    with pytest.raises(RuntimeError, match="closed"):
        limiter.acquire(clock.monotonic() + FAR)


def test_default_limits() -> None:
    assert DEFAULT_LIMITS["sec_edgar"] == RateLimitPolicy(per_second=10)
    assert DEFAULT_LIMITS["alpha_vantage"] == RateLimitPolicy(per_minute=5, per_day=25)
    assert DEFAULT_LIMITS["finnhub"] == RateLimitPolicy(per_minute=60)
    assert DEFAULT_LIMITS["yahoo"] == RateLimitPolicy(per_second=5)
    assert DEFAULT_LIMITS["nasdaq"] == RateLimitPolicy(per_second=5)
    assert DEFAULT_LIMITS["reddit"] == RateLimitPolicy(per_second=1)
    with RateLimiterRegistry() as registry:  # in memory: no state_dir
        assert registry.get("alpha_vantage") is not None


def test_overrides_replace_single_fields_of_the_defaults() -> None:
    config = ResilienceConfig.model_validate(
        {"rate_limits": {"alpha_vantage": {"per_day": 75}, "apewisdom": {"per_second": 2}}}
    )
    limits = {name: RateLimitPolicy.from_config(c) for name, c in config.rate_limits.items()}

    assert limits["alpha_vantage"] == RateLimitPolicy(per_minute=5, per_day=75)
    assert limits["apewisdom"] == RateLimitPolicy(per_second=2)
    assert limits["sec_edgar"] == DEFAULT_LIMITS["sec_edgar"]
    with pytest.raises(ValueError, match="per_hour"):
        ResilienceConfig.model_validate({"rate_limits": {"yahoo": {"per_hour": 1}}})


@pytest.mark.parametrize(
    "policy",
    [
        {"per_second": 0},
        {"per_second": -1.0},
        {"per_minute": 0},
        {"per_day": -5},
        {"per_day": True},
    ],
)
def test_invalid_policies_are_rejected(policy: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RateLimitPolicy(**policy)  # type: ignore[arg-type]


def test_provider_names_must_be_safe_for_a_table_name(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="provider name"):
        limiter_for(clock, provider="x'; DROP TABLE y; --", per_day=1)


# -- real time ----------------------------------------------------------------------------


@pytest.mark.slow
def test_load_16_threads_through_one_limiter_to_a_real_server() -> None:
    """16 threads, 10 requests/s for 1.5 s, SystemClock, real HTTP on 127.0.0.1.

    Requests are spaced 0.1 s apart, so 1.5 s slides the 1 s window over 15 of them.
    """
    arrivals: list[float] = []
    lock = threading.Lock()
    counts = {"attempted": 0, "served": 0, "refused": 0}
    failures: list[BaseException] = []

    def record(request: Request) -> Response:
        with lock:
            arrivals.append(time.monotonic())
        return Response("ok")

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.expect_request("/quote").respond_with_handler(record)
    server.start()
    limiter = ProviderRateLimiter("load", RateLimitPolicy(per_second=10))
    url = server.url_for("/quote")
    deadline = 0.0

    def set_deadline() -> None:
        nonlocal deadline
        deadline = time.monotonic() + 1.5

    barrier = threading.Barrier(16, action=set_deadline)

    def worker() -> None:
        barrier.wait()
        while time.monotonic() < deadline:
            with lock:
                counts["attempted"] += 1
            try:
                limiter.acquire(deadline)
            except RateLimitWouldExceedDeadline:
                with lock:
                    counts["refused"] += 1
                return
            try:
                response = requests.get(url, timeout=2)
                response.raise_for_status()
            except requests.RequestException as exc:
                failures.append(exc)
                return
            with lock:
                counts["served"] += 1

    threads = [threading.Thread(target=worker) for _ in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        server.stop()
        limiter.close()

    busiest = max_in_window(arrivals, 1.0)
    ordered = sorted(arrivals)
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    print(
        f"\nload: attempted={counts['attempted']} served={counts['served']} "
        f"refused={counts['refused']} server_saw={len(arrivals)} busiest_1s_window={busiest} "
        f"min_gap={min(gaps):.4f}s max_gap={max(gaps):.4f}s "
        f"span={ordered[-1] - ordered[0]:.3f}s"
    )
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert busiest <= 10
    assert counts["served"] + counts["refused"] == counts["attempted"]
    assert counts["served"] == len(arrivals)
    assert 12 <= counts["served"] <= 16
    assert counts["refused"] > 0
