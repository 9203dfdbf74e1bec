"""YfinanceTransport: live Yahoo access through yfinance, which handles cookies and the crumb."""

from __future__ import annotations

import time
from typing import Any

from tradingagents.errors import (
    ProviderError,
    ProviderRateLimited,
    ProviderResponseTooLarge,
    ProviderTimeout,
)
from tradingagents.http import Request, Response, library_error, library_exceptions

LIVE_EXTRA_MISSING = "live Yahoo access needs the 'live' extra: pip install 'tradingagents[live]'"

_Errors = tuple[type[BaseException], ...]


class YfinanceTransport:
    """A :class:`~tradingagents.http.Transport` over yfinance's shared ``YfData``.

    Yahoo answers plain HTTP clients with 401 "Invalid Crumb"; ``YfData`` fetches the cookie and
    crumb, adds the crumb to every request and impersonates a browser (curl_cffi). Its session
    sends its own browser headers, so ``Request.headers`` are not sent. On first use the crumb
    fetch runs under yfinance's own timeout and can outlast ``timeout``; the scanner deadline
    still discards a late result.
    """

    def __init__(self) -> None:
        # Imported here, not at module level: yfinance is an optional extra, and replay and
        # tests run without it.
        try:
            import yfinance.data  # noqa: PLC0415
            import yfinance.exceptions  # noqa: PLC0415
        except ImportError as exc:
            raise ImportError(LIVE_EXTRA_MISSING) from exc
        self._data: Any = yfinance.data.YfData()
        self._rate_limited: _Errors = (yfinance.exceptions.YFRateLimitError,)
        self._yfinance_errors: _Errors = (yfinance.exceptions.YFException,)

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        if request.method != "GET":
            # yfinance's data layer only GETs: never send something else than what was asked.
            raise ProviderError(
                f"the yfinance transport sends GET only, not {request.method}",
                provider=request.provider,
            )
        if timeout <= 0:
            raise ProviderTimeout("no time left for the request", provider=request.provider)
        params = {**request.params, **request.secret_params}
        start = time.monotonic()
        # Messages carry the server and exception type names only: library messages can hold
        # the URL and crumb. What yfinance logs meanwhile ("Cookie/crumb fetch failed...") goes
        # into the call's tool log (see ProviderClient.send), not to the terminal.
        try:
            raw = self._data.get(request.url, params=params, timeout=timeout)
        except self._rate_limited:
            # yfinance turns a 429 that survives its retry into an exception, not a response.
            raise ProviderRateLimited(
                "HTTP 429 from yahoo", status=429, provider=request.provider
            ) from None
        except self._yfinance_errors as exc:
            raise ProviderError(
                f"yfinance failed ({type(exc).__name__})", provider=request.provider
            ) from None
        except library_exceptions() as exc:
            # Timeouts, and connection failures classified from their causes (DNS, refused,
            # TLS...), named by server.
            raise library_error(request, start, exc) from None
        body = bytes(raw.content)
        # YfData reads the whole body before returning (it cannot stream), so the cap is checked
        # after the fact: it cannot save memory here, but it keeps an oversized body from
        # reaching the parsers and snapshots, as with every other transport.
        if len(body) > max_bytes:
            raise ProviderResponseTooLarge(
                f"response body over {max_bytes} bytes", provider=request.provider
            )
        return Response(
            status=int(raw.status_code),
            body=body,
            headers={str(k): str(v) for k, v in raw.headers.items() if v is not None},
            url=request.public_url(),
            elapsed_s=time.monotonic() - start,
        )
