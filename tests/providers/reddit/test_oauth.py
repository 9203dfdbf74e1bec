"""Reddit application-only OAuth: the token's life, its failures, and where secrets never go."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.clock import FakeClock
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderAuthError, ProviderParseError
from tradingagents.http import Request, RequestsTransport, Response
from tradingagents.providers.reddit.client import RedditClient, RedditCredentials
from tradingagents.providers.reddit.parse import parse_token
from tradingagents.replay.snapshot import Manifest, load_snapshot, write_manifest
from tradingagents.replay.transport import RecordingTransport, ReplayTransport
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Resilience

# Distinctive planted values: a test greps every output for them.
CLIENT_ID = "cid-PLANTED-7c1e"
SECRET = "sec-PLANTED-4f9d2a7e6b51"
BASIC = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
TOKEN = "tok-PLANTED-93b1c0ffee77"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
CREDENTIALS = RedditCredentials(CLIENT_ID, SECRET)


@pytest.fixture
def body(real: Path) -> bytes:
    # Recorded from GET https://oauth.reddit.com/r/askreddit/hot?raw_json=1&limit=100.
    return (real / "reddit" / "reddit_r_askreddit_hot_limit100_2016-03-01.json").read_bytes()


class SpyContext(ScanContext):
    """A ScanContext that also keeps each tool call's arguments as passed, before redaction:
    redaction would hide a leak that a secret-free log must not have in the first place."""

    def __init__(self) -> None:
        super().__init__(
            scanner="t", trade_date=date(2026, 11, 20), config={}, deadline=time.monotonic() + 30
        )
        self.raw: list[str] = []

    def log_tool_call(
        self,
        tool: str,
        parameters: Mapping[str, Any] | None = None,
        output: Any = None,
        error: BaseException | str | None = None,
        **kwargs: Any,
    ) -> None:
        self.raw.append(repr((tool, parameters, output, str(error), error, kwargs)))
        super().log_tool_call(tool, parameters, output, error, **kwargs)


class FakeReddit:
    """Reddit's token endpoint and OAuth listings in memory: issues numbered tokens, answers
    401 to unknown or revoked ones, and remembers what it was sent."""

    def __init__(self, listing: bytes, *, expires_in: float = 3600, token_delay_s: float = 0.0):
        self.listing = listing
        self.expires_in = expires_in
        self.token_delay_s = token_delay_s
        self.lock = threading.Lock()
        self.token_requests: list[Request] = []
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.listing_tokens: list[str] = []
        self.listing_status = 200
        # Set to make listing requests with a revoked token wait for each other.
        self.revoked_barrier: threading.Barrier | None = None

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        if request.url == TOKEN_URL:
            with self.lock:
                self.token_requests.append(request)
                token = f"{TOKEN}-{len(self.issued) + 1}"
                self.issued.append(token)
            time.sleep(self.token_delay_s)
            answer = {"access_token": token, "token_type": "bearer", "expires_in": self.expires_in}
            return self._json(request, 200, answer)
        token = request.secret_headers.get("Authorization", "").removeprefix("bearer ")
        with self.lock:
            self.listing_tokens.append(token)
        if token in self.revoked and self.revoked_barrier is not None:
            self.revoked_barrier.wait()
        if token not in self.issued or token in self.revoked:
            return self._json(request, 401, {"message": "Unauthorized", "error": 401})
        if self.listing_status != 200:
            return self._json(request, self.listing_status, {"error": self.listing_status})
        return Response(200, self.listing, {"Content-Type": "application/json"}, request.url)

    @staticmethod
    def _json(request: Request, status: int, data: Any) -> Response:
        headers = {"Content-Type": "application/json"}
        return Response(status, json.dumps(data).encode(), headers, request.public_url())


def _client(transport: Any, **kwargs: Any) -> RedditClient:
    return RedditClient(transport, credentials=CREDENTIALS, **kwargs)


def _served_by(httpserver: HTTPServer, transport: Any = None, **kwargs: Any) -> RedditClient:
    """A client whose token and listings both come from the local server."""
    return _client(
        transport if transport is not None else RequestsTransport(),
        oauth_base_url=httpserver.url_for("/"),
        token_url=httpserver.url_for("/api/v1/access_token"),
        **kwargs,
    )


def _token_answer(token: str = TOKEN, expires_in: int = 86400) -> dict[str, Any]:
    return {"access_token": token, "token_type": "bearer", "expires_in": expires_in, "scope": "*"}


# --- credentials ------------------------------------------------------------------------------


def test_credentials_repr_hides_the_secret() -> None:
    shown = repr(RedditCredentials(" id-1 ", f" {SECRET}\n"))

    assert SECRET not in shown
    assert "id-1" in shown


def test_credentials_are_stripped_and_required() -> None:
    assert RedditCredentials(" a ", " b\n") == RedditCredentials("a", "b")
    for client_id, secret in [("", "s"), ("id", " "), (" ", "")]:
        with pytest.raises(ValueError, match="client id and a client secret"):
            RedditCredentials(client_id, secret)


# --- over HTTP --------------------------------------------------------------------------------


def test_token_and_listing_reach_the_server_as_reddit_documents(
    httpserver: HTTPServer, body: bytes
) -> None:
    httpserver.expect_request(
        "/api/v1/access_token", method="POST", data="grant_type=client_credentials"
    ).respond_with_json(_token_answer())
    httpserver.expect_request(
        "/r/wallstreetbets/hot", method="GET", query_string={"limit": "100", "raw_json": "1"}
    ).respond_with_data(body, content_type="application/json")
    client = _served_by(httpserver, user_agent="scanner/2.0 by u/someone")
    ctx = SpyContext()

    posts = client.hot(ctx, "wallstreetbets")

    assert len(posts) == 102
    assert posts[0].id == "46c00m"
    (token_request, _), (listing_request, _) = httpserver.log
    assert token_request.method == "POST"
    assert token_request.headers["Authorization"] == f"Basic {BASIC}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_request.get_data() == b"grant_type=client_credentials"
    assert token_request.headers["User-Agent"] == "scanner/2.0 by u/someone"
    assert listing_request.headers["Authorization"] == f"bearer {TOKEN}"
    assert listing_request.headers["User-Agent"] == "scanner/2.0 by u/someone"
    token_log, listing_log = ctx._close()
    assert token_log["tool"] == "reddit.token"
    assert token_log["parameters"] == {
        "url": httpserver.url_for("/api/v1/access_token"),
        "method": "POST",
    }
    assert listing_log["tool"] == "reddit.hot"
    assert listing_log["parameters"]["url"].endswith("/r/wallstreetbets/hot?limit=100&raw_json=1")


def test_without_credentials_the_public_listing_is_read_without_a_token(
    httpserver: HTTPServer, body: bytes
) -> None:
    httpserver.expect_request("/r/stocks/hot.json", method="GET").respond_with_data(
        body, content_type="application/json"
    )
    client = RedditClient(RequestsTransport(), base_url=httpserver.url_for("/"))

    assert len(client.hot(None, "stocks")) == 102
    [(request, _)] = httpserver.log
    assert "Authorization" not in request.headers
    assert client.credentials is None


def test_token_endpoint_401_is_a_clear_auth_error_without_the_secret(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json(
        {"message": "Unauthorized", "error": 401}, status=401
    )
    client = _served_by(httpserver)
    ctx = SpyContext()

    with pytest.raises(ProviderAuthError) as info:
        client.hot(ctx, "wallstreetbets")

    error = info.value
    assert (error.status, error.retryable, error.provider) == (401, False, "reddit")
    assert "client id and secret" in str(error)
    assert "HTTP 401" in str(error)
    [log] = ctx._close()
    assert log["tool"] == "reddit.token"
    assert "HTTP 401" in log["error"]
    assert len(httpserver.log) == 1  # no listing request without a token
    for text in (str(error), repr(error), json.dumps(log), *ctx.raw, caplog.text):
        assert SECRET not in text
        assert BASIC not in text


@pytest.mark.parametrize("error_code", ["invalid_grant", "unsupported_grant_type"])
def test_an_error_field_in_a_200_answer_is_a_clear_auth_error(
    httpserver: HTTPServer, error_code: str
) -> None:
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json(
        {"error": error_code}
    )
    client = _served_by(httpserver)

    with pytest.raises(ProviderAuthError) as info:
        client.hot(SpyContext(), "stocks")

    assert error_code in str(info.value)
    assert "client id and secret" in str(info.value)
    assert SECRET not in str(info.value)


def test_a_malformed_token_answer_is_a_parse_error_and_no_listing_is_asked(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_data(
        '{"access_token": "' + TOKEN, content_type="application/json"
    )
    client = _served_by(httpserver)

    with pytest.raises(ProviderParseError) as info:
        client.hot(SpyContext(), "stocks")

    assert info.value.field == "<body>"
    assert TOKEN not in str(info.value)
    assert len(httpserver.log) == 1


# --- the token's life -------------------------------------------------------------------------


def test_the_token_is_fetched_lazily_once_and_reused(body: bytes) -> None:
    reddit = FakeReddit(body)
    client = _client(reddit)
    assert reddit.token_requests == []  # nothing is sent before the first listing

    for subreddit in ("wallstreetbets", "stocks", "investing"):
        assert len(client.hot(SpyContext(), subreddit)) == 102

    assert len(reddit.token_requests) == 1
    assert reddit.listing_tokens == [f"{TOKEN}-1"] * 3
    [sent] = reddit.token_requests
    assert (sent.method, dict(sent.form)) == ("POST", {"grant_type": "client_credentials"})
    assert sent.secret_headers == {"Authorization": f"Basic {BASIC}"}


def test_threads_share_one_token_request(body: bytes) -> None:
    # The token answer is slow, so every thread asks while the first request is in flight.
    reddit = FakeReddit(body, token_delay_s=0.3)
    client = _client(reddit)
    start = threading.Barrier(8)
    results: list[int] = []
    errors: list[BaseException] = []

    def scan() -> None:
        start.wait()
        try:
            results.append(len(client.hot(SpyContext(), "wallstreetbets")))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert results == [102] * 8
    assert len(reddit.token_requests) == 1
    assert set(reddit.listing_tokens) == {f"{TOKEN}-1"}


def test_the_token_is_renewed_shortly_before_it_expires(body: bytes) -> None:
    clock = FakeClock()
    reddit = FakeReddit(body, expires_in=3600)
    client = _client(reddit, clock=clock)

    client.hot(None, "stocks")
    clock.advance(3600 - 61)  # still more than the renewal margin left
    client.hot(None, "stocks")
    assert len(reddit.token_requests) == 1
    clock.advance(2)  # now within a minute of expiry
    client.hot(None, "stocks")
    client.hot(None, "stocks")

    assert len(reddit.token_requests) == 2
    assert reddit.listing_tokens == [f"{TOKEN}-1", f"{TOKEN}-1", f"{TOKEN}-2", f"{TOKEN}-2"]


def test_a_short_lived_token_is_renewed_at_half_its_life(body: bytes) -> None:
    clock = FakeClock()
    reddit = FakeReddit(body, expires_in=60)
    client = _client(reddit, clock=clock)

    client.hot(None, "stocks")
    clock.advance(29)
    client.hot(None, "stocks")
    clock.advance(1)
    client.hot(None, "stocks")

    assert reddit.listing_tokens == [f"{TOKEN}-1", f"{TOKEN}-1", f"{TOKEN}-2"]


def test_a_401_listing_renews_the_token_once_then_succeeds(body: bytes) -> None:
    reddit = FakeReddit(body)
    client = _client(reddit)
    client.hot(None, "stocks")
    reddit.revoked.add(f"{TOKEN}-1")
    ctx = SpyContext()

    assert len(client.hot(ctx, "stocks")) == 102

    assert len(reddit.token_requests) == 2
    assert reddit.listing_tokens == [f"{TOKEN}-1", f"{TOKEN}-1", f"{TOKEN}-2"]
    logs = ctx._close()
    assert [(log["tool"], log["error"] is None) for log in logs] == [
        ("reddit.hot", False),
        ("reddit.token", True),
        ("reddit.hot", True),
    ]


def test_a_second_401_is_raised_not_retried_forever(body: bytes) -> None:
    reddit = FakeReddit(body)
    client = _client(reddit)
    client.hot(None, "stocks")
    reddit.revoked.update(f"{TOKEN}-{n}" for n in range(1, 10))

    with pytest.raises(ProviderAuthError) as info:
        client.hot(None, "stocks")

    assert info.value.status == 401
    assert len(reddit.token_requests) == 2
    assert reddit.listing_tokens == [f"{TOKEN}-1", f"{TOKEN}-1", f"{TOKEN}-2"]


def test_a_403_listing_keeps_the_token(body: bytes) -> None:
    # Reddit answers 403 for private and banned subreddits: a new token would not help.
    reddit = FakeReddit(body)
    client = _client(reddit)
    reddit.listing_status = 403

    with pytest.raises(ProviderAuthError) as info:
        client.hot(None, "some_private_sub")

    assert info.value.status == 403
    assert len(reddit.token_requests) == 1


def test_threads_refused_with_the_same_token_renew_it_once(body: bytes) -> None:
    reddit = FakeReddit(body)
    client = _client(reddit)
    client.hot(None, "stocks")
    reddit.revoked.add(f"{TOKEN}-1")
    # Both listings are refused with token 1 before either thread renews it.
    reddit.revoked_barrier = threading.Barrier(2, timeout=5)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(len(client.hot(None, "stocks"))))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert results == [102, 102]
    assert len(reddit.token_requests) == 2
    assert reddit.listing_tokens.count(f"{TOKEN}-2") == 2


# --- parse_token ------------------------------------------------------------------------------


def test_parse_token_reads_reddits_answer() -> None:
    token = parse_token(json.dumps(_token_answer()).encode())

    assert (token.access_token, token.expires_in) == (TOKEN, 86400.0)
    assert TOKEN not in repr(token)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"[]", "<body>"),
        (b"<html>Too Many Requests</html>", "<body>"),
        ({"token_type": "bearer", "expires_in": 3600}, "access_token"),
        ({"access_token": " ", "expires_in": 3600}, "access_token"),
        ({"access_token": 7, "expires_in": 3600}, "access_token"),
        ({"access_token": TOKEN, "token_type": "mac", "expires_in": 3600}, "token_type"),
        ({"access_token": TOKEN}, "expires_in"),
        ({"access_token": TOKEN, "expires_in": "3600"}, "expires_in"),
        ({"access_token": TOKEN, "expires_in": True}, "expires_in"),
        ({"access_token": TOKEN, "expires_in": 0}, "expires_in"),
        ({"access_token": TOKEN, "expires_in": float("inf")}, "expires_in"),
    ],
)
def test_malformed_token_answers_name_the_field_never_the_token(payload: Any, field: str) -> None:
    with pytest.raises(ProviderParseError) as info:
        parse_token(payload)

    assert info.value.field == field
    assert TOKEN not in str(info.value)


def test_an_unreadable_error_field_is_not_repeated() -> None:
    with pytest.raises(ProviderAuthError) as info:
        parse_token({"error": f"bad secret {SECRET}\n<html>"})

    assert "unreadable error" in str(info.value)
    assert SECRET not in str(info.value)


# --- where secrets never go -------------------------------------------------------------------


def _stored_text(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file())


def _cached_bodies(cache: ResponseCache) -> list[bytes]:
    """The response bodies in the cache, decoded: the file holds them in base64, where a
    plain grep would never find a secret."""
    rows = sqlite3.connect(cache.path).execute("SELECT value FROM responses").fetchall()
    return [base64.b64decode(json.loads(value)["body"]) for (value,) in rows]


def test_the_token_request_is_never_cached(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json(
        _token_answer()
    )
    listing = {"kind": "Listing", "data": {"children": []}}
    httpserver.expect_request("/r/stocks/hot", method="GET").respond_with_json(listing)
    cache = ResponseCache(tmp_path / "cache" / "responses.sqlite")
    assert cache.ttl_for(Request("reddit", TOKEN_URL)) > 0  # "reddit:*" would cache it

    def client() -> RedditClient:
        reddit = _client(
            RequestsTransport(),
            oauth_base_url=httpserver.url_for("/"),
            token_url=httpserver.url_for("/api/v1/access_token"),
        )
        reddit.resilience = Resilience(cache=cache)
        return reddit

    first = client()
    first.hot(None, "stocks")
    client().hot(None, "stocks")  # a second run: its listing comes from the cache

    methods = [request.method for request, _ in httpserver.log]
    assert methods == ["POST", "GET", "POST"]  # each run asked for its own token
    token_request = first.build_request(
        first.token_url, method="POST", form={"grant_type": "client_credentials"}
    )
    assert cache.get(token_request) is None
    assert cache.get(token_request, allow_stale=True) is None
    rows = sqlite3.connect(cache.path).execute("SELECT key, value FROM responses").fetchall()
    assert len(rows) == 1
    assert "access_token" not in json.dumps(rows)


def test_secret_and_token_stay_out_of_logs_cache_and_snapshots(
    httpserver: HTTPServer, tmp_path: Path, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json(
        _token_answer()
    )
    # A listing that echoes the token: the recorded copy must not keep it.
    listing = json.loads(body)
    listing["data"]["children"][2]["data"]["selftext"] = f"leaked {TOKEN} here"
    httpserver.expect_request("/r/wallstreetbets/hot", method="GET").respond_with_json(listing)
    snapshot = tmp_path / "snapshot"
    recorder = RecordingTransport(RequestsTransport(), snapshot)
    client = _served_by(httpserver, recorder)
    cache = ResponseCache(tmp_path / "cache" / "responses.sqlite")
    client.resilience = Resilience(cache=cache)
    ctx = SpyContext()

    posts = client.hot(ctx, "wallstreetbets")

    assert TOKEN in posts[2].selftext  # the caller still sees the real answer
    write_manifest(
        snapshot,
        Manifest(
            trade_date=date(2026, 11, 20),
            kind="recorded",
            created_by="test",
            responses=tuple(recorder.entries),
        ),
    )
    logs = json.dumps(ctx._close())
    stored = _stored_text(snapshot) + _stored_text(tmp_path / "cache")
    assert _cached_bodies(cache) == []  # an answer echoing the token is not cached at all
    stored += b"".join(_cached_bodies(cache))
    for secret in (SECRET, BASIC, TOKEN):
        for text in (logs, *ctx.raw, caplog.text, repr(client.__dict__)):
            assert secret not in text
        assert secret.encode() not in stored
    assert b"[REDACTED]" in _stored_text(snapshot)


def test_an_oauth_recording_replays_through_the_public_client(
    httpserver: HTTPServer, tmp_path: Path, body: bytes
) -> None:
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json(
        _token_answer()
    )
    httpserver.expect_request("/r/wallstreetbets/hot", method="GET").respond_with_data(
        body, content_type="application/json"
    )
    recorder = RecordingTransport(RequestsTransport(), tmp_path)
    client = _served_by(httpserver, recorder)
    client.hot(None, "wallstreetbets", limit=100)
    write_manifest(
        tmp_path,
        Manifest(
            trade_date=date(2026, 11, 20),
            kind="recorded",
            created_by="test",
            responses=tuple(recorder.entries),
        ),
    )

    [entry] = load_snapshot(tmp_path).manifest.responses  # the token POST is not recorded
    assert (entry.path, entry.params) == (
        "/r/wallstreetbets/hot.json",
        {"limit": "100", "raw_json": "1"},
    )
    assert "/r/wallstreetbets/hot?" in entry.description  # what was really asked
    replayed = RedditClient(ReplayTransport(load_snapshot(tmp_path))).hot(None, "wallstreetbets")
    assert len(replayed) == 102
