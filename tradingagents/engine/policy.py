"""What the engine is asked to run: the execution policy and one job per scanner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tradingagents.config import ScannerExecutionConfig
from tradingagents.discovery.scanner import Scanner
from tradingagents.engine.records import ScannerStatus

# The config model is the one source of these defaults; the engine keeps no copy of its own.
_DEFAULTS = ScannerExecutionConfig()


@dataclass(frozen=True)
class ExecutionPolicy:
    """How the engine dispatches: width, per-scanner and whole-step time budgets.

    The defaults are :class:`~tradingagents.config.ScannerExecutionConfig`'s.
    """

    concurrent: bool = _DEFAULTS.concurrent
    max_workers: int = _DEFAULTS.max_workers
    timeout_seconds: float = _DEFAULTS.timeout_seconds
    global_timeout_seconds: float | None = _DEFAULTS.global_timeout_seconds

    @classmethod
    def from_config(cls, config: ScannerExecutionConfig) -> ExecutionPolicy:
        return cls(
            concurrent=config.concurrent,
            max_workers=config.max_workers,
            timeout_seconds=config.timeout_seconds,
            global_timeout_seconds=config.global_timeout_seconds,
        )

    @property
    def width(self) -> int:
        """How many scanners may run at once: ``max_workers``, or 1 in sequential mode."""
        return self.max_workers if self.concurrent else 1


@dataclass(frozen=True)
class ScanJob:
    """One scanner to run, with its validated settings and time budget.

    ``skip`` pre-empts the run with a status (``skipped`` or ``circuit_open``) and a reason.
    """

    scanner: Scanner
    settings: Mapping[str, Any]
    timeout_s: float
    skip: tuple[ScannerStatus, str] | None = None
    # The scanner's circuit-breaker state at dispatch (live mode), shown in its tool logs.
    breaker_state: str | None = None

    @property
    def name(self) -> str:
        return self.scanner.name
