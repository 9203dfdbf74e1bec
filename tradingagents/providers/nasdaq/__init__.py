"""Nasdaq: the public earnings calendar."""

from tradingagents.providers.nasdaq.client import BROWSER_HEADERS, NasdaqClient
from tradingagents.providers.nasdaq.parse import parse_earnings_calendar

__all__ = ["BROWSER_HEADERS", "NasdaqClient", "parse_earnings_calendar"]
