"""Resilience: rate limits, retries with backoff, response caching and circuit breakers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradingagents._lazy import lazy_exports

if TYPE_CHECKING:
    from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, BreakerStatus
    from tradingagents.resilience.cache import ResponseCache
    from tradingagents.resilience.guard import Resilience
    from tradingagents.resilience.layers import (
        Cached,
        PauseRecheck,
        ProviderPause,
        RateLimited,
        Retrying,
    )
    from tradingagents.resilience.metrics import RunMetrics
    from tradingagents.resilience.pauses import PauseBoard, ProviderPaused
    from tradingagents.resilience.ratelimit import (
        RateLimiterRegistry,
        RateLimitPolicy,
        RateLimitWouldExceedDeadline,
    )
    from tradingagents.resilience.retry import RetryPolicy

_PUBLIC = {
    "tradingagents.resilience.breakers": ["BreakerBoard", "BreakerPolicy", "BreakerStatus"],
    "tradingagents.resilience.cache": ["ResponseCache"],
    "tradingagents.resilience.guard": ["Resilience"],
    "tradingagents.resilience.layers": [
        "Cached",
        "PauseRecheck",
        "ProviderPause",
        "RateLimited",
        "Retrying",
    ],
    "tradingagents.resilience.pauses": ["PauseBoard", "ProviderPaused"],
    "tradingagents.resilience.metrics": ["RunMetrics"],
    "tradingagents.resilience.ratelimit": [
        "RateLimitPolicy",
        "RateLimitWouldExceedDeadline",
        "RateLimiterRegistry",
    ],
    "tradingagents.resilience.retry": ["RetryPolicy"],
}
__all__ = [
    "BreakerBoard",
    "BreakerPolicy",
    "BreakerStatus",
    "Cached",
    "PauseBoard",
    "PauseRecheck",
    "ProviderPause",
    "ProviderPaused",
    "RateLimitPolicy",
    "RateLimitWouldExceedDeadline",
    "RateLimited",
    "RateLimiterRegistry",
    "Resilience",
    "ResponseCache",
    "RetryPolicy",
    "Retrying",
    "RunMetrics",
]
# Lazy: importing one resilience module (the retry policy) must not open every store.
__getattr__, __dir__ = lazy_exports(__name__, globals(), _PUBLIC)
