"""A timeout names what the scanner was waiting on (issue 9, item 3)."""

from __future__ import annotations

import re
import threading
import time
from datetime import date
from typing import Any, ClassVar

from tests.helpers import make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.discovery.context import CallInFlight, call_detail, describe_calls_in_flight
from tradingagents.engine import ExecutionPolicy, ScanJob, run_scanners
from tradingagents.http import Request, Response
from tradingagents.providers.base import ProviderClient

DAY = date(2026, 11, 27)
SECRET = "sk-live-0123456789abcdef"
# Seconds as the message prints them; a loaded machine may notice the deadline late.
STARTED = r"\(started \d+\.\ds ago\)"


def job(name: str, fn: Any, timeout: float = 0.3) -> ScanJob:
    return ScanJob(make_scanner(name, fn)(), {"limit": None}, timeout)


def messages(*jobs: ScanJob, **policy: Any) -> dict[str, str]:
    outcomes = run_scanners(
        list(jobs), trade_date=DAY, policy=ExecutionPolicy(**policy), secrets=frozenset({SECRET})
    )
    found = {}
    for outcome in outcomes:
        assert outcome.record["status"] == "timeout", outcome.record
        error = outcome.record["error"]
        assert error is not None
        found[outcome.record["name"]] = error["message"]
    return found


def in_tool_call(ctx: ScanContext) -> list[Any]:
    with ctx.tool_call("slow_api", {"symbol": "AAPL"}):
        ctx.cancelled.wait(3)
    return []


def after_a_finished_call(ctx: ScanContext) -> list[Any]:
    with ctx.tool_call("quick_api", {"symbol": "F"}):
        pass
    ctx.cancelled.wait(3)
    return []


def after_a_failed_call(ctx: ScanContext) -> list[Any]:
    try:
        with ctx.tool_call("failing_api"):
            raise ValueError("boom")
    except ValueError:
        pass
    ctx.cancelled.wait(3)
    return []


def leaking_a_secret(ctx: ScanContext) -> list[Any]:
    with ctx.tool_call("search", {"q": f"key {SECRET}", "api_key": "also-secret-value"}):
        ctx.cancelled.wait(3)
    return []


