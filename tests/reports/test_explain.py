"""Every reason for every candidate, and where the data came from, in every run file (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.reports import sample_state
from tradingagents.reports import results_markdown, tool_logs_markdown, write_run_artifacts
from tradingagents.reports.explain import describe_source, is_synthetic, reasons, source_label

SAMPLE_SOURCE = {"mode": "replay", "snapshot": "sample", "synthetic": True, "recorded_at": None}
RECORDED = {
    "mode": "replay",
    "snapshot": "/data/snaps/today",
    "synthetic": False,
    "recorded_at": "2026-11-20T21:05:09+00:00",
}
LIVE = {
    "mode": "live",
    "snapshot": None,
    "synthetic": False,
    "recorded_at": "2026-11-20T14:30:05+00:00",
}


def merged(*pairs: tuple[str, str]) -> dict[str, Any]:
    """A merged candidate as the merge writes it (contexts deduplicated)."""
    contexts: list[str] = []
    for _, context in pairs:
        if context not in contexts:
            contexts.append(context)
    return {
        "ticker": "WBA",
        "priority": "high",
        "context": pairs[0][1],
        "contexts": contexts,
        "source": pairs[0][0],
        "sources": [scanner for scanner, _ in pairs],
        "by_source": {s: {"priority": "high", "context": c} for s, c in pairs},
    }


def test_reasons_lists_every_scanner_with_its_own_context_in_order() -> None:
    candidate = merged(("market_movers", "top loser -8.9%"), ("sec_catalysts", "8-K item 1.01"))
    assert reasons(candidate) == [
        ("market_movers", "top loser -8.9%"),
        ("sec_catalysts", "8-K item 1.01"),
    ]


def test_reasons_keeps_a_context_two_scanners_share() -> None:
    # The merge keeps one copy of a repeated context: contexts alone would lose a scanner.
    candidate = merged(("a", "same words"), ("b", "same words"), ("c", "other"))
    assert candidate["contexts"] == ["same words", "other"]
    assert reasons(candidate) == [("a", "same words"), ("b", "same words"), ("c", "other")]


def test_reasons_of_candidates_without_by_source() -> None:
    assert reasons({"sources": ["a", "b"], "contexts": ["x", "y"], "context": "x"}) == [
        ("a", "x"),
        ("b", "y"),
    ]
    assert reasons({"source": "a", "context": "x"}) == [("a", "x")]
    assert reasons({"sources": ["a", "b"], "contexts": ["x"], "context": "x"}) == [
        ("a", "x"),
        ("b", ""),
    ]
    assert reasons({"ticker": "F"}) == []


def test_every_ranked_candidate_of_the_sample_shows_every_reason(tmp_path: Path) -> None:
    state = sample_state()
    write_run_artifacts(state, tmp_path)
    result = json.loads((tmp_path / "discovery_result.json").read_text(encoding="utf-8"))
    markdown = (tmp_path / "discovery_results.md").read_text(encoding="utf-8")
    several = [c for c in result["ranked_candidates"] if len(c["sources"]) > 1]
    assert several, "the sample has tickers found by more than one scanner"
    rows = {line.split(" | ")[1]: line for line in markdown.splitlines() if line.startswith("| ")}
    for candidate in result["ranked_candidates"]:
        # The JSON carries every scanner's own context...
        assert list(candidate["by_source"]) == candidate["sources"]
        found = reasons(candidate)
        assert [scanner for scanner, _ in found] == candidate["sources"]
        # ...and so does the Markdown row, one line per scanner.
        row = rows[candidate["ticker"]]
        cell = row.rstrip(" |").split(" | ")[-1]
        assert cell.split("<br>") == [f"{scanner}: {context}" for scanner, context in found]


def test_every_sample_run_file_says_the_data_is_synthetic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradingagents.reports import timeline

    titles: list[str] = []
    draw = timeline.render_timeline

    def spy(runs: Any, path: Path, *, title: str = "") -> None:
        titles.append(title)
        draw(runs, path, title=title)

    monkeypatch.setattr(timeline, "render_timeline", spy)
    state = sample_state()
    assert state["source"] == SAMPLE_SOURCE
    write_run_artifacts(state, tmp_path)
    header = (
        "Data: replay of the bundled sample snapshot (synthetic data, generated for "
        "2026-11-20) — not market data."
    )
    for name in ("discovery_results.md", "tool_execution_logs.md"):
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        assert lines[2] == header, name
    result = json.loads((tmp_path / "discovery_result.json").read_text(encoding="utf-8"))
    assert result["source"] == SAMPLE_SOURCE
    assert titles == ["Discovery 2026-11-20 (synthetic data, not market data)"]


def test_describe_source() -> None:
    assert describe_source(SAMPLE_SOURCE, "2026-11-20") == (
        "Data: replay of the bundled sample snapshot (synthetic data, generated for "
        "2026-11-20) — not market data."
    )
    assert describe_source(RECORDED) == (
        "Data: replay of snapshot /data/snaps/today (recorded 2026-11-20T21:05:09+00:00)."
    )
    assert describe_source({**RECORDED, "recorded_at": None}) == (
        "Data: replay of snapshot /data/snaps/today (recorded, time unknown)."
    )
    assert describe_source({**SAMPLE_SOURCE, "snapshot": "/x"}, "2026-11-20") == (
        "Data: replay of snapshot /x (synthetic data, generated for 2026-11-20) — not market data."
    )
    assert (
        describe_source(LIVE) == "Data: live market data (run started 2026-11-20T14:30:05+00:00)."
    )
    assert describe_source(None) == "Data: unknown source (this state has no source entry)."
    # Whatever else a source says, synthetic data is never passed off as market data.
    assert "not market data" in describe_source({"mode": "live", "synthetic": True})


def test_source_label_and_is_synthetic() -> None:
    assert source_label(SAMPLE_SOURCE) == "synthetic data, not market data"
    assert source_label(RECORDED) == "replay"
    assert source_label(LIVE) == "live"
    assert source_label(None) == ""
    assert is_synthetic(SAMPLE_SOURCE) and not is_synthetic(LIVE) and not is_synthetic(None)


@pytest.mark.parametrize(("source", "line"), [(RECORDED, "recorded 2026"), (LIVE, "live market")])
def test_run_files_of_market_data_say_so(source: dict[str, Any], line: str) -> None:
    state = {"trade_date": "2026-11-20", "source": source}
    for text in (results_markdown(state), tool_logs_markdown(state)):
        assert line in text.splitlines()[2]
        assert "synthetic" not in text
