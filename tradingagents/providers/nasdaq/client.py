"""NasdaqClient: api.nasdaq.com's earnings calendar and stock screener (no key, browser headers)."""

from __future__ import annotations

import datetime
from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.http import DEFAULT_MAX_BYTES, Request, Response, Transport
from tradingagents.providers.base import ProviderClient
from tradingagents.providers.earnings import EarningsEvent
from tradingagents.providers.nasdaq.parse import (
    StockListing,
    parse_earnings_calendar,
    parse_stock_screener,
)

# api.nasdaq.com stalls or refuses requests that do not look like they come from its own web
# pages, so the client presents itself as a desktop browser on www.nasdaq.com.
BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
    "Origin": "https://www.nasdaq.com",
    "Referer": "https://www.nasdaq.com/",
}


class NasdaqClient(ProviderClient):
    """Nasdaq's earnings calendar, one day per request, and its whole stock listing in one."""

    provider: ClassVar[str] = "nasdaq"
    DEFAULT_BASE_URL: ClassVar[str] = "https://api.nasdaq.com"

    def __init__(
        self,
        transport: Transport,
        *,
        base_url: str = DEFAULT_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(transport, base_url=base_url, headers=BROWSER_HEADERS, max_bytes=max_bytes)

    def earnings(self, ctx: ScanContext | None, day: datetime.date) -> list[EarningsEvent]:
        """Companies reporting on ``day``; an empty list on days without earnings."""
        return self.fetch(
            ctx,
            "/api/calendar/earnings",
            {"date": day.isoformat()},
            tool="nasdaq.earnings",
            parse=lambda body: parse_earnings_calendar(body, day=day),
        )

    def stock_screener(self, ctx: ScanContext | None) -> StockListing:
        """Every stock listed on NASDAQ, NYSE and NYSE American, with last sale, the session's
        volume and market cap: one request of about 2.4 MB.

        ``download=true`` returns all rows at once (``limit`` and ``offset`` are then ignored;
        they are sent because that is the query the site's own download uses). Without
        ``exchange`` the three exchanges come in one answer. The listing is "as of now": there
        is no date parameter.
        """
        return self.stock_screener_response(ctx)[0]

    def stock_screener_request(self) -> Request:
        """The one request of :meth:`stock_screener` (what a cached listing answered)."""
        return self.build_request(
            "/api/screener/stocks",
            {"tableonly": "true", "limit": 25, "offset": 0, "download": "true"},
        )

    def stock_screener_response(self, ctx: ScanContext | None) -> tuple[StockListing, Response]:
        """:meth:`stock_screener` and the response it parsed (the universe caches the body, so
        a run served from that cache still archives the listing it used)."""
        parsed: list[StockListing] = []
        response = self.send(
            ctx,
            self.stock_screener_request(),
            tool="nasdaq.stock_screener",
            validate=lambda r: parsed.append(parse_stock_screener(r.body)),
        )
        return parsed[0], response
