"""Connection failures classified from real library errors; third-party log records per call."""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

import pytest
import requests
from curl_cffi import CurlError
from curl_cffi.requests import exceptions as curl
from pytest_httpserver import HTTPServer

from tradingagents.errors import (
    ProviderConnectionError,
    ProviderHTTPError,
    ProviderParseError,
    ProviderTimeout,
)
from tradingagents.http import Request, RequestsTransport, connection_failed, timed_out
from tradingagents.http.chatter import MAX_NOTE_CHARS, MAX_NOTES, CallNotes, captured
from tradingagents.http.connection import classify
from tradingagents.reports.problems import provider_problem_lines
from tradingagents.resilience.metrics import RunMetrics
from tradingagents.resilience.ratelimit import RateLimitWouldExceedDeadline


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def send(url: str, **session: Any) -> ProviderConnectionError:
    transport = RequestsTransport(requests.Session())
    for name, value in session.items():
        setattr(transport.session, name, value)
    with pytest.raises(ProviderConnectionError) as info:
        transport.send(Request(provider="p", url=url), timeout=5, max_bytes=1000)
    assert info.value.__cause__ is None
    return info.value


# ---------------------------------------------------------------- real failures of requests


def test_a_closed_port_is_a_refused_connection() -> None:
    port = closed_port()
    error = send(f"http://127.0.0.1:{port}/v1/q?apikey=SECRET")
    assert (error.kind, error.host, error.port) == ("refused", "127.0.0.1", port)
    assert str(error) == f"connection refused by 127.0.0.1:{port}"
    assert error.retryable


def test_a_failed_name_lookup_is_network_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    error = send("https://user:pw@api.example.com/v1/q?apikey=SECRET")
    assert (error.kind, error.host, error.port) == ("dns", "api.example.com", 443)
    assert str(error) == "network unreachable (DNS lookup failed for api.example.com)"
    # Neither the path and query (a key) nor the user info of the URL.
    assert "SECRET" not in str(error) and "pw" not in str(error) and "/v1" not in str(error)


def test_a_refused_proxy_is_a_proxy_problem_not_the_servers() -> None:
    port = closed_port()
    proxy = f"http://user:proxypass@127.0.0.1:{port}"
    error = send("https://api.example.com/q", proxies={"https": proxy}, trust_env=False)
    assert (error.kind, error.host) == ("proxy", "api.example.com")
    assert str(error) == "proxy failed while connecting to api.example.com:443 (ProxyError)"
    assert "proxypass" not in str(error)


def test_tls_to_a_plain_http_server_is_a_tls_failure_never_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/q").respond_with_data("plain")
    url = httpserver.url_for("/q").replace("http://", "https://")
    error = send(url)
    assert (error.kind, error.host, error.port) == ("tls", "localhost", httpserver.port)
    assert str(error).startswith(f"TLS handshake with localhost:{httpserver.port} failed (")
    assert not error.retryable


# ---------------------------------------------------------------- curl_cffi (yfinance)

URL = "https://query2.finance.yahoo.com/v7/finance/options/AAPL?crumb=SECRET"


def curl_error(cls: type[BaseException], code: int) -> BaseException:
    error = cls(f"Failed to perform, curl: ({code}) ... {URL}")
    error.code = code  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            curl_error(curl.DNSError, 6),
            "network unreachable (DNS lookup failed for query2.finance.yahoo.com)",
        ),
        (
            curl.DNSError("no code"),
            "network unreachable (DNS lookup failed for query2.finance.yahoo.com)",
        ),
        (curl_error(curl.ConnectionError, 7), "could not connect to query2.finance.yahoo.com:443"),
        (
            curl_error(curl.ProxyError, 5),
            "proxy failed while connecting to query2.finance.yahoo.com:443 (ProxyError)",
        ),
        (
            curl_error(curl.CertificateVerifyError, 60),
            "TLS handshake with query2.finance.yahoo.com:443 failed (CertificateVerifyError)",
        ),
        (
            curl_error(curl.RequestException, 56),
            "connection to query2.finance.yahoo.com:443 reset or closed (RequestException)",
        ),
        (
            curl_error(CurlError, 99),
            "connection to query2.finance.yahoo.com:443 failed (CurlError)",
        ),
    ],
)
def test_curl_errors_are_classified_by_code_then_class(error: BaseException, message: str) -> None:
    request = Request(provider="yahoo", url=URL)
    translated = connection_failed(request, 0.0, error)
    assert str(translated) == message
    assert "SECRET" not in str(translated) and "/v7" not in str(translated)


