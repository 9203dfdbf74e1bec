#!/usr/bin/env python3
"""Benchmark the discovery engine: efficiency and per-scanner dispatch overhead across a sweep.

For every combination of scanner count, max_workers, latency distribution and candidates
already in the state, it runs the discovery graph once over synthetic latency-bound scanners and
prints, measured in that one run (the machine is noisy; compare ratios, not seconds):

  engine_s    time the engine took to run every scanner (inside the discover node)
  lower_s     lower bound max(longest scanner, total latency / workers)
  eff         lower_s / engine_s
  sched_s     makespan of the in-order dispatch itself (simulated list scheduling)
  ovh_ms      (engine_s - sched_s) / scanners, in milliseconds: dispatch overhead per scanner
              (with --dists zero, scanners return at once and this is all overhead)
  step_s      whole graph invocation, including merging into the existing state, filter, rank

Usage: python benchmarks/bench_engine.py [--quick] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import random
import string
import time
from collections.abc import Sequence
from typing import Any

from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.merge import candidate_entry
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.scanners.synthetic import latency_scanner

TICKER_POOL = ["AAPL", "MSFT", "NVDA", "F", "T", "AMD", "TSLA", "BRK-B", "PLTR", "INTC"]


def uniform(rng: random.Random, n: int) -> list[float]:
    return [rng.uniform(0.05, 0.5) for _ in range(n)]


def heavy_tailed(rng: random.Random, n: int) -> list[float]:
    # Pareto(alpha=1.5) from 50 ms, capped at 3 s: most calls fast, a few very slow.
    return [min(3.0, 0.05 * rng.paretovariate(1.5)) for _ in range(n)]


def zero(rng: random.Random, n: int) -> list[float]:
    # No latency at all: the engine time is pure dispatch overhead.
    return [0.0] * n


DISTRIBUTIONS = {"uniform": uniform, "heavy": heavy_tailed, "zero": zero}


def greedy_makespan(latencies: Sequence[float], workers: int) -> float:
    """Makespan when jobs start in order on the first free of ``workers`` slots."""
    slots = [0.0] * min(workers, len(latencies))
    heapq.heapify(slots)
    for latency in latencies:
        heapq.heappush(slots, heapq.heappop(slots) + latency)
    return max(slots) if slots else 0.0


def existing_candidates(count: int) -> list[dict[str, Any]]:
    tickers = ("".join(t) for t in itertools.product(string.ascii_uppercase, repeat=4))
    return [
        candidate_entry(
            Candidate.coerce(
                {"ticker": t, "context": "from an earlier step", "priority": "low"},
                source="earlier",
            )
        )
        for t in itertools.islice(tickers, count)
    ]


def run_one(n: int, workers: int, dist: str, state_size: int, seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}-{n}-{dist}")
    latencies = DISTRIBUTIONS[dist](rng, n)
    scanners = [
        latency_scanner(f"s{i:03d}", latency_s=lat, tickers=rng.sample(TICKER_POOL, 2))
        for i, lat in enumerate(latencies)
    ]
    config = {
        "discovery": {
            # In order, as sched_s simulates, and without touching the user's run history.
            "scanner_execution": {
                "max_workers": workers,
                "timeout_seconds": 30.0,
                "order": "registration",
            },
            "history": {"enabled": False},
            "rank": {"max_candidates": 50},
        }
    }
    graph = DiscoveryGraph(config, scanners)
    seed_state = {"candidates": existing_candidates(state_size)} if state_size else {}
    engine: dict[str, float] = {}

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "discovery_finished":
            engine["s"] = event["elapsed_s"]

    start = time.perf_counter()
    final = None
    for chunk in graph.graph.stream(
        {**seed_state, "trade_date": "2026-11-27"}, stream_mode=["custom", "values"]
    ):
        mode, payload = chunk
        if mode == "custom":
            on_event(payload)
        else:
            final = payload
    step = time.perf_counter() - start
    assert final is not None
    statuses = {r["status"] for r in final["scanner_runs"]}
    lower = max(*latencies, sum(latencies) / workers)
    sched = greedy_makespan(latencies, workers)
    return {
        "n": n,
        "workers": workers,
        "dist": dist,
        "state": state_size,
        "engine_s": engine["s"],
        "lower_s": lower,
        "eff": lower / engine["s"] if lower else float("nan"),
        "sched_s": sched,
        "ovh_ms": (engine["s"] - sched) / n * 1000,
        "step_s": step,
        "ok": statuses == {"ok"},
    }


COLUMNS = [
    "n",
    "workers",
    "dist",
    "state",
    "engine_s",
    "lower_s",
    "eff",
    "sched_s",
    "ovh_ms",
    "step_s",
    "ok",
]


def fmt(row: dict[str, Any]) -> list[str]:
    out = []
    for key in COLUMNS:
        value = row[key]
        if isinstance(value, float):
            out.append(f"{value:.3f}")
        else:
            out.append(str(value))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Sweep the discovery engine.")
    parser.add_argument("--quick", action="store_true", help="n in {8, 32}, workers in {8, 32}")
    parser.add_argument("--n", type=int, nargs="*", default=[8, 32, 128, 512])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--states", type=int, nargs="*", default=[0, 10_000, 100_000])
    parser.add_argument("--dists", nargs="*", default=["uniform", "heavy"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--markdown", help="also write the table to this Markdown file")
    args = parser.parse_args()
    if args.quick:
        args.n, args.workers = [8, 32], [8, 32]
    rows = []
    print(" | ".join(COLUMNS), flush=True)
    for n, workers, dist, state in itertools.product(args.n, args.workers, args.dists, args.states):
        row = run_one(n, workers, dist, state, args.seed)
        rows.append(row)
        print(" | ".join(fmt(row)), flush=True)
    full = [r for r in rows if r["workers"] >= r["n"] and r["dist"] != "zero"]
    if full:
        print(f"\nmin efficiency where workers >= scanners: {min(r['eff'] for r in full):.3f}")
    print(f"max dispatch overhead per scanner: {max(r['ovh_ms'] for r in rows):.3f} ms")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write("| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n")
            for row in rows:
                fh.write("| " + " | ".join(fmt(row)) + " |\n")


if __name__ == "__main__":
    main()
