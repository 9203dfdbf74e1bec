"""Each resilience handler alone, around a scripted inner handler, on a fake clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tradingagents.clock import FakeClock
from tradingagents.errors import (
    ProviderCancelled,
    ProviderError,
    ProviderHTTPError,
    ProviderParseError,
    ProviderTimeout,
)
from tradingagents.http import Request, Response
from tradingagents.http.exchange import Exchange, SendOnce
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.layers import Cached, RateLimited, Retrying
from tradingagents.resilience.ratelimit import RateLimitWouldExceedDeadline
from tradingagents.resilience.retry import RetryPolicy

REQUEST = Request(provider="p", url="https://api.example.test/quote", params={"s": "AAPL"})
OK = Response(status=200, body=b'{"ok": 1}')
BAD = Response(status=200, body=b"<html>Access Denied</html>")


class Scripted:
    """An inner handler answering from a script: a Response, or an exception to raise."""

    def __init__(self, *outcomes: Response | ProviderError) -> None:
        self.outcomes: Iterator[Response | ProviderError] = iter(outcomes)
        self.calls = 0

    def handle(self, exchange: Exchange) -> Response:
        self.calls += 1
        exchange.attempts += 1
        outcome = next(self.outcomes)
        if isinstance(outcome, ProviderError):
            raise outcome
        return outcome


def exchange(
    clock: FakeClock, *, seconds: float = 10.0, validate: Callable[[Response], object] | None = None
) -> Exchange:
    return Exchange(
        REQUEST, deadline=clock.monotonic() + seconds, max_bytes=1000, validate=validate
    )


def must_be_json(response: Response) -> None:
    if not response.body.startswith(b"{"):
        raise ProviderParseError("not JSON", provider="p")


def transient() -> ProviderError:
    return ProviderHTTPError("HTTP 503", status=503, provider="p")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(tmp_path: Path, clock: FakeClock) -> Iterator[ResponseCache]:
    store = ResponseCache(tmp_path / "cache.sqlite", ttls={"p:*": 60}, clock=clock)
    yield store
    store.close()


# -- rate limit ---------------------------------------------------------------------------------


class Limiter:
    def __init__(self, wait_s: float = 0.0, refuse: bool = False) -> None:
        self.wait_s, self.refuse, self.deadlines = wait_s, refuse, list[float]()

    def acquire(self, deadline: float) -> float:
        self.deadlines.append(deadline)
        if self.refuse:
            raise RateLimitWouldExceedDeadline(
                "no token before the deadline", provider="p", wait_s=5.0
            )
        return self.wait_s


def test_rate_limited_counts_the_wait_and_passes_the_deadline(clock: FakeClock) -> None:
    limiter, inner = Limiter(wait_s=0.25), Scripted(OK)
    call = exchange(clock)

    assert RateLimited(inner, limiter).handle(call) is OK
    assert limiter.deadlines == [call.deadline]
    assert call.waited_rate_limit_s == 0.25


def test_a_refused_token_sends_nothing(clock: FakeClock) -> None:
    inner = Scripted(OK)
    with pytest.raises(RateLimitWouldExceedDeadline):
        RateLimited(inner, Limiter(refuse=True)).handle(exchange(clock))
    assert inner.calls == 0


def test_a_cancelled_call_takes_no_token(clock: FakeClock) -> None:
    limiter, call = Limiter(), exchange(clock)
    call.cancelled = threading.Event()
    call.cancelled.set()
    with pytest.raises(ProviderCancelled):
        RateLimited(Scripted(OK), limiter).handle(call)
    assert limiter.deadlines == []


# -- retry --------------------------------------------------------------------------------------

POLICY = RetryPolicy(max_attempts=3, initial_backoff_s=1.0, max_backoff_s=8.0, jitter_s=0.0)


def test_retrying_waits_on_the_clock_and_succeeds(clock: FakeClock) -> None:
    inner, call = Scripted(transient(), transient(), OK), exchange(clock)

    assert Retrying(inner, POLICY, clock).handle(call) is OK
    assert inner.calls == 3
    assert clock.sleeps == [1.0, 2.0]
    assert call.waited_backoff_s == 3.0


def test_retrying_never_repeats_a_permanent_failure(clock: FakeClock) -> None:
    inner = Scripted(ProviderParseError("bad", provider="p"), OK)
    with pytest.raises(ProviderParseError):
        Retrying(inner, POLICY, clock).handle(exchange(clock))
    assert inner.calls == 1


def test_retrying_stops_when_the_next_wait_would_pass_the_deadline(clock: FakeClock) -> None:
    inner = Scripted(transient(), transient(), OK)
    with pytest.raises(ProviderHTTPError):
        Retrying(inner, POLICY, clock).handle(exchange(clock, seconds=1.5))
    assert inner.calls == 2  # waited 1 s, then a 2 s wait would end past 1.5 s


# -- cache --------------------------------------------------------------------------------------


def test_a_hit_is_served_without_the_inner_handler(clock: FakeClock, cache: ResponseCache) -> None:
    cache.put(REQUEST, OK)
    inner, call = Scripted(), exchange(clock, validate=must_be_json)

    assert Cached(inner, cache).handle(call).body == OK.body
    assert inner.calls == 0
    assert call.cache == "hit"
    assert call.output == "HTTP 200, 9 bytes (cached)"


def test_a_cached_body_that_no_longer_parses_is_a_miss(
    clock: FakeClock, cache: ResponseCache
) -> None:
    cache.put(REQUEST, BAD)
    inner, call = Scripted(OK), exchange(clock, validate=must_be_json)

    assert Cached(inner, cache).handle(call) is OK
    assert (inner.calls, call.cache) == (1, "miss")
    stored = cache.get(REQUEST)
    assert stored is not None and stored.response.body == OK.body


def test_only_valid_answers_are_stored(clock: FakeClock, cache: ResponseCache) -> None:
    with pytest.raises(ProviderParseError):
        Cached(Scripted(BAD), cache).handle(exchange(clock, validate=must_be_json))
    assert cache.get(REQUEST) is None


def test_a_stale_copy_is_served_on_a_transient_failure_only(
    clock: FakeClock, cache: ResponseCache
) -> None:
    cache.put(REQUEST, OK)
    clock.advance(120)  # past the 60 s TTL
    call = exchange(clock, validate=must_be_json)

    assert (
        Cached(Scripted(ProviderTimeout("slow", provider="p")), cache).handle(call).body == OK.body
    )
    assert call.cache == "stale"
    assert call.output is not None and call.output.startswith("HTTP 200 (stale, 120s old)")

    with pytest.raises(ProviderParseError):  # permanent: the stale copy would hide it
        Cached(Scripted(ProviderParseError("bad", provider="p")), cache).handle(exchange(clock))


def test_a_post_bypasses_the_cache(clock: FakeClock, cache: ResponseCache) -> None:
    post = Request(provider="p", url=REQUEST.url, method="POST", form={"a": "b"})
    inner = Scripted(OK)
    call = Exchange(post, deadline=clock.monotonic() + 5, max_bytes=1000)

    assert Cached(inner, cache).handle(call) is OK
    assert call.cache is None
    assert cache.get(post) is None


# -- the stack ----------------------------------------------------------------------------------


class FlakyTransport:
    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.timeouts: list[float] = []

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        self.timeouts.append(timeout)
        return Response(status=self.statuses.pop(0), body=b'{"ok": 1}')


def raise_for_status(response: Response) -> None:
    if response.status >= 500:
        raise ProviderHTTPError(f"HTTP {response.status}", status=response.status, provider="p")


def test_the_layers_stack_in_any_order_a_caller_builds(
    clock: FakeClock, cache: ResponseCache
) -> None:
    transport, limiter = FlakyTransport(503, 200), Limiter(wait_s=0.5)
    stack = Cached(
        Retrying(RateLimited(SendOnce(transport, clock, raise_for_status), limiter), POLICY, clock),
        cache,
    )
    call = exchange(clock, validate=must_be_json)

    assert stack.handle(call).status == 200
    assert (call.attempts, call.cache, call.waited_rate_limit_s) == (2, "miss", 1.0)
    assert len(limiter.deadlines) == 2  # one token per attempt, inside the retry
    assert transport.timeouts[0] == pytest.approx(10.0)  # the time left, from the clock
    assert cache.get(REQUEST) is not None
