"""Fault injection: real provider clients in live mode against misbehaving servers on 127.0.0.1.

Every test runs a whole ``DiscoveryGraph`` in live mode with two scanners: ``nasdaq_probe``,
which reads the Nasdaq earnings calendar through the real client, transport, retry policy, rate
limiter, cache and breaker, and ``bystander``, which does no I/O and must stay ``ok`` whatever
happens to its neighbour. The upstream is a threaded pytest-httpserver (statuses, headers,
bodies, streamed bodies) or a ``RawServer`` (never answers, resets, drips). Each test checks
both sides: what reached the server (requests or connections) and what the run reports (status,
error type and message, tool log details, run summary, wall time within the deadline).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import make_scanner, returning, runs_by_name
from tests.resilience.faults import raw_server, wait_for
from tradingagents.discovery import ScanContext
from tradingagents.errors import ProviderConnectionError, ProviderTimeout
from tradingagents.graph.discovery_graph import DiscoveryGraph

DAY = date(2026, 11, 20)
PATH = "/api/calendar/earnings"
ROW = {
    "lastYearRptDt": "N/A",
    "lastYearEPS": "N/A",
    "time": "time-after-hours",
    "symbol": "NDAQ",
    "name": "Nasdaq, Inc.",
    "marketCap": "$40,000,000,000",
    "fiscalQuarterEnding": "Sep/2026",
    "epsForecast": "$0.75",
    "noOfEsts": "5",
}
BODY = json.dumps(
    {
        "data": {"asOf": "Fri, Nov 20, 2026", "headers": {}, "rows": [ROW]},
        "message": None,
        "status": {"rCode": 200, "bCodeMessage": None, "developerMessage": None},
    }
).encode()
MiB = 1024 * 1024
# Wall-clock slack on top of a deadline: thread wake-ups, graph setup, a loaded CI machine.
MARGIN = 1.5


# -- the upstream ------------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer; ``body`` may be a callable returning an iterable (streamed)."""

    status: int = 200
    body: bytes | Callable[[], Iterable[bytes]] = BODY
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a hung upstream), cut short at teardown


class Upstream:
    """A Nasdaq stand-in on a threaded pytest-httpserver that answers from a script.

    Replies are used in order; the last one repeats for every later request. Each request's
    arrival time is recorded, so tests can count them and measure the gaps between them.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.arrivals: list[float] = []
        self._lock = threading.Lock()
        self._script: list[Reply] = [Reply()]
        self.closing = threading.Event()
        server.expect_request(PATH).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def answer(self, *replies: Reply) -> None:
        with self._lock:
            self._script = list(replies)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.arrivals.append(time.monotonic())
            reply = self._script.pop(0) if len(self._script) > 1 else self._script[0]
        if reply.delay:
            self.closing.wait(reply.delay)
        body = reply.body() if callable(reply.body) else reply.body
        return Response(
            body, status=reply.status, headers=reply.headers, content_type="application/json"
        )


@pytest.fixture(scope="module")
def http_server() -> Iterator[HTTPServer]:
    """One threaded server for the module (stopping one takes 0.5 s); each test scripts it anew."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture
def upstream(http_server: HTTPServer) -> Iterator[Upstream]:
    http_server.clear()
    upstream = Upstream(http_server)
    try:
        yield upstream
    finally:
        upstream.closing.set()  # releases handlers still "hanging"
        http_server.clear()


# -- the run -----------------------------------------------------------------------------------


class NasdaqProbe:
    """The body of a scanner that reads the Nasdaq calendar for ``days``, one call per day.

    It remembers what its own thread raised and when it returned, even when the engine has
    already given up on it: that shows whether the client itself stops at the deadline.
    """

    def __init__(self, *days: date) -> None:
        self.days = days or (DAY,)
        self.calls = 0
        self.error: BaseException | None = None
        self.seconds: float | None = None
        self.finished = threading.Event()

    def __call__(self, ctx: ScanContext) -> list[dict[str, Any]]:
        self.calls += 1
        start = time.monotonic()
        try:
            nasdaq = ctx.services.providers.nasdaq
            events = [event for day in self.days for event in nasdaq.earnings(ctx, day)]
        except BaseException as exc:
            self.error = exc
            raise
        finally:
            self.seconds = time.monotonic() - start
            self.finished.set()
        return [
            {"ticker": e.symbol, "priority": "high", "context": f"reports on {e.date}"}
            for e in events
        ]


