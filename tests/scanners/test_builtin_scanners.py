"""The nine built-in scanners on the bundled sample snapshot, offline."""

from __future__ import annotations

import importlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion

from tests.helpers import BUILTINS, normalise, runs_by_name
from tradingagents.discovery import load_registry
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.replay.snapshot import sample_snapshot_path

SAMPLE_DATE = "2026-11-20"

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "market_movers": [
        ("SMCI", "high"),
        ("RIVN", "medium"),
        ("SNAP", "medium"),
        ("DG", "high"),
        ("WBA", "medium"),
        ("NVDA", "low"),
        ("TSLA", "low"),
        ("F", "low"),
    ],
    "insider_buying": [("DVN", "critical"), ("HBAN", "medium")],
    "volume_accumulation": [("PFE", "high")],
    "technical_breakout": [("PLTR", "high")],
    "rsi_oversold": [("KO", "high")],
    "earnings_calendar": [
        ("BJ", "critical"),
        ("ZM", "medium"),
        ("DELL", "low"),
        ("ADSK", "low"),
        ("HPQ", "low"),
    ],
    "options_flow": [("AMD", "high")],
    "reddit_trending": [("GME", "high"), ("PLTR", "medium"), ("TSLA", "medium")],
    "sec_catalysts": [("WBA", "high"), ("INTC", "medium"), ("XOM", "medium"), ("BIIB", "low")],
}