class Hanging:
    """A transport whose request never answers (until the scanner is cancelled)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        self.release.wait(3)
        return Response(status=200, body=b"{}")


class DemoClient(ProviderClient):
    provider: ClassVar[str] = "demo"


def test_a_timeout_names_the_tool_call_in_flight_and_how_long_ago_it_started() -> None:
    found = messages(
        job("in_call", in_tool_call),
        job("after_call", after_a_finished_call),
        job("after_failure", after_a_failed_call),
        job("own_code", lambda ctx: ctx.cancelled.wait(3) and []),
    )
    assert re.fullmatch(
        rf"no result within 0\.3s; waiting on slow_api symbol=AAPL {STARTED}", found["in_call"]
    ), found["in_call"]
    # A call that returned, or raised, is no longer in flight.
    for name in ("after_call", "after_failure", "own_code"):
        assert found[name] == "no result within 0.3s; in scanner code, no call in flight"


def test_a_provider_request_in_flight_is_named_by_tool_and_path_without_its_key() -> None:
    transport = Hanging()
    client = DemoClient(
        transport, base_url="https://api.example.com", secret_params={"apikey": SECRET}
    )

    def scan(ctx: ScanContext) -> list[Any]:
        client.get(ctx, "/v1/quote/AAPL", {"range": "1d"}, tool="demo.quote")
        return []

    try:
        found = messages(job("quotes", scan))
    finally:
        transport.release.set()
    assert re.fullmatch(
        rf"no result within 0\.3s; waiting on demo\.quote /v1/quote/AAPL\?range=1d {STARTED}",
        found["quotes"],
    ), found["quotes"]


def test_secrets_in_a_call_in_flight_are_redacted() -> None:
    message = messages(job("leaky", leaking_a_secret))["leaky"]
    assert SECRET not in message
    assert "also-secret-value" not in message
    assert message.startswith("no result within 0.3s; waiting on search q=key [REDACTED]")


def test_several_calls_in_flight_are_named_oldest_first_then_counted() -> None:
    def fan_out(ctx: ScanContext) -> list[Any]:
        def call(i: int) -> None:
            with ctx.tool_call(f"t{i}"):
                ctx.cancelled.wait(3)

        threads = []
        for i in range(5):
            threads.append(threading.Thread(target=call, args=(i,), daemon=True))
            threads[-1].start()
            time.sleep(0.02)  # a distinct start time each, so "oldest first" is testable
        ctx.cancelled.wait(3)
        return []

    message = messages(job("fan", fan_out, timeout=0.5))["fan"]
    assert re.fullmatch(
        rf"no result within 0\.5s; waiting on t0 {STARTED}, t1 {STARTED}, t2 {STARTED}"
        r" and 2 more calls",
        message,
    ), message


def test_a_step_deadline_names_the_call_in_flight_too() -> None:
    found = messages(job("in_call", in_tool_call, timeout=5.0), global_timeout_seconds=0.3)
    message = found["in_call"]
    assert re.fullmatch(
        rf"step deadline passed [\d.]+s after it started; waiting on slow_api symbol=AAPL "
        rf"{STARTED}",
        message,
    ), message


def test_describe_calls_in_flight() -> None:
    now = 100.0
    calls = [CallInFlight("b", "", 98.0), CallInFlight("a", "x=1", 95.1)]
    assert describe_calls_in_flight([], now) == "in scanner code, no call in flight"
    assert describe_calls_in_flight(calls, now) == (
        "waiting on a x=1 (started 4.9s ago), b (started 2.0s ago)"
    )
    four = [CallInFlight(f"t{i}", "", 90.0 + i) for i in range(4)]
    assert describe_calls_in_flight(four, now).endswith("t2 (started 8.0s ago) and 1 more call")


def test_call_detail_is_short_and_drops_the_host() -> None:
    assert call_detail({"url": "https://h.example/v8/chart/AAPL?interval=1d"}) == (
        "/v8/chart/AAPL?interval=1d"
    )
    assert call_detail({"url": "https://h.example/x", "method": "POST"}) == "/x"
    assert call_detail({"symbol": "AAPL", "days": 5}) == "symbol=AAPL, days=5"
    long = call_detail({"q": "x" * 500})
    assert len(long) == 120 and long.endswith("...")


def test_calls_in_flight_are_tracked_safely_from_many_threads() -> None:
    ctx = ScanContext(scanner="s", trade_date=DAY, config={}, deadline=time.monotonic() + 60)
    inside = threading.Barrier(9)
    leave = threading.Event()

    def worker(i: int) -> None:
        for _ in range(200):
            with ctx.in_flight(f"quick{i}"):
                pass
        with ctx.in_flight(f"held{i}"):
            inside.wait(5)
            leave.wait(5)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    held = ctx.calls_in_flight()
    leave.set()
    for thread in threads:
        thread.join(5)
    assert sorted(call.tool for call in held) == [f"held{i}" for i in range(8)]
    assert [c.started for c in held] == sorted(c.started for c in held)
    assert ctx.calls_in_flight() == []


def test_calls_in_flight_hold_no_secret() -> None:
    # calls_in_flight is public (a live display may show it), so it is redacted on its own.
    ctx = ScanContext(
        scanner="s",
        trade_date=DAY,
        config={},
        deadline=time.monotonic() + 60,
        secrets=frozenset({SECRET}),
    )
    with ctx.in_flight("search", {"q": f"key {SECRET}", "api_key": "also-secret-value"}):
        (call,) = ctx.calls_in_flight()
    assert call.tool == "search"
    assert SECRET not in call.detail and "also-secret-value" not in call.detail
    assert call.detail.startswith("q=key [REDACTED]")