def live_config(
    url: str,
    *,
    timeout: float = 3.0,
    retry: dict[str, Any] | None = None,
    nasdaq: dict[str, Any] | None = None,
    **resilience: Any,
) -> dict[str, Any]:
    """Live mode with Nasdaq at ``url``, short backoffs without jitter, a per-scanner deadline."""
    return {
        "discovery": {
            "source": {"mode": "live"},
            "providers": {"nasdaq": {"base_url": url, **(nasdaq or {})}},
            "scanner_execution": {"timeout_seconds": timeout},
            "resilience": {
                "retry": {
                    "max_attempts": 3,
                    "initial_backoff_seconds": 0.05,
                    "max_backoff_seconds": 0.5,
                    "jitter_seconds": 0.0,
                    **(retry or {}),
                },
                **resilience,
            },
        }
    }


@dataclass
class Outcome:
    state: dict[str, Any]
    seconds: float

    @property
    def probe(self) -> dict[str, Any]:
        return runs_by_name(self.state)["nasdaq_probe"]

    @property
    def error(self) -> dict[str, str]:
        error = self.probe["error"]
        assert error is not None, self.probe
        return dict(error)

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [e for e in self.state["tool_logs"] if e["tool"] == "nasdaq.earnings"]

    @property
    def nasdaq(self) -> dict[str, Any]:
        return dict(self.state["run_summary"]["providers"]["nasdaq"])

    @property
    def transitions(self) -> dict[str, Any]:
        return dict(self.state["run_summary"]["breaker_transitions"])


# Graphs of the running test; closed at its teardown, not right after each run, because a probe
# the engine gave up on may still be using the cache and limiters until its own call returns.
_GRAPHS: list[DiscoveryGraph] = []


@pytest.fixture(autouse=True)
def close_graphs() -> Iterator[None]:
    yield
    while _GRAPHS:
        _GRAPHS.pop().close()


def run(config: dict[str, Any], probe: NasdaqProbe) -> Outcome:
    """One live run (a fresh graph: a new process would do the same) of probe + bystander."""
    graph = DiscoveryGraph(
        config,
        [make_scanner("nasdaq_probe", probe), make_scanner("bystander", returning("MSFT"))],
    )
    _GRAPHS.append(graph)
    start = time.monotonic()
    state = graph.run(DAY)
    outcome = Outcome(state, time.monotonic() - start)
    bystander = runs_by_name(state)["bystander"]
    assert (bystander["status"], bystander["candidates"], bystander["error"]) == ("ok", 1, None)
    assert "MSFT" in [c["ticker"] for c in state["candidates"]]
    return outcome


def assert_ok(outcome: Outcome) -> None:
    assert outcome.probe["status"] == "ok", outcome.probe
    assert outcome.probe["candidates"] == 1
    assert "NDAQ" in [c["ticker"] for c in outcome.state["candidates"]]


# -- HTTP statuses -----------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out_then_retried(upstream: Upstream) -> None:
    upstream.answer(Reply(429, b"slow down", {"Retry-After": "1"}), Reply())
    probe = NasdaqProbe()
    out = run(live_config(upstream.url, timeout=4.0), probe)

    assert upstream.count == 2
    assert upstream.arrivals[1] - upstream.arrivals[0] >= 0.95  # Retry-After, not 0.05 s backoff
    assert_ok(out)
    [log] = out.logs
    assert (log["attempts"], log["cache"], log["error"]) == (2, "miss", None)
    assert log["breaker"] == "closed"
    assert log["waited_backoff_s"] == pytest.approx(1.0, abs=0.01)
    assert log["waited_rate_limit_s"] < 0.5
    stats = out.nasdaq
    assert (stats["http_429"], stats["retries"], stats["attempts"], stats["calls"]) == (1, 1, 2, 1)
    assert stats["failures"] == 0
    assert out.seconds < 1.0 + MARGIN


def test_a_500_storm_spends_exactly_max_attempts_and_fails(upstream: Upstream) -> None:
    upstream.answer(Reply(500, b"internal error"))
    probe = NasdaqProbe()
    out = run(live_config(upstream.url, timeout=3.0, retry={"max_attempts": 3}), probe)

    assert upstream.count == 3
    assert out.probe["status"] == "error"
    assert out.error["type"] == "ProviderHTTPError"
    assert "500" in out.error["message"]
    [log] = out.logs
    assert log["attempts"] == 3 and "ProviderHTTPError" in log["error"]
    assert log["waited_backoff_s"] == pytest.approx(0.05 + 0.1, abs=0.01)
    stats = out.nasdaq
    assert (stats["attempts"], stats["retries"], stats["failures"]) == (3, 2, 1)
    assert out.seconds < 3.0


