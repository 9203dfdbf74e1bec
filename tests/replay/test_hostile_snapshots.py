"""Hostile snapshots: FIFOs, links, huge or deep files, repeated keys, paths out, files swapped."""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.helpers import runs_by_name
from tradingagents.cli import app
from tradingagents.errors import ProviderResponseTooLarge, SnapshotError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request
from tradingagents.replay import ReplayTransport, SnapshotEntry, load_snapshot, sample_snapshot_path
from tradingagents.replay import files as snapshot_files

MIB = 1024 * 1024
GIB = 1024 * MIB
#: The 8-K full-text search: only sec_catalysts asks for it.
SEC_8K = "sec_catalysts"


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    target = tmp_path / "snap"
    shutil.copytree(sample_snapshot_path(), target)
    return target


def manifest(root: Path) -> Path:
    return root / "manifest.json"


def replace_manifest_text(root: Path, text: str) -> None:
    manifest(root).write_text(text, encoding="utf-8")


def edit_manifest(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(manifest(root).read_text(encoding="utf-8"))
    change(data)
    replace_manifest_text(root, json.dumps(data))


def config_for(root: Path) -> dict[str, Any]:
    return {"discovery": {"source": {"mode": "replay", "snapshot": str(root)}}}


def sec_8k_entry(root: Path) -> SnapshotEntry:
    return next(
        e
        for e in load_snapshot(root).manifest.responses
        if "search-index" in e.path and e.params.get("forms") == "8-K"
    )


def request_for(entry: SnapshotEntry) -> Request:
    return Request(
        provider=entry.provider, url=f"https://example.test{entry.path}", params=dict(entry.params)
    )


def refused_at_load(root: Path, message: str) -> SnapshotError:
    """``message`` is the error of ``load_snapshot`` and of a replay ``DiscoveryGraph``."""
    with pytest.raises(SnapshotError) as loaded:
        load_snapshot(root)
    assert message in str(loaded.value)
    assert str(loaded.value).startswith(f"snapshot {root}: ")
    assert "\n" not in str(loaded.value)
    with pytest.raises(SnapshotError) as built:
        DiscoveryGraph(config_for(root))
    assert str(built.value) == str(loaded.value)
    return loaded.value


def discover(root: Path, out: Path) -> Result:
    return CliRunner().invoke(
        app, ["discover", "--snapshot", str(root), "--out", str(out)], env={"COLUMNS": "200"}
    )


def assert_one_line_exit_2(result: Result, message: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"error: {message}"]
    assert result.stdout == ""


# -- the manifest ------------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_a_fifo_manifest_is_refused_at_once(snap: Path, tmp_path: Path) -> None:
    manifest(snap).unlink()
    os.mkfifo(manifest(snap))
    message = f"snapshot {snap}: manifest.json is a FIFO, not a regular file"
    refused_at_load(snap, message)
    assert_one_line_exit_2(discover(snap, tmp_path / "out"), message)


@pytest.mark.timeout(20)
def test_a_manifest_linked_to_dev_zero_is_refused_unread(snap: Path, tmp_path: Path) -> None:
    manifest(snap).unlink()
    manifest(snap).symlink_to("/dev/zero")
    message = (
        f"snapshot {snap}: manifest.json is a symbolic link or goes through one "
        "(only regular files inside the snapshot are read)"
    )
    refused_at_load(snap, message)
    assert_one_line_exit_2(discover(snap, tmp_path / "out"), message)


def test_even_a_link_to_a_good_manifest_is_refused(snap: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere.json"
    manifest(snap).rename(moved)
    manifest(snap).symlink_to(moved)
    refused_at_load(snap, "manifest.json is a symbolic link")


def test_a_directory_named_manifest_is_refused(snap: Path) -> None:
    manifest(snap).unlink()
    manifest(snap).mkdir()
    refused_at_load(snap, "manifest.json is a directory, not a regular file")


@pytest.mark.parametrize(
    "nested",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
    ],
    ids=["arrays", "objects"],
)
def test_a_manifest_nested_100k_deep_is_refused_before_parsing(
    snap: Path, tmp_path: Path, nested: str
) -> None:
    replace_manifest_text(snap, nested)
    message = (
        f"snapshot {snap}: manifest.json is nested 100000 levels deep, more than the 32 allowed"
    )
    refused_at_load(snap, message)
    assert_one_line_exit_2(discover(snap, tmp_path / "out"), message)


def test_brackets_quotes_and_backslashes_inside_strings_are_not_nesting(snap: Path) -> None:
    notes = '[[[[{{{{ \\" [[[[ \\\\' * 40 + '"'
    edit_manifest(snap, lambda d: d.update(notes=notes))
    assert load_snapshot(snap).manifest.notes == notes


def test_a_manifest_over_16_mib_is_refused_unread(snap: Path) -> None:
    os.truncate(manifest(snap), 16 * MIB + 1)
    refused_at_load(snap, f"manifest.json is {16 * MIB + 1} bytes, over the {16 * MIB}-byte cap")


@pytest.mark.parametrize(
    ("original", "repeated", "key"),
    [
        ('"kind": "generated"', '"kind": "generated", "kind": "recorded"', "kind"),
        ('"params": {', '"params": {"symbol": "X", "symbol": "Y", ', "symbol"),
    ],
    ids=["top-level", "in-an-entry"],
)
def test_a_key_repeated_in_the_manifest_is_an_error_naming_it(
    snap: Path, tmp_path: Path, original: str, repeated: str, key: str
) -> None:
    text = json.dumps(json.loads(manifest(snap).read_text(encoding="utf-8")))
    assert original in text
    replace_manifest_text(snap, text.replace(original, repeated, 1))
    message = f"snapshot {snap}: manifest.json repeats the key {key!r} in one object"
    refused_at_load(snap, message)
    assert_one_line_exit_2(discover(snap, tmp_path / "out"), message)


# -- the files it names --------------------------------------------------------------------


@pytest.mark.parametrize(
    "outside",
    ["../outside.json", "yahoo/../../outside.json", "/etc/hostname", "yahoo/../manifest.json"],
)
def test_a_path_out_of_the_snapshot_is_refused(snap: Path, outside: str) -> None:
    # The file exists, so only the path itself is wrong.
    (snap.parent / "outside.json").write_text("{}")
    edit_manifest(snap, lambda d: d["responses"][0].update(file=outside))
    refused_at_load(
        snap,
        f"responses.0.file {outside!r} leaves the snapshot (an absolute path, '..' or a backslash)",
    )


def test_a_response_linked_from_inside_is_refused(snap: Path) -> None:
    entry = load_snapshot(snap).manifest.responses[0]
    target = snap / entry.file
    target.unlink()
    target.symlink_to(snap / load_snapshot(sample_snapshot_path()).manifest.responses[1].file)
    refused_at_load(snap, f"responses.0.file {entry.file!r} is a symbolic link")


def test_a_response_directory_linked_elsewhere_is_refused(snap: Path, tmp_path: Path) -> None:
    shutil.move(snap / "yahoo", tmp_path / "yahoo")
    (snap / "yahoo").symlink_to(tmp_path / "yahoo")
    refused_at_load(snap, "is a symbolic link or goes through one")


@pytest.mark.timeout(20)
def test_a_fifo_response_is_refused_at_load(snap: Path) -> None:
    entry = sec_8k_entry(snap)
    (snap / entry.file).unlink()
    os.mkfifo(snap / entry.file)
    refused_at_load(snap, f"{entry.file!r} is a FIFO, not a regular file")


def test_a_1_gib_response_is_refused_by_its_size_without_reading_it(snap: Path) -> None:
    entry = sec_8k_entry(snap)
    os.truncate(snap / entry.file, GIB)  # sparse: no disk, no time
    cap = 20 * MIB
    message = f"{entry.file!r} is {GIB} bytes, over the {cap}-byte cap (sec_edgar's max_bytes)"
    transport = ReplayTransport(load_snapshot(snap))
    tracemalloc.start()
    try:
        with pytest.raises(ProviderResponseTooLarge) as info:
            transport.send(request_for(entry), timeout=5, max_bytes=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MIB
    assert isinstance(info.value, SnapshotError)
    assert str(info.value) == f"snapshot {snap}: {message}"

    state = DiscoveryGraph(config_for(snap)).run()
    runs = runs_by_name(state)
    assert runs[SEC_8K]["status"] == "error"
    assert runs[SEC_8K]["error"]["message"].endswith(message)
    assert [name for name, run in runs.items() if run["status"] != "ok"] == [SEC_8K]


def test_a_response_within_the_cap_is_served_whole(snap: Path) -> None:
    entry = sec_8k_entry(snap)
    body = (snap / entry.file).read_bytes()
    transport = ReplayTransport(load_snapshot(snap))
    assert transport.send(request_for(entry), timeout=5, max_bytes=len(body)).body == body
    with pytest.raises(ProviderResponseTooLarge, match=f"is {len(body)} bytes, over the"):
        transport.send(request_for(entry), timeout=5, max_bytes=len(body) - 1)


# -- swapped after loading -----------------------------------------------------------------


def swap_for_link(path: Path, target: Path) -> None:
    shutil.copyfile(path, target)
    path.unlink()
    path.symlink_to(target)


def test_a_response_swapped_for_a_link_after_loading_is_not_followed(
    snap: Path, tmp_path: Path
) -> None:
    entry = sec_8k_entry(snap)
    transport = ReplayTransport(load_snapshot(snap))
    assert transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB).status == 200
    graph = DiscoveryGraph(config_for(snap))

    # Same bytes through the link: only the link itself is refused.
    swap_for_link(snap / entry.file, tmp_path / "outside.json")
    message = (
        f"snapshot {snap}: {entry.file!r} is a symbolic link or goes through one "
        "(only regular files inside the snapshot are read)"
    )
    with pytest.raises(SnapshotError) as info:
        transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB)
    assert str(info.value) == message
    runs = runs_by_name(graph.run())
    assert runs[SEC_8K]["status"] == "error"
    assert runs[SEC_8K]["error"]["type"] == "SnapshotError"
    assert runs[SEC_8K]["error"]["message"] == message
    assert [name for name, run in runs.items() if run["status"] != "ok"] == [SEC_8K]


