#!/usr/bin/env python3
"""Benchmark per-scanner dispatch overhead from 8 to 512 no-op scanners (target: flat in N).

Usage: python benchmarks/bench_dispatch.py [--n 8 32 128 512] [--workers 8] [--repeat 5]

Every scanner is a synthetic no-op (``latency_scanner`` with 0 s latency: it logs one tool
call and returns one candidate), so the work is nil and the engine's own time is all
overhead. For each scanner count N the graph runs ``--repeat`` times (a fresh graph each run,
run history off, registration order) and prints the medians (the machine is noisy):

  engine_ms   the discover node's time (its discovery_finished event)
  per_ms      engine_ms / N: dispatch overhead per scanner
  step_ms     the whole graph invocation (discover, merge, filter, rank)
  step_per_ms step_ms / N
  marg_ms     (engine_ms - engine_ms of the previous N) / (N - previous N): what one more
              scanner costs, without the run's fixed cost (flat: about the same for every N)
  vs_first    per_ms / per_ms of the smallest N (flat: close to 1 or below)
"""

from __future__ import annotations

import argparse
import statistics

from _timed_run import timed_run

from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.scanners.synthetic import latency_scanner


def run_once(n: int, workers: int) -> tuple[float, float]:
    """One run of ``n`` no-op scanners: the engine's and the whole step's seconds."""
    scanners = [latency_scanner(f"noop_{i:03d}", latency_s=0.0, tickers=["F"]) for i in range(n)]
    config = {
        "discovery": {
            "scanner_execution": {
                "max_workers": workers,
                "timeout_seconds": 30.0,
                "order": "registration",
            },
            "history": {"enabled": False},
        }
    }
    graph = DiscoveryGraph(config, scanners)
    try:
        run = timed_run(graph, {"trade_date": "2026-11-27"})
    finally:
        graph.close()
    final, step = run.final, run.wall_s
    statuses = {r["status"] for r in final["scanner_runs"]}
    if statuses != {"ok"}:
        raise SystemExit(f"{n} scanners: statuses {statuses}")
    return run.engine_s, step


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[8, 32, 128, 512])
    parser.add_argument("--workers", type=int, default=8, help="scanner_execution.max_workers")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run_once(8, args.workers)  # warm-up: imports and first-run costs are nobody's overhead
    print(f"workers {args.workers}, median of {args.repeat} runs per row")
    header = ("n", "engine_ms", "per_ms", "step_ms", "step_per_ms", "marg_ms", "vs_first")
    print("".join(f"{h:>12}" for h in header), flush=True)
    first: float | None = None
    previous: tuple[int, float] | None = None
    per_scanner, marginal = [], []
    for n in args.n:
        runs = [run_once(n, args.workers) for _ in range(args.repeat)]
        engine = statistics.median(e for e, _ in runs) * 1000
        step = statistics.median(s for _, s in runs) * 1000
        per = engine / n
        first = per if first is None else first
        per_scanner.append(per)
        marg = "-"
        if previous is not None and n != previous[0]:
            marginal.append((engine - previous[1]) / (n - previous[0]))
            marg = f"{marginal[-1]:.3f}"
        previous = (n, engine)
        cells = (f"{n}", f"{engine:.2f}", f"{per:.3f}", f"{step:.2f}", f"{step / n:.3f}", marg)
        print("".join(f"{c:>12}" for c in cells) + f"{per / first:>12.2f}", flush=True)
    print(
        f"per-scanner overhead {min(per_scanner):.3f}-{max(per_scanner):.3f} ms "
        f"(max / min {max(per_scanner) / min(per_scanner):.2f})"
    )
    if marginal:
        print(
            f"marginal cost per scanner {min(marginal):.3f}-{max(marginal):.3f} ms "
            f"(max / min {max(marginal) / min(marginal):.2f})"
        )


if __name__ == "__main__":
    main()
