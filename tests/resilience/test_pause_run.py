"""A live run on a local server: one scanner's 429 + Retry-After pauses the provider for all."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import make_scanner, runs_by_name
from tests.resilience.test_faults import BODY, DAY, PATH
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph

TIMEOUT_S = 8.0


class Upstream:
    """Nasdaq's calendar: 429 with Retry-After: 120 to the first request, 200 after that."""

    def __init__(self, server: HTTPServer) -> None:
        self.requests: list[str] = []
        self._lock = threading.Lock()
        server.expect_request(PATH).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request.args.get("date", ""))
            first = len(self.requests) == 1
        if first:
            return Response(b"slow down", status=429, headers={"Retry-After": "120"})
        return Response(BODY, status=200, content_type="application/json")


@pytest.fixture
def upstream(httpserver: HTTPServer) -> Iterator[Upstream]:
    yield Upstream(httpserver)
    httpserver.clear()


def reader(day: date, *, after: threading.Event | None = None, done: threading.Event) -> Any:
    """A scanner body reading Nasdaq's calendar for ``day`` (once ``after`` is set)."""

    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        try:
            if after is not None:
                assert after.wait(TIMEOUT_S / 2), "the first scanner never finished"
            events = ctx.services.providers.nasdaq.earnings(ctx, day)
        finally:
            done.set()
        return [{"ticker": e.symbol, "priority": "high", "context": "reports"} for e in events]

    return scan


def test_a_429_with_retry_after_pauses_the_provider_for_the_other_scanners(
    upstream: Upstream, httpserver: HTTPServer
) -> None:
    first_done, second_done = threading.Event(), threading.Event()
    config = {
        "discovery": {
            "source": {"mode": "live"},
            "providers": {"nasdaq": {"base_url": httpserver.url_for("").rstrip("/")}},
            "scanner_execution": {"timeout_seconds": TIMEOUT_S},
        }
    }
    scanners = [
        make_scanner("first", reader(DAY, done=first_done)),
        make_scanner("second", reader(DAY + timedelta(1), after=first_done, done=second_done)),
    ]
    with DiscoveryGraph(config, scanners) as graph:
        start = time.monotonic()
        state = graph.run(DAY)
        seconds = time.monotonic() - start

    runs = runs_by_name(state)
    first, second = runs["first"], runs["second"]
    assert upstream.requests == [DAY.isoformat()]  # the second scanner sent nothing
    assert (first["status"], first["error"]["type"]) == ("error", "ProviderRateLimited")
    assert first["error"]["message"].endswith("(Retry-After: 120 s)")
    assert (second["status"], second["error"]["type"]) == ("error", "ProviderPaused")
    message = second["error"]["message"]
    assert re.fullmatch(
        r"nasdaq asked us to wait 120 s \(Retry-After\); deadline in \d(\.\d)? s", message
    ), message
    [log] = [e for e in state["tool_logs"] if e["scanner"] == "second"]
    assert (log["attempts"], log["waited_rate_limit_s"], log["waited_backoff_s"]) == (0, 0.0, 0.0)
    # Neither waited: not the 120 s asked, nor the 60 s retry cap, nor to the deadline.
    assert seconds < TIMEOUT_S / 2
