"""A provider client with retries, a rate limiter and the cache, on a fake clock: what it logs."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tradingagents.clock import FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.errors import ProviderAuthError, ProviderHTTPError
from tradingagents.http import Request, Response
from tradingagents.providers.nasdaq.client import NasdaqClient
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Resilience
from tradingagents.resilience.metrics import RunMetrics
from tradingagents.resilience.ratelimit import RateLimiterRegistry, RateLimitPolicy
from tradingagents.resilience.retry import RetryPolicy

BODY = (
    b'{"data": {"asOf": "Fri, Nov 20, 2026", "headers": {}, "rows": null}, "message": null,'
    b' "status": {"rCode": 200, "bCodeMessage": null, "developerMessage": null}}'
)
DAY = date(2026, 11, 20)


class Scripted:
    """A transport answering from a script of statuses; records each request it was sent."""

    def __init__(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.statuses = list(statuses)
        self.headers = headers or {}
        self.sent: list[Request] = []

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        self.sent.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return Response(status=status, body=BODY if status == 200 else b"no", headers=self.headers)


class Services:
    def __init__(self) -> None:
        self.metrics = RunMetrics()


def context() -> ScanContext:
    return ScanContext(
        scanner="s", trade_date=DAY, config={}, deadline=time.monotonic() + 30, services=Services()
    )


def client(transport: Scripted, clock: FakeClock, tmp_path: Path, **kw: Any) -> NasdaqClient:
    nasdaq = NasdaqClient(transport)
    nasdaq.resilience = Resilience(
        clock=clock,
        retry=RetryPolicy(max_attempts=3, initial_backoff_s=1.0, jitter_s=0.0),
        limiters=RateLimiterRegistry({"nasdaq": RateLimitPolicy(per_second=1)}, clock=clock),
        rng=random.Random(0),
        **kw,
    )
    return nasdaq


def test_retries_are_logged_with_attempts_waits_and_counted(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = Scripted(503, 429, 200, headers={"Retry-After": "2"})
    ctx = context()
    assert client(transport, clock, tmp_path).earnings(ctx, DAY) == []
    [entry] = ctx._close()
    assert entry["attempts"] == 3
    assert entry["waited_backoff_s"] == 4.0  # Retry-After 2 s, twice
    assert entry["waited_rate_limit_s"] == 0.0  # 1/s, and the backoff already spaced them
    assert entry["error"] is None
    stats = ctx.services.metrics.snapshot()["nasdaq"]
    assert (stats["calls"], stats["attempts"], stats["retries"], stats["http_429"]) == (1, 3, 2, 1)
    assert len(transport.sent) == 3


def test_the_rate_limit_token_is_taken_inside_each_attempt(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = Scripted()
    nasdaq = client(transport, clock, tmp_path)
    ctx = context()
    for _ in range(3):
        nasdaq.earnings(ctx, DAY)
    waits = [e["waited_rate_limit_s"] for e in ctx._close()]
    assert waits[0] == 0.0 and all(w > 0.9 for w in waits[1:])  # 1/s: the others waited


def test_auth_errors_are_not_retried_and_are_logged(tmp_path: Path) -> None:
    clock = FakeClock()
    transport = Scripted(403)
    ctx = context()
    with pytest.raises(ProviderAuthError):
        client(transport, clock, tmp_path).earnings(ctx, DAY)
    [entry] = ctx._close()
    assert entry["attempts"] == 1 and "ProviderAuthError" in entry["error"]
    assert clock.sleeps == []


def test_cache_hit_spends_no_attempt_and_stale_is_served_on_failure(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = ResponseCache(tmp_path / "c.sqlite", ttls={"nasdaq:*": 60}, clock=clock)
    transport = Scripted(200, 500, 500, 500)
    nasdaq = client(transport, clock, tmp_path, cache=cache)
    ctx = context()
    nasdaq.earnings(ctx, DAY)  # miss, stored
    nasdaq.earnings(ctx, DAY)  # hit: no request
    assert len(transport.sent) == 1
    clock.advance(120)
    nasdaq.earnings(ctx, DAY)  # expired, provider down: stale served
    first, second, third = ctx._close()
    assert (first["cache"], second["cache"], third["cache"]) == ("miss", "hit", "stale")
    assert second["attempts"] == 0
    assert "stale" in third["output"] and "ProviderHTTPError" in third["output"]
    stats = ctx.services.metrics.snapshot()["nasdaq"]
    assert (stats["cache_hits"], stats["stale_served"], stats["failures"]) == (1, 1, 0)


def test_without_a_cached_copy_the_failure_is_raised(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = ResponseCache(tmp_path / "c.sqlite", ttls={"nasdaq:*": 60}, clock=clock)
    ctx = context()
    with pytest.raises(ProviderHTTPError):
        client(Scripted(500, 500, 500), clock, tmp_path, cache=cache).earnings(ctx, DAY)
    assert ctx.services.metrics.snapshot()["nasdaq"]["failures"] == 1
