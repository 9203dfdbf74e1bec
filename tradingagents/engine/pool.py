"""The engine's default executor: an elastic pool of daemon threads that never blocks exit."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_Work = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
_ids = itertools.count(1)


class DaemonThreadPool(Executor):
    """Runs each submitted call on an idle daemon thread, starting a new one when none is idle.

    Written by hand because the standard library has no pool that fits: ``ThreadPoolExecutor``
    joins its (non-daemon) workers at interpreter exit, so one hung API call keeps the process
    alive, and its fixed size lets hung calls starve the queue. Here a hung call only ever
    occupies its own daemon thread; the engine, not the pool, bounds how many scanners run at
    once (``max_workers``) and stops counting a scanner once its deadline has passed.
    Idle threads exit after ``idle_timeout`` seconds.
    """

    def __init__(
        self, *, thread_name_prefix: str = "tradingagents-scanner", idle_timeout: float = 5.0
    ):
        self._prefix = thread_name_prefix
        self._idle_timeout = idle_timeout
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0  # workers waiting for work, minus work queued for them
        self._threads = 0
        self._shutdown = False

    @property
    def thread_count(self) -> int:
        """Threads alive right now (busy, idle or hung)."""
        with self._lock:
            return self._threads

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a DaemonThreadPool after shutdown")
            self._queue.put((future, fn, args, kwargs))
            if self._idle > 0:
                self._idle -= 1
            else:
                self._threads += 1
                thread = threading.Thread(
                    target=self._work, name=f"{self._prefix}-{next(_ids)}", daemon=True
                )
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self._idle_timeout)
            except queue.Empty:
                with self._lock:
                    # Exit only if no queued work counts on this thread being idle.
                    if self._idle > 0:
                        self._idle -= 1
                        self._threads -= 1
                        return
                continue
            if item is None:
                with self._lock:
                    self._threads -= 1
                return
            future, fn, args, kwargs = item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del item, future, fn, args, kwargs
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting work and let idle threads exit. Busy threads finish their call first.

        ``wait`` is accepted for the Executor interface but never waits for a busy thread:
        waiting on a hung scanner is exactly what this pool exists to avoid.
        """
        with self._lock:
            if self._shutdown:
                return
            self._shutdown = True
            if cancel_futures:
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[0].cancel()
            for _ in range(self._threads):
                self._queue.put(None)
