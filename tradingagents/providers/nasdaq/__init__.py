"""Nasdaq: the public earnings calendar and the stock screener's listing."""

from tradingagents.providers.nasdaq.client import BROWSER_HEADERS, NasdaqClient
from tradingagents.providers.nasdaq.parse import (
    ListedStock,
    StockListing,
    parse_earnings_calendar,
    parse_stock_screener,
)

__all__ = [
    "BROWSER_HEADERS",
    "ListedStock",
    "NasdaqClient",
    "StockListing",
    "parse_earnings_calendar",
    "parse_stock_screener",
]
