"""FinnhubClient: Finnhub's earnings calendar (API key sent as the secret ``token`` parameter)."""

from __future__ import annotations

import datetime
from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.providers.base import ProviderClient
from tradingagents.providers.earnings import EarningsEvent
from tradingagents.providers.finnhub.parse import parse_earnings_calendar
from tradingagents.providers.http import DEFAULT_MAX_BYTES, Transport


class FinnhubClient(ProviderClient):
    """Finnhub's earnings calendar over a date range."""

    provider: ClassVar[str] = "finnhub"
    DEFAULT_BASE_URL: ClassVar[str] = "https://finnhub.io/api/v1"

    def __init__(
        self,
        transport: Transport,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("Finnhub needs an API key")
        # A secret parameter reaches the server but never a log, cache key or snapshot.
        super().__init__(
            transport,
            base_url=base_url,
            secret_params={"token": api_key.strip()},
            max_bytes=max_bytes,
        )

    def earnings(
        self, ctx: ScanContext | None, *, start: datetime.date, end: datetime.date
    ) -> list[EarningsEvent]:
        """Earnings reports dated ``start`` to ``end``, both included."""
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        response = self.get(
            ctx,
            "/calendar/earnings",
            {"from": start.isoformat(), "to": end.isoformat()},
            tool="finnhub.earnings",
        )
        return parse_earnings_calendar(response.body)
