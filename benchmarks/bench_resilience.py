#!/usr/bin/env python3
"""Benchmark live-mode resilience: rate-limited discovery against its quota bound, and the cache.

A local threaded HTTP server on 127.0.0.1 (started and stopped here) plays two providers:
Nasdaq's earnings calendar (GET /api/calendar/earnings?date=...) and Reddit listings
(GET /r/<sub>/hot.json), answering small valid JSON after an artificial latency and recording
every request. Synthetic scanners each make K calls through ``ctx.services.providers.<p>``,
every call a distinct URL; scanners are spread over the providers in proportion to their rates
(nasdaq 10/s, reddit 5/s by default), so both limiters are the bottleneck at once.

The bound compared against is the limiter's own floor, not just calls / rate: a per-second
limit is enforced as even spacing of ceil(1000 * (1 + SAFETY_MARGIN) / rate) ms between sends
(105 ms at 10/s, 210 ms at 5/s; SAFETY_MARGIN = 0.05 in tradingagents/resilience/ratelimit.py),
the first call goes out at once, and the last one still takes the server's latency, so

  bound_p = (calls_p - 1) * spacing_p + latency      and the run's bound = max over providers.

Three runs, measured in one go (the machine is noisy; compare the ratios, not the seconds):

  cold      fresh state dir, cache enabled: every call goes upstream and fills the cache
  rerun     same state dir and config, a new DiscoveryGraph (a same-day rerun): every call
            should be a cache hit, with no upstream request
  nocache   fresh state dir, cache disabled: the cold run again, for comparison

Columns: ``upstream`` requests the server saw during the run, ``urls`` how many distinct URLs
they were for, ``hits`` cache hits (from the run's provider metrics), ``build_s`` building the
DiscoveryGraph (opening the state dir's SQLite files), ``wall_s`` the run itself
(``DiscoveryGraph.run``), ``bound_s`` as above, ``wall/bound`` (target <= 1.10 for the cold
runs), ``wall/naive`` wall over max(calls / rate).
The per-provider table also gives ``span_s``, first to last request arrival at the server in
the cold run, against (calls - 1) * spacing: the pace the limiter actually held.

Usage: python benchmarks/bench_resilience.py [--scanners N] [--calls K] [--latency-ms MS]
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import re
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tradingagents.discovery import ScanContext, Scanner
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.resilience.ratelimit import SAFETY_MARGIN

NASDAQ_BODY = json.dumps(
    {
        "data": {"asOf": "Fri, Nov 20, 2026", "headers": {}, "rows": None},
        "message": None,
        "status": {"rCode": 200, "bCodeMessage": None, "developerMessage": None},
    }
)
REDDIT_BODY = json.dumps({"kind": "Listing", "data": {"children": []}})
NASDAQ_PATH = "/api/calendar/earnings"
REDDIT_PATH = re.compile(r"^/r/[A-Za-z0-9_]+/hot\.json$")
FIRST_DAY = datetime.date(2020, 1, 1)
TRADE_DATE = datetime.date.today()


class FakeUpstream:
    """Answers Nasdaq and Reddit requests after ``latency_s``; records each arrival."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)
        self._lock = threading.Lock()
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.paths: dict[str, int] = defaultdict(int)

    def _handle(self, request: Request) -> Response:
        arrived = time.monotonic()
        if request.path == NASDAQ_PATH and "date" in request.args:
            provider, body = "nasdaq", NASDAQ_BODY
        elif REDDIT_PATH.match(request.path):
            provider, body = "reddit", REDDIT_BODY
        else:
            return Response("unknown endpoint", status=404)
        with self._lock:
            self.arrivals[provider].append(arrived)
            self.paths[request.full_path] += 1
        time.sleep(self.latency_s)
        return Response(body, status=200, content_type="application/json")

    def seen(self) -> tuple[dict[str, list[float]], dict[str, int]]:
        """Arrival times per provider (sorted) and the number of requests per URL."""
        with self._lock:
            return {p: sorted(t) for p, t in self.arrivals.items()}, dict(self.paths)

    def reset(self) -> None:
        with self._lock:
            self.arrivals.clear()
            self.paths.clear()

    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def __enter__(self) -> FakeUpstream:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()


