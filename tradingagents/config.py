"""Typed discovery configuration: user dicts merged over the defaults and validated up front."""

from __future__ import annotations

import copy
import difflib
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradingagents.default_config import DEFAULT_CONFIG
from tradingagents.errors import ConfigError, ConfigProblem

_FROZEN = ConfigDict(extra="forbid", frozen=True, strict=True)


class ScannerExecutionConfig(BaseModel):
    """How scanners are dispatched and how long they may take."""

    model_config = _FROZEN

    concurrent: bool = True
    max_workers: int = Field(default=8, gt=0, le=1024)
    timeout_seconds: float = Field(default=30.0, gt=0, le=86_400)
    global_timeout_seconds: float | None = Field(default=None, gt=0, le=7 * 86_400)


class ScannerSettings(BaseModel):
    """Settings every scanner understands; scanner-specific params ride along as extras.

    The extras are validated against the scanner's own ``Params`` model once the scanner is known
    (see :func:`tradingagents.discovery.scanner.validate_params`).
    """

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    enabled: bool = True
    # Most candidates the scanner may emit; None for no cap.
    limit: int | None = Field(default=10, ge=1)
    timeout_seconds: float | None = Field(default=None, gt=0, le=86_400)


class PipelineSettings(BaseModel):
    model_config = _FROZEN

    enabled: bool = True


class FilterConfig(BaseModel):
    model_config = _FROZEN

    min_price: float | None = Field(default=None, ge=0)
    min_volume: float | None = Field(default=None, ge=0)
    exclude_tickers: tuple[str, ...] = ()


class PriorityWeights(BaseModel):
    """What a scanner's signal counts for, by the priority that scanner gave (docs/scoring.md)."""

    model_config = _FROZEN

    critical: float = Field(default=1.0, ge=0)
    high: float = Field(default=0.8, ge=0)
    medium: float = Field(default=0.6, ge=0)
    low: float = Field(default=0.4, ge=0)

    def of(self, priority: str) -> float:
        """The weight of a priority level (``"high"`` or ``Priority.HIGH``)."""
        weight: float = getattr(self, str(priority))
        return weight


class RankConfig(BaseModel):
    """The rank node: the scoring model's constants (docs/scoring.md), promotion and the cap.

    The defaults live here only; ``DEFAULT_CONFIG`` does not repeat them.
    """

    model_config = _FROZEN

    # Keep at most this many candidates after ranking.
    max_candidates: int = Field(default=25, ge=0)
    # Added to the score per distinct scanner beyond the first (confluence).
    confluence_boost: float = Field(default=0.1, ge=0)
    # A ticker found by at least this many scanners moves up one priority level (None: never).
    promote_at_sources: int | None = Field(default=3, ge=2)
    # Each scanner's signal (0-1) is multiplied by the weight of the priority it gave.
    priority_weights: PriorityWeights = PriorityWeights()
    # The signal of a candidate whose scanner gives neither `signal` nor `score`.
    default_signal: float = Field(default=0.5, ge=0, le=1)


class LlmRankConfig(BaseModel):
    """The optional llm_rank node (it runs only when ``DiscoveryGraph`` is given an ``llm``)."""

    model_config = _FROZEN

    # The prompt holds at most this many of the top ranked candidates, each context clipped to
    # max_context_chars, so its size is bounded whatever the scanners found.
    max_candidates_in_prompt: int = Field(default=30, ge=1, le=1000)
    max_context_chars: int = Field(default=200, ge=0, le=10_000)
    timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Naming a model here builds it with langchain's init_chat_model (the `llm` extra plus the
    # provider's package, e.g. langchain-openai); a model object passed to DiscoveryGraph wins.
    # Its key comes from the provider's usual variable (OPENAI_API_KEY...) or
    # credentials.llm_api_key, never from this section.
    provider: str | None = Field(default=None, min_length=1, max_length=64)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    base_url: str | None = None
    # None: the provider's default (reasoning models refuse anything else); 0 for repeatability.
    temperature: float | None = Field(default=None, ge=0, le=2)


ProviderName = Literal[
    "yahoo", "sec_edgar", "nasdaq", "finnhub", "alpha_vantage", "reddit", "apewisdom"
]


class SourceConfig(BaseModel):
    """Where provider data comes from: a replay snapshot (offline, the default) or the live APIs."""

    model_config = _FROZEN

    mode: Literal["replay", "live"] = "replay"
    # Snapshot directory for replay; None is the sample snapshot bundled with the package.
    snapshot: str | None = None
    # Replay each response after its recorded latency, so concurrency is visible offline.
    replay_latency: bool = False


class ProviderSettings(BaseModel):
    """Per-provider connection settings; secrets (API keys) come from the environment only."""

    model_config = _FROZEN

    base_url: str | None = None
    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # EDGAR requires a declared User-Agent with contact info (also read from SEC_USER_AGENT).
    user_agent: str | None = None


class RetryConfig(BaseModel):
    model_config = _FROZEN

    max_attempts: int = Field(default=3, ge=1, le=10)
    initial_backoff_seconds: float = Field(default=0.5, ge=0)
    max_backoff_seconds: float = Field(default=8.0, ge=0)
    jitter_seconds: float = Field(default=0.5, ge=0)
    max_retry_after_seconds: float = Field(default=60.0, ge=0)


