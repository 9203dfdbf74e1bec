"""ScanContext: each tool call logged exactly once, secrets known at log time, the run's clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from tradingagents import redaction
from tradingagents.clock import FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.errors import ScannerTimeout
from tradingagents.redaction import REDACTED, register_secret

DAY = date(2026, 11, 27)


class RecordingTrace:
    """A ScannerTrace that keeps what it was told."""

    def __init__(self) -> None:
        self.starts: list[str] = []
        self.ends: list[Mapping[str, Any]] = []

    def start(self, inputs: Mapping[str, Any]) -> None:
        pass

    def tool_start(self, tool: str, parameters: Mapping[str, Any]) -> object | None:
        self.starts.append(tool)
        return len(self.starts)

    def tool_end(self, handle: object | None, entry: Mapping[str, Any]) -> None:
        self.ends.append(entry)

    def end(self, outputs: Mapping[str, Any]) -> None:
        pass

    def fail(self, message: str, outputs: Mapping[str, Any]) -> None:
        pass


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets a test registers are forgotten after it."""
    monkeypatch.setattr(redaction, "_registered", set())


def failing_call(
    ctx: ScanContext, tool: str, error: Exception, *, clock: FakeClock | None = None, **params: Any
) -> None:
    """A tool call whose block sets some output, takes a second and a quarter, then raises."""
    with ctx.tool_call(tool, params) as call:
        call.output = f"partial {params}"
        if clock is not None:
            clock.advance(1.25)
        raise error


def context(clock: FakeClock, trace: RecordingTrace | None = None, **kwargs: Any) -> ScanContext:
    return ScanContext(
        scanner="s",
        trade_date=DAY,
        config={},
        deadline=clock.monotonic() + 10,
        trace=trace,
        clock=clock,
        **kwargs,
    )


def test_a_block_that_raises_is_logged_once_with_its_error_and_the_error_propagates() -> None:
    clock = FakeClock()
    trace = RecordingTrace()
    ctx = context(clock, trace)
    with pytest.raises(OSError, match="connection reset"):
        failing_call(ctx, "fetch", OSError("connection reset"), clock=clock, q=1)
    logs = ctx._close()
    assert logs == [
        {
            "scanner": "s",
            "tool": "fetch",
            "parameters": {"q": 1},
            "output": "partial {'q': 1}",
            "duration_s": 1.25,
            "error": "OSError: connection reset",
        }
    ]
    assert trace.ends == logs
    assert ctx.calls_in_flight() == []


def test_a_block_that_returns_is_logged_once_with_its_output() -> None:
    clock = FakeClock()
    trace = RecordingTrace()
    ctx = context(clock, trace)
    with ctx.tool_call("fetch", {"q": 2}) as call:
        clock.advance(0.5)
        call.output = [1, 2, 3]
    (entry,) = ctx._close()
    assert (entry["output"], entry["duration_s"]) == ("list[3]: [1, 2, 3]", 0.5)
    assert entry["error"] is None
    assert trace.starts == ["fetch"] and trace.ends == [entry]


def test_a_call_that_fails_then_one_that_succeeds_are_two_entries() -> None:
    ctx = context(FakeClock())
    with pytest.raises(ValueError, match="boom"):
        failing_call(ctx, "first", ValueError("boom"))
    with ctx.tool_call("second"):
        pass
    assert [(e["tool"], e["error"]) for e in ctx._close()] == [
        ("first", "ValueError: boom"),
        ("second", None),
    ]


def test_a_call_ending_after_the_log_closed_is_dropped() -> None:
    ctx = context(FakeClock())
    with ctx.tool_call("late"):
        # The engine closed the log (a deadline passed) while the call was in flight.
        assert ctx._close() == []
    with pytest.raises(ValueError, match="later"):
        failing_call(ctx, "later", ValueError("later"))
    assert ctx._close() == []


def test_remaining_and_cancellation_follow_the_run_clock_to_the_boundary() -> None:
    clock = FakeClock()
    ctx = context(clock)
    assert ctx.remaining() == 10.0
    clock.advance(9.5)
    assert ctx.remaining() == 0.5
    ctx.raise_if_cancelled()
    clock.advance(0.5)
    assert ctx.remaining() == 0.0
    with pytest.raises(ScannerTimeout):
        ctx.raise_if_cancelled()


@pytest.mark.usefixtures("fresh_registry")
def test_a_secret_learned_after_the_context_was_made_is_redacted() -> None:
    token = "oauth-token-learned-mid-run-7f3a"
    trace = RecordingTrace()
    ctx = context(FakeClock(), trace, secrets=frozenset({"known-at-start-1234"}))
    register_secret(token)  # an OAuth token fetched by the scanner's first call
    error = RuntimeError(f"quota exceeded for {token} and known-at-start-1234")
    with pytest.raises(RuntimeError):
        failing_call(ctx, "search", error, q=token)
    ctx.log_tool_call("after", {"q": token}, output=(token,))
    ctx.warn(f"page 2 failed for {token}")
    logs = ctx._close()
    assert token not in repr(logs) and "known-at-start-1234" not in repr(logs)
    assert token not in repr(ctx._take_warnings()) and token not in repr(trace.ends)
    assert logs[0]["parameters"] == {"q": REDACTED}
    assert logs[0]["error"] == f"RuntimeError: quota exceeded for {REDACTED} and {REDACTED}"
    assert logs[1]["output"] == f"list[1]: ['{REDACTED}']"
