"""The ``universe`` setting's source form: a market listing filtered by price, volume and size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from tradingagents.config._base import FROZEN
from tradingagents.validation import did_you_mean


class UniverseSource(BaseModel):
    """Symbols taken from a listing on the trade date, filtered, largest market caps first.

    A threshold set to None does not filter; a listed stock without the value (Nasdaq leaves
    some market caps empty) fails a threshold that is set.
    """

    model_config = FROZEN

    source: Literal["nasdaq"] = Field(
        description="The listing: nasdaq is Nasdaq's stock screener, every stock listed on "
        "NASDAQ, NYSE and NYSE American with its last sale, volume and market cap, in one "
        "request.",
    )
    min_price: float | None = Field(
        default=5.0, ge=0, description="Lowest last sale price, in dollars."
    )
    # The listing has the trade date's volume only; an average would need every symbol's
    # history, which is what the universe is meant to bound.
    min_volume: float | None = Field(
        default=1_000_000, ge=0, description="Lowest share volume on the trade date."
    )
    min_market_cap: float | None = Field(
        default=300_000_000, ge=0, description="Lowest market capitalisation, in dollars."
    )
    max_symbols: int | None = Field(
        default=2000,
        ge=1,
        description="At most this many symbols: the largest market caps (ties by symbol).",
    )


def universe_form(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate ``universe`` as the form its input has: a table is a :class:`UniverseSource`.

    Pydantic tries both members of the union and reports both failures under member names
    (``universe.tuple[str, ...]``, ``universe.UniverseSource.min_price``); a table's own
    errors are kept, under ``universe.<key>``.
    """
    if isinstance(value, str):
        # An environment variable that is not JSON arrives as text (pydantic-settings only
        # tries JSON on a union): one clear error instead of one per member.
        raise PydanticCustomError(
            "universe_type",
            "expected a list of symbols or a table (in an environment variable, expected JSON: "
            '["AAPL","MSFT"] or {"source":"nasdaq"})',
        )
    try:
        return handler(value)
    except ValidationError as exc:
        if not isinstance(value, Mapping):
            raise
        errors = [
            _own_error(error["type"], error["loc"][1:], error["input"], error.get("ctx", {}))
            for error in exc.errors()
            if error["loc"][:1] == (UniverseSource.__name__,)
        ]
        raise ValidationError.from_exception_data(exc.title, errors) from None


def _own_error(
    kind: str, loc: tuple[Any, ...], value: Any, ctx: dict[str, Any]
) -> InitErrorDetails:
    if kind == "extra_forbidden" and loc:
        # The generic "did you mean" cannot see through the union, so it is said here
        # (min_avg_volume is the likely one: the listing has no average volume).
        match = did_you_mean(str(loc[-1]), UniverseSource.model_fields)
        if match is not None:
            error = PydanticCustomError(
                "unknown_key", "unknown key; did you mean '{match}'?", {"match": match}
            )
            return InitErrorDetails(type=error, loc=loc, input=value)
    return InitErrorDetails(type=kind, loc=loc, input=value, ctx=ctx)
