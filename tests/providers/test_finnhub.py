"""Finnhub earnings calendar: parser and client (the key is sent, never logged)."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderAuthError, ProviderParseError, ProviderRateLimited
from tradingagents.http import RequestsTransport
from tradingagents.providers.finnhub import FinnhubClient, parse_earnings_calendar

KEY = "fh-test-key-7f3a9c"


def _calendar() -> dict[str, Any]:
    # Hand-written from Finnhub's /calendar/earnings API documentation, NOT recorded: no real
    # Finnhub payload is public (see real/SOURCES.md).
    return {
        "earningsCalendar": [
            {
                "date": "2024-07-01",
                "epsActual": None,
                "epsEstimate": 1.23,
                "hour": "bmo",
                "quarter": 2,
                "revenueActual": None,
                "revenueEstimate": 1.0e9,
                "symbol": "AAPL",
                "year": 2024,
            },
            {
                "date": "2024-07-01",
                "epsActual": None,
                "epsEstimate": -0.12,
                "hour": "amc",
                "quarter": 1,
                "revenueActual": None,
                "revenueEstimate": None,
                "symbol": "brk.b",
                "year": 2024,
            },
            {
                "date": "2024-07-02",
                "epsActual": None,
                "epsEstimate": None,
                "hour": "dmh",
                "quarter": 2,
                "revenueActual": None,
                "revenueEstimate": None,
                "symbol": "F",
                "year": 2024,
            },
            {
                "date": "2024-07-02",
                "epsActual": 0.5,
                "epsEstimate": 0.4,
                "hour": "",
                "quarter": 4,
                "revenueActual": None,
                "revenueEstimate": None,
                "symbol": "MSFT",
                "year": 2024,
            },
            {
                "date": "2024-07-02",
                "epsActual": None,
                "epsEstimate": 150.0,
                "hour": "bmo",
                "quarter": 1,
                "revenueActual": None,
                "revenueEstimate": None,
                "symbol": "7203.T",
                "year": 2025,
            },
        ]
    }


def _ctx() -> ScanContext:
    return ScanContext(
        scanner="t", trade_date=date(2024, 7, 1), config={}, deadline=time.monotonic() + 10
    )


def _parse_error(payload: Any) -> ProviderParseError:
    with pytest.raises(ProviderParseError) as info:
        parse_earnings_calendar(payload)
    assert info.value.provider == "finnhub"
    return info.value


def test_rows_become_events() -> None:
    events = parse_earnings_calendar(json.dumps(_calendar()).encode())

    # 7203.T (a Tokyo listing) is not a US ticker: skipped, not re-spelled.
    assert [e.symbol for e in events] == ["AAPL", "BRK-B", "F", "MSFT"]
    assert [e.time for e in events] == ["pre-market", "after-hours", "not-supplied", "not-supplied"]
    assert [e.eps_forecast for e in events] == [1.23, -0.12, None, 0.4]
    assert [e.date for e in events] == [date(2024, 7, 1)] * 2 + [date(2024, 7, 2)] * 2
    aapl = events[0]
    assert aapl.source == "finnhub"
    # Finnhub has none of these; nothing is made up for them.
    assert (aapl.name, aapl.market_cap, aapl.n_estimates, aapl.fiscal_quarter_ending) == (
        None,
        None,
        None,
        None,
    )
    assert (aapl.last_year_report_date, aapl.last_year_eps) == (None, None)


def test_null_hour_is_not_supplied() -> None:
    payload = _calendar()
    payload["earningsCalendar"][0]["hour"] = None

    assert parse_earnings_calendar(payload)[0].time == "not-supplied"


def test_empty_calendar() -> None:
    assert parse_earnings_calendar(b'{"earningsCalendar": []}') == []


def test_error_answer_is_a_parse_error_with_its_text() -> None:
    error = _parse_error({"error": "You don't have access to this resource."})

    assert error.field == "earningsCalendar"
    assert "access" in str(error)


def test_truncated_body_is_a_parse_error() -> None:
    body = json.dumps(_calendar()).encode()

    assert _parse_error(body[: len(body) // 2]).field == "<body>"


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("date", "07/01/2024", "earningsCalendar.0.date"),
        ("date", None, "earningsCalendar.0.date"),
        ("epsEstimate", "n/a-ish", "earningsCalendar.0.epsEstimate"),
        ("epsEstimate", True, "earningsCalendar.0.epsEstimate"),
        ("symbol", 42, "earningsCalendar.0.symbol"),
        ("symbol", None, "earningsCalendar.0.symbol"),
        ("hour", 9, "earningsCalendar.0.hour"),
    ],
)
def test_malformed_rows_name_the_field(key: str, value: Any, field: str) -> None:
    payload = _calendar()
    payload["earningsCalendar"][0][key] = value

    assert _parse_error(payload).field == field


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "earningsCalendar"),
        ({"earningsCalendar": None}, "earningsCalendar"),
        ({"earningsCalendar": ["AAPL"]}, "earningsCalendar.0"),
        ([], "<body>"),
    ],
)
def test_malformed_envelopes_name_the_field(payload: Any, field: str) -> None:
    assert _parse_error(payload).field == field


def test_client_sends_range_and_token_but_never_logs_the_key(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/v1/calendar/earnings",
        method="GET",
        query_string={"from": "2024-07-01", "to": "2024-07-05", "token": KEY},
    ).respond_with_json(_calendar())
    client = FinnhubClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/api/v1"))
    ctx = _ctx()

    events = client.earnings(ctx, start=date(2024, 7, 1), end=date(2024, 7, 5))

    assert len(events) == 4
    assert httpserver.log[0][0].args["token"] == KEY
    logs = ctx._close()
    assert [log["tool"] for log in logs] == ["finnhub.earnings"]
    assert logs[0]["parameters"]["url"].endswith(
        "/api/v1/calendar/earnings?from=2024-07-01&to=2024-07-05"
    )
    assert KEY not in repr(logs)


def test_client_errors_do_not_leak_the_key(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/calendar/earnings").respond_with_json(
        {"error": "Invalid API key"}, status=401
    )
    client = FinnhubClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/"))
    ctx = _ctx()

    with pytest.raises(ProviderAuthError) as info:
        client.earnings(ctx, start=date(2024, 7, 1), end=date(2024, 7, 1))

    assert KEY not in str(info.value)
    logs = ctx._close()
    assert logs[0]["error"] is not None
    assert KEY not in repr(logs)


def test_client_maps_429_to_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/calendar/earnings").respond_with_json(
        {"error": "API limit reached. Please try again later."}, status=429
    )
    client = FinnhubClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/"))
    ctx = _ctx()

    with pytest.raises(ProviderRateLimited) as info:
        client.earnings(ctx, start=date(2024, 7, 1), end=date(2024, 7, 1))

    assert info.value.retryable is True
    assert info.value.provider == "finnhub"
    assert KEY not in repr(ctx._close())


@pytest.mark.parametrize("key", ["", "   "])
def test_blank_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="API key"):
        FinnhubClient(RequestsTransport(), api_key=key)


def test_reversed_range_is_refused() -> None:
    client = FinnhubClient(RequestsTransport(), api_key=KEY)

    with pytest.raises(ValueError, match="before"):
        client.earnings(None, start=date(2024, 7, 5), end=date(2024, 7, 1))


def test_default_base_url() -> None:
    client = FinnhubClient(RequestsTransport(), api_key=KEY)

    assert client.base_url == "https://finnhub.io/api/v1"
