"""The social sources: Reddit listings and ApeWisdom mention rankings."""

from tradingagents.providers.reddit.client import ApeWisdomClient, RedditClient
from tradingagents.providers.reddit.parse import (
    ApeWisdomMention,
    ApeWisdomPage,
    RedditPost,
    parse_listing,
    parse_mentions,
)

__all__ = [
    "ApeWisdomClient",
    "ApeWisdomMention",
    "ApeWisdomPage",
    "RedditClient",
    "RedditPost",
    "parse_listing",
    "parse_mentions",
]
