"""Typed discovery configuration: the one definition of every default, and user dicts validated."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradingagents.discovery.scanner import ScannerParams
from tradingagents.discovery.scoring import RankConfig
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.validation import problems_from_validation

_FROZEN = ConfigDict(extra="forbid", frozen=True, strict=True)

# The sample snapshot is generated for exactly these symbols (scripts/generate_sample_snapshot.py).
DEFAULT_UNIVERSE: tuple[str, ...] = (
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AMD", "INTC", "F", "T", "BAC",
    "JPM", "XOM", "CVX", "PFE", "KO", "DIS", "NFLX", "CRM", "PLTR", "UBER", "BRK-B", "WMT",
)  # fmt: skip
# Names, not defaults: config may name a built-in scanner or pipeline even when a graph runs
# other scanners, and a misspelt one gets a suggestion.
BUILTIN_SCANNERS: tuple[str, ...] = (
    "market_movers",
    "insider_buying",
    "volume_accumulation",
    "technical_breakout",
    "rsi_oversold",
    "earnings_calendar",
    "options_flow",
    "reddit_trending",
    "sec_catalysts",
)
BUILTIN_PIPELINES: tuple[str, ...] = (
    "momentum",
    "edge",
    "mean_reversion",
    "events",
    "social",
    "news",
)


class ScannerExecutionConfig(BaseModel):
    """How scanners are dispatched and how long they may take."""

    model_config = _FROZEN

    concurrent: bool = Field(
        default=True,
        description="Run scanners over a thread pool; False runs them one at a time in "
        "registration order under the same timeout rules.",
    )
    max_workers: int = Field(
        default=8, gt=0, le=1024, description="At most this many scanners run at once."
    )
    timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=86_400,
        description="Per-scanner deadline, counted from that scanner's own start.",
    )
    global_timeout_seconds: float | None = Field(
        default=None,
        gt=0,
        le=7 * 86_400,
        description="Deadline of the whole discovery step, queue waits included; None: no "
        "bound beyond what the per-scanner timeouts imply.",
    )


class ScannerSettings(ScannerParams):
    """Settings every scanner understands; scanner-specific params ride along as extras.

    The fields and their defaults are :class:`ScannerParams`'s, declared once there. The extras
    are validated against the scanner's own ``Params`` model once the scanner is known
    (see :func:`tradingagents.discovery.scanner.validate_params`).
    """

    # Extras allowed: the config is read before the scanners (and their Params) are known.
    model_config = ConfigDict(extra="allow", frozen=True, strict=True)


class PipelineSettings(BaseModel):
    """A pipeline's switch."""

    model_config = _FROZEN

    enabled: bool = Field(
        default=True, description="False: every scanner of that pipeline is recorded as skipped."
    )


class FilterConfig(BaseModel):
    """The filter node: what it drops before ranking."""

    model_config = _FROZEN

    min_price: float | None = Field(
        default=None,
        ge=0,
        description="Drop candidates carrying a price below this; None: no minimum.",
    )
    min_volume: float | None = Field(
        default=None,
        ge=0,
        description="Drop candidates carrying a volume below this; None: no minimum.",
    )
    exclude_tickers: tuple[str, ...] = Field(
        default=(),
        description="Tickers never to emit (normalised like candidate tickers).",
    )


class LlmRankConfig(BaseModel):
    """The optional llm_rank node (it runs only when ``DiscoveryGraph`` is given an ``llm``)."""

    model_config = _FROZEN

    # Both bounds keep the prompt's size bounded whatever the scanners found.
    max_candidates_in_prompt: int = Field(
        default=30,
        ge=1,
        le=1000,
        description="Top ranked candidates sent to the LLM ranker; the rest keep their order "
        "after them.",
    )
    max_context_chars: int = Field(
        default=200,
        ge=0,
        le=10_000,
        description="Each candidate's context is cut to this many characters in the prompt.",
    )
    timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="No answer by then: the deterministic ranking is kept.",
    )
    # A model object passed to DiscoveryGraph wins over one named here. The key comes from the
    # provider's usual variable (OPENAI_API_KEY...) or credentials.llm_api_key, never from this
    # section, so that a config file can be shared.
    provider: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Chat model provider for langchain's init_chat_model (the llm extra plus "
        "the provider's package); set with model, it adds the llm_rank node.",
    )
    model: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Chat model name for init_chat_model; both provider and model, or neither.",
    )
    base_url: str | None = Field(
        default=None,
        description="The model's endpoint (OpenAI-compatible or self-hosted: vLLM, Ollama...); "
        "None: the provider's.",
    )
    temperature: float | None = Field(
        default=None,
        ge=0,
        le=2,
        description="Sampling temperature; None: the provider's default (reasoning models "
        "refuse anything else); 0 for more repeatable rankings where it is allowed.",
    )


