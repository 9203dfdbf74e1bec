"""The engine's semantics, each proved by a test that fails when it breaks (issue 2, items 1-9)."""

from __future__ import annotations

import contextvars
import copy
import logging
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

if __name__ == "__main__":  # python tests/test_concurrent_scanners.py: see the end of the file
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.config import get_stream_writer

from tests.helpers import make_scanner, normalise, returning, runs_by_name
from tradingagents.discovery import ScanContext, ScannerSkipped
from tradingagents.engine import ExecutionPolicy
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.nodes import DiscoverNode
from tradingagents.graph.state import DiscoveryState

REPO = Path(__file__).resolve().parents[1]
DAY = "2026-11-27"

Scan = Callable[[ScanContext], list[dict[str, Any]]]
P = ParamSpec("P")
T = TypeVar("T")


def execution(**overrides: Any) -> dict[str, Any]:
    return {"discovery": {"scanner_execution": overrides}}


def sleeping(seconds: float, then: Scan | None = None) -> Scan:
    """A scan that sleeps ``seconds``, then returns ``then(ctx)`` (no candidates without it)."""

    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        time.sleep(seconds)
        return then(ctx) if then is not None else []

    return scan


class ConcurrencyProbe:
    """Counts how many scanners run at once and in which order they start."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.starts: list[str] = []
        self.threads: set[int] = set()

    def scan(self, hold_s: float, *tickers: str) -> Scan:
        def run(ctx: ScanContext) -> list[dict[str, Any]]:
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
                self.starts.append(ctx.scanner)
                self.threads.add(threading.get_ident())
            try:
                time.sleep(hold_s)
            finally:
                with self.lock:
                    self.running -= 1
            return returning(*tickers)(ctx)

        return run


# 1. Dispatch -------------------------------------------------------------------------------


def test_concurrent_mode_runs_at_most_max_workers_at_once() -> None:
    probe = ConcurrencyProbe()
    scanners = [make_scanner(f"s{i}", probe.scan(0.15, "AAPL")) for i in range(7)]
    state = DiscoveryGraph(execution(max_workers=3), scanners).run(DAY)
    assert probe.peak == 3
    assert len(probe.threads) >= 3
    assert probe.starts[:3] == ["s0", "s1", "s2"]  # dispatched in registration order
    assert [r["status"] for r in state["scanner_runs"]] == ["ok"] * 7


def test_sequential_mode_runs_one_at_a_time_in_registration_order() -> None:
    probe = ConcurrencyProbe()
    names = ["zeta", "alpha", "mid"]
    scanners = [make_scanner(n, probe.scan(0.02, "F")) for n in names]
    state = DiscoveryGraph(execution(concurrent=False, max_workers=8), scanners).run(DAY)
    assert probe.peak == 1
    assert probe.starts == names
    assert [r["name"] for r in state["scanner_runs"]] == names


def test_sequential_mode_applies_the_same_timeouts() -> None:
    hung = make_scanner("hung", sleeping(5))
    after = make_scanner("after", returning("F"))
    start = time.monotonic()
    state = DiscoveryGraph(execution(concurrent=False, timeout_seconds=0.3), [hung, after]).run(DAY)
    assert time.monotonic() - start < 2.0
    runs = runs_by_name(state)
    assert runs["hung"]["status"] == "timeout"
    assert runs["after"]["status"] == "ok"


# 2. Deadlines ------------------------------------------------------------------------------


def test_timeout_counts_from_the_scanners_own_start_not_submission() -> None:
    # One worker: "b" starts only after "a" is done, 0.4 s after submission. Counted from
    # submission it would exceed its 0.6 s budget; counted from its own start it does not.
    a = make_scanner("a", sleeping(0.4, returning("AAPL")))
    b = make_scanner("b", sleeping(0.4, returning("MSFT")))
    state = DiscoveryGraph(execution(max_workers=1, timeout_seconds=0.6), [a, b]).run(DAY)
    assert [r["status"] for r in state["scanner_runs"]] == ["ok", "ok"]
    assert state["scanner_runs"][1]["started_s"] >= 0.35


def test_hung_scanner_does_not_hold_the_node_and_its_late_result_is_discarded() -> None:
    woke = threading.Event()

    def hang(ctx: ScanContext) -> list[dict[str, Any]]:
        ctx.log_tool_call("before_deadline", {"n": 1})
        time.sleep(1.5)  # ignores ctx.cancelled, like a socket read without timeout
        ctx.log_tool_call("after_deadline", {"n": 2})
        woke.set()
        return returning("LATE")(ctx)

    scanners = [make_scanner("hung", hang), make_scanner("fine", returning("F"))]
    start = time.monotonic()
    state = DiscoveryGraph(execution(timeout_seconds=0.3), scanners).run(DAY)
    elapsed = time.monotonic() - start
    assert elapsed < 1.2, elapsed  # the deadline holds: 0.3 s plus a margin, not 1.5 s
    runs = runs_by_name(state)
    assert runs["hung"]["status"] == "timeout"
    assert runs["hung"]["error"] == {
        "type": "ScannerTimeout",
        "message": "no result within 0.3s; in scanner code, no call in flight",
    }
    assert runs["hung"]["candidates"] == 0
    assert runs["fine"]["status"] == "ok"
    assert woke.wait(3)
    time.sleep(0.05)
    assert [c["ticker"] for c in state["candidates"]] == ["F"]
    # What it logged before the deadline is kept, what it logged afterwards is not.
    assert [e["tool"] for e in state["tool_logs"] if e["scanner"] == "hung"] == ["before_deadline"]


def test_a_late_result_arriving_while_the_run_goes_on_is_still_discarded() -> None:
    late = make_scanner("late", sleeping(0.4, returning("LATE")))
    long = make_scanner("long", sleeping(0.8, returning("F")))
    config = execution(timeout_seconds=0.2)
    config["discovery"]["scanners"] = {"long": {"timeout_seconds": 2}}
    state = DiscoveryGraph(config, [late, long]).run(DAY)
    runs = runs_by_name(state)
    assert runs["late"]["status"] == "timeout"
    assert runs["long"]["status"] == "ok"
    assert [c["ticker"] for c in state["candidates"]] == ["F"]


@pytest.mark.slow
def test_hung_scanner_never_delays_process_exit(tmp_path: Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from tradingagents.discovery import Scanner
            from tradingagents.graph.discovery_graph import DiscoveryGraph

            class Hung(Scanner):
                name = "hung"
                def scan(self, ctx):
                    time.sleep(60)
                    return []

            config = {"discovery": {"scanner_execution": {"timeout_seconds": 0.2}}}
            state = DiscoveryGraph(config, [Hung]).run("2026-11-27")
            print("status:", state["scanner_runs"][0]["status"])
            """
        )
    )
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    assert "status: timeout" in done.stdout
    assert elapsed < 15, f"process took {elapsed:.1f}s to exit with a 60 s hung scanner"


