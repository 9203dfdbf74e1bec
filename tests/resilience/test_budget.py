"""A run's request budget per provider: what is sent, what is refused, what costs nothing."""

from __future__ import annotations

import random
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.resilience.test_client_resilience import BODY, Scripted
from tradingagents.clock import FakeClock
from tradingagents.config import ProviderSettings, load_config
from tradingagents.discovery import ScanContext
from tradingagents.errors import ProviderBudgetExhausted, ProviderError, ProviderHTTPError
from tradingagents.http import Request, Response
from tradingagents.providers.nasdaq.client import NasdaqClient
from tradingagents.resilience.budget import RunBudgets
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Resilience
from tradingagents.resilience.metrics import RunMetrics, problem_of
from tradingagents.resilience.ratelimit import RateLimiterRegistry, RateLimitPolicy
from tradingagents.resilience.retry import RetryPolicy

DAY = date(2026, 11, 20)


class Services:
    def __init__(self, **limits: int | None) -> None:
        self.metrics = RunMetrics()
        self.budgets = RunBudgets(limits)


def context(services: Services) -> ScanContext:
    return ScanContext(
        scanner="s", trade_date=DAY, config={}, deadline=time.monotonic() + 30, services=services
    )


def live_client(transport: Scripted, clock: FakeClock, **kw: Any) -> NasdaqClient:
    nasdaq = NasdaqClient(transport)
    nasdaq.resilience = Resilience(
        clock=clock,
        retry=RetryPolicy(max_attempts=3, initial_backoff_s=1.0, jitter_s=0.0),
        limiters=RateLimiterRegistry({"nasdaq": RateLimitPolicy(per_second=1)}, clock=clock),
        rng=random.Random(0),
        **kw,
    )
    return nasdaq


def test_the_default_is_unlimited() -> None:
    assert ProviderSettings().run_budget is None
    budgets = RunBudgets({"yahoo": None})
    for _ in range(1000):
        budgets.take("yahoo")
    assert budgets.limit("yahoo") is None and budgets.sent("yahoo") == 1000


def test_the_budget_is_a_provider_setting() -> None:
    config = load_config({"discovery": {"providers": {"yahoo": {"run_budget": 500}}}})
    assert config.providers["yahoo"].run_budget == 500
    assert load_config({"discovery": {"providers": {"yahoo": {"run_budget": 0}}}})


def test_a_request_past_the_budget_is_not_sent_and_says_why() -> None:
    transport = Scripted()
    services = Services(nasdaq=2)
    ctx = context(services)
    nasdaq = NasdaqClient(transport)  # replay-like: no resilience layers, the budget still holds
    nasdaq.earnings(ctx, DAY)
    nasdaq.earnings(ctx, DAY)
    with pytest.raises(ProviderBudgetExhausted) as caught:
        nasdaq.earnings(ctx, DAY)
    assert len(transport.sent) == 2
    error = caught.value
    assert isinstance(error, ProviderError) and not error.retryable
    assert (error.provider, error.budget, error.sent, error.scanner) == ("nasdaq", 2, 2, "s")
    assert str(error) == "not sent: nasdaq's budget of 2 requests for this run is used up (2 sent)"
    assert problem_of(error) == "not sent (the run's budget of 2 requests was used up)"
    # The refused call is logged as a call with its error, like any refused call.
    assert [entry["error"] is None for entry in ctx._close()] == [True, True, False]


def test_other_providers_are_not_charged() -> None:
    budgets = RunBudgets({"yahoo": 1})
    budgets.take("yahoo")
    for _ in range(5):
        budgets.take("nasdaq")
    with pytest.raises(ProviderBudgetExhausted):
        budgets.take("yahoo")


def test_retries_count_and_a_refused_call_waits_for_no_token() -> None:
    clock = FakeClock()
    transport = Scripted(503, 200)
    ctx = context(Services(nasdaq=2))
    nasdaq = live_client(transport, clock)
    nasdaq.earnings(ctx, DAY)  # 503 then 200: two requests sent
    waited = clock.monotonic()
    with pytest.raises(ProviderBudgetExhausted, match=r"\(2 sent\)"):
        nasdaq.earnings(ctx, DAY)
    assert len(transport.sent) == 2
    assert clock.monotonic() == waited  # no rate-limit wait, no backoff for a refused call


def test_a_retry_past_the_budget_is_not_sent() -> None:
    clock = FakeClock()
    transport = Scripted(503, 503, 503)
    ctx = context(Services(nasdaq=1))
    with pytest.raises(ProviderBudgetExhausted):
        live_client(transport, clock).earnings(ctx, DAY)
    assert len(transport.sent) == 1


def test_a_cached_answer_costs_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = ResponseCache(tmp_path / "c.sqlite", ttls={"nasdaq:*": 60}, clock=clock)
    transport = Scripted()
    ctx = context(Services(nasdaq=1))
    nasdaq = live_client(transport, clock, cache=cache)
    for _ in range(3):
        nasdaq.earnings(ctx, DAY)
    assert len(transport.sent) == 1
    assert ctx.services.budgets.sent("nasdaq") == 1


def test_a_call_that_sent_nothing_gives_its_request_back() -> None:
    class Refusing(Scripted):
        def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
            raise AssertionError("never reached")

    services = Services(nasdaq=1)
    ctx = context(services)
    ctx.cancelled.set()
    with pytest.raises(ProviderError):
        NasdaqClient(Refusing()).earnings(ctx, DAY)
    assert services.budgets.sent("nasdaq") == 0


def test_threads_never_send_more_than_the_budget() -> None:
    class Counting(Scripted):
        def __init__(self) -> None:
            super().__init__()
            self.lock = threading.Lock()

        def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
            with self.lock:
                self.sent.append(request)
            time.sleep(0.001)
            return Response(status=200, body=BODY)

    transport = Counting()
    services = Services(nasdaq=25)
    nasdaq = NasdaqClient(transport)
    refused: list[ProviderBudgetExhausted] = []

    def worker() -> None:
        ctx = context(services)
        for _ in range(10):
            try:
                nasdaq.earnings(ctx, DAY)
            except ProviderBudgetExhausted as exc:
                refused.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(transport.sent) == 25 and len(refused) == 80 - 25


def test_an_http_error_still_counts_as_sent() -> None:
    ctx = context(Services(nasdaq=1))
    transport = Scripted(404)
    with pytest.raises(ProviderHTTPError):
        NasdaqClient(transport).earnings(ctx, DAY)
    with pytest.raises(ProviderBudgetExhausted):
        NasdaqClient(transport).earnings(ctx, DAY)
    assert len(transport.sent) == 1
