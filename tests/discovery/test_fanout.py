"""ctx.map: item order, deadline, cancellation, partial failure, logs once, the bound."""

from __future__ import annotations

import contextvars
import re
import threading
import time
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from tests.helpers import make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.engine import ExecutionPolicy, ScanJob, run_scanners
from tradingagents.errors import ProviderError, ProviderTimeout, ScannerTimeout

DAY = date(2026, 11, 27)
# Generous bounds for "promptly": the machine is shared; the point is "not the hang's 5 s".
PROMPT_S = 2.5
HANG_S = 5.0


def context(seconds: float = 30.0, fan_out: int | None = None) -> ScanContext:
    services = None if fan_out is None else SimpleNamespace(fan_out=fan_out)
    return ScanContext(
        scanner="s",
        trade_date=DAY,
        config={},
        deadline=time.monotonic() + seconds,
        services=services,
    )


class Gauge:
    """Counts items running at once and every item started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.started: list[Any] = []

    def __enter__(self) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.running -= 1

    def start(self, item: Any) -> None:
        with self.lock:
            self.started.append(item)


def test_results_come_back_in_item_order_when_items_finish_in_reverse() -> None:
    ctx = context()
    done = {i: threading.Event() for i in range(5)}
    finished: list[int] = []

    def item(i: int) -> str:
        if i < 4:  # each item waits for the next one: they finish 4, 3, 2, 1, 0
            assert done[i + 1].wait(HANG_S)
        finished.append(i)
        done[i].set()
        return f"r{i}"

    result = ctx.map(item, range(5), limit=5)
    assert finished == [4, 3, 2, 1, 0]
    assert result.results == tuple((i, f"r{i}") for i in range(5))
    assert result.errors == ()


def test_provider_errors_are_the_items_errors_in_item_order() -> None:
    ctx = context()

    def item(i: int) -> int:
        time.sleep(0.01 * (6 - i))  # later items finish first
        if i % 2:
            raise ProviderTimeout(f"item {i} timed out")
        return i * 10

    result = ctx.map(item, range(6), limit=3)
    assert result.results == ((0, 0), (2, 20), (4, 40))
    assert [i for i, _ in result.errors] == [1, 3, 5]
    assert all(isinstance(exc, ProviderTimeout) for _, exc in result.errors)
    assert str(result.errors[0][1]) == "item 1 timed out"


def test_catch_names_what_counts_as_an_items_error() -> None:
    def item(i: int) -> int:
        if i == 1:
            raise KeyError("missing")
        return i

    result = context().map(item, range(3), limit=2, catch=(KeyError, ProviderError))
    assert [i for i, _ in result.errors] == [1]
    assert [i for i, _ in result.results] == [0, 2]


def test_any_other_error_stops_the_map_and_is_raised_after_the_items_in_flight() -> None:
    ctx = context()
    gauge = Gauge()
    slow_done = threading.Event()

    def item(i: int) -> int:
        gauge.start(i)
        if i == 0:
            time.sleep(0.2)
            with ctx.tool_call("slow", {"i": i}):
                pass
            slow_done.set()
            return i
        if i == 1:
            raise RuntimeError("a bug in item 1")
        return i

    with pytest.raises(RuntimeError, match="a bug in item 1"):
        ctx.map(item, range(40), limit=2)
    # Item 0 was in flight: it finished (and logged its call) before the error was raised.
    assert slow_done.is_set()
    assert [entry["tool"] for entry in ctx._close()] == ["slow"]
    # Items that had not started by then never start.
    time.sleep(0.05)
    assert len(gauge.started) < 40


def test_each_items_tool_calls_are_logged_once_in_item_order_even_when_they_raise() -> None:
    ctx = context()
    ctx.log_tool_call("before")

    def item(i: int) -> int:
        time.sleep(0.005 * (8 - i))
        with ctx.tool_call("fetch", {"i": i}) as call:
            call.output = i
            if i % 3 == 0:
                raise ProviderError(f"bad {i}")
        ctx.log_tool_call("parse", {"i": i})
        return i

    result = ctx.map(item, range(8), limit=4)
    ctx.log_tool_call("after")
    assert [i for i, _ in result.errors] == [0, 3, 6]
    logs = ctx._close()
    expected = ["before"]
    for i in range(8):
        expected.append(f"fetch {i}")
        if i % 3:
            expected.append(f"parse {i}")
    expected.append("after")
    assert [
        f"{e['tool']} {e['parameters']['i']}" if "i" in e["parameters"] else e["tool"] for e in logs
    ] == expected
    failed = [e for e in logs if e["error"]]
    assert [e["parameters"]["i"] for e in failed] == [0, 3, 6]
    assert failed[0]["error"] == "ProviderError: bad 0"


def test_the_deadline_stops_the_map_promptly_and_no_item_starts_after_it() -> None:
    ctx = context(seconds=0.3)
    gauge = Gauge()

    def item(i: int) -> None:
        gauge.start(i)
        with ctx.tool_call("hang", {"i": i}):
            time.sleep(HANG_S)  # ignores the cancel flag, like a call without a timeout

    start = time.monotonic()
    with pytest.raises(ScannerTimeout):
        ctx.map(item, range(20), limit=3)
    assert time.monotonic() - start < PROMPT_S
    time.sleep(0.1)
    assert len(gauge.started) == 3  # those in flight, abandoned; none started since


def test_cancellation_stops_the_map_promptly() -> None:
    ctx = context()
    gauge = Gauge()
    started = threading.Barrier(3)

    def item(i: int) -> None:
        gauge.start(i)
        if i < 2:
            started.wait(HANG_S)
        ctx.cancelled.wait(HANG_S)

    def cancel() -> None:
        started.wait(HANG_S)
        ctx.cancelled.set()

    threading.Thread(target=cancel, daemon=True).start()
    start = time.monotonic()
    with pytest.raises(ScannerTimeout):
        ctx.map(item, range(20), limit=2)
    assert time.monotonic() - start < PROMPT_S
    time.sleep(0.1)
    assert sorted(gauge.started) == [0, 1]


def test_a_map_in_a_cancelled_scanner_starts_nothing() -> None:
    ctx = context()
    ctx.cancelled.set()
    calls: list[int] = []
    for limit in (1, 4):
        with pytest.raises(ScannerTimeout):
            ctx.map(calls.append, range(3), limit=limit)
    assert calls == []


@pytest.mark.parametrize(("fan_out", "limit", "bound"), [(3, None, 3), (8, 2, 2), (None, None, 8)])
def test_concurrency_is_bounded_by_the_limit_else_the_runs_fan_out(
    fan_out: int | None, limit: int | None, bound: int
) -> None:
    ctx = context(fan_out=fan_out)
    gauge = Gauge()

    def item(i: int) -> int:
        with gauge:
            time.sleep(0.03)
        return i

    result = ctx.map(item, range(24), limit=limit)
    assert [i for i, _ in result.results] == list(range(24))
    assert 1 < gauge.peak <= bound


def test_a_bound_of_one_runs_the_items_in_the_scanners_own_thread_in_order() -> None:
    ctx = context(fan_out=1)
    threads: list[threading.Thread] = []

    def item(i: int) -> int:
        threads.append(threading.current_thread())
        return i

    assert [i for i, _ in ctx.map(item, range(5)).results] == list(range(5))
    assert set(threads) == {threading.current_thread()}
    with pytest.raises(ValueError, match="at least 1"):
        ctx.map(item, range(5), limit=0)


def test_a_map_inside_an_item_runs_in_that_items_thread() -> None:
    ctx = context()
    gauge = Gauge()

    def inner(pair: tuple[int, int]) -> str:
        with gauge:
            time.sleep(0.01)
        return f"{pair[0]}.{pair[1]}{threading.current_thread().name}"

    def outer(i: int) -> list[str]:
        me = threading.current_thread().name
        values = [value for _, value in ctx.map(inner, [(i, j) for j in range(3)]).results]
        assert all(value.endswith(me) for value in values)
        return values

    result = ctx.map(outer, range(4), limit=2)
    assert [value[:3] for _, values in result.results for value in values] == [
        f"{i}.{j}" for i in range(4) for j in range(3)
    ]
    assert gauge.peak <= 2


def test_items_see_the_scanners_context_variables() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("the run's")
    result = context().map(lambda _: var.get(), range(4), limit=4)
    assert [value for _, value in result.results] == ["the run's"] * 4


def test_mapping_threads_are_daemons_named_after_the_scanner() -> None:
    seen: list[threading.Thread] = []
    context().map(lambda _: seen.append(threading.current_thread()), range(4), limit=2)
    assert all(t.daemon and t.name.startswith("s-map-") for t in seen)


def test_a_timeout_names_the_items_calls_in_flight_oldest_first() -> None:
    def scan(ctx: ScanContext) -> list[Any]:
        def item(i: int) -> None:
            time.sleep(0.03 * i)  # a distinct start time each, so "oldest first" is testable
            with ctx.tool_call(f"t{i}"):
                ctx.cancelled.wait(HANG_S)

        ctx.map(item, range(5), limit=5)
        return []

    job = ScanJob(make_scanner("fan", scan)(), {"limit": None}, 0.5)
    (outcome,) = run_scanners([job], trade_date=DAY, policy=ExecutionPolicy())
    assert outcome.record["status"] == "timeout"
    error = outcome.record["error"]
    assert error is not None
    message = error["message"]
    started = r"\(started \d+\.\ds ago\)"
    assert re.fullmatch(
        rf"no result within 0\.5s; waiting on t0 {started}, t1 {started}, t2 {started}"
        r" and 2 more calls",
        message,
    ), message
