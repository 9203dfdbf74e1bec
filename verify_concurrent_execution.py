#!/usr/bin/env python3
"""Verify the discovery engine on this machine, offline: same results, real speedup, real deadlines.

Runs one set of latency-bound synthetic scanners through the discovery graph sequentially and
concurrently, compares the final states (timings aside), then checks that a scanner hung for 60 s
under a 1 s timeout neither holds the run nor the process. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from tradingagents.engine import without_timings
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.scanners.synthetic import latency_scanner

TRADE_DATE = "2026-11-27"
# (name, latency in seconds, tickers): overlapping tickers so the merge has work to do.
SCANNERS: list[tuple[str, float, list[str]]] = [
    ("market_movers", 0.9, ["NVDA", "AAPL", "F"]),
    ("insider_buying", 1.6, ["F", "BRK-B"]),
    ("volume_accumulation", 0.7, ["AAPL", "AMD"]),
    ("technical_breakout", 1.1, ["NVDA", "PLTR"]),
    ("rsi_oversold", 0.5, ["T", "INTC"]),
    ("earnings_calendar", 1.3, ["NVDA", "CRM"]),
    ("options_flow", 0.8, ["AMD", "TSLA"]),
    ("reddit_trending", 1.0, ["GME", "TSLA", "PLTR"]),
]


def run(concurrent: bool, scale: float, max_workers: int) -> tuple[dict[str, Any], float]:
    scanners = [latency_scanner(n, latency_s=lat * scale, tickers=t) for n, lat, t in SCANNERS]
    config = {
        "discovery": {
            "scanner_execution": {
                "concurrent": concurrent,
                "max_workers": max_workers,
                "timeout_seconds": 10.0,
            }
        }
    }
    graph = DiscoveryGraph(config, scanners)
    start = time.perf_counter()
    state = graph.run(TRADE_DATE)
    return state, time.perf_counter() - start


def check_hung_scanner() -> tuple[bool, float, str]:
    hung = latency_scanner("hung_api", latency_s=60, tickers=["X"], cooperative=False)
    config = {"discovery": {"scanner_execution": {"timeout_seconds": 1.0}}}
    start = time.perf_counter()
    state = DiscoveryGraph(config, [hung]).run(TRADE_DATE)
    elapsed = time.perf_counter() - start
    status = state["scanner_runs"][0]["status"]
    return status == "timeout" and elapsed < 2.5, elapsed, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every scanner latency, e.g. 0.1 for a quick run (default 1)",
    )
    parser.add_argument(
        "--max-workers",
        type=int,
        default=len(SCANNERS),
        help=(
            "scanners run at once in concurrent mode (default %(default)s, one per scanner); "
            "with fewer workers than scanners the efficiency check does not apply"
        ),
    )
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.max_workers < 1:
        parser.error("--scale must be > 0 and --max-workers >= 1")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    sequential, seq_s = run(False, args.scale, args.max_workers)
    concurrent, conc_s = run(True, args.scale, args.max_workers)

    print(f"{'scanner':<22}{'latency':>9}{'sequential':>12}{'concurrent':>12}  status  candidates")
    seq_runs = {r["name"]: r for r in sequential["scanner_runs"]}
    for record in concurrent["scanner_runs"]:
        name = record["name"]
        latency = next(lat for n, lat, _ in SCANNERS if n == name) * args.scale
        print(
            f"{name:<22}{latency:>8.2f}s{seq_runs[name]['duration_s']:>11.3f}s"
            f"{record['duration_s']:>11.3f}s  {record['status']:<6}  {record['candidates']}"
        )

    critical = max(r["duration_s"] for r in concurrent["scanner_runs"])
    speedup = seq_s / conc_s
    efficiency = critical / conc_s
    equal = without_timings(sequential) == without_timings(concurrent)
    all_ok = all(
        r["status"] == "ok" for r in concurrent["scanner_runs"] + sequential["scanner_runs"]
    )
    hung_ok, hung_s, hung_status = check_hung_scanner()

    print()
    print(f"sequential      {seq_s:8.3f} s")
    print(f"concurrent      {conc_s:8.3f} s  (max_workers={args.max_workers})")
    print(f"critical path   {critical:8.3f} s  (slowest scanner)")
    print(f"speedup         {speedup:8.2f} x")
    print(f"efficiency      {efficiency:8.2f}    (critical path / concurrent)")
    print(f"equal results   {'yes' if equal else 'NO'}")
    print(f"hung scanner    {hung_status} after {hung_s:.2f} s with a 1 s timeout")

    # None: the check does not apply to this run (printed as such, never counted as a pass).
    checks: dict[str, bool | None] = {
        "both modes give equal states (timings aside)": equal,
        "every scanner finished ok in both modes": all_ok,
        "concurrent is faster than sequential (speedup > 1.5)": (
            speedup > 1.5 if args.max_workers > 1 else None
        ),
        "efficiency >= 0.8 with workers >= scanners": (
            efficiency >= 0.8 if args.max_workers >= len(SCANNERS) else None
        ),
        "a hung scanner times out within its deadline plus margin": hung_ok,
    }
    not_applicable = (
        f"not applicable ({len(SCANNERS)} scanners on {args.max_workers} "
        f"worker{'s' if args.max_workers > 1 else ''})"
    )
    for name, ok in checks.items():
        if ok is None:
            print(f"{not_applicable}  {name}")
        else:
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
    passed = sum(ok is True for ok in checks.values())
    failed = sum(ok is False for ok in checks.values())
    skipped = len(checks) - passed - failed
    print(f"{passed} passed, {failed} failed, {skipped} not applicable")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
