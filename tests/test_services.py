"""RunServices.shared: one load however many threads ask; deadlines and failures per waiter."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tradingagents.config import load_config
from tradingagents.discovery import ScanContext
from tradingagents.errors import ProviderTimeout, ScannerTimeout, SharedLoadError
from tradingagents.services import RunServices
from tradingagents.wiring import build_hub

DAY = date(2026, 11, 20)


def services(tmp_path: Path) -> RunServices:
    return RunServices(build_hub(load_config(None)), trade_date=DAY, cache_dir=tmp_path)


def ctx(seconds: float = 10.0) -> ScanContext:
    return ScanContext(scanner="s", trade_date=DAY, config={}, deadline=time.monotonic() + seconds)


def test_eight_threads_asking_for_the_same_thing_cause_one_load(tmp_path: Path) -> None:
    run = services(tmp_path)
    calls: list[int] = []
    start = threading.Barrier(8)
    results: list[Any] = []

    def load(_: ScanContext) -> str:
        calls.append(1)
        time.sleep(0.2)
        return "universe"

    def worker() -> None:
        start.wait()
        results.append(run.shared("k", ctx(), load))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert calls == [1]
    assert results == ["universe"] * 8


def test_a_waiter_gives_up_at_its_own_deadline(tmp_path: Path) -> None:
    run = services(tmp_path)
    release = threading.Event()
    owner = threading.Thread(target=run.shared, args=("k", ctx(), lambda c: release.wait(5)))
    owner.start()
    time.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(ScannerTimeout, match="waiting for the shared load"):
        run.shared("k", ctx(0.2), lambda c: "never")
    assert time.monotonic() - started < 1.0
    release.set()
    owner.join(5)


def test_an_owner_that_ran_out_of_time_hands_the_load_to_the_next_waiter(tmp_path: Path) -> None:
    run = services(tmp_path)
    loads: list[str] = []

    def slow_then_fail(c: ScanContext) -> str:
        loads.append(c.scanner)
        if len(loads) == 1:
            time.sleep(0.1)
            raise ProviderTimeout("the first loader's deadline", provider="yahoo")
        return "loaded"

    errors: list[BaseException] = []

    def first() -> None:
        try:
            run.shared("k", ctx(0.1), slow_then_fail)
        except BaseException as exc:
            errors.append(exc)

    owner = threading.Thread(target=first)
    owner.start()
    time.sleep(0.02)
    assert run.shared("k", ctx(5), slow_then_fail) == "loaded"
    owner.join(5)
    assert len(loads) == 2 and isinstance(errors[0], ProviderTimeout)


def test_other_failures_are_shared_with_the_waiters(tmp_path: Path) -> None:
    run = services(tmp_path)

    def broken(c: ScanContext) -> str:
        time.sleep(0.1)
        raise ValueError("bad payload")

    failures: list[BaseException] = []

    def first() -> None:
        try:
            run.shared("k", ctx(), broken)
        except ValueError as exc:
            failures.append(exc)

    owner = threading.Thread(target=first)
    owner.start()
    time.sleep(0.02)
    with pytest.raises(SharedLoadError, match="ValueError: bad payload"):
        run.shared("k", ctx(), broken)
    owner.join(5)
    assert len(failures) == 1  # the owner sees its own error; the waiter a SharedLoadError


def test_a_waiter_shows_the_shared_load_as_its_call_in_flight(tmp_path: Path) -> None:
    """A scanner timed out while waiting on another's load says so, not 'no call in flight'."""
    run = services(tmp_path)
    release = threading.Event()
    owner = threading.Thread(target=run.shared, args=("bars", ctx(), lambda c: release.wait(5)))
    owner.start()
    time.sleep(0.05)
    waiter = ctx(5.0)
    seen: list[list[str]] = []
    done = threading.Thread(target=run.shared, args=("bars", waiter, lambda c: "never"))
    done.start()
    time.sleep(0.1)
    seen.append([f"{c.tool} {c.detail}" for c in waiter.calls_in_flight()])
    release.set()
    done.join(5)
    owner.join(5)
    assert seen == [["shared load key=bars"]]
    assert waiter.calls_in_flight() == []  # no longer waiting once the load is done
