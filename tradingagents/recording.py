"""Record today's live responses of the enabled scanners into a snapshot directory."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tradingagents.config import DiscoveryConfig, deep_merge, load_config
from tradingagents.credentials import Credentials
from tradingagents.errors import SnapshotError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Transport
from tradingagents.replay.snapshot import MANIFEST, Manifest, write_manifest
from tradingagents.replay.transport import RecordingTransport
from tradingagents.wiring import build_hub


def record_snapshot(
    root: str | Path,
    *,
    config: Mapping[str, Any] | DiscoveryConfig | None = None,
    trade_date: date | None = None,
    credentials: Credentials | None = None,
    today: Callable[[], date] = date.today,
    skip_reasons: Mapping[str, str] | None = None,
) -> tuple[Manifest, dict[str, Any]]:
    """Run discovery live and write every successful response, plus a manifest, under ``root``.

    ``root`` must not already hold a snapshot. Returns the manifest and the run's final state.
    Scanners run one at a time, so the recorded latencies are those of single requests.
    API keys are sent but never written: only public query parameters reach the snapshot.
    ``credentials`` default to the environment's; ``skip_reasons`` is passed to the graph.
    """
    root = Path(root)
    if (root / MANIFEST).exists():
        raise SnapshotError(f"{root} already holds a snapshot; record into a new directory")
    if isinstance(config, DiscoveryConfig):
        config = {"discovery": config.model_dump()}
    with tempfile.TemporaryDirectory(prefix="tradingagents-record-") as scratch:
        live = deep_merge(
            dict(config or {}),
            {
                "discovery": {
                    "source": {"mode": "live"},
                    "scanner_execution": {"concurrent": False},
                    # A cache hit or an open breaker would leave requests out of the snapshot: the
                    # HTTP cache is off, and the run's data caches (price history, universe
                    # listings) start empty in a scratch directory.
                    "resilience": {"cache": {"enabled": False}, "breaker": {"enabled": False}},
                    "cache_dir": scratch,
                    # The snapshot is this run's record: no second copy in the run archive.
                    "archive": {"enabled": False},
                    # A snapshot holds provider data only: an LLM call would be unrecorded cost.
                    "llm_rank": {"provider": None, "model": None},
                }
            },
        )
        settings = load_config(live)
        recorders: list[RecordingTransport] = []

        def wrap(transport: Transport) -> Transport:
            recorder = RecordingTransport(transport, root)
            recorders.append(recorder)
            return recorder

        hub = build_hub(settings, credentials=credentials, wrap=wrap)
        day = trade_date or today()
        with DiscoveryGraph(
            settings, providers=hub, today=today, skip_reasons=skip_reasons
        ) as graph:
            # Created once the config and scanners are known good: a refused run leaves nothing.
            root.mkdir(parents=True, exist_ok=True)
            state = graph.run(day)
    entries = [entry for recorder in recorders for entry in recorder.entries]
    # The live run's own start time, so a replay can say when its data was fetched.
    started = (state.get("source") or {}).get("recorded_at")
    recorded_at = datetime.fromisoformat(started) if started else datetime.now(UTC)
    manifest = Manifest(
        trade_date=day,
        kind="recorded",
        created_by="tradingagents.recording",
        recorded_at=recorded_at,
        notes=f"recorded live on {today()} by {len(state['scanner_runs'])} scanners",
        responses=tuple(entries),
    )
    write_manifest(root, manifest)
    return manifest, state
