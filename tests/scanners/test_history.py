"""The history scanners point-in-time from a bar archive, black-box through DiscoveryGraph."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tradingagents.discovery import Scanner, load_registry
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.replay.bars import BarArchive, write_bar_archive
from tradingagents.replay.snapshot import sample_bars_path

HISTORY_SCANNERS = ("rsi_oversold", "technical_breakout", "volume_accumulation")
#: A synthetic day (the sample snapshot holds 2026-11-20 only) on which all three fire:
#: BAC oversold, AAPL breaking out on heavy volume.
DAY = date(2025, 8, 12)
BEFORE, AFTER = date(2025, 8, 11), date(2025, 8, 13)
Frames = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def sample() -> BarArchive:
    return BarArchive.load(sample_bars_path())


@pytest.fixture(scope="module")
def frames(sample: BarArchive) -> Frames:
    return {symbol: sample.bars(symbol) for symbol in sample.symbols}


def history_scanners() -> list[type[Scanner]]:
    return [cls for cls in load_registry().scanners if cls.name in HISTORY_SCANNERS]


def run(day: date | str, bars: BarArchive | None) -> dict[str, Any]:
    """The sample config (a replay of the sample snapshot) with the three history scanners."""
    graph = DiscoveryGraph(None, history_scanners(), bars=bars)
    try:
        return graph.run(day)
    finally:
        graph.close()


def picks(state: dict[str, Any]) -> dict[str, Any]:
    """What a day's run found: every candidate as merged and as ranked (scores), and each
    scanner's status, warnings and coverage."""
    runs = {
        r["name"]: (r["status"], r["warnings"], r["coverage"], r["candidates"])
        for r in state["scanner_runs"]
    }
    return {
        "candidates": state["candidates"],
        "ranked": state["ranked_candidates"],
        "runs": runs,
    }


def archive(tmp_path: Path, frames: Frames, edit: Callable[[Frames], None]) -> BarArchive:
    """A copy of the sample archive with ``edit`` applied to its frames."""
    copy = {symbol: frame.copy() for symbol, frame in frames.items()}
    edit(copy)
    path = write_bar_archive(tmp_path / "bars.parquet", copy, synthetic=True, created_by="test")
    return BarArchive.load(path)


def row(frame: pd.DataFrame, day: date | pd.Timestamp) -> int:
    at = int(frame.index.get_indexer(pd.DatetimeIndex([pd.Timestamp(day)]))[0])
    assert at >= 0, f"no bar on {day}"
    return at


def plant(frame: pd.DataFrame, at: int, *, volume: float, price: float = 1.0) -> None:
    """Multiply the bar at position ``at``: its volume by ``volume``, its prices by ``price``
    (kept in whole cents, as the sample's are)."""
    for column in ("open", "high", "low", "close", "adj_close"):
        values = frame[column].to_numpy(copy=True)
        values[at] = round(values[at] * price, 2)
        frame[column] = values
    volumes = frame["volume"].to_numpy(copy=True)
    volumes[at] *= volume
    frame["volume"] = volumes


def wild(frame: pd.DataFrame, day: date | pd.Timestamp) -> None:
    """Make the bar on ``day`` absurd: ten times the volume, the price crashed to a third."""
    plant(frame, row(frame, day), volume=10, price=1 / 3)


@pytest.fixture(scope="module")
def baseline(sample: BarArchive) -> dict[str, Any]:
    return picks(run(DAY, sample))


def test_the_day_has_candidates_from_every_history_scanner(baseline: dict[str, Any]) -> None:
    found = {(c["ticker"], tuple(c["sources"])) for c in baseline["candidates"]}
    assert found == {
        ("BAC", ("rsi_oversold",)),
        ("AAPL", ("technical_breakout", "volume_accumulation")),
    }
    assert {name: r[0] for name, r in baseline["runs"].items()} == dict.fromkeys(
        HISTORY_SCANNERS, "ok"
    )


def after_day(symbols: tuple[str, ...] | None) -> Callable[[Frames], None]:
    """For ``symbols`` (or every symbol) after the day: ten times the volume on an unchanged
    close (what volume_accumulation reports) the next session and on the archive's last (where
    a run that ignored the trade date would look), and a crash in between."""

    def edit(frames: Frames) -> None:
        for symbol in symbols or tuple(frames):
            frame = frames[symbol]
            after = row(frame, AFTER)
            for at in (after, len(frame) - 1):
                plant(frame, at, volume=10)
            plant(frame, after + 1, volume=10, price=1 / 3)

    return edit


