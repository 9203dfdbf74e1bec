"""The run archive against hostile or damaged files: manifests, blobs, late writers."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.archive.test_store import SAMPLE_DAY, archive_run, at, fake_request
from tradingagents.archive import ArchiveError, CorruptRunManifest, RunArchive
from tradingagents.archive.store import STALE_STAGING_S
from tradingagents.http import Response
from tradingagents.replay import load_snapshot


def blobs_on_disk(archive: RunArchive) -> set[str]:
    return {p.name for p in archive.blobs_dir.rglob("*") if p.is_file()}


def manifest_of(archive: RunArchive, run_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((archive.runs_dir / f"{run_id}.json").read_text())
    return data


def rewrite(archive: RunArchive, run_id: str, data: dict[str, Any]) -> None:
    (archive.runs_dir / f"{run_id}.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("responses.0.file", "../../escaped.txt"),
        ("responses.0.file", "/tmp/absolute_escape.txt"),
        ("responses.0.file", "a\\..\\..\\b"),
        ("bars", "../bars.parquet"),
    ],
)
def test_a_manifest_naming_a_file_outside_the_snapshot_is_corrupt(
    tmp_path: Path, field: str, value: str
) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-evil", at(9), {"a": b"{}"})
    data = manifest_of(archive, "run-evil")
    if field == "bars":
        data["bars"] = value
        data["bar_archive"] = {"sha256": data["responses"][0]["sha256"], "size": 2}
    else:
        data["responses"][0]["file"] = value
    rewrite(archive, "run-evil", data)

    with pytest.raises(CorruptRunManifest, match=rf"run-evil\.json: invalid: {field}") as caught:
        archive.materialize("run-evil", tmp_path / "out" / "dest")
    assert "leaves the snapshot" in str(caught.value)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "out").exists()


def test_a_manifest_naming_one_file_twice_is_corrupt(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-twice", at(9), {"a": b"{}", "b": b"[]"})
    data = manifest_of(archive, "run-twice")
    data["responses"][1]["file"] = data["responses"][0]["file"]
    rewrite(archive, "run-twice", data)
    with pytest.raises(CorruptRunManifest, match="named by more than one entry"):
        archive.get("run-twice")


def test_materialize_checks_the_files_again_and_never_writes_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A manifest built without validation (model_copy) must not escape either.
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-a", at(9), {"a": b"{}"})
    run = archive.get("run-a")
    entry = run.manifest.responses[0].model_copy(update={"file": "../../escaped.txt"})
    hostile = dataclasses.replace(
        run, manifest=run.manifest.model_copy(update={"responses": (entry,)})
    )
    monkeypatch.setattr(archive, "get", lambda run_id: hostile)
    with pytest.raises(ArchiveError, match=r"file '\.\./\.\./escaped\.txt' leaves the snapshot"):
        archive.materialize("run-a", tmp_path / "out" / "dest")
    assert not (tmp_path / "escaped.txt").exists()


def test_materialize_reads_no_blob_through_a_link(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-a", at(9), {"a": b"{}"})
    [blob] = [p for p in archive.blobs_dir.rglob("*") if p.is_file()]
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"{}")  # the same size: only the link gives it away
    blob.unlink()
    blob.symlink_to(outside)
    with pytest.raises(ArchiveError, match="symbolic link") as caught:
        archive.materialize("run-a", tmp_path / "out")
    assert blob.name in str(caught.value)


def test_an_unreadable_manifest_keeps_the_blobs_it_names_and_counts_in_the_bound(
    tmp_path: Path,
) -> None:
    archive = RunArchive(tmp_path / "archive", max_bytes=10**9)
    archive_run(archive, "run-newer-version", at(9), {"a": b"x" * 3000})
    data = manifest_of(archive, "run-newer-version")
    data["field_from_a_newer_version"] = 1
    rewrite(archive, "run-newer-version", data)
    pinned = data["responses"][0]["sha256"]

    assert archive_run(archive, "run-b", at(10), {"b": b"y" * 3000}) is None
    assert pinned in blobs_on_disk(archive)
    assert [p.path.stem for p in (archive.runs(), archive.problems())[1]] == ["run-newer-version"]
    # Its blob and its manifest count: one byte short of both beside run-b leaves no room.
    files = [*archive.blobs_dir.rglob("*"), *archive.runs_dir.glob("*.json")]
    archive.max_bytes = sum(p.stat().st_size for p in files if p.is_file()) - 1
    assert archive.prune() == ["run-b"]
    assert blobs_on_disk(archive) == {pinned}


def test_a_manifest_that_cannot_be_read_at_all_keeps_every_blob(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive", max_bytes=10**9)
    archive_run(archive, "run-a", at(9), {"a": b"{}"})
    before = blobs_on_disk(archive)
    # A link is never read: nothing tells which blobs it might name.
    (archive.runs_dir / "run-linked.json").symlink_to(tmp_path / "elsewhere.json")
    (archive.runs_dir / "run-a.json").unlink()  # its blob is now used by no readable run
    assert archive_run(archive, "run-b", at(10), {"b": b"[]"}) is None
    assert before <= blobs_on_disk(archive)


def test_a_recorder_committed_or_discarded_stages_nothing_more(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    for end in ("commit", "discard"):
        recorder = archive.start(f"run-{end}", SAMPLE_DAY, at(9))
        recorder.add(fake_request("a"), Response(status=200, body=b"{}"))
        if end == "commit":
            assert recorder.commit({"s": "ok"}) is None
        else:
            recorder.discard()
        # A scanner thread abandoned at its deadline answering late.
        recorder.add(fake_request("late"), Response(status=200, body=b"[]"))
        recorder.add_bars({})
        assert not (archive.root / "staging" / f"run-{end}").exists()


def test_stale_staging_is_swept_when_runs_are_listed(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    stale, fresh = archive.root / "staging" / "run-dead", archive.root / "staging" / "run-live"
    for directory in (stale, fresh):
        directory.mkdir(parents=True)
        (directory / "blob").write_bytes(b"{}")
    old = time.time() - STALE_STAGING_S - 60
    os.utime(stale, (old, old))
    assert archive.runs() == []
    assert not stale.exists() and fresh.exists()


def test_a_torn_blob_is_replaced_by_the_next_commit_of_its_body(tmp_path: Path) -> None:
    body = b'{"quote": 1}' * 100
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-a", at(9), {"a": body})
    blob = archive.blob_path(hashlib.sha256(body).hexdigest())
    blob.write_bytes(body[:10])  # a crash mid-write
    with pytest.raises(ArchiveError, match=rf"blob {blob} .* is 10 bytes, not the 1200"):
        archive.materialize("run-a", tmp_path / "out-torn")

    assert archive_run(archive, "run-b", at(10), {"b": body}) is None
    assert blob.read_bytes() == body
    snapshot = load_snapshot(archive.materialize("run-a", tmp_path / "out"))
    assert snapshot.body(snapshot.manifest.responses[0]) == body


def test_materialize_names_a_blob_longer_than_its_entry(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-a", at(9), {"a": b"{}"})
    [blob] = [p for p in archive.blobs_dir.rglob("*") if p.is_file()]
    blob.write_bytes(b"{}   ")
    with pytest.raises(ArchiveError, match=rf"blob {blob} .* is 5 bytes, not the 2"):
        archive.materialize("run-a", tmp_path / "out")
