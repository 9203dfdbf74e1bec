"""Snapshots: a directory of raw API responses for one trade date, described by a manifest."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Literal, TypedDict
from urllib.parse import urlencode, urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tradingagents.errors import ProviderResponseTooLarge, SnapshotError
from tradingagents.http import DEFAULT_MAX_BYTES, Request
from tradingagents.replay.bars import BarArchive, BarArchiveError
from tradingagents.replay.files import (
    FileTooLarge,
    MissingFile,
    UnsafeFile,
    check_regular,
    parse_json,
    read_regular,
)
from tradingagents.validation import problems_from_validation

MANIFEST = "manifest.json"
#: Where a snapshot keeps its bar archive (the sample's, an archived live run's).
BARS_FILE = "bars/daily.parquet"
#: ``source["snapshot"]`` for the snapshot bundled with the package (its path is an install's).
SAMPLE_SNAPSHOT = "sample"
#: A manifest is read whole and parsed in memory: a bound far above any real one (the sample's
#: is 33 kB) keeps a hostile one from taking the memory.
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
#: A manifest nests four deep (responses, an entry, its params); the bound keeps parsing and
#: validation far from any recursion limit.
MANIFEST_MAX_DEPTH = 32


class SnapshotResponseTooLarge(SnapshotError, ProviderResponseTooLarge):
    """A response file is larger than its provider's ``max_bytes``; none of it was read.

    A provider error too, as the same body would be live: only the scanner asking for it fails.
    """


class SnapshotEntry(BaseModel):
    """One recorded (or generated) response: the request it answers and the file holding it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    # Request path and public query parameters; the host is not part of the key, so a snapshot
    # serves a client whatever base URL it is configured with.
    path: str
    params: dict[str, str] = Field(default_factory=dict)
    file: str
    status: int = 200
    content_type: str = "application/json"
    latency_s: float = Field(default=0.0, ge=0)
    origin: Literal["recorded", "generated"]
    description: str = ""

    @property
    def key(self) -> str:
        return request_key(self.provider, self.path, self.params)


class Manifest(BaseModel):
    """``manifest.json``: what the snapshot is, for which date, and every response in it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    trade_date: date
    kind: Literal["recorded", "generated"]
    created_by: str
    # When the recorded live run started; absent from generated snapshots and from recordings
    # made before this field existed, which still load.
    recorded_at: AwareDatetime | None = None
    notes: str = ""
    responses: tuple[SnapshotEntry, ...]
    # A bar archive (relative path) that a replay serves the history scanners from instead of
    # chart responses: an archived live run's history load, which a warm price cache served
    # mostly without requests. Absent from the sample, which ships one for evaluation only.
    bars: str | None = None


def request_key(provider: str, path: str, params: Mapping[str, str]) -> str:
    query = urlencode(sorted(params.items()))
    return f"{provider} {path}?{query}" if query else f"{provider} {path}"


def snapshot_path(request: Request) -> str:
    """The path a snapshot files ``request`` under: its ``snapshot_path``, else the URL's."""
    return request.snapshot_path or urlsplit(request.url).path


def key_for(request: Request) -> str:
    return request_key(request.provider, snapshot_path(request), dict(request.params))


