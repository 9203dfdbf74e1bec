"""The built-in scanners, registered through the ``tradingagents.scanners`` entry points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradingagents._lazy import lazy_exports

if TYPE_CHECKING:
    from tradingagents.scanners.earnings_calendar import EarningsCalendar
    from tradingagents.scanners.insider_buying import InsiderBuying
    from tradingagents.scanners.market_movers import MarketMovers
    from tradingagents.scanners.options_flow import OptionsFlow
    from tradingagents.scanners.reddit_trending import RedditTrending
    from tradingagents.scanners.rsi_oversold import RsiOversold
    from tradingagents.scanners.sec_catalysts import SecCatalysts
    from tradingagents.scanners.technical_breakout import TechnicalBreakout
    from tradingagents.scanners.volume_accumulation import VolumeAccumulation

_PUBLIC = {
    "tradingagents.scanners.earnings_calendar": ["EarningsCalendar"],
    "tradingagents.scanners.insider_buying": ["InsiderBuying"],
    "tradingagents.scanners.market_movers": ["MarketMovers"],
    "tradingagents.scanners.options_flow": ["OptionsFlow"],
    "tradingagents.scanners.reddit_trending": ["RedditTrending"],
    "tradingagents.scanners.rsi_oversold": ["RsiOversold"],
    "tradingagents.scanners.sec_catalysts": ["SecCatalysts"],
    "tradingagents.scanners.technical_breakout": ["TechnicalBreakout"],
    "tradingagents.scanners.volume_accumulation": ["VolumeAccumulation"],
}
__all__ = [
    "EarningsCalendar",
    "InsiderBuying",
    "MarketMovers",
    "OptionsFlow",
    "RedditTrending",
    "RsiOversold",
    "SecCatalysts",
    "TechnicalBreakout",
    "VolumeAccumulation",
]
# Lazy: the entry points load one scanner module each; this package must not load all nine.
__getattr__, __dir__ = lazy_exports(__name__, globals(), _PUBLIC)
