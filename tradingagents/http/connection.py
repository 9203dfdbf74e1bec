"""What a failed connection was (DNS, refused, reset, TLS, proxy), whatever library raised it."""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

# libcurl error codes (https://curl.se/libcurl/c/libcurl-errors.html), as curl_cffi reports them.
_CURL_KINDS = {
    5: "proxy",  # CURLE_COULDNT_RESOLVE_PROXY
    6: "dns",  # CURLE_COULDNT_RESOLVE_HOST
    7: "connect",  # CURLE_COULDNT_CONNECT: refused, unreachable... curl does not say which
    35: "tls",  # CURLE_SSL_CONNECT_ERROR
    52: "reset",  # CURLE_GOT_NOTHING
    55: "reset",  # CURLE_SEND_ERROR
    56: "reset",  # CURLE_RECV_ERROR
    58: "tls",  # CURLE_SSL_CERTPROBLEM
    59: "tls",  # CURLE_SSL_CIPHER
    60: "tls",  # CURLE_PEER_FAILED_VERIFICATION
    77: "tls",  # CURLE_SSL_CACERT_BADFILE
    83: "tls",  # CURLE_SSL_ISSUER_ERROR
    90: "tls",  # CURLE_SSL_PINNEDPUBKEYNOTMATCH
    91: "tls",  # CURLE_SSL_INVALIDCERTSTATUS
    97: "proxy",  # CURLE_PROXY
}
# curl_cffi's exception classes, by name: importing curl_cffi here would make it a dependency.
_CURL_CLASS_KINDS = {"ProxyError": "proxy", "SSLError": "tls", "DNSError": "dns"}
# Checked in this order: a proxy or TLS failure wraps a lower-level error (a refused
# connection to the proxy), and what the user must fix is the proxy, not the socket.
_PRECEDENCE = ("proxy", "tls", "dns", "refused", "unreachable", "reset", "connect")
# How deep to follow causes: requests wraps urllib3, which wraps the socket error.
_MAX_CHAIN = 12


@dataclass(frozen=True)
class ConnectionFailure:
    """How a connection to ``host:port`` failed; ``kind`` is None when no cause was recognised.

    ``cause`` is the exception type name that showed the kind (or the outermost one).
    """

    kind: str | None
    host: str | None
    port: int | None
    cause: str

    @property
    def address(self) -> str:
        if self.host is None:
            return "the server"
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def message(self) -> str:
        """A message a user can act on; it names the server, never a URL's path or query."""
        host = self.host or "the server"
        if self.kind == "dns":
            return f"network unreachable (DNS lookup failed for {host})"
        if self.kind == "refused":
            return f"connection refused by {self.address}"
        if self.kind == "unreachable":
            return f"network unreachable (no route to {self.address})"
        if self.kind == "reset":
            return f"connection to {self.address} reset or closed ({self.cause})"
        if self.kind == "tls":
            return f"TLS handshake with {self.address} failed ({self.cause})"
        if self.kind == "proxy":
            # Never the proxy's URL: it can carry a user name and password.
            return f"proxy failed while connecting to {self.address} ({self.cause})"
        if self.kind == "connect":
            return f"could not connect to {self.address}"
        return f"connection to {self.address} failed ({self.cause})"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps, outermost first: causes, contexts, and the exceptions
    urllib3 and requests keep in ``reason`` or ``args`` instead."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < _MAX_CHAIN:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        # The context only when a traceback would show it: not after ``raise ... from``.
        context = None if current.__suppress_context__ else current.__context__
        linked = [current.__cause__, context, getattr(current, "reason", None)]
        linked += list(current.args)
        todo += [item for item in linked if isinstance(item, BaseException)]


def _kind_of(exc: BaseException) -> str | None:
    if isinstance(exc, requests.exceptions.ProxyError | urllib3.exceptions.ProxyError):
        return "proxy"
    if isinstance(exc, ssl.SSLError | requests.exceptions.SSLError | urllib3.exceptions.SSLError):
        return "tls"
    if isinstance(exc, socket.gaierror | urllib3.exceptions.NameResolutionError):
        return "dns"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "unreachable"
    if isinstance(
        exc,
        ConnectionResetError
        | ConnectionAbortedError
        | BrokenPipeError
        | http.client.RemoteDisconnected
        | requests.exceptions.ChunkedEncodingError,
    ):
        return "reset"
    if type(exc).__module__.startswith("curl_cffi"):
        code = getattr(exc, "code", None)
        if isinstance(code, int) and code in _CURL_KINDS:
            return _CURL_KINDS[code]
        for cls in type(exc).__mro__:
            if cls.__name__ in _CURL_CLASS_KINDS:
                return _CURL_CLASS_KINDS[cls.__name__]
    return None


def host_and_port(url: str) -> tuple[str | None, int | None]:
    """The server of ``url`` without its user info, the scheme's port when none is given."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a malformed port: name the host alone
        port = None
    if port is None and parts.scheme in ("http", "https"):
        port = 443 if parts.scheme == "https" else 80
    return parts.hostname, port


def address_of(url: str) -> str:
    """``host:port`` of ``url`` for messages ("the server" when it has no host)."""
    return ConnectionFailure(None, *host_and_port(url), "").address


def classify(exc: BaseException, url: str) -> ConnectionFailure:
    """How the connection behind ``exc`` failed, for a request to ``url``.

    The host and port come from ``url`` (without its user info), not from the exception's
    message, which can hold the whole URL and with it a key.
    """
    host, port = host_and_port(url)
    found: dict[str, str] = {}
    for item in _chain(exc):
        kind = _kind_of(item)
        if kind is not None:
            # The innermost one names the cause best (SSLCertVerificationError, not SSLError).
            found[kind] = type(item).__name__
    for kind in _PRECEDENCE:
        if kind in found:
            return ConnectionFailure(kind, host, port, found[kind])
    return ConnectionFailure(None, host, port, type(exc).__name__)
