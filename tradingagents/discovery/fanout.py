"""Fan-out inside a scanner: per-item calls at once, within its deadline and cancellation."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from tradingagents.errors import ProviderBudgetExhausted

if TYPE_CHECKING:
    from tradingagents.discovery.context import ScanContext

T = TypeVar("T")
R = TypeVar("R")

#: ``scanner_execution.fan_out``'s default: how many items of one map run at once.
DEFAULT_FAN_OUT = 8

# How often a waiting map looks at the deadline and the cancel flag between item completions:
# a cancel flag is an Event, which cannot be waited on together with the completions.
_POLL_S = 0.02

#: The position, in its scanner's tool logs, of the map item the current thread runs: the
#: scanner's log mark when the map started, then the item's index (nested maps extend it).
ITEM_ORDER: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar(
    "tradingagents_map_item", default=()
)

# Set in mapping threads: a map inside an item runs in that thread, so a scanner never holds
# more than its bound of mapping threads, however its maps nest.
_inside = threading.local()


@dataclass(frozen=True)
class MapResult(Generic[T, R]):
    """What :meth:`ScanContext.map` returns, both in item order.

    ``results`` pairs each item that succeeded with its value; ``errors`` pairs each item that
    failed with an expected error (``catch``) with that error. The caller reports the errors
    as it did when it looped: a warning for a partial result, an error when nothing succeeded.

    ``skipped`` pairs each item whose call was not sent because a provider's request budget
    for the run ran out (:class:`ProviderBudgetExhausted`) with that error: no error of the
    item, but part of the scanner's coverage (``skipped_budget``), said once for the scanner
    (:func:`budget_warning`).
    """

    results: tuple[tuple[T, R], ...]
    errors: tuple[tuple[T, Exception], ...]
    skipped: tuple[tuple[T, ProviderBudgetExhausted], ...] = ()


def split_budget(
    errors: Iterable[tuple[T, Exception]],
) -> tuple[tuple[tuple[T, Exception], ...], tuple[tuple[T, ProviderBudgetExhausted], ...]]:
    """``errors`` apart from the items refused for budget: (errors, skipped), in item order."""
    failed: list[tuple[T, Exception]] = []
    skipped: list[tuple[T, ProviderBudgetExhausted]] = []
    for item, exc in errors:
        if isinstance(exc, ProviderBudgetExhausted):
            skipped.append((item, exc))
        else:
            failed.append((item, exc))
    return tuple(failed), tuple(skipped)


def budget_warning(skipped: Iterable[ProviderBudgetExhausted], what: str = "symbols") -> str | None:
    """The one warning of a scanner whose items were refused for budget, e.g. "14 symbols
    skipped because yahoo's budget of 10 requests for this run ran out"; None when none were."""
    by_provider: dict[str, tuple[int, int]] = {}
    for exc in skipped:
        provider = exc.provider or "a provider"
        count, _ = by_provider.get(provider, (0, exc.budget))
        by_provider[provider] = (count + 1, exc.budget)
    if not by_provider:
        return None
    return "; ".join(
        f"{count} {what} skipped because {provider}'s budget of {budget} requests for this "
        "run ran out"
        for provider, (count, budget) in sorted(by_provider.items())
    )


def fan_out_of(ctx: ScanContext) -> int:
    """The run's bound (``scanner_execution.fan_out``, 1 in sequential mode), from its services."""
    bound = getattr(ctx.services, "fan_out", None)
    return bound if isinstance(bound, int) and bound > 0 else DEFAULT_FAN_OUT


def _stopped(ctx: ScanContext) -> bool:
    return ctx.cancelled.is_set() or ctx.remaining() <= 0.0


