"""The config of live-mode protection: retries, rate limits, the HTTP cache, breakers."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, Field, field_validator

from tradingagents.config._base import FROZEN
from tradingagents.config._providers import ProviderName


class RetryConfig(BaseModel):
    """Retries of transient failures (timeouts, connection errors, 429, 5xx) in live mode."""

    model_config = FROZEN

    max_attempts: int = Field(
        default=3, ge=1, le=10, description="Attempts per provider call (live mode)."
    )
    initial_backoff_seconds: float = Field(
        default=0.5, ge=0, description="First wait of the exponential backoff."
    )
    max_backoff_seconds: float = Field(
        default=8.0, ge=0, description="Longest wait of the exponential backoff."
    )
    jitter_seconds: float = Field(
        default=0.5, ge=0, description="Random jitter added to each backoff wait, at most."
    )
    max_retry_after_seconds: float = Field(
        default=60.0, ge=0, description="Cap on a server's Retry-After."
    )


class RateLimitConfig(BaseModel):
    """One provider's request rate; each field given replaces that field of its built-in limit."""

    model_config = FROZEN

    per_second: float | None = Field(
        default=None,
        gt=0,
        le=500,
        description="Requests per second, in the process (even spacing); unset: the "
        "provider's built-in limit, if any.",
    )
    per_minute: int | None = Field(
        default=None,
        gt=0,
        description="Requests per minute, in the process (a sliding window); unset: the "
        "provider's built-in limit, if any.",
    )
    per_day: int | None = Field(
        default=None,
        gt=0,
        description="Requests per UTC day, persisted across runs in the state directory; "
        "unset: the provider's built-in limit, if any.",
    )


BUILTIN_RATE_LIMITS: Mapping[ProviderName, RateLimitConfig] = MappingProxyType(
    {
        # SEC "Accessing EDGAR Data" (fair access): at most 10 requests per second per user,
        # across all of that user's machines; faster clients are blocked for 10 minutes.
        "sec_edgar": RateLimitConfig(per_second=10),
        # Alpha Vantage's free key: 25 requests per day (alphavantage.co/premium, support FAQ),
        # and its over-quota Note also enforces a burst limit of 5 requests per minute.
        "alpha_vantage": RateLimitConfig(per_minute=5, per_day=25),
        # Finnhub free plan: 60 API calls per minute (finnhub.io/docs/api/rate-limit; the 30/s
        # cap there is above what 60/min allows anyway).
        "finnhub": RateLimitConfig(per_minute=60),
        # Yahoo publishes no limit for its unofficial endpoints and answers bursts with 429;
        # 5/s is a conservative pace that yfinance users report as safe.
        "yahoo": RateLimitConfig(per_second=5),
        # api.nasdaq.com is unofficial and undocumented; 5/s, like Yahoo, stays well clear of
        # its bot protection for the few calendar calls a run makes.
        "nasdaq": RateLimitConfig(per_second=5),
        # Reddit's Data API allows 100 queries per minute per OAuth client (averaged over 10
        # min) and less without OAuth; 1/s (60/min) stays under both.
        "reddit": RateLimitConfig(per_second=1),
    }
)

# Per-endpoint freshness, matched against "<provider>:<path>" (first match wins).
BUILTIN_TTLS: Mapping[str, float] = MappingProxyType(
    {
        # Short: a chart up to today holds the session's still-moving bar. Finished sessions
        # are cached for good as parquet by the history loader.
        "yahoo:/v8/finance/chart/*": 300.0,
        "yahoo:/v7/finance/options/*": 300.0,  # option volume moves all session
        "yahoo:/v1/finance/screener/*": 300.0,
        "sec_edgar:/files/company_tickers.json": 24 * 3600.0,
        "sec_edgar:/Archives/*": 30 * 24 * 3600.0,  # a filed document never changes
        "sec_edgar:/LATEST/search-index": 900.0,
        "sec_edgar:/cgi-bin/browse-edgar": 120.0,
        "sec_edgar:/submissions/*": 3600.0,
        "nasdaq:*": 3600.0,
        "finnhub:*": 3600.0,
        "alpha_vantage:*": 6 * 3600.0,  # 25 calls a day: a rerun must not spend them again
        "reddit:*": 300.0,
        "apewisdom:*": 300.0,
    }
)


class CacheConfig(BaseModel):
    """The persistent HTTP response cache (live mode)."""

    model_config = FROZEN

    enabled: bool = Field(default=True, description="Use the persistent HTTP response cache.")
    ttl_seconds: dict[str, float] = Field(
        default_factory=lambda: dict(BUILTIN_TTLS),
        description='Seconds of freshness by "<provider>:<path glob>", the first matching '
        "pattern wins; patterns given are matched before the built-in ones (the default), "
        "which still cover the rest (docs/resilience.md).",
    )
    max_megabytes: float = Field(
        default=200.0,
        gt=0,
        description="Bound on the stored responses, in megabytes (10^6 bytes); over it the "
        "oldest go first. Responses a week past their freshness are purged whenever the "
        "cache opens.",
    )

    @field_validator("ttl_seconds")
    @classmethod
    def _over_builtin_ttls(cls, value: dict[str, float]) -> dict[str, float]:
        # The given patterns go first: they are often narrower than a built-in one they fall
        # under ("nasdaq:/api/calendar/*" within "nasdaq:*").
        return {**value, **{k: v for k, v in BUILTIN_TTLS.items() if k not in value}}


class BreakerConfig(BaseModel):
    """Per-scanner circuit breakers (live mode), persisted in the state directory."""

    model_config = FROZEN

    enabled: bool = Field(default=True, description="Per-scanner circuit breakers (live mode).")
    failure_threshold: int = Field(
        default=3,
        ge=1,
        description="Consecutive failed runs (error or timeout) that open a scanner's breaker.",
    )
    reset_timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How long an open breaker waits before one trial run (half-open).",
    )


class ResilienceConfig(BaseModel):
    """Live-mode protection: rate limits, retries, the HTTP cache and circuit breakers."""

    model_config = FROZEN

    state_dir: str | None = Field(
        default=None,
        description="SQLite state (quotas, breakers, HTTP cache); None: "
        "$TRADINGAGENTS_STATE_DIR, else ~/.local/state/tradingagents.",
    )
    retry: RetryConfig = Field(default=RetryConfig(), description="Retries with backoff.")
    rate_limits: dict[ProviderName, RateLimitConfig] = Field(
        default_factory=lambda: dict(BUILTIN_RATE_LIMITS),
        description="Request rates by provider; the default is the built-in limits, and a "
        "provider given keeps the fields of its built-in limit that it leaves unset "
        "(docs/resilience.md).",
    )
    cache: CacheConfig = Field(default=CacheConfig(), description="The HTTP response cache.")
    breaker: BreakerConfig = Field(default=BreakerConfig(), description="Circuit breakers.")

    @field_validator("rate_limits")
    @classmethod
    def _over_builtin_limits(
        cls, value: dict[ProviderName, RateLimitConfig]
    ) -> dict[ProviderName, RateLimitConfig]:
        merged = dict(BUILTIN_RATE_LIMITS)
        for provider, limit in value.items():
            builtin = merged.get(provider)
            given = limit.model_dump(include=limit.model_fields_set)
            merged[provider] = limit if builtin is None else builtin.model_copy(update=given)
        return merged
