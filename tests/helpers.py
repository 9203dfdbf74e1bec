"""Test helpers: scanner factories and state normalisation."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tradingagents.discovery import ScanContext, Scanner, ScannerParams

TIMING_KEYS = {"duration_s", "started_s", "elapsed_s"}


def make_scanner(
    name: str,
    fn: Callable[[ScanContext], Any],
    *,
    pipeline: str = "test",
    params: type[ScannerParams] | None = None,
) -> type[Scanner]:
    """A fresh, unregistered Scanner subclass whose scan() is ``fn(ctx)``."""
    attrs: dict[str, Any] = {"name": name, "pipeline": pipeline, "scan": lambda self, ctx: fn(ctx)}
    if params is not None:
        attrs["Params"] = params
    return type(f"Scanner_{name}", (Scanner,), attrs)


def returning(
    *tickers: str, priority: str = "medium", **extra: Any
) -> Callable[[ScanContext], Any]:
    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        return [
            {"ticker": t, "priority": priority, "context": f"{ctx.scanner} likes {t}", **extra}
            for t in tickers
        ]

    return scan


def normalise(state: Any) -> Any:
    """A deep copy with every timing field set to None, for equality and snapshots."""
    state = copy.deepcopy(state)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (None if k in TIMING_KEYS else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(state)


def runs_by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in state["scanner_runs"]}
