"""ProviderClient: the one place a provider's HTTP statuses become the project's exceptions."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar, Literal, TypeVar

from tradingagents.archive.store import RunArchiver
from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderHTTPError,
    ProviderRateLimited,
)
from tradingagents.http import DEFAULT_MAX_BYTES, Request, Response, Transport
from tradingagents.http.exchange import Exchange, Handler, SendOnce
from tradingagents.resilience.budget import Budgeted, RunBudgets
from tradingagents.resilience.guard import Resilience
from tradingagents.resilience.layers import (
    Cached,
    PauseRecheck,
    ProviderPause,
    RateLimited,
    Retrying,
)
from tradingagents.resilience.pauses import format_seconds

logger = logging.getLogger("tradingagents.providers")
T = TypeVar("T")

# Without a scanner deadline (a client used on its own), requests get this long.
DEFAULT_TIMEOUT_S = 30.0
MAX_RETRY_AFTER_S = 600.0
REPORT_MARGIN_S = 0.5


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


def _archive_of(ctx: ScanContext | None) -> RunArchiver | None:
    # The run's archive (RunServices.archive): every response it used, cache hits included.
    archive = getattr(getattr(ctx, "services", None), "archive", None)
    return archive if isinstance(archive, RunArchiver) else None


def _budgets_of(ctx: ScanContext | None) -> RunBudgets | None:
    # The run's budgets (RunServices.budgets); a client used on its own has none.
    budgets = getattr(getattr(ctx, "services", None), "budgets", None)
    return budgets if isinstance(budgets, RunBudgets) else None


class ProviderClient:
    """Base of the provider clients: builds requests, sends them, maps statuses, logs calls.

    Subclasses add one method per endpoint that calls :meth:`fetch` with a pure parse
    function. ``base_url`` and ``transport`` come from configuration, so tests point a real
    client at a local server and replay serves it from a snapshot.
    """

    provider: ClassVar[str]
    #: Where the live API is; config's ``providers.<name>.base_url`` replaces it (tests, mirrors).
    DEFAULT_BASE_URL: ClassVar[str]

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
        #: Rate limits, retries and caching, set by the ProviderHub in live mode.
        self.resilience: Resilience | None = None

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def build_request(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        method: Literal["GET", "POST"] = "GET",
        form: Mapping[str, str] | None = None,
        secret_headers: Mapping[str, str] | None = None,
        snapshot_path: str | None = None,
    ) -> Request:
        """The request for ``path`` (relative to ``base_url``, or absolute) with this client's
        headers and secret parameters; see :class:`Request` for the other fields."""
        return Request(
            provider=self.provider,
            url=self.url(path),
            params={k: str(v) for k, v in (params or {}).items()},
            headers=self.headers,
            secret_params=self.secret_params,
            method=method,
            form=dict(form or {}),
            secret_headers=dict(secret_headers or {}),
            snapshot_path=snapshot_path,
        )

    def fetch(
        self,
        ctx: ScanContext | None,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        tool: str,
        parse: Callable[[bytes], T],
    ) -> T:
        """GET and parse, as one logged tool call (see :meth:`fetch_request`)."""
        return self.fetch_request(ctx, self.build_request(path, params), tool=tool, parse=parse)

    def fetch_request(
        self, ctx: ScanContext | None, request: Request, *, tool: str, parse: Callable[[bytes], T]
    ) -> T:
        """Send and parse, as one logged tool call: a body that does not parse is logged as the
        call's error and never cached (an "Access Denied" page sent with 200 must not be
        served again for the cache's TTL)."""
        parsed: list[T] = []
        self.send(ctx, request, tool=tool, validate=lambda r: parsed.append(parse(r.body)))
        return parsed[0]

    def get(
        self,
        ctx: ScanContext | None,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        tool: str,
        validate: Callable[[Response], object] | None = None,
    ) -> Response:
        """GET ``path`` as one logged tool call (see :meth:`send`)."""
        return self.send(ctx, self.build_request(path, params), tool=tool, validate=validate)

    def send(
        self,
        ctx: ScanContext | None,
        request: Request,
        *,
        tool: str,
        validate: Callable[[Response], object] | None = None,
    ) -> Response:
        """Send ``request`` within the scanner's remaining time; log it as one tool call.

        Returns a 2xx response or raises a :class:`ProviderError` carrying provider, scanner
        and elapsed seconds. Only GETs use the response cache: a POST's answer (an OAuth
        token) is neither served from it nor stored in it. While it runs the call is in
        flight in ``ctx``, so a scanner timing out meanwhile names it.
        """
        if ctx is None:
            return self._send(ctx, request, tool=tool, validate=validate)
        with ctx.in_flight(tool, {"url": request.public_url()}):
            return self._send(ctx, request, tool=tool, validate=validate)

    def _send(
        self,
        ctx: ScanContext | None,
        request: Request,
        *,
        tool: str,
        validate: Callable[[Response], object] | None,
    ) -> Response:
        guard = self.resilience
        clock = guard.clock if guard is not None else SYSTEM_CLOCK
        remaining = ctx.remaining() if ctx is not None else DEFAULT_TIMEOUT_S
        # Requests end a little before the scanner's deadline, so that a timeout is still
        # reported as this call's error, and a stale cached copy can still be served.
        exchange = Exchange(
            request,
            deadline=clock.monotonic() + remaining - min(REPORT_MARGIN_S, 0.1 * remaining),
            max_bytes=self.max_bytes,
            cancelled=getattr(ctx, "cancelled", None),
            validate=validate,
        )
        start = time.monotonic()
        try:
            handler = self.handler(request, clock, budgets=_budgets_of(ctx))
            response = exchange.accept(handler.handle(exchange))
        except ProviderError as exc:
            exc.provider = exc.provider or self.provider
            exc.elapsed = time.monotonic() - start
            if ctx is not None:
                exc.scanner = ctx.scanner
            self._report(ctx, tool, exchange, time.monotonic() - start, exc)
            raise
        self._report(ctx, tool, exchange, time.monotonic() - start, None)
        archive = _archive_of(ctx)
        if archive is not None:
            archive.add(request, response)
        return response

    def archive_cached(self, ctx: ScanContext | None, request: Request, response: Response) -> None:
        """Archive ``response`` with the run's responses as if it had been fetched now: the
        answer to ``request`` a cache of the caller's own served (the universe's listing, kept
        per trade date), so the run's replay is served it too. Redacted as every response."""
        archive = _archive_of(ctx)
        if archive is not None:
            archive.add(request, response)

    def handler(
        self, request: Request, clock: Clock, *, budgets: RunBudgets | None = None
    ) -> Handler:
        """The handlers ``request`` passes through, outermost first: cache (GETs), retry, the
        run's request budget, the provider's pause, rate limit, the pause again (it may have
        begun while the call waited for its token), then one send through the transport; each
        present when configured (the budget in replay too, so a replay spends it like live)."""
        guard = self.resilience
        handler: Handler = SendOnce(self.transport, clock, self.raise_for_status)
        if guard is None:
            return handler if budgets is None else Budgeted(handler, budgets)
        limiter = guard.limiter(self.provider)
        pauses = guard.pauses
        if limiter is not None:
            if pauses is not None:
                handler = PauseRecheck(handler, pauses, clock)
            handler = RateLimited(handler, limiter)
        if pauses is not None:
            handler = ProviderPause(handler, pauses, clock)
        if budgets is not None:
            handler = Budgeted(handler, budgets)
        if guard.retry is not None:
            handler = Retrying(handler, guard.retry, clock, guard.rng)
        if guard.cache is not None and request.method == "GET":
            handler = Cached(handler, guard.cache)
        return handler

    def _report(
        self,
        ctx: ScanContext | None,
        tool: str,
        exchange: Exchange,
        duration_s: float,
        error: ProviderError | None,
    ) -> None:
        """Count the call in the run's metrics and log it as one tool call."""
        metrics = getattr(getattr(ctx, "services", None), "metrics", None)
        if metrics is not None:
            if error is not None:
                metrics.add_failure(self.provider, error)
            metrics.add(
                self.provider,
                calls=1,
                attempts=exchange.attempts,
                retries=max(0, exchange.attempts - 1),
                cache_hits=1 if exchange.cache == "hit" else 0,
                stale_served=1 if exchange.cache == "stale" else 0,
                failures=1 if error is not None else 0,
                rate_limit_wait_s=exchange.waited_rate_limit_s,
                backoff_s=exchange.waited_backoff_s,
                http_429=exchange.http_429,
            )
        if ctx is None:
            return
        details = exchange.details()
        if getattr(ctx, "breaker_state", None) is not None:
            details["breaker"] = ctx.breaker_state
        if exchange.notes:
            details["notes"] = exchange.notes.as_list()
        logged = {"url": exchange.request.public_url()}
        if exchange.request.method != "GET":
            logged["method"] = exchange.request.method
        ctx.log_tool_call(
            tool,
            logged,
            output=exchange.output,
            error=error,
            duration_s=duration_s,
            details=details,
        )

    def raise_for_status(self, response: Response) -> None:
        """Map HTTP error statuses to exceptions; providers override for quirks of their API."""
        status = response.status
        if status < 400:
            return
        message = f"HTTP {status} from {response.url or self.provider}"
        # 429 and 503 may carry Retry-After (RFC 9110 §10.2.3); the retry policy and the
        # provider pause honour it, and the message says it.
        retry_after = (
            parse_retry_after(response.header("Retry-After"))
            if status == 429 or status >= 500
            else None
        )
        if retry_after is not None:
            message += f" (Retry-After: {format_seconds(retry_after, up=True)} s)"
        if status == 429:
            raise ProviderRateLimited(
                message, status=status, retry_after=retry_after, provider=self.provider
            )
        if status in (401, 403):
            raise ProviderAuthError(message, status=status, provider=self.provider)
        raise ProviderHTTPError(
            message, status=status, retry_after=retry_after, provider=self.provider
        )


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
