"""CancelToken: stops a discovery run from any thread, a signal handler included."""

from __future__ import annotations

import threading

from tradingagents.engine.records import ScannerRun


class CancelToken:
    """Cancels a discovery run from any thread: a signal handler, an event loop, a UI.

    Pass it to :func:`~tradingagents.engine.run_scanners` (or in
    ``config["configurable"]["discovery_cancel"]`` to a graph run). Within a few tens of
    milliseconds of :meth:`cancel`, every running scanner's ``ctx.cancelled`` is set, no queued
    scanner starts, and the engine raises :class:`~tradingagents.errors.DiscoveryCancelled`.
    Whether the run stopped on this token or on a ``KeyboardInterrupt``, ``scanner_runs`` then
    holds its records (status ``cancelled`` for the scanners that had not finished); None until
    the engine stopped on a cancellation.
    """

    def __init__(self) -> None:
        # Polled by the engine, never waited on with a lock held: cancel() may run in a signal
        # handler, which must not take a lock the interrupted thread holds.
        self._event = threading.Event()
        self.scanner_runs: list[ScannerRun] | None = None

    def cancel(self) -> None:
        """Cancel the run. Safe in a signal handler; idempotent."""
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()
