"""Incremental price history: cached sessions are never fetched again, only the missing ones.

The Yahoo answers here are synthetic (a small in-memory market), built in the documented shape of
the chart and quote endpoints; the parsers themselves are tested on real recorded charts in
tests/providers/test_yahoo.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest

from tradingagents.calendar import is_session
from tradingagents.config import load_config
from tradingagents.discovery import ScanContext
from tradingagents.http import Request, Response
from tradingagents.scanners.bar_cache import cache_path, read_cached
from tradingagents.scanners.history import HistorySet, load_history
from tradingagents.services import RunServices
from tradingagents.wiring import build_hub

THU, FRI, TUE = date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 24)
TODAY = date(2026, 11, 30)  # every trade date here is a finished session
SYMBOLS = ("AAA", "BBB", "CCC", "DDD", "EEE")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def at(day: date) -> str:
    """A daily bar's stamp: 09:30 New York (EST) of ``day``, in epoch seconds."""
    return str(_epoch(datetime(day.year, day.month, day.day, 14, 30, tzinfo=UTC)))


def _day(epoch: str) -> date:
    return datetime.fromtimestamp(int(epoch), UTC).date()


class Market:
    """A synthetic Yahoo serving daily charts and batch quotes, counting requests.

    ``split``/``dividend`` map a symbol to the ex-date of an event Yahoo now knows about: its
    history is re-adjusted (closes halved / adjusted closes down 1 %) and the chart's events
    name it; ``unapplied`` ones are named in the events with the prices left as they were.
    ``rescaled`` symbols have every close 5 % higher, with no event (a correction).
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.split: dict[str, date] = {}
        self.dividend: dict[str, date] = {}
        self.rescaled: set[str] = set()
        #: Events Yahoo lists before it re-adjusts the history (the prices stay as they were).
        self.unapplied: dict[str, date] = {}
        self.quote_day = FRI
        self.leak = False  # answer one bar past the range asked for
        self.actions: set[str] = set()  # symbols quoted with a pending corporate action
        self._lock = threading.Lock()

    def close(self, symbol: str, day: date) -> float:
        price = 20.0 + 10 * SYMBOLS.index(symbol) + (day.toordinal() % 17) * 0.5
        price /= 2 if symbol in self.split else 1
        return price * (1.05 if symbol in self.rescaled else 1.0)

    def bar(self, symbol: str, day: date) -> dict[str, float]:
        close = self.close(symbol, day)
        adj = close * (0.99 if symbol in self.dividend and day < self.dividend[symbol] else 1)
        volume = float(1_000_000 + day.toordinal() % 1000)
        return {
            **{"open": close * 0.99, "high": close * 1.01, "low": close * 0.98},
            **{"close": close, "adj": adj, "volume": volume},
        }

    def chart(self, symbol: str, first: date, last: date) -> dict[str, Any]:
        days = [first + timedelta(n) for n in range((last - first).days + 1)]
        days = [d for d in days if is_session(d)]
        if self.leak:
            days.append(last + timedelta(days=3))
        bars = [self.bar(symbol, d) for d in days]
        column: Callable[[str], list[float]] = lambda k: [b[k] for b in bars]  # noqa: E731
        events: dict[str, Any] = {}
        if symbol in self.split and first <= self.split[symbol] <= last:
            events["splits"] = {at(self.split[symbol]): {"numerator": 2, "denominator": 1}}
        if symbol in self.unapplied and first <= self.unapplied[symbol] <= last:
            events["splits"] = {at(self.unapplied[symbol]): {"numerator": 3, "denominator": 2}}
        if symbol in self.dividend and first <= self.dividend[symbol] <= last:
            events["dividends"] = {at(self.dividend[symbol]): {"amount": 0.3}}
        result = {
            "meta": {"symbol": symbol, "exchangeTimezoneName": "America/New_York"},
            "timestamp": [int(at(d)) for d in days],
            "indicators": {
                "quote": [{k: column(k) for k in ("open", "high", "low", "close", "volume")}],
                "adjclose": [{"adjclose": column("adj")}],
            },
            "events": events,
        }
        return {"chart": {"result": [result], "error": None}}

    def quotes(self, symbols: list[str]) -> dict[str, Any]:
        day = self.quote_day
        before = day - timedelta(days=1)
        while not is_session(before):
            before -= timedelta(days=1)
        close_time = _epoch(datetime(day.year, day.month, day.day, 21, tzinfo=UTC))  # 16:00 EST
        rows = []
        for symbol in symbols:
            bar = self.bar(symbol, day)
            rows.append(
                {
                    "symbol": symbol,
                    "regularMarketTime": close_time,
                    "regularMarketOpen": bar["open"],
                    "regularMarketDayHigh": bar["high"],
                    "regularMarketDayLow": bar["low"],
                    "regularMarketPrice": bar["close"],
                    "regularMarketVolume": int(bar["volume"]),
                    "regularMarketPreviousClose": self.close(symbol, before),
                    "exchangeTimezoneName": "America/New_York",
                    "corporateActions": [{"header": "Split"}] if symbol in self.actions else [],
                }
            )
        return {"quoteResponse": {"result": rows, "error": None}}

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        with self._lock:
            self.requests.append(request)
        if "/v8/finance/chart/" in request.url:
            symbol = request.url.rsplit("/", 1)[-1]
            last = _day(request.params["period2"]) - timedelta(days=1)
            body = self.chart(symbol, _day(request.params["period1"]), last)
        elif request.url.endswith("/v7/finance/quote"):
            body = self.quotes(request.params["symbols"].split(","))
        else:
            return Response(status=404, body=b"{}", headers={})
        return Response(
            status=200, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    def charts(self) -> list[Request]:
        return [r for r in self.requests if "/chart/" in r.url]

    def quote_requests(self) -> list[Request]:
        return [r for r in self.requests if r.url.endswith("/quote")]

    def take(self) -> list[Request]:
        taken, self.requests = self.requests, []
        return taken


def load(
    market: Market, cache: Path, day: date, symbols: tuple[str, ...] = SYMBOLS, **history: Any
) -> tuple[HistorySet, list[str]]:
    """One run's shared history load for ``day``; its bars and the scanner's warnings."""
    config = load_config(
        {
            "discovery": {
                "source": {"mode": "live"},
                "price_history": history,
                "resilience": {
                    "cache": {"enabled": False},
                    "breaker": {"enabled": False},
                    # Requests are counted, not paced: Yahoo's 5/s would only slow the suite.
                    "rate_limits": {"yahoo": {"per_second": 500}},
                },
            }
        }
    )
    hub = build_hub(config, transport=market)
    services = RunServices(hub, trade_date=day, cache_dir=cache, today=lambda: TODAY)
    ctx = ScanContext(
        scanner="s", trade_date=day, config={}, deadline=time.monotonic() + 30, services=services
    )
    loaded = load_history(ctx, symbols)
    return loaded, ctx._take_warnings()


def cold(day: date, market: Market, tmp_path: Path) -> HistorySet:
    """What a run with an empty cache loads for ``day`` from the same market."""
    fresh = Market()
    fresh.split, fresh.dividend, fresh.rescaled = market.split, market.dividend, market.rescaled
    fresh.unapplied = market.unapplied
    return load(fresh, tmp_path / f"cold-{day}", day)[0]


def same_bars(got: HistorySet, expected: HistorySet) -> None:
    assert not got.errors and list(got.bars) == list(expected.bars)
    for symbol, bars in expected.bars.items():
        pd.testing.assert_frame_equal(got.bars[symbol], bars, check_freq=False)


def symbol_of(request: Request) -> str:
    return request.url.rsplit("/", 1)[-1]


def test_cached_bars_are_never_fetched_again(tmp_path: Path) -> None:
    market = Market()
    first, _ = load(market, tmp_path, FRI)
    assert sorted(symbol_of(r) for r in market.take()) == list(SYMBOLS)  # one chart each, cold
    again, warnings = load(market, tmp_path, FRI)
    assert market.requests == [] and warnings == []
    same_bars(again, first)
    assert first.bars["AAA"].index[-1] == pd.Timestamp(FRI)


def test_a_new_trade_date_fetches_only_the_missing_sessions(tmp_path: Path) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    got, _ = load(market, tmp_path, TUE)  # Fri 20, Mon 23 and Tue 24 are missing
    charts = market.take()
    assert sorted(symbol_of(r) for r in charts) == list(SYMBOLS)
    # From the last cached session (the overlap checks adjustments) through the trade date.
    assert {(_day(r.params["period1"]), _day(r.params["period2"])) for r in charts} == {
        (THU, TUE + timedelta(days=1))
    }
    same_bars(got, cold(TUE, market, tmp_path))
    assert read_cached(cache_path(tmp_path, "AAA")) is not None


@pytest.mark.parametrize(("batch", "requests"), [(50, 1), (2, 3)])
def test_only_the_trade_date_missing_takes_batch_quotes(
    tmp_path: Path, batch: int, requests: int
) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    got, _ = load(market, tmp_path, FRI, quote_batch_size=batch)
    asked = market.take()
    assert market.charts() == [] and len(asked) == requests  # no chart at all
    assert sorted(s for r in asked for s in r.params["symbols"].split(",")) == list(SYMBOLS)
    same_bars(got, cold(FRI, market, tmp_path))
    load(market, tmp_path, FRI)
    assert market.requests == []  # the quoted session is cached too


def test_a_quote_of_another_session_falls_back_to_the_chart(tmp_path: Path) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    market.quote_day = date(2026, 11, 23)  # a session has started since the trade date
    got, _ = load(market, tmp_path, FRI)
    assert len(market.quote_requests()) == 1
    charts = market.charts()
    assert sorted(symbol_of(r) for r in charts) == list(SYMBOLS)
    assert {_day(r.params["period1"]) for r in charts} == {THU}  # missing range, not a refetch
    same_bars(got, cold(FRI, market, tmp_path))


def readjust(market: Market, event: str, ex_date: date) -> None:
    if event == "split":
        market.split["BBB"] = ex_date
    elif event == "dividend":
        market.dividend["BBB"] = ex_date
    elif event == "unapplied":
        market.unapplied["BBB"] = ex_date
    else:
        market.rescaled.add("BBB")


def full_window(requests: list[Request], day: date) -> list[str]:
    return [symbol_of(r) for r in requests if _day(r.params["period1"]) == day - timedelta(400)]


def test_a_quote_with_a_corporate_action_leaves_that_symbol_to_its_chart(
    tmp_path: Path,
) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    market.actions.add("DDD")
    got, _ = load(market, tmp_path, FRI)
    assert len(market.quote_requests()) == 1
    assert [(symbol_of(r), _day(r.params["period1"])) for r in market.charts()] == [("DDD", THU)]
    same_bars(got, cold(FRI, market, tmp_path))


@pytest.mark.parametrize("event", ["split", "dividend", "unapplied", "rescaled"])
def test_an_adjustment_in_a_new_chart_refetches_that_symbol_only(
    tmp_path: Path, event: str
) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    readjust(market, event, date(2026, 11, 23))
    got, _ = load(market, tmp_path, TUE)
    charts = market.charts()
    assert full_window(charts, TUE) == ["BBB"]  # the whole window, of that symbol only
    # Before that, each symbol's missing range, BBB's included (which showed the event).
    assert sorted(symbol_of(r) for r in charts if _day(r.params["period1"]) == THU) == list(SYMBOLS)
    same_bars(got, cold(TUE, market, tmp_path))


@pytest.mark.parametrize("event", ["split", "rescaled"])
def test_a_changed_previous_close_in_a_quote_refetches_that_symbol_only(
    tmp_path: Path, event: str
) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    readjust(market, event, FRI)
    got, _ = load(market, tmp_path, FRI)
    assert len(market.quote_requests()) == 1
    assert [symbol_of(r) for r in market.charts()] == ["BBB"] == full_window(market.charts(), FRI)
    same_bars(got, cold(FRI, market, tmp_path))


def test_a_dividend_going_ex_on_a_quoted_session_is_caught_by_the_next_chart(
    tmp_path: Path,
) -> None:
    market = Market()
    load(market, tmp_path, THU)
    market.take()
    readjust(market, "dividend", FRI)
    got, _ = load(market, tmp_path, FRI)
    # The quote's previous close is the one cached: the prices scanners read are right...
    expected = cold(FRI, market, tmp_path)
    assert market.charts() == []
    pd.testing.assert_series_equal(got.bars["BBB"]["close"], expected.bars["BBB"]["close"])
    # ...and the cache says its adjustment is only as of Thursday's chart,
    cached = read_cached(cache_path(tmp_path, "BBB"))
    assert cached is not None and (cached.through, cached.adjusted_through) == (FRI, THU)
    # so the next chart request starts there, sees the dividend and refetches the window.
    market.take()
    got, _ = load(market, tmp_path, TUE)
    assert full_window(market.charts(), TUE) == ["BBB"]
    same_bars(got, cold(TUE, market, tmp_path))


def test_bars_after_the_trade_date_are_neither_served_nor_cached(tmp_path: Path) -> None:
    market = Market()
    market.leak = True
    got, _ = load(market, tmp_path, FRI)
    assert all(bars.index[-1] == pd.Timestamp(FRI) for bars in got.bars.values())
    cached = read_cached(cache_path(tmp_path, "AAA"))
    assert cached is not None and cached.bars.index[-1] == pd.Timestamp(FRI)


def test_a_corrupt_cache_file_is_fetched_again_with_a_warning(tmp_path: Path) -> None:
    market = Market()
    load(market, tmp_path, FRI)
    market.take()
    cache_path(tmp_path, "CCC").write_bytes(b"PAR1 not really")
    got, warnings = load(market, tmp_path, FRI)
    assert [symbol_of(r) for r in market.take()] == ["CCC"]
    assert len(warnings) == 1 and "CCC: unreadable price cache" in warnings[0]
    same_bars(got, cold(FRI, market, tmp_path))
    load(market, tmp_path, FRI)
    assert market.requests == []  # rewritten whole


def test_symbols_with_odd_characters_stay_one_cache_file(tmp_path: Path) -> None:
    path = cache_path(tmp_path, "BRK/B")
    assert path.parent.parent == tmp_path / "history" and quote("BRK/B", safe="") in str(path)
