"""ScanContext: the read-only view of one run that a scanner gets instead of the graph state."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import count
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.discovery.coverage import CoverageNote
from tradingagents.discovery.fanout import ITEM_ORDER, MapResult, run_map
from tradingagents.discovery.tracing import ScannerTrace, traced
from tradingagents.errors import ProviderError, ScannerTimeout
from tradingagents.redaction import known_secrets, redact, redact_text, scrub

_OUTPUT_SUMMARY_CHARS = 300
_CALL_DETAIL_CHARS = 120
# How many calls in flight a timeout message names before it only counts the rest.
_CALLS_NAMED = 3

T = TypeVar("T")
R = TypeVar("R")


def deadline_passed(deadline: float, now: float) -> bool:
    """The one rule for every deadline: it has passed from the instant it is reached, so a
    result that arrives exactly at its deadline is late."""
    return now >= deadline


def freeze(value: Any) -> Any:
    """A deep read-only copy: mappings become ``MappingProxyType``, lists and sets tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(freeze(item) for item in value)
    return value


def summarize_output(output: Any, secrets: frozenset[str] | None = None) -> str | None:
    """A short, log-friendly description of a tool's output (never the whole payload), with
    ``secrets`` redacted before it is cut (an object's repr may spell one it holds)."""
    if output is None:
        return None
    if isinstance(output, str):
        text = output
    elif isinstance(output, list | tuple | set | frozenset | Mapping):
        text = f"{type(output).__name__}[{len(output)}]: {output!r}"
    else:
        text = repr(output)
    if secrets is not None:
        text = redact_text(text, secrets)
    if len(text) > _OUTPUT_SUMMARY_CHARS:
        text = text[: _OUTPUT_SUMMARY_CHARS - 3] + "..."
    return text


def call_detail(parameters: Mapping[str, Any]) -> str:
    """A short description of a call's parameters: a URL's path and query, else ``k=v`` pairs."""
    url = parameters.get("url")
    if isinstance(url, str) and len(parameters) <= 2:
        # The host says nothing the tool name does not; path and query name the resource.
        parts = urlsplit(url)
        text = parts.path + (f"?{parts.query}" if parts.query else "") if parts.netloc else url
    else:
        text = ", ".join(f"{key}={value}" for key, value in parameters.items())
    if len(text) > _CALL_DETAIL_CHARS:
        text = text[: _CALL_DETAIL_CHARS - 3] + "..."
    return text


@dataclass(frozen=True)
class CallInFlight:
    """A tool call that has started and not yet returned (parameters already redacted)."""

    tool: str
    detail: str
    started: float  # the run clock's monotonic() when it started

    def describe(self, now: float) -> str:
        subject = f"{self.tool} {self.detail}" if self.detail else self.tool
        return f"{subject} (started {max(0.0, now - self.started):.1f}s ago)"


def describe_calls_in_flight(calls: list[CallInFlight], now: float) -> str:
    """What a scanner is waiting on, oldest call first, e.g. for a timeout message."""
    if not calls:
        return "in scanner code, no call in flight"
    calls = sorted(calls, key=lambda call: call.started)
    named = ", ".join(call.describe(now) for call in calls[:_CALLS_NAMED])
    more = len(calls) - _CALLS_NAMED
    return f"waiting on {named}" + (f" and {more} more call{'s' * (more > 1)}" if more > 0 else "")


class ToolCall:
    """What :meth:`ScanContext.tool_call` yields: set ``output`` before the block ends."""

    __slots__ = ("output",)

    def __init__(self) -> None:
        self.output: Any = None


