"""Runs served by the disk caches (price bars, the universe's listing) still replay whole."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from tests.archive.test_store import FINNHUB_KEY, archive_root, files_under
from tests.scanners.test_incremental_history import SYMBOLS, TODAY, Market
from tests.snapshot_server import SnapshotServer
from tradingagents.archive import RunArchive
from tradingagents.cli import app
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response
from tradingagents.replay import BarArchive, load_snapshot, sample_snapshot_path
from tradingagents.replay.snapshot import BARS_FILE
from tradingagents.scanners.rsi_oversold import RsiOversold
from tradingagents.scanners.technical_breakout import TechnicalBreakout
from tradingagents.scanners.volume_accumulation import VolumeAccumulation

SAMPLE_DAY = date(2026, 11, 20)  # the sample's trade date, a Friday
MONDAY = date(2026, 11, 23)  # a later "today": the Friday's bars are a finished session's
HISTORY = ("rsi_oversold", "technical_breakout", "volume_accumulation")
LISTING = "/api/screener/stocks"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEC_USER_AGENT", "Test Runner test@example.com")
    monkeypatch.setenv("FINNHUB_API_KEY", FINNHUB_KEY)


def live_config(server: SnapshotServer, tmp_path: Path, **discovery: Any) -> dict[str, Any]:
    # No HTTP response cache: a second run is served by the price and listing caches only.
    return server.live_config(
        cache_dir=str(tmp_path / "cache"), resilience={"cache": {"enabled": False}}, **discovery
    )


def picks(state: dict[str, Any]) -> list[tuple[str, float]]:
    return [(c["ticker"], c["score"]) for c in state["ranked_candidates"]]


def statuses(state: dict[str, Any]) -> dict[str, str]:
    return {r["name"]: r["status"] for r in state["scanner_runs"]}


def charts(server: SnapshotServer) -> int:
    return sum(n for path, n in server.paths.items() if path.startswith("/v8/finance/chart/"))


@pytest.mark.usefixtures("keys")
def test_a_run_on_a_warm_price_cache_replays_its_picks_from_its_archived_bars(
    own_server: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(own_server, load_snapshot(sample_snapshot_path()))
    config = live_config(server, tmp_path)
    cold = DiscoveryGraph(config, today=lambda: MONDAY).run(SAMPLE_DAY)
    cold_requests, cold_charts = sum(server.paths.values()), charts(server)
    assert cold_charts >= 20  # every symbol's history fetched, and cached
    server.paths.clear()
    warm = DiscoveryGraph(config, today=lambda: MONDAY).run(SAMPLE_DAY)
    assert charts(server) == 0  # the price cache covers the Friday: no chart asked
    assert sum(server.paths.values()) < cold_requests
    assert picks(warm) == picks(cold)
    assert all(statuses(warm)[name] == "ok" for name in HISTORY)
    history_picks = {c["ticker"] for c in warm["candidates"] if set(c["sources"]) & set(HISTORY)}
    assert {"KO", "PFE", "PLTR"} <= history_picks  # the sample's planted signals

    own_server.stop()  # offline from here on

    replayed = CliRunner().invoke(
        app, ["runs", "replay", warm["run_id"], "--json", "--out", str(tmp_path / "replayed")]
    )
    assert replayed.exit_code == 0, replayed.stderr
    state = json.loads(replayed.stdout)
    assert state["source"]["mode"] == "replay"
    assert picks(state) == picks(warm)
    assert state["candidates"] == warm["candidates"]
    assert all(statuses(state)[name] == "ok" for name in HISTORY)
    # Replayed from the bars: no chart was asked of the snapshot, which holds none.
    assert not [log for log in state["tool_logs"] if log["tool"] == "yahoo.chart"]

    archive = RunArchive(archive_root())
    run = archive.get(warm["run_id"])
    assert run.manifest.bars == BARS_FILE and run.bars_bytes > 0
    snapshot = load_snapshot(archive.materialize(run.run_id, tmp_path / "materialized"))
    assert snapshot.manifest.bars == BARS_FILE
    bars = snapshot.bar_archive()
    assert isinstance(bars, BarArchive) and not bars.synthetic
    assert bars.last_day == SAMPLE_DAY and "KO" in bars.symbols

    shown = CliRunner().invoke(app, ["runs", "show", run.run_id])
    assert "price bars" in shown.stdout


@pytest.mark.usefixtures("keys")
def test_a_run_on_a_cached_universe_listing_replays_it(
    own_server: HTTPServer, tmp_path: Path
) -> None:
    # The listing carries a secret (an echo): the archive and the listing cache scrub it.
    root = shutil.copytree(sample_snapshot_path(), tmp_path / "sample")
    entry = next(e for e in load_snapshot(root).manifest.responses if e.path == LISTING)
    listing = json.loads((root / entry.file).read_bytes())
    listing["data"]["rows"][0]["name"] = f"Apple Inc. {FINNHUB_KEY}"
    (root / entry.file).write_text(json.dumps(listing), encoding="utf-8")
    server = SnapshotServer(own_server, load_snapshot(root))
    config = live_config(server, tmp_path, universe={"source": "nasdaq"})

    cold = DiscoveryGraph(config, today=lambda: SAMPLE_DAY).run(SAMPLE_DAY)
    assert server.paths[LISTING] == 1
    cold_requests = sum(server.paths.values())
    warm = DiscoveryGraph(config, today=lambda: SAMPLE_DAY).run(SAMPLE_DAY)
    assert server.paths[LISTING] == 1  # the second run read the listing from its cache
    assert sum(server.paths.values()) - cold_requests < cold_requests
    assert picks(warm) == picks(cold) and picks(warm)
    own_server.stop()  # offline from here on

    archive = RunArchive(archive_root())
    run = archive.get(warm["run_id"])
    assert run.providers["nasdaq"] >= 2  # the listing and the earnings calendar
    snapshot = archive.materialize(run.run_id, tmp_path / "materialized")
    replayed = DiscoveryGraph(
        {
            "discovery": {
                "source": {"mode": "replay", "snapshot": str(snapshot)},
                **{"universe": {"source": "nasdaq"}},
            }
        }
    ).run()
    assert picks(replayed) == picks(warm)
    assert replayed["candidates"] == warm["candidates"]
    assert statuses(replayed) == statuses(warm)
    assert set(statuses(replayed).values()) == {"ok"}

    leaks = [
        path
        for path in [*files_under(archive.root), *files_under(tmp_path / "cache" / "universe")]
        if FINNHUB_KEY.encode() in path.read_bytes()
    ]
    assert leaks == []


class Breakouts(Market):
    """The synthetic market, with one breakout on heavy volume on each day of ``breakouts``."""

    def __init__(self, breakouts: dict[date, str]) -> None:
        super().__init__()
        self.breakouts = breakouts

    def close(self, symbol: str, day: date) -> float:
        base = super().close(symbol, day)
        return base * 1.5 if self.breakouts.get(day) == symbol else base

    def bar(self, symbol: str, day: date) -> dict[str, float]:
        bar = super().bar(symbol, day)
        return {**bar, "volume": bar["volume"] * 5} if self.breakouts.get(day) == symbol else bar

    def handle(self, request: WerkzeugRequest) -> WerkzeugResponse:
        asked = Request(provider="yahoo", url=request.base_url, params=dict(request.args))
        answer = self.send(asked, timeout=10, max_bytes=1 << 24)
        return WerkzeugResponse(answer.body, status=answer.status, content_type="application/json")


def test_a_run_on_the_next_session_served_by_one_batch_quote_replays_its_picks(
    own_server: HTTPServer, tmp_path: Path
) -> None:
    market = Breakouts({SAMPLE_DAY: "AAA", MONDAY: "CCC"})
    own_server.expect_request(re.compile(".*")).respond_with_handler(market.handle)
    url = own_server.url_for("").rstrip("/")
    history = [RsiOversold, TechnicalBreakout, VolumeAccumulation]
    settings: dict[str, Any] = {
        "universe": list(SYMBOLS),
        "cache_dir": str(tmp_path / "cache"),
        "providers": {"yahoo": {"base_url": url}},
        "resilience": {
            "cache": {"enabled": False},
            "rate_limits": {"yahoo": {"per_second": 500}},
        },
    }
    config = {"discovery": {"source": {"mode": "live"}, **settings}}

    friday = DiscoveryGraph(config, history, today=lambda: TODAY).run(SAMPLE_DAY)
    assert len(market.take()) == len(SYMBOLS)  # a cold cache: one chart per symbol
    assert [t for t, _ in picks(friday)] == ["AAA"]
    market.quote_day = MONDAY
    monday = DiscoveryGraph(config, history, today=lambda: TODAY).run(MONDAY)
    # The next session: one batch quote for every symbol, no chart.
    assert [r.url.rsplit("/", 1)[-1] for r in market.take()] == ["quote"]
    assert [t for t, _ in picks(monday)] == ["CCC"]
    own_server.stop()  # offline from here on

    snapshot = RunArchive(archive_root()).materialize(monday["run_id"], tmp_path / "monday")
    replay = {"source": {"mode": "replay", "snapshot": str(snapshot)}}
    replayed = DiscoveryGraph({"discovery": {**settings, **replay}}, history).run()
    assert replayed["trade_date"] == MONDAY.isoformat()
    assert picks(replayed) == picks(monday)
    assert replayed["candidates"] == monday["candidates"]
    assert statuses(replayed) == statuses(monday) == dict.fromkeys(statuses(monday), "ok")


def frames(*symbols: str, close: float = 10.0) -> dict[str, pd.DataFrame]:
    days = np.array(["2026-11-19", "2026-11-20"], dtype="datetime64[s]")
    index = pd.DatetimeIndex(days, name="date")
    columns = ("open", "high", "low", "close", "adj_close", "volume")
    values = {c: [close, close + 1] if c != "volume" else [1e6, 2e6] for c in columns}
    return {s: pd.DataFrame(values, index=index, dtype="float64") for s in symbols}


def test_bars_are_a_blob_shared_by_runs_and_dropped_with_the_last_run_using_them(
    tmp_path: Path,
) -> None:
    archive = RunArchive(tmp_path / "archive", max_bytes=12_000)
    when = [datetime(2026, 11, 20, hour, tzinfo=UTC) for hour in (9, 10, 11)]
    for run_id, at, bars in (
        ("run-a", when[0], frames("AAA", "BBB")),
        ("run-b", when[1], frames("BBB", "AAA")),  # the same bars: the same bytes
    ):
        recorder = archive.start(run_id, SAMPLE_DAY, at)
        recorder.add_bars(bars)
        assert recorder.commit({"s": "ok"}) is None  # no response, yet archived
    a, b = archive.get("run-a"), archive.get("run-b")
    assert a.manifest.bar_archive == b.manifest.bar_archive is not None
    assert a.responses == 0 and a.bars_bytes == a.bytes > 0
    assert a.manifest.bar_archive is not None
    blob = archive.blob_path(a.manifest.bar_archive.sha256)
    served = BarArchive.load(blob)
    pd.testing.assert_frame_equal(served.bars("AAA"), frames("AAA")["AAA"])

    recorder = archive.start("run-c", SAMPLE_DAY, when[2])
    recorder.add_bars(frames("AAA", close=20.0))
    recorder.add(Request(provider="yahoo", url="http://127.0.0.1/x"), Response(200, b"x" * 9000))
    assert recorder.commit({"s": "ok"}) is None
    # Over the bound: both older runs go, and with them the bars blob only they used.
    assert [r.run_id for r in archive.runs()] == ["run-c"]
    assert not blob.exists()
    assert {p.name for p in archive.blobs_dir.rglob("*") if p.is_file()} == archive.get(
        "run-c"
    ).manifest.blobs()
