"""The graph records every run in the run history and starts the longest scanners first."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.engine.inline import InlineExecutor
from tests.helpers import make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.engine import CancelToken, ExecutionPolicy, ScanJob, without_timings
from tradingagents.errors import DiscoveryCancelled
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.nodes import DiscoverNode
from tradingagents.run_history import RunHistory, default_history_path

DAY = date(2026, 11, 27)
NAMES = ("a", "b", "c", "d", "e")


class Starts:
    """Scanners that note the order they start in, each finding F, T and its own ticker."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def scan(self, ctx: ScanContext) -> list[dict[str, Any]]:
        with self.lock:
            self.seen.append(ctx.scanner)
        ctx.log_tool_call("fetch", {"who": ctx.scanner}, output="3 rows")
        return [
            {"ticker": t, "priority": "medium", "context": f"{ctx.scanner} on {t}"}
            for t in ("F", "T", ctx.scanner.upper())
        ]

    def scanners(self) -> list[Any]:
        return [make_scanner(name, self.scan) for name in NAMES]


def config(**discovery: Any) -> dict[str, Any]:
    execution = {"max_workers": 4, "timeout_seconds": 5.0}
    execution.update(discovery.pop("scanner_execution", {}))
    return {"discovery": {"scanner_execution": execution, **discovery}}


def seed(rows: Sequence[tuple[str, str, float | None]]) -> None:
    """Earlier runs in the state directory's history, oldest first: (name, status, seconds)."""
    with RunHistory(default_history_path()) as history:
        for name, status, seconds in rows:
            history.record(
                {"scanner_runs": [{"name": name, "status": status, "duration_s": seconds}]}
            )


def run_graph(starts: Starts, **discovery: Any) -> dict[str, Any]:
    with DiscoveryGraph(config(**discovery), starts.scanners(), executor=InlineExecutor()) as g:
        return g.run(DAY)


HISTORY = [
    ("a", "ok", 0.1),
    # A timeout counts as the scanner's timeout (5 s), not as the 0.2 s it was given then.
    ("b", "timeout", 0.2),
    # The median of the last runs: 2 s. A cancelled run and one that never ran say nothing.
    ("d", "ok", 1.0),
    ("d", "ok", 9.0),
    ("d", "ok", 2.0),
    ("d", "cancelled", 100.0),
    ("d", "skipped", None),
    # A tie with a: registration order.
    ("e", "ok", 0.1),
]


def test_scanners_start_in_descending_expected_duration_from_the_history() -> None:
    seed(HISTORY)
    starts = Starts()
    state = run_graph(starts)
    # c has no history: it starts first.
    assert starts.seen == ["c", "b", "d", "a", "e"]
    assert [run["name"] for run in state["scanner_runs"]] == list(NAMES)
    assert [log["scanner"] for log in state["tool_logs"]] == list(NAMES)


def test_registration_order_ignores_the_history() -> None:
    seed(HISTORY)
    starts = Starts()
    run_graph(starts, scanner_execution={"order": "registration"})
    assert starts.seen == list(NAMES)


def test_the_state_is_the_same_in_either_order() -> None:
    seed(HISTORY)
    longest, registration = Starts(), Starts()
    first = run_graph(longest)
    second = run_graph(registration, scanner_execution={"order": "registration"})
    assert longest.seen != registration.seen
    assert without_timings(first) == without_timings(second)


def test_a_replay_run_is_recorded_with_its_run_id() -> None:
    with DiscoveryGraph() as graph:  # the bundled sample
        state = graph.run()
        again = graph.run()
    with RunHistory(default_history_path()) as history:
        rows = history.recent("market_movers")
    assert [row.run_id for row in rows] == [again["run_id"], state["run_id"]]
    assert {row.trade_date for row in rows} == {state["trade_date"]}
    [run] = [r for r in state["scanner_runs"] if r["name"] == "market_movers"]
    assert (rows[1].status, rows[1].duration_s) == (run["status"], run["duration_s"])


def test_nothing_is_recorded_or_read_when_the_history_is_off() -> None:
    seed(HISTORY)
    path = default_history_path()
    before = path.stat().st_mtime_ns, path.stat().st_size
    starts = Starts()
    state = run_graph(starts, history={"enabled": False})
    assert starts.seen == list(NAMES)  # every scanner unknown: registration order
    assert "warnings" not in state["run_summary"]
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before
    with RunHistory(path) as history:
        assert history.recent("c") == []


def test_a_cancelled_run_is_recorded_with_its_cancelled_scanners() -> None:
    token = CancelToken()
    token.cancel()
    with DiscoveryGraph(config(), Starts().scanners()) as graph, pytest.raises(DiscoveryCancelled):
        graph.run(DAY, config={"configurable": {"discovery_cancel": token}})
    with RunHistory(default_history_path()) as history:
        assert [row.status for row in history.recent("a")] == ["cancelled"]


def test_an_unreadable_history_is_a_warning_and_is_healed_by_the_record() -> None:
    path = default_history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database" * 200)
    starts = Starts()
    state = run_graph(starts)
    assert starts.seen == list(NAMES)
    warnings = state["run_summary"]["warnings"]
    assert any(w.startswith("run history unreadable") for w in warnings)
    assert any("was corrupt" in w for w in warnings)
    assert list(Path(path.parent).glob("history.sqlite.corrupt-*"))
    with RunHistory(path) as history:
        assert [row.status for row in history.recent("a")] == ["ok"]


class FakeHistory(RunHistory):
    """Expected durations as given; what the node asked for and recorded, kept."""

    def __init__(self, expected: Mapping[str, float]) -> None:
        super().__init__(Path("/nonexistent/history.sqlite"))
        self.expected = dict(expected)
        self.asked: list[dict[str, float]] = []
        self.recorded: list[Mapping[str, Any]] = []

    def expected_durations(self, timeouts: Mapping[str, float], last: int = 20) -> dict[str, float]:
        self.asked.append(dict(timeouts))
        return {name: self.expected[name] for name in timeouts if name in self.expected}

    def record(self, state: Mapping[str, Any], *, run_at: Any = None) -> int:
        self.recorded.append(state)
        return len(state["scanner_runs"])


def test_the_node_reads_expected_durations_once_per_run_and_records_once() -> None:
    starts = Starts()
    jobs = [ScanJob(cls(), {}, float(n + 1)) for n, cls in enumerate(starts.scanners())]
    jobs[3] = ScanJob(jobs[3].scanner, {}, 4.0, skip=("skipped", "off"))
    history = FakeHistory({"a": 0.5, "b": 3.0, "e": 9.0})
    node = DiscoverNode(jobs, ExecutionPolicy(max_workers=2), InlineExecutor(), history=history)
    update = node({"trade_date": DAY.isoformat()})
    # Skipped scanners are not asked about; c is unknown and starts first.
    assert history.asked == [{"a": 1.0, "b": 2.0, "c": 3.0, "e": 5.0}]
    assert starts.seen == ["c", "e", "b", "a"]
    [recorded] = history.recorded
    assert recorded["run_id"] == update["run_id"]
    assert [run["name"] for run in recorded["scanner_runs"]] == list(NAMES)
