"""Deterministic merge of candidates: one entry per ticker, nothing lost, order by registration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tradingagents.discovery.candidate import Candidate, Priority

# Keys the merge owns; everything else a scanner sets is an "extra" field and is kept.
MERGED_KEYS = ("ticker", "priority", "context", "contexts", "source", "sources", "by_source")


def candidate_entry(candidate: Candidate) -> dict[str, Any]:
    """A validated candidate as a merged-candidate dict with a single source."""
    assert candidate.source is not None, "the engine stamps source before merging"
    extras = candidate.extras
    return {
        "ticker": candidate.ticker,
        "priority": candidate.priority.value,
        "context": candidate.context,
        "contexts": [candidate.context],
        "source": candidate.source,
        "sources": [candidate.source],
        "by_source": {
            candidate.source: {
                "priority": candidate.priority.value,
                "context": candidate.context,
                **extras,
            }
        },
        **extras,
    }


def _combine(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``new`` into a copy of ``old`` (same ticker); ``old`` keeps precedence on conflicts."""
    merged = dict(old)
    if Priority(new["priority"]).rank > Priority(old["priority"]).rank:
        merged["priority"] = new["priority"]
    merged["sources"] = list(old["sources"]) + [
        s for s in new["sources"] if s not in old["sources"]
    ]
    merged["contexts"] = list(old["contexts"]) + [
        c for c in new["contexts"] if c not in old["contexts"]
    ]
    by_source = dict(old["by_source"])
    for source, fields in new["by_source"].items():
        by_source.setdefault(source, fields)
    merged["by_source"] = by_source
    for key, value in new.items():
        if key not in MERGED_KEYS and key not in merged:
            merged[key] = value  # first scanner (registration order) to set a field wins
    return merged


def _complete(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A merged-candidate dict, even from a plain candidate someone seeded the state with.

    Entries that already have the merge's keys pass through untouched (no copy).
    """
    if "sources" in entry and "contexts" in entry and "by_source" in entry:
        return dict(entry) if not isinstance(entry, dict) else entry
    source = entry.get("source") or "state"
    fields = {k: v for k, v in entry.items() if k not in MERGED_KEYS}
    candidate = Candidate.coerce(
        {
            **fields,
            "ticker": entry.get("ticker"),
            "context": entry.get("context") or "seeded",
            "priority": entry.get("priority", "low"),
        },
        source=source,
    )
    return candidate_entry(candidate)


def merge_candidates(
    left: Iterable[Mapping[str, Any]] | None, right: Iterable[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """Reducer for ``candidates``: merge ``right`` into ``left`` by ticker, deterministically.

    Tickers keep the position of their first appearance (``left`` first). A ticker in both
    gets every source and context, the highest priority, and every scanner's fields. Neither
    input is mutated (a ticker in both gets a new dict); untouched entries are shared, not
    copied, so the cost is one pass over ``left`` per update, whatever the number of scanners.
    """
    out: list[dict[str, Any]] = [_complete(entry) for entry in left or []]
    incoming = [_complete(entry) for entry in right or []]
    if not incoming:
        return out
    index = {entry["ticker"]: i for i, entry in enumerate(out)}
    for entry in incoming:
        ticker = entry["ticker"]
        at = index.get(ticker)
        if at is None:
            index[ticker] = len(out)
            out.append(entry)  # shared, not copied: entries are never mutated
        else:
            out[at] = _combine(out[at], entry)
    return out


def merge_scanner_candidates(per_scanner: Iterable[Iterable[Candidate]]) -> list[dict[str, Any]]:
    """Merge candidates of several scanners, given in registration order."""
    return merge_candidates(
        [], [candidate_entry(c) for candidates in per_scanner for c in candidates]
    )
