"""Deadlines: a scanner's and the step's, and the timeout records when they pass."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tradingagents.discovery.context import deadline_passed
from tradingagents.engine.records import ErrorInfo
from tradingagents.errors import ScannerTimeout, StepDeadlineExceeded

__all__ = [
    "IMPLIED_GRACE_S",
    "deadline_passed",
    "never_started_error",
    "scanner_deadline",
    "step_budget",
    "timeout_error",
]

# Slack added to the implied step deadline (no global timeout set) so that it only ever
# catches a starved executor, never a scanner that is within its own budget.
IMPLIED_GRACE_S = 1.0


def step_budget(timeouts: Sequence[float], capacity: int, global_timeout: float | None) -> float:
    """Seconds the whole step may take: ``global_timeout`` when set, else the worst case for
    ``capacity`` scanners at a time where every scanner (budgets ``timeouts``) uses all of it."""
    if global_timeout is not None:
        return global_timeout
    if not timeouts:
        return 0.0
    waves = math.ceil(len(timeouts) / max(1, capacity))
    return waves * max(timeouts) + IMPLIED_GRACE_S


def scanner_deadline(started: float, budget: float, step_deadline: float) -> float:
    """A scanner's deadline: its own budget from its own start, capped by the step's."""
    return min(started + budget, step_deadline)


def timeout_error(started: float, deadline: float, budget: float, waiting: str) -> ErrorInfo:
    """Why a scanner that started at ``started`` timed out at ``deadline``; ``waiting`` says
    what it was stuck on (already redacted)."""
    if deadline < started + budget:
        message = f"step deadline passed {deadline - started:.3g}s after it started"
        return ErrorInfo(type=StepDeadlineExceeded.__name__, message=f"{message}; {waiting}")
    return ErrorInfo(
        type=ScannerTimeout.__name__, message=f"no result within {budget:g}s; {waiting}"
    )


def never_started_error(waited: float) -> ErrorInfo:
    """The error of a scanner still queued when the step deadline passed, ``waited`` s in."""
    return ErrorInfo(
        type=StepDeadlineExceeded.__name__,
        message=f"never started: the step deadline passed after {waited:.3g}s in the queue",
    )
