"""What a finished scanner tells the user: its log line, its progress event, its trace."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from tradingagents.discovery.tracing import ScannerTrace
from tradingagents.errors import ScannerTimeout

logger = logging.getLogger("tradingagents.engine")

Event = dict[str, Any]
EventSink = Callable[[Event], None]


def emit(sink: EventSink | None, event: Event) -> None:
    """Send a progress event; a failing sink is logged, never raised."""
    if sink is None:
        return
    try:
        sink(event)
    except Exception:  # progress reporting must never break the run
        logger.warning("progress event sink failed", exc_info=True)


def finished_event(record: Mapping[str, Any]) -> Event:
    return {
        "event": "scanner_finished",
        "scanner": record["name"],
        "status": record["status"],
        "candidates": record["candidates"],
        "duration_s": record["duration_s"],
        "error": record["error"],
        "reason": record["reason"],
        "coverage": record.get("coverage"),
    }


def close_trace(trace: ScannerTrace, record: Mapping[str, Any]) -> None:
    """End a scanner's traced run from its record (already redacted): ``ok``, ``skipped`` and
    ``circuit_open`` as ended runs (with the reason), any other status as a failure."""
    outputs = {
        key: record.get(key)
        for key in ("status", "candidates", "duration_s", "reason", "warnings", "error")
    }
    if record["status"] in ("ok", "skipped", "circuit_open"):
        trace.end(outputs)
        return
    # Errors, timeouts and any status added later (a cancelled run) are failures.
    error = record["error"]
    detail = f"{error['type']}: {error['message']}" if error else "no detail"
    trace.fail(f"{record['status']}: {detail}", outputs)


def describe(record: Mapping[str, Any]) -> str:
    """The one line logged when a scanner finishes, e.g. ``✓ market_movers: 10 candidates``."""
    name, status = record["name"], record["status"]
    if status == "ok":
        extra = []
        if record["rejected"]:
            extra.append(f"{len(record['rejected'])} rejected")
        if record["truncated"]:
            extra.append(f"{record['truncated']} over limit")
        if record.get("warnings"):
            extra.append(f"{len(record['warnings'])} warnings")
        suffix = f" ({', '.join(extra)})" if extra else ""
        count = record["candidates"]
        return f"✓ {name}: {count} candidate{'' if count == 1 else 's'}{suffix}"
    if status == "timeout":
        error = record["error"] or {}
        if error.get("type") == ScannerTimeout.__name__:
            return f"⏱️ {name}: timeout after {record['timeout_s']:g}s"
        return f"⏱️ {name}: timeout ({error.get('message', '')})"
    if status == "error":
        error = record["error"] or {}
        return f"⚠️ {name}: {error.get('type')} {error.get('message')}"
    if status == "circuit_open":
        return f"⛔ {name}: {record['reason']}"
    if status == "cancelled":
        return f"✖ {name}: cancelled"
    return f"⏭️ {name}: skipped ({record['reason']})"


def log_finished(record: Mapping[str, Any]) -> None:
    level = logging.INFO if record["status"] in ("ok", "skipped") else logging.WARNING
    logger.log(level, describe(record))
