"""The response cache: per-endpoint TTLs on an injected clock, stale reads, no secrets stored."""

from __future__ import annotations

from pathlib import Path

from tradingagents.clock import FakeClock
from tradingagents.http import Request, Response
from tradingagents.resilience.cache import ResponseCache


def request(
    path: str = "/api/calendar/earnings", provider: str = "nasdaq", **params: str
) -> Request:
    return Request(
        provider=provider,
        url=f"https://example.test{path}",
        params=params,
        secret_params={"apikey": "SECRET-KEY-123456"},
    )


def test_fresh_within_ttl_then_stale_only_on_request(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = ResponseCache(tmp_path / "c.sqlite", ttls={"nasdaq:*": 60}, clock=clock)
    req = request(date="2026-11-20")
    cache.put(
        req, Response(status=200, body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    )
    clock.advance(59)
    hit = cache.get(req)
    assert hit is not None and hit.response.body == b'{"a": 1}' and not hit.stale
    clock.advance(2)
    assert cache.get(req) is None
    stale = cache.get(req, allow_stale=True)
    assert stale is not None and stale.stale and stale.age_s == 61


def test_ttl_is_per_endpoint_and_unlisted_endpoints_are_not_cached(tmp_path: Path) -> None:
    clock = FakeClock()
    ttls = {"yahoo:/v8/finance/chart/*": 3600, "yahoo:/v7/finance/options/*": 10}
    cache = ResponseCache(tmp_path / "c.sqlite", ttls=ttls, clock=clock)
    chart, options = (
        request("/v8/finance/chart/F", "yahoo"),
        request("/v7/finance/options/F", "yahoo"),
    )
    other = request("/v1/finance/screener", "yahoo")
    for req in (chart, options, other):
        cache.put(req, Response(status=200, body=b"{}"))
    clock.advance(11)
    assert cache.get(chart) is not None
    assert cache.get(options) is None
    assert cache.get(other) is None and cache.ttl_for(other) == 0


def test_errors_are_not_cached_and_parameters_make_the_key(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite", ttls={"nasdaq:*": 60}, clock=FakeClock())
    cache.put(request(date="2026-11-20"), Response(status=500, body=b"oops"))
    assert cache.get(request(date="2026-11-20")) is None
    cache.put(request(date="2026-11-20"), Response(status=200, body=b"a"))
    assert cache.get(request(date="2026-11-23")) is None


def test_the_cache_persists_and_never_stores_secrets(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    clock = FakeClock()
    first = ResponseCache(path, ttls={"nasdaq:*": 60}, clock=clock)
    first.put(request(date="2026-11-20"), Response(status=200, body=b"body"))
    first.close()
    second = ResponseCache(path, ttls={"nasdaq:*": 60}, clock=clock)
    hit = second.get(request(date="2026-11-20"))
    assert hit is not None and hit.response.body == b"body"
    second.close()
    for file in tmp_path.iterdir():
        assert b"SECRET-KEY-123456" not in file.read_bytes()


def test_configured_ttls_win_over_broader_built_in_patterns(tmp_path: Path) -> None:
    from tradingagents.config import load_config
    from tradingagents.wiring import live_resilience

    config = load_config(
        {
            "discovery": {
                "source": {"mode": "live"},
                "resilience": {
                    "state_dir": str(tmp_path),
                    "cache": {
                        "ttl_seconds": {"nasdaq:/api/calendar/*": 60, "reddit:/r/*/hot.json": 0}
                    },
                },
            }
        }
    )
    cache = live_resilience(config, FakeClock()).cache
    assert cache is not None
    assert cache.ttl_for(request("/api/calendar/earnings")) == 60
    assert cache.ttl_for(request("/r/stocks/hot.json", "reddit")) == 0
    assert cache.ttl_for(request("/v8/finance/chart/F", "yahoo")) == 300
    cache.close()


def test_a_locked_cache_is_a_quick_miss_not_a_hang(tmp_path: Path) -> None:
    import sqlite3
    import time

    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path, ttls={"nasdaq:*": 60}, clock=FakeClock(), busy_timeout_s=0.2)
    blocker = sqlite3.connect(path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        cache.put(request(date="2026-11-20"), Response(status=200, body=b"x"))
        assert cache.get(request(date="2026-11-20")) is None
        assert time.monotonic() - start < 2.0
    finally:
        blocker.rollback()
        blocker.close()
    cache.put(request(date="2026-11-20"), Response(status=200, body=b"x"))
    assert cache.get(request(date="2026-11-20")) is not None
    cache.close()
    assert cache.get(request(date="2026-11-20")) is None  # closed: misses, never reopens