@pytest.mark.parametrize(
    ("headers", "backoff"),
    [({}, 0.05), ({"Retry-After": "1"}, 1.0)],
    ids=["backoff", "retry-after"],
)
def test_503_then_success(upstream: Upstream, headers: dict[str, str], backoff: float) -> None:
    upstream.answer(Reply(503, b"unavailable", headers), Reply())
    probe = NasdaqProbe()
    out = run(live_config(upstream.url, timeout=4.0), probe)

    assert upstream.count == 2
    assert upstream.arrivals[1] - upstream.arrivals[0] >= backoff * 0.9
    assert_ok(out)
    [log] = out.logs
    assert log["attempts"] == 2 and log["error"] is None
    assert log["waited_backoff_s"] == pytest.approx(backoff, abs=0.01)
    assert (out.nasdaq["retries"], out.nasdaq["http_429"]) == (1, 0)


def test_a_retry_after_beyond_the_deadline_fails_at_once(upstream: Upstream) -> None:
    upstream.answer(Reply(429, b"come back later", {"Retry-After": "30"}))
    probe = NasdaqProbe()
    out = run(live_config(upstream.url, timeout=5.0), probe)

    assert upstream.count == 1
    assert out.probe["status"] == "error"
    assert out.error["type"] == "ProviderRateLimited"
    [log] = out.logs
    assert (log["attempts"], log["waited_backoff_s"]) == (1, 0.0)
    # Not a 30 s wait, nor one to the 5 s deadline; generous for a loaded machine.
    assert out.seconds < 2.5


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_are_never_retried(upstream: Upstream, status: int) -> None:
    upstream.answer(Reply(status, b"forbidden"))
    probe = NasdaqProbe()
    out = run(live_config(upstream.url), probe)

    assert upstream.count == 1
    assert out.probe["status"] == "error"
    assert out.error["type"] == "ProviderAuthError"
    assert str(status) in out.error["message"]
    [log] = out.logs
    assert (log["attempts"], log["waited_backoff_s"]) == (1, 0.0)
    assert (out.nasdaq["retries"], out.nasdaq["failures"]) == (0, 1)
    assert out.seconds < 1.0


# -- bodies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [BODY[: len(BODY) // 2], b"<html><body>Access Denied</body></html>"],
    ids=["truncated", "malformed"],
)
def test_unparseable_200_fails_with_a_parse_error_after_one_request(
    upstream: Upstream, body: bytes
) -> None:
    upstream.answer(Reply(200, body))
    probe = NasdaqProbe()
    out = run(live_config(upstream.url), probe)

    assert upstream.count == 1
    assert out.probe["status"] == "error"
    assert out.error["type"] == "ProviderParseError"
    assert out.error["message"].startswith("nasdaq: invalid JSON")
    [log] = out.logs
    assert log["attempts"] == 1 and log["waited_backoff_s"] == 0.0
    assert out.seconds < 1.0


def test_an_unparseable_200_is_not_served_again_from_the_cache(upstream: Upstream) -> None:
    upstream.answer(Reply(200, b"<html><body>Access Denied</body></html>"), Reply())
    first = run(live_config(upstream.url), NasdaqProbe())
    assert first.error["type"] == "ProviderParseError"
    assert upstream.count == 1

    # Upstream has recovered; a rerun a moment later must ask it again rather than fail on
    # the bad body that the first run received.
    second = run(live_config(upstream.url), NasdaqProbe())
    assert second.logs[0]["cache"] != "hit"
    assert upstream.count == 2
    assert_ok(second)


