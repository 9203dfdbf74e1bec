#!/usr/bin/env python3
"""Benchmark scale: 24 / 500 / 2,000-symbol universes, cold and warm, vs Yahoo's quota bound.

Usage: python benchmarks/bench_scale.py [--sizes 24 500 2000] [--speedup 10] [--latency-ms 20]

A local HTTP server on 127.0.0.1 (started by this script) answers Yahoo-shaped daily charts
(``/v8/finance/chart/{symbol}``) and v7 batch quotes (``/v7/finance/quote``) of a synthetic
market, after a fixed per-request latency, and counts every request it serves. Each case runs
the discovery graph in live mode with ``discovery.providers.yahoo.base_url`` pointing at it,
only the three history scanners enabled (``volume_accumulation``, ``technical_breakout``,
``rsi_oversold``: every other scanner has ``enabled = false``), a universe of N synthetic
symbols (config ``universe``, list form), and a temporary state and cache directory per size:

  cold   trade date THU (a finished session) with an empty cache
  warm   the next session (FRI), a NEW trade date, with the price-history cache of the cold run

Each case runs in its own child process, so its peak memory (``ru_maxrss``) is its own.
Yahoo's configured limit is 5 requests/s with no bursts; ``--speedup K`` multiplies the limit
by K and divides the latency by K (printed), and the quota bound is computed with the same
limit, so the ratios hold at K = 1 (where 2,000 cold symbols take about 400 s). Printed, per
universe and phase (the machine is noisy; compare ratios, not seconds):

  wall_s      the whole graph invocation (discover, filter, rank), in the child
  engine_s    the discover node alone (its discovery_finished event)
  yahoo       requests the server received: charts + quotes (other paths: ``other``)
  bound_s     Yahoo requests / the rate limit used (the quota bound)
  ratio       wall_s / bound_s (target cold: <= 1.10)
  budget      warm only: ceil(N / quote_batch_size) + 10 (target: yahoo <= budget)
  peak_mb     the child's peak resident memory, MiB (target at 2,000 symbols: < 1 GiB)
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import string
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

COLD_DAY, WARM_DAY = date(2026, 11, 19), date(2026, 11, 20)  # Thursday, then the next session
HISTORY_SCANNERS = ("volume_accumulation", "technical_breakout", "rsi_oversold")
YAHOO_PER_SECOND = 5.0  # BUILTIN_RATE_LIMITS["yahoo"]
QUOTE_BATCH = 50  # price_history.quote_batch_size (default)
COLD_TARGET, MEMORY_TARGET_MB = 1.10, 1024.0


def symbols(count: int) -> list[str]:
    """``count`` synthetic four-letter tickers, the same for every size (a prefix)."""
    letters = itertools.product(string.ascii_uppercase, repeat=4)
    return ["".join(t) for t in itertools.islice(letters, count)]


# ---------------------------------------------------------------- the synthetic Yahoo


def _noise(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) of ``parts`` (the same in every process)."""
    return zlib.crc32("|".join(map(str, parts)).encode()) / 2**32


def bar(symbol: str, day: date) -> dict[str, float]:
    """One bar, a pure function of (symbol, day): a session asked again never looks re-adjusted."""
    base = 10.0 + 190.0 * _noise(symbol)
    phase = 6.3 * _noise(symbol, "phase")
    close = base * (1 + 0.15 * math.sin(day.toordinal() / 11 + phase))
    close *= 1 + 0.02 * (_noise(symbol, day) - 0.5)
    spike = 4.0 if _noise(symbol, day, "volume") > 0.97 else 1.0
    volume = float(int(1_000_000 * (0.5 + _noise(symbol, day, "v")) * spike))
    return {"open": close * 0.995, "high": close * 1.01, "low": close * 0.985, "close": close} | {
        "adj": close,
        "volume": volume,
    }


