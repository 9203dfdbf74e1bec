"""A secret learned mid-run (an OAuth token) never reaches what the engine records (issue 11)."""

from __future__ import annotations

import base64
import threading
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest

from tests.engine.inline import InlineExecutor
from tests.helpers import make_scanner
from tradingagents import redaction
from tradingagents.clock import FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.engine import ExecutionPolicy, ScanJob, ScannerOutcome, run_scanners
from tradingagents.redaction import REDACTED, register_secret

DAY = date(2026, 11, 27)
TOKEN = "oauth-token-fetched-mid-run-5c1e"


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token is learned during the run: unknown before it, forgotten after the test."""
    monkeypatch.setattr(redaction, "_registered", set())


def run(scan: Any, clock: FakeClock, executor: InlineExecutor | None = None) -> ScannerOutcome:
    job = ScanJob(make_scanner("s", scan)(), {"limit": None, "note": "no secret"}, 5.0)
    (outcome,) = run_scanners(
        [job],
        trade_date=DAY,
        policy=ExecutionPolicy(),
        executor=executor,
        secrets=frozenset(),  # what the run knew at its start: nothing
        clock=clock,
    )
    return outcome


def test_an_error_raised_after_learning_a_secret_is_recorded_without_it() -> None:
    def scan(ctx: ScanContext) -> list[Any]:
        register_secret(TOKEN)
        with ctx.tool_call("search", {"q": TOKEN}) as call:
            call.output = f"echo {TOKEN}"
        ctx.warn(f"page 2 failed for {TOKEN}")
        raise PermissionError(f"{TOKEN} was revoked")

    outcome = run(scan, FakeClock(), InlineExecutor())
    assert outcome.record["status"] == "error"
    assert TOKEN not in repr(outcome.record) and TOKEN not in repr(outcome.tool_logs)
    assert outcome.record["error"] == {
        "type": "PermissionError",
        "message": f"{REDACTED} was revoked",
    }


def test_rejected_candidates_are_recorded_without_a_secret_learned_mid_run() -> None:
    def scan(ctx: ScanContext) -> list[Any]:
        register_secret(TOKEN)
        # Rejection reasons quote the bad value.
        return [{"ticker": "F", "priority": "low", "context": "x", "signal": TOKEN}]

    outcome = run(scan, FakeClock(), InlineExecutor())
    assert outcome.record["status"] == "error"
    assert outcome.record["rejected"] == [
        {
            "index": 0,
            "reason": f"<candidate>: Value error, signal must be a number in [0, 1], "
            f"got '{REDACTED}'",
        }
    ]
    assert TOKEN not in repr(outcome.record)


def test_a_timeout_naming_a_call_does_not_show_a_secret_learned_after_it_started() -> None:
    clock = FakeClock()
    stopped = threading.Event()

    def scan(ctx: ScanContext) -> list[Any]:
        # The call starts with the token in its parameters before anyone knows it is secret.
        with ctx.tool_call("search", {"q": TOKEN}):
            register_secret(TOKEN)
            clock.advance(6.0)
            if ctx.cancelled.wait(10):
                stopped.set()
        return []

    outcome = run(scan, clock)
    assert stopped.wait(5)
    error = outcome.record["error"]
    assert error is not None and outcome.record["status"] == "timeout"
    assert error["message"] == (
        f"no result within 5s; waiting on search q={REDACTED} (started 6.0s ago)"
    )


def test_a_tool_log_made_before_the_secret_was_learned_is_scrubbed_when_collected() -> None:
    def scan(ctx: ScanContext) -> list[Any]:
        # The call's own answer is the token: only after logging it does the client know.
        ctx.log_tool_call("oauth", {"grant": "client_credentials"}, output={"access": TOKEN})
        register_secret(TOKEN)
        return []

    outcome = run(scan, FakeClock(), InlineExecutor())
    assert outcome.record["status"] == "ok"
    assert TOKEN not in repr(outcome.tool_logs)
    assert REDACTED in outcome.tool_logs[0]["output"]


def test_candidates_enter_the_state_scrubbed_with_their_other_fields_kept() -> None:
    encoded = base64.b64encode(TOKEN.encode()).decode()

    def scan(ctx: ScanContext) -> list[Any]:
        register_secret(TOKEN)
        return [
            {
                "ticker": "F",
                "priority": "low",
                "context": f"quota notice for {quote(TOKEN)}",
                "token_symbol": "ETH",  # named like a secret, holds none: kept for ranking
                "pages": (f"auth={encoded}", "p2"),
                "signal": 0.25,
            }
        ]

    outcome = run(scan, FakeClock(), InlineExecutor())
    (candidate,) = outcome.candidates
    assert candidate.context == f"quota notice for {REDACTED}"
    assert candidate.extras == {
        "token_symbol": "ETH",
        "pages": [f"auth={REDACTED}", "p2"],
        "signal": 0.25,
    }
    assert candidate.source == "s"
