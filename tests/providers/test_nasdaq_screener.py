"""Nasdaq's stock screener: the real exchange listings of 2025-12-17, the filter, the client."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderParseError
from tradingagents.http import RequestsTransport
from tradingagents.providers.nasdaq import (
    BROWSER_HEADERS,
    ListedStock,
    NasdaqClient,
    parse_stock_screener,
)
from tradingagents.providers.nasdaq.parse import SCREENER_HEADERS, screener_envelope
from tradingagents.universe import UniverseSource, select

DAY = "2025-12-17"
# The issue's filter: price >= $5, volume >= 1M, market cap >= $300M (SOURCES.md's counts).
ISSUE_FILTER = UniverseSource(
    source="nasdaq", min_price=5, min_volume=1e6, min_market_cap=3e8, max_symbols=None
)


def enveloped(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows in the API's envelope, as the live API sends them.

    The recording (rreichel3/US-Stock-Symbols, see SOURCES.md) kept only ``data.rows``
    (``jq '.data.rows'``), so every test here wraps the real rows in
    ``{"data": {"headers", "rows"}, "message", "status"}`` again.
    """
    return screener_envelope(rows)


def rows(real: Path, exchange: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (real / "nasdaq_screener" / f"{exchange}_rows_{DAY}.json").read_bytes()
    )
    return data


@pytest.fixture(scope="module")
def market(real: Path) -> tuple[ListedStock, ...]:
    """All three exchanges, as the one request without ``exchange`` returns them."""
    every = rows(real, "nasdaq") + rows(real, "nyse") + rows(real, "amex")
    return parse_stock_screener(json.dumps(enveloped(every)).encode()).stocks


@pytest.mark.parametrize(
    ("exchange", "count", "skipped", "no_cap", "passing"),
    [
        # Skipped: preferreds and other symbols that are not tickers (ABR^D); NYSE has most.
        ("nasdaq", 4_042, 0, 3, 616),
        ("nyse", 2_723, 364, 10, 873),
        ("amex", 289, 17, 0, 15),
    ],
)
def test_each_real_exchange_listing_parses(
    real: Path, exchange: str, count: int, skipped: int, no_cap: int, passing: int
) -> None:
    listing = parse_stock_screener(json.dumps(enveloped(rows(real, exchange))).encode())
    assert len(rows(real, exchange)) == count
    assert len(listing.stocks) + listing.skipped == count
    assert listing.skipped == skipped
    assert sum(s.market_cap is None for s in listing.stocks) == no_cap
    # SOURCES.md's per-exchange count of rows passing the issue's filter.
    assert len(select(listing.stocks, ISSUE_FILTER)) == passing


def test_display_strings_become_numbers(market: tuple[ListedStock, ...]) -> None:
    by_symbol = {s.symbol: s for s in market}
    aapl = by_symbol["AAPL"]
    assert aapl.name == "Apple Inc. Common Stock"
    assert aapl.price == 271.84  # "$271.84"
    assert aapl.change_pct == -1.009  # "-1.009%"
    assert aapl.volume == 49_497_842  # "49497842"
    assert aapl.market_cap == 4_016_803_799_520.0  # "4016803799520.00"
    assert aapl.sector == "Technology"
    # Share classes arrive with a slash, and prices as sent ("$756120.010000000009").
    assert by_symbol["BRK-A"].price == pytest.approx(756_120.01)
    assert by_symbol["BRK-B"].sector is None  # ""
    assert "ABR^D" not in by_symbol and "ABR-D" not in by_symbol


def test_the_filter_finds_the_issues_1504_of_7054(
    real: Path, market: tuple[ListedStock, ...]
) -> None:
    listed = sum(len(rows(real, exchange)) for exchange in ("nasdaq", "nyse", "amex"))
    assert listed == 7_054
    universe = select(market, ISSUE_FILTER)
    assert len(universe) == 1_504  # exactly: no passing row is a symbol we could not read
    # The issue's own config (max_symbols 2000) keeps them all.
    assert select(market, UniverseSource(source="nasdaq")) == universe
    # An empty market cap fails a market-cap floor, and is no filter without one.
    no_cap = {s.symbol for s in market if s.market_cap is None}
    assert not no_cap & set(universe)
    loose = ISSUE_FILTER.model_copy(update={"min_market_cap": None})
    assert no_cap & set(select(market, loose))


def test_max_symbols_keeps_the_largest_market_caps(market: tuple[ListedStock, ...]) -> None:
    universe = select(market, ISSUE_FILTER)
    assert universe[:6] == ("NVDA", "AAPL", "GOOG", "GOOGL", "MSFT", "AMZN")
    caps = {s.symbol: s.market_cap or 0.0 for s in market}
    assert [caps[s] for s in universe] == sorted((caps[s] for s in universe), reverse=True)
    top = select(market, ISSUE_FILTER.model_copy(update={"max_symbols": 100}))
    assert top == universe[:100]


def test_ties_in_market_cap_are_ordered_by_symbol() -> None:
    def stock(symbol: str, cap: float | None) -> ListedStock:
        return ListedStock(
            symbol=symbol, name=None, price=10.0, change_pct=None, volume=2_000_000, market_cap=cap
        )

    stocks = [stock("ZZZ", 5e9), stock("AAA", 5e9), stock("BIG", 9e9), stock("NOC", None)]
    loose = UniverseSource(source="nasdaq", min_market_cap=None, max_symbols=3)
    assert select(stocks, loose) == ("BIG", "AAA", "ZZZ")  # an unknown cap sorts last
    assert select(stocks, loose.model_copy(update={"max_symbols": None}))[-1] == "NOC"


def test_an_error_status_or_a_changed_row_fails_the_payload() -> None:
    refused = {
        "data": None,
        "message": None,
        "status": {"rCode": 400, "bCodeMessage": [{"code": 1001, "errorMessage": "Bad"}]},
    }
    with pytest.raises(ProviderParseError, match="status code 400") as info:
        parse_stock_screener(refused)
    assert info.value.field == "status.rCode"
    row = dict.fromkeys(SCREENER_HEADERS, "") | {"symbol": "AAPL", "lastsale": "about $5"}
    with pytest.raises(ProviderParseError, match="expected a number") as info:
        parse_stock_screener(enveloped([row]))
    assert info.value.field == "data.rows.0.lastsale"
    missing = {k: v for k, v in row.items() if k != "marketCap"} | {"lastsale": "$5.00"}
    with pytest.raises(ProviderParseError, match="missing field"):
        parse_stock_screener(enveloped([missing]))
    # Null rows are an empty listing; the universe, not the parser, refuses to use one.
    empty = enveloped([]) | {"data": {"headers": dict(SCREENER_HEADERS), "rows": None}}
    assert parse_stock_screener(empty).stocks == ()


def test_the_client_asks_once_for_every_exchange(real: Path, httpserver: HTTPServer) -> None:
    body = json.dumps(enveloped(rows(real, "amex")))
    httpserver.expect_oneshot_request(
        "/api/screener/stocks",
        query_string={"tableonly": "true", "limit": "25", "offset": "0", "download": "true"},
        headers={"Referer": BROWSER_HEADERS["Referer"]},
    ).respond_with_data(body, content_type="application/json")
    client = NasdaqClient(RequestsTransport(), base_url=httpserver.url_for("/"))
    ctx = ScanContext(
        scanner="t", trade_date=date(2025, 12, 17), config={}, deadline=time.monotonic() + 10
    )
    listing = client.stock_screener(ctx)
    httpserver.check_assertions()
    assert len(listing.stocks) == 272
    assert [log["tool"] for log in ctx._close()] == ["nasdaq.stock_screener"]
