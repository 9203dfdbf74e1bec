"""discovery.universe from a source: one listing per run, cached per date, offline on the sample."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import runs_by_name
from tests.providers.conftest import fixtures_root
from tradingagents.config import DEFAULT_UNIVERSE, load_config
from tradingagents.discovery import ScanContext
from tradingagents.errors import ConfigError, ScannerSkipped
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response
from tradingagents.scanners.rsi_oversold import RsiOversold
from tradingagents.scanners.technical_breakout import TechnicalBreakout
from tradingagents.services import RunServices
from tradingagents.universe import UniverseSource
from tradingagents.wiring import build_hub

DAY = date(2025, 12, 17)
SOURCE = {"source": "nasdaq", "min_price": 5, "min_volume": 1e6, "min_market_cap": 3e8}


def amex_listing() -> bytes:
    """The real AMEX rows of 2025-12-17 (289) in the API's envelope, which the recording
    dropped (it kept ``data.rows`` only; tests/fixtures/real/SOURCES.md)."""
    rows = json.loads(
        (fixtures_root() / "nasdaq_screener" / "amex_rows_2025-12-17.json").read_text()
    )
    envelope = {"data": {"headers": {}, "rows": rows}, "message": None, "status": {"rCode": 200}}
    return json.dumps(envelope).encode()


class Counting:
    """A live transport answering every request with ``body``, counting them."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        with self._lock:
            self.requests.append(request)
        time.sleep(0.05)  # long enough for every thread to ask while the first one loads
        return Response(status=200, body=self.body, headers={"Content-Type": "application/json"})


def live(universe: Any) -> dict[str, Any]:
    # No HTTP response cache: what is counted is the universe's own per-date cache.
    return {
        "discovery": {
            "source": {"mode": "live"},
            "universe": universe,
            "resilience": {"cache": {"enabled": False}, "breaker": {"enabled": False}},
        }
    }


def run_services(transport: Counting, cache: Path, day: date = DAY) -> RunServices:
    config = load_config(live(SOURCE))
    hub = build_hub(config, transport=transport)
    return RunServices(
        hub, trade_date=day, cache_dir=cache, universe=config.universe, today=lambda: day
    )


def ctx(day: date = DAY) -> ScanContext:
    return ScanContext(scanner="s", trade_date=day, config={}, deadline=time.monotonic() + 10)


def test_the_list_form_is_unchanged_and_asks_nothing(tmp_path: Path) -> None:
    assert load_config({}).universe == DEFAULT_UNIVERSE
    config = load_config({"discovery": {"universe": ["aapl", "brk.b", "AAPL"]}})
    assert config.universe == ("AAPL", "BRK-B")
    transport = Counting(b"")
    services = RunServices(
        build_hub(config, transport=transport),
        trade_date=DAY,
        cache_dir=tmp_path,
        universe=config.universe,
    )
    assert services.symbols(ctx()) == services.universe == ("AAPL", "BRK-B")
    assert transport.requests == []


def test_the_source_form_is_validated_with_its_own_key_paths() -> None:
    assert load_config(live({"source": "nasdaq"})).universe == UniverseSource(source="nasdaq")
    with pytest.raises(ConfigError) as info:
        load_config(live({"source": "nasdaq", "min_avg_volume": 1e6, "max_symbols": 0}))
    assert sorted((p.path, p.message) for p in info.value.problems) == [
        ("discovery.universe.max_symbols", "Input should be greater than or equal to 1 (got 0)"),
        (
            "discovery.universe.min_avg_volume",
            "unknown key; did you mean 'min_volume'? (got 1000000.0)",
        ),
    ]