class ScanContext:
    """Everything a scanner may know about its run, and the only way it reports tool calls.

    A scanner never sees the graph state: it gets this object, whose ``config`` is a deep
    read-only mapping and whose tool-call log is private to the scanner until the engine
    collects it, so nothing is shared by aliasing.
    """

    __slots__ = (
        "_call_ids",
        "_clock",
        "_closed",
        "_config",
        "_deadline",
        "_in_flight",
        "_lock",
        "_log_keys",
        "_log_secrets",
        "_logs",
        "_scanner",
        "_secrets",
        "_trace",
        "_trade_date",
        "_warnings",
        "breaker_state",
        "cancelled",
        "coverage",
        "logger",
        "services",
    )

    def __init__(
        self,
        *,
        scanner: str,
        trade_date: date,
        config: Mapping[str, Any],
        deadline: float,
        cancelled: threading.Event | None = None,
        secrets: frozenset[str] = frozenset(),
        services: Any = None,
        trace: ScannerTrace | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._scanner = scanner
        # The engine's clock: ``deadline`` is on its monotonic scale.
        self._clock = clock
        self._trade_date = trade_date
        self._config = freeze(config)
        self._deadline = deadline
        self._secrets = secrets
        self._logs: list[dict[str, Any]] = []
        # Where each log goes at close: entries made by the items of a map in item order, not
        # in the order their threads happened to finish (see ITEM_ORDER).
        self._log_keys: list[tuple[int, ...]] = []
        # The secret sets the logs were redacted with: one learned later is scrubbed at close.
        self._log_secrets: set[frozenset[str]] = set()
        self._warnings: list[str] = []
        # Calls started and not yet returned, by id: scanners may call from several threads.
        self._in_flight: dict[int, CallInFlight] = {}
        # One increasing sequence for call ids and log keys.
        self._call_ids = count()
        self._lock = threading.Lock()
        self._closed = False
        # The engine's optional tracing hook (LangChain callbacks); None costs one check.
        self._trace = trace
        #: Set when the deadline passes or the run is cancelled; long loops should check it.
        self.cancelled = cancelled if cancelled is not None else threading.Event()
        self.logger = logging.getLogger(f"tradingagents.scanners.{scanner}")
        #: The run's shared services (provider clients, shared loads); see
        #: :class:`tradingagents.services.RunServices`. None when a scanner runs without them.
        self.services = services
        #: The scanner's circuit-breaker state when it started (live mode), for the tool logs.
        self.breaker_state: str | None = None
        #: How much of the universe the scanner saw; it reports with ``ctx.coverage.add``.
        self.coverage = CoverageNote()

    @property
    def scanner(self) -> str:
        return self._scanner

    @property
    def trade_date(self) -> date:
        """The date the run is for. Scanners are point-in-time: never use ``datetime.now()``."""
        return self._trade_date

    @property
    def config(self) -> Mapping[str, Any]:
        """This scanner's validated settings (read-only)."""
        config: Mapping[str, Any] = self._config
        return config

    @property
    def deadline(self) -> float:
        """The ``monotonic()`` value of the run's clock (``time.monotonic()`` unless a test
        injects one) by which the scanner must be done; prefer :meth:`remaining`."""
        return self._deadline

    def remaining(self) -> float:
        """Seconds left before the deadline (0.0 once passed); use it for HTTP timeouts."""
        return max(0.0, self._deadline - self._clock.monotonic())

    def raise_if_cancelled(self) -> None:
        """Raise :class:`ScannerTimeout` if the deadline passed or the run was cancelled."""
        if self.cancelled.is_set() or deadline_passed(self._deadline, self._clock.monotonic()):
            raise ScannerTimeout("cancelled", scanner=self._scanner)

    def _known(self) -> frozenset[str]:
        return known_secrets(self._secrets)

    def log_tool_call(
        self,
        tool: str,
        parameters: Mapping[str, Any] | None = None,
        output: Any = None,
        error: BaseException | str | None = None,
        *,
        duration_s: float | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Record one tool call; it appears exactly once in the graph state's ``tool_logs``.

        Parameters, output and error are redacted (API keys, tokens) and the output is
        summarised. Calls made after the scanner's deadline are dropped with its late result.
        """
        known = self._known()
        entry = self._entry(tool, parameters, output, error, duration_s, details, known)
        self._append(entry, None, known)

    def _entry(
        self,
        tool: str,
        parameters: Mapping[str, Any] | None,
        output: Any,
        error: BaseException | str | None,
        duration_s: float | None,
        details: Mapping[str, Any] | None,
        known: frozenset[str],
    ) -> dict[str, Any]:
        if isinstance(error, BaseException):
            error_text: str | None = f"{type(error).__name__}: {error}"
        else:
            error_text = error
        entry = {
            "scanner": self._scanner,
            "tool": tool,
            "parameters": redact(dict(parameters or {}), known),
            "output": summarize_output(redact(output, known), known),
            "duration_s": None if duration_s is None else round(duration_s, 6),
            "error": redact(error_text, known),
        }
        if details:
            # attempts, seconds waited for rate limits and backoff, cache use, breaker state
            entry.update(redact(dict(details), known))
        return entry

    def _append(self, entry: dict[str, Any], handle: object | None, known: frozenset[str]) -> None:
        with self._lock:
            if self._closed:
                self.logger.debug("dropped tool call %r logged after the deadline", entry["tool"])
                return
            self._logs.append(entry)
            self._log_keys.append((*ITEM_ORDER.get(), next(self._call_ids)))
            self._log_secrets.add(known)
        # Outside the lock: a callback handler may be slow. Traced only when kept, so a trace
        # holds exactly the tool logs (a call still open at close is closed by the trace).
        if self._trace is not None:
            traced(self._trace.tool_end, handle, entry)

    @contextmanager
    def tool_call(
        self, tool: str, parameters: Mapping[str, Any] | None = None
    ) -> Iterator[ToolCall]:
        """Time a tool call and log it, with the exception if the block raises (then re-raised).

        While the block runs the call is in flight: a timeout names it (see :meth:`in_flight`).
        """
        call = ToolCall()
        handle = None
        if self._trace is not None:
            # Opened now so that a trace shows the call while it runs, not only once logged.
            handle = traced(
                self._trace.tool_start, tool, redact(dict(parameters or {}), self._known())
            )
        start = self._clock.monotonic()
        error: BaseException | None = None
        try:
            with self.in_flight(tool, parameters):
                yield call
        except BaseException as exc:
            error = exc
            raise
        finally:
            # The one place the call is logged, whether the block returned or raised.
            duration = self._clock.monotonic() - start
            known = self._known()
            entry = self._entry(tool, parameters, call.output, error, duration, None, known)
            self._append(entry, handle, known)

    @contextmanager
    def in_flight(self, tool: str, parameters: Mapping[str, Any] | None = None) -> Iterator[None]:
        """Mark a call as in flight while the block runs, without logging it.

        For code that logs its calls itself (the provider clients): if the scanner's deadline
        passes meanwhile, its timeout says it was waiting on this call, and for how long.
        """
        detail = call_detail(redact(dict(parameters or {}), self._known()))
        entry = CallInFlight(tool, detail, self._clock.monotonic())
        with self._lock:
            key = next(self._call_ids)
            self._in_flight[key] = entry
        try:
            yield
        finally:
            with self._lock:
                del self._in_flight[key]

    def calls_in_flight(self) -> list[CallInFlight]:
        """The calls started and not yet returned, oldest first (safe from any thread)."""
        with self._lock:
            calls = list(self._in_flight.values())
        return sorted(calls, key=lambda call: call.started)

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        limit: int | None = None,
        catch: type[Exception] | tuple[type[Exception], ...] = ProviderError,
    ) -> MapResult[T, R]:
        """Call ``fn`` on every item, at most ``limit`` at once (default: the run's
        ``scanner_execution.fan_out``); results and errors come back in item order.

        An item that raises ``catch`` is an error of that item; anything else stops the map
        (items in flight finish first, so their tool calls are logged) and is raised here. Once
        the deadline passes or the run is cancelled no item starts and this raises
        :class:`ScannerTimeout` at once; items in flight are abandoned with the scanner's late
        result. HTTP calls in items still wait for their provider's rate limiter. A map inside
        an item runs its items one after another in that item's thread.
        """
        return run_map(self, fn, items, limit=limit, catch=catch)

    def warn(self, message: str) -> None:
        """Note a partial failure (some symbols or pages could not be read); it goes into the
        scanner's record as ``warnings``, so a degraded result never passes for a clean one."""
        message = redact_text(str(message), self._known())
        with self._lock:
            if not self._closed:
                self._warnings.append(message)
        self.logger.warning("%s: %s", self._scanner, message)

    def _log_mark(self) -> int:
        """Where a map's logs sort: after every log made before it started (see ITEM_ORDER)."""
        return next(self._call_ids)

    def _take_warnings(self) -> list[str]:
        """Engine only: the warnings so far, scrubbed of any secret learned since."""
        known = self._known()
        with self._lock:
            return [redact_text(warning, known) for warning in self._warnings]

    def _close(self) -> list[dict[str, Any]]:
        """Engine only: stop accepting tool calls and hand over what was logged, scrubbed of
        any secret learned after a call was logged (an OAuth token its answer held)."""
        known = self._known()
        with self._lock:
            self._closed = True
            logs, self._logs = self._logs, []
            keys, self._log_keys = self._log_keys, []
            stale = self._log_secrets - {known}
            self._log_secrets = set()
        if any(len(key) > 1 for key in keys):
            order = sorted(range(len(logs)), key=keys.__getitem__)
            logs = [logs[index] for index in order]
        if stale:
            logs = [scrub(entry, known) for entry in logs]
        return logs