def test_step_deadline_bounds_queue_waits_and_records_scanners_that_never_started() -> None:
    hang = sleeping(3)
    scanners = [make_scanner(n, hang) for n in ("first", "second", "third")]
    config = execution(max_workers=1, timeout_seconds=0.5, global_timeout_seconds=0.8)
    start = time.monotonic()
    state = DiscoveryGraph(config, scanners).run(DAY)
    assert time.monotonic() - start < 2.0
    first, second, third = state["scanner_runs"]
    assert first["status"] == "timeout" and first["error"]["type"] == "ScannerTimeout"
    # Started at ~0.5 s, so the 0.8 s step deadline cut its own 0.5 s budget short.
    assert second["status"] == "timeout" and second["error"]["type"] == "StepDeadlineExceeded"
    assert second["started_s"] is not None
    # Never started: recorded, not dropped.
    assert third["status"] == "timeout" and third["started_s"] is None
    assert third["error"]["message"].startswith("never started")
    assert third["duration_s"] is None


def test_starved_user_executor_is_bounded_by_the_implied_step_deadline() -> None:
    hang = sleeping(2.5)
    scanners = [make_scanner("a", hang), make_scanner("b", hang)]
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        start = time.monotonic()
        state = DiscoveryGraph(execution(timeout_seconds=0.3), scanners, executor=pool).run(DAY)
        elapsed = time.monotonic() - start
    finally:
        pool.shutdown(wait=False)
    # Two waves of 0.3 s plus 1 s grace: "b" waits behind the hung "a" in the user's pool.
    assert elapsed < 2.2, elapsed
    a, b = state["scanner_runs"]
    assert a["status"] == "timeout"
    assert b["status"] == "timeout" and b["started_s"] is None


