"""Scanner.point_in_time: declared by every built-in, "now_only" unless a scanner says more."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from tests.helpers import BUILTINS
from tradingagents.discovery import PointInTime, ScanContext, Scanner, load_registry
from tradingagents.errors import RegistryError

#: What each built-in can be evaluated from on a past date, and so what evaluation runs.
DECLARED: dict[str, PointInTime] = {
    "earnings_calendar": "now_only",
    "insider_buying": "date_range",
    "market_movers": "now_only",
    "options_flow": "now_only",
    "reddit_trending": "now_only",
    "rsi_oversold": "bars",
    "sec_catalysts": "date_range",
    "technical_breakout": "bars",
    "volume_accumulation": "bars",
}


def test_the_values_are_bars_date_range_and_now_only() -> None:
    assert get_args(PointInTime) == ("bars", "date_range", "now_only")
    assert Scanner.point_in_time == "now_only"


def test_every_builtin_declares_its_own() -> None:
    scanners = {cls.name: cls for cls in load_registry().scanners}
    assert sorted(scanners) == sorted(BUILTINS) == sorted(DECLARED)
    # In its own class body: inheriting the default would be a decision nobody made.
    assert {name: cls.__dict__.get("point_in_time") for name, cls in scanners.items()} == DECLARED


class Silent(Scanner):
    name = "silent"

    def scan(self, ctx: ScanContext) -> list[Any]:
        return []


def test_a_scanner_that_says_nothing_is_now_only() -> None:
    assert Silent.point_in_time == "now_only"
    assert "point_in_time" not in Silent.__dict__


def test_a_subclass_inherits_its_parents_declaration() -> None:
    class FromBars(Silent):
        point_in_time = "bars"

    class Child(FromBars):
        name = "child"

    assert Child.point_in_time == "bars"


@pytest.mark.parametrize("value", ["Bars", "history", "", None, 1])
def test_an_invalid_value_is_a_registry_error(value: object) -> None:
    with pytest.raises(RegistryError) as raised:
        type("Bad", (Scanner,), {"point_in_time": value, "scan": lambda self, ctx: []})
    message = str(raised.value)
    assert "Bad.point_in_time must be one of bars, date_range, now_only" in message
    assert repr(value) in message
