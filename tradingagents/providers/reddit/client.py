"""RedditClient (public listing JSON) and ApeWisdomClient (mention rankings): the social sources."""

from __future__ import annotations

import re
from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.providers.base import ProviderClient
from tradingagents.providers.http import DEFAULT_MAX_BYTES, Transport
from tradingagents.providers.reddit.parse import (
    APEWISDOM,
    REDDIT,
    ApeWisdomPage,
    RedditPost,
    parse_listing,
    parse_mentions,
)

DEFAULT_USER_AGENT = "tradingagents/0.1 (discovery scanner)"
MAX_LISTING_LIMIT = 100  # Reddit silently caps larger limits at 100
# Both names end up in the URL path, so they are checked rather than escaped.
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")
_FILTER = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class RedditClient(ProviderClient):
    """Reddit's public ``.json`` listings, without OAuth."""

    provider: ClassVar[str] = REDDIT
    DEFAULT_BASE_URL: ClassVar[str] = "https://www.reddit.com"

    def __init__(
        self,
        transport: Transport,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        base_url: str = DEFAULT_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        # Reddit throttles or blocks requests with a blank or generic User-Agent.
        if not user_agent or not user_agent.strip():
            raise ValueError("Reddit needs a descriptive User-Agent")
        super().__init__(
            transport,
            base_url=base_url,
            headers={"User-Agent": user_agent.strip(), "Accept": "application/json"},
            max_bytes=max_bytes,
        )

    def hot(self, ctx: ScanContext | None, subreddit: str, *, limit: int = 100) -> list[RedditPost]:
        """The subreddit's hot posts, stickied ones first as Reddit lists them."""
        if not _SUBREDDIT.match(subreddit):
            raise ValueError(f"invalid subreddit name {subreddit!r}")
        if not 1 <= limit <= MAX_LISTING_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LISTING_LIMIT}, got {limit}")
        return self.fetch(
            ctx,
            f"/r/{subreddit}/hot.json",
            # raw_json=1: text as written, without the legacy "&amp;" HTML escaping.
            {"limit": limit, "raw_json": 1},
            tool="reddit.hot",
            parse=parse_listing,
        )


class ApeWisdomClient(ProviderClient):
    """ApeWisdom's ranking of tickers by mentions on Reddit and 4chan (no key)."""

    provider: ClassVar[str] = APEWISDOM
    DEFAULT_BASE_URL: ClassVar[str] = "https://apewisdom.io"

    def __init__(
        self,
        transport: Transport,
        *,
        base_url: str = DEFAULT_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(
            transport,
            base_url=base_url,
            headers={"User-Agent": DEFAULT_USER_AGENT, "Accept": "application/json"},
            max_bytes=max_bytes,
        )

    def mentions(
        self, ctx: ScanContext | None, *, filter_name: str = "all-stocks", page: int = 1
    ) -> ApeWisdomPage:
        """One page (up to 100 tickers) of the ranking for ``filter_name``."""
        if not _FILTER.match(filter_name):
            raise ValueError(f"invalid ApeWisdom filter {filter_name!r}")
        if page < 1:
            raise ValueError(f"page must be 1 or more, got {page}")
        return self.fetch(
            ctx,
            f"/api/v1.0/filter/{filter_name}/page/{page}",
            tool="apewisdom.mentions",
            parse=parse_mentions,
        )