# 3. Cooperative cancellation ---------------------------------------------------------------


def test_cancelled_is_set_when_the_deadline_passes() -> None:
    seen: dict[str, float] = {}

    def polite(ctx: ScanContext) -> list[Any]:
        seen["remaining_at_start"] = ctx.remaining()
        start = time.monotonic()
        if ctx.cancelled.wait(10):
            seen["stopped_after"] = time.monotonic() - start
        return []

    state = DiscoveryGraph(execution(timeout_seconds=0.3), [make_scanner("polite", polite)]).run(
        DAY
    )
    assert state["scanner_runs"][0]["status"] == "timeout"
    deadline = time.monotonic() + 2
    while "stopped_after" not in seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 0.2 < seen["stopped_after"] < 0.8
    assert 0 < seen["remaining_at_start"] <= 0.3


def test_raise_if_cancelled_stops_a_loop_after_the_deadline() -> None:
    iterations: list[int] = []

    def looping(ctx: ScanContext) -> list[Any]:
        for i in range(1000):
            ctx.raise_if_cancelled()
            iterations.append(i)
            time.sleep(0.01)
        return []

    DiscoveryGraph(execution(timeout_seconds=0.2), [make_scanner("loop", looping)]).run(DAY)
    time.sleep(0.1)
    count = len(iterations)
    time.sleep(0.1)
    assert len(iterations) == count < 100


# 4. Error isolation ------------------------------------------------------------------------


def test_exceptions_become_error_records_and_other_scanners_are_untouched(
    engine_logs: pytest.LogCaptureFixture,
) -> None:
    def broken(ctx: ScanContext) -> list[Any]:
        raise ValueError("boom")

    scanners = [make_scanner("broken", broken), make_scanner("good", returning("AAPL", "MSFT"))]
    # The traceback is logged at DEBUG only (tests/resilience/test_offline.py: none at WARNING).
    engine_logs.set_level(logging.DEBUG, logger="tradingagents.engine")
    state = DiscoveryGraph(None, scanners).run(DAY)
    runs = runs_by_name(state)
    assert runs["broken"]["status"] == "error"
    assert runs["broken"]["error"] == {"type": "ValueError", "message": "boom"}
    assert runs["broken"]["candidates"] == 0
    assert runs["good"]["status"] == "ok" and runs["good"]["candidates"] == 2
    tracebacks = [
        r.getMessage()
        for r in engine_logs.records
        if "scanner broken raised" in r.getMessage() and "Traceback" in r.getMessage()
    ]
    assert tracebacks, "the traceback goes to the logger"
    assert 'raise ValueError("boom")' in tracebacks[0]


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ({"ticker": "AAPL"}, "scan() returned dict, expected a list of candidates"),
        (None, "scan() returned NoneType, expected a list of candidates"),
        ([{"context": "x", "priority": "high"}], "ticker"),
        ([{"ticker": "AAPL", "context": "x", "priority": "urgent"}], "priority"),
        ([{"ticker": "NOT A TICKER", "context": "x", "priority": "low"}], "invalid ticker"),
        (["AAPL"], "expected a Candidate or dict"),
    ],
)
def test_malformed_output_is_an_error_with_a_reason_never_an_empty_success(
    output: Any, reason: str
) -> None:
    scanners = [make_scanner("bad", lambda ctx: output), make_scanner("good", returning("F"))]
    runs = runs_by_name(DiscoveryGraph(None, scanners).run(DAY))
    assert runs["bad"]["status"] == "error"
    assert runs["bad"]["error"]["type"] == "InvalidScannerOutput"
    assert reason in runs["bad"]["error"]["message"]
    assert runs["good"]["status"] == "ok"


def test_invalid_candidates_are_rejected_with_reasons_and_valid_ones_kept() -> None:
    def mixed(ctx: ScanContext) -> list[Any]:
        return [
            {"ticker": "AAPL", "context": "ok", "priority": "high"},
            {"context": "no ticker", "priority": "high"},
            {"ticker": "MSFT", "context": "bad priority", "priority": "urgent"},
        ]

    state = DiscoveryGraph(None, [make_scanner("mixed", mixed)]).run(DAY)
    run = state["scanner_runs"][0]
    assert run["status"] == "ok" and run["candidates"] == 1
    assert [r["index"] for r in run["rejected"]] == [1, 2]
    assert "ticker" in run["rejected"][0]["reason"]
    assert "priority" in run["rejected"][1]["reason"]
    assert [c["ticker"] for c in state["candidates"]] == ["AAPL"]


