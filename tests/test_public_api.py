"""The public API, listed: a change to what users import is deliberate and shows up here."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tradingagents

# Each package's ``__all__``. Adding or removing a name is an API change: update this list,
# the CHANGELOG and, for the top level, the README.
PUBLIC_API: dict[str, list[str]] = {
    "tradingagents": [
        "CancelToken",
        "Candidate",
        "Credentials",
        "DiscoveryConfig",
        "DiscoveryGraph",
        "DiscoveryInput",
        "DiscoveryOutput",
        "DiscoveryState",
        "ScanContext",
        "Scanner",
        "ScannerParams",
        "TradingAgentsError",
        "__version__",
        "load_config",
        "load_settings",
        "record_snapshot",
        "write_run_artifacts",
    ],
    "tradingagents.cli": ["app", "entry", "main"],
    "tradingagents.archive": [
        "ArchiveEntry",
        "ArchiveError",
        "ArchivedBars",
        "ArchivedRun",
        "CorruptRunManifest",
        "RunArchive",
        "RunArchiver",
        "RunManifest",
        "RunNotArchived",
        "archive_of",
        "recorded_config",
    ],
    "tradingagents.config": [
        "ArchiveConfig",
        "BUILTIN_PIPELINES",
        "BUILTIN_SCANNERS",
        "BreakerConfig",
        "CacheConfig",
        "DEFAULT_UNIVERSE",
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
    ],
    "tradingagents.discovery": [
        "Candidate",
        "ENTRY_POINT_GROUP",
        "PointInTime",
        "Priority",
        "ScanContext",
        "Scanner",
        "ScannerParams",
        "ScannerSkipped",
        "load_registry",
        "normalize_ticker",
    ],
    "tradingagents.engine": [
        "CancelToken",
        "DaemonThreadPool",
        "ExecutionPolicy",
        "STATUSES",
        "ScanJob",
        "ScannerOutcome",
        "ScannerRun",
        "ScannerStatus",
        "describe",
        "run_scanners",
        "without_timings",
    ],
    "tradingagents.evaluation": [
        "EngineError",
        "EvaluationError",
        "EvaluationResult",
        "NotEvaluable",
        "evaluate",
    ],
    "tradingagents.graph": [
        "DiscoveryGraph",
        "DiscoveryInput",
        "DiscoveryOutput",
        "DiscoveryState",
        "add_entries",
        "make_graph",
        "merge_candidates",
    ],
    "tradingagents.http": [
        "DEFAULT_MAX_BYTES",
        "Request",
        "RequestsTransport",
        "Response",
        "Transport",
        "connection_failed",
        "library_error",
        "library_exceptions",
        "timed_out",
    ],
    "tradingagents.providers": [
        "AlphaVantageClient",
        "ApeWisdomClient",
        "FinnhubClient",
        "KeyedProviderClient",
        "NasdaqClient",
        "ProviderClient",
        "ProviderHub",
        "RedditClient",
        "SecEdgarClient",
        "YahooClient",
    ],
    "tradingagents.replay": [
        "BarArchive",
        "BarArchiveError",
        "Manifest",
        "RecordingTransport",
        "ReplayTransport",
        "Snapshot",
        "SnapshotEntry",
        "SnapshotMiss",
        "SymbolNotInArchive",
        "load_snapshot",
        "sample_bars_path",
        "sample_snapshot_path",
        "write_bar_archive",
    ],
    "tradingagents.reports": [
        "ARTIFACT_NAMES",
        "ArtifactError",
        "Bar",
        "RunArtifacts",
        "TimelineRow",
        "atomic_write_bytes",
        "atomic_write_text",
        "render_timeline",
        "results_markdown",
        "run_directory",
        "timeline_bars",
        "timeline_png",
        "timeline_rows",
        "tool_logs_markdown",
        "write_run_artifacts",
    ],
    "tradingagents.resilience": [
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
    ],
    "tradingagents.scanners": [
        "EarningsCalendar",
        "InsiderBuying",
        "MarketMovers",
        "OptionsFlow",
        "RedditTrending",
        "RsiOversold",
        "SecCatalysts",
        "TechnicalBreakout",
        "VolumeAccumulation",
    ],
    "tradingagents.settings": [
        "ENV_DELIMITER",
        "Settings",
        "environment_config",
        "load_settings",
        "read_config_file",
    ],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_each_package_exports_exactly_its_listed_names(module: str) -> None:
    assert sorted(importlib.import_module(module).__all__) == PUBLIC_API[module]


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_every_exported_name_resolves(module: str) -> None:
    package = importlib.import_module(module)
    missing = [name for name in package.__all__ if getattr(package, name, None) is None]
    assert missing == []


def test_every_package_declares_its_public_names() -> None:
    packages = [
        info.name
        for info in pkgutil.walk_packages(tradingagents.__path__, "tradingagents.")
        if info.ispkg and info.name.count(".") == 1
    ]
    assert sorted(["tradingagents", *packages]) == sorted(PUBLIC_API)
