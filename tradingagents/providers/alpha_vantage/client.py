"""AlphaVantageClient: TOP_GAINERS_LOSERS (API key sent as the secret ``apikey`` parameter)."""

from __future__ import annotations

from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderParseError
from tradingagents.providers.alpha_vantage.parse import (
    PROVIDER,
    TopMovers,
    parse_top_movers,
    raise_for_api_message,
)
from tradingagents.providers.base import ProviderClient
from tradingagents.providers.http import DEFAULT_MAX_BYTES, Response, Transport
from tradingagents.providers.parsing import load_json


class AlphaVantageClient(ProviderClient):
    """Alpha Vantage's daily top gainers, losers and most actively traded US tickers."""

    provider: ClassVar[str] = PROVIDER
    DEFAULT_BASE_URL: ClassVar[str] = "https://www.alphavantage.co"

    def __init__(
        self,
        transport: Transport,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("Alpha Vantage needs an API key")
        # A secret parameter reaches the server but never a log, cache key or snapshot.
        super().__init__(
            transport,
            base_url=base_url,
            secret_params={"apikey": api_key.strip()},
            max_bytes=max_bytes,
        )

    def raise_for_status(self, response: Response) -> None:
        """Also map the errors Alpha Vantage sends with HTTP 200 (quota notes, bad requests).

        Checked here, not only in the parser, so the tool-call log records them as failures.
        """
        super().raise_for_status(response)
        try:
            data = load_json(response.body, provider=self.provider)
        except ProviderParseError:
            return  # the parser reports a bad body, with the field that broke
        raise_for_api_message(data)

    def top_gainers_losers(self, ctx: ScanContext | None) -> TopMovers:
        """The latest top-20 gainers, losers and most actively traded tickers."""
        response = self.get(
            ctx,
            "/query",
            {"function": "TOP_GAINERS_LOSERS"},
            tool="alpha_vantage.top_gainers_losers",
        )
        return parse_top_movers(response.body)
