"""Transports for replay and recording: serve a snapshot offline, or tee live responses into one."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from pathlib import Path

from tradingagents.errors import ProviderError, ProviderTimeout
from tradingagents.http import Request, Response, Transport
from tradingagents.redaction import known_secrets, redact_bytes, redact_text
from tradingagents.replay.snapshot import Snapshot, SnapshotEntry, key_for, snapshot_path


class SnapshotMiss(ProviderError):
    """The snapshot holds no response for this request (it was never recorded)."""


class ReplayTransport:
    """Serves each request from a snapshot, through the same client and parsing code as live.

    With ``replay_latency`` it waits the recorded latency first (never longer than the request's
    timeout, which is the scanner's remaining time: a response slower than that is a timeout,
    as it would be live).
    """

    def __init__(self, snapshot: Snapshot, *, replay_latency: bool = False) -> None:
        self.snapshot = snapshot
        self.replay_latency = replay_latency

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        if request.method != "GET":
            # Snapshots hold GET responses only (a POST, such as a token request, is never
            # recorded); answering it with a GET's body would be a silent lie.
            raise SnapshotMiss(
                f"replay serves recorded GET responses only, not {request.method} "
                f"{request.public_url()}",
                provider=request.provider,
            )
        entry = self.snapshot.entry_for(request)
        if entry is None:
            raise SnapshotMiss(
                f"no recorded response for {key_for(request)} in snapshot {self.snapshot.root}",
                provider=request.provider,
            )
        if self.replay_latency and entry.latency_s > 0:
            time.sleep(min(entry.latency_s, max(timeout, 0.0)))
            if entry.latency_s > timeout:
                raise ProviderTimeout(
                    f"recorded latency {entry.latency_s:.3g}s exceeds the {timeout:.3g}s left",
                    provider=request.provider,
                )
        # Read at each request, through the same checks as at load: the file may have been
        # replaced since, and its size is checked against the cap before any of it is read.
        body = self.snapshot.body(entry, max_bytes=max_bytes)
        return Response(
            status=entry.status,
            body=body,
            headers={"Content-Type": entry.content_type},
            url=request.public_url(),
            elapsed_s=entry.latency_s,
        )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name_for(request: Request, content_type: str) -> str:
    """A stable, readable file name for a response: provider/path-words[-hash].ext."""
    path = snapshot_path(request).strip("/")
    words = _UNSAFE.sub("_", path)[-80:] or "root"
    digest = hashlib.sha256(key_for(request).encode()).hexdigest()[:10]
    ext = ".xml" if "xml" in content_type or path.endswith(".xml") else ".json"
    return f"{request.provider}/{words}-{digest}{ext}"


class RecordingTransport:
    """Wraps a live transport and writes every successful GET response into a snapshot directory.

    Only public parameters reach the file names and the manifest: ``Request.secret_params``
    and ``secret_headers`` (API keys, tokens) are sent upstream but never recorded. POSTs
    (OAuth token requests: their answer is a credential) are passed through, never recorded.
    """

    def __init__(self, inner: Transport, root: Path) -> None:
        self.inner = inner
        self.root = root
        self.entries: list[SnapshotEntry] = []
        self._lock = threading.Lock()

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        response = self.inner.send(request, timeout=timeout, max_bytes=max_bytes)
        found = recorded(request, response)
        if found is None:
            return response
        entry, body = found
        target = self.root / entry.file
        with self._lock:
            if any(e.key == entry.key for e in self.entries):
                return response
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            self.entries.append(entry)
        return response


def recorded(request: Request, response: Response) -> tuple[SnapshotEntry, bytes] | None:
    """The snapshot entry and the redacted body of a live response; None when it is not
    recorded (an error status, or a POST: an OAuth token request's answer is a credential).

    What snapshots and the run archive both write: only public parameters, with any known
    secret scrubbed from them too, and a body with every form of every secret replaced.
    """
    if response.status >= 400 or request.method != "GET":
        return None
    secrets = known_secrets() | request.secret_values()
    content_type = response.header("Content-Type") or "application/json"
    entry = SnapshotEntry(
        provider=request.provider,
        # An endpoint reached by another URL than replay asks for (Reddit's OAuth host)
        # is filed under the path replay will ask for.
        path=snapshot_path(request),
        params={name: redact_text(value, secrets) for name, value in request.params.items()},
        file=file_name_for(request, content_type),
        status=response.status,
        content_type=content_type.split(";")[0].strip(),
        latency_s=round(response.elapsed_s, 3),
        origin="recorded",
        description=redact_text(f"GET {request.public_url()}", secrets),
    )
    # Some APIs echo the key in their answers (Alpha Vantage's quota notice does), an echo
    # of the request URL shows it URL-encoded: every form goes.
    return entry, redact_bytes(response.body, secrets)
