"""The rate limiter's SQLite store: windows shared by limiters, old and broken state files."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tradingagents.clock import FakeClock
from tradingagents.resilience import _ratelimit_store
from tradingagents.resilience.ratelimit import (
    DB_FILENAME,
    SAFETY_MARGIN,
    ProviderRateLimiter,
    RateLimitPolicy,
    RateLimitWouldExceedDeadline,
)

START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
SPACING_10 = (1 + SAFETY_MARGIN) / 10
FAR = 10_000.0


def limiter(clock: FakeClock, state_dir: Path | None, **policy: float) -> ProviderRateLimiter:
    return ProviderRateLimiter(
        "sec_edgar",
        RateLimitPolicy(**policy),  # type: ignore[arg-type]
        state_dir=state_dir,
        clock=clock,
    )


def test_limiters_on_one_state_dir_share_the_per_second_spacing(tmp_path: Path) -> None:
    clock = FakeClock(START)
    # Two runs (processes) at once; the second one's monotonic clock has another origin.
    other_clock = FakeClock(START, monotonic_start=5.0)
    with (
        limiter(clock, tmp_path, per_second=10) as one,
        limiter(other_clock, tmp_path, per_second=10) as other,
    ):
        assert one.acquire(clock.monotonic() + FAR) == 0.0
        # The other run's token comes one spacing after the first run's.
        assert other.acquire(other_clock.monotonic() + FAR) == pytest.approx(SPACING_10)
        clock.advance(SPACING_10)
        assert one.acquire(clock.monotonic() + FAR) == pytest.approx(SPACING_10)


def test_limiters_on_one_state_dir_share_the_minute_window(tmp_path: Path) -> None:
    clock = FakeClock(START)
    with (
        limiter(clock, tmp_path, per_minute=2) as one,
        limiter(clock, tmp_path, per_minute=2) as other,
    ):
        one.acquire(clock.monotonic() + FAR)
        other.acquire(clock.monotonic() + FAR)
        with pytest.raises(RateLimitWouldExceedDeadline, match=r"token in 63\.00s"):
            one.acquire(clock.monotonic() + 10)


def test_limiters_without_a_state_dir_do_not_share() -> None:
    clock = FakeClock(START)
    with limiter(clock, None, per_second=10) as one, limiter(clock, None, per_second=10) as other:
        assert one.acquire(clock.monotonic() + FAR) == 0.0
        assert other.acquire(clock.monotonic() + FAR) == 0.0


def test_slots_booked_before_the_wall_clock_stepped_back_are_dropped(tmp_path: Path) -> None:
    clock = FakeClock(START)
    with limiter(clock, tmp_path, per_minute=1) as before_the_step:
        before_the_step.acquire(clock.monotonic() + FAR)

    stepped_back = FakeClock(START - timedelta(hours=1))
    with limiter(stepped_back, tmp_path, per_minute=1) as after_the_step:
        # Not an hour and a minute: the slot "from the future" is forgotten.
        assert after_the_step.acquire(stepped_back.monotonic() + FAR) == 0.0
        assert after_the_step.acquire(stepped_back.monotonic() + FAR) == pytest.approx(63.0)


def test_daily_counts_of_the_old_pyrate_limiter_table_are_carried_over(tmp_path: Path) -> None:
    today_ms = int(START.timestamp() * 1000)
    yesterday_ms = today_ms - 86_400_000
    with sqlite3.connect(tmp_path / DB_FILENAME) as old:
        old.execute("CREATE TABLE 'daily_sec_edgar' (name VARCHAR, item_timestamp INTEGER)")
        old.executemany(
            "INSERT INTO 'daily_sec_edgar' VALUES ('sec_edgar', ?)",
            [(today_ms - 1000,), (today_ms - 2000,), (yesterday_ms,)],
        )
    old.close()

    clock = FakeClock(START)
    with limiter(clock, tmp_path, per_day=3) as upgraded:
        assert upgraded.used_today() == 2
        upgraded.acquire(clock.monotonic() + FAR)
        with pytest.raises(RateLimitWouldExceedDeadline, match="daily quota of 3"):
            upgraded.acquire(clock.monotonic() + FAR)
    # Carried over once: the old table is gone, so a second open does not add it again.
    with limiter(clock, tmp_path, per_day=3) as again:
        assert again.used_today() == 3
    with sqlite3.connect(tmp_path / DB_FILENAME) as check:
        tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master")}
    check.close()
    assert "daily_sec_edgar" not in tables


def test_a_corrupt_state_file_is_moved_aside_and_recreated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"{garbage, not a database" * 100)
    clock = FakeClock(START)

    with caplog.at_level(logging.WARNING), limiter(clock, tmp_path, per_day=2) as healed:
        assert healed.acquire(clock.monotonic() + FAR) == 0.0
        assert healed.used_today() == 1

    aside = tmp_path / f"{DB_FILENAME}.corrupt-20261120T143000Z"
    assert aside.read_bytes().startswith(b"{garbage")
    assert [r.getMessage() for r in caplog.records if "corrupt" in r.getMessage()] != []
    with limiter(clock, tmp_path, per_day=2) as next_run:  # the new file is a real store
        assert next_run.used_today() == 1


def test_an_unusable_state_dir_keeps_the_limits_in_memory_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_dir = tmp_path / "state"
    not_a_dir.write_text("a file where the state directory should be")
    clock = FakeClock(START)

    with caplog.at_level(logging.WARNING), limiter(clock, not_a_dir, per_second=10) as fallback:
        assert fallback.acquire(clock.monotonic() + FAR) == 0.0
        assert fallback.acquire(clock.monotonic() + FAR) == pytest.approx(SPACING_10)

    assert any("kept in memory" in r.getMessage() for r in caplog.records)


def test_a_state_file_locked_when_opened_keeps_the_limits_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_ratelimit_store, "OPEN_TIMEOUT_S", 0.05)
    with limiter(FakeClock(START), tmp_path, per_day=1):
        pass  # the file exists, in WAL mode
    other = sqlite3.connect(tmp_path / DB_FILENAME)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    clock = FakeClock(START)
    try:
        with caplog.at_level(logging.WARNING), limiter(clock, tmp_path, per_day=1) as fallback:
            assert fallback.acquire(clock.monotonic() + FAR) == 0.0
            with pytest.raises(RateLimitWouldExceedDeadline, match="daily quota of 1"):
                fallback.acquire(clock.monotonic() + FAR)
    finally:
        other.rollback()
        other.close()
    assert any("database is locked" in r.getMessage() for r in caplog.records)
