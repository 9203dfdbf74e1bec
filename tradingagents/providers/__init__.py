"""Provider clients: one package per data source, each split into client (I/O) and parse (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradingagents._lazy import lazy_exports

if TYPE_CHECKING:
    from tradingagents.providers.alpha_vantage.client import AlphaVantageClient
    from tradingagents.providers.base import KeyedProviderClient, ProviderClient
    from tradingagents.providers.finnhub.client import FinnhubClient
    from tradingagents.providers.hub import ProviderHub
    from tradingagents.providers.nasdaq.client import NasdaqClient
    from tradingagents.providers.reddit.client import ApeWisdomClient, RedditClient
    from tradingagents.providers.sec_edgar.client import SecEdgarClient
    from tradingagents.providers.yahoo.client import YahooClient

_PUBLIC = {
    "tradingagents.providers.base": ["KeyedProviderClient", "ProviderClient"],
    "tradingagents.providers.hub": ["ProviderHub"],
    "tradingagents.providers.alpha_vantage.client": ["AlphaVantageClient"],
    "tradingagents.providers.finnhub.client": ["FinnhubClient"],
    "tradingagents.providers.nasdaq.client": ["NasdaqClient"],
    "tradingagents.providers.reddit.client": ["ApeWisdomClient", "RedditClient"],
    "tradingagents.providers.sec_edgar.client": ["SecEdgarClient"],
    "tradingagents.providers.yahoo.client": ["YahooClient"],
}
__all__ = [
    "AlphaVantageClient",
    "ApeWisdomClient",
    "FinnhubClient",
    "KeyedProviderClient",
    "NasdaqClient",
    "ProviderClient",
    "ProviderHub",
    "RedditClient",
    "SecEdgarClient",
    "YahooClient",
]
# Lazy: a parser's import (providers.yahoo.parse) must not load every client and the hub.
__getattr__, __dir__ = lazy_exports(__name__, globals(), _PUBLIC)
