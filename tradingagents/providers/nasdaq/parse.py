"""Pure parsing of api.nasdaq.com: the earnings calendar and the stock screener's listing."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import CandidateError, ProviderParseError
from tradingagents.providers.earnings import EarningsEvent, EarningsTime
from tradingagents.providers.parsing import (
    Listed,
    Native,
    PayloadError,
    load_json,
    to_display_number,
    validate,
)

PROVIDER = "nasdaq"

_TIMES: dict[str, EarningsTime] = {
    "time-pre-market": "pre-market",
    "time-after-hours": "after-hours",
    "time-not-supplied": "not-supplied",
}
_MISSING = ("", "N/A", "n/a", "--")
# Parsed by hand rather than with strptime("%b"), whose month names follow the process locale.
_AS_OF = re.compile(r"^(?:[A-Za-z]{3}, )?([A-Za-z]{3}) (\d{1,2}), (\d{4})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _display(value: Any) -> str | None:
    """Every value is a display string; null is "no value", anything else a changed format."""
    if value is None or isinstance(value, str):
        return value
    raise PayloadError(f"expected a string, got {type(value).__name__}")


def _text(value: Any) -> str | None:
    text = _display(value)
    if text is None or text.strip() in _MISSING:
        return None
    return text.strip()


def _number(value: Any) -> float | None:
    return to_display_number(_display(value))


def _count(value: Any) -> int | None:
    number = _number(value)
    if number is not None and (number < 0 or not number.is_integer()):
        raise PayloadError(f"expected a count, got {value!r}")
    return None if number is None else int(number)


def _us_date(value: Any) -> datetime.date | None:
    text = _text(value)
    if text is None:
        return None
    match = _US_DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        month, day, year = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    except ValueError:
        raise PayloadError(f"expected a date like '5/08/2023', got {value!r}") from None


# Each key must be there, even with a null value: a missing key means a changed format.
Text = Annotated[str | None, PlainValidator(_text)]
Number = Annotated[float | None, PlainValidator(_number)]


class _Row(Native):
    symbol: str
    time: Literal["time-pre-market", "time-after-hours", "time-not-supplied"]
    name: Text
    market_cap: Number = Field(alias="marketCap")
    fiscal_quarter_ending: Text = Field(alias="fiscalQuarterEnding")
    eps_forecast: Number = Field(alias="epsForecast")
    n_estimates: Annotated[int | None, PlainValidator(_count)] = Field(alias="noOfEsts")
    last_year_report_date: Annotated[datetime.date | None, PlainValidator(_us_date)] = Field(
        alias="lastYearRptDt"
    )
    last_year_eps: Number = Field(alias="lastYearEPS")


class _Data(Native):
    #: Null on a day without earnings: no events, not an error.
    rows: list[Listed] | None
    #: Read only when the caller did not say which day it asked for.
    as_of: Any = Field(None, alias="asOf")


class _Calendar(Native):
    data: _Data

    @model_validator(mode="before")
    @classmethod
    def _status_ok(cls, data: Any) -> Any:
        return _status_ok(data)


def _status_ok(data: Any) -> Any:
    # An error answer has "data": null and says why in "status".
    status = data.get("status") if isinstance(data, Mapping) else None
    if not isinstance(status, Mapping) or "rCode" not in status:
        raise PayloadError("missing field", "status", "rCode")
    if status["rCode"] != 200:
        messages = [
            str(status[key])
            for key in ("bCodeMessage", "developerMessage")
            if status.get(key) not in (None, "", [])
        ]
        detail = f" ({'; '.join(messages)})" if messages else ""
        raise PayloadError(f"status code {status['rCode']!r}{detail}", "status", "rCode")
    return data


def parse_earnings_calendar(
    payload: bytes | str | Mapping[str, Any], *, day: datetime.date | None = None
) -> list[EarningsEvent]:
    """The day's earnings events, in Nasdaq's order.

    Every value arrives as a display string ("$614,938,050", "($0.12)", "N/A"). The event date
    is ``day`` when given (the date that was asked for), else ``data.asOf``. Days without
    earnings come back with ``data.rows`` null, which is an empty list, not an error. A row whose
    symbol is not a valid US ticker (test issues, foreign lines) is skipped rather than guessed
    at; any other malformed field fails the whole payload.
    """
    data = validate(_Calendar, load_json(payload, provider=PROVIDER), provider=PROVIDER).data
    if data.rows is None:
        return []
    event_day = day if day is not None else _as_of(data.as_of)
    events = []
    for index, listed in enumerate(data.rows):
        try:
            symbol = normalize_ticker(listed.symbol)
        except CandidateError:
            continue
        row = validate(_Row, listed.raw, provider=PROVIDER, root=f"data.rows.{index}")
        events.append(
            EarningsEvent(
                symbol=symbol,
                name=row.name,
                date=event_day,
                time=_TIMES[row.time],
                market_cap=row.market_cap,
                fiscal_quarter_ending=row.fiscal_quarter_ending,
                eps_forecast=row.eps_forecast,
                n_estimates=row.n_estimates,
                last_year_report_date=row.last_year_report_date,
                last_year_eps=row.last_year_eps,
                source="nasdaq",
            )
        )
    return events


def _as_of(value: Any) -> datetime.date:
    match = _AS_OF.match(value.strip()) if isinstance(value, str) else None
    month = _MONTHS.get(match.group(1).lower()) if match else None
    try:
        if match is None or month is None:
            raise ValueError(value)
        return datetime.date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        raise ProviderParseError(
            f"expected a date like 'Mon, Jul 1, 2024', got {value!r}",
            provider=PROVIDER,
            field="data.asOf",
        ) from None


class ListedStock(BaseModel):
    """One stock of a listing, as of the session its values come from."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    name: str | None
    #: Last sale, in dollars.
    price: float | None
    change_pct: float | None
    #: Shares traded in the session.
    volume: int | None
    market_cap: float | None
    sector: str | None = None
    industry: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class StockListing:
    """A listing's stocks in the source's order, and how many rows were not US tickers."""

    stocks: tuple[ListedStock, ...]
    #: Rows skipped because their symbol is not a ticker we trade (preferreds: ``ABR^D``).
    skipped: int = 0


