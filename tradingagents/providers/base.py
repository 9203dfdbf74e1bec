"""ProviderClient: the one place a provider's HTTP statuses become the project's exceptions."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderHTTPError,
    ProviderRateLimited,
)
from tradingagents.providers.http import DEFAULT_MAX_BYTES, Request, Response, Transport

# Without a scanner deadline (a client used on its own), requests get this long.
DEFAULT_TIMEOUT_S = 30.0
MAX_RETRY_AFTER_S = 600.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds from now (delta-seconds or HTTP date), capped, never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER_S)


class ProviderClient:
    """Base of the provider clients: builds requests, sends them, maps statuses, logs calls.

    Subclasses add one method per endpoint that calls :meth:`get` and hands the body to a
    pure parse function. ``base_url`` and ``transport`` come from configuration, so tests
    point a real client at a local server and replay serves it from a snapshot.
    """

    provider: ClassVar[str]

    def __init__(
        self,
        transport: Transport,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        secret_params: Mapping[str, str] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.secret_params = dict(secret_params or {})
        self.max_bytes = max_bytes

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def get(
        self,
        ctx: ScanContext | None,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        tool: str,
    ) -> Response:
        """GET ``path`` within the scanner's remaining time; log it as one tool call.

        Returns a 2xx response or raises a :class:`ProviderError` carrying provider, scanner
        and elapsed seconds.
        """
        request = Request(
            provider=self.provider,
            url=self.url(path),
            params={k: str(v) for k, v in (params or {}).items()},
            headers=self.headers,
            secret_params=self.secret_params,
        )
        timeout = ctx.remaining() if ctx is not None else DEFAULT_TIMEOUT_S
        start = time.monotonic()
        logged = {"url": request.public_url()}
        try:
            response = self.transport.send(request, timeout=timeout, max_bytes=self.max_bytes)
            self.raise_for_status(response)
        except ProviderError as exc:
            exc.provider = exc.provider or self.provider
            exc.elapsed = time.monotonic() - start
            if ctx is not None:
                exc.scanner = ctx.scanner
                ctx.log_tool_call(tool, logged, error=exc, duration_s=exc.elapsed)
            raise
        if ctx is not None:
            ctx.log_tool_call(
                tool,
                logged,
                output=f"HTTP {response.status}, {len(response.body)} bytes",
                duration_s=time.monotonic() - start,
            )
        return response

    def raise_for_status(self, response: Response) -> None:
        """Map HTTP error statuses to exceptions; providers override for quirks of their API."""
        status = response.status
        if status < 400:
            return
        message = f"HTTP {status} from {response.url or self.provider}"
        if status == 429:
            raise ProviderRateLimited(
                message,
                status=status,
                retry_after=parse_retry_after(response.header("Retry-After")),
                provider=self.provider,
            )
        if status in (401, 403):
            raise ProviderAuthError(message, status=status, provider=self.provider)
        raise ProviderHTTPError(message, status=status, provider=self.provider)


class KeyedProviderClient(ProviderClient):
    """A client whose API key travels as the secret query parameter ``key_param``.

    The key reaches the server but never a log, cache key or snapshot (see ``Request``).
    """

    key_param: ClassVar[str]
    display_name: ClassVar[str]
    DEFAULT_BASE_URL: ClassVar[str]

    def __init__(
        self,
        transport: Transport,
        *,
        api_key: str,
        base_url: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError(f"{self.display_name} needs an API key")
        super().__init__(
            transport,
            base_url=base_url or self.DEFAULT_BASE_URL,
            secret_params={self.key_param: api_key.strip()},
            max_bytes=max_bytes,
        )
