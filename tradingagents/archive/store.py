"""The run archive: every live run's raw responses, content-addressed, replayable as a snapshot."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tradingagents import paths
from tradingagents.config import DiscoveryConfig
from tradingagents.errors import TradingAgentsError
from tradingagents.http import Request, Response
from tradingagents.redaction import known_secrets, redact, redact_text
from tradingagents.replay.bars import write_bar_archive
from tradingagents.replay.files import (
    FileTooLarge,
    MissingFile,
    UnsafeFile,
    components,
    parse_json,
    read_regular,
)
from tradingagents.replay.snapshot import (
    BARS_FILE,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    MANIFEST_MAX_DEPTH,
    Manifest,
    SnapshotEntry,
    write_manifest,
)
from tradingagents.replay.transport import recorded
from tradingagents.sqlite_files import connect, open_healing
from tradingagents.validation import problems_from_validation

logger = logging.getLogger("tradingagents.archive")

#: The archive's directory under the state directory.
ARCHIVE_DIR = "archive"
#: A run's id as the discover node makes it (``20261202T093726Z-1a2b3c4d``), and nothing that
#: could name a path outside ``runs/``.
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: How long one commit waits for another process's (they are short: renames and a manifest).
LOCK_TIMEOUT_S = 10.0
#: A run's staged responses left behind this long (its process died) are swept by a commit.
STALE_STAGING_S = 24 * 3600.0
#: A blob's hash anywhere in a manifest this version cannot read (see ``RunArchive._prune``).
_SHA256_VALUE = re.compile(rb'"sha256"\s*:\s*"([0-9a-f]{64})"')


class ArchiveError(TradingAgentsError):
    """The run archive cannot do what was asked; the message names the file or run."""


class RunNotArchived(ArchiveError, KeyError):
    """No archived run has this id; ``suggestions`` are the closest ids that exist."""

    def __init__(self, run_id: str, suggestions: tuple[str, ...] = ()) -> None:
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"no archived run {run_id!r}{hint}")
        self.run_id = run_id
        self.suggestions = suggestions

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class CorruptRunManifest(ArchiveError):
    """A run's manifest in the archive cannot be read; ``path`` names it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"archived run manifest {path}: {reason}")
        self.path = path


def _safe_relative(value: str) -> str:
    # A manifest names where materialize writes: nothing may lead outside the snapshot.
    try:
        components(value)
    except UnsafeFile as exc:
        raise ValueError(f"{value!r} {exc.reason}") from None
    return value


class ArchiveEntry(SnapshotEntry):
    """A snapshot entry whose body is the blob ``sha256`` (``size`` bytes, redacted)."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)

    @field_validator("file")
    @classmethod
    def _file_inside(cls, value: str) -> str:
        return _safe_relative(value)


class ArchivedBars(BaseModel):
    """The blob holding a run's history load as a bar archive (``sha256``, ``size`` bytes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class RunManifest(Manifest):
    """``runs/<run_id>.json``: a snapshot manifest plus the run's id and scanner statuses."""

    run_id: str = Field(pattern=_RUN_ID.pattern)
    recorded_at: AwareDatetime
    #: Each scanner's status in the run (``ok``, ``failed``, ``skipped``...).
    scanners: dict[str, str] = Field(default_factory=dict)
    responses: tuple[ArchiveEntry, ...]
    #: The run's price history (what its scanners read, a warm cache's bars included), written
    #: as ``bars`` (:data:`~tradingagents.replay.snapshot.BARS_FILE`) when materialized.
    bar_archive: ArchivedBars | None = None
    #: The run's effective ``discovery`` config as it ran (its per-run overrides merged),
    #: redacted, without what means nothing to a replay (:func:`recorded_config`); absent from
    #: runs archived before it was recorded, whose replay uses the current config.
    config: dict[str, Any] | None = None

    @field_validator("bars")
    @classmethod
    def _bars_inside(cls, value: str | None) -> str | None:
        return None if value is None else _safe_relative(value)

    @model_validator(mode="after")
    def _bars_with_their_blob(self) -> RunManifest:
        if (self.bars is None) != (self.bar_archive is None):
            raise ValueError("bars and bar_archive are given together or not at all")
        _distinct_files(self)
        return self

    def blobs(self) -> set[str]:
        """The hashes of every blob the run uses."""
        return set(self.blob_sizes())

    def blob_sizes(self) -> dict[str, int]:
        """Each blob the run uses, with its size in bytes."""
        found = {e.sha256: e.size for e in self.responses}
        if self.bar_archive is not None:
            found[self.bar_archive.sha256] = self.bar_archive.size
        return found

    def snapshot_manifest(self) -> Manifest:
        """The plain snapshot manifest of this run (what :meth:`RunArchive.materialize` writes)."""
        keep = set(SnapshotEntry.model_fields)
        return Manifest(
            trade_date=self.trade_date,
            kind="recorded",
            created_by=self.created_by,
            recorded_at=self.recorded_at,
            notes=self.notes,
            responses=tuple(
                SnapshotEntry(**{k: v for k, v in dict(e).items() if k in keep})
                for e in self.responses
            ),
            bars=self.bars,
        )


