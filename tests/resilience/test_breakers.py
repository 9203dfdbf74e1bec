"""Per-scanner circuit breakers: transitions on a fake clock, persistence, a broken store."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tradingagents.clock import FakeClock
from tradingagents.errors import TradingAgentsError
from tradingagents.resilience.breakers import (
    BreakerBoard,
    BreakerPolicy,
    BreakerStatus,
    BreakerStoreError,
    reset_breakers,
    show_breakers,
)

START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
HOUR = 3600.0
POLICY = BreakerPolicy(failure_threshold=3, reset_timeout_s=HOUR)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "nested" / "breakers.sqlite"


@pytest.fixture
def board(db: Path, clock: FakeClock) -> Iterator[BreakerBoard]:
    with BreakerBoard(db, POLICY, clock=clock) as b:
        yield b


def fail(board: BreakerBoard, name: str, times: int, error: str = "boom") -> BreakerStatus:
    status = board.status(name)
    for _ in range(times):
        status = board.record(name, "error", error)
    return status


def trip(board: BreakerBoard, name: str = "movers") -> BreakerStatus:
    status = fail(board, name, POLICY.failure_threshold, "ProviderTimeout: no answer in 5s")
    assert status.state == "open"
    return status


# -- closed -> open ---------------------------------------------------------------------------


def test_an_unknown_scanner_is_closed_and_admitted(board: BreakerBoard) -> None:
    assert board.admit("movers") is None
    assert board.status("movers") == BreakerStatus("movers", "closed", 0, None, None, None)
    assert board.all() == []  # admitting a closed breaker writes nothing


def test_opens_after_threshold_consecutive_failures(board: BreakerBoard, clock: FakeClock) -> None:
    first = board.record("movers", "error", "HTTPError: 503")
    assert (first.state, first.consecutive_failures, first.last_error) == (
        "closed",
        1,
        "HTTPError: 503",
    )
    assert board.record("movers", "timeout").consecutive_failures == 2
    assert board.admit("movers") is None
    clock.advance(60)
    opened = board.record("movers", "error", "ProviderTimeout: no answer in 5s")
    assert opened == BreakerStatus(
        name="movers",
        state="open",
        consecutive_failures=3,
        opened_at=START + timedelta(seconds=60),
        retry_after=START + timedelta(seconds=60 + HOUR),
        last_error="ProviderTimeout: no answer in 5s",
    )
    assert board.status("movers") == opened
    assert board.transitions() == {"movers": [("closed", "open")]}


def test_a_success_in_between_resets_the_count(board: BreakerBoard) -> None:
    fail(board, "movers", 2)
    ok = board.record("movers", "ok")
    assert (ok.state, ok.consecutive_failures, ok.last_error) == ("closed", 0, None)
    assert fail(board, "movers", 2).state == "closed"
    assert board.record("movers", "error").state == "open"


def test_a_timeout_counts_as_a_failure_and_is_named_when_no_error_is_given(
    board: BreakerBoard,
) -> None:
    status = board.record("movers", "timeout")
    assert (status.consecutive_failures, status.last_error) == (1, "timeout")


def test_skipped_and_circuit_open_change_nothing(board: BreakerBoard, clock: FakeClock) -> None:
    fail(board, "movers", 2)
    before = board.status("movers")
    assert board.record("movers", "skipped") == before
    assert board.record("movers", "circuit_open") == before
    assert board.record("movers", "error").state == "open"  # still consecutive
    opened = board.status("movers")
    clock.advance(10)
    assert board.record("movers", "skipped") == opened
    assert board.record("movers", "circuit_open") == opened
    assert board.transitions() == {"movers": [("closed", "open")]}


def test_an_unknown_status_is_refused(board: BreakerBoard) -> None:
    with pytest.raises(ValueError, match="unknown scanner status 'crashed'"):
        board.record("movers", "crashed")


def test_breakers_are_per_scanner(board: BreakerBoard) -> None:
    trip(board, "movers")
    assert board.admit("insiders") is None
    assert board.status("insiders").state == "closed"


def test_long_errors_are_clipped_to_one_line(board: BreakerBoard) -> None:
    status = board.record("movers", "error", "line one\nline two " + "x" * 1000)
    assert status.last_error is not None
    assert status.last_error.startswith("line one line two x")
    assert len(status.last_error) == 300
    assert status.last_error.endswith("...")


# -- open -> half-open -> closed / open -------------------------------------------------------


def test_an_open_breaker_skips_with_the_failures_and_the_retry_time(
    board: BreakerBoard, clock: FakeClock
) -> None:
    trip(board)
    reason = board.admit("movers")
    assert reason == (
        "circuit open after 3 consecutive failures; retry after 2026-11-20T15:30:00Z; "
        "last error: ProviderTimeout: no answer in 5s"
    )
    clock.advance(HOUR - 1)
    assert board.admit("movers") == reason
    assert board.status("movers").state == "open"


def test_the_reason_of_a_single_failure_threshold(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, BreakerPolicy(failure_threshold=1, reset_timeout_s=90), clock=clock) as b:
        b.record("movers", "timeout")
        assert b.admit("movers") == (
            "circuit open after 1 consecutive failure; retry after 2026-11-20T14:31:30Z; "
            "last error: timeout"
        )


def test_after_the_reset_timeout_one_trial_is_admitted(
    board: BreakerBoard, clock: FakeClock
) -> None:
    trip(board)
    clock.advance(HOUR)
    assert board.admit("movers") is None
    status = board.status("movers")
    assert (status.state, status.consecutive_failures, status.retry_after) == ("half_open", 3, None)
    # One trial at a time: another admit before the trial reports is refused.
    second = board.admit("movers")
    assert second is not None
    assert second.startswith("circuit half-open: the trial run admitted at 2026-11-20T15:30:00Z")
    assert second.endswith("retry after 2026-11-20T16:30:00Z")
    assert board.transitions() == {"movers": [("closed", "open"), ("open", "half_open")]}


def test_a_trial_that_never_reports_is_given_up_after_the_reset_timeout(
    board: BreakerBoard, clock: FakeClock
) -> None:
    trip(board)
    clock.advance(HOUR)
    assert board.admit("movers") is None
    clock.advance(HOUR)  # e.g. the process running the trial was killed
    assert board.admit("movers") is None
    assert board.status("movers").state == "half_open"


def test_a_successful_trial_closes(board: BreakerBoard, clock: FakeClock) -> None:
    trip(board)
    clock.advance(HOUR)
    assert board.admit("movers") is None
    closed = board.record("movers", "ok")
    assert closed == BreakerStatus("movers", "closed", 0, None, None, None)
    assert board.admit("movers") is None
    assert board.transitions()["movers"] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]


def test_a_failed_trial_reopens_with_a_fresh_opened_at(
    board: BreakerBoard, clock: FakeClock
) -> None:
    first = trip(board)
    clock.advance(HOUR + 5)
    assert board.admit("movers") is None
    again = board.record("movers", "timeout")
    assert again.state == "open"
    assert again.consecutive_failures == 4
    assert again.opened_at == START + timedelta(seconds=HOUR + 5)
    assert first.opened_at is not None and again.opened_at != first.opened_at
    assert again.retry_after == START + timedelta(seconds=2 * HOUR + 5)
    assert board.admit("movers") == (
        "circuit open after 4 consecutive failures; retry after 2026-11-20T16:30:05Z; "
        "last error: timeout"
    )
    assert board.transitions()["movers"][-1] == ("half_open", "open")


def test_a_zero_reset_timeout_admits_a_trial_on_the_next_run(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, BreakerPolicy(failure_threshold=1, reset_timeout_s=0), clock=clock) as b:
        b.record("movers", "error")
        assert b.admit("movers") is None
        assert b.status("movers").state == "half_open"


# -- persistence ------------------------------------------------------------------------------


def test_state_persists_across_boards_on_the_same_file(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock) as run1:
        fail(run1, "movers", 2)
    with BreakerBoard(db, POLICY, clock=clock) as run2:
        assert run2.status("movers").consecutive_failures == 2
        assert run2.record("movers", "error").state == "open"
    clock.advance(600)
    with BreakerBoard(db, POLICY, clock=clock) as run3:
        reason = run3.admit("movers")
        assert reason is not None and "retry after 2026-11-20T15:30:00Z" in reason
        assert run3.transitions() == {}
    clock.advance(HOUR)
    with BreakerBoard(db, POLICY, clock=clock) as run4:
        assert run4.admit("movers") is None
    with BreakerBoard(db, POLICY, clock=clock) as run5:
        assert run5.status("movers").state == "half_open"
        assert run5.record("movers", "ok").state == "closed"
        assert run5.transitions() == {"movers": [("half_open", "closed")]}


def test_the_retry_time_persisted_at_opening_wins_over_a_later_policy(
    db: Path, clock: FakeClock
) -> None:
    with BreakerBoard(db, POLICY, clock=clock) as b:
        trip(b)
    with BreakerBoard(db, BreakerPolicy(reset_timeout_s=60), clock=clock) as b:
        clock.advance(120)
        assert b.admit("movers") is not None  # still the hour promised in the reason


def test_the_file_is_created_with_its_directories_in_wal_mode(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock):
        assert db.is_file()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_a_closed_board_refuses_further_use(db: Path, clock: FakeClock) -> None:
    b = BreakerBoard(db, POLICY, clock=clock)
    b.close()
    b.close()  # idempotent
    with pytest.raises(BreakerStoreError, match="closed"):
        b.admit("movers")


# -- reset, show --------------------------------------------------------------------------------


def test_reset_one_and_all(board: BreakerBoard) -> None:
    trip(board, "a_scanner")
    trip(board, "b_scanner")
    fail(board, "c_scanner", 1)
    assert board.reset("a_scanner") == ["a_scanner"]
    assert board.admit("a_scanner") is None
    assert board.status("a_scanner").consecutive_failures == 0
    assert board.reset("nobody") == []
    assert [s.name for s in board.all()] == ["b_scanner", "c_scanner"]
    assert board.reset() == ["b_scanner", "c_scanner"]
    assert board.all() == []
    assert board.admit("b_scanner") is None
    transitions = board.transitions()
    assert transitions["a_scanner"][-1] == ("open", "closed")
    assert transitions["b_scanner"][-1] == ("open", "closed")
    assert "c_scanner" not in transitions  # it was closed already


def test_all_is_sorted_by_name(board: BreakerBoard) -> None:
    for name in ("zeta", "alpha", "mid"):
        board.record(name, "error")
    assert [s.name for s in board.all()] == ["alpha", "mid", "zeta"]


def test_show_and_reset_functions(db: Path, clock: FakeClock) -> None:
    assert show_breakers(db) == []
    assert reset_breakers(db) == []
    assert not db.exists()  # looking creates nothing
    with BreakerBoard(db, POLICY, clock=clock) as b:
        trip(b, "movers")
        b.record("insiders", "ok")
    shown = show_breakers(db)
    assert [(s.name, s.state) for s in shown] == [("insiders", "closed"), ("movers", "open")]
    assert shown[1].retry_after == START + timedelta(seconds=HOUR)
    assert reset_breakers(db, "movers") == ["movers"]
    assert [s.name for s in show_breakers(db)] == ["insiders"]
    assert reset_breakers(db) == ["insiders"]
    assert show_breakers(db) == []


# -- a broken store -----------------------------------------------------------------------------


def test_a_corrupt_file_raises_a_store_error_naming_it(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "breakers.sqlite"
    db.write_bytes(b"\x00garbage, not SQLite\xff" * 300)
    with pytest.raises(BreakerStoreError) as caught:
        BreakerBoard(db, POLICY, clock=clock)
    assert isinstance(caught.value, TradingAgentsError)
    assert str(db) in str(caught.value)
    assert "corrupt" in str(caught.value)
    with pytest.raises(BreakerStoreError, match=r"breakers\.sqlite"):
        show_breakers(db)
    with pytest.raises(BreakerStoreError, match=r"breakers\.sqlite"):
        reset_breakers(db)


def test_a_directory_in_place_of_the_file_raises_a_store_error(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "breakers.sqlite"
    db.mkdir()
    with pytest.raises(BreakerStoreError, match=str(db)):
        BreakerBoard(db, POLICY, clock=clock)


def test_an_invalid_row_raises_a_store_error(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock) as b:
        b.record("movers", "error")
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE breakers SET state = 'melted' WHERE name = 'movers'")
    conn.close()
    with BreakerBoard(db, POLICY, clock=clock) as b:
        with pytest.raises(BreakerStoreError, match="invalid row for 'movers'"):
            b.status("movers")
        # Resetting is the way out, so it must not need a valid row.
        assert b.reset("movers") == ["movers"]
        assert b.status("movers").state == "closed"


def test_an_invalid_time_raises_a_store_error(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock) as b:
        trip(b)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE breakers SET retry_after = 'soon' WHERE name = 'movers'")
    conn.close()
    with (
        BreakerBoard(db, POLICY, clock=clock) as b,
        pytest.raises(BreakerStoreError, match="invalid time 'soon'"),
    ):
        b.admit("movers")


def test_a_newer_schema_is_refused(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock):
        pass
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(BreakerStoreError, match="schema version 99"):
        BreakerBoard(db, POLICY, clock=clock)


# -- threads and processes ----------------------------------------------------------------------


def test_concurrent_records_from_8_threads_lose_no_count(db: Path, clock: FakeClock) -> None:
    policy = BreakerPolicy(failure_threshold=10_000)
    per_thread = 40
    with (
        BreakerBoard(db, policy, clock=clock) as shared,
        BreakerBoard(db, policy, clock=clock) as other,
    ):
        # Four threads share one board (one connection), four use another connection to the
        # same file, as a second process would.
        boards = [shared] * 4 + [other] * 4
        barrier = threading.Barrier(len(boards))
        errors: list[BaseException] = []

        def work(b: BreakerBoard) -> None:
            try:
                barrier.wait()
                for _ in range(per_thread):
                    b.record("movers", "error")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(b,)) for b in boards]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert shared.status("movers").consecutive_failures == 8 * per_thread


def test_concurrent_threads_open_the_breaker_exactly_once(board: BreakerBoard) -> None:
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        board.record("movers", "error")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert board.status("movers").consecutive_failures == 8
    assert board.transitions() == {"movers": [("closed", "open")]}


# -- the policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"failure_threshold": 0}, "failure_threshold"),
        ({"failure_threshold": True}, "failure_threshold"),
        ({"reset_timeout_s": -1.0}, "reset_timeout_s"),
        ({"reset_timeout_s": float("inf")}, "reset_timeout_s"),
    ],
)
def test_an_invalid_policy_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BreakerPolicy(**kwargs)  # type: ignore[arg-type]