ProviderName = Literal[
    "yahoo", "sec_edgar", "nasdaq", "finnhub", "alpha_vantage", "reddit", "apewisdom"
]


class SourceConfig(BaseModel):
    """Where provider data comes from: a replay snapshot (offline, the default) or the live APIs."""

    model_config = _FROZEN

    mode: Literal["replay", "live"] = Field(
        default="replay",
        description="replay: serve every provider from a snapshot of recorded or generated "
        "responses, offline; live: call the real APIs.",
    )
    snapshot: str | None = Field(
        default=None,
        description="Snapshot directory for replay; None: the sample snapshot bundled with "
        "the package.",
    )
    replay_latency: bool = Field(
        default=False,
        description="Wait each response's recorded latency before serving it, so concurrency "
        "is visible offline.",
    )


class ProviderSettings(BaseModel):
    """Per-provider connection settings; secrets (API keys) come from the environment only."""

    model_config = _FROZEN

    base_url: str | None = Field(
        default=None,
        description="Where that provider's client sends requests; None: the API's own URL.",
    )
    max_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, description="Response size cap in bytes (20 MiB)."
    )
    connect_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="TCP connect timeout; the read timeout is the scanner's remaining time.",
    )
    user_agent: str | None = Field(
        default=None,
        description="User-Agent sent (EDGAR requires one with contact info); for sec_edgar, "
        "None: SEC_USER_AGENT.",
    )


class RetryConfig(BaseModel):
    """Retries of transient failures (timeouts, connection errors, 429, 5xx) in live mode."""

    model_config = _FROZEN

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

    model_config = _FROZEN

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

    model_config = _FROZEN

    enabled: bool = Field(default=True, description="Use the persistent HTTP response cache.")
    ttl_seconds: dict[str, float] = Field(
        default_factory=lambda: dict(BUILTIN_TTLS),
        description='Seconds of freshness by "<provider>:<path glob>", the first matching '
        "pattern wins; patterns given are matched before the built-in ones (the default), "
        "which still cover the rest (docs/resilience.md).",
    )

    @field_validator("ttl_seconds")
    @classmethod
    def _over_builtin_ttls(cls, value: dict[str, float]) -> dict[str, float]:
        # The given patterns go first: they are often narrower than a built-in one they fall
        # under ("nasdaq:/api/calendar/*" within "nasdaq:*").
        return {**value, **{k: v for k, v in BUILTIN_TTLS.items() if k not in value}}


class BreakerConfig(BaseModel):
    """Per-scanner circuit breakers (live mode), persisted in the state directory."""

    model_config = _FROZEN

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

    model_config = _FROZEN

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


