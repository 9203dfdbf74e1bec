"""AlphaVantageClient: TOP_GAINERS_LOSERS (API key sent as the secret ``apikey`` parameter)."""

from __future__ import annotations

from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderParseError
from tradingagents.http import Response
from tradingagents.providers.alpha_vantage.parse import (
    PROVIDER,
    TopMovers,
    parse_top_movers,
    raise_for_api_message,
)
from tradingagents.providers.base import KeyedProviderClient
from tradingagents.providers.parsing import load_json


class AlphaVantageClient(KeyedProviderClient):
    """Alpha Vantage's daily top gainers, losers and most actively traded US tickers."""

    provider: ClassVar[str] = PROVIDER
    display_name: ClassVar[str] = "Alpha Vantage"
    key_param: ClassVar[str] = "apikey"
    DEFAULT_BASE_URL: ClassVar[str] = "https://www.alphavantage.co"

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
        return self.fetch(
            ctx,
            "/query",
            {"function": "TOP_GAINERS_LOSERS"},
            tool="alpha_vantage.top_gainers_losers",
            parse=parse_top_movers,
        )
