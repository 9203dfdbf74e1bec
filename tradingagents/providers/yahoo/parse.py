"""Pure parsers for Yahoo Finance's screener, chart, quote and options JSON into typed records."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradingagents.errors import ProviderParseError
from tradingagents.providers.parsing import load_json, validate
from tradingagents.providers.yahoo import native

PROVIDER = "yahoo"

BAR_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")

Payload = bytes | str | Mapping[str, Any]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScreenerQuote(_Record):
    symbol: str
    name: str | None
    price: float
    change: float | None
    #: Already in percent, as Yahoo sends it: 30.41 means +30.41 %.
    change_pct: float
    volume: int | None
    avg_volume_3m: int | None
    market_cap: float | None
    exchange: str | None
    quote_type: str | None
    currency: str | None


class ScreenerResult(_Record):
    #: The predefined screener's id as ``scrIds`` takes it (``day_gainers``).
    screener_id: str
    #: How many symbols match the screener; ``quotes`` holds only the first ``count``.
    total: int | None
    quotes: tuple[ScreenerQuote, ...]


class Split(_Record):
    date: datetime.date
    numerator: float
    denominator: float


class Dividend(_Record):
    date: datetime.date
    amount: float


@dataclass(frozen=True)
class PriceHistory:
    """Daily bars, indexed by exchange-local trading date; OHLC already split-adjusted by Yahoo."""

    symbol: str
    currency: str | None
    bars: pd.DataFrame
    splits: tuple[Split, ...]
    dividends: tuple[Dividend, ...]


class SessionQuote(_Record):
    """A symbol's latest regular session from the batch quote endpoint."""

    symbol: str
    #: The exchange-local date of ``regularMarketTime``: the session these prices are from.
    session: datetime.date | None
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: int | None
    #: The previous session's close as Yahoo states it today (after any split adjustment).
    previous_close: float | None
    #: Yahoo's ``corporateActions`` entries (splits, dividends...) announced for the symbol.
    corporate_actions: int


class OptionContract(_Record):
    contract_symbol: str
    strike: float
    last_price: float | None
    bid: float | None
    ask: float | None
    #: None when Yahoo omits it (a contract not traded that day): unknown is not zero.
    volume: int | None
    open_interest: int | None
    implied_volatility: float | None
    in_the_money: bool | None
    expiration: datetime.date
    last_trade: datetime.datetime | None


class OptionExpiry(_Record):
    expiration: datetime.date
    calls: tuple[OptionContract, ...]
    puts: tuple[OptionContract, ...]


class OptionChain(_Record):
    underlying: str
    underlying_price: float | None
    expiration_dates: tuple[datetime.date, ...]
    strikes: tuple[float, ...]
    #: Yahoo sends the contracts of one expiry per request (the nearest, or the one asked for).
    expiries: tuple[OptionExpiry, ...]


def _fail(message: str, field: str) -> NoReturn:
    raise ProviderParseError(message, provider=PROVIDER, field=field)


A = TypeVar(
    "A", native.ScreenerAnswer, native.ChartAnswer, native.QuoteAnswer, native.OptionsAnswer
)


def _answer(payload: Payload, model: type[A]) -> A:
    return validate(model, load_json(payload, provider=PROVIDER), provider=PROVIDER)


# ---------------------------------------------------------------- screener


def parse_screener(payload: Payload) -> ScreenerResult:
    """A predefined screener (``/v1/finance/screener/predefined/saved``) answer."""
    result = _answer(payload, native.ScreenerAnswer).finance.first
    return ScreenerResult(
        screener_id=(result.canonical_name or result.id or "").lower(),
        total=result.total,
        quotes=tuple(
            ScreenerQuote(
                symbol=q.symbol,
                name=q.short_name or q.long_name,
                price=q.price,
                change=q.change,
                change_pct=q.change_pct,
                volume=q.volume,
                avg_volume_3m=q.avg_volume_3m,
                market_cap=q.market_cap,
                exchange=q.exchange,
                quote_type=q.quote_type,
                currency=q.currency,
            )
            for q in result.quotes
        ),
    )


# ---------------------------------------------------------------- chart

_PATH = "chart.result.0"


