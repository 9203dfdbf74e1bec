"""A snapshot manifest's optional ``bars``: the bar archive a replay serves the history from."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tradingagents.errors import SnapshotError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.replay import BarArchive, load_snapshot, sample_bars_path, sample_snapshot_path
from tradingagents.replay.snapshot import BARS_FILE, MANIFEST

HISTORY = ("rsi_oversold", "technical_breakout", "volume_accumulation")


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(sample_snapshot_path(), tmp_path / "snap"))


def declare(root: Path, bars: str, change: Callable[[dict[str, Any]], object] = dict) -> None:
    data = json.loads((root / MANIFEST).read_text())
    data["bars"] = bars
    change(data)
    (root / MANIFEST).write_text(json.dumps(data))


def replay(root: Path, **graph: Any) -> dict[str, Any]:
    config = {"discovery": {"source": {"mode": "replay", "snapshot": str(root)}}}
    with DiscoveryGraph(config, **graph) as discovery:
        return discovery.run()


def charts(state: dict[str, Any]) -> int:
    return sum(1 for log in state["tool_logs"] if log["tool"] == "yahoo.chart")


def test_the_sample_ships_bars_but_its_manifest_declares_none() -> None:
    # The default discover keeps reading the sample's chart responses; the bars are for evaluation.
    assert "bars" not in json.loads((sample_snapshot_path() / MANIFEST).read_text())
    assert load_snapshot(sample_snapshot_path()).bar_archive() is None
    assert sample_bars_path() == sample_snapshot_path() / BARS_FILE
    assert sample_bars_path().is_file()


def test_declared_bars_serve_the_history_scanners_with_no_chart_asked(snapshot_dir: Path) -> None:
    charted = replay(snapshot_dir)
    assert charts(charted) > 0
    declare(snapshot_dir, BARS_FILE)
    # No chart response is left: only the bars can serve the history.
    for path in (snapshot_dir / "yahoo").glob("v8_finance_chart_*"):
        path.unlink()
    data = json.loads((snapshot_dir / MANIFEST).read_text())
    data["responses"] = [r for r in data["responses"] if "/chart/" not in r["path"]]
    (snapshot_dir / MANIFEST).write_text(json.dumps(data))

    served = replay(snapshot_dir)
    assert charts(served) == 0
    runs = {r["name"]: r for r in served["scanner_runs"]}
    assert all(runs[name]["status"] == "ok" for name in HISTORY)
    # The sample's archive holds the charts' bars unchanged: the same picks, the same scores.
    assert served["ranked_candidates"] == charted["ranked_candidates"]


def test_bars_given_to_the_graph_win_over_the_declared(snapshot_dir: Path) -> None:
    declare(snapshot_dir, BARS_FILE)
    given = BarArchive.load(sample_bars_path())
    with DiscoveryGraph(
        {"discovery": {"source": {"mode": "replay", "snapshot": str(snapshot_dir)}}}, bars=given
    ) as graph:
        assert graph.bars is given
    with DiscoveryGraph(
        {"discovery": {"source": {"mode": "replay", "snapshot": str(snapshot_dir)}}}
    ) as graph:
        assert isinstance(graph.bars, BarArchive)
        assert graph.bars.path == snapshot_dir / BARS_FILE


@pytest.mark.parametrize(
    ("bars", "message"),
    [
        ("bars/none.parquet", "bars 'bars/none.parquet' does not exist"),
        ("../../etc/passwd", "leaves the snapshot"),
    ],
)
def test_declared_bars_that_cannot_be_read_are_a_clear_error(
    snapshot_dir: Path, bars: str, message: str
) -> None:
    declare(snapshot_dir, bars)
    with pytest.raises(SnapshotError, match=message) as info:
        load_snapshot(snapshot_dir)
    assert str(snapshot_dir) in str(info.value)


def test_declared_bars_that_are_no_bar_archive_fail_the_graph_not_a_scanner(
    snapshot_dir: Path,
) -> None:
    declare(snapshot_dir, "manifest.json")
    with pytest.raises(SnapshotError, match="not a parquet file"):
        replay(snapshot_dir)


def test_a_snapshot_with_bars_and_no_yahoo_response_still_serves_the_history(
    snapshot_dir: Path,
) -> None:
    # An archived run whose price history came all from a warm cache asked Yahoo nothing.
    declare(
        snapshot_dir,
        BARS_FILE,
        lambda d: d.update(responses=[r for r in d["responses"] if r["provider"] != "yahoo"]),
    )
    state = replay(snapshot_dir)
    runs = {r["name"]: r for r in state["scanner_runs"]}
    assert all(runs[name]["status"] == "ok" for name in HISTORY)
    found = {c["ticker"] for c in state["candidates"] if set(c["sources"]) & set(HISTORY)}
    assert {"KO", "PFE", "PLTR"} <= found
