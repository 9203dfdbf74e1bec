"""Alpha Vantage TOP_GAINERS_LOSERS: a real recorded answer, quota notes, and the client."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderHTTPError, ProviderParseError, ProviderRateLimited
from tradingagents.http import RequestsTransport
from tradingagents.providers.alpha_vantage import AlphaVantageClient, parse_top_movers

KEY = "av-test-key-51c0de"
# Hand-written in the documented shape of Alpha Vantage's over-quota answers (HTTP 200), not
# recorded: the older "Note" and the current "Information" spelling.
NOTE = {
    "Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per "
    "minute and 500 calls per day."
}
INFORMATION = {
    "Information": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 "
    "requests per day."
}


@pytest.fixture
def body(real: Path) -> bytes:
    return (real / "alpha_vantage" / "top_gainers_losers_2024-01-10.json").read_bytes()


@pytest.fixture
def payload(body: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)
    return data


def _ctx() -> ScanContext:
    return ScanContext(
        scanner="t", trade_date=date(2024, 7, 1), config={}, deadline=time.monotonic() + 10
    )


def _parse_error(payload: Any) -> ProviderParseError:
    with pytest.raises(ProviderParseError) as info:
        parse_top_movers(payload)
    assert info.value.provider == "alpha_vantage"
    return info.value


def test_real_answer_has_three_lists_of_twenty(body: bytes) -> None:
    movers = parse_top_movers(body)

    assert movers.last_updated == "2024-01-10 16:15:57 US/Eastern"
    assert (len(movers.gainers), len(movers.losers), len(movers.most_active)) == (20, 20, 20)
    assert movers.gainers[-1].ticker == "EFTRW"
    assert [m.ticker for m in movers.most_active[:2]] == ["MARA", "KITT"]


def test_real_strings_become_numbers(body: bytes) -> None:
    movers = parse_top_movers(body)

    first = movers.gainers[0]
    assert first.ticker == "FNVTW"
    assert first.symbol == "FNVTW"  # a Nasdaq warrant, still a valid ticker
    assert first.price == 0.0296
    assert first.change_amount == 0.0226
    assert first.change_pct == 322.8571
    assert first.volume == 2266
    loser = movers.losers[0]
    assert (loser.ticker, loser.change_amount, loser.change_pct) == ("BTCTW", -0.026, -60.4651)
    mara = movers.most_active[0]
    assert (mara.price, mara.volume) == (25.63, 126664418)
    assert all(type(m.volume) is int for m in movers.gainers + movers.losers + movers.most_active)


def test_real_plus_spelled_warrants_keep_ticker_but_have_no_symbol(body: bytes) -> None:
    movers = parse_top_movers(body)

    odd = [m for m in movers.gainers + movers.losers if m.symbol is None]
    assert [m.ticker for m in odd] == ["RBOT+", "HIPO+", "CSTA+", "HNRA+", "CTOS+"]
    rbot = movers.gainers[18]
    assert (rbot.ticker, rbot.symbol, rbot.price, rbot.volume) == ("RBOT+", None, 0.07, 81275)


@pytest.mark.parametrize("answer", [NOTE, INFORMATION], ids=["Note", "Information"])
def test_quota_answers_are_rate_limits_not_empty_data(answer: dict[str, str]) -> None:
    with pytest.raises(ProviderRateLimited) as info:
        parse_top_movers(json.dumps(answer).encode())

    error = info.value
    assert error.retryable is True
    assert error.status == 200
    assert error.provider == "alpha_vantage"
    assert next(iter(answer.values())) in str(error)


def test_error_message_is_an_http_error_not_retryable() -> None:
    answer = {"Error Message": "Invalid API call. Please retry or visit the documentation."}

    with pytest.raises(ProviderHTTPError) as info:
        parse_top_movers(answer)

    assert not isinstance(info.value, ProviderRateLimited)
    assert info.value.retryable is False
    assert info.value.status == 200
    assert "Invalid API call" in str(info.value)


def test_truncated_body_is_a_parse_error(body: bytes) -> None:
    assert _parse_error(body[: len(body) // 2]).field == "<body>"


def _drop(payload: dict[str, Any], key: str) -> None:
    del payload[key]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: _drop(p, "top_losers"), "top_losers"),
        (lambda p: _drop(p, "last_updated"), "last_updated"),
        (lambda p: p.update(most_actively_traded={}), "most_actively_traded"),
        (lambda p: p["top_gainers"].__setitem__(0, "FNVTW"), "top_gainers.0"),
        (lambda p: p["top_gainers"][0].pop("ticker"), "top_gainers.0.ticker"),
        (lambda p: p["top_gainers"][0].update(ticker=""), "top_gainers.0.ticker"),
        (lambda p: p["top_gainers"][0].update(price="N/A"), "top_gainers.0.price"),
        (lambda p: p["top_gainers"][0].pop("price"), "top_gainers.0.price"),
        (lambda p: p["top_losers"][3].update(change_amount="abc"), "top_losers.3.change_amount"),
        (
            lambda p: p["top_losers"][3].update(change_percentage="up 5%"),
            "top_losers.3.change_percentage",
        ),
        (
            lambda p: p["most_actively_traded"][0].update(volume="1.5"),
            "most_actively_traded.0.volume",
        ),
        (lambda p: p["most_actively_traded"][0].update(volume=""), "most_actively_traded.0.volume"),
        (lambda p: p["most_actively_traded"][0].pop("volume"), "most_actively_traded.0.volume"),
    ],
)
def test_malformed_payloads_name_the_field(
    payload: dict[str, Any], mutate: Any, field: str
) -> None:
    mutate(payload)

    assert _parse_error(payload).field == field


def test_client_sends_function_and_apikey_but_never_logs_the_key(
    httpserver: HTTPServer, body: bytes
) -> None:
    httpserver.expect_request(
        "/query", method="GET", query_string={"function": "TOP_GAINERS_LOSERS", "apikey": KEY}
    ).respond_with_data(body, content_type="application/json")
    client = AlphaVantageClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/"))
    ctx = _ctx()

    movers = client.top_gainers_losers(ctx)

    assert len(movers.gainers) == 20
    assert httpserver.log[0][0].args["apikey"] == KEY
    logs = ctx._close()
    assert [log["tool"] for log in logs] == ["alpha_vantage.top_gainers_losers"]
    assert logs[0]["parameters"]["url"].endswith("/query?function=TOP_GAINERS_LOSERS")
    assert logs[0]["error"] is None
    assert KEY not in repr(logs)


def test_client_logs_a_quota_note_as_a_failed_call(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/query").respond_with_json(NOTE)
    client = AlphaVantageClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/"))
    ctx = _ctx()

    with pytest.raises(ProviderRateLimited) as info:
        client.top_gainers_losers(ctx)

    assert info.value.retryable is True
    assert info.value.scanner == "t"
    logs = ctx._close()
    assert logs[0]["error"].startswith("ProviderRateLimited")
    assert KEY not in repr(logs)


def test_client_maps_429_to_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/query").respond_with_data("busy", status=429)
    client = AlphaVantageClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/"))
    ctx = _ctx()

    with pytest.raises(ProviderRateLimited) as info:
        client.top_gainers_losers(ctx)

    assert info.value.status == 429
    assert KEY not in repr(ctx._close())


def test_client_leaves_a_bad_body_to_the_parser(httpserver: HTTPServer, body: bytes) -> None:
    httpserver.expect_request("/query").respond_with_data(body[:100])
    client = AlphaVantageClient(RequestsTransport(), api_key=KEY, base_url=httpserver.url_for("/"))

    with pytest.raises(ProviderParseError) as info:
        client.top_gainers_losers(None)

    assert info.value.field == "<body>"


@pytest.mark.parametrize("key", ["", "  "])
def test_blank_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="API key"):
        AlphaVantageClient(RequestsTransport(), api_key=key)


def test_default_base_url() -> None:
    client = AlphaVantageClient(RequestsTransport(), api_key=KEY)

    assert client.base_url == "https://www.alphavantage.co"
