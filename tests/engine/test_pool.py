"""The engine's daemon pool: reuses idle threads, never blocks on a hung call."""

from __future__ import annotations

import threading
import time

import pytest

from tradingagents.engine import DaemonThreadPool


def on_a_daemon(i: int) -> tuple[int, bool]:
    return i, threading.current_thread().daemon


def test_runs_calls_on_daemon_threads_and_reuses_idle_ones() -> None:
    pool = DaemonThreadPool()
    try:
        for i in range(5):
            assert pool.submit(on_a_daemon, i).result(2) == (i, True)
            time.sleep(0.01)  # let the worker go idle again
        assert pool.thread_count == 1
    finally:
        pool.shutdown()


def test_a_hung_call_does_not_block_the_next_one() -> None:
    pool = DaemonThreadPool()
    release = threading.Event()
    try:
        pool.submit(release.wait, 5)
        assert pool.submit(lambda: "ran").result(1) == "ran"
        assert pool.thread_count == 2
    finally:
        release.set()
        pool.shutdown()


def test_exceptions_reach_the_future() -> None:
    pool = DaemonThreadPool()
    try:
        with pytest.raises(ZeroDivisionError):
            pool.submit(lambda: 1 / 0).result(1)
    finally:
        pool.shutdown()


def test_shutdown_refuses_new_work_and_idle_threads_exit() -> None:
    pool = DaemonThreadPool(idle_timeout=0.1)
    pool.submit(lambda: None).result(1)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: None)
    deadline = time.monotonic() + 2
    while pool.thread_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.thread_count == 0


def test_idle_threads_time_out() -> None:
    pool = DaemonThreadPool(idle_timeout=0.05)
    pool.submit(lambda: None).result(1)
    deadline = time.monotonic() + 2
    while pool.thread_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.thread_count == 0
    assert pool.submit(lambda: 7).result(1) == 7  # a new thread is started on demand
    pool.shutdown()
