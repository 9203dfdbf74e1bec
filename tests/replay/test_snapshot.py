"""Snapshots: validation with clear errors, misses, latency replay, and a reproducible sample."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tradingagents.discovery import load_registry
from tradingagents.errors import (
    ProviderParseError,
    ProviderResponseTooLarge,
    ProviderTimeout,
    SnapshotError,
)
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request
from tradingagents.replay import ReplayTransport, SnapshotMiss, load_snapshot, sample_snapshot_path

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    target = tmp_path / "snap"
    shutil.copytree(sample_snapshot_path(), target)
    return target


def edit_manifest(root: Path, change: Callable[[dict[str, Any]], object]) -> None:
    data = json.loads((root / "manifest.json").read_text())
    change(data)
    (root / "manifest.json").write_text(json.dumps(data))


def test_the_sample_is_generated_small_and_valid() -> None:
    snapshot = load_snapshot(sample_snapshot_path())
    assert snapshot.manifest.kind == "generated"
    assert {e.origin for e in snapshot.manifest.responses} == {"generated"}
    size = sum(p.stat().st_size for p in sample_snapshot_path().rglob("*") if p.is_file())
    assert size < 3_000_000
    assert snapshot.providers() == {"yahoo", "sec_edgar", "nasdaq", "finnhub", "reddit"}


def test_the_sample_is_reproduced_byte_for_byte_by_its_generator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The script's own main, in-process (the same code as python scripts/generate_...py --out).
    spec = importlib.util.spec_from_file_location(
        "generate_sample_snapshot", REPO / "scripts" / "generate_sample_snapshot.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    out = tmp_path / "regenerated"
    monkeypatch.setattr(sys, "argv", ["generate_sample_snapshot.py", "--out", str(out)])
    generator.main()
    assert "responses" in capsys.readouterr().out
    shipped = {
        p.relative_to(sample_snapshot_path()): p.read_bytes()
        for p in sample_snapshot_path().rglob("*")
        if p.is_file() and p.suffix != ".pyc"
    }
    fresh = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert fresh.keys() == shipped.keys()
    assert [k for k in fresh if fresh[k] != shipped[k]] == []


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda root: (root / "manifest.json").unlink(), "no manifest.json"),
        (lambda root: (root / "manifest.json").write_text("{not json"), "not valid JSON"),
        (lambda root: edit_manifest(root, lambda d: d.pop("trade_date")), "trade_date"),
        (lambda root: edit_manifest(root, lambda d: d.update(kind="invented")), "kind"),
        (
            lambda root: edit_manifest(root, lambda d: d["responses"][0].update(file="nope.json")),
            "responses.0.file 'nope.json' does not exist",
        ),
        (
            lambda root: edit_manifest(
                root, lambda d: d["responses"][0].update(file="../../etc/passwd")
            ),
            "leaves the snapshot",
        ),
        (
            lambda root: edit_manifest(root, lambda d: d["responses"].append(d["responses"][0])),
            "repeats the request",
        ),
    ],
)
def test_a_broken_snapshot_is_a_clear_error(
    snapshot_dir: Path, breakage: Callable[[Path], object], message: str
) -> None:
    breakage(snapshot_dir)
    with pytest.raises(SnapshotError, match=message.replace("(", r"\(")) as info:
        load_snapshot(snapshot_dir)
    assert str(snapshot_dir) in str(info.value)
    with pytest.raises(SnapshotError):
        DiscoveryGraph({"discovery": {"source": {"snapshot": str(snapshot_dir)}}})


def test_a_corrupt_response_fails_only_its_scanner(snapshot_dir: Path) -> None:
    snapshot = load_snapshot(snapshot_dir)
    entry = next(
        e
        for e in snapshot.manifest.responses
        if "search-index" in e.path and e.params["forms"] == "8-K"
    )
    (snapshot_dir / entry.file).write_text('{"hits": {"total": ')
    state = DiscoveryGraph({"discovery": {"source": {"snapshot": str(snapshot_dir)}}}).run()
    runs = {r["name"]: r for r in state["scanner_runs"]}
    assert runs["sec_catalysts"]["status"] == "error"
    assert runs["sec_catalysts"]["error"]["type"] == ProviderParseError.__name__
    assert "sec_edgar" in runs["sec_catalysts"]["error"]["message"]
    assert [n for n, r in runs.items() if r["status"] != "ok"] == ["sec_catalysts"]


def test_a_request_that_was_never_recorded_is_a_miss_naming_it() -> None:
    transport = ReplayTransport(load_snapshot(sample_snapshot_path()))
    request = Request(
        provider="yahoo", url="https://query2.finance.yahoo.com/v7/finance/options/ZZZZ"
    )
    with pytest.raises(SnapshotMiss, match="yahoo /v7/finance/options/ZZZZ"):
        transport.send(request, timeout=1, max_bytes=10_000_000)


def test_missing_entries_make_only_the_affected_scanner_fail(snapshot_dir: Path) -> None:
    edit_manifest(
        snapshot_dir,
        lambda d: d.update(responses=[r for r in d["responses"] if r["provider"] != "reddit"]),
    )
    reddit = next(c for c in load_registry().scanners if c.name == "reddit_trending")
    state = DiscoveryGraph(
        {"discovery": {"source": {"snapshot": str(snapshot_dir)}}}, [reddit]
    ).run()
    run = state["scanner_runs"][0]
    assert run["status"] == "skipped"
    assert run["reason"] == "the snapshot has no reddit responses"


def test_latency_replay_waits_and_times_out_like_live() -> None:
    snapshot = load_snapshot(sample_snapshot_path())
    entry = max(snapshot.manifest.responses, key=lambda e: e.latency_s)
    request = Request(
        provider=entry.provider, url=f"https://example.test{entry.path}", params=dict(entry.params)
    )
    transport = ReplayTransport(snapshot, replay_latency=True)
    start = time.monotonic()
    response = transport.send(request, timeout=5, max_bytes=10_000_000)
    assert time.monotonic() - start >= entry.latency_s * 0.95
    assert response.status == 200 and response.body == snapshot.body(entry)
    start = time.monotonic()
    with pytest.raises(ProviderTimeout):
        transport.send(request, timeout=0.05, max_bytes=10_000_000)
    assert time.monotonic() - start < entry.latency_s
    with pytest.raises(ProviderResponseTooLarge):
        ReplayTransport(snapshot).send(request, timeout=5, max_bytes=10)


def test_recording_never_writes_a_key_an_api_echoes(tmp_path: Path) -> None:
    from tradingagents.http import Response
    from tradingagents.replay import RecordingTransport

    key = "AVKEY-0123456789"

    class Echo:
        def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
            note = f'{{"Information": "We have detected your API key as {key} and ..."}}'
            return Response(
                status=200, body=note.encode(), headers={"Content-Type": "application/json"}
            )

    recorder = RecordingTransport(Echo(), tmp_path)
    request = Request(
        provider="alpha_vantage",
        url="https://www.alphavantage.co/query",
        params={"function": "TOP_GAINERS_LOSERS"},
        secret_params={"apikey": key},
    )
    response = recorder.send(request, timeout=1, max_bytes=10_000)
    assert key.encode() in response.body  # the caller still sees the real answer
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(key.encode() not in body for body in written)
    assert b"[REDACTED]" in written[0]
