"""Scanner durations across runs: read from the run history before dispatch, recorded after."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from tradingagents.engine import ExecutionPolicy, ScanJob
from tradingagents.run_history import RunHistory

logger = logging.getLogger("tradingagents.graph")


def with_expected(
    jobs: Sequence[ScanJob],
    policy: ExecutionPolicy,
    history: RunHistory | None,
    problems: list[str],
) -> list[ScanJob]:
    """``jobs`` with their expected durations from ``history`` (read once per run, only when
    the order needs them); the engine starts the longest first and never reads the file."""
    if history is None or policy.order != "longest_first" or policy.width <= 1:
        return list(jobs)
    timeouts = {job.name: job.timeout_s for job in jobs if job.skip is None}
    try:
        expected = history.expected_durations(timeouts)
    except (sqlite3.Error, OSError) as exc:
        # Reading leaves a broken file as it is; recording after the run heals it.
        message = f"run history unreadable ({exc}): scanners start in registration order"
        logger.warning(message)
        problems.append(message)
        return list(jobs)
    return [replace(job, expected_s=expected.get(job.name)) for job in jobs]


@dataclass(frozen=True)
class RunRecorder:
    """Appends one run's scanner records to the run history (None: recording is off)."""

    history: RunHistory | None
    trade_date: date
    run_id: str
    run_at: datetime

    def save(self, runs: Sequence[Mapping[str, Any]] | None, problems: list[str]) -> None:
        """Record ``runs``; a failure is a warning in ``problems`` (and logged), never an
        error."""
        if self.history is None or not runs:
            return
        state = {
            "trade_date": self.trade_date.isoformat(),
            "run_id": self.run_id,
            "scanner_runs": runs,
        }
        self.history.record(state, run_at=self.run_at)
        problems.extend(self.history.take_warnings())
