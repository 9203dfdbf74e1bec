"""The response cache's file: corrupt rows dropped, a size bound, expired rows purged."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from tests.resilience.test_cache import request
from tradingagents.clock import FakeClock
from tradingagents.config import load_config
from tradingagents.http import Response
from tradingagents.resilience.cache import KEEP_STALE_S, ResponseCache
from tradingagents.wiring import live_resilience

TTLS = {"nasdaq:*": 60.0}
BODY = b"x" * 1000


def rows(path: Path) -> list[tuple[str, float, int]]:
    conn = sqlite3.connect(path)
    try:
        found = conn.execute("SELECT key, stored_at, size FROM responses ORDER BY stored_at")
        return [(str(k), float(at), int(size)) for k, at, size in found.fetchall()]
    finally:
        conn.close()


@pytest.mark.parametrize(
    "value",
    [
        "{garbage",
        "[]",
        json.dumps({"status": 200}),
        json.dumps({"status": "200", "body": "", "headers": {}, "url": "u", "stored_at": 0.0}),
        json.dumps(
            {"status": 200, "body": "not base64!", "headers": {}, "url": "u", "stored_at": 0.0}
        ),
        "[" * 100_000,
    ],
)
def test_a_corrupt_row_is_a_miss_is_deleted_and_replaced(
    tmp_path: Path, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path, ttls=TTLS, clock=FakeClock())
    req = request(date="2026-11-20")
    cache.put(req, Response(status=200, body=b"old"))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE responses SET value = ?", (value,))
    conn.close()
    with caplog.at_level(logging.WARNING, logger="tradingagents"):
        assert cache.get(req) is None
        assert cache.get(req, allow_stale=True) is None
    assert rows(path) == []
    assert "dropped a corrupt row" in caplog.text
    cache.put(req, Response(status=200, body=b"new"))
    hit = cache.get(req)
    assert hit is not None and hit.response.body == b"new"
    cache.close()


def test_the_size_bound_drops_the_oldest_responses_first(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path, ttls={"nasdaq:*": 10**9}, clock=clock, max_bytes=20_000)
    for n in range(40):
        cache.put(request(n=str(n)), Response(status=200, body=BODY))
        clock.advance(1)
        assert sum(size for _, _, size in rows(path)) <= 20_000
    kept = rows(path)
    assert 10 <= len(kept) < 40
    assert cache.get(request(n="39")) is not None  # the newest stay
    assert cache.get(request(n="0")) is None  # the oldest went
    oldest_kept = 40 - len(kept)
    assert all(cache.get(request(n=str(n))) is not None for n in range(oldest_kept, 40))
    cache.close()


def test_the_bound_is_enforced_when_the_cache_opens(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "c.sqlite"
    big = ResponseCache(path, ttls={"nasdaq:*": 10**9}, clock=clock)
    for n in range(30):
        big.put(request(n=str(n)), Response(status=200, body=BODY))
        clock.advance(1)
    big.close()
    assert len(rows(path)) == 30
    ResponseCache(path, ttls={"nasdaq:*": 10**9}, clock=clock, max_bytes=10_000).close()
    assert 0 < sum(size for _, _, size in rows(path)) <= 10_000


def test_a_response_larger_than_the_bound_is_not_stored(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite", ttls=TTLS, clock=FakeClock(), max_bytes=500)
    cache.put(request(), Response(status=200, body=BODY))
    assert cache.get(request()) is None
    cache.close()


def test_expired_responses_are_purged_when_the_cache_opens(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path, ttls=TTLS, clock=clock)
    cache.put(request(n="old"), Response(status=200, body=b"old"))
    clock.advance(KEEP_STALE_S)
    cache.put(request(n="new"), Response(status=200, body=b"new"))
    cache.close()
    clock.advance(61)  # "old" is now past its freshness and the week of stale use
    cache = ResponseCache(path, ttls=TTLS, clock=clock)
    assert [key for key, _, _ in rows(path)] == [ResponseCache.key(request(n="new"))]
    stale = cache.get(request(n="new"), allow_stale=True)
    assert stale is not None and stale.stale  # within its week: still served as a stale copy
    clock.advance(KEEP_STALE_S)
    assert cache.get(request(n="new"), allow_stale=True) is None  # expired, even unpurged
    cache.close()


def test_a_cache_written_before_the_bound_is_adopted(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "c.sqlite"
    stored_at = clock.now().timestamp()
    good = {"status": 200, "body": "Ym9keQ==", "headers": {}, "url": "u", "stored_at": stored_at}
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute(
            "INSERT INTO responses VALUES (?, ?)", (ResponseCache.key(request()), json.dumps(good))
        )
        conn.execute("INSERT INTO responses VALUES ('broken', '{garbage')")
    conn.close()
    cache = ResponseCache(path, ttls=TTLS, clock=clock)
    hit = cache.get(request())
    assert hit is not None and hit.response.body == b"body"
    assert [key for key, _, _ in rows(path)] == [ResponseCache.key(request())]
    cache.close()


def test_the_bound_comes_from_config(tmp_path: Path) -> None:
    config = load_config(
        {
            "discovery": {
                "source": {"mode": "live"},
                "resilience": {"state_dir": str(tmp_path), "cache": {"max_megabytes": 0.5}},
            }
        }
    )
    cache = live_resilience(config, FakeClock()).cache
    assert cache is not None and cache.max_bytes == 500_000
    cache.close()
    assert load_config(None).resilience.cache.max_megabytes == 200


def test_a_file_corrupt_past_its_first_page_is_moved_aside_and_the_cache_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path, ttls={"nasdaq:*": 10**9}, clock=clock)
    for n in range(100):
        cache.put(request(n=str(n)), Response(status=200, body=BODY * 3))
    cache.close()
    # The schema page is intact (the file opens), the pages of the table and indexes are not.
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="tradingagents"):
        cache = ResponseCache(path, ttls={"nasdaq:*": 10**9}, clock=clock)
        for n in range(100):
            assert cache.get(request(n=str(n))) is None  # misses, never raises
        cache.put(request(n="after"), Response(status=200, body=b"after"))
    hit = cache.get(request(n="after"))
    assert hit is not None and hit.response.body == b"after"
    assert len(list(tmp_path.glob("c.sqlite.corrupt-*"))) == 1
    assert caplog.text.count("was corrupt") == 1
    cache.close()
