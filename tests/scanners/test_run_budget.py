"""Two stages within a run's budget: what a budget smaller than the universe leaves unasked,
and how every record, table and file says so."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.helpers import runs_by_name
from tests.scanners.test_coverage import HISTORY, SAMPLE_DATE, rendered, row_of
from tradingagents.cli import app
from tradingagents.clock import FakeClock
from tradingagents.config import DEFAULT_UNIVERSE, load_config
from tradingagents.config._universe import UniverseSource
from tradingagents.discovery import ScanContext, load_registry
from tradingagents.discovery.coverage import coverage_text
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response, Transport
from tradingagents.replay.snapshot import sample_snapshot_path
from tradingagents.reports.artifacts import RESULT_MD, results_markdown
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy
from tradingagents.universe import Universe, resolve_universe
from tradingagents.wiring import build_hub

WARNING = "{n} symbols skipped because yahoo's budget of {b} requests for this run ran out"


class Counting(Transport):
    """The replay transport, counting the requests that reach it per provider."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.lock = threading.Lock()
        self.sent: list[Request] = []

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        with self.lock:
            self.sent.append(request)
        return self.inner.send(request, timeout=timeout, max_bytes=max_bytes)

    def count(self, provider: str, part: str = "") -> int:
        with self.lock:
            return sum(1 for r in self.sent if r.provider == provider and part in r.url)


class Sample:
    """A DiscoveryGraph over the sample snapshot with some scanners and a Yahoo budget."""

    def __init__(
        self,
        names: tuple[str, ...],
        budget: int | None,
        params: dict[str, Any] | None = None,
        **execution: Any,
    ) -> None:
        discovery: dict[str, Any] = {
            "scanner_execution": {"order": "registration", **execution},
            "providers": {"yahoo": {"run_budget": budget}},
        }
        if params:
            discovery["scanners"] = {"options_flow": params}
        config = load_config({"discovery": discovery})
        self.transports: list[Counting] = []

        def wrap(inner: Transport) -> Transport:
            counting = Counting(inner)
            self.transports.append(counting)
            return counting

        hub = build_hub(config, wrap=wrap)
        scanners = [cls for cls in load_registry().scanners if cls.name in names]
        self.graph = DiscoveryGraph(config, scanners, providers=hub)

    def run(self) -> dict[str, Any]:
        return self.graph.run(SAMPLE_DATE)

    def yahoo(self, part: str = "") -> int:
        return sum(t.count("yahoo", part) for t in self.transports)

    def close(self) -> None:
        self.graph.close()


