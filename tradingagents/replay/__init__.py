"""Replay: snapshots of raw API responses, served offline through the live parsing code."""

from tradingagents.replay.bars import (
    BarArchive,
    BarArchiveError,
    SymbolNotInArchive,
    write_bar_archive,
)
from tradingagents.replay.snapshot import (
    Manifest,
    Snapshot,
    SnapshotEntry,
    load_snapshot,
    sample_bars_path,
    sample_snapshot_path,
)
from tradingagents.replay.transport import RecordingTransport, ReplayTransport, SnapshotMiss

__all__ = [
    "BarArchive",
    "BarArchiveError",
    "Manifest",
    "RecordingTransport",
    "ReplayTransport",
    "Snapshot",
    "SnapshotEntry",
    "SnapshotMiss",
    "SymbolNotInArchive",
    "load_snapshot",
    "sample_bars_path",
    "sample_snapshot_path",
    "write_bar_archive",
]
