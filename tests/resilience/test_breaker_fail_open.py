"""A fail-open breaker board (what runs use): a broken file heals or costs only the breakers."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers import make_scanner, returning
from tradingagents.clock import FakeClock
from tradingagents.config import load_config
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, BreakerStoreError
from tradingagents.wiring import live_breakers

POLICY = BreakerPolicy(failure_threshold=1, reset_timeout_s=3600)
DAY = "2026-11-20"


def test_a_corrupt_file_is_moved_aside_once_and_the_board_works(tmp_path: Path) -> None:
    db = tmp_path / "breakers.sqlite"
    db.write_bytes(b"\x00garbage, not SQLite\xff" * 300)
    with BreakerBoard(db, POLICY, clock=FakeClock(), fail_open=True) as board:
        assert board.unavailable() is None
        [warning] = board.take_warnings()
        assert "was corrupt" in warning and "every breaker starts closed" in warning
        board.record("movers", "error", "boom")
        assert board.admit("movers") is not None  # it persists again
        assert board.take_warnings() == []
    [aside] = tmp_path.glob("breakers.sqlite.corrupt-*")
    assert aside.read_bytes().startswith(b"\x00garbage")


def test_a_locked_file_fails_open_and_is_tried_again_on_the_next_run(tmp_path: Path) -> None:
    db = tmp_path / "breakers.sqlite"
    BreakerBoard(db, POLICY).close()
    blocker = sqlite3.connect(db)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        board = BreakerBoard(db, POLICY, busy_timeout_s=0.1, fail_open=True)
        reason = board.unavailable()
        assert time.monotonic() - start < 1.0  # one bounded wait, not two
        assert reason is not None and "breakers fail open" in reason and str(db) in reason
        assert board.take_warnings() == [reason]
        with pytest.raises(BreakerStoreError, match="breakers fail open"):
            board.admit("movers")
    finally:
        blocker.rollback()
        blocker.close()
    assert board.unavailable() is None  # the next run opens it
    assert board.admit("movers") is None
    board.close()


def test_a_newer_schema_fails_open_and_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "breakers.sqlite"
    BreakerBoard(db, POLICY).close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with BreakerBoard(db, POLICY, fail_open=True) as board:
        reason = board.unavailable()
        assert reason is not None and "schema version 99" in reason
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_an_invalid_row_is_dropped_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "breakers.sqlite"
    with BreakerBoard(db, POLICY) as board:
        board.record("movers", "error", "boom")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE breakers SET retry_after = 'soon'")
    conn.close()
    with BreakerBoard(db, POLICY, fail_open=True) as board:
        assert board.admit("movers") is None
        [warning] = board.take_warnings()
        assert "invalid row for 'movers'" in warning
        assert board.status("movers").consecutive_failures == 0


def test_live_breakers_never_raise_for_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "breakers.sqlite").mkdir()  # a directory where the file should be
    config = load_config(
        {"discovery": {"source": {"mode": "live"}, "resilience": {"state_dir": str(tmp_path)}}}
    )
    board = live_breakers(config, FakeClock())
    assert board is not None
    assert board.unavailable() is not None
    graph = DiscoveryGraph(config, [make_scanner("a", returning("AAPL"))], breakers=board)
    state = graph.run(DAY)
    assert state["scanner_runs"][0]["status"] == "ok"
    [warning] = state["run_summary"]["warnings"]
    assert "breakers fail open" in warning
    # The next run says so again (it is tried again, and still unusable).
    again = graph.run(DAY)
    assert [w for w in again["run_summary"]["warnings"] if "breakers fail open" in w]
    board.close()
