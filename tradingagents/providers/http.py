"""The HTTP seam of every provider: typed request/response, swappable transports, size cap."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import urlencode

import requests

from tradingagents.errors import (
    ProviderConnectionError,
    ProviderError,
    ProviderResponseTooLarge,
    ProviderTimeout,
)
from tradingagents.providers.connection import address_of, classify

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_PERMANENT = (
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.TooManyRedirects,
)  # far above any real response of the APIs we use
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One request to a provider: a GET, or a POST of ``form`` (URL-encoded).

    ``secret_params`` and ``secret_headers`` (API keys, ``Authorization``) are sent but never
    logged, cached or recorded, and kept out of the repr. ``snapshot_path`` files the response
    in snapshots under another path than the URL's, for an endpoint reachable by two URLs.
    """

    provider: str
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_params: Mapping[str, str] = field(default_factory=dict, repr=False)
    method: Literal["GET", "POST"] = "GET"
    form: Mapping[str, str] = field(default_factory=dict)
    secret_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    snapshot_path: str | None = None

    def __post_init__(self) -> None:
        if self.form and self.method != "POST":
            raise ValueError(f"a form body needs a POST, not a {self.method}")

    def secret_values(self) -> set[str]:
        """The secret values this request carries: its secret parameters, and its secret
        headers whole and without their scheme (``bearer <token>``: an echo holds the token)."""
        values = set(self.secret_params.values())
        for value in self.secret_headers.values():
            values.add(value)
            values.update(value.split()[1:])
        return {v for v in values if v}

    def public_url(self) -> str:
        """The URL with its public query parameters (sorted): what logs and snapshots key on."""
        if not self.params:
            return self.url
        return f"{self.url}?{urlencode(sorted(self.params.items()))}"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    elapsed_s: float = 0.0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


class Transport(Protocol):
    """Sends a request and returns the raw response, or raises a ProviderError.

    Transports translate their own library's exceptions (timeouts, resets) into
    :class:`ProviderTimeout` / :class:`ProviderConnectionError`; HTTP statuses are left to
    the provider client, which knows what each one means for its API. A transport that cannot
    send ``request.method`` raises a ProviderError rather than sending something else.
    """

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response: ...


def _abort(raw: requests.Response, aborted: threading.Event) -> None:
    """Shut the response's socket down: unlike close(), this wakes a thread blocked in recv."""
    aborted.set()
    sock = getattr(getattr(raw.raw, "connection", None), "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


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
    :func:`~tradingagents.providers.connection.classify`) and named by server, never by URL."""
    failure = classify(exc, request.url)
    return ProviderConnectionError(
        failure.message(),
        kind=failure.kind,
        host=failure.host,
        port=failure.port,
        provider=request.provider,
        elapsed=time.monotonic() - start,
    )


def _keep_headers(prepared: requests.PreparedRequest) -> requests.PreparedRequest:
    return prepared


def _has_authorization(headers: Mapping[str, str]) -> bool:
    return any(name.lower() == "authorization" for name in headers)


class RequestsTransport:
    """A transport over a ``requests.Session`` (live HTTP, and local test servers).

    Reads the body in chunks and stops at ``max_bytes``, so an endless or oversized body cannot
    exhaust memory. The read timeout only bounds each ``recv``, so a body that drips one byte a
    second would never trip it: a watchdog shuts the socket down when ``timeout`` has passed,
    which wakes the blocked read, and the request fails as a timeout at its deadline.
    """

    def __init__(self, session: requests.Session | None = None, *, connect_timeout: float = 5.0):
        self.session = session or requests.Session()
        self.connect_timeout = connect_timeout

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        if timeout <= 0:
            raise ProviderTimeout("no time left for the request", provider=request.provider)
        params = {**request.params, **request.secret_params}
        headers = {**request.headers, **request.secret_headers}
        start = time.monotonic()
        deadline = start + timeout
        try:
            with self.session.request(
                request.method,
                request.url,
                params=params,
                data=dict(request.form) or None,
                headers=headers,
                # Given no auth, requests applies ~/.netrc credentials over our Authorization.
                auth=_keep_headers if _has_authorization(headers) else None,
                timeout=(min(self.connect_timeout, timeout), timeout),
                stream=True,
            ) as raw:
                aborted = threading.Event()
                watchdog = threading.Timer(
                    max(deadline - time.monotonic(), 0.0), _abort, args=(raw, aborted)
                )
                watchdog.daemon = True
                watchdog.start()
                chunks: list[bytes] = []
                size = 0
                try:
                    for chunk in raw.iter_content(_CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise ProviderResponseTooLarge(
                                f"response body over {max_bytes} bytes", provider=request.provider
                            )
                        chunks.append(chunk)
                        if time.monotonic() > deadline:
                            raise ProviderTimeout(
                                f"body still arriving after {timeout:.3g}s",
                                provider=request.provider,
                            )
                except requests.RequestException:
                    if aborted.is_set():
                        raise ProviderTimeout(
                            f"body still arriving after {timeout:.3g}s",
                            provider=request.provider,
                            elapsed=time.monotonic() - start,
                        ) from None
                    raise
                finally:
                    watchdog.cancel()
                return Response(
                    status=raw.status_code,
                    body=b"".join(chunks),
                    headers=dict(raw.headers),
                    url=request.public_url(),
                    elapsed_s=time.monotonic() - start,
                )
        except requests.Timeout as exc:
            raise timed_out(request, start, exc) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # SSLError and ProxyError included: connection_failed tells them apart.
            raise connection_failed(request, start, exc) from None
        except _PERMANENT as exc:
            # A bad URL, a certificate or a redirect loop will fail the same way every time.
            raise ProviderError(
                f"request failed ({type(exc).__name__})", provider=request.provider
            ) from None
        except requests.RequestException as exc:
            raise ProviderConnectionError(
                f"request failed ({type(exc).__name__})", provider=request.provider
            ) from None
