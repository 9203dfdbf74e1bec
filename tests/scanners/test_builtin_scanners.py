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
from tradingagents.engine import describe
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


# The one scoring model ---------------------------------------------------------------------

#: Each built-in's signal (0-1) on the sample, by the mapping its module docstring gives.
EXPECTED_SIGNALS: dict[str, list[tuple[str, float]]] = {
    # nearness: 1 - days_until / (days_ahead + 1), days_ahead 5
    "earnings_calendar": [
        ("BJ", 1.0),
        ("ZM", 0.5),
        ("DELL", 0.3333),
        ("ADSK", 0.3333),
        ("HPQ", 0.3333),
    ],
    # log10 value from $25k to $5M, + 0.2 per extra insider (DVN: a cluster)
    "insider_buying": [("DVN", 1.0), ("HBAN", 0.1677)],
    # |change %| from 3 to 20 (SMCI +14.2%: 11.2 / 17)
    "market_movers": [
        ("SMCI", 0.6588),
        ("RIVN", 0.2824),
        ("SNAP", 0.0647),
        ("DG", 0.5647),
        ("WBA", 0.3471),
        ("NVDA", 0.0235),
        ("TSLA", 0.0),
        ("F", 0.0),
    ],
    # call vol / OI from 0.5 to 3.0
    "options_flow": [("AMD", 0.665)],
    # mentions from 3 to 25
    "reddit_trending": [("GME", 0.4091), ("PLTR", 0.0455), ("TSLA", 0.0)],
    # RSI(2) from 10 (0) down to 0 (1)
    "rsi_oversold": [("KO", 0.6631)],
    # the most material item: 2.01 acquisition 0.8, 2.02 results 0.6, 5.02 officers 0.5...
    "sec_catalysts": [("WBA", 0.8), ("INTC", 0.5), ("XOM", 0.6), ("BIIB", 0.3)],
    # volume ratio from 1.5 to 4.0
    "technical_breakout": [("PLTR", 0.5152)],
    # volume ratio from 2.0 to 5.0
    "volume_accumulation": [("PFE", 0.4337)],
}


@pytest.mark.parametrize("name", BUILTINS)
def test_each_builtin_gives_every_candidate_a_signal_on_the_common_scale(name: str) -> None:
    state = run_one(name)
    signals = [(c["ticker"], c["by_source"][name]["signal"]) for c in state["candidates"]]
    assert signals == EXPECTED_SIGNALS[name]
    assert all("score" not in c["by_source"][name] for c in state["candidates"])
    ranked = state["ranked_candidates"]
    assert all(r["score_breakdown"]["sources"][0]["signal_from"] == "signal" for r in ranked)


@pytest.mark.parametrize("name", BUILTINS)
def test_each_builtin_module_documents_how_it_maps_strength_to_a_signal(name: str) -> None:
    doc = importlib.import_module(f"tradingagents.scanners.{name}").__doc__ or ""
    assert "Strength:" in doc


def test_the_worked_example_of_docs_scoring_md() -> None:
    state = DiscoveryGraph().run()
    ranked = {c["ticker"]: c for c in state["ranked_candidates"]}
    wba = ranked["WBA"]
    assert (wba["rank"], wba["priority"], wba["score"]) == (3, "high", 0.74)
    assert wba["score_breakdown"] == {
        "sources": [
            {
                "source": "market_movers",
                "priority": "medium",
                "signal": 0.3471,
                "signal_from": "signal",
                "weight": 0.6,
                "weighted": 0.20826,
            },
            {
                "source": "sec_catalysts",
                "priority": "high",
                "signal": 0.8,
                "signal_from": "signal",
                "weight": 0.8,
                "weighted": 0.64,
            },
        ],
        "best_source": "sec_catalysts",
        "best": 0.64,
        "extra_sources": 1,
        "confluence": 0.1,
        "total": 0.74,
    }
    assert (ranked["KO"]["rank"], ranked["KO"]["score"]) == (5, 0.53048)
    assert (ranked["SMCI"]["rank"], ranked["SMCI"]["score"]) == (6, 0.52704)
    doc = (Path(__file__).parents[2] / "docs" / "scoring.md").read_text()
    for number in ("0.3471", "0.20826", "0.64", "0.74", "0.53048", "0.52704"):
        assert number in doc