class _ScreenerRow(Native):
    symbol: str
    name: Text
    last_sale: Number = Field(alias="lastsale")
    pct_change: Number = Field(alias="pctchange")
    volume: Annotated[int | None, PlainValidator(_count)]
    market_cap: Number = Field(alias="marketCap")
    sector: Text
    industry: Text
    country: Text


class _ScreenerData(Native):
    #: Null when nothing is listed: an empty listing, which the caller judges.
    rows: list[Listed] | None


class _Screener(Native):
    data: _ScreenerData

    @model_validator(mode="before")
    @classmethod
    def _status_ok(cls, data: Any) -> Any:
        return _status_ok(data)


#: The screener download's column labels, as its envelope sends them in ``data.headers``.
SCREENER_HEADERS: Mapping[str, str] = {
    "symbol": "Symbol",
    "name": "Name",
    "lastsale": "Last Sale",
    "netchange": "Net Change",
    "pctchange": "% Change",
    "marketCap": "Market Cap",
    "country": "Country",
    "ipoyear": "IPO Year",
    "volume": "Volume",
    "sector": "Sector",
    "industry": "Industry",
    "url": "Url",
}


def screener_envelope(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``rows`` in the envelope the screener download sends: for a synthetic snapshot, and for
    recorded rows whose envelope was dropped (the real fixtures kept ``data.rows`` only)."""
    return {
        "data": {"headers": dict(SCREENER_HEADERS), "rows": rows},
        "message": None,
        "status": {"rCode": 200, "bCodeMessage": None, "developerMessage": None},
    }


def parse_stock_screener(payload: bytes | str | Mapping[str, Any]) -> StockListing:
    """Every stock of the screener's download (``/api/screener/stocks?download=true``).

    Values are display strings (``"$271.84"``, ``"-1.009%"``, ``"49497842"``); an empty market
    cap or change is None. A symbol that is not a US ticker (a preferred, ``ABR^D``) is
    skipped and counted; ``BRK/A`` becomes ``BRK-A``. Any other malformed field fails the
    whole payload, since a listing read wrongly would silently reshape the universe.
    """
    data = validate(_Screener, load_json(payload, provider=PROVIDER), provider=PROVIDER).data
    stocks = []
    skipped = 0
    for index, listed in enumerate(data.rows or ()):
        try:
            symbol = normalize_ticker(listed.symbol)
        except CandidateError:
            skipped += 1
            continue
        row = validate(_ScreenerRow, listed.raw, provider=PROVIDER, root=f"data.rows.{index}")
        stocks.append(
            ListedStock(
                symbol=symbol,
                name=row.name,
                price=row.last_sale,
                change_pct=row.pct_change,
                volume=row.volume,
                market_cap=row.market_cap,
                sector=row.sector,
                industry=row.industry,
                country=row.country,
            )
        )
    return StockListing(tuple(stocks), skipped)
