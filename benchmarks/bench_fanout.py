#!/usr/bin/env python3
"""Benchmark fan-out inside scanners: the replayed sample with its latencies vs its longest chain.

Replays the bundled sample snapshot with its recorded latencies (``source.replay_latency``) and
prints, measured in this one run (the machine is noisy; compare ratios, not seconds):

  sequential   the whole run with ``scanner_execution.fan_out = 1``: every per-symbol call one
               after another inside its scanner, as before ``ctx.map``
  fan-out      the whole run with the default ``fan_out`` (or ``--fan-out``)
  chain        each scanner run alone with a fan-out as wide as the universe, so that only calls
               that depend on each other add up: its longest chain of requests; the longest of
               those is the bound no schedule of this run can beat
  ratio        run wall time / longest chain (target <= 1.2)

Wall times are the discover node's own (``discovery_finished``), without filter and rank.
Replay mode has no rate limiter; live runs are throttled by each provider's limiter as well.

Usage: python benchmarks/bench_fanout.py [--fan-out N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any

from _timed_run import timed_run

from tradingagents.config import BUILTIN_SCANNERS
from tradingagents.graph.discovery_graph import DiscoveryGraph

TARGET_RATIO = 1.2


def run(execution: dict[str, Any], only: str | None = None) -> tuple[float, dict[str, float]]:
    """One replayed run: the discover node's wall time and each scanner's duration."""
    scanners = {name: {"enabled": name == only} for name in BUILTIN_SCANNERS} if only else {}
    config = {
        "discovery": {
            "source": {"mode": "replay", "replay_latency": True},
            "scanner_execution": {"timeout_seconds": 60.0, **execution},
            "scanners": scanners,
        }
    }
    graph = DiscoveryGraph(config)
    try:
        run = timed_run(graph, {"trade_date": graph.resolve_date(None).isoformat()})
    finally:
        graph.close()
    final = run.final
    runs = {r["name"]: r for r in final["scanner_runs"] if r["status"] != "skipped"}
    bad = {name: r["status"] for name, r in runs.items() if r["status"] != "ok"}
    if bad:
        raise SystemExit(f"scanners did not finish cleanly: {bad}")
    return run.engine_s, {name: r["duration_s"] for name, r in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fan-out", type=int, default=None, help="default: the config's")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each whole-run case")
    args = parser.parse_args()
    fan_out = {} if args.fan_out is None else {"fan_out": args.fan_out}
    with tempfile.TemporaryDirectory() as tmp:
        # A private state and cache: no run history or cache of the user's is read or written.
        os.environ["TRADINGAGENTS_STATE_DIR"] = os.path.join(tmp, "state")
        os.environ["TRADINGAGENTS_CACHE_DIR"] = os.path.join(tmp, "cache")
        started = time.perf_counter()
        sequential = [run({"fan_out": 1}) for _ in range(args.repeat)]
        fanned = [run(fan_out) for _ in range(args.repeat)]
        names = sorted(fanned[0][1])
        chains = {name: run({"fan_out": 256}, only=name)[1][name] for name in names}
        total = time.perf_counter() - started
    longest = max(chains, key=lambda name: chains[name])
    bound = chains[longest]
    seq_s = statistics.median(s for s, _ in sequential)
    fan_s = statistics.median(s for s, _ in fanned)
    print(f"{'scanner':<22}{'sequential_s':>14}{'fan_out_s':>12}{'chain_s':>10}")
    for name in names:
        print(
            f"{name:<22}{sequential[0][1][name]:>14.3f}{fanned[0][1][name]:>12.3f}"
            f"{chains[name]:>10.3f}"
        )
    print(f"longest chain: {longest} {bound:.3f}s")
    print(f"sequential (fan_out=1): {seq_s:.3f}s  ratio {seq_s / bound:.2f}")
    label = f"fan_out={args.fan_out}" if args.fan_out is not None else "default fan_out"
    ratio = fan_s / bound
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"fan-out ({label}): {fan_s:.3f}s  ratio {ratio:.2f}", end="  ")
    print(f"(target <= {TARGET_RATIO}: {verdict})")
    print(f"benchmark took {total:.1f}s")


if __name__ == "__main__":
    main()
