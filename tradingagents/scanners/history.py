"""Daily price history of the universe, loaded once per run for every OHLCV scanner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from tradingagents.calendar import previous_session
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.fanout import budget_warning
from tradingagents.errors import ProviderBudgetExhausted, ProviderError, ScannerSkipped
from tradingagents.replay.bars import BarArchive, SymbolNotInArchive
from tradingagents.scanners.incremental import load_incremental
from tradingagents.services import RunServices

# 400 calendar days hold the ~260 sessions a 200-day average needs, with room for holidays.
LOOKBACK_DAYS = 400


@dataclass(frozen=True)
class HistorySet:
    """Bars per symbol, cut at the trade date (no look-ahead), and why any symbol is missing:
    ``errors`` for a failed fetch, ``skipped`` for a fetch not sent because a provider's request
    budget for the run ran out (the symbol counts as skipped for budget, not as an error)."""

    bars: Mapping[str, pd.DataFrame]
    errors: Mapping[str, str]
    skipped: Mapping[str, ProviderBudgetExhausted] = field(default_factory=dict)


def services_of(ctx: ScanContext) -> RunServices:
    services = ctx.services
    if not isinstance(services, RunServices):
        raise TypeError("this scanner needs ctx.services (run it through DiscoveryGraph)")
    return services


def load_history(ctx: ScanContext, symbols: Sequence[str]) -> HistorySet:
    """The universe's daily bars up to ``ctx.trade_date``, shared by all scanners of the run."""
    services = services_of(ctx)
    key = f"history:{ctx.trade_date}:{','.join(symbols)}"
    return services.shared(key, ctx, lambda c: _load(c, services, tuple(symbols)))


def _load(ctx: ScanContext, services: RunServices, symbols: tuple[str, ...]) -> HistorySet:
    end = ctx.trade_date
    start = end - timedelta(days=LOOKBACK_DAYS)
    if services.bars is not None:
        return _from_archive(services.bars, symbols, start, end)
    if _cacheable(services, end):
        loaded = load_incremental(ctx, services, symbols, start, end)
    else:
        yahoo = services.providers.yahoo
        # One chart per symbol, fetched concurrently (ctx.map, bounded by
        # scanner_execution.fan_out and Yahoo's rate limit).
        loaded = ctx.map(lambda s: yahoo.chart(ctx, s, start=start, end=end).bars, symbols)
    # Both mappings stay in universe order; nothing after the trade date is ever served.
    errors = {symbol: f"{type(exc).__name__}: {exc}" for symbol, exc in loaded.errors}
    bars = {s: cut_at(frame, end) for s, frame in loaded.results}
    if services.archive is not None:
        # A warm price cache served most of these bars without a request: the run's archive
        # keeps them as read, so its replay serves the scanners exactly these bars.
        services.archive.add_bars(bars)
    return HistorySet(bars, errors, dict(loaded.skipped))


def _from_archive(
    archive: BarArchive, symbols: tuple[str, ...], start: date, end: date
) -> HistorySet:
    """The same window a chart request asks for, read from ``archive`` (no provider call, so
    any date works); a symbol the archive lacks is that symbol's error, as a failed fetch is."""
    bars: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    for symbol in symbols:
        try:
            bars[symbol] = archive.bars(symbol, since=start, through=end)
        except SymbolNotInArchive as exc:
            errors[symbol] = f"{type(exc).__name__}: {exc}"
    return HistorySet(bars, errors)


def require_bars(ctx: ScanContext, history: HistorySet) -> Mapping[str, pd.DataFrame]:
    """The bars that loaded; an error if none did, a warning naming those that did not.

    A price scanner with no prices must fail loudly, never report "0 candidates". Symbols
    skipped for budget get one warning for all of them (the scanner's coverage counts them).
    """
    skipped = budget_warning(history.skipped.values())
    if skipped is not None and not history.bars and not history.errors:
        # Our own budget stopped it, not the provider: skipped with the reason (no breaker).
        raise ScannerSkipped(f"no price history: {skipped}")
    if skipped is not None:
        ctx.warn(skipped)
    if history.errors and not history.bars:
        first = next(iter(history.errors.items()))
        raise ProviderError(
            f"no price history for any of {len(history.errors)} symbols "
            f"(first: {first[0]}: {first[1]})"
        )
    if history.errors:
        missing = ", ".join(f"{s}: {e}" for s, e in list(history.errors.items())[:3])
        more = f" and {len(history.errors) - 3} more" if len(history.errors) > 3 else ""
        ctx.warn(f"price history missing for {len(history.errors)} symbols ({missing}{more})")
    return history.bars


def histories(ctx: ScanContext, needs: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each universe symbol with at least ``needs`` daily bars, in universe order; a symbol with
    fewer gets a warning (its signal cannot be computed), never a silent skip."""
    history = load_history(ctx, universe_of(ctx))
    report_coverage(ctx, history)
    for symbol, bars in require_bars(ctx, history).items():
        if len(bars) < needs:
            ctx.warn(short_history(symbol, len(bars), needs))
            continue
        yield symbol, bars


def report_coverage(ctx: ScanContext, history: HistorySet) -> None:
    """Tell ``ctx`` how much of the universe ``history`` covers: a symbol is stale when its
    newest bar is older than the trade date's session (a stale cached copy served after an
    error, a halted symbol); ``data_as_of`` is the newest bar of all. A symbol whose fetch was
    not sent for budget is asked but not answered, and counted in ``skipped_budget``."""
    session, _ = previous_session(ctx.trade_date)
    last = [bars.index.max().date() for bars in history.bars.values() if len(bars)]
    ctx.coverage.add(
        asked=len(history.bars) + len(history.errors) + len(history.skipped),
        answered=len(history.bars),
        skipped_budget=len(history.skipped),
        # A symbol answered without a single bar has no data of the session either.
        stale=sum(day < session for day in last) + len(history.bars) - len(last),
        data_as_of=max(last, default=None),
    )


def short_history(symbol: str, bars: int, needs: int) -> str:
    """The warning for a symbol with too few bars for a signal, e.g. "AAPL: 150 bars, needs 200".

    One per symbol, so the record's warning count is the number of symbols not judged.
    """
    return f"{symbol}: {bars} bars, needs {needs}"


def cut_at(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    """Bars on or before ``day``: whatever the source sends, nothing after the trade date leaks."""
    return frame.loc[frame.index <= pd.Timestamp(day)]


def _cacheable(services: RunServices, end: date) -> bool:
    # Only live data is cached: a replay snapshot already is a local, immutable copy. And only
    # finished sessions: today's bar is still moving and would be served stale all day.
    return services.providers.is_live and end < services.today()


def universe_of(ctx: ScanContext) -> tuple[str, ...]:
    """The symbols of the run's universe (``discovery.universe``): the list, or its source's
    filtered listing, loaded once per run (a scanner waits within its own deadline)."""
    return services_of(ctx).symbols(ctx)
