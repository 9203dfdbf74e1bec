"""Replay and recording with POSTs and secret headers: never served, never recorded, never kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradingagents.http import Request, Response
from tradingagents.replay import RecordingTransport, ReplayTransport, SnapshotMiss, load_snapshot
from tradingagents.replay.snapshot import key_for, sample_snapshot_path

TOKEN = "tok-PLANTED-c0ffee1234"


class Echo:
    """Answers every request with a body that repeats the bearer token it was sent."""

    def __init__(self) -> None:
        self.sent: list[Request] = []

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        self.sent.append(request)
        body = f'{{"note": "your token is {TOKEN}"}}'.encode()
        return Response(200, body, {"Content-Type": "application/json"}, request.public_url())


def test_replay_refuses_a_post_even_where_a_get_was_recorded() -> None:
    snapshot = load_snapshot(sample_snapshot_path())
    entry = snapshot.manifest.responses[0]
    get = Request(entry.provider, f"https://example.test{entry.path}", params=dict(entry.params))
    post = Request(
        entry.provider, get.url, params=get.params, method="POST", form={"grant_type": "x"}
    )
    transport = ReplayTransport(snapshot)
    assert transport.send(get, timeout=5, max_bytes=10_000_000).status == 200

    with pytest.raises(SnapshotMiss, match=r"GET responses only, not POST"):
        transport.send(post, timeout=5, max_bytes=10_000_000)


def test_recording_passes_a_post_through_and_records_nothing(tmp_path: Path) -> None:
    inner = Echo()
    recorder = RecordingTransport(inner, tmp_path)
    post = Request("reddit", "https://www.reddit.com/api/v1/access_token", method="POST")

    response = recorder.send(post, timeout=5, max_bytes=10_000)

    assert TOKEN.encode() in response.body
    assert [r.method for r in inner.sent] == ["POST"]
    assert recorder.entries == []
    assert list(tmp_path.iterdir()) == []


def test_recording_files_under_snapshot_path_and_drops_secret_header_values(
    tmp_path: Path,
) -> None:
    recorder = RecordingTransport(Echo(), tmp_path)
    request = Request(
        "reddit",
        "https://oauth.reddit.com/r/stocks/hot",
        params={"limit": "5"},
        secret_headers={"Authorization": f"bearer {TOKEN}"},
        snapshot_path="/r/stocks/hot.json",
    )

    recorder.send(request, timeout=5, max_bytes=10_000)

    [entry] = recorder.entries
    assert entry.key == key_for(request) == "reddit /r/stocks/hot.json?limit=5"
    assert entry.description == "GET https://oauth.reddit.com/r/stocks/hot?limit=5"
    written = (tmp_path / entry.file).read_bytes()
    assert TOKEN.encode() not in written  # echoed alone, without "bearer"
    assert b"[REDACTED]" in written
