"""RequestsTransport: live HTTP over ``requests``, with a size cap and a deadline on the body."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping

import requests

from tradingagents.errors import ProviderResponseTooLarge, ProviderTimeout
from tradingagents.http.errors import library_error
from tradingagents.http.messages import Request, Response

_CHUNK = 64 * 1024


def _abort(raw: requests.Response, aborted: threading.Event) -> None:
    """Shut the response's socket down: unlike close(), this wakes a thread blocked in recv."""
    aborted.set()
    sock = getattr(getattr(raw.raw, "connection", None), "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


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
        except requests.RequestException as exc:
            # SSLError and ProxyError included: library_error tells them apart.
            raise library_error(request, start, exc) from None
