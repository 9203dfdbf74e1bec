"""Candidate validation and ticker normalisation."""

from __future__ import annotations

import pytest

from tradingagents.discovery import Candidate, Priority, normalize_ticker
from tradingagents.errors import CandidateError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("F", "F"),
        ("aapl", "AAPL"),
        (" msft ", "MSFT"),
        ("BRK-B", "BRK-B"),
        ("BRK.B", "BRK-B"),
        ("brk/b", "BRK-B"),
        ("$TSLA", "TSLA"),
        ("GOOGL", "GOOGL"),
        ("AACT-WT", "AACT-WT"),
    ],
)
def test_tickers_are_normalised(raw: str, expected: str) -> None:
    assert normalize_ticker(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "TOOLONGX", "AB CD", "12", "BRK-", "-B", "A$B", None, 5]
)
def test_invalid_tickers_are_rejected(raw: object) -> None:
    with pytest.raises(CandidateError):
        normalize_ticker(raw)


def test_priority_order_and_promotion() -> None:
    assert [p.rank for p in (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)] == [
        0,
        1,
        2,
        3,
    ]
    assert Priority.LOW.promoted() is Priority.MEDIUM
    assert Priority.CRITICAL.promoted() is Priority.CRITICAL


def test_coerce_stamps_the_source_and_keeps_extras() -> None:
    c = Candidate.coerce(
        {"ticker": "brk.b", "context": "x", "priority": "high", "price": 1.5}, source="s"
    )
    assert (c.ticker, c.source, c.priority, c.extras) == (
        "BRK-B",
        "s",
        Priority.HIGH,
        {"price": 1.5},
    )
    model = Candidate(ticker="f", context="y", priority=Priority.LOW, source="other")
    assert Candidate.coerce(model, source="mine").source == "mine"


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"context": "x", "priority": "high"}, "ticker: Field required"),
        ({"ticker": "F", "priority": "high"}, "context: Field required"),
        ({"ticker": "F", "context": "", "priority": "high"}, "context"),
        ({"ticker": "F", "context": "x", "priority": "urgent"}, "priority"),
        (
            {"ticker": "F", "context": "x", "priority": "high", "sources": ["me"]},
            "'sources' is reserved",
        ),
        ("F", "expected a Candidate or dict, got str"),
    ],
)
def test_coerce_names_the_offending_field(item: object, fragment: str) -> None:
    with pytest.raises(CandidateError, match=fragment.replace("(", r"\(")):
        Candidate.coerce(item, source="s")  # type: ignore[arg-type]