@pytest.mark.parametrize(
    "symbols", [("AAPL",), ("BAC",), None], ids=["breakout-candidate", "rsi-candidate", "all"]
)
def test_bars_planted_after_the_day_change_nothing(
    tmp_path: Path, frames: Frames, baseline: dict[str, Any], symbols: tuple[str, ...] | None
) -> None:
    planted = archive(tmp_path, frames, after_day(symbols))
    first = (symbols or ("SPY",))[0]
    at = row(frames[first], AFTER)
    volumes = planted.bars(first)["volume"].to_numpy(), frames[first]["volume"].to_numpy()
    assert volumes[0][at] == 10 * volumes[1][at]
    assert picks(run(DAY, planted)) == baseline


def volume_spike_on_the_day(frames: Frames) -> None:
    # KO closed +0.5% that day: quiet enough for accumulation (at most 2%).
    plant(frames["KO"], row(frames["KO"], DAY), volume=10)


def crash_on_the_day(frames: Frames) -> None:
    wild(frames["AAPL"], DAY)


def crash_the_day_before(frames: Frames) -> None:
    wild(frames["BAC"], BEFORE)


@pytest.mark.parametrize(
    "edit",
    [volume_spike_on_the_day, crash_on_the_day, crash_the_day_before],
    ids=["10x-volume-on-the-day", "crash-on-the-day", "crash-the-day-before"],
)
def test_bars_planted_on_or_before_the_day_change_its_picks(
    tmp_path: Path, frames: Frames, baseline: dict[str, Any], edit: Callable[[Frames], None]
) -> None:
    found = picks(run(DAY, archive(tmp_path, frames, edit)))
    assert found["candidates"] != baseline["candidates"]


def test_a_volume_spike_on_the_day_is_found(tmp_path: Path, frames: Frames) -> None:
    state = run(DAY, archive(tmp_path, frames, volume_spike_on_the_day))
    by_ticker = {c["ticker"]: c for c in state["candidates"]}
    assert "volume_accumulation" in by_ticker["KO"]["sources"]


def test_a_symbol_missing_from_the_archive_is_that_symbols_warning(
    tmp_path: Path, frames: Frames, baseline: dict[str, Any]
) -> None:
    def drop(frames: Frames) -> None:
        del frames["BAC"]

    planted = archive(tmp_path, frames, drop)
    state = run(DAY, planted)
    assert [c["ticker"] for c in state["candidates"]] == ["AAPL"]
    for record in state["scanner_runs"]:
        assert record["status"] == "ok"
        assert record["coverage"]["asked"] - record["coverage"]["answered"] == 1
        assert record["warnings"] == [
            "price history missing for 1 symbols (BAC: SymbolNotInArchive: BAC has no bars "
            f"in the bar archive {planted.path})"
        ]


def test_no_provider_is_asked(sample: BarArchive) -> None:
    # The sample snapshot holds 2026-11-20 only: any provider request for DAY would fail.
    without = run(DAY, None)
    assert {r["status"] for r in without["scanner_runs"]} == {"error"}
    assert "SnapshotError" in str(without["scanner_runs"][0]["error"])
    state = run(DAY, sample)
    assert state["tool_logs"] == []
    assert {r["status"] for r in state["scanner_runs"]} == {"ok"}
    assert all(r["coverage"]["data_as_of"] == DAY.isoformat() for r in state["scanner_runs"])


def test_on_the_snapshot_day_the_archive_finds_what_the_snapshot_does(sample: BarArchive) -> None:
    with_bars = run("2026-11-20", sample)
    replay = run("2026-11-20", None)
    assert with_bars["tool_logs"] == [] and replay["tool_logs"]
    assert [(c["ticker"], c["priority"]) for c in replay["candidates"]] == [
        ("KO", "high"),
        ("PLTR", "high"),
        ("PFE", "high"),
    ]
    # Tickers, priorities, signals, contexts, every detail and the ranked scores.
    assert with_bars["candidates"] == replay["candidates"]
    assert with_bars["ranked_candidates"] == replay["ranked_candidates"]
