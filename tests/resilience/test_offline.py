"""Issue 9: with no network, one actionable line per provider; third-party chatter in tool logs."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tradingagents.discovery.registry import load_registry
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.recording import record_snapshot
from tradingagents.reports.problems import provider_problem_lines

DAY = date(2026, 11, 20)  # a Friday: the earnings calendar reads four market days
CRUMB_CHATTER = "yfinance WARNING: Cookie/crumb fetch failed (DNSError), continuing without crumb"
SCANNERS = ("market_movers", "earnings_calendar", "reddit_trending")


def on_day() -> date:
    return DAY


def closed_port() -> int:
    """A local port nothing listens on (bound then closed: the kernel does not reuse it soon)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name lookup fails as on a machine without network, whatever this one has.

    Python's resolver (requests) is replaced; libcurl (yfinance, through curl_cffi) does not use
    it, so yfinance gets a real session whose DNS-over-HTTPS server is a closed local port:
    every lookup fails with curl error 6, and no packet leaves the machine.
    """
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("127.0.0.1", "::1", "localhost"):
            return real(host, *args, **kwargs)
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    import yfinance.cache
    import yfinance.data
    from curl_cffi import requests as curl
    from curl_cffi.const import CurlOpt

    # Neither read nor write the developer's yfinance cookie cache.
    monkeypatch.setattr(
        yfinance.cache._CookieCacheManager, "_Cookie_cache", yfinance.cache._CookieCacheDummy()
    )
    doh = f"https://127.0.0.1:{closed_port()}/dns-query"
    yfdata = yfinance.data.YfData

    def fresh_yfdata() -> Any:
        session: Any = curl.Session(impersonate="chrome", curl_options={CurlOpt.DOH_URL: doh})
        # type.__call__ skips YfData's singleton: this test's session, not the process's.
        return type.__call__(yfdata, session=session)

    monkeypatch.setattr(yfinance.data, "YfData", fresh_yfdata)


@pytest.fixture
def terminal() -> Iterator[io.StringIO]:
    """What the CLI's ``logging.basicConfig(level=WARNING)`` would print, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def live_config(tmp_path: Path, **providers: dict[str, Any]) -> dict[str, Any]:
    scanners = {name: {"enabled": name in SCANNERS} for name in load_registry().names()}
    return {
        "discovery": {
            "source": {"mode": "live"},
            "cache_dir": str(tmp_path / "cache"),
            "providers": providers,
            "resilience": {
                "state_dir": str(tmp_path / "state"),
                # Retries are tested elsewhere; here they only make the counts bigger.
                "retry": {"max_attempts": 1},
                # Nor are rate limits: at Yahoo's 5/s the failed calls would queue for seconds.
                "rate_limits": {
                    name: {"per_second": 500} for name in ("yahoo", "nasdaq", "reddit")
                },
                "breaker": {"enabled": False},
            },
            "scanners": scanners,
        }
    }


@pytest.mark.usefixtures("no_dns")
def test_no_network_gives_one_line_per_provider_and_nothing_else_on_the_terminal(
    tmp_path: Path,
    terminal: io.StringIO,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    state = DiscoveryGraph(live_config(tmp_path), today=on_day).run(DAY)

    assert provider_problem_lines(state) == [
        "nasdaq: network unreachable (DNS lookup failed for api.nasdaq.com): 4 calls failed",
        "reddit: network unreachable (DNS lookup failed for www.reddit.com): 3 calls failed",
        "yahoo: network unreachable (DNS lookup failed for query2.finance.yahoo.com): "
        "3 calls failed",
    ]
    runs = {r["name"]: r["status"] for r in state["scanner_runs"] if r["name"] in SCANNERS}
    assert runs == dict.fromkeys(SCANNERS, "error")
    # yfinance's warning is in the tool log of the call that caused it, not on the terminal.
    yahoo = [entry for entry in state["tool_logs"] if entry["tool"].startswith("yahoo.")]
    assert len(yahoo) == 3
    assert all(entry["notes"] == [CRUMB_CHATTER] for entry in yahoo), yahoo[0]
    assert all(
        entry["error"] == "ProviderConnectionError: network unreachable "
        "(DNS lookup failed for query2.finance.yahoo.com)"
        for entry in yahoo
    )
    printed = terminal.getvalue()
    assert "crumb" not in printed and "Traceback" not in printed
    # One WARNING line per failed scanner, all from this package, none from a library.
    lines = printed.splitlines()
    for name in SCANNERS:
        assert [line for line in lines if f"⚠️ {name}: " in line], printed
    assert all(line.startswith("tradingagents.") for line in lines), printed
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


@pytest.mark.usefixtures("no_dns")
def test_tracebacks_are_logged_at_debug_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tradingagents.engine")
    DiscoveryGraph(live_config(tmp_path), today=on_day).run(DAY)
    traces = [r for r in caplog.records if "Traceback" in r.getMessage()]
    assert traces and {r.levelno for r in traces} == {logging.DEBUG}


@pytest.mark.usefixtures("no_dns")
def test_recording_a_snapshot_offline_reports_the_same_lines(
    tmp_path: Path, terminal: io.StringIO, capfd: pytest.CaptureFixture[str]
) -> None:
    _, state = record_snapshot(
        tmp_path / "snap", config=live_config(tmp_path), trade_date=DAY, today=on_day
    )
    assert [line.split(":")[0] for line in provider_problem_lines(state)] == [
        "nasdaq",
        "reddit",
        "yahoo",
    ]
    assert all(
        "network unreachable (DNS lookup failed for " in line
        for line in provider_problem_lines(state)
    )
    printed = terminal.getvalue()
    assert "crumb" not in printed and "Traceback" not in printed
    assert capfd.readouterr() == ("", "")


def test_a_closed_port_is_reported_as_connection_refused(
    tmp_path: Path, terminal: io.StringIO
) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    config = live_config(
        tmp_path, nasdaq={"base_url": url}, reddit={"base_url": url}, yahoo={"base_url": url}
    )
    state = DiscoveryGraph(config, today=on_day).run(DAY)
    assert provider_problem_lines(state) == [
        f"nasdaq: connection refused by 127.0.0.1:{port}: 4 calls failed",
        f"reddit: connection refused by 127.0.0.1:{port}: 3 calls failed",
        f"yahoo: connection refused by 127.0.0.1:{port}: 3 calls failed",
    ]
    assert "Traceback" not in terminal.getvalue()
