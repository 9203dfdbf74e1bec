"""Nasdaq earnings calendar: the parser against a real recorded day, and the client over HTTP."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderParseError, ProviderRateLimited
from tradingagents.http import RequestsTransport
from tradingagents.providers.nasdaq import BROWSER_HEADERS, NasdaqClient, parse_earnings_calendar

DAY = date(2024, 7, 1)


@pytest.fixture
def body(real: Path) -> bytes:
    return (real / "earnings_calendar" / "nasdaq_earnings_2024-07-01.json").read_bytes()


@pytest.fixture
def payload(body: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)
    return data


def _ctx() -> ScanContext:
    return ScanContext(scanner="t", trade_date=DAY, config={}, deadline=time.monotonic() + 10)


def _parse_error(payload: Any, **kwargs: Any) -> ProviderParseError:
    with pytest.raises(ProviderParseError) as info:
        parse_earnings_calendar(payload, **kwargs)
    assert info.value.provider == "nasdaq"
    return info.value


def test_real_day_parses_every_row(body: bytes) -> None:
    events = parse_earnings_calendar(body)

    assert len(events) == 39
    assert [e.symbol for e in events[:3]] == ["GTI", "DDD", "PROC"]
    assert events[-1].symbol == "SMFL"
    assert {e.date for e in events} == {DAY}  # from data.asOf "Mon, Jul 1, 2024"
    assert {e.source for e in events} == {"nasdaq"}


def test_real_display_strings_become_numbers_and_dates(body: bytes) -> None:
    by_symbol = {e.symbol: e for e in parse_earnings_calendar(body)}

    gti = by_symbol["GTI"]
    assert gti.name == "Graphjet Technology"
    assert gti.market_cap == 614938050.0
    assert gti.fiscal_quarter_ending == "Mar/2024"
    assert gti.eps_forecast is None  # ""
    assert gti.n_estimates == 1
    assert gti.last_year_report_date is None  # "N/A"
    assert gti.last_year_eps is None  # "N/A"

    ddd = by_symbol["DDD"]
    assert ddd.eps_forecast == -0.11  # "($0.11)"
    assert ddd.last_year_eps == -0.17  # "($0.17)"
    assert ddd.n_estimates == 2
    assert ddd.last_year_report_date == date(2023, 5, 8)  # "5/08/2023"

    assert by_symbol["PROC"].n_estimates is None  # "N/A"
    assert by_symbol["PROC"].last_year_eps == 0.07
    assert by_symbol["PPSI"].eps_forecast == 0.05
    assert by_symbol["SCNI"].last_year_eps == 12.0  # "$12"
    assert by_symbol["SMFL"].market_cap == 324356.0
    # Nasdaq pads some names with a trailing space.
    assert by_symbol["XTIA"].name == "XTI Aerospace, Inc. Common Stock"


def test_real_times_are_mapped(body: bytes) -> None:
    events = parse_earnings_calendar(body)

    assert [e.symbol for e in events if e.time == "after-hours"] == ["CNVS"]
    assert sum(e.time == "not-supplied" for e in events) == 38


def test_pre_market_time_is_mapped(payload: dict[str, Any]) -> None:
    # The recorded day has no pre-market report; the real row is relabelled.
    payload["data"]["rows"][0]["time"] = "time-pre-market"

    assert parse_earnings_calendar(payload)[0].time == "pre-market"


def test_requested_day_wins_over_as_of(payload: dict[str, Any]) -> None:
    del payload["data"]["asOf"]

    events = parse_earnings_calendar(payload, day=date(2024, 7, 2))

    assert {e.date for e in events} == {date(2024, 7, 2)}


def test_day_without_earnings_is_empty(payload: dict[str, Any]) -> None:
    payload["data"]["rows"] = None

    assert parse_earnings_calendar(payload) == []


def test_invalid_symbols_are_skipped_not_guessed(payload: dict[str, Any]) -> None:
    payload["data"]["rows"][0]["symbol"] = "GTI^A"
    payload["data"]["rows"][1]["symbol"] = ""

    events = parse_earnings_calendar(payload)

    assert len(events) == 37
    assert events[0].symbol == "PROC"


def test_symbols_are_normalised(payload: dict[str, Any]) -> None:
    payload["data"]["rows"][0]["symbol"] = "brk.b"

    assert parse_earnings_calendar(payload)[0].symbol == "BRK-B"


def test_error_status_is_a_parse_error(payload: dict[str, Any]) -> None:
    payload["status"] = {"rCode": 400, "bCodeMessage": [{"code": 1001, "errorMessage": "x"}]}
    payload["data"] = None

    assert _parse_error(payload).field == "status.rCode"


def test_truncated_body_is_a_parse_error(body: bytes) -> None:
    assert _parse_error(body[: len(body) // 2]).field == "<body>"


_DELETE = object()


def _set(path: str, value: Any) -> Any:
    """A mutation of the real payload: set (or with _DELETE, remove) the value at ``path``."""

    def mutate(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = payload
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_set("status", _DELETE), "status.rCode"),
        (_set("data", _DELETE), "data"),
        (_set("data", []), "data"),
        (_set("data.rows", {"0": {}}), "data.rows"),
        (_set("data.asOf", "01/07/2024"), "data.asOf"),
        (_set("data.asOf", _DELETE), "data.asOf"),
        (_set("data.rows.0", "GTI"), "data.rows.0"),
        (_set("data.rows.0.symbol", _DELETE), "data.rows.0.symbol"),
        (_set("data.rows.0.symbol", 7), "data.rows.0.symbol"),
        (_set("data.rows.3.time", "time-during-market"), "data.rows.3.time"),
        (_set("data.rows.0.marketCap", "lots"), "data.rows.0.marketCap"),
        (_set("data.rows.0.marketCap", _DELETE), "data.rows.0.marketCap"),
        (_set("data.rows.1.epsForecast", "$1.2.3"), "data.rows.1.epsForecast"),
        (_set("data.rows.1.noOfEsts", "1.5"), "data.rows.1.noOfEsts"),
        (_set("data.rows.1.lastYearRptDt", "2023-05-08"), "data.rows.1.lastYearRptDt"),
        (_set("data.rows.1.lastYearRptDt", "13/45/2023"), "data.rows.1.lastYearRptDt"),
        (_set("data.rows.1.lastYearEPS", 0.5), "data.rows.1.lastYearEPS"),
    ],
)
def test_malformed_payloads_name_the_field(
    payload: dict[str, Any], mutate: Any, field: str
) -> None:
    mutate(payload)

    assert _parse_error(payload).field == field


def test_client_asks_for_the_day_with_browser_headers(httpserver: HTTPServer, body: bytes) -> None:
    httpserver.expect_request(
        "/api/calendar/earnings", method="GET", query_string={"date": "2024-07-01"}
    ).respond_with_data(body, content_type="application/json")
    client = NasdaqClient(RequestsTransport(), base_url=httpserver.url_for("/"))
    ctx = _ctx()

    events = client.earnings(ctx, DAY)

    assert len(events) == 39
    request, _ = httpserver.log[0]
    user_agent = request.headers["User-Agent"]
    assert user_agent == BROWSER_HEADERS["User-Agent"]
    assert user_agent.startswith("Mozilla/5.0") and "requests" not in user_agent
    assert request.headers["Accept"] == "application/json, text/plain, */*"
    assert request.headers["Origin"] == "https://www.nasdaq.com"
    assert request.headers["Referer"].startswith("https://www.nasdaq.com")
    [log] = ctx._close()
    assert log["tool"] == "nasdaq.earnings"
    assert log["parameters"]["url"].endswith("/api/calendar/earnings?date=2024-07-01")
    assert log["error"] is None


def test_client_maps_429_to_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/calendar/earnings").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "30"}
    )
    client = NasdaqClient(RequestsTransport(), base_url=httpserver.url_for("/"))
    ctx = _ctx()

    with pytest.raises(ProviderRateLimited) as info:
        client.earnings(ctx, DAY)

    assert info.value.retryable is True
    assert info.value.retry_after == 30.0
    assert info.value.provider == "nasdaq"
    [log] = ctx._close()
    assert log["error"].startswith("ProviderRateLimited")


def test_default_base_url() -> None:
    assert NasdaqClient(RequestsTransport()).base_url == "https://api.nasdaq.com"
