"""Cancellation that reaches scanners: Ctrl-C in the invoking thread, asyncio cancellation of
``ainvoke``, a CancelToken. Every running scanner's ``ctx.cancelled`` is set at once, queued
scanners never start, providers send nothing more, breakers are not charged.

The issue's bounds are 0.2 s (scanners see the cancel) and 1 s (the caller has control back);
these tests allow 0.5 s and 2 s so that a loaded 2-core CI machine does not make them flaky.
"""

from __future__ import annotations

import _thread
import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_scanner
from tests.resilience.faults import RawServer, raw_server
from tradingagents.discovery import ScanContext
from tradingagents.engine import CancelToken, ExecutionPolicy, ScanJob, run_scanners
from tradingagents.errors import DiscoveryCancelled, ProviderCancelled
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import RequestsTransport
from tradingagents.providers.base import ProviderClient
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, show_breakers
from tradingagents.resilience.guard import Resilience
from tradingagents.resilience.retry import RetryPolicy

SEE_CANCEL_S = 0.5  # the issue says 0.2 s
CONTROL_BACK_S = 2.0  # the issue says 1 s
DAY = "2026-11-20"


class Waiters:
    """Scanners that wait on ``ctx.cancelled`` and note when they started and saw it."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.saw_cancel: dict[str, float] = {}
        self.all_started = threading.Event()

    def scanner(self, name: str, expected: int) -> Any:
        def scan(ctx: ScanContext) -> list[Any]:
            self.started[name] = time.monotonic()
            if len(self.started) >= expected:
                self.all_started.set()
            if ctx.cancelled.wait(30):
                self.saw_cancel[name] = time.monotonic()
            return []

        return make_scanner(name, scan)

    def seen(self, *names: str) -> dict[str, float]:
        """When each named scanner saw the cancel (waits up to 5 s for their threads)."""
        until = time.monotonic() + 5
        while not set(names) <= set(self.saw_cancel) and time.monotonic() < until:
            time.sleep(0.005)
        return {name: self.saw_cancel[name] for name in names}


def graph_of(scanners: list[Any], tmp_path: Path, max_workers: int) -> DiscoveryGraph:
    config = {
        "discovery": {"scanner_execution": {"max_workers": max_workers, "timeout_seconds": 20}}
    }
    board = BreakerBoard(tmp_path / "breakers.sqlite", BreakerPolicy(failure_threshold=1))
    return DiscoveryGraph(config, scanners=scanners, breakers=board)


def assert_no_breaker_charged(dg: DiscoveryGraph, tmp_path: Path) -> None:
    assert dg.breakers is not None
    dg.breakers.close()
    # Nothing of a cancelled run reaches the breakers: not a failure, not even a success.
    assert show_breakers(tmp_path / "breakers.sqlite") == []


def test_ctrl_c_in_the_invoking_thread_cancels_running_scanners_and_starts_no_queued_one(
    tmp_path: Path,
) -> None:
    waiters = Waiters()
    scanners = [waiters.scanner(name, expected=2) for name in ("a_first", "b_second", "c_queued")]
    dg = graph_of(scanners, tmp_path, max_workers=2)
    interrupted: list[float] = []

    def interrupt() -> None:
        waiters.all_started.wait(10)
        interrupted.append(time.monotonic())
        _thread.interrupt_main()  # a KeyboardInterrupt in the thread that called invoke

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt) as caught:
        dg.graph.invoke({"trade_date": DAY})
    back = time.monotonic()
    assert back - interrupted[0] < CONTROL_BACK_S
    assert set(waiters.started) == {"a_first", "b_second"}
    for seen in waiters.seen("a_first", "b_second").values():
        assert seen - interrupted[0] < SEE_CANCEL_S
    time.sleep(0.3)  # a queued scanner picked up late would have started by now
    assert "c_queued" not in waiters.started
    runs = {r["name"]: r for r in caught.value.scanner_runs}  # type: ignore[attr-defined]
    assert {name: r["status"] for name, r in runs.items()} == dict.fromkeys(
        ("a_first", "b_second", "c_queued"), "cancelled"
    )
    assert runs["c_queued"]["started_s"] is None
    assert_no_breaker_charged(dg, tmp_path)


def test_ctrl_c_with_one_worker_starts_nothing_after_the_interrupt(tmp_path: Path) -> None:
    waiters = Waiters()
    scanners = [waiters.scanner(name, expected=1) for name in ("a_first", "b_queued", "c_queued")]
    dg = graph_of(scanners, tmp_path, max_workers=1)

    def interrupt() -> None:
        waiters.all_started.wait(10)
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        dg.run(DAY)
    time.sleep(0.3)
    assert set(waiters.started) == {"a_first"}
    assert waiters.seen("a_first")
    assert_no_breaker_charged(dg, tmp_path)


def test_wait_for_ainvoke_cancels_the_run_without_blocking_the_event_loop(
    tmp_path: Path,
) -> None:
    waiters = Waiters()
    scanners = [waiters.scanner(name, expected=2) for name in ("a_first", "b_second", "c_queued")]
    dg = graph_of(scanners, tmp_path, max_workers=2)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    async def main() -> float:
        tick = asyncio.create_task(ticker())
        try:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(dg.graph.ainvoke({"trade_date": DAY}), 0.3)
            return time.monotonic()
        finally:
            tick.cancel()

    start = time.monotonic()
    back = asyncio.run(main())
    timed_out = start + 0.3
    assert back - timed_out < CONTROL_BACK_S
    for seen in waiters.seen("a_first", "b_second").values():
        assert seen - timed_out < SEE_CANCEL_S
    # The event loop kept running while the engine ran in its thread.
    assert len([t for t in ticks if t < timed_out]) >= 5
    time.sleep(0.3)
    assert "c_queued" not in waiters.started
    assert_no_breaker_charged(dg, tmp_path)


def test_a_cancel_token_in_the_config_stops_a_sync_run(tmp_path: Path) -> None:
    waiters = Waiters()
    dg = graph_of([waiters.scanner("a_first", expected=1)], tmp_path, max_workers=1)
    token = CancelToken()
    threading.Timer(0.2, token.cancel).start()
    with pytest.raises(DiscoveryCancelled) as caught:
        dg.graph.invoke({"trade_date": DAY}, {"configurable": {"discovery_cancel": token}})
    assert [r["status"] for r in caught.value.scanner_runs] == ["cancelled"]
    assert token.scanner_runs == caught.value.scanner_runs
    assert_no_breaker_charged(dg, tmp_path)


def test_the_engine_keeps_finished_records_and_cancels_the_rest() -> None:
    waiters = Waiters()
    quick = make_scanner("quick", lambda ctx: [])
    jobs = [
        ScanJob(quick(), {}, 5.0),
        ScanJob(waiters.scanner("slow", expected=1)(), {}, 5.0),
    ]
    token = CancelToken()

    def cancel_when_started() -> None:
        waiters.all_started.wait(10)
        token.cancel()

    threading.Thread(target=cancel_when_started, daemon=True).start()
    with pytest.raises(DiscoveryCancelled) as caught:
        run_scanners(
            jobs, trade_date=date(2026, 11, 20), policy=ExecutionPolicy(max_workers=1), cancel=token
        )
    statuses = {r["name"]: r["status"] for r in caught.value.scanner_runs}
    assert statuses == {"quick": "ok", "slow": "cancelled"}


# -- providers stop sending -------------------------------------------------------------------


@pytest.fixture
def hanging() -> Iterator[RawServer]:
    # Drops each connection after 0.6 s, so a client that retries sends another request.
    with raw_server("silent", hang_s=0.6) as server:
        yield server


class Client(ProviderClient):
    provider = "test"


def retrying_client(url: str) -> Client:
    client = Client(RequestsTransport(), base_url=url)
    retry = RetryPolicy(max_attempts=5, initial_backoff_s=0.01, max_backoff_s=0.01, jitter_s=0)
    client.resilience = Resilience(retry=retry)
    return client


def test_the_hanging_server_is_retried_when_nothing_is_cancelled(hanging: RawServer) -> None:
    """The control: without a cancel, the dropped request is retried (a second request)."""
    client = retrying_client(hanging.url)
    client.resilience = Resilience(
        retry=RetryPolicy(max_attempts=2, initial_backoff_s=0.01, max_backoff_s=0.01, jitter_s=0)
    )
    with pytest.raises(Exception):  # noqa: B017, PT011  # dropped twice: a connection error
        client.get(None, "/quote", tool="quote")
    assert len(hanging.requests) == 2


def test_after_wait_for_cancels_ainvoke_no_new_request_is_sent(
    hanging: RawServer, tmp_path: Path
) -> None:
    errors: list[BaseException] = []
    ended = threading.Event()

    def scan(ctx: ScanContext) -> list[Any]:
        try:
            retrying_client(hanging.url).get(ctx, "/quote", tool="quote")
        except BaseException as exc:
            errors.append(exc)
            raise
        finally:
            ended.set()
        return []

    dg = graph_of([make_scanner("fetching", scan)], tmp_path, max_workers=1)

    async def main() -> float:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(dg.graph.ainvoke({"trade_date": DAY}), 0.3)
        return time.monotonic()

    start = time.monotonic()
    back = asyncio.run(main())
    assert back - start < 0.3 + CONTROL_BACK_S
    assert hanging.first.is_set()
    cancelled_at = back
    # The request in flight ends when the server drops it (0.6 s); a retry would follow at once.
    assert ended.wait(5)
    time.sleep(0.5)
    assert len(hanging.requests) == 1
    assert not [t for t in hanging.requests if t > cancelled_at]
    assert isinstance(errors[0], ProviderCancelled)
    assert_no_breaker_charged(dg, tmp_path)
