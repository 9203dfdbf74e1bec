"""Retry with exponential backoff and jitter (tenacity), on transient provider failures only."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from tradingagents.clock import Clock
from tradingagents.config import RetryConfig
from tradingagents.errors import ProviderError

T = TypeVar("T")


_DEFAULTS = RetryConfig()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a provider call is retried (defaults: :class:`RetryConfig`)."""

    max_attempts: int = _DEFAULTS.max_attempts
    initial_backoff_s: float = _DEFAULTS.initial_backoff_seconds
    max_backoff_s: float = _DEFAULTS.max_backoff_seconds
    jitter_s: float = _DEFAULTS.jitter_seconds
    # A server's Retry-After is honoured up to this many seconds (it may ask for hours).
    max_retry_after_s: float = _DEFAULTS.max_retry_after_seconds

    @classmethod
    def from_config(cls, config: RetryConfig) -> RetryPolicy:
        return cls(
            max_attempts=config.max_attempts,
            initial_backoff_s=config.initial_backoff_seconds,
            max_backoff_s=config.max_backoff_seconds,
            jitter_s=config.jitter_seconds,
            max_retry_after_s=config.max_retry_after_seconds,
        )


def is_transient(exc: BaseException) -> bool:
    """Timeouts, resets, 429, 5xx and quota answers; never auth, parse or size errors."""
    return isinstance(exc, ProviderError) and exc.retryable


class _Wait:
    """Retry-After when the server sent one (capped), else exponential backoff with jitter.

    tenacity has no Retry-After support built in, hence this small wait strategy.
    """

    def __init__(self, policy: RetryPolicy, rng: random.Random | None) -> None:
        self.policy = policy
        self.backoff = wait_exponential_jitter(
            multiplier=policy.initial_backoff_s, max=policy.max_backoff_s, jitter=policy.jitter_s
        )
        self.rng = rng

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after >= 0:
            return float(min(retry_after, self.policy.max_retry_after_s))
        if self.rng is None:
            return float(self.backoff(state))
        exp = self.policy.initial_backoff_s * 2 ** (state.attempt_number - 1)
        return float(
            min(exp + self.rng.uniform(0, self.policy.jitter_s), self.policy.max_backoff_s)
        )


class _StopAtDeadline(stop_base):
    """Stop rather than sleep into the deadline: the caller must still have time to report.

    tenacity's stop_before_delay measures from the first attempt with the system clock; this
    one compares against the scanner's own deadline on the injected clock.
    """

    def __init__(self, clock: Clock, deadline: float) -> None:
        self.clock = clock
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.clock.monotonic() + retry_state.upcoming_sleep >= self.deadline


@dataclass
class RetryStats:
    """What one call cost: attempts made and seconds slept between them."""

    attempts: int = 0
    backoff_s: float = 0.0


def call_with_retry(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    clock: Clock,
    deadline: float,
    stats: RetryStats,
    rng: random.Random | None = None,
) -> T:
    """Run ``attempt`` until it succeeds, fails permanently, or the next wait would pass
    ``deadline`` (a ``clock.monotonic()`` value); re-raises the last error.
    """

    def sleep(seconds: float) -> None:
        stats.backoff_s += seconds
        clock.sleep(seconds)

    def counted() -> T:
        stats.attempts += 1
        return attempt()

    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(policy.max_attempts) | _StopAtDeadline(clock, deadline),
        wait=_Wait(policy, rng),
        sleep=sleep,
        reraise=True,
    )
    return retrying(counted)
