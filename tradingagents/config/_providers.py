"""The config of where provider data comes from and how each provider is reached."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tradingagents.config._base import FROZEN

ProviderName = Literal[
    "yahoo", "sec_edgar", "nasdaq", "finnhub", "alpha_vantage", "reddit", "apewisdom"
]


class SourceConfig(BaseModel):
    """Where provider data comes from: a replay snapshot (offline, the default) or the live APIs."""

    model_config = FROZEN

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

    model_config = FROZEN

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
    run_budget: int | None = Field(
        default=None,
        ge=0,
        description="Requests one discovery run may send to that provider, shared by all its "
        "scanners and counted again from zero by the next run (retries count, cached answers "
        "do not); a call past it is not sent and its symbol counts as skipped for budget in "
        "the scanner's coverage. None: unlimited.",
    )


class PriceHistoryConfig(BaseModel):
    """The live price-history cache: how a warm run fetches only the sessions it lacks."""

    model_config = FROZEN

    quote_batch_size: int = Field(
        default=50,
        gt=0,
        le=500,
        description="When the trade date is the only session missing from a symbol's cached "
        "bars, it comes from Yahoo's batch quote endpoint, this many symbols per request, "
        "instead of one chart request per symbol.",
    )
    adjustment_tolerance: float = Field(
        default=0.001,
        gt=0,
        lt=1,
        description="Relative difference between a cached close and the same session's close in "
        "new data beyond which the symbol's cached history counts as re-adjusted (a split or "
        "dividend) and is fetched again in full.",
    )
