"""RunServices: what one discovery run shares among its scanners (clients, once-only loads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from tradingagents.archive.store import RunArchiver
from tradingagents.config._universe import UniverseSource
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import (
    ProviderTimeout,
    ScannerSkipped,
    ScannerTimeout,
    SharedLoadError,
    SnapshotError,
)
from tradingagents.providers.hub import ProviderHub
from tradingagents.replay.bars import BarArchive
from tradingagents.resilience.budget import RunBudgets
from tradingagents.resilience.metrics import RunMetrics
from tradingagents.resilience.ratelimit import RateLimitWouldExceedDeadline
from tradingagents.universe import Universe, resolve_universe

T = TypeVar("T")


class _Once:
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class RunServices:
    """Created per run by the discover node and handed to scanners as ``ctx.services``.

    ``shared(key, ctx, load)`` runs ``load`` once per run however many scanners (threads) ask,
    the others waiting, each within its own deadline, for that one result.

    Hand-written rather than cachetools' ``cached(condition=...)``, which also makes concurrent
    misses wait for the first: here each waiter must give up at its own deadline, and when the
    loader itself runs out of time the next waiter must take over instead of inheriting that
    failure. The memo lives for one run, so there is nothing to expire.
    """

    def __init__(
        self,
        providers: ProviderHub,
        *,
        trade_date: date,
        cache_dir: Path,
        universe: tuple[str, ...] | UniverseSource = (),
        today: Callable[[], date] = date.today,
        fan_out: int | None = None,
        bars: BarArchive | None = None,
    ) -> None:
        self._providers = providers
        #: Daily bars to read history from instead of the providers (point-in-time evaluation):
        #: cut at the trade date, so a run on any past date sees only what existed then.
        self.bars = bars
        self.trade_date = trade_date
        #: ``discovery.universe``: a list of symbols, or a source resolved by :meth:`symbols`.
        self.universe_setting = universe
        self.today = today
        #: Per-provider counters of this run (calls, retries, 429s, cache hits...).
        self.metrics = RunMetrics()
        #: Where this run's responses are archived (a live run's, set by the discover node).
        self.archive: RunArchiver | None = None
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._once: dict[str, _Once] = {}
        if fan_out is None:
            execution = providers.config.scanner_execution
            # Sequential mode means one call at a time (recording relies on it for latencies).
            fan_out = execution.fan_out if execution.concurrent else 1
        #: How many items of one ``ctx.map`` run at once (``scanner_execution.fan_out``).
        self.fan_out = fan_out

    @property
    def providers(self) -> ProviderHub:
        """The run's provider clients; refused when a snapshot is for another trade date."""
        snapshot = self._providers.snapshot
        if snapshot is not None and snapshot.trade_date != self.trade_date:
            raise SnapshotError(
                f"snapshot {snapshot.root} holds responses for {snapshot.trade_date}, "
                f"but this run is for {self.trade_date}"
            )
        return self._providers

    @property
    def budgets(self) -> RunBudgets:
        """This run's request budgets per provider (``discovery.providers.<name>.run_budget``),
        shared by all its scanners; a new run starts from zero."""
        with self._lock:
            budgets = self.__dict__.get("_budgets")
            if budgets is None:
                settings = self._providers.config.providers
                budgets = self.__dict__["_budgets"] = RunBudgets(
                    {name: s.run_budget for name, s in settings.items()}
                )
            return budgets

    @property
    def universe(self) -> tuple[str, ...]:
        """The universe given as a list; a source universe needs :meth:`symbols` (a load)."""
        if isinstance(self.universe_setting, UniverseSource):
            raise TypeError(
                f"discovery.universe is a {self.universe_setting.source} listing, resolved "
                "once per run: ask services.symbols(ctx) (scanners: universe_of(ctx))"
            )
        return self.universe_setting

    def symbols(self, ctx: ScanContext) -> tuple[str, ...]:
        """The run's universe: the configured list, or its source's listing on the trade date,
        filtered; loaded once per run for all scanners (:meth:`shared`)."""
        setting = self.universe_setting
        if not isinstance(setting, UniverseSource):
            return setting
        return self.resolved_universe(ctx).symbols

    def resolved_universe(self, ctx: ScanContext) -> Universe:
        """The source universe with its counts (listed, eligible); see :meth:`symbols`."""
        setting = self.universe_setting
        if not isinstance(setting, UniverseSource):
            raise TypeError("discovery.universe is a list of symbols, not a source")
        return self.shared(
            f"universe:{self.trade_date}",
            ctx,
            lambda c: resolve_universe(
                c, self.providers, setting, cache_dir=self.cache_dir, today=self.today
            ),
        )

    def shared(self, key: str, ctx: ScanContext, load: Callable[[ScanContext], T]) -> T:
        while True:
            with self._lock:
                once = self._once.get(key)
                owner = once is None
                if once is None:
                    once = self._once[key] = _Once()
            if owner:
                try:
                    once.value = load(ctx)
                except BaseException as exc:
                    once.error = exc
                    if _owner_ran_out_of_time(exc, ctx):
                        # The loader's own deadline is not the others': let the next waiter
                        # load it again within its deadline instead of inheriting this failure.
                        with self._lock:
                            self._once.pop(key, None)
                    raise
                finally:
                    once.done.set()
                return once.value  # type: ignore[no-any-return]
            # Marked in flight so that a timeout says the scanner was waiting on the load.
            with ctx.in_flight("shared load", {"key": key}):
                finished = once.done.wait(ctx.remaining())
            if not finished:
                raise ScannerTimeout(f"deadline passed waiting for the shared load {key!r}")
            if once.error is None or not _owner_ran_out_of_time(once.error, None):
                break
        if isinstance(once.error, ScannerSkipped):
            raise ScannerSkipped(str(once.error))
        if once.error is not None:
            raise SharedLoadError(
                f"shared load {key!r} failed: {type(once.error).__name__}: {once.error}"
            ) from once.error
        return once.value  # type: ignore[no-any-return]

    def require_current(self, ctx: ScanContext, what: str) -> None:
        """Skip live scanners whose data only exists "as of now" when the run is for another day.

        Screeners, option chains and hot posts cannot be asked about a past date; replaying a
        snapshot recorded on the trade date is point-in-time by construction.
        """
        if self._providers.is_live and ctx.trade_date != self.today():
            raise ScannerSkipped(
                f"{what} is only available for today in live mode; "
                f"replay a snapshot recorded on {ctx.trade_date} instead"
            )


def _owner_ran_out_of_time(exc: BaseException, ctx: ScanContext | None) -> bool:
    if ctx is not None and ctx.cancelled.is_set():
        return True
    return isinstance(exc, ScannerTimeout | ProviderTimeout | RateLimitWouldExceedDeadline)