def test_a_directory_swapped_for_a_link_after_loading_is_not_followed(
    snap: Path, tmp_path: Path
) -> None:
    entry = sec_8k_entry(snap)
    transport = ReplayTransport(load_snapshot(snap))
    shutil.move(snap / "sec_edgar", tmp_path / "sec_edgar")
    (snap / "sec_edgar").symlink_to(tmp_path / "sec_edgar")
    with pytest.raises(SnapshotError, match="is a symbolic link or goes through one"):
        transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("swap", ["fifo", "dev-zero", "huge"])
def test_a_response_swapped_after_loading_for_a_hostile_file_is_refused(
    snap: Path, swap: str
) -> None:
    entry = sec_8k_entry(snap)
    transport = ReplayTransport(load_snapshot(snap))
    path = snap / entry.file
    path.unlink()
    if swap == "fifo":
        os.mkfifo(path)
    elif swap == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.touch()
        os.truncate(path, GIB)
    expected = {"fifo": "is a FIFO", "dev-zero": "is a symbolic link", "huge": f"is {GIB} bytes"}
    with pytest.raises(SnapshotError, match=expected[swap]):
        transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB)


# -- where open() takes no directory descriptor ----------------------------------------------


@pytest.mark.timeout(20)
def test_without_directory_descriptors_links_and_fifos_are_still_refused(
    snap: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_files, "_WALK_WITH_DIR_FD", False)
    snapshot = load_snapshot(snap)
    entry = sec_8k_entry(snap)
    transport = ReplayTransport(snapshot)
    assert transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB).status == 200
    (snap / entry.file).unlink()
    os.mkfifo(snap / entry.file)
    with pytest.raises(SnapshotError, match="is a FIFO, not a regular file"):
        transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB)
    (snap / entry.file).unlink()
    (snap / entry.file).symlink_to("/dev/zero")
    with pytest.raises(SnapshotError, match="is a symbolic link"):
        transport.send(request_for(entry), timeout=5, max_bytes=20 * MIB)
    manifest(snap).unlink()
    manifest(snap).symlink_to("/dev/zero")
    with pytest.raises(SnapshotError, match=r"manifest\.json is a symbolic link"):
        load_snapshot(snap)
