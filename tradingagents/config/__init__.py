"""Typed discovery configuration: the one definition of every default, and user dicts validated."""

from __future__ import annotations

from tradingagents.config._discovery import DEFAULT_UNIVERSE, DiscoveryConfig
from tradingagents.config._evaluation import EvaluationConfig
from tradingagents.config._execution import (
    BUILTIN_PIPELINES,
    BUILTIN_SCANNERS,
    ArchiveConfig,
    HistoryConfig,
    PipelineSettings,
    ScannerExecutionConfig,
    ScannerSettings,
)
from tradingagents.config._load import deep_merge, load_config, validate_discovery, without
from tradingagents.config._providers import ProviderName, ProviderSettings, SourceConfig
from tradingagents.config._ranking import FilterConfig, LlmRankConfig
from tradingagents.config._resilience import (
    BreakerConfig,
    CacheConfig,
    RateLimitConfig,
    ResilienceConfig,
    RetryConfig,
)
from tradingagents.discovery.scoring import PriorityWeights, RankConfig

# The models of every section (rank's included, though it lives with the scoring it drives),
# the built-in names, and the functions that merge and validate user config.
__all__ = [
    "BUILTIN_PIPELINES",
    "BUILTIN_SCANNERS",
    "DEFAULT_UNIVERSE",
    "ArchiveConfig",
    "BreakerConfig",
    "CacheConfig",
    "DiscoveryConfig",
    "EvaluationConfig",
    "FilterConfig",
    "HistoryConfig",
    "LlmRankConfig",
    "PipelineSettings",
    "PriorityWeights",
    "ProviderName",
    "ProviderSettings",
    "RankConfig",
    "RateLimitConfig",
    "ResilienceConfig",
    "RetryConfig",
    "ScannerExecutionConfig",
    "ScannerSettings",
    "SourceConfig",
    "deep_merge",
    "load_config",
    "validate_discovery",
    "without",
]
