"""earnings_calendar: companies reporting earnings soon; the nearer, the higher the priority.

Signal: an earnings date within ``days_ahead`` calendar days of the trade date (inclusive),
for companies above ``min_market_cap`` where the calendar gives one.
Data: Nasdaq earnings calendar (one call per NYSE session in the window: no weekends, no market
holidays); Finnhub's calendar too when FINNHUB_API_KEY is set (one call for the window). The
earliest date per symbol wins.
Strength: nearness, 1 - days_until / (``days_ahead`` + 1): 1 on the trade date, falling linearly
to 1 / (``days_ahead`` + 1) on the last day of the window.
Cost: one Nasdaq call per session in the ``days_ahead`` + 1 days (+1 Finnhub call).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import Field

from tradingagents.calendar import is_session
from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.errors import ProviderError
from tradingagents.providers.earnings import EarningsEvent
from tradingagents.scanners.history import services_of


class EarningsCalendarParams(ScannerParams):
    days_ahead: int = Field(default=5, ge=0, le=30)
    min_market_cap: float = Field(default=1_000_000_000, ge=0)


def _sessions(start: date, end: date) -> list[date]:
    """The NYSE sessions from ``start`` to ``end``, both included."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [day for day in days if is_session(day)]


def nearness(days_until: int, days_ahead: int) -> float:
    """The signal of an earnings date ``days_until`` days away: 1.0 today, less each day."""
    return round(1.0 - days_until / (days_ahead + 1), 4)


def priority_for(days_until: int) -> Priority:
    if days_until <= 0:
        return Priority.CRITICAL
    if days_until == 1:
        return Priority.HIGH
    if days_until <= 3:
        return Priority.MEDIUM
    return Priority.LOW


class EarningsCalendar(Scanner[EarningsCalendarParams]):
    name = "earnings_calendar"
    providers = ("nasdaq",)
    optional_providers = ("finnhub",)
    pipeline = "events"
    # Nasdaq answers a past date with the dates companies did report on and their actual EPS:
    # hindsight, not the calendar as it stood that day (docs/scanners.md, "Point in time").
    point_in_time = "now_only"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        services = services_of(ctx)
        # Live calendars answer with what is known today, not what was known on a past date.
        services.require_current(ctx, "the earnings calendar")
        hub = services.providers
        start = ctx.trade_date
        end = start + timedelta(days=params.days_ahead)
        events: list[EarningsEvent] = []
        failures: list[str] = []
        sources = 0
        if hub.available("nasdaq"):
            for day in _sessions(start, end):
                # Only NYSE sessions: Nasdaq lists no earnings on weekends and market holidays,
                # and each request costs quota.
                ctx.raise_if_cancelled()
                try:
                    events += hub.nasdaq.earnings(ctx, day)
                    sources += 1
                except ProviderError as exc:
                    failures.append(f"nasdaq {day}: {exc}")
        if hub.available("finnhub"):
            try:
                events += hub.finnhub.earnings(ctx, start=start, end=end)
                sources += 1
            except ProviderError as exc:
                failures.append(f"finnhub: {exc}")
        if sources and failures:
            ctx.warn("some calendars could not be read: " + "; ".join(failures))
        if sources == 0:
            reason = "; ".join(failures) or hub.unavailable_reason("nasdaq") or "no calendar"
            raise ProviderError(f"no earnings calendar could be read: {reason}")
        earliest: dict[str, EarningsEvent] = {}
        for event in events:
            if not start <= event.date <= end:
                continue
            known = earliest.get(event.symbol)
            # The earliest date wins; on the same date Nasdaq's row, which also has the market
            # cap and estimates, wins over Finnhub's.
            if (
                known is None
                or event.date < known.date
                or (event.date == known.date and event.source == "nasdaq")
            ):
                earliest[event.symbol] = event
        chosen = [
            e
            for e in earliest.values()
            if e.market_cap is None or e.market_cap >= params.min_market_cap
        ]
        chosen.sort(key=lambda e: (e.date, -(e.market_cap or 0.0), e.symbol))
        out: list[Candidate | dict[str, Any]] = []
        for event in chosen:
            days = (event.date - start).days
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            timing = {"pre-market": " before the open", "after-hours": " after the close"}
            eps = (
                f", EPS forecast {event.eps_forecast:+.2f}"
                if event.eps_forecast is not None
                else ""
            )
            out.append(
                {
                    "ticker": event.symbol,
                    "priority": priority_for(days),
                    "context": f"reports earnings {when} ({event.date}{timing.get(event.time, '')})"
                    f"{eps}",
                    "earnings_date": event.date.isoformat(),
                    "earnings_time": event.time,
                    "days_until": days,
                    "signal": nearness(days, params.days_ahead),
                    "eps_forecast": event.eps_forecast,
                    "market_cap": event.market_cap,
                    "calendar_source": event.source,
                }
            )
        return out
