#!/usr/bin/env python3
"""Benchmark critical-path scheduling: the 64-scanner case, run after run, vs its bound and FIFO.

63 synthetic scanners of 0.1 s and one of 1.5 s registered last, 8 workers: the lower bound is
max(longest, total / workers) = 1.50 s; dispatched in registration order (FIFO) the long one
starts last and the run takes about 2.2 s. Each order gets its own temporary state directory,
so the first run has no history and later runs read what the earlier ones recorded. Printed,
measured in this one invocation (the machine is noisy; compare ratios, not seconds):

  engine_s   time the engine took (the discover node's discovery_finished event)
  bound_s    max(longest scanner, total latency / workers)
  eff        bound_s / engine_s (target >= 0.95 from the second longest_first run on)
  vs_fifo    the same run of "registration" / this run's engine_s (above 1: faster than FIFO)
  long_at_s  when the 1.5 s scanner started, from the run's start

Usage: python benchmarks/bench_scheduling.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

from _timed_run import timed_run

from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.scanners.synthetic import latency_scanner

SHORT_S, SHORT_COUNT, LONG_S, WORKERS = 0.1, 63, 1.5, 8
BOUND_S = max(LONG_S, (SHORT_S * SHORT_COUNT + LONG_S) / WORKERS)
COLUMNS = ["order", "run", "engine_s", "bound_s", "eff", "vs_fifo", "long_at_s", "ok"]


def scanners() -> list[Any]:
    short = [
        latency_scanner(f"short_{i:02d}", latency_s=SHORT_S, tickers=["F"])
        for i in range(SHORT_COUNT)
    ]
    return [*short, latency_scanner("long", latency_s=LONG_S, tickers=["T"])]


def one_run(graph: DiscoveryGraph) -> tuple[float, float, bool]:
    """(engine seconds, when the long scanner started, every scanner ok) of one run."""
    run = timed_run(graph, {"trade_date": "2026-11-27"})
    runs = {r["name"]: r for r in run.final["scanner_runs"]}
    ok = all(r["status"] == "ok" for r in runs.values())
    return run.engine_s, runs["long"]["started_s"], ok


def series(order: str, runs: int) -> list[tuple[float, float, bool]]:
    """``runs`` runs of one graph in a fresh state directory (its own history)."""
    config = {
        "discovery": {
            "scanner_execution": {"max_workers": WORKERS, "timeout_seconds": 30.0, "order": order}
        }
    }
    with tempfile.TemporaryDirectory(prefix="bench-scheduling-") as state:
        os.environ["TRADINGAGENTS_STATE_DIR"] = state
        with DiscoveryGraph(config, scanners()) as graph:
            return [one_run(graph) for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Critical-path scheduling, run after run.")
    parser.add_argument("--runs", type=int, default=3, help="runs per order (default 3)")
    args = parser.parse_args()
    fifo = series("registration", args.runs)
    longest = series("longest_first", args.runs)
    print(" | ".join(COLUMNS))
    for order, results in (("registration", fifo), ("longest_first", longest)):
        for run, (engine_s, long_at, ok) in enumerate(results, start=1):
            row = [
                order,
                str(run),
                f"{engine_s:.3f}",
                f"{BOUND_S:.3f}",
                f"{BOUND_S / engine_s:.3f}",
                f"{fifo[run - 1][0] / engine_s:.3f}",
                f"{long_at:.3f}",
                str(ok),
            ]
            print(" | ".join(row), flush=True)
    later = [BOUND_S / engine_s for engine_s, _, _ in longest[1:]]
    if later:
        print(f"\nlongest_first from its second run on: eff >= {min(later):.3f} (target 0.95)")


if __name__ == "__main__":
    main()
