"""Finnhub: the earnings calendar (needs an API key)."""

from tradingagents.providers.finnhub.client import FinnhubClient
from tradingagents.providers.finnhub.parse import parse_earnings_calendar

__all__ = ["FinnhubClient", "parse_earnings_calendar"]
