"""Pure parsing of Alpha Vantage's TOP_GAINERS_LOSERS answer, quota notes included."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import (
    CandidateError,
    ProviderHTTPError,
    ProviderParseError,
    ProviderRateLimited,
)
from tradingagents.providers.parsing import dig, display_number, expect_object, load_json

PROVIDER = "alpha_vantage"

_COUNT = re.compile(r"^\d+$")
_LISTS = (
    ("gainers", "top_gainers"),
    ("losers", "top_losers"),
    ("most_active", "most_actively_traded"),
)


class AvMover(BaseModel):
    """One ticker of a top-movers list. ``symbol`` is None for what is not a plain US ticker."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticker: str
    symbol: str | None
    price: float
    change_amount: float
    change_pct: float
    volume: int


class TopMovers(BaseModel):
    """The three top-20 lists of one TOP_GAINERS_LOSERS answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    last_updated: str
    gainers: tuple[AvMover, ...]
    losers: tuple[AvMover, ...]
    most_active: tuple[AvMover, ...]


def raise_for_api_message(data: Any) -> None:
    """Raise for the errors Alpha Vantage sends with HTTP 200.

    A ``Note`` or ``Information`` field is the quota (or premium-only) answer: rate limited,
    worth retrying later. An ``Error Message`` field is a bad request: not retryable.
    """
    if not isinstance(data, Mapping):
        return
    for key in ("Note", "Information"):
        if key in data:
            raise ProviderRateLimited(
                f"Alpha Vantage {key}: {data[key]}", status=200, provider=PROVIDER
            )
    if "Error Message" in data:
        raise ProviderHTTPError(
            f"Alpha Vantage Error Message: {data['Error Message']}", status=200, provider=PROVIDER
        )


def parse_top_movers(payload: bytes | str | Mapping[str, Any]) -> TopMovers:
    """Top gainers, losers and most traded tickers; every number arrives as a string."""
    data = load_json(payload, provider=PROVIDER)
    data = expect_object(data, provider=PROVIDER, field="<body>")
    raise_for_api_message(data)
    lists = {
        name: tuple(
            _mover(item, f"{key}.{index}")
            for index, item in enumerate(dig(data, key, provider=PROVIDER, kind=list))
        )
        for name, key in _LISTS
    }
    return TopMovers(
        last_updated=dig(data, "last_updated", provider=PROVIDER, kind=str),
        gainers=lists["gainers"],
        losers=lists["losers"],
        most_active=lists["most_active"],
    )


def _mover(item: Any, path: str) -> AvMover:
    item = expect_object(item, provider=PROVIDER, field=path)
    ticker = item.get("ticker")
    if not isinstance(ticker, str) or not ticker.strip():
        raise ProviderParseError(
            f"expected a ticker, got {ticker!r}", provider=PROVIDER, field=f"{path}.ticker"
        )
    try:
        # Nasdaq warrants ("FNVTW") are valid tickers; NYSE warrants in the feed's "+"
        # spelling ("RBOT+") are not, and are kept with no symbol rather than re-spelled.
        symbol: str | None = normalize_ticker(ticker)
    except CandidateError:
        symbol = None
    return AvMover(
        ticker=ticker,
        symbol=symbol,
        price=_number(item, path, "price"),
        change_amount=_number(item, path, "change_amount"),
        change_pct=_number(item, path, "change_percentage"),
        volume=_volume(item, path),
    )


def _number(item: Mapping[str, Any], path: str, key: str) -> float:
    field = f"{path}.{key}"
    if key not in item:
        raise ProviderParseError("missing field", provider=PROVIDER, field=field)
    number = display_number(item[key], provider=PROVIDER, field=field)
    if number is None:
        raise ProviderParseError(f"no value ({item[key]!r})", provider=PROVIDER, field=field)
    return number


def _volume(item: Mapping[str, Any], path: str) -> int:
    value = item.get("volume")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _COUNT.match(value.strip()):
        return int(value.strip())
    raise ProviderParseError(
        f"expected a share count, got {value!r}", provider=PROVIDER, field=f"{path}.volume"
    )