def test_market_movers_limit_keeps_the_strongest_moves_not_the_first_rows() -> None:
    config = {"discovery": {"scanners": {"market_movers": {"limit": 3}}}}
    state = run_one("market_movers", config)
    # Rows come gainers first (SMCI, RIVN, SNAP...): the limit keeps the two high-priority
    # moves and the strongest medium one, in the scanner's order.
    assert [c["ticker"] for c in state["candidates"]] == ["SMCI", "DG", "WBA"]
    assert state["scanner_runs"][0]["truncated"] == 5


def test_market_movers_lists_a_ticker_on_two_screeners_once(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(sample_snapshot_path(), snapshot)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    files = {
        e["params"].get("scrIds"): snapshot / e["file"]
        for e in manifest["responses"]
        if e["path"].endswith("/screener/predefined/saved")
    }
    gainers = json.loads(files["day_gainers"].read_text())
    actives = json.loads(files["most_actives"].read_text())
    smci = next(q for q in gainers["finance"]["result"][0]["quotes"] if q["symbol"] == "SMCI")
    actives["finance"]["result"][0]["quotes"].insert(0, smci)  # SMCI is also most active
    files["most_actives"].write_text(json.dumps(actives))
    state = run_one("market_movers", {"discovery": {"source": {"snapshot": str(snapshot)}}})
    tickers = [c["ticker"] for c in state["candidates"]]
    assert tickers.count("SMCI") == 1 and len(tickers) == 8
    smci_entry = state["candidates"][0]
    assert smci_entry["priority"] == "high"
    assert smci_entry["context"].startswith("top gainer: +14.2%")
    assert "| most active: +14.2%" in smci_entry["context"]


# Too little data is said, never a silent "no signal" ---------------------------------------


def _keep_last_bars(snapshot: Path, symbol: str, count: int) -> dict[str, Any]:
    manifest = json.loads((snapshot / "manifest.json").read_text())
    entry = next(e for e in manifest["responses"] if e["path"].endswith(f"/chart/{symbol}"))
    chart_file = snapshot / entry["file"]
    payload = json.loads(chart_file.read_text())
    result = payload["chart"]["result"][0]
    result["timestamp"] = result["timestamp"][-count:]
    quote = result["indicators"]["quote"][0]
    for key in list(quote):
        quote[key] = quote[key][-count:]
    adj = result["indicators"]["adjclose"][0]
    adj["adjclose"] = adj["adjclose"][-count:]
    chart_file.write_text(json.dumps(payload))
    return {"discovery": {"source": {"snapshot": str(snapshot)}}}


@pytest.mark.parametrize(
    ("name", "bars", "warning"),
    [
        ("rsi_oversold", 150, "AAPL: 150 bars, needs 200"),
        ("technical_breakout", 15, "AAPL: 15 bars, needs 21"),
        ("volume_accumulation", 20, "AAPL: 20 bars, needs 21"),
    ],
)
def test_a_symbol_with_too_few_bars_is_a_warning_naming_it(
    tmp_path: Path, name: str, bars: int, warning: str
) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(sample_snapshot_path(), snapshot)
    config = _keep_last_bars(snapshot, "AAPL", bars)
    _keep_last_bars(snapshot, "MSFT", bars)
    state = run_one(name, config)
    run = state["scanner_runs"][0]
    assert run["status"] == "ok"
    assert run["warnings"] == [warning, warning.replace("AAPL", "MSFT")]
    assert "(2 warnings)" in describe(run)  # the count shows in the run's summary line
    assert [c["ticker"] for c in state["candidates"]] == [t for t, _ in EXPECTED[name]]


@pytest.mark.parametrize("name", HISTORY_SCANNERS)
def test_a_full_history_gives_no_warnings(name: str) -> None:
    assert run_one(name)["scanner_runs"][0]["warnings"] == []


def test_earnings_calendar_asks_only_for_nyse_sessions() -> None:
    # 2026-11-20 (Fri) + 6 days: the weekend and Thanksgiving (Thu 26th) are not asked for.
    config = {"discovery": {"scanners": {"earnings_calendar": {"days_ahead": 6}}}}
    state = run_one("earnings_calendar", config)
    asked = [
        e["parameters"]["url"].rsplit("=", 1)[1]
        for e in state["tool_logs"]
        if e["tool"] == "nasdaq.earnings"
    ]
    assert asked == ["2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25"]
