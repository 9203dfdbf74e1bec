"""The config of scanner dispatch, of each scanner and of each pipeline; the built-in names."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradingagents.config._base import FROZEN
from tradingagents.discovery.scanner import ScannerParams

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

    model_config = FROZEN

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
    isolation: Literal["thread", "process"] = Field(
        default="thread",
        description="Where each scanner runs unless its own `isolation` says otherwise: "
        '"thread" (shares the run\'s provider clients) or "process" (a forked worker process '
        "the engine kills at the deadline, for code that holds the GIL; POSIX only, no "
        "`ctx.services`). See docs/graph.md.",
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

    model_config = FROZEN

    enabled: bool = Field(
        default=True, description="False: every scanner of that pipeline is recorded as skipped."
    )
