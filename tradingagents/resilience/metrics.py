"""Per-provider counters of one run, in the spirit of resilience4j and Polly metrics."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass

from tradingagents.errors import (
    ProviderAuthError,
    ProviderBudgetExhausted,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderParseError,
    ProviderRateLimited,
    ProviderTimeout,
)
from tradingagents.resilience.ratelimit import RateLimitWouldExceedDeadline

# How many distinct problems one provider's summary names before it only counts the rest.
_PROBLEMS_NAMED = 3


@dataclass
class ProviderCounters:
    calls: int = 0  # logical calls (one per client method call)
    attempts: int = 0  # HTTP attempts actually sent
    retries: int = 0
    http_429: int = 0
    cache_hits: int = 0
    stale_served: int = 0  # cached responses served because the provider failed
    failures: int = 0  # calls that ended in an error
    rate_limit_wait_s: float = 0.0
    backoff_s: float = 0.0


def problem_of(error: ProviderError) -> str:
    """What went wrong in a failed call, worded so that the failures of a run group well:
    no elapsed seconds, no URL (a connection error names its server)."""
    if isinstance(error, ProviderConnectionError):
        return error.message
    if isinstance(error, ProviderBudgetExhausted):
        # Not sent either: the run's own budget for the provider ran out.
        return f"not sent (the run's budget of {error.budget} requests was used up)"
    if isinstance(error, RateLimitWouldExceedDeadline):
        # Not a failure of the provider: the call was never sent (often after the retries of
        # calls that did fail used up the time).
        if error.resets_at is not None:
            return "daily quota used up"
        return "not sent (waiting for the rate limit would pass the deadline)"
    if isinstance(error, ProviderTimeout):
        return "timed out"
    if isinstance(error, ProviderRateLimited):
        return "rate limited"
    if isinstance(error, ProviderAuthError):
        return f"HTTP {error.status} (credentials refused)"
    if isinstance(error, ProviderHTTPError):
        return f"HTTP {error.status}"
    if isinstance(error, ProviderParseError):
        return "unreadable response"
    return type(error).__name__


def _times(count: int, total: int) -> str:
    if count < total:
        return f"{count} of {total} calls failed"
    return f"{count} {'call' if count == 1 else 'calls'} failed"


class RunMetrics:
    """Thread-safe counters per provider, filled by the provider clients during one run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._providers: dict[str, ProviderCounters] = {}
        self._problems: dict[str, Counter[str]] = {}

    def add_failure(self, provider: str, error: ProviderError) -> None:
        """Note why a call failed (see :func:`problem_of`); :meth:`problems` sums them up."""
        with self._lock:
            self._problems.setdefault(provider, Counter())[problem_of(error)] += 1

    def problems(self) -> dict[str, str]:
        """One line per provider with failed calls, the most frequent problem first, e.g.
        ``{"yahoo": "network unreachable (DNS lookup failed for query2.finance.yahoo.com):
        75 calls failed"}``; "N of M calls" when some calls succeeded."""
        with self._lock:
            counted = {name: Counter(problems) for name, problems in self._problems.items()}
            calls = {name: c.calls for name, c in self._providers.items()}
        summary = {}
        for name, problems in sorted(counted.items()):
            total = max(calls.get(name, 0), sum(problems.values()))
            # Most frequent first; ties in alphabetical order, so the text is deterministic.
            ranked = sorted(problems.items(), key=lambda item: (-item[1], item[0]))
            parts = [f"{text}: {_times(n, total)}" for text, n in ranked[:_PROBLEMS_NAMED]]
            rest = sum(n for _, n in ranked[_PROBLEMS_NAMED:])
            if rest:
                parts.append(f"{rest} more failed for other reasons")
            summary[name] = "; ".join(parts)
        return summary

    def add(self, provider: str, **deltas: float) -> None:
        with self._lock:
            counters = self._providers.setdefault(provider, ProviderCounters())
            for name, delta in deltas.items():
                setattr(counters, name, getattr(counters, name) + delta)

    def snapshot(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {
                name: {k: round(v, 6) if isinstance(v, float) else v for k, v in asdict(c).items()}
                for name, c in sorted(self._providers.items())
            }
