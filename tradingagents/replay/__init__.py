"""Replay: snapshots of raw API responses, served offline through the live parsing code."""

from tradingagents.replay.snapshot import (
    Manifest,
    Snapshot,
    SnapshotEntry,
    load_snapshot,
    sample_snapshot_path,
)
from tradingagents.replay.transport import RecordingTransport, ReplayTransport, SnapshotMiss

__all__ = [
    "Manifest",
    "RecordingTransport",
    "ReplayTransport",
    "Snapshot",
    "SnapshotEntry",
    "SnapshotMiss",
    "load_snapshot",
    "sample_snapshot_path",
]
