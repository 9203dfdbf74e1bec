"""The start order: longest expected first (unknown first, ties as registered), or registration."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from tests.engine.inline import InlineExecutor
from tests.helpers import make_scanner
from tradingagents.config import ScannerExecutionConfig
from tradingagents.discovery import ScanContext
from tradingagents.engine import ExecutionPolicy, ScanJob, run_scanners, without_timings
from tradingagents.engine.policy import dispatch_order

DAY = date(2026, 11, 27)


def jobs_expecting(*expected: float | None, skip: str | None = None) -> list[ScanJob]:
    """One job per value, named s0, s1...; ``skip`` names one that is skipped."""
    return [
        ScanJob(
            make_scanner(f"s{i}", lambda ctx: [])(),
            {},
            5.0,
            skip=("skipped", "off") if f"s{i}" == skip else None,
            expected_s=value,
        )
        for i, value in enumerate(expected)
    ]


def names(jobs: list[ScanJob], order: list[int]) -> list[str]:
    return [jobs[i].name for i in order]


def test_longest_first_is_the_default() -> None:
    assert ScannerExecutionConfig().order == "longest_first"
    assert ExecutionPolicy().order == "longest_first"
    assert ExecutionPolicy.from_config(ScannerExecutionConfig(order="registration")).order == (
        "registration"
    )


def test_longest_expected_starts_first_unknown_before_all_ties_as_registered() -> None:
    jobs = jobs_expecting(0.1, 2.0, None, 0.5, 2.0, None, 0.1)
    order = dispatch_order(jobs, ExecutionPolicy())
    assert names(jobs, order) == ["s2", "s5", "s1", "s4", "s3", "s0", "s6"]


def test_registration_order_and_one_worker_keep_the_order_given() -> None:
    jobs = jobs_expecting(0.1, 2.0, None, 0.5)
    as_given = ["s0", "s1", "s2", "s3"]
    assert names(jobs, dispatch_order(jobs, ExecutionPolicy(order="registration"))) == as_given
    # One at a time, the order cannot shorten the run: sequential mode stays as documented.
    assert names(jobs, dispatch_order(jobs, ExecutionPolicy(concurrent=False))) == as_given
    assert names(jobs, dispatch_order(jobs, ExecutionPolicy(max_workers=1))) == as_given


@pytest.mark.parametrize(
    ("order", "started"),
    [
        ("longest_first", ["s2", "s1", "s3", "s0"]),
        ("registration", ["s0", "s1", "s2", "s3"]),
    ],
)
def test_the_engine_starts_jobs_in_that_order_and_returns_them_as_registered(
    order: Any, started: list[str]
) -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        with lock:
            seen.append(ctx.scanner)
        ctx.log_tool_call("fetch", {"who": ctx.scanner}, output="1 row")
        return [{"ticker": "F", "priority": "high", "context": ctx.scanner}]

    jobs = [
        ScanJob(make_scanner(f"s{i}", scan)(), {}, 5.0, expected_s=value)
        for i, value in enumerate([0.1, 1.0, None, 0.5])
    ]
    jobs.insert(2, ScanJob(make_scanner("off", scan)(), {}, 5.0, skip=("skipped", "off")))
    outcomes = run_scanners(
        jobs,
        trade_date=DAY,
        policy=ExecutionPolicy(max_workers=4, order=order),
        executor=InlineExecutor(),  # each job runs as it is submitted: start order is visible
    )
    assert seen == started
    assert [o.record["name"] for o in outcomes] == ["s0", "s1", "off", "s2", "s3"]
    assert [o.record["status"] for o in outcomes] == ["ok", "ok", "skipped", "ok", "ok"]
    assert [[log["scanner"] for log in o.tool_logs] for o in outcomes] == [
        ["s0"],
        ["s1"],
        [],
        ["s2"],
        ["s3"],
    ]


def test_outcomes_are_the_same_in_either_order_apart_from_timings() -> None:
    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        ctx.log_tool_call("fetch", {"who": ctx.scanner}, output="rows")
        ctx.warn(f"{ctx.scanner} saw little")
        return [
            {"ticker": t, "priority": "medium", "context": f"{ctx.scanner} on {t}"}
            for t in ("F", "T", ctx.scanner.upper())
        ]

    def run(order: Any) -> list[Any]:
        jobs = [
            ScanJob(make_scanner(f"s{i}", scan)(), {}, 5.0, expected_s=float(i)) for i in range(6)
        ]
        outcomes = run_scanners(
            jobs,
            trade_date=DAY,
            policy=ExecutionPolicy(max_workers=2, order=order),
            executor=InlineExecutor(),
        )
        return [(dict(o.record), o.tool_logs, o.candidates) for o in outcomes]

    assert without_timings(run("longest_first")) == without_timings(run("registration"))