def parse_chart(payload: Payload) -> PriceHistory:
    """A daily ``/v8/finance/chart/{symbol}`` answer: bars, splits and dividends."""
    result = _answer(payload, native.ChartAnswer).chart.first
    tz = result.meta.tz
    dates = [
        _local_date(epoch, tz, f"{_PATH}.timestamp.{i}")
        for i, epoch in enumerate(result.timestamp or ())
    ]
    indicators = result.indicators or native.Indicators()
    where = f"{_PATH}.indicators"
    bars = _first(indicators.quote, f"{where}.quote", dates) or native.Bars()
    columns = {
        name: _column(getattr(bars, name), f"{where}.quote.0.{name}", len(dates))
        for name in ("open", "high", "low", "close", "volume")
    }
    if indicators.adjclose is None:
        columns["adj_close"] = columns["close"]
    else:
        adj = _first(indicators.adjclose, f"{where}.adjclose", dates) or native.AdjClose()
        columns["adj_close"] = _column(adj.adjclose, f"{where}.adjclose.0.adjclose", len(dates))

    frame = pd.DataFrame(
        {name: columns[name] for name in BAR_COLUMNS},
        index=pd.DatetimeIndex(dates, name="date"),
        dtype="float64",
    )
    # Yahoo sends null bars on some days (no trades, or a day its calendar gets wrong).
    frame = frame[frame["close"].notna()].sort_index(kind="stable")
    # Yahoo can repeat a date (the live bar appended after the day's bar): keep the later row.
    frame = frame[~frame.index.duplicated(keep="last")]

    events = result.events or native.Events()
    where = f"{_PATH}.events"
    splits = (
        Split(
            date=_event_date(key, split.date, tz, f"{where}.splits.{key}"),
            numerator=split.numerator,
            denominator=split.denominator,
        )
        for key, split in (events.splits or {}).items()
    )
    dividends = (
        Dividend(
            date=_event_date(key, dividend.date, tz, f"{where}.dividends.{key}"),
            amount=dividend.amount,
        )
        for key, dividend in (events.dividends or {}).items()
    )
    return PriceHistory(
        symbol=result.meta.symbol,
        currency=result.meta.currency,
        bars=frame,
        splits=tuple(sorted(splits, key=lambda split: split.date)),
        dividends=tuple(sorted(dividends, key=lambda dividend: dividend.date)),
    )


S = TypeVar("S", native.Bars, native.AdjClose)


def _first(series: list[S] | None, field: str, dates: Sequence[datetime.date]) -> S | None:
    """The first series of ``series``; none at all is only right when there are no dates."""
    if series:
        return series[0]
    if dates:
        _fail("missing field", f"{field}.0")
    return None


def _local_date(epoch: int, tz: datetime.tzinfo, field: str) -> datetime.date:
    try:
        return datetime.datetime.fromtimestamp(epoch, tz).date()
    except (OverflowError, OSError, ValueError):
        _fail(f"timestamp {epoch} out of range", field)


def _column(values: Sequence[float | None] | None, field: str, length: int) -> np.ndarray[Any, Any]:
    if values is None:
        if length:
            _fail("missing field", field)
        values = ()
    if len(values) != length:
        # Columns are read across by index: a short one would shift every later bar.
        _fail(f"{len(values)} values for {length} timestamps", field)
    return np.array([math.nan if v is None else v for v in values], dtype="float64")


def _event_date(key: str, epoch: int | None, tz: datetime.tzinfo, field: str) -> datetime.date:
    if epoch is None:
        # The dict key is the same epoch as the entry's own date.
        if not key.isdigit():
            _fail("missing field", f"{field}.date")
        epoch = int(key)
    return _local_date(epoch, tz, f"{field}.date")


# ---------------------------------------------------------------- quote

# The quote endpoint serves US listings here; its zone name is read when present.
_NEW_YORK = ZoneInfo("America/New_York")


def parse_quotes(payload: Payload) -> tuple[SessionQuote, ...]:
    """A ``/v7/finance/quote?symbols=...`` answer: one row per symbol Yahoo knows, in its order."""
    rows = _answer(payload, native.QuoteAnswer).quote_response.result
    return tuple(
        SessionQuote(
            symbol=row.symbol,
            session=None
            if row.market_time is None
            else row.market_time.astimezone(row.zone or _NEW_YORK).date(),
            open=row.open,
            high=row.high,
            low=row.low,
            close=row.price,
            volume=row.volume,
            previous_close=row.previous_close,
            corporate_actions=len(row.corporate_actions or ()),
        )
        for row in rows
    )


# ---------------------------------------------------------------- options


def parse_options(payload: Payload) -> OptionChain:
    """A ``/v7/finance/options/{symbol}`` answer (raw numbers, i.e. ``formatted=false``)."""
    result = _answer(payload, native.OptionsAnswer).option_chain.first
    return OptionChain(
        underlying=result.underlying,
        underlying_price=result.quote.price if result.quote else None,
        expiration_dates=tuple(result.expiration_dates),
        strikes=tuple(result.strikes),
        expiries=tuple(
            OptionExpiry(
                expiration=expiry.expiration,
                calls=tuple(_contract(c, expiry.expiration) for c in expiry.calls),
                puts=tuple(_contract(p, expiry.expiration) for p in expiry.puts),
            )
            for expiry in result.options
        ),
    )


def _contract(contract: native.Contract, expiration: datetime.date) -> OptionContract:
    return OptionContract(
        contract_symbol=contract.contract_symbol,
        strike=contract.strike,
        last_price=contract.last_price,
        bid=contract.bid,
        ask=contract.ask,
        volume=contract.volume,
        open_interest=contract.open_interest,
        implied_volatility=contract.implied_volatility,
        in_the_money=contract.in_the_money,
        expiration=contract.expiration or expiration,
        last_trade=contract.last_trade,
    )
