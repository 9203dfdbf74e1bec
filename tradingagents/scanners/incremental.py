"""Incremental daily history: cached sessions are never fetched again, only the missing ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from tradingagents.calendar import is_session
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.fanout import MapResult
from tradingagents.providers.yahoo import PriceHistory, SessionQuote, YahooClient
from tradingagents.scanners.bar_cache import (
    CachedBars,
    CorruptCache,
    cache_path,
    read_cached,
    write_cached,
)
from tradingagents.services import RunServices


def missing_sessions(through: date, end: date, *, at_most: int = 2) -> tuple[date, ...]:
    """The NYSE sessions after ``through`` up to ``end``, the first ``at_most`` of them: the
    loader only needs to tell none, the trade date alone, and more apart."""
    found: list[date] = []
    day = through + timedelta(days=1)
    while day <= end and len(found) < at_most:
        if is_session(day):
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


def load_incremental(
    ctx: ScanContext,
    services: RunServices,
    symbols: Sequence[str],
    start: date,
    end: date,
) -> MapResult[str, pd.DataFrame]:
    """Each symbol's bars from ``start`` through ``end``, from its cache plus what it lacks:
    nothing when it covers ``end``; the trade date alone from one batch quote request per
    ``price_history.quote_batch_size`` symbols; else one chart request for the missing range.
    A split, dividend or changed close in new data refetches that symbol's whole window."""
    yahoo = services.providers.yahoo
    settings = services.providers.config.price_history
    paths = {symbol: cache_path(services.cache_dir, symbol) for symbol in symbols}
    read = ctx.map(lambda symbol: read_cached(paths[symbol]), symbols, catch=CorruptCache)
    cached: dict[str, CachedBars | None] = dict(read.results)
    for symbol, exc in read.errors:
        ctx.warn(f"{symbol}: unreadable price cache {paths[symbol]} ({exc}); fetched again")
        cached[symbol] = None

    quotes = _batch_quotes(ctx, yahoo, settings.quote_batch_size, cached, start, end)

    def one(symbol: str) -> pd.DataFrame:
        loader = _Symbol(
            ctx, yahoo, settings.adjustment_tolerance, symbol, paths[symbol], start, end
        )
        bars = loader.load(cached[symbol], quotes.get(symbol))
        return bars.loc[bars.index >= pd.Timestamp(start)]

    return ctx.map(one, symbols)


def _batch_quotes(
    ctx: ScanContext,
    yahoo: YahooClient,
    size: int,
    cached: dict[str, CachedBars | None],
    start: date,
    end: date,
) -> dict[str, SessionQuote]:
    wanted = [
        symbol
        for symbol, bars in cached.items()
        if bars is not None
        and bars.start <= start
        and missing_sessions(bars.through, end) == (end,)
    ]
    batches = [tuple(wanted[i : i + size]) for i in range(0, len(wanted), size)]
    # A failed batch is no error of its symbols: each falls back to its own chart request.
    got = ctx.map(lambda batch: yahoo.quotes(ctx, batch), batches)
    return {row.symbol: row for _, rows in got.results for row in rows}


class _Symbol:
    """Brings one symbol's cache up to the trade date."""

    def __init__(
        self,
        ctx: ScanContext,
        yahoo: YahooClient,
        tolerance: float,
        symbol: str,
        path: Path,
        start: date,
        end: date,
    ) -> None:
        self.ctx = ctx
        self.yahoo = yahoo
        self.tolerance = tolerance
        self.symbol = symbol
        self.path = path
        self.start = start
        self.end = end

    def load(self, cached: CachedBars | None, quote: SessionQuote | None) -> pd.DataFrame:
        if cached is None or cached.start > self.start:
            return self.full()
        if not missing_sessions(cached.through, self.end):
            return cached.bars
        if quote is not None:
            verdict = self.from_quote(cached, quote)
            if verdict == "readjusted":
                return self.full()
            if isinstance(verdict, CachedBars):
                write_cached(self.path, verdict)
                return verdict.bars
        return self.from_chart(cached)

    def full(self) -> pd.DataFrame:
        history = self.yahoo.chart(self.ctx, self.symbol, start=self.start, end=self.end)
        bars = self.through_end(history.bars)
        write_cached(self.path, CachedBars(bars, self.start, self.end, self.end))
        return bars

    def from_quote(self, cached: CachedBars, quote: SessionQuote) -> CachedBars | str | None:
        """The cache with the trade date's bar from ``quote``; "readjusted" when the quote's
        previous close says the cached prices were adjusted since; None to ask the chart."""
        values = (quote.open, quote.high, quote.low, quote.close, quote.volume)
        # A quote of another session (one has started since, or the symbol did not trade) or
        # with corporate actions pending is no bar to append: the chart decides.
        if quote.session != self.end or quote.corporate_actions or None in values:
            return None
        bars = cached.bars
        if quote.previous_close is None or bars.empty:
            return None
        if self.differs(float(bars["close"].iloc[-1]), quote.previous_close):
            return "readjusted"
        open_, high, low, close, volume = (float(v) for v in values if v is not None)
        row = pd.DataFrame(
            # The newest bar's adjusted close is its close: no later event adjusts it yet.
            {"open": open_, "high": high, "low": low, "close": close, "adj_close": close}
            | {"volume": volume},
            index=pd.DatetimeIndex([pd.Timestamp(self.end)], name=bars.index.name),
            dtype="float64",
        )
        return CachedBars(
            pd.concat([bars, row[list(bars.columns)]]),
            cached.start,
            self.end,
            cached.adjusted_through,
        )

    def from_chart(self, cached: CachedBars) -> pd.DataFrame:
        bars = cached.bars
        # From the last chart-verified bar: the overlap shows whether Yahoo re-adjusted since,
        # and bars appended from quotes are replaced by the chart's.
        verified = bars.index[bars.index <= pd.Timestamp(cached.adjusted_through)]
        anchor = verified.max().date() if len(verified) else cached.adjusted_through
        history = self.yahoo.chart(self.ctx, self.symbol, start=anchor, end=self.end)
        if self.readjusted(cached, history):
            return self.full()
        new = self.through_end(history.bars)
        merged = pd.concat([bars.loc[bars.index < pd.Timestamp(anchor)], new])
        merged = merged[~merged.index.duplicated(keep="last")].sort_index(kind="stable")
        write_cached(self.path, CachedBars(merged, cached.start, self.end, self.end))
        return merged

    def readjusted(self, cached: CachedBars, history: PriceHistory) -> bool:
        """A split or dividend after the cached adjustment, or a cached close that moved."""
        events = [s.date for s in history.splits] + [d.date for d in history.dividends]
        if any(day > cached.adjusted_through for day in events):
            return True
        common = cached.bars.index.intersection(history.bars.index)
        old = cached.bars.loc[common, ["close", "adj_close"]].to_numpy(dtype="float64")
        new = history.bars.loc[common, ["close", "adj_close"]].to_numpy(dtype="float64")
        return bool((abs(new - old) > self.tolerance * abs(old)).any())

    def through_end(self, bars: pd.DataFrame) -> pd.DataFrame:
        # A bar after the trade date is never cached: it would pass for a covered session.
        return bars.loc[bars.index <= pd.Timestamp(self.end)]

    def differs(self, cached: float, new: float) -> bool:
        return abs(new - cached) > self.tolerance * max(abs(cached), 1e-12)