def run_one(name: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    registry = load_registry()
    scanner = next(cls for cls in registry.scanners if cls.name == name)
    return DiscoveryGraph(config, [scanner]).run(SAMPLE_DATE)


def test_the_nine_builtins_are_registered_by_entry_point() -> None:
    registry = load_registry()
    assert registry.names() == BUILTINS
    assert registry.failures == ()


@pytest.mark.parametrize("name", BUILTINS)
def test_each_builtin_finds_its_planted_candidates(name: str) -> None:
    state = run_one(name)
    run = state["scanner_runs"][0]
    assert run["status"] == "ok", run
    found = [(c["ticker"], c["priority"]) for c in state["candidates"]]
    assert found == EXPECTED[name]
    assert all(c["sources"] == [name] for c in state["candidates"])
    assert state["tool_logs"], "every provider call is logged"


@pytest.mark.parametrize("name", BUILTINS)
def test_each_builtin_module_documents_signal_data_and_cost(name: str) -> None:
    doc = importlib.import_module(f"tradingagents.scanners.{name}").__doc__ or ""
    for word in ("Signal:", "Data:", "Cost:"):
        assert word in doc, f"{name} docstring lacks {word}"


def test_the_whole_sample_run(snapshot: SnapshotAssertion) -> None:
    state = DiscoveryGraph().run()
    assert state["trade_date"] == SAMPLE_DATE
    assert {r["status"] for r in state["scanner_runs"]} == {"ok"}
    assert all(r["candidates"] > 0 for r in state["scanner_runs"])
    assert normalise(state) == snapshot


def test_history_is_loaded_once_per_run_for_all_ohlcv_scanners() -> None:
    registry = load_registry()
    ohlcv = [
        c
        for c in registry.scanners
        if c.name in ("volume_accumulation", "technical_breakout", "rsi_oversold")
    ]
    state = DiscoveryGraph(None, ohlcv).run(SAMPLE_DATE)
    charts = [e for e in state["tool_logs"] if e["tool"] == "yahoo.chart"]
    assert len(charts) == 24  # one per universe symbol, not one per scanner
    assert len({e["parameters"]["url"] for e in charts}) == 24


def test_point_in_time_a_bar_after_the_trade_date_is_ignored(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(sample_snapshot_path(), snapshot)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    entry = next(e for e in manifest["responses"] if e["path"].endswith("/chart/INTC"))
    chart_file = snapshot / entry["file"]
    payload = json.loads(chart_file.read_text())
    result = payload["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    last_close = quote["close"][-1]
    # A monster bar on the next session: 5x volume, +1% (accumulation) above every high.
    future_bar = {
        "open": last_close,
        "high": last_close * 1.3,
        "low": last_close,
        "close": last_close * 1.01,
        "volume": quote["volume"][-1] * 5,
    }
    result["timestamp"].append(result["timestamp"][-1] + 3 * 86400)  # Monday after the Friday
    for key, value in future_bar.items():
        quote[key].append(value)
    result["indicators"]["adjclose"][0]["adjclose"].append(future_bar["close"])
    chart_file.write_text(json.dumps(payload))
    config = {"discovery": {"source": {"snapshot": str(snapshot)}}}

    state = run_one("volume_accumulation", config)
    assert [c["ticker"] for c in state["candidates"]] == ["PFE"]  # INTC's future bar ignored

    # Control: the same bar ON the trade date is seen, so the test can tell the difference.
    result["timestamp"][-2:] = [result["timestamp"][-1] - 3 * 86400]
    for key, value in future_bar.items():
        quote[key][-2:] = [value]
    result["indicators"]["adjclose"][0]["adjclose"][-2:] = [future_bar["close"]]
    chart_file.write_text(json.dumps(payload))
    state = run_one("volume_accumulation", config)
    assert "INTC" in [c["ticker"] for c in state["candidates"]]


def test_scanner_params_come_from_config() -> None:
    config = {"discovery": {"scanners": {"market_movers": {"min_price": 20.0}}}}
    state = run_one("market_movers", config)
    assert [c["ticker"] for c in state["candidates"]] == ["SMCI", "DG", "NVDA", "TSLA"]


def test_a_snapshot_for_another_date_is_an_error_naming_both_dates() -> None:
    scanner = next(c for c in load_registry().scanners if c.name == "sec_catalysts")
    run = DiscoveryGraph(None, [scanner]).run("2026-11-27")["scanner_runs"][0]
    assert run["status"] == "error"
    assert run["error"]["type"] == "SnapshotError"
    assert "2026-11-20" in run["error"]["message"] and "2026-11-27" in run["error"]["message"]


def test_sample_trade_date_is_the_default_in_replay_mode() -> None:
    graph = DiscoveryGraph(None, [])
    assert graph.providers.snapshot is not None
    assert graph.providers.snapshot.trade_date == date(2026, 11, 20)


def _corrupt_charts(snapshot: Path, symbols: set[str] | None) -> dict[str, Any]:
    manifest = json.loads((snapshot / "manifest.json").read_text())
    for entry in manifest["responses"]:
        symbol = entry["path"].rsplit("/", 1)[-1]
        if "/v8/finance/chart/" in entry["path"] and (symbols is None or symbol in symbols):
            (snapshot / entry["file"]).write_text('{"chart": {"result": [')
    return {"discovery": {"source": {"snapshot": str(snapshot)}}}


HISTORY_SCANNERS = ("volume_accumulation", "technical_breakout", "rsi_oversold")


def test_price_scanners_without_any_prices_are_errors_not_empty_successes(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(sample_snapshot_path(), snapshot)
    config = _corrupt_charts(snapshot, None)
    registry = load_registry()
    scanners = [c for c in registry.scanners if c.name in HISTORY_SCANNERS]
    runs = runs_by_name(DiscoveryGraph(config, scanners).run(SAMPLE_DATE))
    for name in HISTORY_SCANNERS:
        assert runs[name]["status"] == "error", runs[name]
        assert "no price history for any of 24 symbols" in runs[name]["error"]["message"]


def test_missing_prices_for_some_symbols_are_warnings(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(sample_snapshot_path(), snapshot)
    config = _corrupt_charts(snapshot, {"INTC", "T"})
    state = run_one("volume_accumulation", config)
    run = state["scanner_runs"][0]
    assert run["status"] == "ok" and run["candidates"] == 1
    assert len(run["warnings"]) == 1
    assert "missing for 2 symbols" in run["warnings"][0]
    assert "INTC" in run["warnings"][0] and "ProviderParseError" in run["warnings"][0]