class DiscoveryConfig(BaseModel):
    """The ``discovery`` section of the configuration, validated; its defaults are the defaults."""

    model_config = _FROZEN

    source: SourceConfig = Field(default=SourceConfig(), description="Where data comes from.")
    providers: dict[ProviderName, ProviderSettings] = Field(
        default_factory=dict, description="Connection settings by provider."
    )
    # The sample snapshot holds these symbols' bars and option chains, so the default run finds
    # what it was planted with; an empty universe would leave four scanners nothing to scan.
    universe: tuple[str, ...] = Field(
        default=DEFAULT_UNIVERSE,
        description="Symbols the history scanners and options_flow look at (24 liquid large "
        "caps by default).",
    )
    cache_dir: str | None = Field(
        default=None,
        description="Parquet cache of live price history; None: $TRADINGAGENTS_CACHE_DIR, else "
        "~/.cache/tradingagents.",
    )
    resilience: ResilienceConfig = Field(
        default=ResilienceConfig(),
        description="Live-mode protection; replay reads local files and needs none of it.",
    )

    scanner_execution: ScannerExecutionConfig = Field(
        default=ScannerExecutionConfig(), description="Dispatch and deadlines."
    )
    scanners: dict[str, ScannerSettings] = Field(
        default_factory=dict,
        description="Settings by scanner name; keys other than the common ones are the "
        "scanner's own typed params.",
    )
    pipelines: dict[str, PipelineSettings] = Field(
        default_factory=dict, description="Switches by pipeline name."
    )
    filter: FilterConfig = Field(default=FilterConfig(), description="The filter node.")
    rank: RankConfig = Field(
        default=RankConfig(),
        description="The rank node: the scoring model's constants (docs/scoring.md).",
    )
    llm_rank: LlmRankConfig = Field(
        default=LlmRankConfig(),
        description="The optional LLM ranker, used when DiscoveryGraph is given a model or "
        "llm_rank names one.",
    )

    @field_validator("universe")
    @classmethod
    def _normalise_universe(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Imported here: candidate.py is part of the scanner API, which imports this module.
        from tradingagents.discovery.candidate import normalize_ticker  # noqa: PLC0415

        return tuple(dict.fromkeys(normalize_ticker(t) for t in value))

    def pipeline_enabled(self, pipeline: str) -> bool:
        settings = self.pipelines.get(pipeline)
        return settings.enabled if settings is not None else True

    def provider(self, name: ProviderName) -> ProviderSettings:
        return self.providers.get(name) or ProviderSettings()


@functools.cache
def _defaults() -> Mapping[str, Any]:
    # Computed once; deep_merge copies it, so callers never share or mutate it.
    defaults = DiscoveryConfig().model_dump()
    # The built-in rate limits and TTLs are left out: the models merge a given table over them
    # in their own way (given TTL patterns first), so it must reach them as given.
    del defaults["resilience"]["rate_limits"]
    del defaults["resilience"]["cache"]["ttl_seconds"]
    return defaults


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` over ``base``: mappings recursively, anything else replaced.

    Neither input is modified; the result shares no mutable object with them.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_config(
    config: Mapping[str, Any] | DiscoveryConfig | None = None,
    *,
    source: str | None = None,
    strict: bool = True,
) -> DiscoveryConfig:
    """Merge a partial user config over the defaults and validate its ``discovery`` part.

    ``config`` is a whole application config (other top-level keys belong to the rest of the
    application and are left alone) or an already validated :class:`DiscoveryConfig`.
    Raises :class:`ConfigError` naming every invalid key path. ``strict=False`` accepts
    values by their text (``"4"`` for a number, ``"false"`` for a flag), as environment
    variables give them (see :mod:`tradingagents.settings`).
    """
    if isinstance(config, DiscoveryConfig):
        return config
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ConfigError(
            [ConfigProblem("<root>", f"expected a mapping, got {type(config).__name__}")],
            source=source,
        )
    discovery = config.get("discovery", {})
    if not isinstance(discovery, Mapping):
        raise ConfigError(
            [ConfigProblem("discovery", f"expected a mapping, got {type(discovery).__name__}")],
            source=source,
        )
    merged = deep_merge(_defaults(), discovery)
    # Lists in JSON-ish input become tuples so the frozen model stays hashable and read-only.
    filt = merged.get("filter")
    if isinstance(filt, dict) and isinstance(filt.get("exclude_tickers"), list):
        filt["exclude_tickers"] = tuple(filt["exclude_tickers"])
    if isinstance(merged.get("universe"), list):
        merged["universe"] = tuple(merged["universe"])
    try:
        return DiscoveryConfig.model_validate(merged, strict=strict)
    except ValidationError as exc:
        problems = problems_from_validation(exc, ("discovery",), DiscoveryConfig)
        raise ConfigError(problems, source=source) from None


def validate_discovery(
    discovery: Mapping[str, Any], *, strict: bool = True
) -> tuple[DiscoveryConfig | None, list[ConfigProblem], dict[str, Any]]:
    """Validate a ``discovery`` table, leaving out each invalid key and validating the rest.

    Returns the config built from the valid keys (None if there is none), every problem, and
    ``discovery`` without the invalid keys. A caller can thus run the checks that need a
    validated config (scanner params, the LLM settings) despite a typo elsewhere, and report
    everything wrong at once rather than one level at a time.
    """
    problems: list[ConfigProblem] = []
    remaining = dict(discovery)
    # Leaving a key out restores its default, which is valid: one pass is the rule, the bound
    # is only there so that a problem that cannot be left out never loops.
    for _ in range(4):
        try:
            return load_config({"discovery": remaining}, strict=strict), problems, remaining
        except ConfigError as exc:
            new = [p for p in exc.problems if p not in problems]
            problems += new
            pruned = remaining
            for problem in new:
                pruned = without(pruned, problem.path.removeprefix("discovery."))
            if pruned == remaining:
                break
            remaining = pruned
    return None, problems, remaining


def without(tree: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """``tree`` without the key at the dotted path (a copy; ``tree`` is left alone).

    Keys may hold dots themselves (``ttl_seconds`` globs), so each level takes the longest key
    the path starts with. A path that ends inside a value (a list item) removes that value; one
    naming nothing that exists removes nothing.
    """
    result = dict(tree)
    for key in sorted(result, key=len, reverse=True):
        if dotted != key and not dotted.startswith(key + "."):
            continue
        rest = dotted[len(key) + 1 :]
        value = result[key]
        if rest and isinstance(value, Mapping):
            result[key] = without(value, rest)
        else:
            del result[key]
        return result
    return result
