"""RedditClient (listings, public or app-only OAuth) and ApeWisdomClient: the social sources."""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, field
from typing import ClassVar

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderAuthError, ProviderTimeout
from tradingagents.http import DEFAULT_MAX_BYTES, Transport
from tradingagents.providers.base import DEFAULT_TIMEOUT_S, ProviderClient
from tradingagents.providers.reddit.parse import (
    APEWISDOM,
    REDDIT,
    ApeWisdomPage,
    RedditPost,
    RedditToken,
    parse_listing,
    parse_mentions,
    parse_token,
)
from tradingagents.redaction import register_secret

DEFAULT_USER_AGENT = "tradingagents/0.1 (discovery scanner)"
MAX_LISTING_LIMIT = 100  # Reddit silently caps larger limits at 100
# A token is renewed this long before Reddit says it expires (or at half its life, if shorter):
# a request sent with a token that expires on the way would be refused.
TOKEN_RENEW_MARGIN_S = 60.0
# Both names end up in the URL path, so they are checked rather than escaped.
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")
_FILTER = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class RedditCredentials:
    """A Reddit "script" or "web" app's id and secret, for application-only OAuth.

    The secret is kept out of the repr; surrounding whitespace (from an env file) is dropped.
    """

    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "client_id", self.client_id.strip())
        object.__setattr__(self, "client_secret", self.client_secret.strip())
        if not self.client_id or not self.client_secret:
            raise ValueError("Reddit credentials need both a client id and a client secret")


def _public_hot(subreddit: str) -> str:
    return f"/r/{subreddit}/hot.json"


def _basic(credentials: RedditCredentials) -> str:
    # Built when needed rather than kept: the client's attributes then show no secret.
    pair = f"{credentials.client_id}:{credentials.client_secret}".encode()
    return base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class _HeldToken:
    token: RedditToken
    renew_at: float  # on the client's clock's monotonic scale


class RedditClient(ProviderClient):
    """Reddit's listings: the public ``.json`` pages, or with ``credentials`` the OAuth API.

    With credentials, an application-only token (``client_credentials`` grant) is fetched on
    first use, shared by every thread, renewed shortly before it expires, and renewed once more
    when a listing answers 401. The secret and the token travel in ``secret_headers`` only, so
    no log, cache key, cache entry or snapshot holds them.
    """

    provider: ClassVar[str] = REDDIT
    DEFAULT_BASE_URL: ClassVar[str] = "https://www.reddit.com"
    DEFAULT_OAUTH_BASE_URL: ClassVar[str] = "https://oauth.reddit.com"
    DEFAULT_TOKEN_URL: ClassVar[str] = "https://www.reddit.com/api/v1/access_token"

    def __init__(
        self,
        transport: Transport,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        base_url: str = DEFAULT_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
        credentials: RedditCredentials | None = None,
        oauth_base_url: str = DEFAULT_OAUTH_BASE_URL,
        token_url: str = DEFAULT_TOKEN_URL,
        clock: Clock = SYSTEM_CLOCK,
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
        self.credentials = credentials
        self.oauth_base_url = oauth_base_url.rstrip("/")
        self.token_url = token_url
        self.clock = clock
        self._token: _HeldToken | None = None
        # One token request at a time: the threads that wait then use its token.
        self._token_lock = threading.Lock()
        if credentials is not None:
            register_secret(credentials.client_secret)
            register_secret(_basic(credentials))

    def hot(self, ctx: ScanContext | None, subreddit: str, *, limit: int = 100) -> list[RedditPost]:
        """The subreddit's hot posts, stickied ones first as Reddit lists them."""
        if not _SUBREDDIT.match(subreddit):
            raise ValueError(f"invalid subreddit name {subreddit!r}")
        if not 1 <= limit <= MAX_LISTING_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_LISTING_LIMIT}, got {limit}")
        # raw_json=1: text as written, without the legacy "&amp;" HTML escaping.
        params = {"limit": limit, "raw_json": 1}
        credentials = self.credentials
        if credentials is None:
            return self.fetch(
                ctx, _public_hot(subreddit), params, tool="reddit.hot", parse=parse_listing
            )
        token = self._access_token(ctx, credentials)
        try:
            return self._oauth_hot(ctx, subreddit, params, token)
        except ProviderAuthError as exc:
            if exc.status != 401:
                raise  # 403: a private, quarantined or banned subreddit; a new token won't help
            # Revoked, or expired early: one new token and one more try, never a loop.
            token = self._access_token(ctx, credentials, refused=token)
            return self._oauth_hot(ctx, subreddit, params, token)

    def _oauth_hot(
        self, ctx: ScanContext | None, subreddit: str, params: dict[str, int], token: str
    ) -> list[RedditPost]:
        request = self.build_request(
            f"{self.oauth_base_url}/r/{subreddit}/hot",
            params,
            secret_headers={"Authorization": f"bearer {token}"},
            # The OAuth host serves the same Listing without ".json"; a recording is filed
            # under the public path, which is what replay (never OAuth) asks for.
            snapshot_path=_public_hot(subreddit),
        )
        return self.fetch_request(ctx, request, tool="reddit.hot", parse=parse_listing)

    def _access_token(
        self, ctx: ScanContext | None, credentials: RedditCredentials, *, refused: str | None = None
    ) -> str:
        """The shared token; fetched when there is none, it is due for renewal, or it is the
        ``refused`` one (a thread that lost the race finds it already replaced)."""
        wait = ctx.remaining() if ctx is not None else DEFAULT_TIMEOUT_S
        if not self._token_lock.acquire(timeout=max(wait, 0.0)):
            raise ProviderTimeout(
                "timed out waiting for another thread's Reddit token request", provider=REDDIT
            )
        try:
            held = self._token
            if (
                held is None
                or self.clock.monotonic() >= held.renew_at
                or held.token.access_token == refused
            ):
                held = self._token = self._new_token(ctx, credentials)
            return held.token.access_token
        finally:
            self._token_lock.release()

    def _new_token(self, ctx: ScanContext | None, credentials: RedditCredentials) -> _HeldToken:
        # The token's life starts when Reddit issues it, before the answer arrives.
        asked_at = self.clock.monotonic()
        request = self.build_request(
            self.token_url,
            method="POST",
            form={"grant_type": "client_credentials"},
            secret_headers={"Authorization": f"Basic {_basic(credentials)}"},
        )
        try:
            token = self.fetch_request(ctx, request, tool="reddit.token", parse=parse_token)
        except ProviderAuthError as exc:
            raise ProviderAuthError(
                f"Reddit refused the app-only OAuth token request ({exc}); check the Reddit "
                "client id and secret",
                status=exc.status,
                provider=REDDIT,
                scanner=exc.scanner,
                elapsed=exc.elapsed,
            ) from None
        register_secret(token.access_token)
        margin = min(TOKEN_RENEW_MARGIN_S, token.expires_in / 2)
        return _HeldToken(token, renew_at=asked_at + token.expires_in - margin)


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
