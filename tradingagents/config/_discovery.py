"""The ``discovery`` section's model, which holds every other section's."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, WrapValidator, field_validator

from tradingagents.config._base import FROZEN
from tradingagents.config._evaluation import EvaluationConfig
from tradingagents.config._execution import (
    ArchiveConfig,
    HistoryConfig,
    PipelineSettings,
    ScannerExecutionConfig,
    ScannerSettings,
)
from tradingagents.config._providers import (
    PriceHistoryConfig,
    ProviderName,
    ProviderSettings,
    SourceConfig,
)
from tradingagents.config._ranking import FilterConfig, LlmRankConfig
from tradingagents.config._resilience import ResilienceConfig
from tradingagents.config._universe import UniverseSource, universe_form
from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.discovery.scoring import RankConfig

# The sample snapshot is generated for exactly these symbols (scripts/generate_sample_snapshot.py).
DEFAULT_UNIVERSE: tuple[str, ...] = (
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AMD", "INTC", "F", "T", "BAC",
    "JPM", "XOM", "CVX", "PFE", "KO", "DIS", "NFLX", "CRM", "PLTR", "UBER", "BRK-B", "WMT",
)  # fmt: skip


class DiscoveryConfig(BaseModel):
    """The ``discovery`` section of the configuration, validated; its defaults are the defaults."""

    model_config = FROZEN

    source: SourceConfig = Field(default=SourceConfig(), description="Where data comes from.")
    providers: dict[ProviderName, ProviderSettings] = Field(
        default_factory=dict, description="Connection settings by provider."
    )
    # The sample snapshot holds these symbols' bars and option chains, so the default run finds
    # what it was planted with; an empty universe would leave four scanners nothing to scan.
    universe: Annotated[tuple[str, ...] | UniverseSource, WrapValidator(universe_form)] = Field(
        default=DEFAULT_UNIVERSE,
        description="Symbols the history scanners and options_flow look at (24 liquid large "
        "caps by default), or a table that lists them from a source on the trade date, "
        'filtered: {source = "nasdaq", min_price = 5.0, min_volume = 1000000, '
        "min_market_cap = 300000000, max_symbols = 2000} (those are the defaults; "
        "docs/providers.md).",
    )
    cache_dir: str | None = Field(
        default=None,
        description="Parquet cache of live price history; None: $TRADINGAGENTS_CACHE_DIR, else "
        "~/.cache/tradingagents.",
    )
    price_history: PriceHistoryConfig = Field(
        default=PriceHistoryConfig(),
        description="Incremental loading of cached price history (live mode).",
    )
    resilience: ResilienceConfig = Field(
        default=ResilienceConfig(),
        description="Live-mode protection; replay reads local files and needs none of it.",
    )

    scanner_execution: ScannerExecutionConfig = Field(
        default=ScannerExecutionConfig(), description="Dispatch and deadlines."
    )
    history: HistoryConfig = Field(
        default=HistoryConfig(), description="The run history, which dispatch order reads."
    )
    archive: ArchiveConfig = Field(
        default=ArchiveConfig(), description="The run archive of live runs' responses."
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
    evaluation: EvaluationConfig = Field(
        default=EvaluationConfig(),
        description="`tradingagents evaluate`: forward-return horizons, benchmark and the "
        "statistics' gates (docs/evaluation.md).",
    )

    @field_validator("universe")
    @classmethod
    def _normalise_universe(
        cls, value: tuple[str, ...] | UniverseSource
    ) -> tuple[str, ...] | UniverseSource:
        if isinstance(value, UniverseSource):
            return value
        return tuple(dict.fromkeys(normalize_ticker(t) for t in value))

    def pipeline_enabled(self, pipeline: str) -> bool:
        settings = self.pipelines.get(pipeline)
        return settings.enabled if settings is not None else True

    def provider(self, name: ProviderName) -> ProviderSettings:
        return self.providers.get(name) or ProviderSettings()
