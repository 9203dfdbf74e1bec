"""Helpers shared by the report tests: the sample run's final state and hand-made records."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from tradingagents.graph.discovery_graph import DiscoveryGraph


@cache
def _sample_state() -> dict[str, Any]:
    return DiscoveryGraph().run()


def sample_state() -> dict[str, Any]:
    """The final state of the nine built-in scanners on the bundled sample (offline), a copy."""
    return copy.deepcopy(_sample_state())


def scanner_run(
    name: str,
    status: str = "ok",
    *,
    started_s: float | None = 0.0,
    duration_s: float | None = 0.5,
    timeout_s: float = 2.0,
    error: dict[str, str] | None = None,
    reason: str | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    """A ScannerRun record as the engine writes it."""
    return {
        "name": name,
        "pipeline": "test",
        "status": status,
        "candidates": 0,
        "duration_s": duration_s,
        "error": error,
        "reason": reason,
        "rejected": [],
        "truncated": 0,
        "started_s": started_s,
        "timeout_s": timeout_s,
        "warnings": warnings or [],
    }
