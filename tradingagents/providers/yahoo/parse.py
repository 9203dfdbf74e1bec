"""Pure parsers for Yahoo Finance's screener, chart and options JSON into typed records."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tradingagents.errors import ProviderParseError
from tradingagents.providers.parsing import dig, load_json

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


# ---------------------------------------------------------------- field readers


def _fail(message: str, field: str) -> ProviderParseError:
    return ProviderParseError(message, provider=PROVIDER, field=field)


def _number(value: Any, field: str) -> float | None:
    """A JSON number as float; None stays None. Strings are errors: Yahoo's raw JSON has none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"expected a number, got {type(value).__name__} {value!r}", field)
    number = float(value)
    if not math.isfinite(number):
        raise _fail(f"non-finite number {value!r}", field)
    return number


def _integer(value: Any, field: str) -> int | None:
    number = _number(value, field)
    if number is None:
        return None
    # Yahoo writes some counts as 1.2E7; a fractional count is a broken payload, not rounding.
    if not number.is_integer():
        raise _fail(f"expected an integer, got {value!r}", field)
    return int(number)


def _opt_float(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    return _number(obj.get(key), f"{path}.{key}")


def _req_float(obj: Mapping[str, Any], key: str, path: str) -> float:
    value = _number(obj.get(key), f"{path}.{key}")
    if value is None:
        raise _fail("missing field", f"{path}.{key}")
    return value


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    return _integer(obj.get(key), f"{path}.{key}")


def _req_int(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = _integer(obj.get(key), f"{path}.{key}")
    if value is None:
        raise _fail("missing field", f"{path}.{key}")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"expected a string, got {type(value).__name__}", f"{path}.{key}")
    return value


def _req_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _opt_str(obj, key, path)
    if not value:
        raise _fail("missing field", f"{path}.{key}")
    return value


def _opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _fail(f"expected a boolean, got {type(value).__name__}", f"{path}.{key}")


def _mapping(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    """``obj[key]`` as a mapping; absent or null is an empty one (Yahoo drops empty sections)."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(f"expected an object, got {type(value).__name__}", f"{path}.{key}")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str) -> Sequence[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        message = (
            "missing field" if value is None else f"expected a list, got {type(value).__name__}"
        )
        raise _fail(message, f"{path}.{key}")
    return value


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(f"expected an object, got {type(value).__name__}", path)
    return value


def _first(obj: Mapping[str, Any], key: str, path: str, *, optional: bool) -> Mapping[str, Any]:
    """``obj[key][0]``, an object; ``optional`` lets an absent or empty list mean no data."""
    value = obj.get(key)
    if optional and not value:
        return {}
    if not isinstance(value, list) or not value:
        raise _fail("missing field", f"{path}.{key}.0")
    return _object(value[0], f"{path}.{key}.0")


def _envelope(payload: Payload, root: str) -> tuple[Mapping[str, Any], str]:
    """``<root>.result[0]`` and its path, after checking Yahoo's ``<root>.error``."""
    data = load_json(payload, provider=PROVIDER)
    envelope = dig(data, root, provider=PROVIDER, kind=Mapping)
    error = envelope.get("error")
    if error is not None:
        # e.g. {"code": "Not Found", "description": "No data found, symbol may be delisted"}
        if isinstance(error, Mapping):
            detail = ": ".join(str(error[k]) for k in ("code", "description") if error.get(k))
        else:
            detail = str(error)
        raise _fail(f"API error {detail or '(no detail)'}", f"{root}.error")
    path = f"{root}.result.0"
    result: Mapping[str, Any] = dig(data, path, provider=PROVIDER, kind=Mapping)
    return result, path


# ---------------------------------------------------------------- screener


def parse_screener(payload: Payload) -> ScreenerResult:
    """A predefined screener (``/v1/finance/screener/predefined/saved``) answer."""
    result, path = _envelope(payload, "finance")
    screener_id = _opt_str(result, "canonicalName", path) or _req_str(result, "id", path)
    quotes = _list(result, "quotes", path)
    return ScreenerResult(
        # canonicalName is the scrIds value upper-cased (DAY_GAINERS for day_gainers).
        screener_id=screener_id.lower(),
        total=_opt_int(result, "total", path),
        quotes=tuple(_screener_quote(q, f"{path}.quotes.{i}") for i, q in enumerate(quotes)),
    )


def _screener_quote(value: Any, path: str) -> ScreenerQuote:
    quote = _object(value, path)
    return ScreenerQuote(
        symbol=_req_str(quote, "symbol", path),
        name=_opt_str(quote, "shortName", path) or _opt_str(quote, "longName", path),
        price=_req_float(quote, "regularMarketPrice", path),
        change=_opt_float(quote, "regularMarketChange", path),
        change_pct=_req_float(quote, "regularMarketChangePercent", path),
        volume=_opt_int(quote, "regularMarketVolume", path),
        avg_volume_3m=_opt_int(quote, "averageDailyVolume3Month", path),
        market_cap=_opt_float(quote, "marketCap", path),
        exchange=_opt_str(quote, "exchange", path),
        quote_type=_opt_str(quote, "quoteType", path),
        currency=_opt_str(quote, "currency", path),
    )


# ---------------------------------------------------------------- chart


def parse_chart(payload: Payload) -> PriceHistory:
    """A daily ``/v8/finance/chart/{symbol}`` answer: bars, splits and dividends."""
    result, path = _envelope(payload, "chart")
    meta = _mapping(result, "meta", path)
    meta_path = f"{path}.meta"
    tz = _exchange_tz(meta, meta_path)

    # A range without trading days comes back without "timestamp" and with empty quote arrays.
    times = [] if result.get("timestamp") is None else _list(result, "timestamp", path)
    dates = [_timestamp_date(t, tz, path, i) for i, t in enumerate(times)]

    indicators = _mapping(result, "indicators", path)
    indicators_path = f"{path}.indicators"
    quote = _first(indicators, "quote", indicators_path, optional=not dates)
    columns = {
        name: _column(quote, name, f"{indicators_path}.quote.0", len(dates))
        for name in ("open", "high", "low", "close", "volume")
    }
    if "adjclose" in indicators:
        adj = _first(indicators, "adjclose", indicators_path, optional=not dates)
        columns["adj_close"] = _column(adj, "adjclose", f"{indicators_path}.adjclose.0", len(dates))
    else:
        # Without the adjclose series (not every request returns it) close is the best value.
        columns["adj_close"] = columns["close"]

    bars = pd.DataFrame(
        {name: columns[name] for name in BAR_COLUMNS},
        index=pd.DatetimeIndex(dates, name="date"),
        dtype="float64",
    )
    # Yahoo sends null bars on some days (no trades, or a day its calendar gets wrong).
    bars = bars[bars["close"].notna()].sort_index(kind="stable")
    # Yahoo can repeat a date (the live bar appended after the day's bar): keep the later row.
    bars = bars[~bars.index.duplicated(keep="last")]

    events = _mapping(result, "events", path)
    events_path = f"{path}.events"
    return PriceHistory(
        symbol=_req_str(meta, "symbol", meta_path),
        currency=_opt_str(meta, "currency", meta_path),
        bars=bars,
        splits=tuple(
            sorted(
                (
                    _split(str(key), entry, tz, f"{events_path}.splits.{key}")
                    for key, entry in _mapping(events, "splits", events_path).items()
                ),
                key=lambda split: split.date,
            )
        ),
        dividends=tuple(
            sorted(
                (
                    _dividend(str(key), entry, tz, f"{events_path}.dividends.{key}")
                    for key, entry in _mapping(events, "dividends", events_path).items()
                ),
                key=lambda dividend: dividend.date,
            )
        ),
    )


def _exchange_tz(meta: Mapping[str, Any], path: str) -> datetime.tzinfo:
    """The exchange's time zone: daily bars are stamped at the local open, not at midnight."""
    name = _opt_str(meta, "exchangeTimezoneName", path)
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # an unknown zone name still leaves the fixed offset below
    offset = _opt_int(meta, "gmtoffset", path)
    if offset is None:
        raise _fail("no exchangeTimezoneName or gmtoffset", f"{path}.exchangeTimezoneName")
    return datetime.timezone(datetime.timedelta(seconds=offset))


def _local_date(epoch: int | None, tz: datetime.tzinfo, field: str) -> datetime.date:
    if epoch is None:
        raise _fail("null timestamp", field)
    try:
        return datetime.datetime.fromtimestamp(epoch, tz).date()
    except (OverflowError, OSError, ValueError):
        raise _fail(f"timestamp {epoch} out of range", field) from None


def _timestamp_date(value: Any, tz: datetime.tzinfo, path: str, index: int) -> datetime.date:
    # A chart holds thousands of timestamps: the common case skips building the field name,
    # which only an error needs.
    if type(value) is int:
        try:
            return datetime.datetime.fromtimestamp(value, tz).date()
        except (OverflowError, OSError, ValueError):
            pass
    field = f"{path}.timestamp.{index}"
    return _local_date(_integer(value, field), tz, field)


def _column(quote: Mapping[str, Any], key: str, path: str, length: int) -> np.ndarray[Any, Any]:
    values = [] if length == 0 and quote.get(key) is None else _list(quote, key, path)
    field = f"{path}.{key}"
    if len(values) != length:
        raise _fail(f"{len(values)} values for {length} timestamps", field)
    column = np.empty(length, dtype="float64")
    for i, value in enumerate(values):
        # Fast path for plain finite JSON numbers (bool is not one: type() is exact); anything
        # else goes through _number, which names the field in its error.
        if (type(value) is float or type(value) is int) and math.isfinite(value):
            column[i] = value
        else:
            number = _number(value, f"{field}.{i}")
            column[i] = math.nan if number is None else number
    return column


def _event_date(
    key: str, entry: Mapping[str, Any], tz: datetime.tzinfo, path: str
) -> datetime.date:
    epoch = _integer(entry.get("date"), f"{path}.date")
    if epoch is None:
        # The dict key is the same epoch as the entry's own date.
        if not key.isdigit():
            raise _fail("missing field", f"{path}.date")
        epoch = int(key)
    return _local_date(epoch, tz, f"{path}.date")


def _split(key: str, entry: Any, tz: datetime.tzinfo, path: str) -> Split:
    entry = _object(entry, path)
    numerator = _req_float(entry, "numerator", path)
    denominator = _req_float(entry, "denominator", path)
    if numerator <= 0 or denominator <= 0:
        raise _fail(f"split ratio {numerator}:{denominator} is not positive", path)
    return Split(
        date=_event_date(key, entry, tz, path), numerator=numerator, denominator=denominator
    )


def _dividend(key: str, entry: Any, tz: datetime.tzinfo, path: str) -> Dividend:
    entry = _object(entry, path)
    return Dividend(
        date=_event_date(key, entry, tz, path), amount=_req_float(entry, "amount", path)
    )


# ---------------------------------------------------------------- options


def parse_options(payload: Payload) -> OptionChain:
    """A ``/v7/finance/options/{symbol}`` answer (raw numbers, i.e. ``formatted=false``)."""
    result, path = _envelope(payload, "optionChain")
    quote = _mapping(result, "quote", path)
    dates = _list(result, "expirationDates", path)
    strikes = _list(result, "strikes", path)
    options = _list(result, "options", path)
    return OptionChain(
        underlying=_req_str(result, "underlyingSymbol", path),
        underlying_price=_opt_float(quote, "regularMarketPrice", f"{path}.quote"),
        expiration_dates=tuple(
            _expiry_date(d, f"{path}.expirationDates.{i}") for i, d in enumerate(dates)
        ),
        strikes=tuple(_strike(s, f"{path}.strikes.{i}") for i, s in enumerate(strikes)),
        expiries=tuple(_expiry(o, f"{path}.options.{i}") for i, o in enumerate(options)),
    )


def _expiry_date(value: Any, field: str) -> datetime.date:
    # Option expirations are stamped at 00:00 UTC of the expiry date, whatever the exchange.
    return _local_date(_integer(value, field), datetime.UTC, field)


def _strike(value: Any, field: str) -> float:
    strike = _number(value, field)
    if strike is None:
        raise _fail("null strike", field)
    return strike


def _expiry(entry: Any, path: str) -> OptionExpiry:
    entry = _object(entry, path)
    expiration = _expiry_date(entry.get("expirationDate"), f"{path}.expirationDate")
    return OptionExpiry(
        expiration=expiration,
        calls=tuple(
            _contract(c, f"{path}.calls.{i}", expiration)
            for i, c in enumerate(_list(entry, "calls", path))
        ),
        puts=tuple(
            _contract(p, f"{path}.puts.{i}", expiration)
            for i, p in enumerate(_list(entry, "puts", path))
        ),
    )


def _contract(entry: Any, path: str, expiration: datetime.date) -> OptionContract:
    entry = _object(entry, path)
    last_trade = _opt_int(entry, "lastTradeDate", path)
    return OptionContract(
        contract_symbol=_req_str(entry, "contractSymbol", path),
        strike=_req_float(entry, "strike", path),
        last_price=_opt_float(entry, "lastPrice", path),
        bid=_opt_float(entry, "bid", path),
        ask=_opt_float(entry, "ask", path),
        volume=_opt_int(entry, "volume", path),
        open_interest=_opt_int(entry, "openInterest", path),
        implied_volatility=_opt_float(entry, "impliedVolatility", path),
        in_the_money=_opt_bool(entry, "inTheMoney", path),
        expiration=(
            expiration
            if entry.get("expiration") is None
            else _expiry_date(entry["expiration"], f"{path}.expiration")
        ),
        last_trade=(
            None if last_trade is None else _utc_datetime(last_trade, f"{path}.lastTradeDate")
        ),
    )


def _utc_datetime(epoch: int, field: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise _fail(f"timestamp {epoch} out of range", field) from None
