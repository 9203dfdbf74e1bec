"""The one translation of HTTP-library exceptions (requests, curl_cffi, sockets) into ours."""

from __future__ import annotations

import time
from functools import cache

import requests

from tradingagents.errors import ProviderConnectionError, ProviderError, ProviderTimeout
from tradingagents.http.connection import address_of, classify
from tradingagents.http.messages import Request

_Errors = tuple[type[BaseException], ...]
# A bad URL or a redirect loop fails the same way every time: not worth a retry.
_PERMANENT: _Errors = (
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.TooManyRedirects,
)


@cache
def _timeouts() -> _Errors:
    found: _Errors = (requests.Timeout, TimeoutError)
    try:
        # yfinance uses curl_cffi when it is installed, and falls back to requests.
        from curl_cffi.requests import exceptions as curl  # noqa: PLC0415
    except ImportError:
        return found
    return (*found, curl.Timeout)


@cache
def library_exceptions() -> _Errors:
    """The exceptions :func:`library_error` translates: requests', curl_cffi's, the socket's."""
    found: _Errors = (requests.RequestException, OSError)
    try:
        from curl_cffi import CurlError  # noqa: PLC0415
        from curl_cffi.requests import exceptions as curl  # noqa: PLC0415
    except ImportError:
        return found
    return (*found, curl.RequestException, CurlError)


def library_error(request: Request, start: float, exc: BaseException) -> ProviderError:
    """``exc``, raised by an HTTP library while sending ``request`` (sent at ``start`` on
    ``time.monotonic``), as our exception: a :class:`ProviderTimeout`, a permanent
    :class:`ProviderError`, or a classified :class:`ProviderConnectionError`."""
    if isinstance(exc, _timeouts()):
        return timed_out(request, start, exc)
    if isinstance(exc, _PERMANENT):
        return ProviderError(f"request failed ({type(exc).__name__})", provider=request.provider)
    return connection_failed(request, start, exc)


def timed_out(request: Request, start: float, exc: BaseException) -> ProviderTimeout:
    """A library timeout as ours. Messages carry the server and the exception type only:
    library messages can hold the URL, and with it a key or a crumb."""
    elapsed = time.monotonic() - start
    name = type(exc).__name__
    doing = "connecting to" if "Connect" in name else "waiting for"
    address = address_of(request.url)
    return ProviderTimeout(
        f"timed out after {elapsed:.3g}s {doing} {address} ({name})",
        provider=request.provider,
        elapsed=elapsed,
    )


def connection_failed(
    request: Request, start: float, exc: BaseException
) -> ProviderConnectionError:
    """A library connection failure as ours, classified (DNS, refused, reset, TLS, proxy: see
    :func:`~tradingagents.http.connection.classify`) and named by server, never by URL."""
    failure = classify(exc, request.url)
    return ProviderConnectionError(
        failure.message(),
        kind=failure.kind,
        host=failure.host,
        port=failure.port,
        provider=request.provider,
        elapsed=time.monotonic() - start,
    )