def run_map(
    ctx: ScanContext,
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    limit: int | None,
    catch: type[Exception] | tuple[type[Exception], ...],
) -> MapResult[T, R]:
    """See :meth:`ScanContext.map`."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    todo = list(items)
    width = min(fan_out_of(ctx) if limit is None else limit, len(todo))
    if width <= 1 or getattr(_inside, "active", False):
        return _in_order(ctx, fn, todo, catch)
    return _Map(ctx, fn, todo, catch).run(width)


def _in_order(
    ctx: ScanContext,
    fn: Callable[[T], R],
    todo: list[T],
    catch: type[Exception] | tuple[type[Exception], ...],
) -> MapResult[T, R]:
    # Exactly the loop scanners had before there was a map: no thread, nothing reordered.
    results: list[tuple[T, R]] = []
    errors: list[tuple[T, Exception]] = []
    for item in todo:
        ctx.raise_if_cancelled()
        try:
            results.append((item, fn(item)))
        except catch as exc:
            errors.append((item, exc))
    return MapResult(tuple(results), *split_budget(errors))


class _Map(Generic[T, R]):
    """One concurrent map: daemon threads take the next item until none is left or it stops."""

    def __init__(
        self,
        ctx: ScanContext,
        fn: Callable[[T], R],
        todo: list[T],
        catch: type[Exception] | tuple[type[Exception], ...],
    ) -> None:
        self.ctx = ctx
        self.fn = fn
        self.todo = todo
        self.catch = catch
        self.cond = threading.Condition()
        self.values: list[tuple[bool, R | Exception] | None] = [None] * len(todo)
        self.next = 0
        self.running = 0
        self.finished = 0
        # Once set, no item starts; items in flight finish on their own and are ignored.
        self.stop = False
        self.fatal: BaseException | None = None
        self.order = (*ITEM_ORDER.get(), ctx._log_mark())

    def run(self, width: int) -> MapResult[T, R]:
        try:
            for number in range(width):
                # A context copy per thread: LangGraph finds its run (stream writer, callbacks)
                # through context variables, and one Context cannot be entered by two threads.
                context = contextvars.copy_context()
                threading.Thread(
                    target=context.run,
                    args=(self._work,),
                    name=f"{self.ctx.scanner}-map-{number}",
                    daemon=True,  # abandoned at the deadline like a hung scanner, never joined
                ).start()
        except BaseException:
            with self.cond:
                self.stop = True
            raise
        with self.cond:
            try:
                while self.finished < len(self.todo):
                    if self.fatal is not None and self.running == 0:
                        break
                    if _stopped(self.ctx):
                        self.ctx.raise_if_cancelled()
                    self.cond.wait(min(_POLL_S, self.ctx.remaining()))
            finally:
                self.stop = True
            if self.fatal is not None:
                raise self.fatal
        return self._result()

    def _result(self) -> MapResult[T, R]:
        results: list[tuple[T, R]] = []
        errors: list[tuple[T, Exception]] = []
        for item, value in zip(self.todo, self.values, strict=True):
            assert value is not None
            ok, payload = value
            if ok:
                results.append((item, payload))  # type: ignore[arg-type]
            else:
                assert isinstance(payload, Exception)
                errors.append((item, payload))
        return MapResult(tuple(results), *split_budget(errors))

    def _work(self) -> None:
        _inside.active = True
        while True:
            with self.cond:
                if self.stop or self.fatal is not None or self.next >= len(self.todo):
                    return
                if _stopped(self.ctx):
                    self.cond.notify_all()
                    return
                index = self.next
                self.next += 1
                self.running += 1
            outcome: tuple[bool, R | Exception] | None = None
            fatal: BaseException | None = None
            token = ITEM_ORDER.set((*self.order, index))
            try:
                outcome = (True, self.fn(self.todo[index]))
            except self.catch as exc:
                outcome = (False, exc)
            except BaseException as exc:  # re-raised in the scanner's thread
                fatal = exc
            finally:
                ITEM_ORDER.reset(token)
            with self.cond:
                self.running -= 1
                if outcome is not None:
                    self.values[index] = outcome
                    self.finished += 1
                elif self.fatal is None:
                    self.fatal = fatal
                self.cond.notify_all()