def test_scanner_skipped_is_recorded_with_its_reason() -> None:
    def needs_key(ctx: ScanContext) -> list[Any]:
        raise ScannerSkipped("needs FINNHUB_API_KEY")

    run = DiscoveryGraph(None, [make_scanner("keyed", needs_key)]).run(DAY)["scanner_runs"][0]
    assert run["status"] == "skipped"
    assert run["reason"] == "needs FINNHUB_API_KEY"
    assert run["error"] is None


def test_limit_caps_a_scanners_candidates() -> None:
    config = {"discovery": {"scanners": {"many": {"limit": 2}}}}
    state = DiscoveryGraph(config, [make_scanner("many", returning("A", "B", "C", "D"))]).run(DAY)
    assert [c["ticker"] for c in state["candidates"]] == ["A", "B"]
    assert state["scanner_runs"][0]["truncated"] == 2


# 5. Isolation ------------------------------------------------------------------------------


def test_scanners_get_a_read_only_context_never_the_state() -> None:
    seen: dict[str, Any] = {}

    def writer(ctx: ScanContext) -> list[Any]:
        seen["has_state"] = hasattr(ctx, "state")
        ctx.config["limit"] = 99  # type: ignore[index]
        return []

    run = DiscoveryGraph(None, [make_scanner("writer", writer)]).run(DAY)["scanner_runs"][0]
    assert seen["has_state"] is False
    assert run["status"] == "error" and run["error"]["type"] == "TypeError"


def test_the_node_never_mutates_its_input_and_returns_only_new_entries() -> None:
    def logging_scanner(ctx: ScanContext) -> list[Any]:
        for i in range(3):
            ctx.log_tool_call("fetch", {"page": i})
        return returning("AAPL")(ctx)

    dg = DiscoveryGraph(
        None, [make_scanner("a", logging_scanner), make_scanner("b", logging_scanner)]
    )
    existing_log: dict[str, Any] = {
        "scanner": "earlier",
        "tool": "x",
        "parameters": {},
        "output": None,
        "duration_s": None,
        "error": None,
    }
    existing_candidate = dg.run(DAY, state={})["candidates"][0]
    state_in: DiscoveryState = {
        "trade_date": DAY,
        "tool_logs": [existing_log],
        "candidates": [existing_candidate],
    }
    frozen = copy.deepcopy(state_in)

    update = DiscoverNode(dg.jobs, dg_policy(dg), None)(state_in)
    assert state_in == frozen
    assert len(update["tool_logs"]) == 6  # only this run's entries, not the existing one
    assert existing_log not in update["tool_logs"]

    state = dg.run(DAY, state={"tool_logs": [existing_log], "candidates": [existing_candidate]})
    # Exactly once each: 1 earlier entry + 2 scanners x 3 calls, no doubling per scanner.
    assert len(state["tool_logs"]) == 7
    assert state["tool_logs"][0] == existing_log
    assert [c["ticker"] for c in state["candidates"]] == ["AAPL"]


def dg_policy(dg: DiscoveryGraph) -> ExecutionPolicy:
    return ExecutionPolicy.from_config(dg.config.scanner_execution)


# 6. Deterministic merge --------------------------------------------------------------------


def test_merge_follows_registration_order_not_completion_order() -> None:
    slow_first = make_scanner(
        "slow_first",
        sleeping(0.2, returning("AAPL", priority="low", price=101.5)),
    )
    fast_second = make_scanner(
        "fast_second", returning("MSFT", "AAPL", priority="critical", price=99.0, volume=5)
    )
    state = DiscoveryGraph(None, [slow_first, fast_second]).run(DAY)
    aapl, msft = state["candidates"]
    assert aapl["ticker"] == "AAPL" and msft["ticker"] == "MSFT"
    assert aapl["sources"] == ["slow_first", "fast_second"]
    assert aapl["priority"] == "critical"  # the highest priority wins
    assert aapl["contexts"] == ["slow_first likes AAPL", "fast_second likes AAPL"]
    assert aapl["price"] == 101.5  # first in registration order
    assert aapl["volume"] == 5  # nobody else set it
    assert aapl["by_source"]["fast_second"]["price"] == 99.0  # and nothing is lost


