"""Pure parsing of Finnhub's earnings calendar (finnhub.io/api/v1/calendar/earnings)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import CandidateError, ProviderParseError
from tradingagents.providers.earnings import EarningsEvent, EarningsTime
from tradingagents.providers.parsing import dig, display_number, expect_object, load_json

PROVIDER = "finnhub"

# "dmh" (during market hours) and "" (unknown) have no slot of their own in EarningsTime.
_HOURS: dict[str, EarningsTime] = {"bmo": "pre-market", "amc": "after-hours"}


def parse_earnings_calendar(payload: bytes | str | Mapping[str, Any]) -> list[EarningsEvent]:
    """The events of ``earningsCalendar``, in Finnhub's order.

    Finnhub gives no company name, market cap, estimate count or last year's figures, so those
    fields are None; its fiscal ``quarter``/``year`` are not the quarter's end month that
    ``fiscal_quarter_ending`` holds, so that is None too. A row whose symbol is not a valid US
    ticker (foreign listings such as ``7203.T``) is skipped rather than guessed at.
    """
    data = load_json(payload, provider=PROVIDER)
    data = expect_object(data, provider=PROVIDER, field="<body>")
    if "earningsCalendar" not in data and isinstance(data.get("error"), str):
        # Finnhub explains refusals (bad key, no access) in an "error" field.
        raise ProviderParseError(
            f"error answer: {data['error']}", provider=PROVIDER, field="earningsCalendar"
        )
    rows = dig(data, "earningsCalendar", provider=PROVIDER, kind=list)
    events = []
    for index, row in enumerate(rows):
        event = _event(row, f"earningsCalendar.{index}")
        if event is not None:
            events.append(event)
    return events


def _event(row: Any, path: str) -> EarningsEvent | None:
    row = expect_object(row, provider=PROVIDER, field=path)
    raw_symbol = row.get("symbol")
    if not isinstance(raw_symbol, str):
        raise ProviderParseError(
            f"expected a string, got {type(raw_symbol).__name__}",
            provider=PROVIDER,
            field=f"{path}.symbol",
        )
    try:
        symbol = normalize_ticker(raw_symbol)
    except CandidateError:
        return None
    return EarningsEvent(
        symbol=symbol,
        name=None,
        date=_iso_date(row, path),
        time=_hour(row, path),
        market_cap=None,
        fiscal_quarter_ending=None,
        eps_forecast=display_number(
            row.get("epsEstimate"), provider=PROVIDER, field=f"{path}.epsEstimate"
        ),
        n_estimates=None,
        last_year_report_date=None,
        last_year_eps=None,
        source="finnhub",
    )


def _iso_date(row: Mapping[str, Any], path: str) -> datetime.date:
    value = row.get("date")
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ProviderParseError(
            f"expected a date like '2024-07-01', got {value!r}",
            provider=PROVIDER,
            field=f"{path}.date",
        ) from None


def _hour(row: Mapping[str, Any], path: str) -> EarningsTime:
    value = row.get("hour")
    if value is None:
        return "not-supplied"
    if not isinstance(value, str):
        raise ProviderParseError(
            f"expected a string, got {type(value).__name__}",
            provider=PROVIDER,
            field=f"{path}.hour",
        )
    return _HOURS.get(value.strip().lower(), "not-supplied")
