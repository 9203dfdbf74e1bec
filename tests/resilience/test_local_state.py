"""Broken state files in live runs: each store heals or degrades, and the run keeps its results.

Every case is a whole live ``DiscoveryGraph`` run (the real Nasdaq client, transport, cache,
limiter and breakers) against a local server, with one state file broken for real: garbage
bytes, a truncated database, a file another connection holds with ``BEGIN EXCLUSIVE``, a
read-only file, a read-only state directory. The run must end ``ok`` with its candidate, say
what happened (a logged warning; for the breakers, ``run_summary["warnings"]``), and charge no
breaker. The graph records the run history itself, after the scanners ran.

Read-only cases skip as root (root writes anyway); to run them as root, drop the capability:
``setpriv --bounding-set -dac_override,-dac_read_search -- .venv/bin/python -m pytest FILE``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from tests.helpers import make_scanner
from tests.resilience.test_faults import BODY, DAY, PATH
from tradingagents.cli import app
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, show_breakers
from tradingagents.resilience.cache import ResponseCache
from tradingagents.run_history import RunHistory

CACHE, BREAKERS, HISTORY = "http_cache.sqlite", "breakers.sqlite", "history.sqlite"
Breaker = Callable[[Path], AbstractContextManager[None]]


@pytest.fixture
def nasdaq(httpserver: HTTPServer) -> Iterator[str]:
    httpserver.expect_request(PATH).respond_with_data(BODY, content_type="application/json")
    yield httpserver.url_for("").rstrip("/")
    httpserver.clear()


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "state"
    directory.mkdir()
    yield directory
    directory.chmod(0o755)  # a test made it read-only: pytest must still clean it up


def live_config(url: str, state_dir: Path) -> dict[str, Any]:
    return {
        "discovery": {
            "source": {"mode": "live"},
            "providers": {"nasdaq": {"base_url": url}},
            "scanner_execution": {"timeout_seconds": 10.0},
            "resilience": {"state_dir": str(state_dir)},
        }
    }


def probe(ctx: ScanContext) -> list[dict[str, Any]]:
    events = ctx.services.providers.nasdaq.earnings(ctx, DAY)
    return [{"ticker": e.symbol, "priority": "high", "context": "reports"} for e in events]


def live_run(url: str, state_dir: Path) -> dict[str, Any]:
    """One live run (the graph records its history)."""
    with DiscoveryGraph(live_config(url, state_dir), [make_scanner("probe", probe)]) as graph:
        return graph.run(DAY)


def history_not_updated(state: dict[str, Any]) -> bool:
    warnings = state["run_summary"].get("warnings") or []
    return any(w.startswith("run history not updated") for w in warnings)


# -- real files, really broken -----------------------------------------------------------------


def fill(path: Path) -> None:
    """A real database of the store that ``path`` names, a few pages long."""
    if path.name == CACHE:
        with_cache = ResponseCache(path)
        for day in range(60):
            req = Request(provider="nasdaq", url=f"https://x.test{PATH}", params={"d": str(day)})
            with_cache.put(req, Response(status=200, body=b"x" * 3000))
        with_cache.close()
    elif path.name == BREAKERS:
        with BreakerBoard(path, BreakerPolicy(failure_threshold=1000)) as board:
            for n in range(100):
                board.record(f"scanner_{n}", "error", "boom " * 50)
    else:
        with RunHistory(path) as history:
            for _ in range(50):
                history.record(
                    {"scanner_runs": [{"name": f"s{n}", "status": "ok"} for n in range(20)]}
                )


@contextmanager
def garbage(path: Path) -> Iterator[None]:
    path.write_bytes(b"{garbage, not a database\x00\xff" * 300)
    yield


@contextmanager
def truncated(path: Path) -> Iterator[None]:
    fill(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    yield


@contextmanager
def locked(path: Path) -> Iterator[None]:
    fill(path)
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        blocker.rollback()
        blocker.close()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    fill(path)
    path.chmod(0o444)
    if os.access(path, os.W_OK):
        pytest.skip("a read-only file stays writable for this user (root)")
    try:
        yield
    finally:
        # SQLite gives the -wal and -shm files it creates the database file's mode.
        for file in path.parent.glob(f"{path.name}*"):
            file.chmod(0o644)


BREAKS: dict[str, Breaker] = {
    "garbage": garbage,
    "truncated": truncated,
    "locked": locked,
    "read_only": read_only,
}
MOVED_ASIDE = {"garbage", "truncated"}


def assert_ok(state: dict[str, Any]) -> None:
    [run] = state["scanner_runs"]
    assert (run["status"], run["error"]) == ("ok", None)
    assert [c["ticker"] for c in state["candidates"]] == ["NDAQ"]
    assert state["run_summary"]["breaker_transitions"] == {}


def assert_no_breaker_charged(state_dir: Path, scanner: str = "probe") -> None:
    for status in show_breakers(state_dir / BREAKERS):
        if status.name == scanner:
            assert (status.state, status.consecutive_failures) == ("closed", 0), status


def warnings_of(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    found = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    return [message for message in found if text in message]


@pytest.mark.parametrize("kind", list(BREAKS))
def test_a_broken_cache_is_a_miss_with_a_warning(
    kind: str, nasdaq: str, state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with BREAKS[kind](state_dir / CACHE):
        state = live_run(nasdaq, state_dir)
    assert_ok(state)
    assert warnings_of(caplog, "response cache")
    assert_no_breaker_charged(state_dir)
    assert bool(list(state_dir.glob(f"{CACHE}.corrupt-*"))) is (kind in MOVED_ASIDE)
    assert_ok(live_run(nasdaq, state_dir))  # and the next run too


@pytest.mark.parametrize("kind", list(BREAKS))
def test_a_broken_breaker_file_fails_open_with_a_run_warning(
    kind: str, nasdaq: str, state_dir: Path
) -> None:
    with BREAKS[kind](state_dir / BREAKERS):
        state = live_run(nasdaq, state_dir)
    assert_ok(state)
    [warning] = [w for w in state["run_summary"]["warnings"] if "breaker state file" in w]
    if kind in MOVED_ASIDE:
        assert "moved to" in warning and list(state_dir.glob(f"{BREAKERS}.corrupt-*"))
        assert_no_breaker_charged(state_dir)
    else:
        assert "breakers fail open" in warning
    again = live_run(nasdaq, state_dir)
    assert_ok(again)
    assert "warnings" not in again["run_summary"]
    assert_no_breaker_charged(state_dir)


@pytest.mark.parametrize("kind", list(BREAKS))
def test_a_broken_history_costs_at_most_its_rows(
    kind: str,
    nasdaq: str,
    state_dir: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A locked file is waited for 2 s by default: 0.2 s proves the same.
    monkeypatch.setattr("tradingagents.run_history.OPEN_TIMEOUT_S", 0.2)
    with BREAKS[kind](state_dir / HISTORY):
        state = live_run(nasdaq, state_dir)
    assert_ok(state)
    assert_no_breaker_charged(state_dir)
    if kind in MOVED_ASIDE:
        assert not history_not_updated(state)
        assert warnings_of(caplog, "was corrupt")
        assert [w for w in state["run_summary"]["warnings"] if "was corrupt" in w]
        assert list(state_dir.glob(f"{HISTORY}.corrupt-*"))
    else:
        assert history_not_updated(state)
        assert warnings_of(caplog, "cannot record the run history")
    with RunHistory(state_dir / HISTORY) as history:
        assert len(history.recent("probe")) == (1 if kind in MOVED_ASIDE else 0)


def test_a_read_only_state_directory_degrades_every_store(
    nasdaq: str, state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in (CACHE, BREAKERS, HISTORY):
        fill(state_dir / name)
    state_dir.chmod(0o555)
    if os.access(state_dir, os.W_OK):
        pytest.skip("a read-only directory stays writable for this user (root)")
    state = live_run(nasdaq, state_dir)
    assert_ok(state)
    assert history_not_updated(state)
    assert warnings_of(caplog, "response cache")
    assert warnings_of(caplog, "cannot record the run history")
    assert [w for w in state["run_summary"]["warnings"] if "breakers fail open" in w]
    state_dir.chmod(0o755)
    assert_no_breaker_charged(state_dir)


def test_a_corrupt_cache_row_is_a_miss_and_is_replaced(
    nasdaq: str, state_dir: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert_ok(live_run(nasdaq, state_dir))
    conn = sqlite3.connect(state_dir / CACHE)
    with conn:
        assert conn.execute("UPDATE responses SET value = '{garbage'").rowcount == 1
    conn.close()
    for _ in range(4):  # enough failed runs to open a breaker, had they failed
        assert_ok(live_run(nasdaq, state_dir))
    # The second run found the row corrupt and fetched again; the later ones hit the new row.
    assert len(httpserver.log) == 2
    assert len(warnings_of(caplog, "dropped a corrupt row")) == 1
    assert_no_breaker_charged(state_dir)


def test_discover_on_the_command_line_survives_every_state_file_corrupt(
    nasdaq: str, state_dir: Path, tmp_path: Path
) -> None:
    for name in (CACHE, BREAKERS, HISTORY, "ratelimits.sqlite"):
        (state_dir / name).write_bytes(b"{garbage" * 500)
    config = tmp_path / "live.toml"
    config.write_text(
        f'[discovery]\nsource = {{ mode = "live" }}\n'
        f'[discovery.providers.nasdaq]\nbase_url = "{nasdaq}"\n'
        f'[discovery.resilience]\nstate_dir = "{state_dir}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        [
            "discover",
            "--live",
            "--only",
            "earnings_calendar",
            "--config",
            str(config),
            "--date",
            date.today().isoformat(),
            "--out",
            str(tmp_path / "out"),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "NDAQ" in result.stdout
    for name in (CACHE, BREAKERS, HISTORY, "ratelimits.sqlite"):
        assert list(state_dir.glob(f"{name}.corrupt-*")), name
    with RunHistory(state_dir / HISTORY) as history:
        assert [r.status for r in history.recent("earnings_calendar")] == ["ok"]
    assert_no_breaker_charged(state_dir, "earnings_calendar")