def test_a_timeout_names_the_server_and_whether_it_was_connecting() -> None:
    request = Request(provider="p", url="https://api.example.com:8443/q?apikey=SECRET")
    connect = timed_out(request, 0.0, requests.ConnectTimeout("x"))
    read = timed_out(request, 0.0, requests.ReadTimeout("x"))
    assert "connecting to api.example.com:8443 (ConnectTimeout)" in str(connect)
    assert "waiting for api.example.com:8443 (ReadTimeout)" in str(read)
    assert "SECRET" not in str(connect) + str(read)


def test_an_unrecognised_error_keeps_its_type_name() -> None:
    failure = classify(ValueError("https://x/?apikey=SECRET"), "http://[::1]:bad/")
    assert failure.kind is None and "SECRET" not in failure.message()


# ---------------------------------------------------------------- third-party log records


def test_records_logged_during_a_call_go_to_that_calls_notes_only() -> None:
    yf = logging.getLogger("yfinance")
    barrier = threading.Barrier(2)
    notes = {name: CallNotes() for name in ("a", "b")}

    def call(name: str) -> None:
        with captured(notes[name]):
            barrier.wait()
            yf.warning("from %s", name)
            barrier.wait()

    threads = [threading.Thread(target=call, args=(name,)) for name in notes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert notes["a"].as_list() == ["yfinance WARNING: from a"]
    assert notes["b"].as_list() == ["yfinance WARNING: from b"]


def test_records_outside_a_call_and_debug_records_are_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="yfinance")
    notes = CallNotes()
    with captured(notes):
        logging.getLogger("yfinance").debug("crumb = 'abc'")
        logging.getLogger("urllib3.connectionpool").warning("Retrying after a reset")
    logging.getLogger("yfinance").warning("not in a call")
    assert notes.as_list() == ["urllib3.connectionpool WARNING: Retrying after a reset"]
    assert [r.getMessage() for r in caplog.records if r.name == "yfinance"] == [
        "crumb = 'abc'",
        "not in a call",
    ]


def test_notes_are_bounded_folded_and_hide_the_crumb() -> None:
    notes = CallNotes()
    notes.add("Cookie/crumb fetch failed")
    notes.add("Cookie/crumb fetch failed")
    notes.add("GET /v7?crumb=Abc.123&x=1 failed\nagain")
    notes.add("x" * 1000)
    for n in range(MAX_NOTES + 5):
        notes.add(f"note {n}")
    lines = notes.as_list()
    assert lines[0] == "Cookie/crumb fetch failed (2 times)"
    assert lines[1] == "GET /v7?crumb=[REDACTED]&x=1 failed again"
    assert len(lines[2]) == MAX_NOTE_CHARS
    assert len(lines) == MAX_NOTES + 1 and lines[-1] == "... and 8 more"


# ---------------------------------------------------------------- summary per provider


def test_problems_are_summed_up_per_provider_most_frequent_first() -> None:
    metrics = RunMetrics()
    dns = ProviderConnectionError(
        "network unreachable (DNS lookup failed for h)", kind="dns", host="h"
    )
    for _ in range(3):
        metrics.add_failure("yahoo", dns)
    metrics.add_failure("yahoo", ProviderTimeout("timed out after 1.2s", provider="yahoo"))
    metrics.add("yahoo", calls=6)
    metrics.add_failure("nasdaq", ProviderHTTPError("HTTP 503 from x", status=503))
    metrics.add_failure("nasdaq", ProviderParseError("bad", provider="nasdaq"))
    metrics.add_failure("nasdaq", ProviderTimeout("t"))
    metrics.add_failure(
        "nasdaq", RateLimitWouldExceedDeadline("no token", provider="nasdaq", wait_s=3)
    )
    metrics.add("nasdaq", calls=4)
    metrics.add("sec_edgar", calls=2)
    metrics.add_failure("finnhub", ProviderTimeout("t"))  # no calls counted: no "1 of 0"
    assert metrics.problems() == {
        "nasdaq": "HTTP 503: 1 of 4 calls failed; not sent (waiting for the rate limit would "
        "pass the deadline): 1 of 4 calls failed; timed out: 1 of 4 calls failed; 1 more failed "
        "for other reasons",
        "finnhub": "timed out: 1 call failed",
        "yahoo": "network unreachable (DNS lookup failed for h): 3 of 6 calls failed; "
        "timed out: 1 of 6 calls failed",
    }


def test_problem_lines_for_the_cli() -> None:
    assert provider_problem_lines({}) == []
    assert provider_problem_lines({"run_summary": {"providers": {}}}) == []
    state = {"run_summary": {"provider_problems": {"yahoo": "a\nb: 1 call failed", "finnhub": "c"}}}
    assert provider_problem_lines(state) == ["finnhub: c", "yahoo: a b: 1 call failed"]
