"""Coverage: how much of the universe a scanner actually saw, and how old its data was."""

from __future__ import annotations

import threading
from datetime import date
from typing import TypedDict


class Coverage(TypedDict):
    """One scanner's coverage, as its record holds it (``ScannerRun["coverage"]``)."""

    asked: int  # symbols the scanner meant to look at
    answered: int  # symbols it got data for (stale ones included)
    stale: int  # answered symbols whose data ends before the trade date's session
    skipped_budget: int  # symbols never asked because a provider's budget ran out
    data_as_of: str | None  # ISO date of the newest data used; None when nothing answered


class CoverageNote:
    """What a scanner reports through ``ctx.coverage``: each :meth:`add` adds to the totals,
    so a scanner reading two sources reports each once. A scanner that reports nothing (one
    reading a list, not the universe) has no coverage: its record says None."""

    __slots__ = ("_coverage", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._coverage: Coverage | None = None

    def add(
        self,
        *,
        asked: int,
        answered: int,
        stale: int = 0,
        skipped_budget: int = 0,
        data_as_of: date | None = None,
    ) -> None:
        if min(asked, answered, stale, skipped_budget) < 0 or answered > asked:
            raise ValueError(f"impossible coverage: {answered} answered of {asked} asked")
        as_of = None if data_as_of is None else data_as_of.isoformat()
        with self._lock:
            old = self._coverage
            if old is None:
                self._coverage = Coverage(
                    asked=asked,
                    answered=answered,
                    stale=stale,
                    skipped_budget=skipped_budget,
                    data_as_of=as_of,
                )
                return
            # Of two sources, the older one says how old the scanner's data is.
            dates = [d for d in (old["data_as_of"], as_of) if d is not None]
            self._coverage = Coverage(
                asked=old["asked"] + asked,
                answered=old["answered"] + answered,
                stale=old["stale"] + stale,
                skipped_budget=old["skipped_budget"] + skipped_budget,
                data_as_of=min(dates) if dates else None,
            )

    def get(self) -> Coverage | None:
        """A copy of the totals so far; None when the scanner reported none."""
        with self._lock:
            return None if self._coverage is None else Coverage(**self._coverage)


def coverage_text(coverage: object, *, short: bool = False) -> str:
    """A record's coverage in a few characters: "24/24", "22/24 (91%)", "—" when none.

    Unless ``short`` (the CLI's narrow column: "22/24 91%"), stale and budget-skipped symbols
    follow when there are any, then the data's date: "20/24 (83%), 3 stale, as of 2026-11-20".
    """
    if not isinstance(coverage, dict):
        return "—"
    asked, answered = coverage.get("asked"), coverage.get("answered")
    if not isinstance(asked, int) or not isinstance(answered, int):
        return "—"
    text = f"{answered}/{asked}"
    if answered < asked:
        # Floored, so that 99.6% never reads as a full 100%.
        percent = answered * 100 // asked
        text += f" {percent}%" if short else f" ({percent}%)"
    if short:
        return text
    for key, label in (("stale", "stale"), ("skipped_budget", "skipped for budget")):
        count = coverage.get(key)
        if isinstance(count, int) and count > 0:
            text += f", {count} {label}"
    if coverage.get("data_as_of"):
        text += f", as of {coverage['data_as_of']}"
    return text
