"""Pure parsing of Alpha Vantage's TOP_GAINERS_LOSERS answer, quota notes included."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import CandidateError, ProviderHTTPError, ProviderRateLimited
from tradingagents.providers.parsing import (
    Native,
    NonBlank,
    PayloadError,
    load_json,
    to_display_number,
    validate,
)

PROVIDER = "alpha_vantage"

_COUNT = re.compile(r"^\d+$")


def _amount(value: Any) -> float:
    """A number sent as a string ("2.39", "126.2857%"); "no value" is an error here."""
    number = to_display_number(value)
    if number is None:
        raise PayloadError(f"no value ({value!r})")
    return number


def _share_count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _COUNT.match(value.strip()):
        return int(value.strip())
    raise PayloadError(f"expected a share count, got {value!r}")


Amount = Annotated[float, PlainValidator(_amount)]


class _Mover(Native):
    ticker: NonBlank
    price: Amount
    change_amount: Amount
    change_percentage: Amount
    volume: Annotated[int, PlainValidator(_share_count)]


class _Answer(Native):
    """Every number of the answer arrives as a string."""

    last_updated: str
    top_gainers: list[_Mover]
    top_losers: list[_Mover]
    most_actively_traded: list[_Mover]


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
    raise_for_api_message(data)
    answer = validate(_Answer, data, provider=PROVIDER)
    return TopMovers(
        last_updated=answer.last_updated,
        gainers=tuple(map(_mover, answer.top_gainers)),
        losers=tuple(map(_mover, answer.top_losers)),
        most_active=tuple(map(_mover, answer.most_actively_traded)),
    )


def _mover(mover: _Mover) -> AvMover:
    try:
        # Nasdaq warrants ("FNVTW") are valid tickers; NYSE warrants in the feed's "+"
        # spelling ("RBOT+") are not, and are kept with no symbol rather than re-spelled.
        symbol: str | None = normalize_ticker(mover.ticker)
    except CandidateError:
        symbol = None
    return AvMover(
        ticker=mover.ticker,
        symbol=symbol,
        price=mover.price,
        change_amount=mover.change_amount,
        change_pct=mover.change_percentage,
        volume=mover.volume,
    )
