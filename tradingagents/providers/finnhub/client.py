"""FinnhubClient: Finnhub's earnings calendar (API key sent as the secret ``token`` parameter)."""

from __future__ import annotations

import datetime
from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.providers.base import KeyedProviderClient
from tradingagents.providers.earnings import EarningsEvent
from tradingagents.providers.finnhub.parse import parse_earnings_calendar


class FinnhubClient(KeyedProviderClient):
    """Finnhub's earnings calendar over a date range."""

    provider: ClassVar[str] = "finnhub"
    display_name: ClassVar[str] = "Finnhub"
    key_param: ClassVar[str] = "token"
    DEFAULT_BASE_URL: ClassVar[str] = "https://finnhub.io/api/v1"

    def earnings(
        self, ctx: ScanContext | None, *, start: datetime.date, end: datetime.date
    ) -> list[EarningsEvent]:
        """Earnings reports dated ``start`` to ``end``, both included."""
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        return self.fetch(
            ctx,
            "/calendar/earnings",
            {"from": start.isoformat(), "to": end.isoformat()},
            tool="finnhub.earnings",
            parse=parse_earnings_calendar,
        )