@pytest.fixture
def sample() -> Any:
    made: list[Sample] = []

    def make(*args: Any, **kwargs: Any) -> Sample:
        made.append(Sample(*args, **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


def test_a_budget_smaller_than_the_universe_skips_the_rest(sample: Any) -> None:
    run = sample(HISTORY, 10, concurrent=False)
    state = run.run()
    assert run.yahoo() == 10 == run.yahoo("/chart/")
    # Sequentially the universe's first ten symbols (its relevance order) are the ones asked.
    asked = [r.url.split("/chart/")[1].split("?")[0] for t in run.transports for r in t.sent]
    assert asked == list(DEFAULT_UNIVERSE[:10])
    expected = {
        "asked": 24,
        "answered": 10,
        "stale": 0,
        "skipped_budget": 14,
        "data_as_of": SAMPLE_DATE,
    }
    for record in state["scanner_runs"]:
        assert record["status"] == "ok"
        assert record["coverage"] == expected, record["name"]
        # One warning for the lot, none per symbol.
        assert WARNING.format(n=14, b=10) in record["warnings"]
        assert not any("price history missing" in w for w in record["warnings"])
    lines = rendered(state)
    assert row_of(lines, "rsi_oversold")[4] == "10/24 41%"
    md = results_markdown(state)
    assert md.count(f"| 10/24 (41%), 14 skipped for budget, as of {SAMPLE_DATE} |") == 3


def test_concurrent_maps_send_exactly_the_budget(sample: Any) -> None:
    run = sample((*HISTORY, "options_flow"), 30, fan_out=8)
    state = run.run()
    assert run.yahoo() == 30
    coverage = {r["name"]: r["coverage"] for r in state["scanner_runs"]}
    history, options = coverage["rsi_oversold"], coverage["options_flow"]
    # Shared by the history load and options_flow: 48 symbol requests wanted, 30 sent.
    assert history["answered"] + options["answered"] == 30
    assert history["skipped_budget"] + options["skipped_budget"] == 48 - 30
    for name in HISTORY:
        assert coverage[name] == history


def test_the_budget_is_shared_by_the_scanners_of_a_run_and_reset_for_the_next(
    sample: Any,
) -> None:
    run = sample((*HISTORY, "options_flow"), 30, concurrent=False)
    first = run.run()
    assert run.yahoo() == 30
    second = run.run()
    assert run.yahoo() == 60  # the next run has the whole budget again
    for state in (first, second):
        runs = runs_by_name(state)
        spent = runs["rsi_oversold"]["coverage"]["answered"]
        spent += runs["options_flow"]["coverage"]["answered"]
        assert spent == 30
    # Registration order: options_flow first (24 chains), the shared history load the rest.
    runs = runs_by_name(second)
    assert runs["options_flow"]["coverage"]["skipped_budget"] == 0
    for name in HISTORY:
        assert runs[name]["coverage"]["answered"] == 6
        assert runs[name]["coverage"]["skipped_budget"] == 18
        assert WARNING.format(n=18, b=30) in runs[name]["warnings"]


def test_a_scanner_left_no_budget_is_skipped_and_says_why(sample: Any) -> None:
    # Skipped, not an error: the provider did not fail, so no breaker may count it.
    state = sample(("options_flow",), 0).run()
    [record] = state["scanner_runs"]
    assert record["status"] == "skipped"
    assert record["reason"] == f"no option chain read: {WARNING.format(n=24, b=0)}"
    assert record["coverage"]["skipped_budget"] == 24
    assert coverage_text(record["coverage"]) == "0/24 (0%), 24 skipped for budget"


def test_history_scanners_left_no_budget_are_skipped_and_charge_no_breaker(
    tmp_path: Path,
) -> None:
    config = load_config({"discovery": {"providers": {"yahoo": {"run_budget": 0}}}})
    scanners = [cls for cls in load_registry().scanners if cls.name in HISTORY]
    board = BreakerBoard(tmp_path / "breakers.sqlite", BreakerPolicy(), clock=FakeClock())
    try:
        with DiscoveryGraph(config, scanners, providers=build_hub(config), breakers=board) as dg:
            for _ in range(3):  # past the default failure threshold, were it counted
                state = dg.run(SAMPLE_DATE)
        for record in state["scanner_runs"]:
            assert record["status"] == "skipped"
            assert record["reason"] == f"no price history: {WARNING.format(n=24, b=0)}"
            assert board.status(record["name"]).consecutive_failures == 0
    finally:
        board.close()


def test_unlimited_by_default_asks_every_symbol(sample: Any) -> None:
    run = sample((*HISTORY, "options_flow"), None)
    state = run.run()
    assert run.yahoo("/chart/") == 24 and run.yahoo("/options/") == 24
    for record in state["scanner_runs"]:
        assert record["coverage"]["skipped_budget"] == 0
        assert not any("budget" in w for w in record["warnings"])


def test_the_cli_summary_and_the_markdown_show_the_budget(tmp_path: Path) -> None:
    config = tmp_path / "budget.toml"
    config.write_text(
        '[discovery.scanner_execution]\nconcurrent = false\norder = "registration"\n'
        "[discovery.providers.yahoo]\nrun_budget = 10\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        [
            "discover",
            "--snapshot",
            str(sample_snapshot_path()),
            "--config",
            str(config),
            "--only",
            ",".join(HISTORY),
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.stderr
    assert row_of(result.stderr.splitlines(), "volume_accumulation")[4] == "10/24 41%"
    [md] = tmp_path.glob(f"discovery/*/run_*/{RESULT_MD}")
    assert f"10/24 (41%), 14 skipped for budget, as of {SAMPLE_DATE}" in md.read_text(
        encoding="utf-8"
    )


# Stage one: options_flow's pre-filter from bulk data, before any option chain is asked.


def sample_universe() -> Universe:
    """The sample's nasdaq listing, filtered by discovery.universe's defaults, with its rows."""
    config = load_config({"discovery": {"universe": {"source": "nasdaq"}}})
    assert isinstance(config.universe, UniverseSource)
    day = date.fromisoformat(SAMPLE_DATE)
    ctx = ScanContext(scanner="t", trade_date=day, config={}, deadline=time.monotonic() + 60)
    return resolve_universe(
        ctx, build_hub(config), config.universe, cache_dir=Path("unused"), today=lambda: day
    )


def test_options_flow_asks_chains_only_for_listing_rows_that_pass() -> None:
    floors = {"min_price": 50, "min_volume": 10_000_000}
    config = load_config(
        {"discovery": {"universe": {"source": "nasdaq"}, "scanners": {"options_flow": floors}}}
    )
    counting: list[Counting] = []

    def wrap(inner: Transport) -> Transport:
        counting.append(Counting(inner))
        return counting[-1]

    scanners = [cls for cls in load_registry().scanners if cls.name == "options_flow"]
    with DiscoveryGraph(config, scanners, providers=build_hub(config, wrap=wrap)) as graph:
        state = graph.run(SAMPLE_DATE)
    universe = sample_universe()
    passing = {
        row.symbol
        for row in universe.rows.values()
        if (row.price or 0) >= floors["min_price"] and (row.volume or 0) >= floors["min_volume"]
    }
    assert 0 < len(passing) < len(universe.symbols)  # the floors leave some of it out
    [record] = state["scanner_runs"]
    assert record["status"] == "ok"
    assert record["coverage"]["asked"] == len(passing) == record["coverage"]["answered"]
    sent = [r for t in counting for r in t.sent if r.provider == "yahoo"]
    assert all("/options/" in r.url for r in sent)  # the listing rows cost no Yahoo request
    # The survivors only (fetched concurrently, so in no fixed order).
    asked = [r.url.split("/options/")[1].split("?")[0] for r in sent]
    assert sorted(asked) == sorted(passing)


def quote(symbol: str, price: float, volume: int) -> dict[str, Any]:
    return {"symbol": symbol, "regularMarketPrice": price, "regularMarketVolume": volume}


class Quoting(Counting):
    """The replay transport, except that Yahoo's batch quote endpoint answers from ``rows``
    (the sample snapshot holds no batch quotes for the default list)."""

    def __init__(self, inner: Transport, rows: dict[str, dict[str, Any]], fail: bool = False):
        super().__init__(inner)
        self.rows = rows
        self.fail = fail

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        if "/v7/finance/quote" not in request.url:
            return super().send(request, timeout=timeout, max_bytes=max_bytes)
        with self.lock:
            self.sent.append(request)
        if self.fail:
            return Response(500, b"{}", url=request.url)
        symbols = request.params["symbols"].split(",")
        result = [self.rows[s] for s in symbols if s in self.rows]
        body = {"quoteResponse": {"result": result, "error": None}}
        return Response(200, json.dumps(body).encode(), url=request.url)


def list_run(
    floors: dict[str, Any], rows: dict[str, dict[str, Any]], fail: bool = False
) -> tuple[dict[str, Any], list[Request]]:
    config = load_config(
        {
            "discovery": {
                "scanners": {"options_flow": floors},
                "price_history": {"quote_batch_size": 10},
            }
        }
    )
    made: list[Quoting] = []

    def wrap(inner: Transport) -> Transport:
        made.append(Quoting(inner, rows, fail))
        return made[-1]

    scanners = [cls for cls in load_registry().scanners if cls.name == "options_flow"]
    with DiscoveryGraph(config, scanners, providers=build_hub(config, wrap=wrap)) as graph:
        state = graph.run(SAMPLE_DATE)
    sent = [r for t in made for r in t.sent if r.provider == "yahoo"]
    return state, sent


def test_for_a_list_the_pre_filter_reads_batch_quotes_first() -> None:
    # Half the default list trades 5M shares, the other half 500k; AMD has no price.
    rows = {
        s: quote(s, 100.0, 5_000_000 if i % 2 == 0 else 500_000)
        for i, s in enumerate(DEFAULT_UNIVERSE)
    }
    rows["AMD"] = {"symbol": "AMD", "regularMarketVolume": 9_000_000}
    state, sent = list_run({"min_price": 5, "min_volume": 1_000_000}, rows)
    quotes = [r for r in sent if "/v7/finance/quote" in r.url]
    chains = [r.url.split("/options/")[1].split("?")[0] for r in sent if "/options/" in r.url]
    assert len(quotes) == 3  # 24 symbols, 10 per request
    assert sent[: len(quotes)] == quotes  # stage one before any chain
    passing = [s for i, s in enumerate(DEFAULT_UNIVERSE) if i % 2 == 0 and s != "AMD"]
    assert sorted(chains) == sorted(passing)  # fetched concurrently: in no fixed order
    [record] = state["scanner_runs"]
    assert record["coverage"]["asked"] == len(passing)


def test_a_failed_batch_quote_drops_no_symbol() -> None:
    state, sent = list_run({"min_volume": 1_000_000}, {}, fail=True)
    assert sum("/options/" in r.url for r in sent) == 24
    [record] = state["scanner_runs"]
    assert record["coverage"]["asked"] == 24
    assert any("no batch quote for 24 symbols" in w for w in record["warnings"])


def test_without_floors_there_is_no_stage_one_request(sample: Any) -> None:
    run = sample(("options_flow",), None)
    run.run()
    assert run.yahoo("/v7/finance/quote") == 0 and run.yahoo("/options/") == 24
