"""reddit_trending: the tickers most mentioned in hot posts of trading subreddits.

Signal: mentions per ticker across the hot posts of ``subreddits`` (each post counts a ticker
once), from $cashtags and bare upper-case symbols; bare symbols must be in the SEC ticker
universe and not a stop word (I, CEO, DD, YOLO...). Posts created after the trade date are
ignored. With ``source="apewisdom"`` the mention counts come from ApeWisdom instead.
Data: Reddit listing JSON (hot), SEC company_tickers.json (shared); or ApeWisdom.
Strength: mentions from ``min_mentions`` (0) to ``full_signal_mentions`` (1), linear.
Cost: 1 Reddit call per subreddit + 1 EDGAR call (shared); or 1 ApeWisdom call.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.discovery.scoring import ramp
from tradingagents.errors import CandidateError, ProviderError
from tradingagents.providers.sec_edgar.tickers import TickerUniverse
from tradingagents.scanners.history import services_of
from tradingagents.services import RunServices

_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,5}(?:[.-][A-Za-z]{1,2})?)\b")
_BARE = re.compile(r"(?<![\w$])([A-Z]{2,5})\b")

# Upper-case words that are (or look like) tickers but mostly mean something else on Reddit.
STOP_WORDS = frozenset(
    """A I AM AN ARE AT BE BY CAN CEO CFO CTO DD DO EPS ETF FOR GO HAS HE IF IMO IN IPO IS IT
    ITM OTM ME MY NO NOW OF ON OR OUT SO TO UP US USA WE YOLO ATH FOMO FUD GDP CPI FED SEC IRS
    LOL EDIT TLDR PT ALL ANY BIG NEW ONE TWO OPEN REAL GOOD BEST NEXT LOVE FUN RUN PUMP HOLD
    MOON BULL BEAR CALL PUT CASH GAIN LOSS RH WSB EV AI TA OP OG NYSE API AND THE YOU BUY SELL
    OK HOLY FREE VERY JUST""".split()
)


def extract_tickers(text: str, universe: TickerUniverse | None) -> set[str]:
    """Tickers a post mentions: any valid $cashtag; bare symbols only if in the SEC universe."""
    found: set[str] = set()
    for raw in _CASHTAG.findall(text):
        try:
            ticker = normalize_ticker(raw)
        except CandidateError:
            continue
        if universe is None or ticker in universe:
            found.add(ticker)
    if universe is not None:
        for raw in _BARE.findall(text):
            if raw not in STOP_WORDS and raw in universe:
                found.add(raw)
    return found


class RedditTrendingParams(ScannerParams):
    source: Literal["reddit", "apewisdom"] = "reddit"
    subreddits: tuple[str, ...] = ("wallstreetbets", "stocks", "investing")
    posts_per_subreddit: int = Field(default=100, ge=1, le=100)
    min_mentions: int = Field(default=3, ge=1)
    high_mentions: int = Field(default=10, ge=1)
    # This many mentions is a full-strength signal (1.0).
    full_signal_mentions: int = Field(default=25, ge=1)


class RedditTrending(Scanner[RedditTrendingParams]):
    name = "reddit_trending"
    providers = ("reddit",)
    optional_providers = ("sec_edgar", "apewisdom")
    # Hot listings are only ever "now": a past day needs its recorded snapshot.
    point_in_time = "now_only"
    pipeline = "social"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        services = services_of(ctx)
        services.require_current(ctx, "the hot listing")
        if params.source == "apewisdom":
            counts = self._apewisdom(ctx, services)
            where = "ApeWisdom"
        else:
            counts = self._reddit(ctx, services, params)
            where = "r/" + ", r/".join(params.subreddits)
        ranked = sorted(
            ((n, t) for t, n in counts.items() if n >= params.min_mentions),
            key=lambda item: (-item[0], item[1]),
        )
        return [
            {
                "ticker": ticker,
                "priority": Priority.HIGH if n >= params.high_mentions else Priority.MEDIUM,
                "context": f"mentioned in {n} hot posts on {where}",
                "mentions": n,
                "signal": ramp(n, params.min_mentions, params.full_signal_mentions),
            }
            for n, ticker in ranked
        ]

    def _reddit(
        self, ctx: ScanContext, services: RunServices, params: RedditTrendingParams
    ) -> Counter[str]:
        hub = services.providers
        hub.require("reddit")
        universe = sec_universe(ctx, services) if hub.available("sec_edgar") else None
        cutoff = datetime.combine(ctx.trade_date + timedelta(days=1), time(0), tzinfo=UTC)
        counts: Counter[str] = Counter()
        failures = []
        for subreddit in params.subreddits:
            ctx.raise_if_cancelled()
            try:
                posts = hub.reddit.hot(ctx, subreddit, limit=params.posts_per_subreddit)
            except ProviderError as exc:
                failures.append(f"r/{subreddit}: {exc}")
                continue
            for post in posts:
                if post.stickied or post.created_utc >= cutoff:
                    continue  # moderator notices, and posts from after the trade date
                counts.update(extract_tickers(f"{post.title}\n{post.selftext}", universe))
        if len(failures) == len(params.subreddits):
            raise ProviderError("; ".join(failures))
        if failures:
            ctx.warn("some subreddits could not be read: " + "; ".join(failures))
        return counts

    def _apewisdom(self, ctx: ScanContext, services: RunServices) -> Counter[str]:
        page = services.providers.apewisdom.mentions(ctx)
        counts: Counter[str] = Counter()
        for mention in page.results:
            try:
                counts[normalize_ticker(mention.ticker)] += mention.mentions
            except CandidateError:
                continue
        return counts


def sec_universe(ctx: ScanContext, services: RunServices) -> TickerUniverse:
    """SEC's company_tickers.json, fetched once per run for every scanner that validates."""
    return services.shared("sec_universe", ctx, services.providers.sec_edgar.company_tickers)


def mentions_in(texts: Iterable[str], universe: TickerUniverse | None) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(extract_tickers(text, universe))
    return counts
