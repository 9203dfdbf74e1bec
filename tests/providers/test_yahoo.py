"""Yahoo Finance: parsers on real recorded payloads, the client over HTTP, the yfinance seam."""

from __future__ import annotations

import copy
import datetime
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import requests
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import (
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderParseError,
    ProviderRateLimited,
    ProviderResponseTooLarge,
    ProviderTimeout,
)
from tradingagents.http import RequestsTransport
from tradingagents.providers.yahoo import (
    Dividend,
    Split,
    YahooClient,
    YfinanceTransport,
    parse_chart,
    parse_options,
    parse_screener,
)

UTC = datetime.UTC
NEW_YORK = ZoneInfo("America/New_York")
GAINERS = ("yahoo_screener", "day_gainers_count5_2025-02-21.json")
LOSERS = ("yahoo_screener", "day_losers_count5_2025-02-21.json")
AAPL_CHART = ("yahoo_chart", "chart_AAPL_1d_2020-08-31_2020-11-07_div_split_earn.json")
MSFT_CHART = ("yahoo_chart", "chart_MSFT_1d_2021-02-01_2022-01-31_div.json")
AAPL_OPTIONS = ("options", "yahoo_v7_options_AAPL_2025-02-24.json")
ALL_PAYLOADS = [GAINERS, LOSERS, AAPL_CHART, MSFT_CHART, AAPL_OPTIONS]
PARSER_OF: dict[str, Callable[[Any], Any]] = {
    "yahoo_screener": parse_screener,
    "yahoo_chart": parse_chart,
    "options": parse_options,
}


def read(real: Path, name: tuple[str, str]) -> bytes:
    return (real / name[0] / name[1]).read_bytes()


def loaded(real: Path, name: tuple[str, str]) -> Any:
    """A private, mutable copy of a real payload, for the malformed-payload tests."""
    return copy.deepcopy(json.loads(read(real, name)))


def make_ctx() -> ScanContext:
    return ScanContext(
        scanner="t",
        trade_date=datetime.date(2025, 2, 21),
        config={},
        deadline=time.monotonic() + 10,
    )


def parse_error(parse: Callable[[Any], Any], payload: Any) -> ProviderParseError:
    with pytest.raises(ProviderParseError) as info:
        parse(payload)
    assert info.value.provider == "yahoo"
    assert "yahoo" in str(info.value)
    assert info.value.field is not None and info.value.field in str(info.value)
    return info.value


# ---------------------------------------------------------------- screener


def test_day_gainers(real: Path) -> None:
    result = parse_screener(read(real, GAINERS))
    assert result.screener_id == "day_gainers"
    assert result.total == 76
    assert [q.symbol for q in result.quotes] == ["U", "FTAI", "DBRG", "HAS", "GDS"]
    unity = result.quotes[0]
    assert unity.name == "Unity Software Inc."
    assert unity.price == 28.0
    assert unity.change == pytest.approx(6.53)
    assert unity.change_pct == pytest.approx(30.4145)  # percent already, not 0.304145
    assert unity.volume == 61_661_819
    assert unity.avg_volume_3m == 9_879_577
    assert unity.market_cap == 11_279_519_744
    assert (unity.exchange, unity.quote_type, unity.currency) == ("NYQ", "EQUITY", "USD")
    assert result.quotes[1].price == pytest.approx(143.82)
    assert result.quotes[1].change_pct == pytest.approx(14.369787)
    assert [q.exchange for q in result.quotes] == ["NYQ", "NMS", "NYQ", "NMS", "NGM"]
    pcts = [q.change_pct for q in result.quotes]
    assert pcts == sorted(pcts, reverse=True) and min(pcts) > 3


