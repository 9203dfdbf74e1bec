"""YahooClient: the Yahoo Finance endpoints the scanners use, over any transport."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import quote

from tradingagents.discovery.context import ScanContext
from tradingagents.providers.base import ProviderClient
from tradingagents.providers.yahoo.parse import (
    OptionChain,
    PriceHistory,
    ScreenerResult,
    SessionQuote,
    parse_chart,
    parse_options,
    parse_quotes,
    parse_screener,
)

#: The quote fields the history loader reads; asking for them keeps the answer small.
QUOTE_FIELDS = (
    "symbol,regularMarketTime,regularMarketOpen,regularMarketDayHigh,regularMarketDayLow,"
    "regularMarketPrice,regularMarketVolume,regularMarketPreviousClose,exchangeTimezoneName,"
    "corporateActions"
)


def _epoch(day: datetime.date) -> int:
    """00:00 UTC of ``day`` in epoch seconds, the unit of Yahoo's period and date params."""
    return int(datetime.datetime.combine(day, datetime.time(), datetime.UTC).timestamp())


def _symbol_path(symbol: str) -> str:
    # Index and class symbols (^GSPC, BRK/B) must stay one path segment.
    return quote(symbol, safe="")


class YahooClient(ProviderClient):
    """Yahoo Finance over JSON. Live use needs :class:`YfinanceTransport` (cookies, crumb)."""

    provider: ClassVar[str] = "yahoo"
    DEFAULT_BASE_URL: ClassVar[str] = "https://query2.finance.yahoo.com"

    def screener(
        self, ctx: ScanContext | None, screener_id: str, *, count: int = 25
    ) -> ScreenerResult:
        """A predefined screener (``day_gainers``, ``day_losers``, ``most_actives``...)."""
        params: dict[str, str | int] = {
            "scrIds": screener_id,
            "count": count,
            "lang": "en-US",
            "region": "US",
        }
        return self.fetch(
            ctx,
            "/v1/finance/screener/predefined/saved",
            params,
            tool="yahoo.screener",
            parse=parse_screener,
        )

    def chart(
        self, ctx: ScanContext | None, symbol: str, *, start: datetime.date, end: datetime.date
    ) -> PriceHistory:
        """Daily bars from ``start`` through ``end`` (both included), with splits and dividends."""
        params: dict[str, str | int] = {
            "period1": _epoch(start),
            # period2 is exclusive: the day after ``end`` keeps ``end``'s bar.
            "period2": _epoch(end + datetime.timedelta(days=1)),
            "interval": "1d",
            "events": "div|split",
            "includePrePost": "false",
        }
        return self.fetch(
            ctx,
            f"/v8/finance/chart/{_symbol_path(symbol)}",
            params,
            tool="yahoo.chart",
            parse=parse_chart,
        )

    def quotes(self, ctx: ScanContext | None, symbols: Sequence[str]) -> tuple[SessionQuote, ...]:
        """The latest regular session of many symbols in one request; unknown ones are absent."""
        params: dict[str, str | int] = {
            "symbols": ",".join(symbols),
            "fields": QUOTE_FIELDS,
            "formatted": "false",
            "lang": "en-US",
            "region": "US",
        }
        return self.fetch(ctx, "/v7/finance/quote", params, tool="yahoo.quote", parse=parse_quotes)

    def options(
        self, ctx: ScanContext | None, symbol: str, *, expiration: datetime.date | None = None
    ) -> OptionChain:
        """The option chain of one expiry: the nearest, or ``expiration`` when given."""
        params: dict[str, str | int] = {} if expiration is None else {"date": _epoch(expiration)}
        return self.fetch(
            ctx,
            f"/v7/finance/options/{_symbol_path(symbol)}",
            params,
            tool="yahoo.options",
            parse=parse_options,
        )