#: Where a run's data came from and where its state lived: a replay sets its own.
_NOT_REPLAYED = ("source", "cache_dir", "resilience.state_dir")
#: Per provider: how a live client reached it (the host is not part of a response's key).
_NOT_REPLAYED_PER_PROVIDER = ("base_url", "user_agent")


def recorded_config(config: DiscoveryConfig) -> dict[str, Any]:
    """``config`` as a run manifest records it: the JSON dump without the keys that make no
    sense for a replay (the source, the state and cache directories, how providers were
    reached), every known secret redacted from its keys and values."""
    dump: dict[str, Any] = config.model_dump(mode="json")
    for path in _NOT_REPLAYED:
        *parents, last = path.split(".")
        table = dump
        for key in parents:
            table = table.get(key) or {}
        table.pop(last, None)
    for settings in (dump.get("providers") or {}).values():
        for key in _NOT_REPLAYED_PER_PROVIDER:
            settings.pop(key, None)
    secrets = known_secrets()
    # redact() scrubs values and drops secret-named keys' values; keys themselves (a cache
    # pattern) are text too.
    clean: dict[str, Any] = _redacted_keys(redact(dump, secrets), secrets)
    return clean


def _redacted_keys(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {redact_text(k, secrets): _redacted_keys(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted_keys(item, secrets) for item in value]
    return value


def _distinct_files(manifest: RunManifest) -> None:
    # Two entries writing one file would replay one of them with the other's body.
    files = [e.file for e in manifest.responses]
    if manifest.bars is not None:
        files.append(manifest.bars)
    repeated = sorted(name for name, count in Counter(files).items() if count > 1)
    if repeated:
        raise ValueError(f"file {repeated[0]!r} is named by more than one entry")


@dataclass(frozen=True)
class ArchivedRun:
    """One archived live run, as its manifest describes it."""

    run_id: str
    trade_date: date
    recorded_at: datetime
    #: How many responses the run's replay can serve.
    responses: int
    #: Their total size, the bar archive's included (before deduplication with other runs).
    bytes: int
    #: Responses per provider.
    providers: Mapping[str, int]
    #: Each scanner's status in the run.
    scanners: Mapping[str, str]
    manifest: RunManifest = field(repr=False)
    #: The size of the run's bar archive (its price history); 0 when it has none.
    bars_bytes: int = 0


def _archived(manifest: RunManifest) -> ArchivedRun:
    return ArchivedRun(
        run_id=manifest.run_id,
        trade_date=manifest.trade_date,
        recorded_at=manifest.recorded_at,
        responses=len(manifest.responses),
        bytes=_run_bytes(manifest),
        providers=dict(sorted(Counter(e.provider for e in manifest.responses).items())),
        scanners=dict(manifest.scanners),
        manifest=manifest,
        bars_bytes=0 if manifest.bar_archive is None else manifest.bar_archive.size,
    )


def _run_bytes(manifest: RunManifest) -> int:
    bars = 0 if manifest.bar_archive is None else manifest.bar_archive.size
    return sum(e.size for e in manifest.responses) + bars


def _write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    # A reader (a replay, another process's commit) sees no file or the complete one.
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temp, "xb") as file:
            file.write(data)
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


class RunArchive:
    """The archive under ``root`` (``<state_dir>/archive``): ``blobs/<sha[:2]>/<sha256>`` holds
    each distinct redacted body once, ``runs/<run_id>.json`` each run's manifest.

    A run's responses are staged under ``staging/<run_id>/`` while it runs and moved into
    ``blobs/`` with its manifest when it ends, under a lock shared by processes; the size bound
    (``max_bytes``) is enforced then, dropping the oldest runs and the blobs no kept run uses.
    """

    def __init__(self, root: str | os.PathLike[str], *, max_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._problems: list[CorruptRunManifest] = []

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def blobs_dir(self) -> Path:
        return self.root / "blobs"

    def blob_path(self, sha256: str) -> Path:
        return self.blobs_dir / sha256[:2] / sha256

    # -- reading ----------------------------------------------------------------------------

    def _manifests(self) -> tuple[list[RunManifest], list[CorruptRunManifest]]:
        found: list[RunManifest] = []
        broken: list[CorruptRunManifest] = []
        try:
            names = sorted(p.name for p in self.runs_dir.iterdir() if p.suffix == ".json")
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            raise ArchiveError(
                f"run archive: cannot list {self.runs_dir} ({exc.strerror or exc})"
            ) from None
        for name in names:
            if name.startswith("."):
                continue  # a manifest being written
            try:
                found.append(self._read(self.runs_dir / name))
            except CorruptRunManifest as exc:
                broken.append(exc)
        found.sort(key=lambda m: (m.recorded_at, m.run_id), reverse=True)
        return found, broken

    def _read(self, path: Path) -> RunManifest:
        try:
            raw = parse_json(
                read_regular(path.parent, path.name, limit=MANIFEST_MAX_BYTES),
                max_depth=MANIFEST_MAX_DEPTH,
            )
        except MissingFile:
            raise CorruptRunManifest(path, "no such file") from None
        except UnsafeFile as exc:
            raise CorruptRunManifest(path, exc.reason) from None
        try:
            manifest = RunManifest.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(str(p) for p in problems_from_validation(exc, ()))
            raise CorruptRunManifest(path, f"invalid: {problems}") from None
        if f"{manifest.run_id}.json" != path.name:
            raise CorruptRunManifest(path, f"holds run {manifest.run_id!r}, not its file name's")
        return manifest

    def runs(self) -> list[ArchivedRun]:
        """Every readable archived run, newest first; :meth:`problems` names the unreadable.

        Raises :class:`ArchiveError` when the runs directory cannot be listed."""
        found, self._problems = self._manifests()
        self._sweep_staging()
        return [_archived(m) for m in found]

    def problems(self) -> list[CorruptRunManifest]:
        """The manifests the last :meth:`runs` could not read, each naming its file."""
        return list(self._problems)

    def get(self, run_id: str) -> ArchivedRun:
        """The archived run ``run_id``; :class:`RunNotArchived` (with close ids) when there is
        none, :class:`CorruptRunManifest` when its manifest cannot be read."""
        if not _RUN_ID.match(run_id):
            raise RunNotArchived(run_id, self._close_to(run_id))
        path = self.runs_dir / f"{run_id}.json"
        if not path.exists():
            raise RunNotArchived(run_id, self._close_to(run_id))
        return _archived(self._read(path))

    def _close_to(self, run_id: str) -> tuple[str, ...]:
        try:
            known = [p.stem for p in self.runs_dir.glob("*.json") if not p.name.startswith(".")]
        except OSError:
            return ()
        # Ids share their date prefix: a suffix typo is judged on the suffix too.
        return tuple(difflib.get_close_matches(run_id, known, n=3, cutoff=0.75))

    def for_trade_date(self, day: date) -> list[ArchivedRun]:
        """The archived runs for trade date ``day``, newest first."""
        return [run for run in self.runs() if run.trade_date == day]

    def materialize(self, run_id: str, dest: str | os.PathLike[str]) -> Path:
        """Write run ``run_id`` as a regular snapshot directory at ``dest`` (which must not hold
        a snapshot yet): ``load_snapshot(dest)`` and ``source = {mode = "replay", snapshot =
        dest}`` replay it. Raises :class:`ArchiveError` when a response's blob is missing."""
        run = self.get(run_id)
        dest = Path(dest)
        if (dest / MANIFEST).exists():
            raise ArchiveError(f"{dest} already holds a snapshot; materialize into a new directory")
        dest.mkdir(parents=True, exist_ok=True)
        files = [
            (e.sha256, e.size, e.file, f"the response {e.key!r}") for e in run.manifest.responses
        ]
        if (bars := run.manifest.bar_archive) is not None and run.manifest.bars is not None:
            files.append((bars.sha256, bars.size, run.manifest.bars, "its bar archive"))
        for sha256, size, file, what in files:
            try:  # checked again: the manifest validator is not the only way to a RunManifest
                names = components(file)
            except UnsafeFile as exc:
                raise ArchiveError(f"archived run {run_id}: file {file!r} {exc.reason}") from None
            data = self._blob(run_id, sha256, size, what)
            target = dest.joinpath(*names)
            target.parent.mkdir(parents=True, exist_ok=True)
            # "xb": never through a link or over a file something else put there.
            with open(target, "xb") as out:
                out.write(data)
        write_manifest(dest, run.manifest.snapshot_manifest())
        return dest

    def _blob(self, run_id: str, sha256: str, size: int, what: str) -> bytes:
        """Blob ``sha256``'s bytes, read without following a link, exactly ``size`` of them."""
        blob = self.blob_path(sha256)
        try:
            data = read_regular(self.root, str(blob.relative_to(self.root)), limit=size)
        except MissingFile:
            raise ArchiveError(
                f"archived run {run_id}: {what} is missing from the archive ({blob})"
            ) from None
        except FileTooLarge as exc:
            raise ArchiveError(
                f"archived run {run_id}: blob {blob} of {what} is {exc.size} bytes, "
                f"not the {size} its manifest says"
            ) from None
        except UnsafeFile as exc:
            raise ArchiveError(
                f"archived run {run_id}: blob {blob} of {what} {exc.reason}"
            ) from None
        if len(data) != size:
            raise ArchiveError(
                f"archived run {run_id}: blob {blob} of {what} is {len(data)} bytes, "
                f"not the {size} its manifest says"
            )
        return data

    def size(self) -> int:
        """Bytes on disk: every blob and manifest (staged responses not counted)."""
        return sum(
            path.stat().st_size
            for directory in (self.blobs_dir, self.runs_dir)
            if directory.exists()
            for path in directory.rglob("*")
            if path.is_file()
        )

    # -- writing ----------------------------------------------------------------------------

    def start(
        self,
        run_id: str,
        trade_date: date,
        recorded_at: datetime,
        *,
        config: DiscoveryConfig | None = None,
    ) -> RunArchiver:
        """A recorder for one live run's responses; :meth:`RunArchiver.commit` archives them
        with ``config``, the run's effective config (see :func:`recorded_config`)."""
        return RunArchiver(self, run_id, trade_date, recorded_at, config=config)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # An exclusive SQLite transaction is the lock: shared by threads and processes on every
        # platform, waits bounded, and a corrupt lock file is moved aside and made anew.
        opened = open_healing(
            self.root / "lock.sqlite",
            lambda p: connect(p, timeout_s=LOCK_TIMEOUT_S, wal=False),
            what="run archive lock",
            logger=logger,
        )
        if opened.conn is None:
            raise ArchiveError(f"run archive {self.root}: cannot lock ({opened.failure})")
        conn = opened.conn
        try:
            try:
                conn.execute("BEGIN EXCLUSIVE")
            except sqlite3.Error as exc:
                raise ArchiveError(f"run archive {self.root}: cannot lock ({exc})") from None
            try:
                yield
            finally:
                conn.rollback()
        finally:
            conn.close()

    def _commit(self, manifest: RunManifest, staging: Path) -> str | None:
        """Move the staged blobs in, write the manifest, enforce the bound; a warning when the
        run itself did not fit."""
        with self._locked():
            for sha256, size in sorted(manifest.blob_sizes().items()):
                blob = self.blob_path(sha256)
                staged = staging / sha256
                with contextlib.suppress(FileNotFoundError):
                    if os.lstat(blob).st_size == size:
                        continue
                    # A torn write (a crash mid-copy) or something else there: the staged
                    # copy replaces it, as blobs are named by their content.
                    logger.warning("run archive: blob %s has the wrong size; replacing it", blob)
                blob.parent.mkdir(parents=True, exist_ok=True)
                if staged.exists():
                    os.replace(staged, blob)
                else:
                    raise ArchiveError(f"run {manifest.run_id}: blob {sha256} not staged")
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            data = json.dumps(manifest.model_dump(mode="json"), indent=1) + "\n"
            _write_atomic(self.runs_dir / f"{manifest.run_id}.json", data.encode(), durable=True)
            shutil.rmtree(staging, ignore_errors=True)
            dropped = self._prune()
        if manifest.run_id not in dropped:
            return None
        if _run_bytes(manifest) > (self.max_bytes or 0):
            why = "alone exceeds discovery.archive.max_megabytes"
        else:
            # Committed after newer runs that fill the bound: the oldest go first.
            why = "is older than the runs discovery.archive.max_megabytes keeps"
        return f"run archive: run {manifest.run_id} {why}; not kept"

    def prune(self) -> list[str]:
        """Enforce the size bound now (see the class); the ids of the runs dropped."""
        with self._locked():
            return self._prune()

    def _prune(self) -> list[str]:
        manifests, broken = self._manifests()  # newest first
        sizes: dict[str, int] = {}
        for path in self.blobs_dir.glob("*/*") if self.blobs_dir.exists() else ():
            if path.is_file():
                sizes[path.name] = path.stat().st_size
        manifest_bytes = {
            m.run_id: (self.runs_dir / f"{m.run_id}.json").stat().st_size for m in manifests
        }
        # A manifest this version cannot read (a newer version's, one being repaired) is never
        # dropped, and the blobs it may name stay: they count in the bound like a kept run's.
        pinned, pinned_bytes, unknown = self._pinned(broken)
        kept = list(manifests)
        dropped: list[str] = []

        def used(runs: list[RunManifest]) -> set[str]:
            return {sha for m in runs for sha in m.blobs()} | pinned

        def total(runs: list[RunManifest]) -> int:
            return (
                sum(sizes.get(s, 0) for s in used(runs))
                + sum(manifest_bytes[m.run_id] for m in runs)
                + pinned_bytes
            )

        if self.max_bytes is not None:
            while kept and total(kept) > self.max_bytes:
                oldest = kept.pop()
                dropped.append(oldest.run_id)
                (self.runs_dir / f"{oldest.run_id}.json").unlink(missing_ok=True)
        # Blobs no kept run uses: the dropped runs', and any a crashed commit left behind. Safe
        # under the lock: blobs only arrive, with their manifest, under it.
        if not unknown:
            keep = used(kept)
            for sha in set(sizes) - keep:
                self.blob_path(sha).unlink(missing_ok=True)
        self._sweep_staging()
        return dropped

    def _pinned(self, broken: list[CorruptRunManifest]) -> tuple[set[str], int, bool]:
        """The blobs the unreadable manifests ``broken`` may name (every 64-hex ``sha256``
        value in them, however the rest is shaped), their own bytes, and whether one could
        not be read at all (then no blob may be deleted)."""
        pinned: set[str] = set()
        total = 0
        unknown = False
        for problem in broken:
            try:
                data = read_regular(problem.path.parent, problem.path.name, limit=1 << 30)
            except MissingFile:
                continue  # gone since it was listed: it names nothing any more
            except UnsafeFile as exc:
                logger.warning(
                    "run archive: cannot read %s (%s); no blob is deleted while it is there",
                    problem.path,
                    exc.reason,
                )
                unknown = True
                continue
            total += len(data)
            pinned.update(m.decode() for m in _SHA256_VALUE.findall(data))
        return pinned, total, unknown

    def _sweep_staging(self) -> None:
        # Runs whose process died (or a recorder a late thread kept writing to) leave these.
        staging = self.root / "staging"
        now = time.time()
        with contextlib.suppress(OSError):
            for run in list(staging.iterdir()):
                with contextlib.suppress(OSError):
                    if now - run.lstat().st_mtime > STALE_STAGING_S:
                        shutil.rmtree(run, ignore_errors=True)


class RunArchiver:
    """Collects one live run's responses (thread-safe) and archives them at :meth:`commit`.

    Never raises into the run: the first failure (an unwritable directory, a full disk) stops
    the recording and becomes the run's warning.
    """

    def __init__(
        self,
        archive: RunArchive,
        run_id: str,
        trade_date: date,
        recorded_at: datetime,
        *,
        config: DiscoveryConfig | None = None,
    ) -> None:
        if not _RUN_ID.match(run_id):
            raise ValueError(f"not a run id: {run_id!r}")
        # Dumped now: the config as the run starts, redacted of the secrets known then.
        self.config = None if config is None else recorded_config(config)
        self.archive = archive
        self.run_id = run_id
        self.trade_date = trade_date
        self.recorded_at = recorded_at.astimezone(UTC)
        self.staging = archive.root / "staging" / run_id
        self._entries: dict[str, ArchiveEntry] = {}
        self._bars: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()
        self.problem: str | None = None
        #: Whether :meth:`commit` archived the run.
        self.archived = False
        # Set by commit/discard: a scanner thread abandoned at its deadline may still answer,
        # and must not stage into a directory nothing will ever commit or remove.
        self._closed = False

    def add(self, request: Request, response: Response) -> None:
        """Keep ``response`` (its first one per request), redacted before it is hashed; nothing
        once the run is committed or discarded."""
        if self.problem is not None or self._closed:
            return
        try:
            found = recorded(request, response)
            if found is None:
                return
            entry, body = found
            sha = hashlib.sha256(body).hexdigest()
            staged = self.staging / sha
            # Staged under the lock commit closes the recorder with: after it, nothing is.
            with self._lock:
                if entry.key in self._entries or self._closed:
                    return
                if not staged.exists():
                    self.staging.mkdir(parents=True, exist_ok=True)
                    _write_atomic(staged, body)
                self._entries.setdefault(
                    entry.key, ArchiveEntry(**dict(entry), sha256=sha, size=len(body))
                )
        except Exception as exc:  # a recorder must never cost the run its data
            self._fail(f"run archive: not recording run {self.run_id} ({exc})")

    def add_bars(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Keep the run's price history (symbol -> daily bars cut at the trade date, as the
        history scanners read them), whatever served it: a warm price cache answers most of it
        with no request, so its responses alone would not replay the run. Written at
        :meth:`commit` as one bar archive (a symbol loaded twice keeps its first frame)."""
        if self.problem is not None:
            return
        with self._lock:
            if self._closed:
                return
            for symbol, bars in frames.items():
                self._bars.setdefault(symbol, bars)

    def _stage_bars(self, frames: Mapping[str, pd.DataFrame]) -> ArchivedBars:
        self.staging.mkdir(parents=True, exist_ok=True)
        path = write_bar_archive(
            self.staging / f".bars-{uuid.uuid4().hex}.parquet",
            frames,
            synthetic=False,
            created_by="tradingagents.archive",
            # No run id: the same bars in two runs are the same bytes, stored once.
            notes=f"the price history a live run read for {self.trade_date}",
        )
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        os.replace(path, self.staging / sha)
        return ArchivedBars(sha256=sha, size=len(data))

    def _fail(self, message: str) -> None:
        with self._lock:
            if self.problem is None:
                self.problem = message
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self, scanners: Mapping[str, str] | None = None, *, notes: str = "") -> str | None:
        """Archive the run's responses with its scanner statuses (a run that fetched nothing
        leaves nothing); a warning for the run when it could not be archived (or did not fit),
        else None. Never raises."""
        with self._lock:
            self._closed = True
        if self.problem is not None:
            return self.problem
        with self._lock:
            entries = tuple(self._entries.values())
            # A symbol without a single bar has nothing to archive (replay names it missing).
            frames = {s: bars for s, bars in self._bars.items() if len(bars)}
        if not entries and not frames:
            return None  # nothing fetched or read, nothing to replay
        try:
            bars = self._stage_bars(frames) if frames else None
        except Exception as exc:  # a recorder must never cost the run its data
            self._fail(f"run archive: run {self.run_id} not archived ({exc})")
            return self.problem
        manifest = RunManifest(
            trade_date=self.trade_date,
            kind="recorded",
            created_by="tradingagents.archive",
            recorded_at=self.recorded_at,
            notes=notes,
            run_id=self.run_id,
            scanners=dict(scanners or {}),
            responses=entries,
            bars=None if bars is None else BARS_FILE,
            bar_archive=bars,
            config=self.config,
        )
        try:
            warning = self.archive._commit(manifest, self.staging)
        except (ArchiveError, OSError, sqlite3.Error) as exc:
            self._fail(f"run archive: run {self.run_id} not archived ({exc})")
            return self.problem
        self.archived = warning is None
        return warning

    def discard(self) -> None:
        """Forget the run's staged responses (a run that did not finish); later ones are ignored."""
        with self._lock:
            self._closed = True
        shutil.rmtree(self.staging, ignore_errors=True)


def archive_of(config: DiscoveryConfig) -> RunArchive:
    """The run archive of ``config``: ``archive/`` of its state directory, with its bound."""
    root = paths.state_dir(config.resilience.state_dir) / ARCHIVE_DIR
    return RunArchive(root, max_bytes=int(config.archive.max_megabytes * 1_000_000))