def test_day_losers(real: Path) -> None:
    result = parse_screener(read(real, LOSERS))
    assert result.screener_id == "day_losers"
    assert result.total == 259
    assert [q.symbol for q in result.quotes] == ["TFII", "WRD", "FRPT", "FCN", "NICE"]
    tfii = result.quotes[0]
    assert tfii.price == pytest.approx(101.48)
    assert tfii.change == pytest.approx(-26.13)
    assert tfii.change_pct == pytest.approx(-20.4764)
    assert tfii.volume == 1_595_550
    # shortName wins over longName ("WeRide Inc."), as Yahoo displays it.
    assert result.quotes[1].name == "WERIDE INC."
    assert all(q.change_pct < -2.5 for q in result.quotes)


def test_screener_accepts_text_and_decoded_payloads(real: Path) -> None:
    raw = read(real, GAINERS)
    assert parse_screener(raw.decode()) == parse_screener(json.loads(raw)) == parse_screener(raw)


def test_screener_name_falls_back_to_long_name(real: Path) -> None:
    data = loaded(real, GAINERS)
    del data["finance"]["result"][0]["quotes"][0]["shortName"]
    assert parse_screener(data).quotes[0].name == "Unity Software Inc."


def test_screener_keeps_missing_optional_values_as_none(real: Path) -> None:
    data = loaded(real, GAINERS)
    quote = data["finance"]["result"][0]["quotes"][0]
    for key in ("regularMarketVolume", "marketCap", "regularMarketChange", "shortName", "longName"):
        del quote[key]
    unity = parse_screener(data).quotes[0]
    assert (unity.volume, unity.market_cap, unity.change, unity.name) == (None, None, None, None)


def test_screener_records_are_frozen(real: Path) -> None:
    unity = parse_screener(read(real, GAINERS)).quotes[0]
    with pytest.raises(ValueError, match="frozen"):
        unity.price = 1.0  # type: ignore[misc]


def test_screener_missing_quotes(real: Path) -> None:
    data = loaded(real, GAINERS)
    del data["finance"]["result"][0]["quotes"]
    assert parse_error(parse_screener, data).field == "finance.result.0.quotes"


@pytest.mark.parametrize(
    ("key", "value"),
    [("regularMarketPrice", "28.00"), ("regularMarketChangePercent", "30.41%"), ("symbol", 7)],
)
def test_screener_wrong_types(real: Path, key: str, value: Any) -> None:
    data = loaded(real, GAINERS)
    data["finance"]["result"][0]["quotes"][2][key] = value
    assert parse_error(parse_screener, data).field == f"finance.result.0.quotes.2.{key}"


@pytest.mark.parametrize("key", ["regularMarketPrice", "regularMarketChangePercent", "symbol"])
def test_screener_missing_required_quote_field(real: Path, key: str) -> None:
    data = loaded(real, LOSERS)
    del data["finance"]["result"][0]["quotes"][4][key]
    assert parse_error(parse_screener, data).field == f"finance.result.0.quotes.4.{key}"


def test_screener_fractional_volume_is_an_error(real: Path) -> None:
    data = loaded(real, GAINERS)
    data["finance"]["result"][0]["quotes"][0]["regularMarketVolume"] = 1.5
    error = parse_error(parse_screener, data)
    assert error.field == "finance.result.0.quotes.0.regularMarketVolume"


def test_screener_error_envelope() -> None:
    payload = {
        "finance": {
            "result": None,
            "error": {"code": "Unauthorized", "description": "Invalid Crumb"},
        }
    }
    error = parse_error(parse_screener, payload)
    assert error.field == "finance.error"
    assert "API error" in str(error) and "Invalid Crumb" in str(error)


def test_screener_empty_result() -> None:
    error = parse_error(parse_screener, {"finance": {"result": [], "error": None}})
    assert error.field == "finance.result.0"


# ---------------------------------------------------------------- chart


