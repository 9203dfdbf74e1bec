"""One mapping of pydantic's ValidationError to ProviderParseError, checked on real payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, TypeAdapter, field_validator

from tradingagents.errors import ProviderParseError
from tradingagents.providers.alpha_vantage import parse_top_movers
from tradingagents.providers.finnhub import parse_earnings_calendar as finnhub_calendar
from tradingagents.providers.nasdaq import parse_earnings_calendar
from tradingagents.providers.parsing import Native, PayloadError, validate
from tradingagents.providers.reddit import parse_listing
from tradingagents.providers.sec_edgar import (
    parse_company_tickers,
    parse_full_text_search,
    parse_submissions,
)
from tradingagents.providers.yahoo import parse_chart, parse_options, parse_screener

Mutation = Callable[[Any], None]


def _set(path: str, value: Any) -> Mutation:
    """Set the value at dotted ``path`` (list indexes as numbers) of a decoded payload."""

    def mutate(data: Any) -> None:
        *parents, last = path.split(".")
        for part in parents:
            data = data[int(part)] if isinstance(data, list) else data[part]
        data[int(last) if isinstance(data, list) else last] = value

    return mutate


# (provider, fixture, parser, path set to a value of the wrong type). The expected field is
# the path itself: the error names where in the native payload the value is.
WRONG_TYPES: list[tuple[str, str, Callable[[Any], Any], str, Any]] = [
    (
        "yahoo",
        "yahoo_screener/day_gainers_count5_2025-02-21.json",
        parse_screener,
        "finance.result.0.quotes.1.marketCap",
        {"raw": 1},
    ),
    (
        "yahoo",
        "yahoo_chart/chart_MSFT_1d_2021-02-01_2022-01-31_div.json",
        parse_chart,
        "chart.result.0.indicators.quote.0.high.17",
        [1.0],
    ),
    (
        "yahoo",
        "options/yahoo_v7_options_AAPL_2025-02-24.json",
        parse_options,
        "optionChain.result.0.options.0.puts.5.bid",
        "1.05",
    ),
    (
        "alpha_vantage",
        "alpha_vantage/top_gainers_losers_2024-01-10.json",
        parse_top_movers,
        "top_losers.7.price",
        ["2.39"],
    ),
    (
        "nasdaq",
        "earnings_calendar/nasdaq_earnings_2024-07-01.json",
        parse_earnings_calendar,
        "data.rows.2.epsForecast",
        1.25,
    ),
    (
        "reddit",
        "reddit/reddit_r_askreddit_hot_limit100_2016-03-01.json",
        parse_listing,
        "data.children.4.data.num_comments",
        "12",
    ),
    (
        "sec_edgar",
        "sec_edgar/submissions_CIK0000320193_AAPL.json",
        parse_submissions,
        "filings.recent.primaryDocument.9",
        None,
    ),
    (
        "sec_edgar",
        "sec_edgar/efts_full_text_search_forms8K_q_climate_change.json",
        parse_full_text_search,
        "hits.hits.3._source.form",
        ["8-K"],
    ),
    (
        "sec_edgar",
        "sec_edgar/company_tickers.json",
        parse_company_tickers,
        "17.title",
        17,
    ),
]


@pytest.mark.parametrize(
    ("provider", "fixture", "parse", "path", "value"),
    WRONG_TYPES,
    ids=[f"{case[0]}:{case[3]}" for case in WRONG_TYPES],
)
def test_a_wrong_type_in_a_real_payload_names_provider_and_field(
    real: Path,
    provider: str,
    fixture: str,
    parse: Callable[[Any], Any],
    path: str,
    value: Any,
) -> None:
    data = json.loads((real / fixture).read_bytes())
    parse(data)  # the real payload itself parses
    _set(path, value)(data)

    with pytest.raises(ProviderParseError) as info:
        parse(data)

    assert (info.value.provider, info.value.field) == (provider, path)
    assert str(info.value).startswith(f"{provider}: ") and str(info.value).endswith(f" at {path}")
    # Raised apart from the ValidationError, which would repeat the payload's values.
    assert info.value.__cause__ is None and info.value.__context__ is None


class _Inner(Native):
    pairs: tuple[int, int] | None = None

    @field_validator("pairs", mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) != 2:
            raise PayloadError(f"{len(value)} values for a pair", len(value) - 1)
        return value


class _Secret(Native):
    token: str
    ttl: float = Field(gt=0)
    nested: list[_Inner] = Field(default_factory=list)


def _error(data: Any, *, root: str = "") -> ProviderParseError:
    with pytest.raises(ProviderParseError) as info:
        validate(_Secret, data, provider="p", root=root)
    assert info.value.provider == "p"
    return info.value


def test_messages_name_the_type_never_the_value() -> None:
    error = _error({"token": 1234567, "ttl": 60})
    assert (error.field, str(error)) == ("token", "p: expected a valid string, got int at token")
    assert "1234567" not in str(error)
    error = _error({"token": "s3cret", "ttl": -5})
    assert error.field == "ttl" and "s3cret" not in str(error) and "-5" not in str(error)


def test_missing_fields_and_the_body_itself() -> None:
    assert str(_error({"ttl": 1})) == "p: missing field at token"
    assert _error([]).field == "<body>"
    assert _error([], root="answer").field == "answer"


def test_a_payload_error_keeps_its_message_and_extends_the_path() -> None:
    data = {"token": "t", "ttl": 1, "nested": [{}, {"pairs": [1, 2, 3]}]}
    error = _error(data, root="answer")
    assert error.field == "answer.nested.1.pairs.2"
    assert str(error) == "p: 3 values for a pair at answer.nested.1.pairs.2"


def test_type_adapters_validate_too() -> None:
    adapter = TypeAdapter(dict[str, _Inner])
    assert validate(adapter, {"a": {"pairs": (1, 2)}}, provider="p") == {"a": _Inner(pairs=(1, 2))}
    with pytest.raises(ProviderParseError) as info:
        validate(adapter, {"a": {"pairs": [1]}}, provider="p")
    assert info.value.field == "a.pairs.0"


def test_a_skipped_foreign_row_is_not_read_further(real: Path) -> None:
    data = json.loads((real / "earnings_calendar" / "nasdaq_earnings_2024-07-01.json").read_bytes())
    count = len(parse_earnings_calendar(data))
    row = data["data"]["rows"][0]
    row.update(symbol="7203.T", marketCap="lots", time=None)
    assert len(parse_earnings_calendar(data)) == count - 1
    row.update(symbol="AAPL")
    with pytest.raises(ProviderParseError) as info:
        parse_earnings_calendar(data)
    assert info.value.field == "data.rows.0.time"

    rows = [{"symbol": "7203.T", "date": "soon"}, {"symbol": "AAPL", "date": "2024-07-01"}]
    assert [e.symbol for e in finnhub_calendar({"earningsCalendar": rows})] == ["AAPL"]
