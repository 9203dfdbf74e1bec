"""Per-provider counters of one run, in the spirit of resilience4j and Polly metrics."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass


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


class RunMetrics:
    """Thread-safe counters per provider, filled by the provider clients during one run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._providers: dict[str, ProviderCounters] = {}

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