class Snapshot:
    """A loaded, validated snapshot. Response bodies are read from disk on demand."""

    def __init__(self, root: Path, manifest: Manifest) -> None:
        self.root = root
        self.manifest = manifest
        self._index = {entry.key: entry for entry in manifest.responses}

    @property
    def trade_date(self) -> date:
        return self.manifest.trade_date

    def entry_for(self, request: Request) -> SnapshotEntry | None:
        return self._index.get(key_for(request))

    def providers(self) -> frozenset[str]:
        return frozenset(entry.provider for entry in self.manifest.responses)

    def bar_archive(self) -> BarArchive | None:
        """The bar archive the manifest declares (``bars``), loaded; None when it declares none.

        Raises :class:`~tradingagents.replay.bars.BarArchiveError` naming the file when it
        cannot be read."""
        if self.manifest.bars is None:
            return None
        try:
            check_regular(self.root, self.manifest.bars)
        except UnsafeFile as exc:
            raise BarArchiveError(
                f"snapshot {self.root}: bars {self.manifest.bars!r} {exc.reason}"
            ) from None
        return BarArchive.load(self.root / self.manifest.bars)

    def body(self, entry: SnapshotEntry, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """The response's bytes, checked again now: the file may have changed since loading."""
        try:
            return read_regular(self.root, entry.file, limit=max_bytes)
        except FileTooLarge as exc:
            raise SnapshotResponseTooLarge(
                f"snapshot {self.root}: {entry.file!r} {exc.reason} ({entry.provider}'s max_bytes)",
                provider=entry.provider,
            ) from None
        except UnsafeFile as exc:
            raise SnapshotError(
                f"snapshot {self.root}: {entry.file!r} {exc.reason}", provider=entry.provider
            ) from None


def load_snapshot(root: str | Path) -> Snapshot:
    """Load and validate ``root/manifest.json``; every file it names must be a regular file
    inside ``root``, reached through no symbolic link.

    Raises :class:`SnapshotError` naming the snapshot, the file and what is wrong.
    """
    root = Path(root)
    try:
        data = read_regular(root, MANIFEST, limit=MANIFEST_MAX_BYTES)
        raw = parse_json(data, max_depth=MANIFEST_MAX_DEPTH)
    except MissingFile:
        raise SnapshotError(
            f"snapshot {root}: no {MANIFEST} (is this a snapshot directory?)"
        ) from None
    except UnsafeFile as exc:
        raise SnapshotError(f"snapshot {root}: {MANIFEST} {exc.reason}") from None
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(str(p) for p in problems_from_validation(exc, ()))
        raise SnapshotError(f"snapshot {root}: invalid {MANIFEST}: {problems}") from None
    seen: set[str] = set()
    for i, entry in enumerate(manifest.responses):
        try:
            check_regular(root, entry.file)
        except UnsafeFile as exc:
            raise SnapshotError(
                f"snapshot {root}: responses.{i}.file {entry.file!r} {exc.reason}"
            ) from None
        if entry.key in seen:
            raise SnapshotError(f"snapshot {root}: responses.{i} repeats the request {entry.key!r}")
        seen.add(entry.key)
    if manifest.bars is not None:
        try:
            check_regular(root, manifest.bars)
        except UnsafeFile as exc:
            raise SnapshotError(f"snapshot {root}: bars {manifest.bars!r} {exc.reason}") from None
    return Snapshot(root, manifest)


def sample_snapshot_path() -> Path:
    """The generated sample snapshot that ships with the package (the offline default)."""
    return Path(str(resources.files("tradingagents.replay") / "sample"))


def sample_bars_path() -> Path:
    """The sample's bar archive (:class:`~tradingagents.replay.bars.BarArchive`): synthetic
    daily bars of every charted sample symbol and SPY, from 2024-10 through the trade date."""
    return sample_snapshot_path() / BARS_FILE


class RunSource(TypedDict):
    """The state's ``source`` entry: where a run's data came from."""

    mode: Literal["replay", "live"]
    #: ``"sample"`` for the bundled sample, else the snapshot directory; None when live.
    snapshot: str | None
    #: True when the data was generated (the bundled sample), not market data.
    synthetic: bool
    #: ISO-8601: when a recorded snapshot's run started, or when a live run started.
    recorded_at: str | None


def is_sample(root: Path) -> bool:
    """Whether ``root`` is the bundled sample snapshot, however it was named."""
    return Path(root).resolve() == sample_snapshot_path().resolve()


def run_source(snapshot: Snapshot | None, *, now: datetime) -> RunSource:
    """The ``source`` entry of a run served from ``snapshot`` (None: live) starting at ``now``."""
    if snapshot is None:
        return RunSource(
            mode="live",
            snapshot=None,
            synthetic=False,
            recorded_at=now.isoformat(timespec="seconds"),
        )
    recorded_at = snapshot.manifest.recorded_at
    return RunSource(
        mode="replay",
        snapshot=SAMPLE_SNAPSHOT if is_sample(snapshot.root) else str(snapshot.root.resolve()),
        synthetic=snapshot.manifest.kind == "generated",
        recorded_at=None if recorded_at is None else recorded_at.isoformat(timespec="seconds"),
    )


def write_manifest(root: Path, manifest: Manifest) -> None:
    data = manifest.model_dump(mode="json")
    if data.get("recorded_at") is None:
        # Written only when known, so generated snapshots stay byte-for-byte reproducible.
        data.pop("recorded_at", None)
    if data.get("bars") is None:
        # Likewise: a snapshot without bars has the manifest it had before the field existed.
        data.pop("bars", None)
    (root / MANIFEST).write_text(
        json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8"
    )