TICKERS = ["AAPL", "MSFT", "F", "BRK-B", "NVDA", "T"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=0.02),
            st.lists(st.sampled_from(TICKERS), max_size=4),
            st.sampled_from(["critical", "high", "medium", "low"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_concurrent_and_sequential_runs_give_equal_states(specs: list[Any]) -> None:
    scanners = []
    for i, (latency, tickers, priority) in enumerate(specs):

        def scan(
            ctx: ScanContext,
            latency: float = latency,
            tickers: list[str] = tickers,
            priority: str = priority,
        ) -> list[dict[str, Any]]:
            time.sleep(latency)
            ctx.log_tool_call("fetch", {"latency": latency})
            return returning(*tickers, priority=priority, n=len(tickers))(ctx)

        scanners.append(make_scanner(f"s{i}", scan))
    concurrent = DiscoveryGraph(execution(max_workers=8), scanners).run(DAY)
    sequential = DiscoveryGraph(execution(concurrent=False), scanners).run(DAY)
    assert normalise(concurrent) == normalise(sequential)


def test_repeated_concurrent_runs_are_identical() -> None:
    scanners = [
        make_scanner(
            f"s{i}",
            sleeping(0.01 * ((i * 7) % 5), returning(TICKERS[i % 6], TICKERS[(i + 2) % 6])),
        )
        for i in range(10)
    ]
    dg = DiscoveryGraph(None, scanners)
    first = normalise(dg.run(DAY))
    for _ in range(3):
        assert normalise(dg.run(DAY)) == first


# 7. tool_logs ------------------------------------------------------------------------------


def test_every_tool_call_appears_exactly_once_attributed_to_its_scanner() -> None:
    def logger(n: int) -> Callable[[ScanContext], list[Any]]:
        def scan(ctx: ScanContext) -> list[Any]:
            for i in range(n):
                ctx.log_tool_call("fetch", {"i": i}, output={"rows": i})
            return []

        return scan

    state = DiscoveryGraph(None, [make_scanner(f"s{n}", logger(n)) for n in (1, 2, 3, 4)]).run(DAY)
    logs = state["tool_logs"]
    assert len(logs) == 10
    for n in (1, 2, 3, 4):
        mine = [e for e in logs if e["scanner"] == f"s{n}"]
        assert [e["parameters"]["i"] for e in mine] == list(range(n))
    assert {"scanner", "tool", "parameters", "output", "duration_s", "error"} <= set(logs[0])


def test_secrets_are_redacted_from_tool_logs_and_errors(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FINNHUB_API_KEY", "fh-live-9f8e7d6c5b")
    caplog.set_level(logging.DEBUG, logger="tradingagents.engine")  # where tracebacks go

    def leaky(ctx: ScanContext) -> list[Any]:
        ctx.log_tool_call(
            "http_get",
            {
                "url": "https://api.example.com/q?symbol=F&apikey=AV-SECRET-123",
                "token": "tok-abcdef",
            },
            output="echo fh-live-9f8e7d6c5b",
            error="401 for Authorization: Bearer abcdefghijkl",
        )
        raise RuntimeError("request failed: https://x.test/?token=fh-live-9f8e7d6c5b")

    state = DiscoveryGraph(None, [make_scanner("leaky", leaky)]).run(DAY)
    text = repr(state)
    for secret in ("AV-SECRET-123", "tok-abcdef", "fh-live-9f8e7d6c5b", "abcdefghijkl"):
        assert secret not in text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Traceback" in logged
    assert "fh-live-9f8e7d6c5b" not in logged
    entry = state["tool_logs"][0]
    assert entry["parameters"]["token"] == "[REDACTED]"
    assert "symbol=F" in entry["parameters"]["url"]
    assert state["scanner_runs"][0]["error"]["type"] == "RuntimeError"


# 8. Context variables, streaming and log lines ----------------------------------------------

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


def test_stream_writer_and_context_variables_work_inside_scanner_threads() -> None:
    seen: dict[str, str] = {}

    def streaming(ctx: ScanContext) -> list[Any]:
        seen["request_id"] = REQUEST_ID.get()
        seen["thread"] = threading.current_thread().name
        get_stream_writer()({"event": "scanner_note", "scanner": ctx.scanner, "note": "hello"})
        return returning("F")(ctx)

    dg = DiscoveryGraph(
        None, [make_scanner("streaming", streaming), make_scanner("quiet", returning("T"))]
    )
    token = REQUEST_ID.set("req-42")
    try:
        events = list(dg.graph.stream({"trade_date": DAY}, stream_mode="custom"))
    finally:
        REQUEST_ID.reset(token)
    assert seen["request_id"] == "req-42"
    assert seen["thread"] != threading.current_thread().name
    kinds = [(e["event"], e.get("scanner")) for e in events]
    assert ("scanner_note", "streaming") in kinds
    assert kinds[0] == ("discovery_started", None)
    assert kinds[-1] == ("discovery_finished", None)
    finished = {e["scanner"]: e for e in events if e["event"] == "scanner_finished"}
    assert finished["streaming"]["status"] == "ok" and finished["streaming"]["candidates"] == 1
    assert {("scanner_started", "streaming"), ("scanner_started", "quiet")} <= set(kinds)
    # Per scanner, in order: started, then what it streamed itself, then finished.
    mine = [k for k, s in kinds if s == "streaming"]
    assert mine == ["scanner_started", "scanner_note", "scanner_finished"]


def test_one_log_line_per_scanner_as_it_finishes(engine_logs: pytest.LogCaptureFixture) -> None:
    scanners = [
        make_scanner("market_movers", returning("AAPL", "MSFT")),
        make_scanner("slow_scanner", sleeping(2)),
        make_scanner("broken_scanner", lambda ctx: 1 / 0),
    ]
    # Only the slow one has the short deadline: on a loaded machine (parallel tests) the others
    # must not time out merely because their thread started late.
    config = execution(timeout_seconds=10)
    config["discovery"]["scanners"] = {"slow_scanner": {"timeout_seconds": 0.3}}
    DiscoveryGraph(config, scanners).run(DAY)
    lines = [r.getMessage() for r in engine_logs.records if r.name == "tradingagents.engine"]
    assert "✓ market_movers: 2 candidates" in lines
    assert "⏱️ slow_scanner: timeout after 0.3s" in lines
    assert "⚠️ broken_scanner: ZeroDivisionError division by zero" in lines


# 9. Pluggable executor ---------------------------------------------------------------------


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.submitted = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_any_executor_can_be_plugged_in_and_is_left_open() -> None:
    seen_threads: set[str] = set()

    def where(ctx: ScanContext) -> list[Any]:
        seen_threads.add(threading.current_thread().name)
        return returning("F")(ctx)

    executor = CountingExecutor()
    try:
        scanners = [make_scanner(f"s{i}", where) for i in range(5)]
        state = DiscoveryGraph(None, scanners, executor=executor).run(DAY)
        assert executor.submitted == 5
        assert all(name.startswith("ThreadPoolExecutor") for name in seen_threads)
        assert [r["status"] for r in state["scanner_runs"]] == ["ok"] * 5
        assert executor.submit(lambda: 1).result() == 1  # not shut down by the engine
    finally:
        executor.shutdown()


def test_default_executor_uses_daemon_threads() -> None:
    seen: dict[str, bool] = {}

    def where(ctx: ScanContext) -> list[Any]:
        seen["daemon"] = threading.current_thread().daemon
        return []

    DiscoveryGraph(None, [make_scanner("where", where)]).run(DAY)
    assert seen["daemon"] is True


@pytest.mark.slow
def test_running_this_file_with_python_runs_its_tests() -> None:
    fast = "test_limit_caps_a_scanners_candidates"
    options = ["-k", fast, "-n", "0", "-v", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [sys.executable, "tests/test_concurrent_scanners.py", *options],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"tests/test_concurrent_scanners.py::{fast} PASSED" in done.stdout
    assert re.search(r"\b1 passed, \d+ deselected\b", done.stdout), done.stdout
    assert "warning" not in done.stdout.lower()


# python tests/test_concurrent_scanners.py [pytest options]: runs this file's tests. Its imports
# above ran before pytest's, hence the warnings ignored: those modules hold no tests to rewrite.
if __name__ == "__main__":
    rewrite_warnings = "ignore::pytest.PytestAssertRewriteWarning"
    raise SystemExit(pytest.main([__file__, "-W", rewrite_warnings, *sys.argv[1:]]))
