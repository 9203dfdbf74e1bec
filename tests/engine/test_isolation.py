"""Process isolation (issue 12): a scanner in a forked worker, killed at its deadline."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_scanner, normalise, returning, runs_by_name
from tradingagents.discovery import ScanContext, ScannerSkipped
from tradingagents.engine import CancelToken, ExecutionPolicy, ScanJob, run_scanners
from tradingagents.engine import isolation as isolation_module
from tradingagents.engine.policy import Isolation, isolation_of
from tradingagents.errors import ConfigError, DiscoveryCancelled
from tradingagents.graph.discovery_graph import DiscoveryGraph

DAY = date(2026, 11, 27)
# Generous for a loaded 2-core machine: a thread could not end this scanner before minutes.
WITHIN_S = 10.0

pytestmark = pytest.mark.skipif(
    not isolation_module.fork_available(), reason="process isolation needs fork"
)


def hold_the_gil() -> None:
    """Minutes inside the regex engine's C loop, which never releases the GIL (2**40 paths)."""
    re.match(r"(a+)+$", "a" * 40 + "b")


def spinning(pid_file: Path | None = None) -> Any:
    def scan(ctx: ScanContext) -> list[Any]:
        if pid_file is not None:
            pid_file.write_text(str(os.getpid()))
        ctx.log_tool_call("pid", {"pid": os.getpid()}, "about to spin")
        ctx.warn("spinning")
        ctx.coverage.add(asked=4, answered=1)
        with ctx.tool_call("regex", {"pattern": "(a+)+$"}):
            hold_the_gil()
        return []

    return scan


def plain(ctx: ScanContext) -> list[Any]:
    """Everything a scanner reports: tool calls (both ways), a warning, valid and invalid
    candidates, a candidate object with extras, coverage."""
    with ctx.tool_call("quote", {"symbol": "F", "url": "https://x.test/q?s=F"}) as call:
        call.output = {"price": 12.5, "volume": 10}
    ctx.log_tool_call("screen", {"list": "gainers"}, ["F", "GM"], details={"attempts": 2})
    ctx.log_tool_call("news", {"q": "F"}, None, error=RuntimeError("HTTP 503"))
    ctx.warn("one page of news could not be read")
    ctx.coverage.add(asked=3, answered=2, stale=1, data_as_of=date(2026, 11, 26))
    return [
        {"ticker": "F", "priority": "high", "context": "gainer", "price": 12.5},
        {"ticker": "", "priority": "high", "context": "no ticker"},
        {"ticker": "GM", "priority": "low", "context": "quiet", "volume": 10, "note": "extra"},
        {"ticker": "F", "priority": "medium", "context": "again"},
    ]


def job(
    name: str, fn: Any, timeout: float = 5.0, isolation: Isolation | None = "process"
) -> ScanJob:
    return ScanJob(make_scanner(name, fn)(), {"limit": None}, timeout, isolation=isolation)


