"""Pydantic models of Yahoo Finance's raw JSON (screener, chart, quote, options): what we read."""

from __future__ import annotations

import datetime
import math
from typing import Annotated, Any, Generic, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PlainValidator, StringConstraints, model_validator

from tradingagents.providers.parsing import Native, PayloadError

R = TypeVar("R")


def _integer(value: Any) -> int:
    """A JSON number that is a whole number. Strings are errors: Yahoo's raw JSON has none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"expected a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise PayloadError(f"non-finite number {value!r}")
    # Yahoo writes some counts as 1.2E7; a fractional count is a broken payload, not rounding.
    if isinstance(value, float) and not value.is_integer():
        raise PayloadError(f"expected an integer, got {value!r}")
    return int(value)


def _utc(value: Any) -> datetime.datetime:
    epoch = _integer(value)
    try:
        return datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"timestamp {epoch} out of range") from None


def _zone(value: Any) -> ZoneInfo | None:
    if not isinstance(value, str):
        raise PayloadError(f"expected a string, got {type(value).__name__}")
    try:
        return ZoneInfo(value) if value else None
    except (ZoneInfoNotFoundError, ValueError):
        return None  # an unknown zone name still leaves gmtoffset


Integer = Annotated[int, PlainValidator(_integer)]
#: An epoch in seconds, as an aware UTC time.
UtcTime = Annotated[datetime.datetime, PlainValidator(_utc)]
#: Option expirations are stamped at 00:00 UTC of the expiry date, whatever the exchange.
UtcDate = Annotated[datetime.date, PlainValidator(lambda value: _utc(value).date())]
Text = Annotated[str, StringConstraints(min_length=1)]
Prices = list[float | None]


def _detail(error: Any) -> str:
    # e.g. {"code": "Not Found", "description": "No data found, symbol may be delisted"}
    if isinstance(error, dict):
        return ": ".join(str(error[k]) for k in ("code", "description") if error.get(k))
    return str(error)


def _no_api_error(data: Any) -> Any:
    """Yahoo's ``error`` member, checked before anything else is read: a PayloadError."""
    if isinstance(data, dict) and data.get("error") is not None:
        raise PayloadError(f"API error {_detail(data['error']) or '(no detail)'}", "error")
    return data


class Body(Native, Generic[R]):
    """``<root>``: Yahoo's ``error`` (checked first) and ``result``, of which we read the first."""

    result: list[R] | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_error(cls, data: Any) -> Any:
        return _no_api_error(data)

    @model_validator(mode="after")
    def _has_result(self) -> Self:
        if not self.result:
            raise PayloadError("missing field", "result", 0)
        return self

    @property
    def first(self) -> R:
        assert self.result  # _has_result
        return self.result[0]


# ---------------------------------------------------------------- screener


class Quote(Native):
    symbol: Text
    short_name: str | None = Field(None, alias="shortName")
    long_name: str | None = Field(None, alias="longName")
    price: float = Field(alias="regularMarketPrice")
    change: float | None = Field(None, alias="regularMarketChange")
    change_pct: float = Field(alias="regularMarketChangePercent")
    volume: Integer | None = Field(None, alias="regularMarketVolume")
    avg_volume_3m: Integer | None = Field(None, alias="averageDailyVolume3Month")
    market_cap: float | None = Field(None, alias="marketCap")
    exchange: str | None = None
    quote_type: str | None = Field(None, alias="quoteType")
    currency: str | None = None


class Screener(Native):
    #: The scrIds value upper-cased (DAY_GAINERS for day_gainers).
    canonical_name: str | None = Field(None, alias="canonicalName")
    id: str | None = None
    total: Integer | None = None
    quotes: list[Quote]

    @model_validator(mode="after")
    def _has_id(self) -> Self:
        if not (self.canonical_name or self.id):
            raise PayloadError("missing field", "id")
        return self


class ScreenerAnswer(Native):
    finance: Body[Screener]


# ---------------------------------------------------------------- chart


