"""Deadlines decided by the injected clock, at the boundary (issue 11)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.engine.inline import InlineExecutor
from tests.helpers import make_scanner
from tradingagents.clock import FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.engine import ExecutionPolicy, ScanJob, ScannerOutcome, run_scanners
from tradingagents.engine.deadlines import deadline_passed, step_budget

DAY = date(2026, 11, 27)
TICKER = {"ticker": "F", "priority": "medium", "context": "late or not"}

Scan = Callable[[ScanContext], Any]


def taking(clock: FakeClock, seconds: float) -> Scan:
    """A scanner that takes ``seconds`` on the fake clock, then returns one candidate."""

    def scan(ctx: ScanContext) -> list[Any]:
        clock.advance(seconds)
        return [TICKER]

    return scan


def job(name: str, scan: Scan, timeout: float) -> ScanJob:
    return ScanJob(make_scanner(name, scan)(), {"limit": None}, timeout)


def run(
    clock: FakeClock, *jobs: ScanJob, before: Callable[[], None] | None = None, **policy: Any
) -> list[ScannerOutcome]:
    return run_scanners(
        list(jobs),
        trade_date=DAY,
        policy=ExecutionPolicy(**policy),
        executor=InlineExecutor(before),
        clock=clock,
    )


def test_the_deadline_rule_is_passed_from_the_instant_it_is_reached() -> None:
    assert not deadline_passed(10.0, 9.999)
    assert deadline_passed(10.0, 10.0)
    assert deadline_passed(10.0, 10.001)


@pytest.mark.parametrize(
    ("took", "status"), [(4.999, "ok"), (5.0, "timeout"), (5.001, "timeout"), (60.0, "timeout")]
)
def test_a_result_is_kept_only_if_the_clock_says_it_came_before_its_deadline(
    took: float, status: str
) -> None:
    clock = FakeClock()
    (outcome,) = run(clock, job("s", taking(clock, took), timeout=5.0))
    record = outcome.record
    assert record["status"] == status
    if status == "ok":
        assert [c.ticker for c in outcome.candidates] == ["F"]
        assert record["duration_s"] == took
    else:
        # The late result is discarded: no candidates, and the timeout counts to the deadline.
        assert outcome.candidates == []
        assert record["duration_s"] == 5.0
        assert record["error"] == {
            "type": "ScannerTimeout",
            "message": "no result within 5s; in scanner code, no call in flight",
        }


def test_a_hung_scanner_is_cancelled_when_the_clock_passes_its_deadline() -> None:
    clock = FakeClock()
    stopped = threading.Event()

    def hangs(ctx: ScanContext) -> list[Any]:
        clock.advance(5.0)
        # Only the engine's monitor (another thread: the default pool) can end this wait.
        if ctx.cancelled.wait(10):
            stopped.set()
        return [TICKER]

    (outcome,) = run_scanners(
        [job("hangs", hangs, timeout=5.0)],
        trade_date=DAY,
        policy=ExecutionPolicy(),
        clock=clock,
    )
    assert stopped.wait(5)
    assert (outcome.record["status"], outcome.record["duration_s"]) == ("timeout", 5.0)
    assert outcome.candidates == []


@pytest.mark.parametrize(("took", "first"), [(9.999, "ok"), (10.0, "timeout")])
def test_the_step_deadline_cuts_a_scanner_short_and_bounds_the_queue(
    took: float, first: str
) -> None:
    clock = FakeClock()
    a, b = run(
        clock,
        job("a", taking(clock, took), timeout=30.0),
        job("b", taking(clock, 0.0), timeout=30.0),
        concurrent=False,
        global_timeout_seconds=10.0,
    )
    assert a.record["status"] == first
    if first == "ok":
        # b starts at 9.999 with only the step's last millisecond, and makes it.
        assert b.record["status"] == "ok"
        assert b.record["started_s"] == 9.999
        return
    assert a.record["error"] == {
        "type": "StepDeadlineExceeded",
        "message": "step deadline passed 10s after it started; in scanner code, no call in flight",
    }
    assert (b.record["status"], b.record["started_s"], b.record["duration_s"]) == (
        "timeout",
        None,
        None,
    )
    assert b.record["error"] == {
        "type": "StepDeadlineExceeded",
        "message": "never started: the step deadline passed after 10s in the queue",
    }


@pytest.mark.parametrize(("picked_up", "status"), [(9.999, "ok"), (10.0, "timeout")])
def test_a_scanner_picked_up_at_the_step_deadline_never_starts(
    picked_up: float, status: str
) -> None:
    clock = FakeClock()
    ran: list[str] = []

    def scan(ctx: ScanContext) -> list[Any]:
        ran.append(ctx.scanner)
        return [TICKER]

    # The executor takes its time between the dispatch and the worker's start.
    (outcome,) = run(
        clock,
        job("s", scan, timeout=30.0),
        before=lambda: clock.advance(picked_up),
        global_timeout_seconds=10.0,
    )
    assert outcome.record["status"] == status
    assert ran == (["s"] if status == "ok" else [])
    if status == "timeout":
        assert outcome.record["started_s"] is None
        assert outcome.record["error"] is not None
        assert outcome.record["error"]["message"].startswith("never started")


def test_a_timeout_names_the_call_in_flight_with_its_age_on_the_clock() -> None:
    clock = FakeClock()

    def stuck(ctx: ScanContext) -> list[Any]:
        clock.advance(1.0)
        with ctx.tool_call("quotes", {"symbol": "F"}):
            clock.advance(5.0)
            ctx.cancelled.wait(10)
        return []

    (outcome,) = run_scanners(
        [job("stuck", stuck, timeout=5.0)], trade_date=DAY, policy=ExecutionPolicy(), clock=clock
    )
    assert outcome.record["error"] == {
        "type": "ScannerTimeout",
        "message": "no result within 5s; waiting on quotes symbol=F (started 5.0s ago)",
    }
    # Logged after the deadline closed the scanner's log: dropped with its late result.
    assert outcome.tool_logs == []


def test_tool_calls_are_timed_by_the_run_clock() -> None:
    clock = FakeClock()

    def calls(ctx: ScanContext) -> list[Any]:
        with ctx.tool_call("quotes", {"symbol": "F"}):
            clock.advance(2.5)
        return [TICKER]

    (outcome,) = run(clock, job("calls", calls, timeout=5.0))
    assert outcome.record["status"] == "ok"
    (entry,) = outcome.tool_logs
    assert (entry["tool"], entry["duration_s"], entry["error"]) == ("quotes", 2.5, None)


def test_elapsed_and_start_times_come_from_the_clock() -> None:
    clock = FakeClock()
    events: list[dict[str, Any]] = []
    outcomes = run_scanners(
        [job("a", taking(clock, 1.5), timeout=5.0), job("b", taking(clock, 2.25), timeout=5.0)],
        trade_date=DAY,
        policy=ExecutionPolicy(concurrent=False),
        executor=InlineExecutor(),
        on_event=events.append,
        clock=clock,
    )
    assert [(o.record["started_s"], o.record["duration_s"]) for o in outcomes] == [
        (0.0, 1.5),
        (1.5, 2.25),
    ]
    assert events[-1]["event"] == "discovery_finished"
    assert events[-1]["elapsed_s"] == 3.75


def test_the_implied_step_budget_is_the_worst_case_plus_grace() -> None:
    assert step_budget([5.0, 3.0, 5.0], capacity=2, global_timeout=None) == 2 * 5.0 + 1.0
    assert step_budget([5.0], capacity=8, global_timeout=2.0) == 2.0
    assert step_budget([], capacity=8, global_timeout=None) == 0.0


def test_the_policy_defaults_are_the_config_models() -> None:
    from tradingagents.config import ScannerExecutionConfig

    assert ExecutionPolicy() == ExecutionPolicy.from_config(ScannerExecutionConfig())
