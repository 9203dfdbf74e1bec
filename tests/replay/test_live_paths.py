"""Live HTTP code paths against a local server on 127.0.0.1, recording, and the live-mode rules."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from pytest_socket import SocketConnectBlockedError

from tests.helpers import runs_by_name
from tests.snapshot_server import SnapshotServer
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.recording import record_snapshot
from tradingagents.replay import load_snapshot, sample_snapshot_path
from tradingagents.replay.snapshot import SnapshotEntry

SAMPLE_DAY = date(2026, 11, 20)
FINNHUB_KEY = "fh-secret-test-key-0123"
USER_AGENT = "Test Runner test@example.com"


def on_sample_day() -> date:
    return SAMPLE_DAY


def the_day_after() -> date:
    # History of a finished session is cached; the trade date's own bar is still moving.
    return date(2026, 11, 21)


def default_run_responses() -> list[SnapshotEntry]:
    """The sample's responses the default run asks for: not the listing, nor the bars and
    chains of the synthetic QX* names, which only discovery.universe = {source = "nasdaq"} reads."""
    return [
        e
        for e in load_snapshot(sample_snapshot_path()).manifest.responses
        if not e.path.endswith("/screener/stocks") and "/QX" not in e.path
    ]


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidates": state["candidates"],
        "ranked": state["ranked_candidates"],
        "runs": [(r["name"], r["status"], r["candidates"]) for r in state["scanner_runs"]],
    }


@pytest.fixture
def server(httpserver: HTTPServer) -> SnapshotServer:
    return SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEC_USER_AGENT", USER_AGENT)
    monkeypatch.setenv("FINNHUB_API_KEY", FINNHUB_KEY)


@pytest.mark.usefixtures("keys")
def test_a_live_run_over_http_finds_what_the_replay_finds(
    server: SnapshotServer, tmp_path: Path
) -> None:
    replay = DiscoveryGraph().run()
    config = server.live_config(cache_dir=str(tmp_path / "cache"))
    live = DiscoveryGraph(config, today=on_sample_day).run(SAMPLE_DAY)
    assert comparable(live) == comparable(replay)
    # Every request went to the local server, through the real HTTP transport.
    assert sum(server.paths.values()) == len(default_run_responses())
    # The key reached Finnhub but nothing the run recorded.
    assert {"token": FINNHUB_KEY} in server.secrets_seen
    assert FINNHUB_KEY not in repr(live)


@pytest.mark.usefixtures("keys")
def test_history_is_cached_as_parquet_so_a_rerun_downloads_nothing(
    server: SnapshotServer, tmp_path: Path
) -> None:
    config = server.live_config(cache_dir=str(tmp_path / "cache"))
    config["discovery"]["scanners"] = {
        name: {"enabled": False}
        for name in (
            "market_movers",
            "insider_buying",
            "earnings_calendar",
            "options_flow",
            "reddit_trending",
            "sec_catalysts",
        )
    }
    first = DiscoveryGraph(config, today=the_day_after).run(SAMPLE_DAY)
    charts = sum(n for path, n in server.paths.items() if "/v8/finance/chart/" in path)
    assert charts == 24
    assert len(list((tmp_path / "cache" / "history").rglob("*.parquet"))) == 24
    second = DiscoveryGraph(config, today=the_day_after).run(SAMPLE_DAY)
    assert sum(n for path, n in server.paths.items() if "/v8/finance/chart/" in path) == 24
    assert comparable(second) == comparable(first)
    assert not [e for e in second["tool_logs"] if e["tool"] == "yahoo.chart"]


@pytest.mark.usefixtures("keys")
def test_record_then_replay_gives_the_same_result(server: SnapshotServer, tmp_path: Path) -> None:
    root = tmp_path / "recorded"
    config = server.live_config(cache_dir=str(tmp_path / "cache"))
    manifest, live = record_snapshot(
        root, config=config, trade_date=SAMPLE_DAY, today=on_sample_day
    )
    assert manifest.kind == "recorded"
    assert {e.origin for e in manifest.responses} == {"recorded"}
    replayed = DiscoveryGraph({"discovery": {"source": {"snapshot": str(root)}}}).run()
    assert comparable(replayed) == comparable(live)
    for path in root.rglob("*"):
        if path.is_file():
            assert FINNHUB_KEY.encode() not in path.read_bytes(), path


@pytest.mark.usefixtures("keys")
def test_recording_after_a_live_run_still_records_everything(
    server: SnapshotServer, tmp_path: Path
) -> None:
    config = server.live_config(
        cache_dir=str(tmp_path / "cache"), resilience={"state_dir": str(tmp_path / "state")}
    )
    with DiscoveryGraph(config, today=on_sample_day) as graph:
        graph.run(SAMPLE_DAY)  # warms the response cache in the same state dir
    manifest, _ = record_snapshot(
        tmp_path / "rec", config=config, trade_date=SAMPLE_DAY, today=on_sample_day
    )
    total = len(default_run_responses())
    assert len(manifest.responses) == total  # nothing was answered from the cache


def test_live_edgar_scanners_are_skipped_without_a_user_agent(
    server: SnapshotServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SEC_USER_AGENT", raising=False)
    monkeypatch.delenv("FINNHUB_API_KEY", raising=False)
    state = DiscoveryGraph(server.live_config(cache_dir=str(tmp_path)), today=on_sample_day).run(
        SAMPLE_DAY
    )
    runs = runs_by_name(state)
    for name in ("insider_buying", "sec_catalysts"):
        assert runs[name]["status"] == "skipped"
        assert runs[name]["reason"].startswith("needs SEC_USER_AGENT")
    # Without EDGAR's universe, reddit_trending still counts $cashtags.
    assert runs["reddit_trending"]["status"] == "ok"
    # Without a Finnhub key, the earnings calendar uses Nasdaq alone (HPQ is Finnhub-only).
    tickers = [c["ticker"] for c in state["candidates"] if "earnings_calendar" in c["sources"]]
    assert "HPQ" not in tickers and "BJ" in tickers


@pytest.mark.usefixtures("keys")
def test_live_now_only_scanners_are_skipped_for_a_past_date(
    server: SnapshotServer, tmp_path: Path
) -> None:
    state = DiscoveryGraph(
        server.live_config(cache_dir=str(tmp_path)), today=lambda: date(2026, 11, 27)
    ).run(SAMPLE_DAY)
    runs = runs_by_name(state)
    for name in ("market_movers", "options_flow", "reddit_trending"):
        assert runs[name]["status"] == "skipped"
        assert "only available for today" in runs[name]["reason"]
    assert runs["rsi_oversold"]["status"] == "ok"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_tests_cannot_reach_the_network() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