class RateLimitConfig(BaseModel):
    model_config = _FROZEN

    per_second: float | None = Field(default=None, gt=0, le=500)
    per_minute: int | None = Field(default=None, gt=0)
    per_day: int | None = Field(default=None, gt=0)


class CacheConfig(BaseModel):
    model_config = _FROZEN

    enabled: bool = True
    # Seconds of freshness by "<provider>:<path glob>", merged over the built-in table.
    ttl_seconds: dict[str, float] = Field(default_factory=dict)


class BreakerConfig(BaseModel):
    model_config = _FROZEN

    enabled: bool = True
    failure_threshold: int = Field(default=3, ge=1)
    reset_timeout_seconds: float = Field(default=3600.0, gt=0)


class ResilienceConfig(BaseModel):
    """Live-mode protection: rate limits, retries, the HTTP cache and circuit breakers."""

    model_config = _FROZEN

    # SQLite state (quotas, breakers, HTTP cache); None: $TRADINGAGENTS_STATE_DIR or
    # ~/.local/state/tradingagents.
    state_dir: str | None = None
    retry: RetryConfig = RetryConfig()
    # Per provider, merged over the documented defaults (e.g. sec_edgar 10/s).
    rate_limits: dict[ProviderName, RateLimitConfig] = Field(default_factory=dict)
    cache: CacheConfig = CacheConfig()
    breaker: BreakerConfig = BreakerConfig()


class DiscoveryConfig(BaseModel):
    """The ``discovery`` section of the configuration, validated."""

    model_config = _FROZEN

    source: SourceConfig = SourceConfig()
    providers: dict[ProviderName, ProviderSettings] = Field(default_factory=dict)
    # Symbols the history-based scanners (and options flow) look at.
    universe: tuple[str, ...] = ()
    # Where shared loads are cached (parquet); None: $TRADINGAGENTS_CACHE_DIR or ~/.cache.
    cache_dir: str | None = None
    resilience: ResilienceConfig = ResilienceConfig()

    scanner_execution: ScannerExecutionConfig = ScannerExecutionConfig()
    scanners: dict[str, ScannerSettings] = Field(default_factory=dict)
    pipelines: dict[str, PipelineSettings] = Field(default_factory=dict)
    filter: FilterConfig = FilterConfig()
    rank: RankConfig = RankConfig()
    llm_rank: LlmRankConfig = LlmRankConfig()

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


# How close a word must be to a known one to be suggested: catches a dropped, doubled or swapped
# letter, not a different word (difflib's ratio; "max_wrkers"/"max_workers" is 0.95).
_CLOSE = 0.75


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """The known word ``word`` is most likely a misspelling of, if one is close enough."""
    matches = difflib.get_close_matches(word, list(known), n=1, cutoff=_CLOSE)
    return matches[0] if matches else None


def known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the table at ``loc`` (relative to ``model``) accepts; empty when not a model's.

    Tables keyed by name (``scanners``, ``providers``) are walked through to their values.
    """
    annotation: Any = model
    for part in (*loc, None):
        while get_origin(annotation) in (Union, types.UnionType):  # X | None: the table is X
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        if get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        if part is None:
            return list(annotation.model_fields)
        field = annotation.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
    return []  # pragma: no cover - the loop returns at the end of loc


def problems_from_validation(
    error: ValidationError, prefix: Iterable[str | int], model: type[BaseModel] | None = None
) -> list[ConfigProblem]:
    """Turn pydantic's errors into problems named by key path (``discovery.scanners.x.limit``).

    With the validated ``model``, a misspelt key or choice gets a "did you mean" suggestion.
    """
    problems = []
    for item in error.errors(include_url=False):
        loc = item["loc"]
        # A bad key of a table keyed by name (providers.finnhab) is about the key, not a child.
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        path = ".".join(str(part) for part in (*prefix, *loc))
        message = item["msg"]
        match = None
        if item["type"] == "extra_forbidden":
            message = "unknown key"
            if model is not None and loc:
                match = did_you_mean(str(loc[-1]), known_keys(model, loc[:-1]))
        elif "input" in item and not isinstance(item["input"], Mapping):
            shown = repr(item["input"])
            if len(shown) > 60:
                shown = shown[:57] + "..."
            message = f"{message} (got {shown})"
            if item["type"] == "literal_error" and isinstance(item["input"], str):
                choices = re.findall(r"'([^']*)'", str(item.get("ctx", {}).get("expected", "")))
                match = did_you_mean(item["input"], choices)
        if match is not None:
            message = f"{message}; did you mean {match!r}?"
        problems.append(ConfigProblem(path, message))
    return problems


def load_config(
    config: Mapping[str, Any] | DiscoveryConfig | None = None,
    *,
    source: str | None = None,
    strict: bool = True,
) -> DiscoveryConfig:
    """Merge a partial user config over :data:`DEFAULT_CONFIG` and validate its ``discovery`` part.

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
    merged = deep_merge(DEFAULT_CONFIG["discovery"], discovery)
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
