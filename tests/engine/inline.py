"""An executor that runs each task inside submit(), so a test decides when time passes."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each submitted task at once on the caller's thread (the engine's monitor).

    The monitor then cannot look at the clock while a scanner runs: with a FakeClock the
    scanner advances, whether its result is kept depends on the clock alone, never on which
    thread takes the lock first. ``before`` runs ahead of each task (to advance the clock
    between the dispatch and the start).
    """

    def __init__(self, before: Callable[[], None] | None = None) -> None:
        self.before = before

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        if self.before is not None:
            self.before()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future
