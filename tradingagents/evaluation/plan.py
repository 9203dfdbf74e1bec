"""Which scanners can be evaluated honestly on which day, and from which data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tradingagents.calendar import sessions_between

#: When the next session opens (NYSE's regular open): data recorded before it is the day's.
_OPEN, _NEW_YORK = time(9, 30), ZoneInfo("America/New_York")

#: Why a scanner of each ``point_in_time`` kind cannot run on a day, when it cannot.
WHY_NOT = {
    "bars": "reads daily bars cut at the date: needs a bar archive or the live price history",
    "date_range": "asks its source by date: needs the live source, or a snapshot or archived "
    "live run recorded on that day (before the next session's open)",
    "now_only": "its source serves only the present (screeners, option chains, hot posts): "
    "needs a snapshot or an archived live run recorded on that day (before the next "
    "session's open)",
}


def recorded_by(day: date) -> datetime:
    """The latest a recording of ``day`` may start to hold that day's data: the next NYSE
    session's open (09:30 New York time). A run recorded later (``discover --live --date D``
    run days after D) holds later screeners, chains and posts."""
    after = sessions_between(day + timedelta(days=1), day + timedelta(days=15))
    return datetime.combine(after[0], _OPEN, tzinfo=_NEW_YORK)


def recorded_in_time(day: date, recorded_at: datetime) -> bool:
    """Whether a recording started at ``recorded_at`` can stand for ``day``'s data."""
    return recorded_at < recorded_by(day)


@dataclass(frozen=True)
class DataOnHand:
    """What the evaluation can read: a bar archive or live history for ``bars`` scanners, the
    live APIs for ``date_range`` ones, and snapshots recorded on given days for everything."""

    bars: bool
    live: bool
    #: Trade date -> snapshot directory recorded that day (the configured snapshot, archived
    #: live runs); on such a day every scanner replays what was recorded.
    snapshots: Mapping[date, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DayPlan:
    """One day's discovery: the snapshot it replays (None: the configured source) and the
    scanners switched off because they cannot be evaluated on it, each with the reason."""

    day: date
    snapshot: str | None
    disabled: Mapping[str, str]


def evaluable(point_in_time: str, day: date, data: DataOnHand) -> str | None:
    """None if a scanner of this kind can run on ``day`` from data as it was then, else why not.

    An unknown kind counts as ``now_only``: never evaluated from today's data.
    """
    if day in data.snapshots:
        return None
    if point_in_time == "bars" and data.bars:
        return None
    if point_in_time == "date_range" and data.live:
        return None
    return WHY_NOT.get(point_in_time, WHY_NOT["now_only"])


def plan_days(days: Sequence[date], scanners: Mapping[str, str], data: DataOnHand) -> list[DayPlan]:
    """A plan per day; ``scanners`` maps each scanner's name to its ``point_in_time``."""
    plans = []
    for day in days:
        disabled = {}
        for name in sorted(scanners):
            why = evaluable(scanners[name], day, data)
            if why is not None:
                disabled[name] = why
        plans.append(DayPlan(day, data.snapshots.get(day), disabled))
    return plans


@dataclass(frozen=True)
class NotEvaluable:
    """A scanner left out on some of the days, with the reason and how many days."""

    scanner: str
    days: int
    of_days: int
    reason: str


def not_evaluable(plans: Sequence[DayPlan]) -> list[NotEvaluable]:
    """Every scanner switched off on at least one day, sorted by name."""
    counts: dict[tuple[str, str], int] = {}
    for plan in plans:
        for name, why in plan.disabled.items():
            counts[(name, why)] = counts.get((name, why), 0) + 1
    return [NotEvaluable(name, n, len(plans), why) for (name, why), n in sorted(counts.items())]
