"""options_flow and the shared history load fetch their symbols through ctx.map, at once."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig

from tradingagents.config import load_config
from tradingagents.discovery import load_registry
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response, Transport
from tradingagents.services import RunServices
from tradingagents.wiring import build_hub

SAMPLE_DATE = "2026-11-20"
OHLCV = ("volume_accumulation", "technical_breakout", "rsi_oversold")
LATENCY_S = 0.25


class Gauge(Transport):
    """Wraps the replay transport: each request to ``marker`` paths takes ``LATENCY_S``, and
    how many are in flight at once, and when, is counted."""

    def __init__(
        self, inner: Transport, marker: str, book: dict[str, Any], latency_s: float = LATENCY_S
    ) -> None:
        self.inner = inner
        self.marker = marker
        self.book = book
        self.latency_s = latency_s

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        if self.marker not in request.url:
            return self.inner.send(request, timeout=timeout, max_bytes=max_bytes)
        lock: threading.Lock = self.book["lock"]
        with lock:
            self.book["running"] += 1
            self.book["peak"] = max(self.book["peak"], self.book["running"])
            self.book["first"] = min(self.book["first"], time.monotonic())
            self.book["count"] += 1
        try:
            time.sleep(self.latency_s)
            return self.inner.send(request, timeout=timeout, max_bytes=max_bytes)
        finally:
            with lock:
                self.book["running"] -= 1
                self.book["last"] = max(self.book["last"], time.monotonic())


def gauged_run(
    names: tuple[str, ...],
    marker: str,
    execution: dict[str, Any],
    latency_s: float = LATENCY_S,
    per_run: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    book: dict[str, Any] = {
        "lock": threading.Lock(),
        "running": 0,
        "peak": 0,
        "count": 0,
        "first": float("inf"),
        "last": 0.0,
    }
    config = load_config({"discovery": {"scanner_execution": execution}})
    hub = build_hub(config, wrap=lambda inner: Gauge(inner, marker, book, latency_s))
    scanners = [cls for cls in load_registry().scanners if cls.name in names]
    graph = DiscoveryGraph(config, scanners, providers=hub)
    try:
        run: RunnableConfig | None = None
        if per_run:
            run = {"configurable": {"discovery": {"scanner_execution": per_run}}}
        state = graph.run(SAMPLE_DATE, config=run)
    finally:
        graph.close()
    return state, book


def found(state: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["ticker"], c["priority"]) for c in state["candidates"]]


def test_options_flow_fetches_its_chains_at_once_up_to_the_fan_out() -> None:
    state, book = gauged_run(("options_flow",), "/options/", {"fan_out": 6})
    assert [r["status"] for r in state["scanner_runs"]] == ["ok"]
    assert found(state) == [("AMD", "high")]
    assert book["count"] == 24
    assert book["peak"] == 6  # never more than the bound, and the bound is used
    chains = [e for e in state["tool_logs"] if e["tool"] == "yahoo.options"]
    assert len(chains) == 24  # each call logged once, in universe order
    symbols = [e["parameters"]["url"].rsplit("/", 1)[-1] for e in chains]
    assert symbols == list(load_config(None).universe)


def test_the_shared_history_load_takes_about_one_latency_not_one_per_symbol() -> None:
    state, book = gauged_run(OHLCV, "/chart/", {"fan_out": 24})
    assert {r["status"] for r in state["scanner_runs"]} == {"ok"}
    assert sorted(found(state)) == [("KO", "high"), ("PFE", "high"), ("PLTR", "high")]
    assert book["count"] == 24  # loaded once for the three scanners
    assert book["peak"] > 12
    # Sequentially this span is 24 latencies (6 s); generous for a loaded machine.
    assert book["last"] - book["first"] < 8 * LATENCY_S


def test_sequential_mode_fetches_one_symbol_at_a_time() -> None:
    # A short latency: 24 requests one at a time; any overlap would still show in the peak.
    state, book = gauged_run(("options_flow",), "/options/", {"concurrent": False}, 0.02)
    assert found(state) == [("AMD", "high")]
    assert book["count"] == 24
    assert book["peak"] == 1


@pytest.mark.parametrize(("per_run", "peak"), [({"fan_out": 2}, 2), ({"concurrent": False}, 1)])
def test_a_per_run_override_of_the_fan_out_bounds_that_run(
    per_run: dict[str, Any], peak: int
) -> None:
    # The graph's config says 6; the run's configurable["discovery"] has the last word.
    state, book = gauged_run(("options_flow",), "/options/", {"fan_out": 6}, 0.05, per_run)
    assert found(state) == [("AMD", "high")]
    assert book["count"] == 24
    assert book["peak"] == peak


@pytest.mark.parametrize(
    ("execution", "expected"),
    [({}, 8), ({"fan_out": 3}, 3), ({"fan_out": 3, "concurrent": False}, 1)],
)
def test_run_services_take_the_fan_out_from_the_config(
    tmp_path: Path, execution: dict[str, Any], expected: int
) -> None:
    hub = build_hub(load_config({"discovery": {"scanner_execution": execution}}))
    services = RunServices(hub, trade_date=date(2026, 11, 20), cache_dir=tmp_path)
    assert services.fan_out == expected
    assert (
        RunServices(hub, trade_date=date(2026, 11, 20), cache_dir=tmp_path, fan_out=5).fan_out == 5
    )
