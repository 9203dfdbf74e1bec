"""Latency-bound synthetic scanners for the verification script, benchmarks and tests (offline)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from tradingagents.discovery.candidate import Priority
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.scanner import Scanner


def latency_scanner(
    name: str,
    *,
    latency_s: float,
    tickers: Sequence[str],
    pipeline: str = "synthetic",
    priority: Priority | str = Priority.MEDIUM,
    cooperative: bool = True,
) -> type[Scanner]:
    """A scanner class that waits ``latency_s`` like an API call, then emits ``tickers``.

    It logs one tool call. A ``cooperative`` scanner stops waiting when ``ctx.cancelled`` is
    set; a non-cooperative one ignores it, like a hung HTTP call without a timeout.
    The returned class is not registered anywhere.
    """
    level = Priority(priority).value

    def scan(self: Scanner, ctx: ScanContext) -> list[Any]:
        if cooperative:
            ctx.cancelled.wait(latency_s)
        else:
            time.sleep(latency_s)
        ctx.log_tool_call(
            "synthetic_fetch",
            {"latency_s": latency_s},
            output=f"{len(tickers)} rows",
            duration_s=latency_s,
        )
        return [
            {"ticker": t, "priority": level, "context": f"{name} saw {t}", "latency_s": latency_s}
            for t in tickers
        ]

    return type(
        f"Latency_{name}",
        (Scanner,),
        {
            "name": name,
            "pipeline": pipeline,
            "scan": scan,
            "__module__": __name__,
            "__doc__": f"Synthetic scanner {name}: {latency_s:g}s latency, {len(tickers)} tickers.",
        },
    )
