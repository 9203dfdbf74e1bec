"""Yahoo Finance provider: screener, daily chart, batch quote and option chain (client, parsers)."""

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
    SessionQuote,
    Split,
    parse_chart,
    parse_options,
    parse_quotes,
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
    "SessionQuote",
    "Split",
    "YahooClient",
    "YfinanceTransport",
    "parse_chart",
    "parse_options",
    "parse_quotes",
    "parse_screener",
]
