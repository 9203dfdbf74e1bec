"""One provider call on its way through stacked handlers, and the handler that sends it once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tradingagents.clock import Clock
from tradingagents.errors import ProviderCancelled, ProviderRateLimited
from tradingagents.http.chatter import CallNotes, captured
from tradingagents.http.messages import Request, Response, Transport


@dataclass
class Exchange:
    """A logical call: the request, its deadline (on the clock's ``monotonic``) and what the
    handlers it passed through did (attempts, waits, cache use), for its tool log and metrics.

    ``validate`` checks a body before it is returned or cached (a parser that raises
    :class:`~tradingagents.errors.ProviderParseError`); :meth:`accept` runs it once per response.
    """

    request: Request
    deadline: float
    max_bytes: int
    cancelled: threading.Event | None = None
    validate: Callable[[Response], object] | None = None
    notes: CallNotes = field(default_factory=CallNotes)
    attempts: int = 0
    http_429: int = 0
    waited_rate_limit_s: float = 0.0
    waited_backoff_s: float = 0.0
    cache: str | None = None  # "hit", "miss" or "stale"; None when no cache was asked
    output: str | None = None  # what the tool log shows the call returned
    _accepted: Response | None = field(default=None, repr=False)

    def stop_if_cancelled(self) -> None:
        # A cancelled run sends nothing more: no retry, no new request (one in flight is
        # abandoned by the engine, and its failure ends here instead of being retried).
        if self.cancelled is not None and self.cancelled.is_set():
            raise ProviderCancelled(
                "not sent: the scanner's run was cancelled", provider=self.request.provider
            )

    def accept(self, response: Response, *, output: str | None = None) -> Response:
        """``response`` once ``validate`` passed on it, with ``output`` (default: its status and
        size) as what the call returned; validating the same response again is a no-op."""
        if response is self._accepted:
            return response
        self.output = output or f"HTTP {response.status}, {len(response.body)} bytes"
        if self.validate is not None:
            self.validate(response)
        self._accepted = response
        return response

    def details(self) -> dict[str, Any]:
        """The call's resilience figures, as its tool log shows them."""
        return {
            "attempts": self.attempts,
            "waited_rate_limit_s": self.waited_rate_limit_s,
            "waited_backoff_s": self.waited_backoff_s,
            "cache": self.cache,
        }


class Handler(Protocol):
    """One layer of a call: sends the exchange's request (perhaps through an inner handler)."""

    def handle(self, exchange: Exchange) -> Response: ...


class SendOnce:
    """The innermost handler: one attempt through ``transport``, statuses mapped by the client."""

    def __init__(
        self, transport: Transport, clock: Clock, raise_for_status: Callable[[Response], None]
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.raise_for_status = raise_for_status

    def handle(self, exchange: Exchange) -> Response:
        exchange.stop_if_cancelled()
        # Counted here, below any rate limiter: a refused token sent nothing upstream.
        exchange.attempts += 1
        left = exchange.deadline - self.clock.monotonic()
        try:
            # What yfinance or urllib3 log during the call: kept in its tool log, off the
            # terminal.
            with captured(exchange.notes):
                response = self.transport.send(
                    exchange.request, timeout=left, max_bytes=exchange.max_bytes
                )
            self.raise_for_status(response)
        except ProviderRateLimited as exc:
            # Some transports (yfinance) raise the 429 themselves instead of returning it.
            if exc.status == 429:
                exchange.http_429 += 1
            raise
        return response
