"""The candidates reducer: deterministic, lossless, never mutating its inputs."""

from __future__ import annotations

import copy

from tradingagents.discovery import Candidate
from tradingagents.discovery.merge import (
    candidate_entry,
    merge_candidates,
    merge_scanner_candidates,
)


def cand(ticker: str, source: str, priority: str = "medium", **extra: object) -> Candidate:
    return Candidate.coerce(
        {"ticker": ticker, "context": f"{source}:{ticker}", "priority": priority, **extra},
        source=source,
    )


def test_one_entry_per_ticker_in_first_appearance_order() -> None:
    merged = merge_scanner_candidates(
        [[cand("AAPL", "a"), cand("MSFT", "a")], [cand("F", "b"), cand("AAPL", "b", "high")]]
    )
    assert [m["ticker"] for m in merged] == ["AAPL", "MSFT", "F"]
    assert merged[0]["sources"] == ["a", "b"]
    assert merged[0]["priority"] == "high"
    assert merged[0]["source"] == "a"


def test_duplicate_ticker_within_one_scanner_keeps_both_contexts_and_one_source() -> None:
    merged = merge_scanner_candidates([[cand("F", "a", note=1), cand("f", "a", "critical")]])
    assert len(merged) == 1
    assert merged[0]["sources"] == ["a"]
    assert merged[0]["priority"] == "critical"
    assert merged[0]["note"] == 1


def test_reducer_does_not_mutate_its_inputs() -> None:
    left = [candidate_entry(cand("AAPL", "a", price=1))]
    right = [
        candidate_entry(cand("AAPL", "b", "critical", price=2)),
        candidate_entry(cand("T", "b")),
    ]
    left_copy, right_copy = copy.deepcopy(left), copy.deepcopy(right)
    out = merge_candidates(left, right)
    assert left == left_copy and right == right_copy
    assert out[0]["price"] == 1 and out[0]["by_source"]["b"]["price"] == 2
    assert [o["ticker"] for o in out] == ["AAPL", "T"]
    assert merge_candidates(None, None) == []
    assert merge_candidates(left, None) == left and merge_candidates(left, None) is not left


def test_merging_the_same_update_twice_does_not_duplicate_sources_or_contexts() -> None:
    entries = [candidate_entry(cand("AAPL", "a"))]
    twice = merge_candidates(merge_candidates([], entries), entries)
    assert twice[0]["sources"] == ["a"]
    assert twice[0]["contexts"] == ["a:AAPL"]


def test_plain_candidates_seeded_into_the_state_are_merged_not_crashing() -> None:
    seeded = [
        {
            "ticker": "brk.b",
            "priority": "high",
            "context": "from a parent graph",
            "source": "parent",
        }
    ]
    out = merge_candidates(seeded, [candidate_entry(cand("BRK-B", "a", "low"))])
    assert len(out) == 1
    assert out[0]["ticker"] == "BRK-B"
    assert out[0]["sources"] == ["parent", "a"]
    assert out[0]["priority"] == "high"