def test_a_source_universe_is_loaded_once_per_run_and_cached_per_trade_date(
    tmp_path: Path,
) -> None:
    transport = Counting(amex_listing())
    services = run_services(transport, tmp_path)
    results: list[tuple[str, ...]] = []
    threads = [
        threading.Thread(target=lambda: results.append(services.symbols(ctx()))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(transport.requests) == 1  # eight scanners, one listing request
    assert "exchange" not in transport.requests[0].params  # every exchange at once
    assert len(set(results)) == 1 and len(results[0]) == 15  # SOURCES.md: 15 AMEX rows pass
    resolved = services.resolved_universe(ctx())
    assert (resolved.listed, resolved.eligible) == (272, 15)
    # The next run for the same date reads the listing kept for that date.
    again = run_services(transport, tmp_path)
    assert again.symbols(ctx()) == results[0]
    assert len(transport.requests) == 1
    assert (tmp_path / "universe" / f"nasdaq-{DAY}.json").is_file()
    # Another trade date is another listing.
    later = date(2025, 12, 18)
    run_services(transport, tmp_path, later).symbols(ctx(later))
    assert len(transport.requests) == 2


def test_a_past_date_without_its_listing_is_skipped_not_filled_with_todays(
    tmp_path: Path,
) -> None:
    transport = Counting(amex_listing())
    config = load_config(live(SOURCE))
    services = RunServices(
        build_hub(config, transport=transport),
        trade_date=DAY,
        cache_dir=tmp_path,
        universe=config.universe,
        today=lambda: date(2026, 1, 5),
    )
    with pytest.raises(ScannerSkipped, match="only available for today in live mode"):
        services.symbols(ctx())
    assert transport.requests == []
    # services.universe is the list form only: a scanner must ask for the resolved one.
    with pytest.raises(TypeError, match="universe_of"):
        _ = services.universe


def test_filters_that_leave_nothing_skip_with_the_reason(tmp_path: Path) -> None:
    config = load_config(live({**SOURCE, "min_price": 1e6}))
    services = RunServices(
        build_hub(config, transport=Counting(amex_listing())),
        trade_date=DAY,
        cache_dir=tmp_path,
        universe=config.universe,
        today=lambda: DAY,
    )
    with pytest.raises(ScannerSkipped, match=r"none of the 272 stocks .* passes"):
        services.symbols(ctx())


def test_a_listing_failure_is_reported_clearly() -> None:
    refused = {
        "data": None,
        "message": None,
        "status": {"rCode": 400, "bCodeMessage": [{"code": 1001, "errorMessage": "Blocked"}]},
    }
    config = load_config(live(SOURCE))
    with DiscoveryGraph(
        config,
        [RsiOversold, TechnicalBreakout],
        providers=build_hub(config, transport=Counting(json.dumps(refused).encode())),
        today=lambda: DAY,
    ) as graph:
        state = graph.run(DAY)
    runs = runs_by_name(state)
    assert {r["status"] for r in runs.values()} == {"error"}
    # The scanner that loaded it says what failed; the other says it shared that load.
    reasons = " | ".join(str(r["error"]) for r in runs.values())
    assert "the universe's listing (nasdaq stock screener) is unavailable" in reasons
    assert "status code 400" in reasons
    assert not state["candidates"]


def test_the_sample_runs_offline_with_a_source_universe() -> None:
    with DiscoveryGraph({"discovery": {"universe": {"source": "nasdaq"}}}) as graph:
        state = graph.run()
    runs = runs_by_name(state)
    assert {r["status"] for r in runs.values()} == {"ok"}
    history = ("rsi_oversold", "technical_breakout", "volume_accumulation")
    tools = [log["tool"] for log in state["tool_logs"]]
    assert tools.count("nasdaq.stock_screener") == 1  # one listing for the whole run
    # The sample's listing: 326 rows, of which the default filters keep 110 (the 24 default
    # names and 86 synthetic QX* ones), each fetched once by the shared history load.
    assert tools.count("yahoo.chart") == 110
    assert tools.count("yahoo.options") == 110  # options_flow scans the same universe
    found = {c["ticker"] for c in state["candidates"] if set(c["sources"]) & set(history)}
    assert {"KO", "PLTR", "PFE"} <= found  # the planted signals, found in the bigger universe
