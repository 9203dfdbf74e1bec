"""The HTTP seam of every provider: a typed request and response, and the Transport protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import urlencode

# Far above any real response of the APIs we use.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


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
