"""Resilience as stackable handlers around a transport: cache, retry, pause and rate limit."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from tradingagents.clock import Clock
from tradingagents.errors import ProviderError, ProviderHTTPError
from tradingagents.http.exchange import Exchange, Handler
from tradingagents.http.messages import Response
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Limiter
from tradingagents.resilience.pauses import (
    MAX_PAUSE_S,
    PauseBoard,
    PausedWhileQueued,
    ProviderPaused,
)
from tradingagents.resilience.ratelimit import RateLimitWouldExceedDeadline
from tradingagents.resilience.retry import RetryPolicy, RetryStats, call_with_retry, is_transient

logger = logging.getLogger("tradingagents.providers")


class RateLimited:
    """Takes a token from the provider's limiter before each attempt; the wait is counted."""

    def __init__(self, inner: Handler, limiter: Limiter) -> None:
        self.inner = inner
        self.limiter = limiter

    def handle(self, exchange: Exchange) -> Response:
        exchange.stop_if_cancelled()
        exchange.waited_rate_limit_s += self.limiter.acquire(exchange.deadline)
        return self.inner.handle(exchange)


class ProviderPause:
    """Holds each attempt while its provider is paused, and pauses the provider for everyone
    when an answer asks for it (429 or 503 with Retry-After; see :class:`PauseBoard`).

    Placed inside :class:`Retrying`, so that retries are held too, and outside the rate
    limiter, so that a held call takes no token until it may use it. A pause that outlasts the
    call's deadline fails it at once with :class:`ProviderPaused`, nothing sent; a shorter one
    is waited out on the clock and counted as rate-limit wait.
    """

    def __init__(self, inner: Handler, pauses: PauseBoard, clock: Clock) -> None:
        self.inner = inner
        self.pauses = pauses
        self.clock = clock

    def handle(self, exchange: Exchange) -> Response:
        while True:
            self._wait_out(exchange)
            try:
                return self.inner.handle(exchange)
            except PausedWhileQueued:
                # The token taken was due before the pause; wait it out and queue again, so
                # that the calls held by it are spaced by the limiter instead of all sent at
                # its end. Each round sleeps (or fails at the deadline), so this ends.
                continue
            except ProviderHTTPError as exc:
                self._record(exchange, exc)
                raise

    def _wait_out(self, exchange: Exchange) -> None:
        provider = exchange.request.provider
        while True:
            exchange.stop_if_cancelled()
            now = self.clock.now()
            pause = self.pauses.current(provider, now)
            if pause is None:
                return
            wait = pause.seconds_left(now)
            left = exchange.deadline - self.clock.monotonic()
            if wait >= left:
                raise ProviderPaused(pause, wait_s=wait, left_s=left)
            self.clock.sleep(wait)
            exchange.waited_rate_limit_s = round(exchange.waited_rate_limit_s + wait, 6)

    def _record(self, exchange: Exchange, exc: ProviderHTTPError) -> None:
        if isinstance(exc, ProviderPaused) or exc.status not in (429, 503):
            return
        if exc.retry_after is None or exc.retry_after <= 0:
            return
        seconds = min(exc.retry_after, MAX_PAUSE_S)
        until = self.clock.now() + timedelta(seconds=seconds)
        self.pauses.pause(exchange.request.provider, until, status=exc.status)
        # Retry and pause do not add up: Retrying sleeps the Retry-After itself (counted as
        # backoff, capped at max_retry_after_s) before its next attempt, which reaches
        # _wait_out when the pause is over (or waits only what the cap left of it). A pause
        # past this call's deadline makes the retry pointless: marked so, Retrying gives up now
        # instead of sleeping the capped wait only to be refused then. Cached still serves a
        # stale copy for it (see _asked_to_wait).
        if seconds >= exchange.deadline - self.clock.monotonic():
            exc.retryable = False


class PauseRecheck:
    """Right before the send, under the rate limiter: a pause that began while the call waited
    for its token stops it with :class:`PausedWhileQueued`, which :class:`ProviderPause`
    above turns into a wait (or a failure at the deadline) and a fresh token."""

    def __init__(self, inner: Handler, pauses: PauseBoard, clock: Clock) -> None:
        self.inner = inner
        self.pauses = pauses
        self.clock = clock

    def handle(self, exchange: Exchange) -> Response:
        now = self.clock.now()
        pause = self.pauses.current(exchange.request.provider, now)
        if pause is not None:
            left = exchange.deadline - self.clock.monotonic()
            raise PausedWhileQueued(pause, wait_s=pause.seconds_left(now), left_s=left)
        return self.inner.handle(exchange)


class Retrying:
    """Retries transient failures with backoff (see :func:`call_with_retry`) until the deadline."""

    def __init__(
        self, inner: Handler, policy: RetryPolicy, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.clock = clock
        self.rng = rng

    def handle(self, exchange: Exchange) -> Response:
        stats = RetryStats()
        try:
            return call_with_retry(
                lambda: self.inner.handle(exchange),
                policy=self.policy,
                clock=self.clock,
                deadline=exchange.deadline,
                stats=stats,
                rng=self.rng,
            )
        finally:
            exchange.waited_backoff_s = round(stats.backoff_s, 6)


class Cached:
    """Serves GETs from the response cache, stores valid answers, and serves a stale copy when
    the provider fails transiently or the rate limit leaves no time: yesterday's answer beats
    none. Only validated bodies are served or stored (an "Access Denied" page sent with 200
    must not be served again for the cache's TTL); a cached body that no longer parses is a miss.
    """

    def __init__(self, inner: Handler, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache

    def handle(self, exchange: Exchange) -> Response:
        request = exchange.request
        if request.method != "GET":  # a POST's answer (an OAuth token) is never cached
            return self.inner.handle(exchange)
        hit = self.cache.get(request)
        if hit is not None:
            try:
                response = hit.response
                output = f"HTTP {response.status}, {len(response.body)} bytes (cached)"
                exchange.accept(response, output=output)
            except ProviderError:
                exchange.output = None
            else:
                exchange.cache = "hit"
                return response
        exchange.cache = "miss"
        try:
            response = exchange.accept(self.inner.handle(exchange))
        except ProviderError as exc:
            if not (
                is_transient(exc)
                or isinstance(exc, RateLimitWouldExceedDeadline)
                or _asked_to_wait(exc)
            ):
                raise
            stale = self._stale(exchange, exc)
            if stale is None:
                raise
            return stale
        self.cache.put(request, response)
        return response

    def _stale(self, exchange: Exchange, exc: ProviderError) -> Response | None:
        stale = self.cache.get(exchange.request, allow_stale=True)
        if stale is None:
            return None
        response = stale.response
        output = (
            f"HTTP {response.status} (stale, {stale.age_s:.0f}s old) after "
            f"{type(exc).__name__}: {exc}"
        )
        try:
            exchange.accept(response, output=output)
        except ProviderError:
            exchange.output = None
            return None
        exchange.cache = "stale"
        logger.warning(
            "%s: serving a stale cached response (%.0fs old) after %s",
            exchange.request.provider,
            stale.age_s,
            type(exc).__name__,
        )
        return response


def _asked_to_wait(exc: ProviderError) -> bool:
    # The provider asked for time (Retry-After) that this call does not have.
    return isinstance(exc, ProviderHTTPError) and exc.retry_after is not None