class Meta(Native):
    symbol: Text
    currency: str | None = None
    zone: Annotated[ZoneInfo | None, PlainValidator(_zone)] = Field(
        None, alias="exchangeTimezoneName"
    )
    gmtoffset: Integer | None = None

    @model_validator(mode="after")
    def _has_zone(self) -> Self:
        if self.zone is None and self.gmtoffset is None:
            raise PayloadError("no exchangeTimezoneName or gmtoffset", "exchangeTimezoneName")
        return self

    @property
    def tz(self) -> datetime.tzinfo:
        """The exchange's time zone: daily bars are stamped at the local open, not at midnight."""
        if self.zone is not None:
            return self.zone
        return datetime.timezone(datetime.timedelta(seconds=self.gmtoffset or 0))


class Bars(Native):
    open: Prices | None = None
    high: Prices | None = None
    low: Prices | None = None
    close: Prices | None = None
    volume: Prices | None = None


class AdjClose(Native):
    adjclose: Prices | None = None


class Indicators(Native):
    quote: list[Bars] | None = None
    #: Not every request returns it; absent, close is the best value.
    adjclose: list[AdjClose] | None = None


class SplitEvent(Native):
    #: Absent: the entry's key is the same epoch.
    date: Integer | None = None
    numerator: float
    denominator: float

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.numerator <= 0 or self.denominator <= 0:
            raise PayloadError(f"split ratio {self.numerator}:{self.denominator} is not positive")
        return self


class DividendEvent(Native):
    date: Integer | None = None
    amount: float


class Events(Native):
    splits: dict[str, SplitEvent] | None = None
    dividends: dict[str, DividendEvent] | None = None


class Chart(Native):
    # Yahoo drops empty sections; a range without trading days has no "timestamp".
    meta: Meta
    timestamp: list[Integer] | None = None
    indicators: Indicators | None = None
    events: Events | None = None


class ChartAnswer(Native):
    chart: Body[Chart]


# ---------------------------------------------------------------- quote


class MarketQuote(Native):
    """One row of ``/v7/finance/quote``: the latest regular session of one symbol."""

    symbol: Text
    #: Absent for a symbol that has not traded yet: it has no session to append.
    market_time: UtcTime | None = Field(None, alias="regularMarketTime")
    open: float | None = Field(None, alias="regularMarketOpen")
    high: float | None = Field(None, alias="regularMarketDayHigh")
    low: float | None = Field(None, alias="regularMarketDayLow")
    price: float | None = Field(None, alias="regularMarketPrice")
    volume: Integer | None = Field(None, alias="regularMarketVolume")
    previous_close: float | None = Field(None, alias="regularMarketPreviousClose")
    zone: Annotated[ZoneInfo | None, PlainValidator(_zone)] = Field(
        None, alias="exchangeTimezoneName"
    )
    corporate_actions: list[Any] | None = Field(None, alias="corporateActions")


class QuoteList(Native):
    """``quoteResponse``: unlike the other endpoints, an empty ``result`` is an answer (none of
    the symbols asked for is known), not a broken payload."""

    result: list[MarketQuote]

    @model_validator(mode="before")
    @classmethod
    def _no_error(cls, data: Any) -> Any:
        return _no_api_error(data)


class QuoteAnswer(Native):
    quote_response: QuoteList = Field(alias="quoteResponse")


# ---------------------------------------------------------------- options


class Contract(Native):
    contract_symbol: Text = Field(alias="contractSymbol")
    strike: float
    last_price: float | None = Field(None, alias="lastPrice")
    bid: float | None = None
    ask: float | None = None
    #: Absent for a contract not traded that day: unknown, not zero.
    volume: Integer | None = None
    open_interest: Integer | None = Field(None, alias="openInterest")
    implied_volatility: float | None = Field(None, alias="impliedVolatility")
    in_the_money: bool | None = Field(None, alias="inTheMoney")
    expiration: UtcDate | None = None
    last_trade: UtcTime | None = Field(None, alias="lastTradeDate")


class Expiry(Native):
    expiration: UtcDate = Field(alias="expirationDate")
    calls: list[Contract]
    puts: list[Contract]


class UnderlyingQuote(Native):
    price: float | None = Field(None, alias="regularMarketPrice")


class OptionResult(Native):
    underlying: Text = Field(alias="underlyingSymbol")
    quote: UnderlyingQuote | None = None
    expiration_dates: list[UtcDate] = Field(alias="expirationDates")
    strikes: list[float]
    options: list[Expiry]


class OptionsAnswer(Native):
    option_chain: Body[OptionResult] = Field(alias="optionChain")
