"""Retry policy: transient failures only, Retry-After honoured and capped, deadline kept."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tradingagents.clock import FakeClock
from tradingagents.errors import (
    ProviderAuthError,
    ProviderConnectionError,
    ProviderHTTPError,
    ProviderParseError,
    ProviderRateLimited,
    ProviderResponseTooLarge,
    ProviderTimeout,
)
from tradingagents.resilience.retry import RetryPolicy, RetryStats, call_with_retry, is_transient

POLICY = RetryPolicy(max_attempts=4, initial_backoff_s=0.5, max_backoff_s=8, jitter_s=0.0)


def failing(*errors: BaseException) -> Callable[[], str]:
    queue = list(errors)

    def attempt() -> str:
        if queue:
            raise queue.pop(0)
        return "ok"

    return attempt


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ProviderTimeout("t", provider="p"), True),
        (ProviderConnectionError("c", provider="p"), True),
        (ProviderHTTPError("500", status=500), True),
        (ProviderHTTPError("503", status=503), True),
        (ProviderRateLimited("429", status=429), True),
        (ProviderRateLimited("AV note", status=200), True),
        (ProviderHTTPError("404", status=404), False),
        (ProviderAuthError("401", status=401), False),
        (ProviderAuthError("403", status=403), False),
        (ProviderParseError("bad", provider="p"), False),
        (ProviderResponseTooLarge("big", provider="p"), False),
        (ValueError("bug"), False),
    ],
)
def test_only_transient_failures_are_retried(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_exponential_backoff_schedule_without_sleeping() -> None:
    clock = FakeClock()
    stats = RetryStats()
    errors = [ProviderHTTPError("503", status=503) for _ in range(3)]
    result = call_with_retry(
        failing(*errors),
        policy=POLICY,
        clock=clock,
        deadline=clock.monotonic() + 60,
        stats=stats,
        rng=random.Random(0),
    )
    assert result == "ok"
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert (stats.attempts, stats.backoff_s) == (4, 3.5)


def test_retry_after_is_honoured_and_capped() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=3, max_retry_after_s=10)
    errors = [
        ProviderRateLimited("429", status=429, retry_after=3),
        ProviderRateLimited("429", status=429, retry_after=3600),
    ]
    call_with_retry(
        failing(*errors),
        policy=policy,
        clock=clock,
        deadline=clock.monotonic() + 60,
        stats=RetryStats(),
    )
    assert clock.sleeps == [3.0, 10.0]


def test_a_wait_that_would_pass_the_deadline_stops_the_retries() -> None:
    clock = FakeClock()
    stats = RetryStats()
    errors = [ProviderRateLimited("429", status=429, retry_after=5)] * 5
    with pytest.raises(ProviderRateLimited):
        call_with_retry(
            failing(*errors),
            policy=POLICY,
            clock=clock,
            deadline=clock.monotonic() + 7,
            stats=stats,
        )
    assert clock.sleeps == [5.0]  # the second 5 s wait would end past the 7 s deadline
    assert stats.attempts == 2


@pytest.mark.parametrize(
    "error",
    [ProviderAuthError("403", status=403), ProviderParseError("bad", provider="p", field="x")],
)
def test_permanent_failures_are_raised_at_once(error: BaseException) -> None:
    clock = FakeClock()
    stats = RetryStats()
    with pytest.raises(type(error)):
        call_with_retry(
            failing(error), policy=POLICY, clock=clock, deadline=clock.monotonic() + 60, stats=stats
        )
    assert stats.attempts == 1 and clock.sleeps == []


def test_attempts_are_bounded() -> None:
    clock = FakeClock()
    stats = RetryStats()
    with pytest.raises(ProviderHTTPError):
        call_with_retry(
            failing(*[ProviderHTTPError("500", status=500)] * 10),
            policy=POLICY,
            clock=clock,
            deadline=clock.monotonic() + 600,
            stats=stats,
        )
    assert stats.attempts == 4
