"""Forward returns of picks: next session's open to the close h sessions later, adjusted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import pandas as pd


class BarSource(Protocol):
    """Where forward returns read daily bars: a bar archive, or the live price-history cache."""

    @property
    def last_day(self) -> date:
        """The last session whose bars are known; a window ending later is "not yet known"."""
        ...

    def frame(self, symbol: str) -> pd.DataFrame | None:
        """The symbol's bars (the chart parser's columns, a date index), None if it has none."""
        ...


@dataclass(frozen=True)
class Window:
    """A holding period: bought at ``entry``'s open, sold at ``exit``'s close."""

    entry: date
    exit: date


def window(day: date, horizon: int, sessions: Sequence[date]) -> Window | None:
    """The ``horizon``-session window after the pick ``day``: entry at the next session's open,
    exit at the close ``horizon`` sessions later counting the entry session (1: the entry
    session's close). None when ``sessions`` (sorted) do not reach that far."""
    start = int(
        np.searchsorted(
            np.asarray(sessions, dtype="datetime64[D]"), np.datetime64(day, "D"), side="right"
        )
    )
    end = start + horizon - 1
    if end >= len(sessions):
        return None
    return Window(sessions[start], sessions[end])


@dataclass(frozen=True)
class Adjusted:
    """A symbol's adjusted opens and closes by date (opens scaled by adj_close / close)."""

    opens: Mapping[date, float]
    closes: Mapping[date, float]
    last: date | None

    @classmethod
    def of(cls, frame: pd.DataFrame | None) -> Adjusted:
        if frame is None or frame.empty:
            return cls({}, {}, None)
        close = frame["close"].to_numpy(dtype="float64")
        adj = frame["adj_close"].to_numpy(dtype="float64")
        # Dividends and splits move adj_close away from close; the open is scaled alike, so the
        # open-to-close return of a window spanning an ex-date is the holder's return.
        with np.errstate(divide="ignore", invalid="ignore"):
            opens = frame["open"].to_numpy(dtype="float64") * (adj / close)
        days = [stamp.date() for stamp in pd.DatetimeIndex(frame.index)]
        return cls(
            {d: float(v) for d, v in zip(days, opens, strict=True) if np.isfinite(v) and v > 0},
            {d: float(v) for d, v in zip(days, adj, strict=True) if np.isfinite(v) and v > 0},
            max(days),
        )


@dataclass(frozen=True)
class Outcome:
    """A window's return, or None with the reason it is unknown."""

    value: float | None
    reason: str | None = None


def not_yet_known(span: Window | None, last_day: date) -> str:
    if span is None:
        return f"not yet known: the window ends after {last_day.isoformat()}, the last bar"
    return (
        f"not yet known: the window ends {span.exit.isoformat()}, after the last bar "
        f"({last_day.isoformat()})"
    )


def window_return(
    prices: Adjusted, span: Window | None, last_day: date, missing: str | None = None
) -> Outcome:
    """Adjusted close at the exit over adjusted open at the entry, minus 1.

    A window past the data's last day is "not yet known"; a symbol without a bar in a known
    window keeps its reason (e.g. delisted after its last bar, or ``missing``: why its bars
    could not be loaded), never a made-up return.
    """
    if span is None or span.exit > last_day:
        return Outcome(None, not_yet_known(span, last_day))
    if prices.last is None:
        if missing is not None:
            return Outcome(None, f"no bars at all: {missing}")
        return Outcome(None, "no bars at all (missing from the data)")
    if prices.last < span.entry:
        return Outcome(None, f"no bars after {prices.last.isoformat()} (delisted or missing)")
    entry = prices.opens.get(span.entry)
    if entry is None:
        return Outcome(None, f"no bar on the entry session {span.entry.isoformat()}")
    exit_ = prices.closes.get(span.exit)
    if exit_ is None:
        if prices.last < span.exit:
            return Outcome(None, f"no bars after {prices.last.isoformat()} (delisted or missing)")
        return Outcome(None, f"no bar on the exit session {span.exit.isoformat()}")
    return Outcome(exit_ / entry - 1.0)


class Returns:
    """Window returns of symbols, benchmark and universe average, each computed once."""

    def __init__(
        self,
        source: BarSource,
        sessions: Sequence[date],
        *,
        benchmark: str,
        universe: Iterable[str],
        missing: Mapping[str, str] | None = None,
    ) -> None:
        """``missing`` says why a symbol has no bars (a load that failed), for its reason."""
        self.source = source
        self.missing = dict(missing or {})
        self.sessions = list(sessions)
        self.last_day = source.last_day
        self.benchmark = benchmark
        self.universe = tuple(universe)
        self._prices: dict[str, Adjusted] = {}
        self._returns: dict[tuple[str, Window | None], Outcome] = {}
        self._universe: dict[Window | None, Outcome] = {}

    def prices(self, symbol: str) -> Adjusted:
        found = self._prices.get(symbol)
        if found is None:
            found = self._prices[symbol] = Adjusted.of(self.source.frame(symbol))
        return found

    def span(self, day: date, horizon: int) -> Window | None:
        return window(day, horizon, self.sessions)

    def of(self, symbol: str, span: Window | None) -> Outcome:
        key = (symbol, span)
        found = self._returns.get(key)
        if found is None:
            found = self._returns[key] = window_return(
                self.prices(symbol), span, self.last_day, self.missing.get(symbol)
            )
        return found

    def universe_mean(self, span: Window | None) -> Outcome:
        """The equal-weighted mean return of the universe's symbols known for the window."""
        found = self._universe.get(span)
        if found is None:
            values = [o.value for s in self.universe if (o := self.of(s, span)).value is not None]
            if values:
                found = Outcome(float(np.mean(values)))
            elif self.universe:
                found = Outcome(None, self.of(self.universe[0], span).reason)
            else:
                found = Outcome(None, "the universe is empty")
            self._universe[span] = found
        return found


#: The columns :func:`forward_rows` adds to each pick row, per horizon.
RETURN_COLUMNS = (
    "horizon",
    "entry_date",
    "exit_date",
    "forward_return",
    "benchmark_return",
    "universe_return",
    "excess_benchmark",
    "excess_universe",
    "return_reason",
)


def forward_rows(picks: pd.DataFrame, horizons: Sequence[int], returns: Returns) -> pd.DataFrame:
    """One row per pick and horizon: the pick's columns and its window's returns.

    ``picks`` needs ``trade_date`` (a date) and ``ticker``; a pick whose return is unknown is
    kept with ``return_reason`` and null returns.
    """
    records: list[dict[str, object]] = []
    for record in picks.to_dict("records"):
        pick = {str(key): value for key, value in record.items()}
        for horizon in horizons:
            records.append({**pick, **_one(pick, horizon, returns)})
    columns = [*picks.columns, *RETURN_COLUMNS]
    return pd.DataFrame.from_records(records, columns=columns)


def _one(pick: Mapping[str, object], horizon: int, returns: Returns) -> dict[str, object]:
    day = pick["trade_date"]
    assert isinstance(day, date)
    ticker = str(pick["ticker"])
    span = returns.span(day, horizon)
    own = returns.of(ticker, span)
    bench = returns.of(returns.benchmark, span)
    univ = returns.universe_mean(span)
    reason = own.reason
    if reason is None and bench.value is None:
        reason = f"benchmark {returns.benchmark}: {bench.reason}"
    return {
        "horizon": horizon,
        "entry_date": span.entry if span else None,
        "exit_date": span.exit if span else None,
        "forward_return": own.value,
        "benchmark_return": bench.value,
        "universe_return": univ.value,
        "excess_benchmark": _minus(own.value, bench.value),
        "excess_universe": _minus(own.value, univ.value),
        "return_reason": reason,
    }


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b
