"""The discover node: the graph's clock reaches the engine, and what its breakers are charged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from tests.engine.inline import InlineExecutor
from tests.helpers import make_scanner, runs_by_name
from tradingagents.clock import FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy

DAY = date(2026, 11, 27)


def taking(clock: FakeClock, seconds: float) -> Callable[[ScanContext], Any]:
    def scan(ctx: ScanContext) -> list[Any]:
        clock.advance(seconds)
        return [{"ticker": "F", "priority": "medium", "context": ctx.scanner}]

    return scan


def sequential(**execution: Any) -> dict[str, Any]:
    return {"discovery": {"scanner_execution": {"concurrent": False, **execution}}}


def test_the_graph_clock_decides_the_engine_deadlines() -> None:
    clock = FakeClock()
    scanners = [make_scanner("quick", taking(clock, 4.0)), make_scanner("late", taking(clock, 6))]
    graph = DiscoveryGraph(
        sequential(timeout_seconds=5.0), scanners, executor=InlineExecutor(), clock=clock
    )
    runs = runs_by_name(graph.run(DAY))
    assert (runs["quick"]["status"], runs["quick"]["duration_s"]) == ("ok", 4.0)
    assert (runs["late"]["status"], runs["late"]["duration_s"]) == ("timeout", 5.0)


def test_a_scanner_that_never_started_is_not_charged_to_its_breaker(tmp_path: Path) -> None:
    clock = FakeClock()
    scanners = [make_scanner("hog", taking(clock, 10.0)), make_scanner("queued", taking(clock, 0))]
    # One failure opens a breaker: a wrong charge would show as an open circuit.
    with BreakerBoard(tmp_path / "breakers.sqlite", BreakerPolicy(1), clock=clock) as board:
        graph = DiscoveryGraph(
            sequential(global_timeout_seconds=10.0),
            scanners,
            executor=InlineExecutor(),
            clock=clock,
            breakers=board,
        )
        runs = runs_by_name(graph.run(DAY))
        assert runs["queued"]["status"] == "timeout" and runs["queued"]["started_s"] is None
        # The scanner that used up the step is charged; the one it kept waiting is not.
        assert board.status("hog").state == "open"
        queued = board.status("queued")
        assert (queued.state, queued.consecutive_failures) == ("closed", 0)
        # So it runs next time, while the one that failed is skipped.
        runs = runs_by_name(graph.run(DAY))
        assert runs["hog"]["status"] == "circuit_open"
        assert runs["queued"]["status"] == "ok"