def make_scanner(name: str, fn: Callable[[ScanContext], Any]) -> type[Scanner]:
    """A fresh, unregistered Scanner subclass whose scan() is ``fn(ctx)`` (as tests/helpers)."""
    attrs: dict[str, Any] = {"name": name, "pipeline": "bench", "scan": lambda self, ctx: fn(ctx)}
    return type(f"Scanner_{name}", (Scanner,), attrs)


def nasdaq_scan(index: int, calls: int) -> Callable[[ScanContext], list[Any]]:
    def scan(ctx: ScanContext) -> list[Any]:
        client = ctx.services.providers.nasdaq
        for j in range(calls):
            # A distinct date per call (and per scanner), so each is a distinct URL.
            client.earnings(ctx, FIRST_DAY + datetime.timedelta(days=index * calls + j))
        return []

    return scan


def reddit_scan(index: int, calls: int) -> Callable[[ScanContext], list[Any]]:
    def scan(ctx: ScanContext) -> list[Any]:
        client = ctx.services.providers.reddit
        for j in range(calls):
            client.hot(ctx, f"s{index:03d}c{j:03d}", limit=25)
        return []

    return scan


def build_scanners(
    n: int, calls: int, rates: dict[str, float]
) -> tuple[list[type[Scanner]], dict[str, int]]:
    """``n`` scanners interleaved over the providers in proportion to their rates."""
    total = sum(rates.values())
    scanners: list[type[Scanner]] = []
    per_provider = dict.fromkeys(rates, 0)
    for i in range(n):
        # Largest deficit first: for 10/s and 5/s this gives n, r, n, n, r, n, ...
        provider = max(rates, key=lambda p: (i + 1) * rates[p] / total - per_provider[p])
        per_provider[provider] += 1
        fn = nasdaq_scan(i, calls) if provider == "nasdaq" else reddit_scan(i, calls)
        scanners.append(make_scanner(f"{provider}_{i:02d}", fn))
    return scanners, per_provider


def spacing_s(rate: float) -> float:
    """Seconds between two sends as ProviderRateLimiter enforces a per-second limit."""
    return math.ceil(1000 * (1 + SAFETY_MARGIN) / rate - 1e-9) / 1000


def live_config(
    url: str, state_dir: Path, rates: dict[str, float], *, cache: bool
) -> dict[str, Any]:
    return {
        "discovery": {
            "source": {"mode": "live"},
            "providers": {"nasdaq": {"base_url": url}, "reddit": {"base_url": url}},
            "cache_dir": str(state_dir / "cache"),
            "scanner_execution": {"max_workers": 8, "timeout_seconds": 120.0},
            "resilience": {
                "state_dir": str(state_dir),
                "rate_limits": {p: {"per_second": r} for p, r in rates.items()},
                "cache": {
                    "enabled": cache,
                    # Longer than the whole benchmark: the rerun is well within freshness.
                    # The built-in table's own keys: a new, narrower pattern would be shadowed
                    # by the built-in "nasdaq:*" / "reddit:*", since the first match wins.
                    "ttl_seconds": {"nasdaq:*": 3600, "reddit:*": 3600},
                },
            },
        }
    }


def run_once(
    label: str,
    upstream: FakeUpstream,
    scanners: list[type[Scanner]],
    config: dict[str, Any],
) -> dict[str, Any]:
    upstream.reset()
    start = time.perf_counter()
    graph = DiscoveryGraph(config, scanners)  # opens the state dir's SQLite files
    built = time.perf_counter()
    state = graph.run(TRADE_DATE)
    wall = time.perf_counter() - built
    graph.close()
    metrics = state["run_summary"]["providers"]
    bad = [r for r in state["scanner_runs"] if r["status"] != "ok"]
    if bad:
        print(f"warning: {label}: {len(bad)} scanner(s) not ok, first: {bad[0]}")
    arrivals, paths = upstream.seen()
    return {
        "run": label,
        "cache": config["discovery"]["resilience"]["cache"]["enabled"],
        "upstream": sum(paths.values()),
        "urls": len(paths),
        "hits": sum(m["cache_hits"] for m in metrics.values()),
        "calls": {p: m["calls"] for p, m in metrics.items()},
        "wait_s": {p: m["rate_limit_wait_s"] for p, m in metrics.items()},
        "arrivals": arrivals,
        "build_s": built - start,
        "wall_s": wall,
        "ok": not bad,
    }


