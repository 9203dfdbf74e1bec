"""Optional tracing hooks the engine and ScanContext call; no tracing library is needed here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

_T = TypeVar("_T")

logger = logging.getLogger("tradingagents.tracing")


def traced(call: Callable[..., _T], *args: Any) -> _T | None:
    """Call a tracer; one that raises is logged and ignored: tracing must never break a scan.

    The one guard around every tracer call (engine and ScanContext), so a third-party
    tracer needs none of its own.
    """
    try:
        return call(*args)
    except Exception:
        logger.warning("scanner tracer failed", exc_info=True)
        return None


class ScannerTrace(Protocol):
    """One scanner's traced run; every method is safe from any thread and at any time.

    Calls after the run is closed (a scanner still working after its timeout) are ignored,
    and closing it closes the tool calls still open, so a late tool call never fails.
    Everything passed in is already redacted.
    """

    def start(self, inputs: Mapping[str, Any]) -> None:
        """The scanner started (its worker thread is about to call ``scan``)."""

    def tool_start(self, tool: str, parameters: Mapping[str, Any]) -> object | None:
        """A tool call started; returns a handle for :meth:`tool_end`."""

    def tool_end(self, handle: object | None, entry: Mapping[str, Any]) -> None:
        """A tool call ended with its tool-log ``entry``; ``handle`` None: it is reported
        whole now (``ctx.log_tool_call`` after the fact)."""

    def end(self, outputs: Mapping[str, Any]) -> None:
        """The scanner's run ended without an error: ``ok``, or not run at all (``skipped``,
        ``circuit_open``: the reason is in ``outputs``)."""

    def fail(self, message: str, outputs: Mapping[str, Any]) -> None:
        """The scanner's run failed: ``error``, ``timeout``, or the whole run was interrupted."""


class RunTracer(Protocol):
    """Hands the engine one :class:`ScannerTrace` per scanner; making one emits nothing."""

    def scanner(self, name: str, pipeline: str) -> ScannerTrace: ...
