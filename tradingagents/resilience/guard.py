"""Resilience: the clock, retry policy, rate limiters, pauses and cache a provider client uses."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.pauses import PauseBoard
from tradingagents.resilience.retry import RetryPolicy


class Limiter(Protocol):
    def acquire(self, deadline: float) -> float: ...


class LimiterSource(Protocol):
    def get(self, provider: str) -> Limiter | None: ...


@dataclass
class Resilience:
    """Shared by every client of one ProviderHub; each piece is optional."""

    clock: Clock = SYSTEM_CLOCK
    retry: RetryPolicy | None = None
    limiters: LimiterSource | None = None
    cache: ResponseCache | None = None
    # Provider-wide pauses asked for with Retry-After, shared by every client (and process).
    pauses: PauseBoard | None = None
    # Seeded in tests so backoff schedules are exact; None uses tenacity's own jitter.
    rng: random.Random | None = None

    def limiter(self, provider: str) -> Limiter | None:
        return self.limiters.get(provider) if self.limiters is not None else None
