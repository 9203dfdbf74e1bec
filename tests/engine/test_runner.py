"""run_scanners used directly: interruption, broken executors and event sinks."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest

from tests.helpers import make_scanner, returning
from tradingagents.discovery import ScanContext
from tradingagents.engine import ExecutionPolicy, ScanJob, describe, run_scanners

DAY = date(2026, 11, 27)


def job(name: str, fn: Any, timeout: float = 5.0) -> ScanJob:
    return ScanJob(make_scanner(name, fn)(), {"limit": None}, timeout)


def test_an_interrupted_run_cancels_every_running_scanner() -> None:
    seen = threading.Event()

    def waits(ctx: ScanContext) -> list[Any]:
        if ctx.cancelled.wait(5):
            seen.set()
        return []

    def interrupt(event: dict[str, Any]) -> None:
        # Ctrl-C reaches the monitor (the caller's thread) while "waits" is still running.
        if event["event"] == "scanner_finished" and event["scanner"] == "quick":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_scanners(
            [job("waits", waits), job("quick", returning("F"))],
            trade_date=DAY,
            policy=ExecutionPolicy(),
            on_event=interrupt,
        )
    assert seen.wait(2)


def test_a_failing_event_sink_does_not_break_the_run() -> None:
    def sink(event: dict[str, Any]) -> None:
        raise RuntimeError("sink down")

    outcomes = run_scanners(
        [job("a", returning("F"))], trade_date=DAY, policy=ExecutionPolicy(), on_event=sink
    )
    assert outcomes[0].record["status"] == "ok"


def test_an_executor_that_refuses_work_gives_error_records() -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    pool.shutdown()
    outcomes = run_scanners(
        [job("a", returning("F")), job("b", returning("T"))],
        trade_date=DAY,
        policy=ExecutionPolicy(),
        executor=pool,
    )
    assert [o.record["status"] for o in outcomes] == ["error", "error"]
    error = outcomes[0].record["error"]
    assert error is not None and error["type"] == "RuntimeError"


class CancellingExecutor(Executor):
    """Accepts work and cancels it, like a pool shut down with cancel_futures=True."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.cancel()
        return future


def test_tasks_cancelled_by_the_executor_are_errors_not_hangs() -> None:
    outcomes = run_scanners(
        [job("a", returning("F"))],
        trade_date=DAY,
        policy=ExecutionPolicy(),
        executor=CancellingExecutor(),
    )
    assert outcomes[0].record["status"] == "error"
    error = outcomes[0].record["error"]
    assert error is not None and error["message"] == "the executor cancelled the task"


def sleeping(ctx: ScanContext) -> list[Any]:
    time.sleep(0.1)
    return []


def test_outcomes_come_back_in_job_order_with_candidates_and_logs() -> None:
    def logs(ctx: ScanContext) -> list[Any]:
        with ctx.tool_call("fetch", {"q": 1}) as call:
            call.output = [1, 2, 3]
        rows: list[Any] = returning("AAPL")(ctx)
        return rows

    def fails_in_tool(ctx: ScanContext) -> list[Any]:
        with ctx.tool_call("fetch", {"q": 2}):
            raise OSError("connection reset")

    outcomes = run_scanners(
        [
            job("slow", sleeping),
            job("logs", logs),
            job("fails", fails_in_tool),
        ],
        trade_date=DAY,
        policy=ExecutionPolicy(),
    )
    assert [o.record["name"] for o in outcomes] == ["slow", "logs", "fails"]
    assert [c.ticker for c in outcomes[1].candidates] == ["AAPL"]
    entry = outcomes[1].tool_logs[0]
    assert entry["output"] == "list[3]: [1, 2, 3]" and entry["duration_s"] is not None
    failed = outcomes[2].tool_logs[0]
    assert failed["error"] == "OSError: connection reset"
    assert outcomes[2].record["error"] == {"type": "OSError", "message": "connection reset"}


def test_skip_jobs_are_recorded_without_running() -> None:
    ran: list[str] = []

    def off(ctx: ScanContext) -> list[Any]:
        ran.append("off")
        return []

    skipped = ScanJob(
        make_scanner("off", off)(),
        {},
        1.0,
        ("circuit_open", "circuit open after 3 consecutive failures"),
    )
    outcomes = run_scanners([skipped], trade_date=DAY, policy=ExecutionPolicy())
    assert ran == []
    record = outcomes[0].record
    assert (record["status"], record["reason"], record["started_s"]) == (
        "circuit_open",
        "circuit open after 3 consecutive failures",
        None,
    )
    assert describe(record) == "⛔ off: circuit open after 3 consecutive failures"


def test_no_jobs_returns_no_outcomes() -> None:
    assert run_scanners([], trade_date=DAY, policy=ExecutionPolicy()) == []


def test_the_limit_merges_repeated_tickers_then_keeps_the_best_not_the_first() -> None:
    # Like a screener: one row per list a ticker is on, 13 rows for 5 tickers.
    lists = {
        "AAA": [("low", 0.1)] * 3,
        "BBB": [("medium", 0.2), ("low", 0.2)],
        "CCC": [("low", 0.3)] * 4,
        "DDD": [("high", 0.9), ("low", 0.9)],
        "EEE": [("medium", 0.8), ("medium", 0.8)],
    }
    rows = [
        {"ticker": t, "priority": p, "context": f"{t} on list {i}", "signal": s}
        for t, entries in lists.items()
        for i, (p, s) in enumerate(entries)
    ]
    assert len(rows) == 13
    limited = ScanJob(make_scanner("screens", lambda ctx: rows)(), {"limit": 3}, 5.0)
    (outcome,) = run_scanners([limited], trade_date=DAY, policy=ExecutionPolicy())
    assert [(c.ticker, c.priority.value) for c in outcome.candidates] == [
        ("BBB", "medium"),
        ("DDD", "high"),
        ("EEE", "medium"),
    ]
    assert outcome.candidates[1].context == "DDD on list 0 | DDD on list 1"
    assert (outcome.record["candidates"], outcome.record["truncated"]) == (3, 2)


def test_without_a_limit_repeated_tickers_are_still_merged() -> None:
    rows = returning("F", "F", "T")
    (outcome,) = run_scanners([job("dupes", rows)], trade_date=DAY, policy=ExecutionPolicy())
    assert [c.ticker for c in outcome.candidates] == ["F", "T"]
    assert (outcome.record["candidates"], outcome.record["truncated"]) == (2, 0)


def test_a_plugin_score_off_the_scale_is_a_warning_and_a_bad_signal_a_rejection() -> None:
    def scores(ctx: ScanContext) -> list[Any]:
        return [
            {"ticker": "F", "priority": "low", "context": "x", "score": 42},
            {"ticker": "T", "priority": "low", "context": "x", "signal": 1.2},
        ]

    (outcome,) = run_scanners([job("plugin", scores)], trade_date=DAY, policy=ExecutionPolicy())
    record = outcome.record
    assert [c.ticker for c in outcome.candidates] == ["F"]
    assert record["warnings"] == [
        "1 candidate has a score off the signal scale [0, 1] "
        "(F: score 42 outside [0, 1], clamped to 1)"
    ]
    assert record["rejected"] == [
        {
            "index": 1,
            "reason": "<candidate>: Value error, signal must be a number in [0, 1], got 1.2",
        }
    ]