def _sessions(first: date, last: date) -> list[date]:
    from tradingagents.calendar import is_session  # noqa: PLC0415 (the server's only import)

    days = (first + timedelta(n) for n in range((last - first).days + 1))
    return [d for d in days if is_session(d)]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def chart(symbol: str, period1: int, period2: int) -> dict[str, Any]:
    first = datetime.fromtimestamp(period1, UTC).date()
    last = datetime.fromtimestamp(period2, UTC).date() - timedelta(days=1)  # period2 exclusive
    days = _sessions(first, last)
    bars = [bar(symbol, d) for d in days]
    result = {
        "meta": {"symbol": symbol, "exchangeTimezoneName": "America/New_York"},
        # 09:30 New York (EST) of each session.
        "timestamp": [_epoch(datetime(d.year, d.month, d.day, 14, 30, tzinfo=UTC)) for d in days],
        "indicators": {
            "quote": [
                {k: [b[k] for b in bars] for k in ("open", "high", "low", "close", "volume")}
            ],
            "adjclose": [{"adjclose": [b["adj"] for b in bars]}],
        },
        "events": {},
    }
    return {"chart": {"result": [result], "error": None}}


def quotes(names: list[str], day: date) -> dict[str, Any]:
    before = _sessions(day - timedelta(days=7), day - timedelta(days=1))[-1]
    close_time = _epoch(datetime(day.year, day.month, day.day, 21, tzinfo=UTC))  # 16:00 EST
    rows = []
    for symbol in names:
        today = bar(symbol, day)
        rows.append(
            {
                "symbol": symbol,
                "regularMarketTime": close_time,
                "regularMarketOpen": today["open"],
                "regularMarketDayHigh": today["high"],
                "regularMarketDayLow": today["low"],
                "regularMarketPrice": today["close"],
                "regularMarketVolume": int(today["volume"]),
                "regularMarketPreviousClose": bar(symbol, before)["close"],
                "exchangeTimezoneName": "America/New_York",
                "corporateActions": [],
            }
        )
    return {"quoteResponse": {"result": rows, "error": None}}


