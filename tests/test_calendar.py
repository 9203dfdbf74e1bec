"""NYSE trading days: weekends and holidays move to the previous session."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.helpers import BUILTINS
from tradingagents.calendar import is_session, previous_session, sessions_between
from tradingagents.cli import app


def test_saturday_moves_to_friday() -> None:
    day, note = previous_session(date(2026, 11, 28))
    assert day == date(2026, 11, 27)
    assert note == "2026-11-28 is not a NYSE trading day (weekend); using 2026-11-27"


def test_thanksgiving_moves_to_wednesday() -> None:
    day, note = previous_session(date(2026, 11, 26))
    assert day == date(2026, 11, 25)
    assert note is not None
    assert "Thanksgiving" in note
    assert note.endswith("using 2026-11-25")


def test_session_day_is_unchanged() -> None:
    assert previous_session(date(2026, 11, 25)) == (date(2026, 11, 25), None)
    assert is_session(date(2026, 11, 25))


def test_observed_holiday_on_friday_before_a_saturday_holiday() -> None:
    # July 4th 2026 is a Saturday; Friday the 3rd is the observed holiday.
    assert previous_session(date(2026, 7, 4))[0] == date(2026, 7, 2)
    assert not is_session(date(2026, 7, 3))


def test_dates_beyond_the_default_calendar_window() -> None:
    day, note = previous_session(date(2031, 12, 25))
    assert day == date(2031, 12, 24)
    assert note is not None and "Christmas" in note


def test_dates_before_the_calendar_are_rejected() -> None:
    with pytest.raises(ValueError, match="outside the calendar"):
        previous_session(date(1980, 1, 1))


def _discover(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        app,
        ["discover", "--json", "--skip", ",".join(BUILTINS), "--out", str(tmp_path), *args],
        env={"COLUMNS": "200"},
    )


def test_live_discover_moves_a_weekend_date_with_a_note(tmp_path: Path) -> None:
    # Every scanner skipped: nothing touches the network, the run itself ends with status 1.
    result = _discover(tmp_path, "--source", "live", "--date", "2026-11-28")
    assert "2026-11-28 is not a NYSE trading day (weekend); using 2026-11-27" in result.stderr
    assert "scanners for 2026-11-27" in result.stderr
    state = json.loads(result.stdout)
    assert state["trade_date"] == "2026-11-27"
    assert state["source"]["mode"] == "live"


def test_live_discover_keeps_a_session_date_silently(tmp_path: Path) -> None:
    result = _discover(tmp_path, "--source", "live", "--date", "2026-11-25")
    assert "not a NYSE trading day" not in result.stderr
    assert json.loads(result.stdout)["trade_date"] == "2026-11-25"


def test_replay_discover_runs_only_for_the_snapshots_date(tmp_path: Path) -> None:
    # A replay is never moved to another session: its data is for one date only.
    result = _discover(tmp_path, "--date", "2026-11-28")
    assert result.exit_code == 2
    assert "not a NYSE trading day" not in result.stderr
    assert "holds 2026-11-20, not 2026-11-28; use --date 2026-11-20" in " ".join(
        result.stderr.split()
    )
    assert json.loads(_discover(tmp_path, "--date", "2026-11-20").stdout)["trade_date"] == (
        "2026-11-20"
    )


def test_sessions_between_skips_weekends_and_holidays() -> None:
    # Thanksgiving 2026 is Thursday 26 November; both ends are included.
    days = sessions_between(date(2026, 11, 20), date(2026, 11, 30))
    assert days == [
        date(2026, 11, 20),
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]
    assert sessions_between(date(2026, 11, 30), date(2026, 11, 20)) == []


def test_prepare_in_background_builds_the_calendar_once_on_another_thread() -> None:
    import threading

    from tradingagents import calendar

    day = date(2087, 6, 2)  # a window no other test builds
    assert 2088 not in calendar._BUILT
    before = set(threading.enumerate())
    calendar.prepare_in_background(day)
    (builder,) = [t for t in threading.enumerate() if t not in before and t.name == "calendar"]
    assert builder.daemon  # never holds the process at exit
    builder.join(timeout=60)
    assert 2088 in calendar._BUILT
    # Built: no second thread, and the answers come from that calendar.
    started = set(threading.enumerate())
    calendar.prepare_in_background(day)
    assert not [t for t in threading.enumerate() if t not in started and t.name == "calendar"]
    assert is_session(day) and not is_session(date(2087, 6, 1))  # a Monday, then a Sunday
