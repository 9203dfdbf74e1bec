"""Yahoo's batch quote endpoint (/v7/finance/quote): parser and client.

There is no recorded quote payload in tests/fixtures/real: the payloads here are SYNTHETIC, built
from the documented v7 response shape (``quoteResponse.result[]`` with ``symbol``,
``regularMarketTime``, ``regularMarketOpen/DayHigh/DayLow/Price/Volume``,
``regularMarketPreviousClose``, ``exchangeTimezoneName``), not recorded from Yahoo.
"""

from __future__ import annotations

import copy
import datetime
import json
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderParseError
from tradingagents.http import RequestsTransport
from tradingagents.providers.yahoo import SessionQuote, YahooClient, parse_quotes
from tradingagents.providers.yahoo.client import QUOTE_FIELDS

# 2026-11-20 16:00 EST, the close of that session, and 2026-11-21 02:00 UTC (still the 20th
# in New York): the session is the exchange's local date, not UTC's.
CLOSE_EPOCH = 1795208400
LATE_EPOCH = 1795226400

SYNTHETIC: dict[str, Any] = {
    "quoteResponse": {
        "result": [
            {
                "symbol": "AAPL",
                "regularMarketTime": CLOSE_EPOCH,
                "regularMarketOpen": 228.58,
                "regularMarketDayHigh": 230.9,
                "regularMarketDayLow": 228.295,
                "regularMarketPrice": 230.49,
                "regularMarketVolume": 30134069,
                "regularMarketPreviousClose": 229.31,
                "exchangeTimezoneName": "America/New_York",
                "corporateActions": [],
            },
            {
                "symbol": "BRK-B",
                "regularMarketTime": LATE_EPOCH,
                "regularMarketOpen": 490.0,
                "regularMarketDayHigh": 495.5,
                "regularMarketDayLow": 488.0,
                "regularMarketPrice": 494.0,
                "regularMarketVolume": 4.1e6,
                "corporateActions": [{"header": "Dividend"}],
            },
            {"symbol": "NEWCO"},
        ],
        "error": None,
    }
}


def payload() -> dict[str, Any]:
    return copy.deepcopy(SYNTHETIC)


def test_parse_quotes_reads_each_row_in_order() -> None:
    aapl, brk, newco = parse_quotes(json.dumps(SYNTHETIC).encode())
    assert aapl == SessionQuote(
        symbol="AAPL",
        session=datetime.date(2026, 11, 20),
        open=228.58,
        high=230.9,
        low=228.295,
        close=230.49,
        volume=30134069,
        previous_close=229.31,
        corporate_actions=0,
    )
    # No zone name: New York's date, where UTC's would already be the 21st.
    assert brk.session == datetime.date(2026, 11, 20)
    assert brk.volume == 4_100_000 and brk.previous_close is None
    assert brk.corporate_actions == 1
    # A symbol that never traded has no session: nothing to append.
    assert newco.session is None and newco.close is None


def test_an_empty_result_is_an_answer() -> None:
    assert parse_quotes({"quoteResponse": {"result": [], "error": None}}) == ()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("quoteResponse"), "quoteResponse"),
        (lambda p: p["quoteResponse"].update(error={"code": "Bad", "description": "x"}), "error"),
        (lambda p: p["quoteResponse"]["result"][0].update(regularMarketPrice="230.49"), "Price"),
        (lambda p: p["quoteResponse"]["result"][0].update(regularMarketVolume=1.5), "Volume"),
        (lambda p: p["quoteResponse"]["result"][0].pop("symbol"), "symbol"),
    ],
)
def test_a_broken_quote_payload_names_its_field(change: Any, field: str) -> None:
    broken = payload()
    change(broken)
    with pytest.raises(ProviderParseError) as info:
        parse_quotes(broken)
    assert info.value.provider == "yahoo" and field in str(info.value)


def test_client_asks_for_many_symbols_in_one_request(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(
        "/v7/finance/quote",
        method="GET",
        query_string={
            "symbols": "AAPL,BRK-B,NEWCO",
            "fields": QUOTE_FIELDS,
            "formatted": "false",
            "lang": "en-US",
            "region": "US",
        },
    ).respond_with_data(json.dumps(SYNTHETIC), content_type="application/json")
    client = YahooClient(RequestsTransport(), base_url=httpserver.url_for("/"))
    ctx = ScanContext(
        scanner="t",
        trade_date=datetime.date(2026, 11, 20),
        config={},
        deadline=time.monotonic() + 10,
    )
    quotes = client.quotes(ctx, ["AAPL", "BRK-B", "NEWCO"])
    httpserver.check_assertions()
    assert [q.symbol for q in quotes] == ["AAPL", "BRK-B", "NEWCO"]
    (log,) = ctx._close()
    assert log["tool"] == "yahoo.quote" and log["error"] is None
