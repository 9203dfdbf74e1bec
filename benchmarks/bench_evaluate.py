"""Days per second of `evaluate` on the sample's synthetic year: 1 worker, 2 processes, Dask.

Run: python benchmarks/bench_evaluate.py [--from 2025-11-03 --to 2026-10-22]. Defaults: the
sample's default range (its last year with 20 sessions after it). Each engine evaluates the same
days from scratch (no resume store, out=None); the wall time includes starting the workers
(spawned processes import the package) and, for Dask, the LocalCluster. Efficiency of a run of
N workers = (its days/s) / (N x the 1-worker days/s); distributed vs local = the LocalCluster's
days/s over the process pool's.
"""

from __future__ import annotations

import argparse
import os
import time

from tradingagents.evaluation import evaluate


def measure(label: str, start: str | None, end: str | None, **engine: object) -> float:
    started = time.perf_counter()
    result = evaluate(start, end, **engine)  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    rate = len(result.days) / wall
    print(f"{label:<28} {len(result.days):>4} days {wall:7.2f} s {rate:7.2f} days/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="end")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
    one = measure("1 worker (this process)", args.start, args.end, workers=1)
    two = measure("2 worker processes", args.start, args.end, workers=2)
    dask = measure("Dask LocalCluster(2)", args.start, args.end, cluster="local:2")
    print(f"speedup 2 processes / 1 worker: {two / one:.2f} (efficiency {two / one / 2:.2f})")
    print(f"speedup LocalCluster(2) / 1 worker: {dask / one:.2f} (efficiency {dask / one / 2:.2f})")
    print(f"distributed vs local (LocalCluster(2) / 2 processes): {dask / two:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
