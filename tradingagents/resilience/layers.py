"""Resilience as stackable handlers around a transport: cache, rate limit and retry, each alone."""

from __future__ import annotations

import logging
import random

from tradingagents.clock import Clock
from tradingagents.errors import ProviderError
from tradingagents.http.exchange import Exchange, Handler
from tradingagents.http.messages import Response
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Limiter
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
            if not (is_transient(exc) or isinstance(exc, RateLimitWouldExceedDeadline)):
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