def gone(pid: int, within: float = 5.0) -> bool:
    """The process no longer exists (exited and reaped)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def test_a_scanner_holding_the_gil_times_out_at_its_deadline_and_its_process_is_gone() -> None:
    started = time.monotonic()
    outcomes = run_scanners(
        [job("spin", spinning(), timeout=1.0), job("quick", returning("F"), isolation="thread")],
        trade_date=DAY,
        policy=ExecutionPolicy(),
    )
    elapsed = time.monotonic() - started
    assert elapsed < WITHIN_S
    spin, quick = (outcome.record for outcome in outcomes)
    assert quick["status"] == "ok"
    assert spin["status"] == "timeout"
    assert spin["error"] is not None
    assert spin["error"]["type"] == "ScannerTimeout"
    # What it was stuck on, and what it reported before: received from the worker as it ran.
    assert "waiting on regex pattern=(a+)+$" in spin["error"]["message"]
    assert spin["warnings"] == ["spinning"]
    assert spin["coverage"] == {
        "asked": 4, "answered": 1, "stale": 0, "skipped_budget": 0, "data_as_of": None
    }  # fmt: skip
    logs = outcomes[0].tool_logs
    assert [entry["tool"] for entry in logs] == ["pid"]
    assert gone(logs[0]["parameters"]["pid"])


def test_a_plain_scanner_gives_the_same_records_logs_and_candidates_in_both_isolations() -> None:
    def run(isolation: Isolation) -> dict[str, Any]:
        config = {"discovery": {"scanner_execution": {"isolation": isolation}}}
        scanners = [make_scanner("plain", plain), make_scanner("other", returning("GM", "T"))]
        return DiscoveryGraph(config, scanners).run("2026-11-27")

    threaded, isolated = run("thread"), run("process")
    assert runs_by_name(isolated)["plain"]["status"] == "ok"
    assert runs_by_name(isolated)["plain"]["rejected"]  # the invalid one, with its reason
    assert runs_by_name(isolated)["plain"]["coverage"] == {
        "asked": 3, "answered": 2, "stale": 1, "skipped_budget": 0, "data_as_of": "2026-11-26"
    }  # fmt: skip
    assert normalise(isolated) == normalise(threaded)


@pytest.mark.parametrize(
    "discovery",
    [
        {"scanners": {"where": {"isolation": "process"}}},
        {"scanner_execution": {"isolation": "process"}},
    ],
    ids=["its-settings", "run-wide"],
)
def test_the_config_puts_a_scanner_in_a_process(discovery: dict[str, Any]) -> None:
    def where(ctx: ScanContext) -> list[Any]:
        return [{"ticker": "F", "context": f"pid {os.getpid()}", "priority": "low"}]

    state = DiscoveryGraph({"discovery": discovery}, [make_scanner("where", where)]).run(DAY)
    assert state["candidates"][0]["context"] != f"pid {os.getpid()}"


def test_the_isolation_is_the_jobs_then_its_settings_then_the_runs() -> None:
    scanner = make_scanner("s", returning("F"))()
    policy = ExecutionPolicy(isolation="process")
    assert isolation_of(ScanJob(scanner, {}, 1.0), policy) == "process"
    assert isolation_of(ScanJob(scanner, {"isolation": None}, 1.0), policy) == "process"
    assert isolation_of(ScanJob(scanner, {"isolation": "thread"}, 1.0), policy) == "thread"
    both = ScanJob(scanner, {"isolation": "thread"}, 1.0, isolation="process")
    assert isolation_of(both, ExecutionPolicy()) == "process"


def test_a_scanner_raising_in_its_process_is_an_error_with_its_type_and_message() -> None:
    class QuotaExceeded(Exception):
        pass

    def raises(ctx: ScanContext) -> list[Any]:
        ctx.log_tool_call("quota", {}, "exhausted")
        raise QuotaExceeded("daily quota used up")

    outcome = run_scanners([job("raises", raises)], trade_date=DAY, policy=ExecutionPolicy())[0]
    assert outcome.record["status"] == "error"
    assert outcome.record["error"] == {"type": "QuotaExceeded", "message": "daily quota used up"}
    assert [entry["tool"] for entry in outcome.tool_logs] == ["quota"]


def test_a_skip_and_a_wrong_return_type_mean_what_they_mean_in_a_thread() -> None:
    def skips(ctx: ScanContext) -> list[Any]:
        raise ScannerSkipped("no key for this provider")

    def wrong(ctx: ScanContext) -> Any:
        return {"ticker": "F"}

    def run(isolation: Isolation) -> list[Any]:
        jobs = [job("skips", skips, isolation=isolation), job("wrong", wrong, isolation=isolation)]
        outcomes = run_scanners(jobs, trade_date=DAY, policy=ExecutionPolicy())
        return [normalise(outcome.record) for outcome in outcomes]

    isolated = run("process")
    assert [record["status"] for record in isolated] == ["skipped", "error"]
    assert isolated == run("thread")


def test_a_worker_that_dies_is_an_error_naming_the_signal() -> None:
    def dies(ctx: ScanContext) -> list[Any]:
        os.kill(os.getpid(), signal.SIGKILL)
        return []

    outcome = run_scanners([job("dies", dies)], trade_date=DAY, policy=ExecutionPolicy())[0]
    assert outcome.record["status"] == "error"
    assert outcome.record["error"] == {
        "type": "WorkerProcessError",
        "message": "the worker process was killed by SIGKILL",
    }


def test_cancelling_the_run_terminates_the_worker(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    token = CancelToken()

    def cancel_once_spinning() -> None:
        end = time.monotonic() + WITHIN_S
        while not pid_file.exists() and time.monotonic() < end:
            time.sleep(0.01)
        time.sleep(0.1)  # inside the regex by now
        token.cancel()

    canceller = threading.Thread(target=cancel_once_spinning)
    canceller.start()
    started = time.monotonic()
    with pytest.raises(DiscoveryCancelled):
        run_scanners(
            [job("spin", spinning(pid_file), timeout=60.0)],
            trade_date=DAY,
            policy=ExecutionPolicy(),
            cancel=token,
        )
    canceller.join()
    assert time.monotonic() - started < WITHIN_S
    assert token.scanner_runs is not None
    assert token.scanner_runs[0]["status"] == "cancelled"
    assert gone(int(pid_file.read_text()))


def test_process_isolation_without_fork_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation_module, "fork_available", lambda: False)
    jobs = [
        ScanJob(make_scanner("own", returning("F"))(), {"isolation": "process"}, 1.0),
        ScanJob(make_scanner("inherits", returning("F"))(), {}, 1.0),
        ScanJob(make_scanner("threaded", returning("F"))(), {"isolation": "thread"}, 1.0),
    ]
    with pytest.raises(ConfigError) as caught:
        run_scanners(jobs, trade_date=DAY, policy=ExecutionPolicy(isolation="process"))
    assert [problem.path for problem in caught.value.problems] == [
        "discovery.scanners.own.isolation",
        "discovery.scanner_execution.isolation",
    ]
    assert "'fork'" in caught.value.problems[0].message