class Market:
    """What the server knows: the latency, the quote session, and the requests counted."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.quote_day = COLD_DAY
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def take(self) -> Counter[str]:
        with self.lock:
            counts, self.counts = self.counts, Counter()
        return counts


def serve(market: Market) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a pooled client expects

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            time.sleep(market.latency_s)
            body: dict[str, Any] | None = None
            if url.path.startswith("/v8/finance/chart/"):
                kind = "chart"
                body = chart(
                    url.path.rsplit("/", 1)[-1], int(query["period1"]), int(query["period2"])
                )
            elif url.path == "/v7/finance/quote":
                kind = "quote"
                body = quotes(query["symbols"].split(","), market.quote_day)
            else:
                kind = "other"
            with market.lock:
                market.counts[kind] += 1
            data = json.dumps(body if body is not None else {}).encode()
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------- one case, in a child process


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one case; its figures (the peak memory of this process included)."""
    import resource  # noqa: PLC0415

    from _timed_run import timed_run  # noqa: PLC0415

    from tradingagents.config import BUILTIN_SCANNERS  # noqa: PLC0415
    from tradingagents.graph.discovery_graph import DiscoveryGraph  # noqa: PLC0415

    config = {
        "discovery": {
            "source": {"mode": "live"},
            "providers": {"yahoo": {"base_url": spec["url"]}},
            "resilience": {"rate_limits": {"yahoo": {"per_second": spec["per_second"]}}},
            "scanner_execution": {"timeout_seconds": 3600.0},
            "scanners": {name: {"enabled": name in HISTORY_SCANNERS} for name in BUILTIN_SCANNERS},
            "universe": symbols(spec["n"]),
        }
    }
    graph = DiscoveryGraph(config)
    try:
        run = timed_run(graph, {"trade_date": spec["day"]})
    finally:
        graph.close()
    final = run.final
    runs = {r["name"]: r for r in final["scanner_runs"] if r["status"] != "skipped"}
    return {
        "wall_s": run.wall_s,
        "engine_s": run.engine_s,
        "statuses": {name: r["status"] for name, r in runs.items()},
        "warnings": sum(len(r.get("warnings") or ()) for r in runs.values()),
        "candidates": len(final.get("candidates") or ()),
        # Linux reports KiB.
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# ---------------------------------------------------------------- the driver


COLUMNS = [
    ("n", "{:>6}"),
    ("phase", "{:>6}"),
    ("wall_s", "{:>8.2f}"),
    ("engine_s", "{:>9.2f}"),
    ("charts", "{:>7}"),
    ("quotes", "{:>7}"),
    ("other", "{:>6}"),
    ("yahoo", "{:>6}"),
    ("bound_s", "{:>8.2f}"),
    ("ratio", "{:>8.3f}"),
    ("budget", "{:>7}"),
    ("peak_mb", "{:>8.1f}"),
    ("ok", "{:>5}"),
]


def run_case(
    market: Market, url: str, n: int, phase: str, per_second: float, tmp: str
) -> dict[str, Any]:
    day = COLD_DAY if phase == "cold" else WARM_DAY
    market.quote_day = day  # a quote is of the run's trade date, as after that day's close
    market.take()
    env = {
        **os.environ,
        "TRADINGAGENTS_STATE_DIR": os.path.join(tmp, "state"),
        "TRADINGAGENTS_CACHE_DIR": os.path.join(tmp, "cache"),
    }
    spec = {"n": n, "day": day.isoformat(), "url": url, "per_second": per_second}
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"case {n} {phase} failed:\n{done.stderr[-4000:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    counts = market.take()
    yahoo = counts["chart"] + counts["quote"]
    bound = yahoo / per_second
    budget = math.ceil(n / QUOTE_BATCH) + 10 if phase == "warm" else "-"
    return {
        "n": n,
        "phase": phase,
        **got,
        "charts": counts["chart"],
        "quotes": counts["quote"],
        "other": counts["other"],
        "yahoo": yahoo,
        "bound_s": bound,
        "ratio": got["wall_s"] / bound if bound else float("nan"),
        "budget": budget,
        "ok": set(got["statuses"].values()) == {"ok"},
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(json.loads(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[24, 500, 2000])
    parser.add_argument("--speedup", type=float, default=1.0, help="limit x K, latency / K")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="before the speedup")
    args = parser.parse_args()
    per_second = YAHOO_PER_SECOND * args.speedup
    latency_s = args.latency_ms / 1000 / args.speedup
    print(
        f"speedup {args.speedup:g}: Yahoo limit {per_second:g}/s (configured {YAHOO_PER_SECOND:g}/s"
        f" x {args.speedup:g}), latency {latency_s * 1000:g} ms ({args.latency_ms:g} ms / "
        f"{args.speedup:g}); scanners {', '.join(HISTORY_SCANNERS)}; cold {COLD_DAY}, warm "
        f"{WARM_DAY}",
        flush=True,
    )
    market = Market(latency_s)
    server = serve(market)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print("".join(f"{name:>{_width(fmt)}}" for name, fmt in COLUMNS), flush=True)
    rows = []
    started = time.perf_counter()
    try:
        for n in args.sizes:
            with tempfile.TemporaryDirectory(prefix=f"bench-scale-{n}-") as tmp:
                for phase in ("cold", "warm"):
                    row = run_case(market, url, n, phase, per_second, tmp)
                    rows.append(row)
                    print("".join(_cell(fmt, row[name]) for name, fmt in COLUMNS), flush=True)
    finally:
        server.shutdown()
        server.server_close()
    print(f"benchmark took {time.perf_counter() - started:.1f}s")
    for row in rows:
        if row["phase"] == "cold":
            verdict = "met" if row["ratio"] <= COLD_TARGET else "NOT met"
            print(f"{row['n']} cold: {row['ratio']:.3f}x the quota bound ({verdict}, <= 1.10)")
        else:
            verdict = "met" if row["yahoo"] <= row["budget"] else "NOT met"
            print(
                f"{row['n']} warm: {row['yahoo']} Yahoo requests, budget {row['budget']} "
                f"({verdict})"
            )
        if row["n"] >= 2000:
            verdict = "met" if row["peak_mb"] < MEMORY_TARGET_MB else "NOT met"
            print(f"{row['n']} {row['phase']}: peak {row['peak_mb']:.0f} MiB ({verdict}, < 1 GiB)")
        if not row["ok"]:
            print(f"{row['n']} {row['phase']}: scanner statuses {row['statuses']}")


def _width(fmt: str) -> int:
    return int(fmt.strip("{}:>").split(".")[0].rstrip("fd"))


def _cell(fmt: str, value: Any) -> str:
    if isinstance(value, str) or (isinstance(value, float) and "f" not in fmt):
        return f"{value!s:>{_width(fmt)}}"
    if isinstance(value, bool):
        return f"{value!s:>{_width(fmt)}}"
    return fmt.format(value)


if __name__ == "__main__":
    main()
