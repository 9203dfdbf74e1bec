"""US trading days: snap a date to the NYSE session on or before it (``exchange_calendars``)."""

from __future__ import annotations

import threading
import warnings
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from exchange_calendars import ExchangeCalendar

CALENDAR = "XNYS"
_FIRST_YEAR = 1990


@lru_cache(maxsize=8)
def _calendar(last_year: int) -> ExchangeCalendar:
    # Imported lazily: building the calendar costs a fraction of a second, only when needed.
    import exchange_calendars  # noqa: PLC0415

    with warnings.catch_warnings():
        # exchange_calendars still uses pandas APIs that pandas 3 deprecates; not our concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        built = exchange_calendars.get_calendar(
            CALENDAR, start=f"{_FIRST_YEAR}-01-01", end=f"{last_year}-12-31"
        )
    _BUILT.add(last_year)
    return built


# One build at a time: a run's first calls come from several scanner threads at once (and from
# prepare_in_background), and lru_cache alone would let each of them build its own copy.
_BUILD = threading.Lock()


def _calendar_for(day: date) -> ExchangeCalendar:
    # The calendar covers a fixed window; rebuild (cached) one reaching past ``day``.
    with _BUILD:
        return _calendar(_last_year(day))


def _last_year(day: date) -> int:
    return max(day.year + 1, date.today().year + 1)


def prepare_in_background(day: date) -> None:
    """Start building the calendar that covers ``day`` on a daemon thread, unless it is built.

    Building it imports exchange_calendars and computes its tables (0.4-1 s on the project
    machine). A live run needs it only after its first responses arrive, so starting it with
    the run overlaps that cost with the network waits instead of adding it to the run.
    """
    if _last_year(day) in _BUILT:
        return
    threading.Thread(target=_calendar_for, args=(day,), name="calendar", daemon=True).start()


#: The years whose calendar is built (read without the lock: a set lookup is atomic).
_BUILT: set[int] = set()


def _holiday_name(cal: ExchangeCalendar, day: date) -> str | None:
    stamp = pd.Timestamp(day)
    holidays = cal.regular_holidays
    if holidays is not None:
        names = holidays.holidays(stamp, stamp, return_name=True)
        if len(names):
            return str(names.iloc[0])
    for adhoc in cal.adhoc_holidays:
        if pd.Timestamp(adhoc).date() == day:
            return "market closed"
    return None


def is_session(day: date) -> bool:
    """Whether ``day`` is an NYSE trading day."""
    if day.year < _FIRST_YEAR:
        raise ValueError(f"{day.isoformat()} is before {_FIRST_YEAR}, outside the calendar")
    return bool(_calendar_for(day).is_session(pd.Timestamp(day)))


def previous_session(day: date) -> tuple[date, str | None]:
    """``day`` if it is an NYSE session, else the previous session and a note saying why."""
    if is_session(day):
        return day, None
    cal = _calendar_for(day)
    session = cal.date_to_session(pd.Timestamp(day), direction="previous").date()
    reasons = [r for r in (_holiday_name(cal, day),) if r]
    if day.weekday() >= 5:
        reasons.append("weekend")
    why = " / ".join(reasons) or "market closed"
    note = f"{day.isoformat()} is not a NYSE trading day ({why}); using {session.isoformat()}"
    return session, note


def sessions_between(first: date, last: date) -> list[date]:
    """Every NYSE session from ``first`` to ``last``, both included (empty if none)."""
    if last < first:
        return []
    if first.year < _FIRST_YEAR:
        raise ValueError(f"{first.isoformat()} is before {_FIRST_YEAR}, outside the calendar")
    days = _calendar_for(last).sessions_in_range(pd.Timestamp(first), pd.Timestamp(last))
    return [stamp.date() for stamp in days]
