"""Test helpers: scanner factories and state normalisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradingagents.discovery import ScanContext, Scanner, ScannerParams
from tradingagents.engine.records import without_timings

#: The built-in scanners, in registry (name) order.
BUILTINS = [
    "earnings_calendar",
    "insider_buying",
    "market_movers",
    "options_flow",
    "reddit_trending",
    "rsi_oversold",
    "sec_catalysts",
    "technical_breakout",
    "volume_accumulation",
]


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
) -> Callable[[ScanContext], list[dict[str, Any]]]:
    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        return [
            {"ticker": t, "priority": priority, "context": f"{ctx.scanner} likes {t}", **extra}
            for t in tickers
        ]

    return scan


normalise = without_timings


def runs_by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in state["scanner_runs"]}