def test_aapl_chart_bars_split_and_dividend(real: Path) -> None:
    history = parse_chart(read(real, AAPL_CHART))
    assert (history.symbol, history.currency) == ("AAPL", "USD")
    bars = history.bars
    assert list(bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert all(str(dtype) == "float64" for dtype in bars.dtypes)
    assert isinstance(bars.index, pd.DatetimeIndex)
    assert bars.index.name == "date" and bars.index.tz is None
    assert bars.index.is_monotonic_increasing and bars.index.is_unique
    assert len(bars) == 49
    assert bars.index[0] == pd.Timestamp("2020-08-31")
    assert bars.index[-1] == pd.Timestamp("2020-11-06")
    first = bars.iloc[0]
    # Yahoo's OHLC is split-adjusted: the split day closes near 129, not near the pre-split 500.
    assert first["close"] == pytest.approx(129.04, abs=0.01)
    assert first["open"] == pytest.approx(127.58, abs=0.01)
    assert (first["high"], first["low"]) == (131.0, 126.0)
    assert first["volume"] == 225_702_700
    assert first["adj_close"] == pytest.approx(125.8267, abs=1e-3)
    assert bars["close"].between(100, 140).all()
    assert history.splits == (Split(date=datetime.date(2020, 8, 31), numerator=4, denominator=1),)
    assert history.dividends == (Dividend(date=datetime.date(2020, 11, 6), amount=0.205),)


def test_chart_dates_are_exchange_local_trading_dates(real: Path) -> None:
    data = json.loads(read(real, AAPL_CHART))
    stamps = data["chart"]["result"][0]["timestamp"]
    expected = [datetime.datetime.fromtimestamp(t, NEW_YORK).date() for t in stamps]
    history = parse_chart(data)
    assert [ts.date() for ts in history.bars.index] == expected
    assert all(ts.hour == 0 and ts.minute == 0 for ts in history.bars.index)
    assert all(ts.weekday() < 5 for ts in history.bars.index)
    assert pd.Timestamp("2020-09-07") not in history.bars.index  # Labor Day


def test_msft_chart_a_year_with_four_dividends(real: Path) -> None:
    history = parse_chart(read(real, MSFT_CHART))
    assert history.symbol == "MSFT"
    assert len(history.bars) == 252
    assert history.bars.index[0] == pd.Timestamp("2021-02-01")
    assert history.bars.index[-1] == pd.Timestamp("2022-01-28")
    assert history.bars["close"].iloc[0] == pytest.approx(239.65, abs=0.01)
    assert history.bars["adj_close"].iloc[0] == pytest.approx(231.1865, abs=1e-3)
    assert history.splits == ()
    assert [(d.date.isoformat(), d.amount) for d in history.dividends] == [
        ("2021-02-17", 0.56),
        ("2021-05-19", 0.56),
        ("2021-08-18", 0.56),
        ("2021-11-17", 0.62),
    ]
    assert {ts.date() for ts in history.bars.index} >= {d.date for d in history.dividends}


def test_chart_drops_bars_with_a_null_close(real: Path) -> None:
    data = loaded(real, MSFT_CHART)
    quote = data["chart"]["result"][0]["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close", "volume"):
        quote[key][5] = None
    quote["open"][6] = None  # a null open alone keeps the bar, as NaN
    history = parse_chart(data)
    assert len(history.bars) == 251
    assert pd.Timestamp("2021-02-08") not in history.bars.index
    day = pd.Timestamp("2021-02-09")
    assert math.isnan(history.bars["open"][day])
    assert history.bars["close"][day] == pytest.approx(243.77, abs=0.01)


def test_chart_sorts_bars(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    result = data["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    adj = result["indicators"]["adjclose"][0]
    for series in (result["timestamp"], adj["adjclose"], *quote.values()):
        series.reverse()
    assert parse_chart(data).bars.equals(parse_chart(read(real, AAPL_CHART)).bars)


def test_chart_adj_close_falls_back_to_close(real: Path) -> None:
    data = loaded(real, MSFT_CHART)
    del data["chart"]["result"][0]["indicators"]["adjclose"]
    bars = parse_chart(data).bars
    assert bars["adj_close"].equals(bars["close"])


def test_chart_time_zone_and_gmtoffset_fallback(real: Path) -> None:
    # An ASX bar opens at 10:00 Sydney time, i.e. 23:00 UTC the day before.
    data = loaded(real, AAPL_CHART)
    result = data["chart"]["result"][0]
    result["meta"].update(exchangeTimezoneName="Australia/Sydney", gmtoffset=39600)
    sydney_open = int(datetime.datetime(2025, 2, 23, 23, 0, tzinfo=UTC).timestamp())
    result["timestamp"] = [sydney_open]
    for series in (*result["indicators"]["quote"][0].values(), result["indicators"]["adjclose"][0]):
        values = series if isinstance(series, list) else series["adjclose"]
        del values[1:]
    result["events"] = {}
    assert list(parse_chart(data).bars.index) == [pd.Timestamp("2025-02-24")]
    del result["meta"]["exchangeTimezoneName"]
    assert list(parse_chart(data).bars.index) == [pd.Timestamp("2025-02-24")]
    del result["meta"]["gmtoffset"]
    assert parse_error(parse_chart, data).field == "chart.result.0.meta.exchangeTimezoneName"


def test_chart_of_a_range_without_trading_days(real: Path) -> None:
    data = loaded(real, MSFT_CHART)
    result = data["chart"]["result"][0]
    del result["timestamp"], result["events"]
    result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    history = parse_chart(data)
    assert history.bars.empty
    assert list(history.bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert (history.splits, history.dividends) == ((), ())


@pytest.mark.parametrize("key", ["close", "volume", "open"])
def test_chart_arrays_of_different_lengths(real: Path, key: str) -> None:
    data = loaded(real, MSFT_CHART)
    data["chart"]["result"][0]["indicators"]["quote"][0][key].pop()
    error = parse_error(parse_chart, data)
    assert error.field == f"chart.result.0.indicators.quote.0.{key}"
    assert "251 values for 252 timestamps" in str(error)


def test_chart_adjclose_of_a_different_length(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    data["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"].append(1.0)
    assert parse_error(parse_chart, data).field == "chart.result.0.indicators.adjclose.0.adjclose"


def test_chart_string_in_a_price_array(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    data["chart"]["result"][0]["indicators"]["quote"][0]["close"][3] = "131.40"
    assert parse_error(parse_chart, data).field == "chart.result.0.indicators.quote.0.close.3"


def test_chart_bad_timestamp(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    data["chart"]["result"][0]["timestamp"][2] = "1599053400"
    assert parse_error(parse_chart, data).field == "chart.result.0.timestamp.2"


def test_chart_missing_quote_series(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    data["chart"]["result"][0]["indicators"]["quote"] = []
    assert parse_error(parse_chart, data).field == "chart.result.0.indicators.quote.0"


def test_chart_bad_events(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    data["chart"]["result"][0]["events"]["dividends"]["1604673000"]["amount"] = None
    assert (
        parse_error(parse_chart, data).field == "chart.result.0.events.dividends.1604673000.amount"
    )
    data = loaded(real, AAPL_CHART)
    data["chart"]["result"][0]["events"]["splits"]["1598880600"]["denominator"] = 0
    assert parse_error(parse_chart, data).field == "chart.result.0.events.splits.1598880600"


def test_chart_event_date_falls_back_to_its_key(real: Path) -> None:
    data = loaded(real, AAPL_CHART)
    del data["chart"]["result"][0]["events"]["splits"]["1598880600"]["date"]
    assert parse_chart(data).splits[0].date == datetime.date(2020, 8, 31)


def test_chart_error_envelope() -> None:
    payload = {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
    error = parse_error(parse_chart, payload)
    assert error.field == "chart.error"
    assert "Not Found" in str(error) and "delisted" in str(error)


# ---------------------------------------------------------------- options


def test_aapl_option_chain(real: Path) -> None:
    chain = parse_options(read(real, AAPL_OPTIONS))
    assert chain.underlying == "AAPL"
    assert chain.underlying_price == pytest.approx(245.55)
    assert len(chain.expiration_dates) == 20
    assert chain.expiration_dates[0] == datetime.date(2025, 2, 28)
    assert chain.expiration_dates[-1] == datetime.date(2027, 6, 17)
    assert len(chain.strikes) == 58
    assert chain.strikes[:2] == (100.0, 110.0) and chain.strikes[-1] == 330.0
    (expiry,) = chain.expiries
    assert expiry.expiration == datetime.date(2025, 2, 28)
    assert (len(expiry.calls), len(expiry.puts)) == (54, 48)
    assert all("C" in c.contract_symbol[4:] for c in expiry.calls)
    assert all(c.expiration == expiry.expiration for c in (*expiry.calls, *expiry.puts))
    assert sum(c.in_the_money is True for c in expiry.calls) == 30


def test_untraded_contracts_keep_volume_none(real: Path) -> None:
    expiry = parse_options(read(real, AAPL_OPTIONS)).expiries[0]
    untraded = expiry.calls[0]
    assert untraded.contract_symbol == "AAPL250228C00110000"
    assert untraded.volume is None  # absent in the payload: unknown, not 0
    assert untraded.open_interest == 0
    assert (untraded.strike, untraded.last_price) == (110.0, 111.67)
    assert (untraded.bid, untraded.ask) == (135.9, 136.65)
    assert untraded.implied_volatility == pytest.approx(3.5859, abs=1e-4)
    assert untraded.in_the_money is True
    assert untraded.last_trade == datetime.datetime(2025, 1, 21, 19, 20, 2, tzinfo=UTC)
    assert [c.contract_symbol for c in expiry.calls if c.volume is None] == ["AAPL250228C00110000"]
    assert [p.contract_symbol for p in expiry.puts if p.volume is None] == [
        "AAPL250228P00267500",
        "AAPL250228P00277500",
        "AAPL250228P00280000",
    ]
    assert sum(c.volume or 0 for c in expiry.calls) == 182_476
    assert sum(p.volume or 0 for p in expiry.puts) == 159_505
    atm = next(c for c in expiry.calls if c.strike == 245)
    assert (atm.contract_symbol, atm.volume, atm.last_price) == ("AAPL250228C00245000", 16227, 3.45)
    assert expiry.puts[0].volume == 1


def test_options_without_quote_has_no_underlying_price(real: Path) -> None:
    data = loaded(real, AAPL_OPTIONS)
    del data["optionChain"]["result"][0]["quote"]
    assert parse_options(data).underlying_price is None


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r["options"][0]["calls"][3].update(strike="120"), "options.0.calls.3.strike"),
        (
            lambda r: r["options"][0]["puts"][1].pop("contractSymbol"),
            "options.0.puts.1.contractSymbol",
        ),
        (lambda r: r["options"][0]["puts"][0].update(volume="1"), "options.0.puts.0.volume"),
        (
            lambda r: r["options"][0]["calls"][0].update(inTheMoney="yes"),
            "options.0.calls.0.inTheMoney",
        ),
        (lambda r: r["options"][0].pop("calls"), "options.0.calls"),
        (lambda r: r.pop("options"), "options"),
        (lambda r: r["expirationDates"].__setitem__(4, None), "expirationDates.4"),
        (lambda r: r["strikes"].__setitem__(0, "100"), "strikes.0"),
        (lambda r: r.update(underlyingSymbol=None), "underlyingSymbol"),
    ],
)
def test_options_malformed(real: Path, mutate: Callable[[Any], Any], field: str) -> None:
    data = loaded(real, AAPL_OPTIONS)
    mutate(data["optionChain"]["result"][0])
    assert parse_error(parse_options, data).field == f"optionChain.result.0.{field}"


def test_options_error_envelope() -> None:
    payload = {"optionChain": {"result": None, "error": {"code": "Not Found", "description": "x"}}}
    assert parse_error(parse_options, payload).field == "optionChain.error"


# ---------------------------------------------------------------- every payload


@pytest.mark.parametrize("name", ALL_PAYLOADS, ids=lambda name: name[1])
def test_truncated_payload(real: Path, name: tuple[str, str]) -> None:
    raw = read(real, name)
    error = parse_error(PARSER_OF[name[0]], raw[: len(raw) // 2])
    assert error.field == "<body>"
    assert "invalid JSON" in str(error)


@pytest.mark.parametrize("name", ALL_PAYLOADS, ids=lambda name: name[1])
@pytest.mark.parametrize("payload", [b"", b"null", b"[]", b'{"unexpected": {}}', b"<html>"])
def test_not_a_yahoo_envelope(name: tuple[str, str], payload: bytes) -> None:
    parse_error(PARSER_OF[name[0]], payload)


# ---------------------------------------------------------------- client over HTTP


@pytest.fixture
def client(httpserver: HTTPServer) -> YahooClient:
    return YahooClient(RequestsTransport(), base_url=httpserver.url_for("/"))


def test_client_screener(httpserver: HTTPServer, client: YahooClient, real: Path) -> None:
    body = read(real, GAINERS)
    httpserver.expect_oneshot_request(
        "/v1/finance/screener/predefined/saved",
        method="GET",
        query_string={"scrIds": "day_gainers", "count": "5", "lang": "en-US", "region": "US"},
    ).respond_with_data(body, content_type="application/json")
    ctx = make_ctx()
    result = client.screener(ctx, "day_gainers", count=5)
    assert result.total == 76 and result.quotes[0].symbol == "U"
    httpserver.check_assertions()
    (log,) = ctx._close()
    assert log["tool"] == "yahoo.screener" and log["scanner"] == "t"
    assert "scrIds=day_gainers" in log["parameters"]["url"]
    assert log["output"] == f"HTTP 200, {len(body)} bytes"
    assert log["error"] is None and log["duration_s"] >= 0


def test_client_chart(httpserver: HTTPServer, client: YahooClient, real: Path) -> None:
    # The recorded request asked for period1=1598832000&period2=1604707200 (2020-08-31..11-07).
    httpserver.expect_oneshot_request(
        "/v8/finance/chart/AAPL",
        query_string={
            "period1": "1598832000",
            "period2": "1604707200",
            "interval": "1d",
            "events": "div|split",
            "includePrePost": "false",
        },
    ).respond_with_data(read(real, AAPL_CHART), content_type="application/json")
    ctx = make_ctx()
    history = client.chart(
        ctx, "AAPL", start=datetime.date(2020, 8, 31), end=datetime.date(2020, 11, 6)
    )
    assert len(history.bars) == 49 and history.splits[0].numerator == 4
    httpserver.check_assertions()
    (log,) = ctx._close()
    assert log["tool"] == "yahoo.chart" and "/v8/finance/chart/AAPL" in log["parameters"]["url"]


@pytest.mark.parametrize(("symbol", "raw_path"), [("^GSPC", "%5EGSPC"), ("BRK/B", "BRK%2FB")])
def test_client_chart_keeps_the_symbol_one_path_segment(
    httpserver: HTTPServer, client: YahooClient, real: Path, symbol: str, raw_path: str
) -> None:
    httpserver.expect_oneshot_request(f"/v8/finance/chart/{symbol}").respond_with_data(
        read(real, MSFT_CHART), content_type="application/json"
    )
    client.chart(None, symbol, start=datetime.date(2021, 2, 1), end=datetime.date(2022, 1, 31))
    httpserver.check_assertions()
    request, _ = httpserver.log[0]
    assert request.environ["RAW_URI"].startswith(f"/v8/finance/chart/{raw_path}?")


def test_client_options(httpserver: HTTPServer, client: YahooClient, real: Path) -> None:
    body = read(real, AAPL_OPTIONS)
    httpserver.expect_oneshot_request("/v7/finance/options/AAPL").respond_with_data(
        body, content_type="application/json"
    )
    httpserver.expect_oneshot_request(
        "/v7/finance/options/AAPL", query_string={"date": "1740700800"}
    ).respond_with_data(body, content_type="application/json")
    ctx = make_ctx()
    nearest = client.options(ctx, "AAPL")
    dated = client.options(ctx, "AAPL", expiration=datetime.date(2025, 2, 28))
    assert nearest == dated
    assert (
        nearest.underlying_price == pytest.approx(245.55) and len(nearest.expiries[0].calls) == 54
    )
    httpserver.check_assertions()
    assert [dict(request.args) for request, _ in httpserver.log] == [{}, {"date": "1740700800"}]
    assert [log["tool"] for log in ctx._close()] == ["yahoo.options", "yahoo.options"]


@pytest.mark.parametrize("status", [404, 500])
def test_client_http_errors(httpserver: HTTPServer, client: YahooClient, status: int) -> None:
    httpserver.expect_request("/v8/finance/chart/NOPE").respond_with_json(
        {"chart": {"result": None, "error": {"code": "Not Found", "description": "x"}}},
        status=status,
    )
    ctx = make_ctx()
    with pytest.raises(ProviderHTTPError) as info:
        client.chart(ctx, "NOPE", start=datetime.date(2025, 2, 3), end=datetime.date(2025, 2, 7))
    assert type(info.value) is ProviderHTTPError
    assert info.value.status == status and info.value.provider == "yahoo"
    assert info.value.scanner == "t"
    assert info.value.retryable is (status == 500)
    (log,) = ctx._close()
    assert log["tool"] == "yahoo.chart" and f"HTTP {status}" in log["error"]


def test_client_rate_limited(httpserver: HTTPServer, client: YahooClient) -> None:
    httpserver.expect_request("/v1/finance/screener/predefined/saved").respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "7"}
    )
    ctx = make_ctx()
    with pytest.raises(ProviderRateLimited) as info:
        client.screener(ctx, "day_losers")
    assert info.value.status == 429 and info.value.retry_after == 7.0
    assert info.value.retryable
    assert "ProviderRateLimited" in ctx._close()[0]["error"]


def test_client_parse_error_on_a_200_error_envelope(
    httpserver: HTTPServer, client: YahooClient
) -> None:
    httpserver.expect_request("/v1/finance/screener/predefined/saved").respond_with_json(
        {"finance": {"result": None, "error": {"code": "Bad Request", "description": "bad scrIds"}}}
    )
    with pytest.raises(ProviderParseError, match=r"finance\.error"):
        client.screener(None, "nope")


# ---------------------------------------------------------------- yfinance transport


class FakeYfData:
    """Stands in for ``yfinance.data.YfData``: records calls, answers or raises as told."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer: Any = None
        self.error: BaseException | None = None

    def get(self, url: str, params: Any = None, timeout: float = 30) -> Any:
        self.calls.append({"url": url, "params": params, "timeout": timeout})
        if self.error is not None:
            raise self.error
        return self.answer


@pytest.fixture
def fake_yfdata(monkeypatch: pytest.MonkeyPatch) -> FakeYfData:
    import yfinance.data

    fake = FakeYfData()
    monkeypatch.setattr(yfinance.data, "YfData", lambda: fake)
    return fake


def fake_response(body: bytes, status: int = 200) -> SimpleNamespace:
    return SimpleNamespace(
        status_code=status, content=body, headers={"Content-Type": "application/json", "X": None}
    )


def live_client(**kwargs: Any) -> YahooClient:
    return YahooClient(YfinanceTransport(), base_url=YahooClient.DEFAULT_BASE_URL, **kwargs)


def test_yfinance_transport_sends_through_yfdata(fake_yfdata: FakeYfData, real: Path) -> None:
    fake_yfdata.answer = fake_response(read(real, GAINERS))
    ctx = make_ctx()
    result = live_client().screener(ctx, "day_gainers", count=5)
    assert [q.symbol for q in result.quotes] == ["U", "FTAI", "DBRG", "HAS", "GDS"]
    (call,) = fake_yfdata.calls
    assert call["url"] == "https://query2.finance.yahoo.com/v1/finance/screener/predefined/saved"
    assert call["params"] == {
        "scrIds": "day_gainers",
        "count": "5",
        "lang": "en-US",
        "region": "US",
    }
    assert 0 < call["timeout"] <= 10
    (log,) = ctx._close()
    assert log["tool"] == "yahoo.screener" and log["error"] is None


def test_yfinance_transport_leaves_statuses_to_the_client(fake_yfdata: FakeYfData) -> None:
    fake_yfdata.answer = fake_response(b"{}", status=404)
    with pytest.raises(ProviderHTTPError) as info:
        live_client().options(None, "NOPE")
    assert info.value.status == 404


def test_yfinance_transport_caps_the_body(fake_yfdata: FakeYfData, real: Path) -> None:
    fake_yfdata.answer = fake_response(read(real, AAPL_OPTIONS))
    with pytest.raises(ProviderResponseTooLarge):
        live_client(max_bytes=1000).options(None, "AAPL")


def test_yfinance_transport_needs_time_left(fake_yfdata: FakeYfData) -> None:
    ctx = ScanContext(
        scanner="t", trade_date=datetime.date(2025, 2, 21), config={}, deadline=time.monotonic() - 1
    )
    with pytest.raises(ProviderTimeout):
        live_client().screener(ctx, "day_gainers")
    assert fake_yfdata.calls == []


def _library_errors() -> list[tuple[BaseException, type[ProviderError]]]:
    from curl_cffi.requests import exceptions as curl
    from yfinance.exceptions import YFException, YFRateLimitError

    url = "https://query2.finance.yahoo.com/v7/finance/options/AAPL?crumb=SECRET"
    return [
        (requests.ReadTimeout(f"read timed out: {url}"), ProviderTimeout),
        (requests.ConnectTimeout(f"connect timed out: {url}"), ProviderTimeout),
        (requests.ConnectionError(f"reset: {url}"), ProviderConnectionError),
        (requests.TooManyRedirects(url), ProviderError),  # permanent, as for every transport
        (curl.Timeout(f"curl: (28) timeout {url}"), ProviderTimeout),
        (curl.ConnectionError(f"curl: (7) {url}"), ProviderConnectionError),
        (curl.RequestException(f"curl: (56) {url}"), ProviderConnectionError),
        (YFRateLimitError(), ProviderRateLimited),
        (YFException(f"no crumb for {url}"), ProviderError),
    ]


@pytest.mark.parametrize("index", range(9))
def test_yfinance_transport_translates_library_errors(fake_yfdata: FakeYfData, index: int) -> None:
    raised, expected = _library_errors()[index]
    fake_yfdata.error = raised
    ctx = make_ctx()
    with pytest.raises(ProviderError) as info:
        live_client().options(ctx, "AAPL")
    assert type(info.value) is expected
    assert info.value.provider == "yahoo" and info.value.scanner == "t"
    # The message may name the server, never the URL's path or query (the crumb).
    assert "/v7/finance" not in str(info.value) and "SECRET" not in str(info.value)
    assert info.value.__cause__ is None
    if isinstance(info.value, ProviderRateLimited):
        assert info.value.status == 429
    assert ctx._close()[0]["error"].startswith(type(info.value).__name__)


def test_yfinance_transport_without_yfinance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)
    monkeypatch.setitem(sys.modules, "yfinance.data", None)
    with pytest.raises(ImportError, match=r"pip install 'tradingagents\[live\]'"):
        YfinanceTransport()
