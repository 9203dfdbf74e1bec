"""Live-mode rules found in review: breakers fail open, trials, shared limiters, secrets."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_scanner, returning
from tradingagents.clock import FakeClock
from tradingagents.config import load_config
from tradingagents.credentials import Credentials
from tradingagents.discovery import ScanContext
from tradingagents.errors import ProviderConnectionError, ProviderError, ProviderHTTPError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, RequestsTransport
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy
from tradingagents.wiring import build_hub

DAY = "2026-11-20"


def live(tmp_path: Path, **resilience: Any) -> dict[str, Any]:
    return {
        "discovery": {
            "source": {"mode": "live"},
            "resilience": {"state_dir": str(tmp_path), **resilience},
        }
    }


def test_a_locked_breaker_store_never_loses_the_run(tmp_path: Path) -> None:
    # Each access waits out SQLite's busy timeout (1 s) before giving up: 0.1 s proves the same.
    board = BreakerBoard(tmp_path / "breakers.sqlite", BreakerPolicy(), busy_timeout_s=0.1)
    board.status("x")  # create the file
    blocker = sqlite3.connect(tmp_path / "breakers.sqlite", timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        locked = BreakerBoard(tmp_path / "breakers.sqlite", BreakerPolicy(), busy_timeout_s=0.1)
        graph = DiscoveryGraph(
            live(tmp_path), [make_scanner("a", returning("AAPL"))], breakers=locked
        )
        state = graph.run(DAY)
    finally:
        blocker.rollback()
        blocker.close()
    assert [c["ticker"] for c in state["candidates"]] == ["AAPL"]
    assert state["scanner_runs"][0]["status"] == "ok"
    assert any("breaker" in w for w in state["run_summary"].get("warnings", []))


def test_a_skipped_half_open_trial_frees_the_trial(tmp_path: Path) -> None:
    clock = FakeClock()
    board = BreakerBoard(
        tmp_path / "b.sqlite", BreakerPolicy(failure_threshold=1, reset_timeout_s=60), clock=clock
    )
    board.record("s", "error", "boom")
    clock.advance(61)
    assert board.admit("s") is None  # the trial
    board.record("s", "skipped")
    assert board.admit("s") is None  # not "trial has not reported" for another hour


def test_open_to_half_open_is_reported_in_the_run_summary(tmp_path: Path) -> None:
    clock = FakeClock()
    board = BreakerBoard(
        tmp_path / "b.sqlite", BreakerPolicy(failure_threshold=1, reset_timeout_s=60), clock=clock
    )
    board.record("ok_now", "error", "boom")
    clock.advance(61)
    graph = DiscoveryGraph(
        live(tmp_path), [make_scanner("ok_now", returning("F"))], breakers=board, clock=clock
    )
    transitions = graph.run(DAY)["run_summary"]["breaker_transitions"]
    assert transitions == {"ok_now": [["open", "half_open"], ["half_open", "closed"]]}


def test_two_graphs_in_one_process_share_one_limiter_per_provider(tmp_path: Path) -> None:
    config = load_config(live(tmp_path))
    first, second = build_hub(config), build_hub(config)
    assert first.resilience is not None and second.resilience is not None
    assert first.resilience.limiter("sec_edgar") is second.resilience.limiter("sec_edgar")


def test_a_key_passed_as_credentials_is_redacted_from_the_run(tmp_path: Path) -> None:
    key = "AV-INJECTED-KEY-998877"

    def leaky(ctx: ScanContext) -> list[Any]:
        raise ProviderError(f"We have detected your API key as {key} and our standard limit...")

    hub = build_hub(
        load_config(live(tmp_path)),
        credentials=Credentials.model_validate({"alpha_vantage_api_key": key}),
    )
    state = DiscoveryGraph(live(tmp_path), [make_scanner("leaky", leaky)], providers=hub).run(DAY)
    assert state["scanner_runs"][0]["status"] == "error"
    assert key not in repr(state)


@pytest.mark.parametrize("url", ["htps://example.test/x", "example.test/no-scheme"])
def test_a_malformed_url_is_a_permanent_error(url: str) -> None:
    with pytest.raises(ProviderError) as info:
        RequestsTransport().send(Request(provider="p", url=url), timeout=1, max_bytes=100)
    assert not info.value.retryable
    assert not isinstance(info.value, ProviderConnectionError)


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (501, False), (503, True), (505, False), (429, True)]
)
def test_which_statuses_are_retried(status: int, retryable: bool) -> None:
    assert ProviderHTTPError("x", status=status).retryable is retryable
