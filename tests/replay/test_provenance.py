"""Provenance: every run's state says where its data came from (issue 9, item 1)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers import make_scanner, returning
from tests.snapshot_server import SnapshotServer
from tradingagents.clock import FakeClock
from tradingagents.engine import ExecutionPolicy, ScanJob
from tradingagents.errors import SnapshotError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.nodes import DiscoverNode
from tradingagents.recording import record_snapshot
from tradingagents.replay import load_snapshot, sample_snapshot_path
from tradingagents.replay.snapshot import MANIFEST, RunSource, run_source, write_manifest

SAMPLE_DAY = date(2026, 11, 20)
ONE = [make_scanner("one", returning("F"))]
NOT_NASDAQ = (
    "market_movers",
    "insider_buying",
    "options_flow",
    "reddit_trending",
    "sec_catalysts",
    "rsi_oversold",
    "technical_breakout",
    "volume_accumulation",
)


def replay_of(root: Path) -> dict[str, Any]:
    return {"discovery": {"source": {"snapshot": str(root)}}}


def test_a_run_on_the_bundled_sample_says_it_is_synthetic() -> None:
    state = DiscoveryGraph(None, ONE).run()
    assert state["source"] == {
        "mode": "replay",
        "snapshot": "sample",
        "synthetic": True,
        "recorded_at": None,
    }


def test_the_sample_named_by_its_path_is_still_the_sample() -> None:
    state = DiscoveryGraph(replay_of(sample_snapshot_path()), ONE).run()
    assert state["source"]["snapshot"] == "sample"
    assert state["source"]["synthetic"] is True


def test_a_copy_of_a_generated_snapshot_is_synthetic_and_named_by_its_path(
    tmp_path: Path,
) -> None:
    root = tmp_path / "copy"
    shutil.copytree(sample_snapshot_path(), root)
    state = DiscoveryGraph(replay_of(root), ONE).run()
    assert state["source"] == {
        "mode": "replay",
        "snapshot": str(root.resolve()),
        "synthetic": True,
        "recorded_at": None,
    }


def as_recorded(root: Path, recorded_at: str | None) -> None:
    """Turn a copy of the sample into a "recorded" snapshot, as an old or a new recorder wrote."""
    data = json.loads((root / MANIFEST).read_text())
    data["kind"] = "recorded"
    for entry in data["responses"]:
        entry["origin"] = "recorded"
    if recorded_at is not None:
        data["recorded_at"] = recorded_at
    (root / MANIFEST).write_text(json.dumps(data))


def test_a_recorded_snapshot_is_market_data_with_its_recording_time(tmp_path: Path) -> None:
    root = tmp_path / "rec"
    shutil.copytree(sample_snapshot_path(), root)
    as_recorded(root, "2026-11-20T21:05:09Z")
    state = DiscoveryGraph(replay_of(root), ONE).run()
    assert state["source"] == {
        "mode": "replay",
        "snapshot": str(root.resolve()),
        "synthetic": False,
        "recorded_at": "2026-11-20T21:05:09+00:00",
    }


def test_a_recording_without_recorded_at_still_loads_with_the_time_unknown(
    tmp_path: Path,
) -> None:
    root = tmp_path / "old"
    shutil.copytree(sample_snapshot_path(), root)
    as_recorded(root, None)
    assert load_snapshot(root).manifest.recorded_at is None
    state = DiscoveryGraph(replay_of(root), ONE).run()
    assert state["source"]["synthetic"] is False
    assert state["source"]["recorded_at"] is None


def test_recorded_at_must_carry_a_time_zone(tmp_path: Path) -> None:
    root = tmp_path / "naive"
    shutil.copytree(sample_snapshot_path(), root)
    as_recorded(root, "2026-11-20T21:05:09")
    with pytest.raises(SnapshotError, match="recorded_at"):
        load_snapshot(root)


def test_write_manifest_writes_recorded_at_only_when_known(tmp_path: Path) -> None:
    manifest = load_snapshot(sample_snapshot_path()).manifest
    write_manifest(tmp_path, manifest)
    # Generated snapshots stay byte-for-byte what they were before the field existed.
    assert "recorded_at" not in json.loads((tmp_path / MANIFEST).read_text())
    when = datetime(2026, 11, 20, 21, 5, 9, tzinfo=UTC)
    write_manifest(tmp_path, manifest.model_copy(update={"recorded_at": when}))
    assert json.loads((tmp_path / MANIFEST).read_text())["recorded_at"] == "2026-11-20T21:05:09Z"


def test_a_live_run_records_when_it_started(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 20, 14, 30, 5, tzinfo=UTC))
    config = {
        "discovery": {
            "source": {"mode": "live"},
            "resilience": {"state_dir": str(tmp_path), "breaker": {"enabled": False}},
        }
    }
    with DiscoveryGraph(config, ONE, clock=clock) as graph:
        state = graph.run(SAMPLE_DAY)
    assert state["source"] == {
        "mode": "live",
        "snapshot": None,
        "synthetic": False,
        "recorded_at": "2026-11-20T14:30:05+00:00",
    }


def test_run_source_is_taken_when_the_run_starts() -> None:
    seen: list[str] = []

    def source() -> RunSource:
        seen.append("source")
        return run_source(None, now=datetime(2026, 11, 20, tzinfo=UTC))

    def scan(ctx: Any) -> list[Any]:
        seen.append("scan")
        return []

    node = DiscoverNode(
        [ScanJob(make_scanner("s", scan)(), {"limit": None}, 5.0)],
        ExecutionPolicy(),
        None,
        source=source,
    )
    update = node({"trade_date": "2026-11-20"})
    assert seen == ["source", "scan"]
    assert update["source"]["recorded_at"] == "2026-11-20T00:00:00+00:00"
    # Used on its own, without a source, the node sets no source entry.
    bare = DiscoverNode([], ExecutionPolicy(), None)
    assert "source" not in bare({"trade_date": "2026-11-20"})


@pytest.fixture
def server(httpserver: HTTPServer) -> SnapshotServer:
    return SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))


def test_a_recording_keeps_its_live_runs_start_time_and_its_replay_reports_it(
    server: SnapshotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FINNHUB_API_KEY", raising=False)
    root = tmp_path / "recorded"
    config = server.live_config(
        cache_dir=str(tmp_path / "cache"),
        resilience={"state_dir": str(tmp_path / "state")},
        scanners={name: {"enabled": False} for name in NOT_NASDAQ},
    )
    before = datetime.now(UTC).replace(microsecond=0)
    manifest, live = record_snapshot(
        root, config=config, trade_date=SAMPLE_DAY, today=lambda: SAMPLE_DAY
    )
    assert live["source"]["mode"] == "live"
    assert manifest.recorded_at is not None
    assert manifest.recorded_at == datetime.fromisoformat(live["source"]["recorded_at"])
    assert before <= manifest.recorded_at <= datetime.now(UTC)
    assert "recorded_at" in json.loads((root / MANIFEST).read_text())
    replayed = DiscoveryGraph(replay_of(root)).run()
    assert replayed["source"] == {
        "mode": "replay",
        "snapshot": str(root.resolve()),
        "synthetic": False,
        "recorded_at": live["source"]["recorded_at"],
    }
