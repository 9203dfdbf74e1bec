"""Alpha Vantage: the daily top gainers, losers and most actively traded tickers."""

from tradingagents.providers.alpha_vantage.client import AlphaVantageClient
from tradingagents.providers.alpha_vantage.parse import (
    AvMover,
    TopMovers,
    parse_top_movers,
    raise_for_api_message,
)

__all__ = [
    "AlphaVantageClient",
    "AvMover",
    "TopMovers",
    "parse_top_movers",
    "raise_for_api_message",
]
