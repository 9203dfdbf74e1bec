"""``tradingagents breakers show|reset``: the persisted circuit breakers from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tradingagents.cli import app
from tradingagents.clock import FakeClock
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, show_breakers

START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
POLICY = BreakerPolicy(failure_threshold=3, reset_timeout_s=3600.0)


def breakers(*args: str) -> Result:
    return CliRunner().invoke(app, ["breakers", *args], env={"COLUMNS": "200"})


def trip(board: BreakerBoard, name: str) -> None:
    for _ in range(POLICY.failure_threshold):
        assert board.admit(name) is None
        board.record(name, "timeout", "ProviderTimeout: no answer in 5s")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "nested" / "breakers.sqlite"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def test_show(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock) as b:
        trip(b, "market_movers")
        b.record("insider_buying", "error", "HTTPError: 503")
    result = breakers("show", "--db", str(db))
    assert result.exit_code == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == f"breakers in {db}:"
    assert out[1].split() == [
        "scanner", "state", "failures", "opened", "at", "retry", "after", "last", "error",
    ]  # fmt: skip
    assert out[2].split() == ["insider_buying", "closed", "1", "-", "-", "HTTPError:", "503"]
    assert out[3].split()[:5] == [
        "market_movers", "open", "3", "2026-11-20T14:30:00Z", "2026-11-20T15:30:00Z",
    ]  # fmt: skip
    assert out[3].endswith("ProviderTimeout: no answer in 5s")
    assert len(out) == 4

    one = breakers("show", "market_movers", "--db", str(db)).stdout.splitlines()
    assert len(one) == 3 and one[2].startswith("market_movers")


def test_show_without_state(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite"
    assert breakers("show", "--db", str(db)).stdout == f"no breaker state in {db} (closed)\n"
    assert (
        breakers("show", "movers", "--db", str(db)).stdout
        == f"no breaker state for movers in {db} (closed)\n"
    )


def test_reset(db: Path, clock: FakeClock) -> None:
    with BreakerBoard(db, POLICY, clock=clock) as b:
        for name in ("market_movers", "options_flow", "sec_catalysts"):
            trip(b, name)
    assert breakers("reset", "market_movers", "--db", str(db)).stdout == "reset market_movers\n"
    assert [s.name for s in show_breakers(db)] == ["options_flow", "sec_catalysts"]
    again = breakers("reset", "market_movers", "--db", str(db))
    assert again.stdout == f"no breaker state for market_movers to reset in {db}\n"
    everything = breakers("reset", "--db", str(db))
    assert everything.stdout == "reset options_flow\nreset sec_catalysts\n"
    assert show_breakers(db) == []
    with BreakerBoard(db, POLICY, clock=clock) as b:
        assert b.admit("market_movers") is None  # closed again: runs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "No such command 'frobnicate'"),
        (["show", "a", "b"], "unexpected extra argument"),
        (["show", "--db"], "requires an argument"),
        (["reset", "--bogus"], "No such option: --bogus"),
        (["shwo"], "Did you mean 'show'?"),
    ],
)
def test_bad_usage_exits_2_with_the_reason(argv: list[str], message: str) -> None:
    result = breakers(*argv)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_the_default_db_comes_from_the_state_dir(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADINGAGENTS_STATE_DIR", str(tmp_path / "st"))
    with BreakerBoard(tmp_path / "st" / "breakers.sqlite", POLICY, clock=clock) as b:
        trip(b, "movers")
    result = breakers("show")
    assert result.exit_code == 0, result.stderr
    assert "movers" in result.stdout


def test_a_corrupt_file_exits_1_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "breakers.sqlite"
    db.write_bytes(b"this is not a database, just text\n" * 200)
    result = breakers("show", "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot use the breaker state file")
    assert str(db) in result.stderr
    assert "Traceback" not in result.stderr
