"""The scoring model: ramps, signal resolution, score breakdowns, repeated tickers and limits."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tradingagents.config import load_config
from tradingagents.default_config import DEFAULT_CONFIG
from tradingagents.discovery import Candidate
from tradingagents.discovery.merge import merge_scanner_candidates
from tradingagents.discovery.scoring import (
    RankConfig,
    keep_best,
    merge_repeated,
    ramp,
    resolve_signal,
    score_breakdown,
    signal_problems,
)
from tradingagents.errors import CandidateError


def cand(ticker: str, priority: str = "medium", context: str = "x", **extra: Any) -> Candidate:
    return Candidate.coerce(
        {"ticker": ticker, "priority": priority, "context": context, **extra}, source="s"
    )


def test_ramp_is_zero_at_the_threshold_one_at_saturation_and_clamped() -> None:
    assert ramp(3.0, 3.0, 20.0) == 0.0
    assert ramp(11.5, 3.0, 20.0) == 0.5
    assert ramp(20.0, 3.0, 20.0) == 1.0
    assert ramp(50.0, 3.0, 20.0) == 1.0
    assert ramp(1.0, 3.0, 20.0) == 0.0
    # A falling measure (RSI under its maximum) ramps the other way.
    assert ramp(2.5, 10.0, 0.0) == 0.75
    # Saturation equal to the threshold: a step.
    assert ramp(5.0, 5.0, 5.0) == 1.0 and ramp(4.0, 5.0, 5.0) == 0.0


@pytest.mark.parametrize(
    ("fields", "value", "origin", "clamped", "problem"),
    [
        ({"signal": 0.3, "score": 0.9}, 0.3, "signal", None, None),
        ({"score": 0.9}, 0.9, "score", None, None),
        ({"score": 2.5}, 1.0, "score", 2.5, "score 2.5 outside [0, 1], clamped to 1"),
        ({"score": -3}, 0.0, "score", -3.0, "score -3 outside [0, 1], clamped to 0"),
        ({"score": "high"}, 0.5, "default", None, "score 'high' is not a number, used 0.5"),
        ({"score": math.nan}, 0.5, "default", None, "score nan is not a number, used 0.5"),
        ({}, 0.5, "default", None, None),
    ],
)
def test_a_signal_comes_from_signal_then_score_then_the_default(
    fields: dict[str, Any], value: float, origin: str, clamped: float | None, problem: str | None
) -> None:
    resolved = resolve_signal(fields, 0.5)
    assert (resolved.value, resolved.origin, resolved.clamped_from, resolved.problem) == (
        value,
        origin,
        clamped,
        problem,
    )


@pytest.mark.parametrize("bad", [1.5, -0.1, math.nan, math.inf, True, "0.5"])
def test_a_candidate_signal_off_the_scale_is_rejected(bad: Any) -> None:
    with pytest.raises(CandidateError, match="signal must be a number in \\[0, 1\\]"):
        cand("F", signal=bad)


@pytest.mark.parametrize("good", [0, 1, 0.25])
def test_a_candidate_signal_on_the_scale_is_kept(good: float) -> None:
    assert cand("F", signal=good).extras["signal"] == good


def merged(*per_scanner: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    candidates = [
        [
            Candidate.coerce({"context": "x", **row}, source=name)
            for row in rows  # one scanner's rows
        ]
        for name, rows in per_scanner
    ]
    (entry,) = merge_scanner_candidates(candidates)
    return entry


def test_the_breakdown_has_every_term_and_the_best_weighted_signal_wins() -> None:
    entry = merged(
        ("movers", [{"ticker": "WBA", "priority": "medium", "signal": 0.9}]),
        ("filings", [{"ticker": "WBA", "priority": "high", "signal": 0.7}]),
        ("plugin", [{"ticker": "WBA", "priority": "low"}]),
    )
    breakdown = score_breakdown(entry, RankConfig())
    assert [
        (t["source"], t["priority"], t["signal"], t["signal_from"], t["weight"], t["weighted"])
        for t in breakdown["sources"]
    ] == [
        ("movers", "medium", 0.9, "signal", 0.6, 0.54),
        ("filings", "high", 0.7, "signal", 0.8, 0.56),
        ("plugin", "low", 0.5, "default", 0.4, 0.2),
    ]
    assert breakdown["best_source"] == "filings"
    assert breakdown["best"] == 0.56
    assert (breakdown["extra_sources"], breakdown["confluence"]) == (2, 0.2)
    assert breakdown["total"] == 0.76


def test_equal_weighted_signals_credit_the_first_scanner() -> None:
    entry = merged(
        ("one", [{"ticker": "F", "priority": "medium", "signal": 0.5}]),
        ("two", [{"ticker": "F", "priority": "medium", "signal": 0.5}]),
    )
    assert score_breakdown(entry, RankConfig())["best_source"] == "one"


def test_every_constant_of_the_model_is_read_from_the_rank_config() -> None:
    entry = merged(
        ("one", [{"ticker": "F", "priority": "high"}]),
        ("two", [{"ticker": "F", "priority": "low", "signal": 1.0}]),
    )
    config = RankConfig.model_validate(
        {
            "confluence_boost": 0.5,
            "default_signal": 0.2,
            "priority_weights": {"high": 2.0, "low": 0.1},
        }
    )
    breakdown = score_breakdown(entry, config)
    assert [t["weighted"] for t in breakdown["sources"]] == [0.4, 0.1]
    assert breakdown["total"] == 0.9


def test_a_seeded_candidate_without_by_source_is_its_own_source() -> None:
    breakdown = score_breakdown(
        {"ticker": "F", "priority": "critical", "score": 0.9, "source": "seed"}, RankConfig()
    )
    assert breakdown["sources"][0]["source"] == "seed"
    assert breakdown["total"] == 0.9


def test_the_rank_defaults_are_defined_once_in_the_model() -> None:
    assert DEFAULT_CONFIG["discovery"]["rank"] == RankConfig().model_dump(mode="json")
    assert load_config().rank == RankConfig()
    rank = RankConfig()
    assert (rank.confluence_boost, rank.default_signal) == (0.1, 0.5)
    assert rank.priority_weights.model_dump() == {
        "critical": 1.0,
        "high": 0.8,
        "medium": 0.6,
        "low": 0.4,
    }


def test_repeated_tickers_become_one_candidate_from_the_best_row() -> None:
    rows = [
        cand("AAA", "low", "most active: +12%", signal=0.5, mover_list="most_active"),
        cand("BBB", "medium", "gainer", signal=0.2),
        cand("AAA", "high", "top gainer: +12%", signal=0.5, mover_list="gainers"),
        cand("AAA", "high", "top gainer: +12%", signal=0.5, volume=1e6),
    ]
    out = merge_repeated(rows, 0.5)
    assert [c.ticker for c in out] == ["AAA", "BBB"]  # where each ticker first appeared
    aaa = out[0]
    assert aaa.priority.value == "high"
    assert aaa.context == "top gainer: +12% | most active: +12%"
    assert aaa.extras == {"signal": 0.5, "mover_list": "gainers", "volume": 1e6}


def test_the_limit_keeps_the_best_by_priority_then_signal_in_their_own_order() -> None:
    rows = [
        cand("AAA", "medium", signal=0.1),
        cand("BBB", "medium", signal=0.9),
        cand("CCC", "low", signal=1.0),
        cand("DDD", "high", signal=0.0),
        cand("EEE", "medium", signal=0.9),
    ]
    kept, cut = keep_best(rows, 3, 0.5)
    assert [c.ticker for c in kept] == ["BBB", "DDD", "EEE"]
    assert cut == 2
    # Ties at the boundary go to the first row.
    kept, _ = keep_best(rows, 2, 0.5)
    assert [c.ticker for c in kept] == ["BBB", "DDD"]
    assert keep_best(rows, None, 0.5) == (rows, 0)


def test_scores_off_the_scale_make_one_warning() -> None:
    rows = [cand(t, score=s) for t, s in (("A", 2.0), ("B", 0.5), ("C", 3), ("D", 4), ("E", 5))]
    assert signal_problems(rows, 0.5) == (
        "4 candidates have a score off the signal scale [0, 1] (A: score 2 outside [0, 1], "
        "clamped to 1; C: score 3 outside [0, 1], clamped to 1; D: score 4 outside [0, 1], "
        "clamped to 1 and 1 more)"
    )
    assert signal_problems(rows[1:2], 0.5) is None
