"""What the engine reports per scanner: the ScannerRun record and the in-memory outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.coverage import Coverage

# "cancelled": the run was cancelled (Ctrl-C, asyncio cancellation) before the scanner finished.
ScannerStatus = Literal["ok", "error", "timeout", "skipped", "circuit_open", "cancelled"]
STATUSES: tuple[ScannerStatus, ...] = (
    "ok",
    "error",
    "timeout",
    "skipped",
    "circuit_open",
    "cancelled",
)


class ErrorInfo(TypedDict):
    type: str
    message: str


class Rejection(TypedDict):
    index: int
    reason: str


class ScannerRun(TypedDict):
    """One scanner's run, as it appears in ``state["scanner_runs"]`` (registration order)."""

    name: str
    pipeline: str
    status: ScannerStatus
    candidates: int  # how many candidates were accepted
    duration_s: float | None  # None when the scanner never started
    error: ErrorInfo | None  # for error, timeout and cancelled
    reason: str | None  # for skipped and circuit_open
    rejected: list[Rejection]  # invalid candidates that were dropped, with why
    truncated: int  # valid candidates cut by the scanner's ``limit``
    started_s: float | None  # start, in seconds after the step began (None: never started)
    timeout_s: float  # the scanner's own time budget
    warnings: list[str]  # partial failures the scanner reported (ctx.warn)
    coverage: Coverage | None  # how much of the universe it saw (ctx.coverage); None: untold


@dataclass
class ScannerOutcome:
    """A finished scanner: its record, accepted candidates and tool-call log entries."""

    record: ScannerRun
    candidates: list[Candidate] = field(default_factory=list)
    tool_logs: list[dict[str, Any]] = field(default_factory=list)


TIMING_KEYS = frozenset({"duration_s", "started_s", "elapsed_s"})
# What differs between two runs of the same scanners on the same data besides timings.
_PER_RUN_KEYS = TIMING_KEYS | {"run_id"}


def without_timings(value: Any) -> Any:
    """A deep copy of a state (or any JSON-like value) with every timing field and the run id
    set to None.

    Two runs of the same scanners are equal "apart from timings" when these copies are equal.
    """
    if isinstance(value, dict):
        return {k: (None if k in _PER_RUN_KEYS else without_timings(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_timings(v) for v in value]
    return value


def make_record(
    *,
    name: str,
    pipeline: str,
    status: ScannerStatus,
    timeout_s: float,
    candidates: int = 0,
    duration_s: float | None = None,
    error: ErrorInfo | None = None,
    reason: str | None = None,
    rejected: list[Rejection] | None = None,
    truncated: int = 0,
    started_s: float | None = None,
    warnings: list[str] | None = None,
    coverage: Coverage | None = None,
) -> ScannerRun:
    return ScannerRun(
        name=name,
        pipeline=pipeline,
        status=status,
        candidates=candidates,
        duration_s=None if duration_s is None else round(duration_s, 6),
        error=error,
        reason=reason,
        rejected=rejected or [],
        truncated=truncated,
        started_s=None if started_s is None else round(started_s, 6),
        timeout_s=timeout_s,
        warnings=warnings or [],
        coverage=coverage,
    )
