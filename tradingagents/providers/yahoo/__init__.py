"""Yahoo Finance provider: screener, daily chart and option chain (client, parsers, transport)."""

from tradingagents.providers.yahoo.client import YahooClient
from tradingagents.providers.yahoo.parse import (
    PROVIDER,
    Dividend,
    OptionChain,
    OptionContract,
    OptionExpiry,
    PriceHistory,
    ScreenerQuote,
    ScreenerResult,
    Split,
    parse_chart,
    parse_options,
    parse_screener,
)
from tradingagents.providers.yahoo.transport import YfinanceTransport

__all__ = [
    "PROVIDER",
    "Dividend",
    "OptionChain",
    "OptionContract",
    "OptionExpiry",
    "PriceHistory",
    "ScreenerQuote",
    "ScreenerResult",
    "Split",
    "YahooClient",
    "YfinanceTransport",
    "parse_chart",
    "parse_options",
    "parse_screener",
]
