"""``python -m tradingagents``: run discovery (offline, on the bundled sample by default)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tradingagents.calendar import previous_session
from tradingagents.engine.runner import describe
from tradingagents.errors import TradingAgentsError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.reports import ArtifactError, run_directory, write_run_artifacts
from tradingagents.settings import load_settings


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    # Only what a flag says: the config file, TRADINGAGENTS_* variables and the defaults fill
    # in the rest. A snapshot (or its latency) means replay, whatever they set.
    source: dict[str, Any] = {"mode": "live"} if args.live else {}
    if args.snapshot:
        source.update(mode="replay", snapshot=args.snapshot)
    if args.replay_latency:
        source.update(mode="replay", replay_latency=True)
    return {"discovery": {"source": source}} if source else {}


def _trade_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def _table(candidates: list[dict[str, Any]]) -> str:
    lines = [f"{'#':>3}  {'ticker':<7} {'priority':<9} {'score':>6}  {'sources':<38} context"]
    for c in candidates:
        sources = ",".join(c["sources"])
        lines.append(
            f"{c['rank']:>3}  {c['ticker']:<7} {c['priority']:<9} {c['score']:>6.2f}  "
            f"{sources[:38]:<38} {c['context'][:70]}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tradingagents",
        description="Run the discovery graph and print the ranked candidates.",
    )
    parser.add_argument(
        "--date",
        type=_trade_date,
        help="trade date YYYY-MM-DD (default: the snapshot's, or today)",
    )
    parser.add_argument("--snapshot", help="replay this snapshot directory (default: the sample)")
    parser.add_argument("--live", action="store_true", help="call the live APIs instead of replay")
    parser.add_argument("--replay-latency", action="store_true", help="replay recorded latencies")
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.add_argument("--config", help="TOML file with [discovery...] and [credentials] tables")
    parser.add_argument(
        "--out",
        help="also write the run's reports, tool logs and timeline.png under "
        "DIR/discovery/<date>/run_<HH_MM_SS>/",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    started = datetime.now()
    if args.live and (args.snapshot or args.replay_latency):
        parser.error("--live calls the APIs: it cannot go with --snapshot or --replay-latency")
    try:
        settings = load_settings(args.config, overrides=_overrides(args))
        for warning in settings.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        with DiscoveryGraph(settings.discovery, credentials=settings.credentials) as graph:
            day = graph.resolve_date(args.date)
            if graph.providers.snapshot is None:
                # Live data exists only for sessions: a weekend or holiday means the one before.
                day, note = previous_session(day)
                if note:
                    print(note, file=sys.stderr)
            state = graph.run(day)
    except TradingAgentsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    written = None
    if args.out:
        try:
            directory = run_directory(Path(args.out), state["trade_date"], started)
            written = write_run_artifacts(state, directory)
        except ArtifactError as exc:
            print(f"error: {exc}", file=sys.stderr)
        except OSError as exc:
            print(
                f"error: cannot create the run directory under {args.out}: {exc}", file=sys.stderr
            )
    if args.json:
        json.dump(state, sys.stdout, indent=1, default=str)
        print()
    else:
        snapshot = graph.providers.snapshot
        where = f"replay of {snapshot.root} ({snapshot.manifest.kind})" if snapshot else "live APIs"
        print(f"discovery for {state['trade_date']} from {where}\n")
        for record in state["scanner_runs"]:
            print(f"  {describe(record)}")
        ranked = state["ranked_candidates"]
        print(f"\n{len(state['candidates'])} candidates, {len(ranked)} after filter and rank:\n")
        print(_table(ranked))
    if written is not None:
        print(f"\nrun files in {written.directory}", file=sys.stderr if args.json else sys.stdout)
    ran = any(r["status"] == "ok" for r in state["scanner_runs"])
    return 0 if ran else 1


if __name__ == "__main__":
    sys.exit(main())
