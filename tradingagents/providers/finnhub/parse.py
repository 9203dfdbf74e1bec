"""Pure parsing of Finnhub's earnings calendar (finnhub.io/api/v1/calendar/earnings)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, PlainValidator, model_validator

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import CandidateError
from tradingagents.providers.earnings import EarningsEvent, EarningsTime
from tradingagents.providers.parsing import (
    DisplayNumber,
    Listed,
    Native,
    PayloadError,
    load_json,
    validate,
)

PROVIDER = "finnhub"

# "dmh" (during market hours) and "" (unknown) have no slot of their own in EarningsTime.
_HOURS: dict[str, EarningsTime] = {"bmo": "pre-market", "amc": "after-hours"}


def _iso_date(value: Any) -> datetime.date:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"expected a date like '2024-07-01', got {value!r}") from None


class _Row(Native):
    symbol: str
    date: Annotated[datetime.date, PlainValidator(_iso_date)]
    hour: str | None = None
    eps_estimate: DisplayNumber = Field(None, alias="epsEstimate")


class _Calendar(Native):
    rows: list[Listed] = Field(alias="earningsCalendar")

    @model_validator(mode="before")
    @classmethod
    def _no_error(cls, data: Any) -> Any:
        # Finnhub explains refusals (bad key, no access) in an "error" field.
        if (
            isinstance(data, Mapping)
            and "earningsCalendar" not in data
            and isinstance(data.get("error"), str)
        ):
            raise PayloadError(f"error answer: {data['error']}", "earningsCalendar")
        return data


def parse_earnings_calendar(payload: bytes | str | Mapping[str, Any]) -> list[EarningsEvent]:
    """The events of ``earningsCalendar``, in Finnhub's order.

    Finnhub gives no company name, market cap, estimate count or last year's figures, so those
    fields are None; its fiscal ``quarter``/``year`` are not the quarter's end month that
    ``fiscal_quarter_ending`` holds, so that is None too. A row whose symbol is not a valid US
    ticker (foreign listings such as ``7203.T``) is skipped rather than guessed at.
    """
    calendar = validate(_Calendar, load_json(payload, provider=PROVIDER), provider=PROVIDER)
    events = []
    for index, listed in enumerate(calendar.rows):
        try:
            symbol = normalize_ticker(listed.symbol)
        except CandidateError:
            continue
        where = f"earningsCalendar.{index}"
        row = validate(_Row, listed.raw, provider=PROVIDER, root=where)
        events.append(
            EarningsEvent(
                symbol=symbol,
                name=None,
                date=row.date,
                time=_HOURS.get((row.hour or "").strip().lower(), "not-supplied"),
                market_cap=None,
                fiscal_quarter_ending=None,
                eps_forecast=row.eps_estimate,
                n_estimates=None,
                last_year_report_date=None,
                last_year_eps=None,
                source="finnhub",
            )
        )
    return events
