"""The HTTP seam: POSTs with a form body, secret headers, and what a POST may not touch (cache)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.http import Request, RequestsTransport, Response
from tradingagents.providers.base import ProviderClient
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Resilience

SECRET = "hdr-PLANTED-5e0c41d2"


def test_a_post_sends_its_form_and_secret_headers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/token", method="POST").respond_with_json({"ok": True})
    request = Request(
        provider="demo",
        url=httpserver.url_for("/token"),
        params={"v": "1"},
        headers={"User-Agent": "demo/1.0", "Authorization": "overridden"},
        secret_params={"key": "k-123456"},
        method="POST",
        form={"grant_type": "client_credentials"},
        secret_headers={"Authorization": f"Basic {SECRET}"},
    )

    response = RequestsTransport().send(request, timeout=5, max_bytes=1000)

    assert response.status == 200
    assert response.url == httpserver.url_for("/token") + "?v=1"  # public parameters only
    [(sent, _)] = httpserver.log
    assert sent.method == "POST"
    assert sent.get_data() == b"grant_type=client_credentials"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Authorization"] == f"Basic {SECRET}"  # the secret header wins
    assert sent.headers["User-Agent"] == "demo/1.0"
    assert dict(sent.args) == {"v": "1", "key": "k-123456"}


def test_a_get_stays_a_get_without_a_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data", method="GET").respond_with_data("x")
    request = Request(provider="demo", url=httpserver.url_for("/data"), params={"a": "b"})

    assert RequestsTransport().send(request, timeout=5, max_bytes=1000).body == b"x"
    [(sent, _)] = httpserver.log
    assert (sent.method, sent.get_data()) == ("GET", b"")
    assert "Authorization" not in sent.headers


def test_request_repr_hides_secret_params_and_headers() -> None:
    request = Request(
        provider="demo",
        url="https://example.test/x",
        secret_params={"apikey": SECRET},
        secret_headers={"Authorization": f"bearer {SECRET}"},
    )

    assert SECRET not in repr(request)
    assert SECRET not in str(request)


def test_a_form_body_needs_a_post() -> None:
    with pytest.raises(ValueError, match="POST"):
        Request(provider="demo", url="https://example.test/x", form={"a": "b"})


class Demo(ProviderClient):
    provider: ClassVar[str] = "demo"


class Counting:
    def __init__(self) -> None:
        self.sent: list[Request] = []

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        self.sent.append(request)
        return Response(200, f"answer {len(self.sent)}".encode(), url=request.public_url())


def test_a_post_is_neither_served_from_nor_stored_in_the_cache(tmp_path: Path) -> None:
    transport = Counting()
    client = Demo(transport, base_url="https://example.test")
    cache = ResponseCache(tmp_path / "cache.sqlite", ttls={"demo:*": 300})
    client.resilience = Resilience(cache=cache)
    # A GET of the same URL is cached: a POST must not be answered with it.
    assert client.get(None, "/token", tool="demo.get").body == b"answer 1"
    post = client.build_request("/token", method="POST", form={"grant_type": "x"})
    ctx = ScanContext(
        scanner="t", trade_date=date(2026, 11, 20), config={}, deadline=time.monotonic() + 10
    )

    first = client.send(ctx, post, tool="demo.token")
    second = client.send(ctx, post, tool="demo.token")

    assert (first.body, second.body) == (b"answer 2", b"answer 3")
    assert [r.method for r in transport.sent] == ["GET", "POST", "POST"]
    # The cache itself refuses a POST too, though its key (the public URL) matches the GET's.
    assert cache.get(post) is None
    cache.put(post, Response(200, b"token body"))
    hit = cache.get(client.build_request("/token"))
    assert hit is not None
    assert hit.response.body == b"answer 1"
    logs = ctx._close()
    assert [log["cache"] for log in logs] == [None, None]
    assert logs[0]["parameters"] == {"url": "https://example.test/token", "method": "POST"}


def test_a_netrc_entry_never_replaces_our_authorization_header(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "machine 127.0.0.1 login someone password netrc-pw\n"
        "machine localhost login someone password netrc-pw\n",
        encoding="utf-8",
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/r").respond_with_json({})
    url = httpserver.url_for("/r")

    RequestsTransport().send(
        Request(provider="demo", url=url, secret_headers={"Authorization": f"bearer {SECRET}"}),
        timeout=5,
        max_bytes=1000,
    )
    RequestsTransport().send(Request(provider="demo", url=url), timeout=5, max_bytes=1000)

    (ours, _), (plain, _) = httpserver.log
    assert ours.headers["Authorization"] == f"bearer {SECRET}"
    # Without our header requests still honours the user's netrc, as it always did.
    assert plain.headers["Authorization"].startswith("Basic ")