class Flood:
    """A streamed body of ``total`` bytes (no Content-Length) that counts what it hands over."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0
        self.ended = threading.Event()  # the server stopped writing (done or connection gone)

    def __call__(self) -> Iterator[bytes]:
        chunk = b"x" * (64 * 1024)
        try:
            yield b'{"data": "'
            while self.sent < self.total:
                yield chunk
                self.sent += len(chunk)
        finally:
            self.ended.set()


@pytest.mark.parametrize("cap", [None, MiB], ids=["default-20MiB", "1MiB"])
def test_an_oversized_body_is_cut_off_at_the_cap(upstream: Upstream, cap: int | None) -> None:
    flood = Flood(64 * MiB)  # far larger than any real calendar (a busy day is ~100 KB)
    upstream.answer(Reply(200, flood))
    probe = NasdaqProbe()
    nasdaq = {"max_bytes": cap} if cap else {}
    out = run(live_config(upstream.url, timeout=4.0, nasdaq=nasdaq), probe)

    limit = cap or 20 * MiB
    assert upstream.count == 1
    assert out.probe["status"] == "error"
    assert out.error["type"] == "ProviderResponseTooLarge"
    assert f"over {limit} bytes" in out.error["message"]
    [log] = out.logs
    assert log["attempts"] == 1 and "ProviderResponseTooLarge" in log["error"]
    assert out.seconds < 2.5
    # The client stopped reading at the cap and dropped the connection: the server could not
    # push the rest, only what the loopback socket buffers hold beyond the cap.
    assert flood.ended.wait(2.0)
    assert flood.sent < limit + 16 * MiB
    assert upstream.count == 1


def assert_cut_at_deadline(out: Any, timeout: float) -> None:
    """The run ended at the scanner's deadline, recorded as a timeout (or the call's own)."""
    # The request gives up just before the deadline (at most 0.5 s early) to report itself.
    assert timeout - 0.6 <= out.seconds < timeout + MARGIN
    assert out.probe["status"] in ("timeout", "error")
    if out.probe["status"] == "error":
        assert out.error["type"] == "ProviderTimeout"
    else:
        assert out.error["type"] == "ScannerTimeout"


# -- sockets -----------------------------------------------------------------------------------


def test_a_server_that_never_answers_ends_at_the_scanner_deadline() -> None:
    timeout = 1.0
    probe = NasdaqProbe()
    with raw_server("silent") as server:
        out = run(live_config(server.url, timeout=timeout), probe)
        # The read timeout is the scanner's remaining time, so that one attempt uses it all
        # and no retry fits: exactly one connection.
        assert probe.finished.wait(MARGIN), "the client did not give up at the deadline"
        assert server.connections == 1

    assert_cut_at_deadline(out, timeout)
    # The scanner's own thread got ProviderTimeout at the deadline, not 30 s later.
    assert isinstance(probe.error, ProviderTimeout)
    assert probe.seconds is not None and probe.seconds < timeout + 1.0


def test_connection_resets_are_retried_up_to_max_attempts() -> None:
    probe = NasdaqProbe()
    with raw_server("reset") as server:
        out = run(live_config(server.url, timeout=3.0, retry={"max_attempts": 3}), probe)
        assert wait_for(lambda: server.connections >= 3)
        assert server.connections == 3

    assert out.probe["status"] == "error"
    assert out.error["type"] == "ProviderConnectionError"
    assert isinstance(probe.error, ProviderConnectionError)
    [log] = out.logs
    assert log["attempts"] == 3
    assert log["waited_backoff_s"] == pytest.approx(0.05 + 0.1, abs=0.01)
    assert (out.nasdaq["retries"], out.nasdaq["failures"]) == (2, 1)
    assert out.seconds < 2.0


def test_a_dripping_body_is_cut_at_the_scanner_deadline() -> None:
    timeout = 1.0
    probe = NasdaqProbe()
    with raw_server("drip", body=BODY, drip_interval=1.0) as server:
        out = run(live_config(server.url, timeout=timeout), probe)
        assert probe.finished.wait(MARGIN), "the client kept reading the drip"
        assert server.connections == 1

    assert_cut_at_deadline(out, timeout)
    # The watchdog shut the socket at the deadline: the body would have taken ~300 s.
    assert isinstance(probe.error, ProviderTimeout)
    assert "body still arriving" in str(probe.error)
    assert probe.seconds is not None and probe.seconds < timeout + 1.0


# -- rate limits -------------------------------------------------------------------------------


# ``per_minute: 1`` alone is merged over nasdaq's default 5/s (one token a minute then rules);
# the other variants clear ``per_second`` or use a per-second pace slower than the deadline.
ONE_PER_MINUTE = {"per_second": None, "per_minute": 1}


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(
            {"per_minute": 1},
            id="per_minute-1-over-default",
        ),
        pytest.param(ONE_PER_MINUTE, id="per_minute-1-alone"),
        pytest.param({"per_second": 0.2}, id="per_second-0.2"),
    ],
)
def test_a_rate_limit_wait_past_the_deadline_fails_fast(
    upstream: Upstream, limit: dict[str, Any]
) -> None:
    # Two different days: the second call is not a cache hit, it needs a second token.
    probe = NasdaqProbe(DAY, DAY + timedelta(days=1))
    config = live_config(upstream.url, timeout=3.0, rate_limits={"nasdaq": limit})
    out = run(config, probe)

    assert out.error["type"] == "RateLimitWouldExceedDeadline", out.error
    assert "rate limit would exceed deadline" in out.error["message"]
    assert out.probe["status"] == "error"
    assert upstream.count == 1
    first, second = out.logs
    assert first["error"] is None and first["attempts"] == 1
    assert "RateLimitWouldExceedDeadline" in second["error"]
    assert second["waited_rate_limit_s"] == 0.0 and second["waited_backoff_s"] == 0.0
    assert out.seconds < 1.0  # refused at once: no waiting for the token, nor the deadline


def test_run_summary_attempts_match_what_reached_the_server(upstream: Upstream) -> None:
    probe = NasdaqProbe(DAY, DAY + timedelta(days=1))
    config = live_config(upstream.url, timeout=3.0, rate_limits={"nasdaq": ONE_PER_MINUTE})
    out = run(config, probe)

    assert out.error["type"] == "RateLimitWouldExceedDeadline"
    assert upstream.count == 1
    assert out.nasdaq["attempts"] == upstream.count
    assert out.logs[1]["attempts"] == 0


# -- the cache ---------------------------------------------------------------------------------


def test_stale_if_error_and_fresh_hits(upstream: Upstream) -> None:
    fresh = live_config(upstream.url, cache={"ttl_seconds": {"nasdaq:*": 60.0}})
    first = run(fresh, NasdaqProbe())
    assert_ok(first)
    assert upstream.count == 1
    assert first.logs[0]["cache"] == "miss"

    # A same-day rerun within the TTL: served from the cache, nothing reaches the server.
    second = run(fresh, NasdaqProbe())
    assert_ok(second)
    assert upstream.count == 1
    [hit] = second.logs
    assert (hit["cache"], hit["attempts"]) == ("hit", 0)
    assert (second.nasdaq["cache_hits"], second.nasdaq["attempts"]) == (1, 0)

    # The copy expires (a 0.2 s TTL, 0.3 s later) and the provider is down: the expired copy
    # is served rather than failing the scanner, after the retries were spent.
    upstream.answer(Reply(500, b"down"))
    time.sleep(0.3)
    short = live_config(upstream.url, cache={"ttl_seconds": {"nasdaq:*": 0.2}})
    third = run(short, NasdaqProbe())
    assert_ok(third)
    assert upstream.count == 1 + 3
    [stale] = third.logs
    assert (stale["cache"], stale["attempts"], stale["error"]) == ("stale", 3, None)
    assert "stale" in stale["output"] and "ProviderHTTPError" in stale["output"]
    stats = third.nasdaq
    assert (stats["stale_served"], stats["failures"], stats["cache_hits"]) == (1, 0, 0)


def test_a_stale_copy_is_served_when_the_upstream_hangs(upstream: Upstream) -> None:
    config = live_config(upstream.url, timeout=2.0, cache={"ttl_seconds": {"nasdaq:*": 0.2}})
    assert_ok(run(config, NasdaqProbe()))
    time.sleep(0.3)
    # The copy has expired and the provider now hangs: it accepts, then answers too late.
    upstream.answer(Reply(delay=30.0))
    probe = NasdaqProbe()
    out = run(config, probe)
    assert probe.finished.wait(MARGIN)
    assert upstream.count == 2
    # The request gave up just before the deadline, in time to serve the stale copy.
    assert probe.error is None
    assert probe.seconds is not None and 1.4 <= probe.seconds < 2.0
    assert out.probe["status"] == "ok", out.probe
    assert out.logs[0]["cache"] == "stale"


# -- circuit breakers --------------------------------------------------------------------------


def test_three_failed_runs_open_the_breaker_and_the_fourth_skips_the_scanner(
    upstream: Upstream,
) -> None:
    upstream.answer(Reply(500, b"down"))
    config = live_config(
        upstream.url,
        retry={"max_attempts": 2},
        breaker={"failure_threshold": 3, "reset_timeout_seconds": 3600.0},
    )
    probe = NasdaqProbe()
    for n in (1, 2, 3):  # each run a new graph on the same state dir, as separate processes
        out = run(config, probe)
        assert out.probe["status"] == "error"
        assert out.error["type"] == "ProviderHTTPError"
        assert upstream.count == 2 * n
        assert out.logs[0]["breaker"] == "closed"
        assert out.transitions == ({"nasdaq_probe": [["closed", "open"]]} if n == 3 else {})

    out = run(config, probe)
    assert upstream.count == 6  # nothing reached the server
    assert probe.calls == 3  # the scanner was not even started
    assert out.probe["status"] == "circuit_open"
    assert out.probe["error"] is None
    reason = out.probe["reason"]
    assert reason.startswith("circuit open after 3 consecutive failures; retry after ")
    assert "last error: ProviderHTTPError: HTTP 500" in reason
    assert out.logs == []
    assert out.transitions == {}
    assert out.seconds < 1.0
