"""Builds what a run needs from its config: provider hub, limiters, cache, breakers, history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tradingagents import paths
from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.config import DiscoveryConfig
from tradingagents.credentials import Credentials
from tradingagents.http import Transport
from tradingagents.providers.hub import ProviderHub
from tradingagents.replay.snapshot import load_snapshot, sample_snapshot_path
from tradingagents.replay.transport import ReplayTransport
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, default_db_path
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Resilience
from tradingagents.resilience.pauses import shared_pause_board
from tradingagents.resilience.ratelimit import RateLimiterRegistry, RateLimitPolicy
from tradingagents.resilience.retry import RetryPolicy
from tradingagents.run_history import RunHistory, default_history_path


def build_hub(
    config: DiscoveryConfig,
    *,
    credentials: Credentials | None = None,
    transport: Transport | None = None,
    wrap: Callable[[Transport], Transport] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> ProviderHub:
    """The provider hub of ``config``'s source: the snapshot's (replay) or the live APIs with
    retries, rate limits and the HTTP cache. ``transport`` replaces the live transport (tests,
    local servers); ``wrap`` wraps every client's transport (recording)."""
    if config.source.mode == "replay":
        root = Path(config.source.snapshot) if config.source.snapshot else sample_snapshot_path()
        snapshot = load_snapshot(root)
        replay = ReplayTransport(snapshot, replay_latency=config.source.replay_latency)
        return ProviderHub(
            config,
            credentials=credentials,
            transport=replay,
            wrap=wrap,
            clock=clock,
            snapshot=snapshot,
        )
    return ProviderHub(
        config,
        credentials=credentials,
        transport=transport,
        wrap=wrap,
        clock=clock,
        resilience=live_resilience(config, clock),
    )


_REGISTRIES: dict[tuple[Any, ...], RateLimiterRegistry] = {}
_REGISTRIES_LOCK = threading.Lock()


def shared_limiters(
    limits: Mapping[str, RateLimitPolicy], state_dir: Path, clock: Clock
) -> RateLimiterRegistry:
    """One registry per (state dir, limits, clock) in the process, shared by every hub.

    A provider's limit is per user, not per graph: two DiscoveryGraphs in one process (a
    parent graph with two discovery subgraphs, a notebook) must not each get 10/s of EDGAR.
    """
    key = (str(state_dir.resolve()), tuple(sorted(limits.items())), id(clock))
    with _REGISTRIES_LOCK:
        registry = _REGISTRIES.get(key)
        if registry is None:
            registry = _REGISTRIES[key] = RateLimiterRegistry(
                limits, state_dir=state_dir, clock=clock
            )
        return registry


def live_resilience(config: DiscoveryConfig, clock: Clock) -> Resilience:
    """Retries, rate limits (daily quotas persisted), provider pauses (Retry-After, shared by
    processes) and the HTTP cache, from config."""
    settings = config.resilience
    state_dir = paths.state_dir(settings.state_dir)
    limits: dict[str, RateLimitPolicy] = {
        name: RateLimitPolicy.from_config(limit) for name, limit in settings.rate_limits.items()
    }
    cache = None
    if settings.cache.enabled:
        path = state_dir / "http_cache.sqlite"
        cache = ResponseCache(
            path,
            ttls=settings.cache.ttl_seconds,
            clock=clock,
            max_bytes=int(settings.cache.max_megabytes * 1_000_000),
        )
    return Resilience(
        clock=clock,
        retry=RetryPolicy.from_config(settings.retry),
        limiters=shared_limiters(limits, state_dir, clock),
        cache=cache,
        pauses=shared_pause_board(state_dir, clock=clock),
    )


def live_breakers(config: DiscoveryConfig, clock: Clock) -> BreakerBoard | None:
    """The persisted per-scanner breakers, in live mode only.

    Replay reads local files: a scanner failing there is a bug in the snapshot or the scanner,
    and skipping it in later replays would only hide that.
    """
    settings = config.resilience.breaker
    if config.source.mode != "live" or not settings.enabled:
        return None
    policy = BreakerPolicy.from_config(settings)
    # Fail open: an unusable breaker file costs the breakers (a warning), never the run.
    path = default_db_path(config.resilience.state_dir)
    return BreakerBoard(path, policy, clock=clock, fail_open=True)


def run_history(config: DiscoveryConfig) -> RunHistory | None:
    """The run history in the state directory, replay and live alike (durations are as real
    in a replay with recorded latencies); None when ``history.enabled`` is false."""
    if not config.history.enabled:
        return None
    return RunHistory(default_history_path(config.resilience.state_dir))
