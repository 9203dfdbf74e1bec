"""ProviderHub: builds each provider client once, from config, for the live APIs or a snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.config import DiscoveryConfig, ProviderName
from tradingagents.credentials import PROVIDER_CREDENTIALS, Credentials
from tradingagents.errors import ScannerSkipped
from tradingagents.http import RequestsTransport, Transport
from tradingagents.providers.alpha_vantage.client import AlphaVantageClient
from tradingagents.providers.base import KeyedProviderClient, ProviderClient
from tradingagents.providers.finnhub.client import FinnhubClient
from tradingagents.providers.nasdaq.client import NasdaqClient
from tradingagents.providers.reddit.client import (
    ApeWisdomClient,
    RedditClient,
    RedditCredentials,
)
from tradingagents.providers.sec_edgar.client import SecEdgarClient
from tradingagents.providers.yahoo.client import YahooClient
from tradingagents.replay.snapshot import Snapshot
from tradingagents.resilience.guard import Resilience

C = TypeVar("C", bound=ProviderClient)

_REPLAY_SECRET = "replay-no-key"  # never sent anywhere: replay answers from files


class ProviderHub:
    """The provider clients of one DiscoveryGraph, built lazily and shared by every scanner.

    In ``replay`` mode every client is served from the snapshot through the same parsing code;
    in ``live`` mode clients talk HTTP, and a provider whose credential is missing is
    unavailable (its scanners are skipped with the reason, not failed). ``credentials``
    default to the environment's (:class:`~tradingagents.credentials.Credentials`).
    """

    def __init__(
        self,
        config: DiscoveryConfig,
        *,
        credentials: Credentials | None = None,
        transport: Transport | None = None,
        wrap: Callable[[Transport], Transport] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        resilience: Resilience | None = None,
        snapshot: Snapshot | None = None,
    ) -> None:
        self.config = config
        self.mode = config.source.mode
        # Building Credentials registers every value for redaction, before any run starts
        # (runs snapshot the known secrets when they start).
        self.credentials = credentials if credentials is not None else Credentials.from_env()
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._transport = transport
        self._wrap = wrap
        #: Rate limits, retries and the HTTP cache of live clients (see tradingagents.wiring).
        self.resilience = resilience
        #: The snapshot replay serves every client from; None in live mode.
        self.snapshot = snapshot

    def close(self) -> None:
        """Close the response cache (live mode). The rate limiters are shared process-wide
        (see :func:`tradingagents.wiring.shared_limiters`) and stay open."""
        if self.resilience is not None and self.resilience.cache is not None:
            self.resilience.cache.close()

    @property
    def is_live(self) -> bool:
        return self.mode == "live"

    # -- availability -----------------------------------------------------------------------

    def unavailable_reason(self, provider: ProviderName) -> str | None:
        """Why ``provider`` cannot be used in this run, or None when it can."""
        if self.snapshot is not None:
            if provider not in self.snapshot.providers():
                return f"the snapshot has no {provider} responses"
            return None
        if provider == "sec_edgar":
            if not self._sec_user_agent():
                return (
                    "needs SEC_USER_AGENT (or discovery.providers.sec_edgar.user_agent): EDGAR "
                    "requires a User-Agent with contact info, e.g. 'Jane Doe jane@example.com'"
                )
            return None
        for name, required in PROVIDER_CREDENTIALS.get(provider, ()):
            if required and self.credentials.get(name) is None:
                return f"needs {Credentials.ENV_NAMES[name]}"
        return None

    def available(self, provider: ProviderName) -> bool:
        return self.unavailable_reason(provider) is None

    def require(self, provider: ProviderName) -> None:
        """Raise ScannerSkipped with the reason when ``provider`` is unavailable."""
        reason = self.unavailable_reason(provider)
        if reason is not None:
            raise ScannerSkipped(reason, provider=provider)

    # -- clients ----------------------------------------------------------------------------
    # One typed accessor per provider, each a line: building is _client's, and the builders
    # that need more than a transport, a base URL and a key are the _build_* methods below.

    @property
    def yahoo(self) -> YahooClient:
        return self._client(YahooClient, self._build_yahoo)

    @property
    def sec_edgar(self) -> SecEdgarClient:
        return self._client(SecEdgarClient, self._build_sec_edgar)

    @property
    def nasdaq(self) -> NasdaqClient:
        return self._client(NasdaqClient)

    @property
    def finnhub(self) -> FinnhubClient:
        return self._client(FinnhubClient)

    @property
    def alpha_vantage(self) -> AlphaVantageClient:
        return self._client(AlphaVantageClient)

    @property
    def reddit(self) -> RedditClient:
        return self._client(RedditClient, self._build_reddit)

    @property
    def apewisdom(self) -> ApeWisdomClient:
        return self._client(ApeWisdomClient)

    def _client(self, cls: type[C], build: Callable[[], C] | None = None) -> C:
        """The hub's one ``cls`` client, built on first use (by ``build``, else from config:
        transport, base URL, size cap and, for a keyed client, its key)."""
        provider = cast(ProviderName, cls.provider)
        self.require(provider)
        with self._lock:
            client = self._clients.get(provider)
            if client is None:
                client = build() if build is not None else self._standard(cls)
                client.resilience = self.resilience
                self._clients[provider] = client
        return cast(C, client)

    def _standard(self, cls: type[C]) -> C:
        provider = cast(ProviderName, cls.provider)
        kwargs = self._common(provider, cls.DEFAULT_BASE_URL)
        if issubclass(cls, KeyedProviderClient):
            kwargs["api_key"] = self._secret(provider)
        return cls(self._transport_for(provider), **kwargs)

    def _common(self, provider: ProviderName, default_url: str) -> dict[str, Any]:
        settings = self.config.provider(provider)
        return {"base_url": settings.base_url or default_url, "max_bytes": settings.max_bytes}

    def _transport_for(self, provider: ProviderName) -> Transport:
        if self._transport is not None:
            return self._wrapped(self._transport)
        settings = self.config.provider(provider)
        return self._wrapped(RequestsTransport(connect_timeout=settings.connect_timeout_seconds))

    def _wrapped(self, transport: Transport) -> Transport:
        return self._wrap(transport) if self._wrap is not None else transport

    def _secret(self, provider: ProviderName) -> str:
        if self.snapshot is not None:
            return _REPLAY_SECRET
        (name, _), *_ = PROVIDER_CREDENTIALS[provider]
        value = self.credentials.get(name)
        assert value is not None  # require() said the provider is available
        return value

    def _sec_user_agent(self) -> str:
        configured = self.config.provider("sec_edgar").user_agent
        return (configured or self.credentials.get("sec_user_agent") or "").strip()

    def _build_yahoo(self) -> YahooClient:
        settings = self.config.provider("yahoo")
        transport: Transport
        if self._transport is not None or settings.base_url:
            transport = self._transport_for("yahoo")
        else:
            # Live Yahoo needs cookies and a crumb; yfinance keeps up with how to get them.
            from tradingagents.providers.yahoo.transport import YfinanceTransport  # noqa: PLC0415

            transport = self._wrapped(YfinanceTransport())
        return YahooClient(transport, **self._common("yahoo", YahooClient.DEFAULT_BASE_URL))

    def _build_reddit(self) -> RedditClient:
        kwargs: dict[str, Any] = self._common("reddit", RedditClient.DEFAULT_BASE_URL)
        user_agent = self.credentials.get("reddit_user_agent")
        if user_agent:
            kwargs["user_agent"] = user_agent
        client_id = self.credentials.get("reddit_client_id")
        client_secret = self.credentials.get("reddit_client_secret")
        # Replay serves the public listings it recorded; OAuth is for the live API only.
        if self.snapshot is None and client_id and client_secret:
            kwargs["credentials"] = RedditCredentials(client_id, client_secret)
            kwargs["clock"] = self._clock
            if self.config.provider("reddit").base_url:
                # One local base URL serves the token and the listings (tests, mirrors).
                base = kwargs["base_url"].rstrip("/")
                kwargs.update(oauth_base_url=base, token_url=f"{base}/api/v1/access_token")
        return RedditClient(self._transport_for("reddit"), **kwargs)

    def _build_sec_edgar(self) -> SecEdgarClient:
        settings = self.config.provider("sec_edgar")
        user_agent = self._sec_user_agent() or "tradingagents replay (no requests are sent)"
        kwargs: dict[str, Any] = {"max_bytes": settings.max_bytes}
        if settings.base_url:
            # One local base URL serves all three EDGAR hosts (tests, mirrors).
            kwargs.update(
                base_url=settings.base_url, data_url=settings.base_url, efts_url=settings.base_url
            )
        return SecEdgarClient(self._transport_for("sec_edgar"), user_agent=user_agent, **kwargs)
