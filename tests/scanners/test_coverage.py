"""Coverage said out loud: each scanner's record says how much of the universe it saw."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.helpers import normalise, runs_by_name
from tradingagents.cli import app
from tradingagents.cli.progress import Progress
from tradingagents.config import load_config
from tradingagents.discovery import ScanContext, load_registry
from tradingagents.discovery.coverage import CoverageNote, coverage_text
from tradingagents.engine.records import without_timings
from tradingagents.engine.reporting import finished_event
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response, Transport
from tradingagents.replay.snapshot import sample_snapshot_path
from tradingagents.reports.artifacts import (
    RESULT_JSON,
    RESULT_MD,
    results_markdown,
    write_run_artifacts,
)
from tradingagents.scanners.history import HistorySet, report_coverage
from tradingagents.wiring import build_hub

SAMPLE_DATE = "2026-11-20"
HISTORY = ("volume_accumulation", "technical_breakout", "rsi_oversold")
FULL = {"asked": 24, "answered": 24, "stale": 0, "skipped_budget": 0, "data_as_of": SAMPLE_DATE}


class Failing(Transport):
    """The replay transport, except that requests whose URL ends with one of ``endings``
    answer HTTP 404 (a symbol the provider does not know)."""

    def __init__(self, inner: Transport, endings: tuple[str, ...]) -> None:
        self.inner = inner
        self.endings = endings

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        path = request.url.split("?", 1)[0]
        if path.endswith(self.endings):
            return Response(404, b"{}", url=request.url)
        return self.inner.send(request, timeout=timeout, max_bytes=max_bytes)


def sample_run(
    names: tuple[str, ...], failing: tuple[str, ...] = (), **execution: Any
) -> dict[str, Any]:
    config = load_config({"discovery": {"scanner_execution": execution}})
    hub = build_hub(config, wrap=lambda inner: Failing(inner, failing))
    scanners = [cls for cls in load_registry().scanners if cls.name in names]
    graph = DiscoveryGraph(config, scanners, providers=hub)
    try:
        return graph.run(SAMPLE_DATE)
    finally:
        graph.close()


def rendered(state: dict[str, Any], width: int = 80) -> list[str]:
    names = [run["name"] for run in state["scanner_runs"]]
    progress = Progress(names, "scanners", width=width)
    for run in state["scanner_runs"]:
        progress.handle(finished_event(run))
    console = Console(width=width, record=True, color_system=None)
    console.print(progress.render())
    return console.export_text().splitlines()


def row_of(lines: list[str], name: str) -> list[str]:
    line = next(line for line in lines if line.startswith(f"│ {name} "))
    return [cell.strip() for cell in line.split("│")[1:-1]]


@pytest.fixture(scope="module")
def whole_sample() -> dict[str, Any]:
    return sample_run((*HISTORY, "options_flow", "market_movers"))


def test_the_history_scanners_and_options_flow_cover_the_whole_sample(
    whole_sample: dict[str, Any],
) -> None:
    runs = runs_by_name(whole_sample)
    for name in (*HISTORY, "options_flow"):
        assert runs[name]["status"] == "ok"
        assert runs[name]["coverage"] == FULL, name
    lines = rendered(whole_sample)
    assert max(len(line) for line in lines) <= 80
    assert row_of(lines, "rsi_oversold")[4] == "24/24"
    md = results_markdown(whole_sample)
    assert f"| 24/24, as of {SAMPLE_DATE} |" in md


def test_a_scanner_reading_a_list_tells_no_coverage(whole_sample: dict[str, Any]) -> None:
    run = runs_by_name(whole_sample)["market_movers"]
    assert run["status"] == "ok" and run["coverage"] is None
    assert row_of(rendered(whole_sample), "market_movers")[4] == "—"
    line = next(
        line for line in results_markdown(whole_sample).splitlines() if "| market_movers |" in line
    )
    assert "| — |" in line


def test_a_symbol_without_history_is_counted_and_shown_as_a_percentage() -> None:
    state = sample_run(HISTORY, failing=("/chart/AMD",))
    partial = {**FULL, "answered": 23}
    for run in state["scanner_runs"]:
        assert run["status"] == "ok"
        assert run["coverage"] == partial, run["name"]
        assert any("price history missing for 1 symbols (AMD" in w for w in run["warnings"])
    lines = rendered(state)
    assert max(len(line) for line in lines) <= 80
    assert row_of(lines, "volume_accumulation")[4] == "23/24 95%"
    md = results_markdown(state)
    assert md.count(f"| 23/24 (95%), as of {SAMPLE_DATE} |") == 3


def test_options_flow_counts_the_chains_it_could_not_read() -> None:
    state = sample_run(("options_flow",), failing=("/options/AMD", "/options/KO"))
    [run] = state["scanner_runs"]
    assert run["status"] == "ok"
    assert run["coverage"] == {**FULL, "answered": 22}
    assert state["candidates"] == []  # AMD's unusual calls went unseen, and the record says so
    assert row_of(rendered(state), "options_flow")[4] == "22/24 91%"


def test_a_scanner_that_read_nothing_still_tells_what_it_asked() -> None:
    state = sample_run(("rsi_oversold",), failing=("",))  # every request fails
    [run] = state["scanner_runs"]
    assert run["status"] == "error"
    assert run["coverage"] == {**FULL, "answered": 0, "data_as_of": None}
    assert coverage_text(run["coverage"]) == "0/24 (0%)"


def test_concurrent_and_sequential_runs_give_equal_coverage() -> None:
    names = (*HISTORY, "options_flow", "sec_catalysts")
    concurrent = sample_run(names, failing=("/chart/KO", "/options/PFE"), fan_out=8)
    sequential = sample_run(names, failing=("/chart/KO", "/options/PFE"), concurrent=False)
    assert normalise(concurrent) == normalise(sequential)
    assert without_timings(concurrent["scanner_runs"]) == without_timings(
        sequential["scanner_runs"]
    )
    coverage = {r["name"]: r["coverage"] for r in concurrent["scanner_runs"]}
    assert coverage == {
        **{name: {**FULL, "answered": 23} for name in (*HISTORY, "options_flow")},
        "sec_catalysts": None,
    }


def test_the_run_files_carry_the_coverage(whole_sample: dict[str, Any], tmp_path: Path) -> None:
    write_run_artifacts(whole_sample, tmp_path, chart=lambda runs, path, title="": None)
    saved = json.loads((tmp_path / RESULT_JSON).read_text(encoding="utf-8"))
    coverage = {run["name"]: run["coverage"] for run in saved["scanner_runs"]}
    assert coverage["options_flow"] == FULL and coverage["market_movers"] is None
    assert f"24/24, as of {SAMPLE_DATE}" in (tmp_path / RESULT_MD).read_text(encoding="utf-8")


def bars(*days: str) -> pd.DataFrame:
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in days])
    return pd.DataFrame({"close": [1.0] * len(days)}, index=index)


def test_history_older_than_the_trade_dates_session_is_stale() -> None:
    # 2026-11-22 is a Sunday: Friday's bars are current, Thursday's are a session old.
    ctx = ScanContext(
        scanner="s", trade_date=date(2026, 11, 22), config={}, deadline=time.monotonic() + 60
    )
    history = HistorySet(
        {
            "AAA": bars("2026-11-19", "2026-11-20"),
            "BBB": bars("2026-11-18", "2026-11-19"),
            "CCC": bars(),
        },
        {"DDD": "ProviderHTTPError: HTTP 404"},
    )
    report_coverage(ctx, history)
    coverage = ctx.coverage.get()
    assert coverage == {
        "asked": 4,
        "answered": 3,
        "stale": 2,
        "skipped_budget": 0,
        "data_as_of": "2026-11-20",
    }
    assert coverage_text(coverage) == "3/4 (75%), 2 stale, as of 2026-11-20"
    assert coverage_text(coverage, short=True) == "3/4 75%"


def test_two_reports_add_up_and_the_older_date_wins() -> None:
    note = CoverageNote()
    assert note.get() is None
    note.add(asked=10, answered=9, stale=1, data_as_of=date(2026, 11, 20))
    note.add(asked=5, answered=4, skipped_budget=1, data_as_of=date(2026, 11, 19))
    assert note.get() == {
        "asked": 15,
        "answered": 13,
        "stale": 1,
        "skipped_budget": 1,
        "data_as_of": "2026-11-19",
    }
    assert coverage_text(note.get()) == (
        "13/15 (86%), 1 stale, 1 skipped for budget, as of 2026-11-19"
    )
    with pytest.raises(ValueError, match="impossible coverage"):
        note.add(asked=1, answered=2)


def test_the_cli_summary_shows_the_coverage_at_80_columns(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["discover", "--snapshot", str(sample_snapshot_path()), "--out", str(tmp_path)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert row_of(lines, "options_flow")[4] == "24/24"
    assert row_of(lines, "market_movers")[4] == "—"
    table = [line for line in lines if line.startswith("│")]
    assert max(len(line) for line in table) <= 80
    [md] = tmp_path.glob(f"discovery/*/run_*/{RESULT_MD}")
    assert f"| options_flow | edge | ok | 1 | 24/24, as of {SAMPLE_DATE} |" in md.read_text(
        encoding="utf-8"
    )