def table(columns: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = [" | ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    for row in rows:
        lines.append(" | ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Rate-limited discovery vs its quota bound.")
    parser.add_argument("--scanners", type=int, default=12, help="N scanners (default 12)")
    parser.add_argument("--calls", type=int, default=8, help="K calls per scanner (default 8)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="server latency (20)")
    parser.add_argument("--nasdaq-rate", type=float, default=10.0, help="per second (10)")
    parser.add_argument("--reddit-rate", type=float, default=5.0, help="per second (5)")
    args = parser.parse_args()
    rates = {"nasdaq": args.nasdaq_rate, "reddit": args.reddit_rate}
    latency = args.latency_ms / 1000
    scanners, per_provider = build_scanners(args.scanners, args.calls, rates)
    planned = {p: per_provider[p] * args.calls for p in rates}
    bounds = {p: max(planned[p] - 1, 0) * spacing_s(rates[p]) + latency for p in rates}
    naive = {p: planned[p] / rates[p] for p in rates}
    bound, naive_bound = max(bounds.values()), max(naive.values())

    print(
        f"{args.scanners} scanners x {args.calls} calls, max_workers 8, server latency "
        f"{args.latency_ms:g} ms, SAFETY_MARGIN {SAFETY_MARGIN}",
        flush=True,
    )
    root = Path(tempfile.mkdtemp(prefix="bench_resilience_"))
    try:
        with FakeUpstream(latency) as upstream:
            url = upstream.url()
            cached_dir, uncached_dir = root / "cached", root / "uncached"
            runs = [
                run_once(
                    "cold", upstream, scanners, live_config(url, cached_dir, rates, cache=True)
                )
            ]
            cold = runs[0]
            runs.append(
                run_once(
                    "rerun", upstream, scanners, live_config(url, cached_dir, rates, cache=True)
                )
            )
            runs.append(
                run_once(
                    "nocache",
                    upstream,
                    scanners,
                    live_config(url, uncached_dir, rates, cache=False),
                )
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)

    provider_rows = []
    for p, rate in rates.items():
        times = cold["arrivals"].get(p, [])
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        paced = max(planned[p] - 1, 0) * spacing_s(rate)
        provider_rows.append(
            [
                p,
                str(per_provider[p]),
                str(cold["calls"].get(p, 0)),
                f"{rate:g}",
                f"{spacing_s(rate) * 1000:.0f}",
                f"{naive[p]:.3f}",
                f"{bounds[p]:.3f}",
                f"{span:.3f}",
                f"{span / paced:.3f}" if paced else "-",
                f"{cold['wait_s'].get(p, 0.0):.1f}",
            ]
        )
    print("\nper provider (cold run):")
    print(
        table(
            [
                "provider",
                "scanners",
                "calls",
                "rate/s",
                "spacing_ms",
                "calls/rate_s",
                "bound_s",
                "span_s",
                "span/paced",
                "waited_s",
            ],
            provider_rows,
        )
    )
    run_rows = [
        [
            r["run"],
            "on" if r["cache"] else "off",
            str(r["upstream"]),
            str(r["urls"]),
            str(r["hits"]),
            f"{r['build_s']:.3f}",
            f"{r['wall_s']:.3f}",
            f"{bound:.3f}",
            f"{r['wall_s'] / bound:.3f}",
            f"{r['wall_s'] / naive_bound:.3f}",
            str(r["ok"]),
        ]
        for r in runs
    ]
    print("\nruns:")
    print(
        table(
            [
                "run",
                "cache",
                "upstream",
                "urls",
                "hits",
                "build_s",
                "wall_s",
                "bound_s",
                "wall/bound",
                "wall/naive",
                "ok",
            ],
            run_rows,
        )
    )
    worst = max(r["wall_s"] / bound for r in runs if r["run"] != "rerun")
    rerun = runs[1]
    print(
        f"\ncold runs within 10% of the quota bound: {'yes' if worst <= 1.10 else 'NO'} "
        f"(worst wall/bound {worst:.3f}, target <= 1.10)"
    )
    print(
        f"rerun upstream requests: {rerun['upstream']} (target 0); "
        f"rerun {rerun['wall_s']:.3f} s vs cold {cold['wall_s']:.3f} s "
        f"({cold['wall_s'] / rerun['wall_s']:.0f}x faster)"
    )


if __name__ == "__main__":
    main()
