"""The config of scanner dispatch, of each scanner and of each pipeline; the built-in names."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradingagents.config._base import FROZEN
from tradingagents.discovery.fanout import DEFAULT_FAN_OUT
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
    fan_out: int = Field(
        default=DEFAULT_FAN_OUT,
        gt=0,
        le=256,
        description="Within one scanner, at most this many per-item calls run at once "
        "(`ctx.map`: options_flow's option chains, the shared price history); each provider's "
        "rate limit still applies. 1, or `concurrent = false`, runs them one after another.",
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
    order: Literal["longest_first", "registration"] = Field(
        default="longest_first",
        description='Which scanners start first when they outnumber the workers: "longest_first" '
        "(descending expected duration: the median of their last 20 runs in the run history, a "
        "timeout counting as the scanner's timeout, scanners without history first; ties and "
        'sequential runs keep registration order) or "registration". Results, tool logs and '
        "candidates stay in registration order either way.",
    )


class HistoryConfig(BaseModel):
    """The run history (``history.sqlite`` in the state directory)."""

    model_config = FROZEN

    enabled: bool = Field(
        default=True,
        description="Record every run's per-scanner status and duration (replay and live) in "
        "history.sqlite of the state directory; `scanner_execution.order` reads it. False: "
        "nothing is recorded or read, and every scanner counts as unknown.",
    )


class ArchiveConfig(BaseModel):
    """The run archive: every live run's raw responses, replayable later (``archive/`` in the
    state directory)."""

    model_config = FROZEN

    enabled: bool = Field(
        default=True,
        description="Keep every live run's responses (redacted, deduplicated by content hash) "
        "in archive/ of the state directory, so `tradingagents runs replay RUN_ID` can replay "
        "it offline. Replay runs and record_snapshot's runs are not archived.",
    )
    max_megabytes: float = Field(
        default=500.0,
        gt=0,
        description="Size bound of the archive (response bodies and manifests); over it, the "
        "oldest runs are dropped with the responses no other run shares.",
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
