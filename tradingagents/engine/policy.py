"""What the engine is asked to run: the execution policy and one job per scanner."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tradingagents.config import ScannerExecutionConfig
from tradingagents.discovery.scanner import Scanner
from tradingagents.engine.records import ScannerStatus

# The config model is the one source of these defaults; the engine keeps no copy of its own.
_DEFAULTS = ScannerExecutionConfig()

#: Where a scanner runs: a thread of this process, or a forked worker process.
Isolation = Literal["thread", "process"]
#: Which scanners start first: the longest expected (``ScanJob.expected_s``), or as registered.
Order = Literal["longest_first", "registration"]


@dataclass(frozen=True)
class ExecutionPolicy:
    """How the engine dispatches: width, start order, per-scanner and whole-step time budgets.

    The defaults are :class:`~tradingagents.config.ScannerExecutionConfig`'s.
    """

    concurrent: bool = _DEFAULTS.concurrent
    max_workers: int = _DEFAULTS.max_workers
    timeout_seconds: float = _DEFAULTS.timeout_seconds
    global_timeout_seconds: float | None = _DEFAULTS.global_timeout_seconds
    #: The run-wide default; a job's own ``isolation`` (or its settings') wins.
    isolation: Isolation = _DEFAULTS.isolation
    order: Order = _DEFAULTS.order
    #: Items of one ``ctx.map`` at once (``scanner_execution.fan_out``); 1 when not concurrent.
    fan_out: int = _DEFAULTS.fan_out

    @classmethod
    def from_config(cls, config: ScannerExecutionConfig) -> ExecutionPolicy:
        return cls(
            concurrent=config.concurrent,
            max_workers=config.max_workers,
            timeout_seconds=config.timeout_seconds,
            global_timeout_seconds=config.global_timeout_seconds,
            isolation=config.isolation,
            order=config.order,
            # Sequential mode means one call at a time (recording relies on it for latencies).
            fan_out=config.fan_out if config.concurrent else 1,
        )

    @property
    def width(self) -> int:
        """How many scanners may run at once: ``max_workers``, or 1 in sequential mode."""
        return self.max_workers if self.concurrent else 1


@dataclass(frozen=True)
class ScanJob:
    """One scanner to run, with its validated settings and time budget.

    ``skip`` pre-empts the run with a status (``skipped`` or ``circuit_open``) and a reason.
    ``isolation`` (None: the ``isolation`` in ``settings``, else the policy's) says where the
    scanner runs; see :func:`isolation_of`. ``expected_s`` is how long the scanner is expected
    to take (the graph's run history; None: unknown), which only the start order reads.
    """

    scanner: Scanner
    settings: Mapping[str, Any]
    timeout_s: float
    skip: tuple[ScannerStatus, str] | None = None
    # The scanner's circuit-breaker state at dispatch (live mode), shown in its tool logs.
    breaker_state: str | None = None
    isolation: Isolation | None = None
    expected_s: float | None = None

    @property
    def name(self) -> str:
        return self.scanner.name


def isolation_of(job: ScanJob, policy: ExecutionPolicy) -> Isolation:
    """Where ``job`` runs: its own choice, its settings' (``discovery.scanners.<name>.isolation``)
    or the run's (``scanner_execution.isolation``), the first one set."""
    if job.isolation is not None:
        return job.isolation
    configured = job.settings.get("isolation")
    if configured == "process":
        return "process"
    if configured == "thread":
        return "thread"
    return policy.isolation


def dispatch_order(jobs: Sequence[ScanJob], policy: ExecutionPolicy) -> list[int]:
    """The positions of ``jobs`` in the order they start.

    ``"longest_first"``: descending ``expected_s``, unknown (None) first, since a scanner never
    timed may be the long one; a stable sort, so ties keep registration order. One worker
    (sequential mode) or ``"registration"``: as given. Only starts follow this order; the
    engine's outcomes stay in the order of ``jobs``.
    """
    positions = list(range(len(jobs)))
    if policy.order == "registration" or policy.width <= 1:
        return positions

    def expected(i: int) -> float:
        value = jobs[i].expected_s
        return math.inf if value is None else value

    return sorted(positions, key=lambda i: -expected(i))
