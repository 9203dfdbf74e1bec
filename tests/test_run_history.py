"""The run history: per-scanner status and duration in history.sqlite of the state directory."""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tradingagents.cli import app
from tradingagents.graph import DiscoveryGraph
from tradingagents.reports import write_run_artifacts
from tradingagents.run_history import (
    RunHistory,
    default_history_path,
    expected_duration,
)


def _state(trade_date: str, *runs: tuple[str, str, float | None, int | None]) -> dict[str, Any]:
    return {
        "trade_date": trade_date,
        "scanner_runs": [
            {"name": n, "status": s, "duration_s": d, "candidates": c} for n, s, d, c in runs
        ],
    }


def test_default_path_is_in_the_state_directory() -> None:
    path = default_history_path()
    assert path == Path(os.environ["TRADINGAGENTS_STATE_DIR"]) / "history.sqlite"
    assert RunHistory().path == path


def test_record_writes_one_row_per_scanner_run(tmp_path: Path) -> None:
    when = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    with RunHistory(tmp_path / "h.sqlite") as history:
        state = _state("2026-11-20", ("a", "ok", 0.5, 3), ("b", "timeout", 2.0, None))
        assert history.record(state, run_at=when) == 2
        (row,) = history.recent("a")
        assert row.run_at == "2026-11-20T14:30:00+00:00"
        assert (row.trade_date, row.name, row.status, row.duration_s, row.candidates) == (
            "2026-11-20",
            "a",
            "ok",
            0.5,
            3,
        )
        assert history.recent("b")[0].status == "timeout"
        assert history.recent("nosuch") == []
    mode = sqlite3.connect(tmp_path / "h.sqlite").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)


def test_median_latency_over_the_last_runs(tmp_path: Path) -> None:
    with RunHistory(tmp_path / "h.sqlite") as history:
        assert history.median_latency("a") is None
        for seconds in [100.0] * 5 + [float(i) for i in range(1, 21)]:
            history.record(_state("2026-11-20", ("a", "ok", seconds, 1)))
        history.record(_state("2026-11-20", ("a", "skipped", None, None)))
        # The last 20 runs: the skipped one (no latency) and 2..20s; the 100s runs are older.
        assert history.median_latency("a") == pytest.approx(11.0)
        assert history.median_latency("a", last=3) == pytest.approx(19.5)
        recent = history.recent("a", last=2)
        assert [r.status for r in recent] == ["skipped", "ok"]


def test_expected_duration_is_the_median_of_the_last_runs_that_ran(tmp_path: Path) -> None:
    with RunHistory(tmp_path / "h.sqlite") as history:
        assert history.expected_durations({"a": 5.0}) == {}
        for seconds in [100.0] * 5 + [float(i) for i in range(1, 21)]:
            history.record(_state("2026-11-20", ("a", "ok", seconds, 1)))
        # Cut short, or never run: neither says how long the scanner takes.
        history.record(_state("2026-11-20", ("a", "cancelled", 500.0, None)))
        history.record(_state("2026-11-20", ("a", "skipped", None, None)))
        for status, seconds in (("timeout", 1.0), ("ok", 2.0), ("error", 3.0)):
            history.record(_state("2026-11-20", ("b", status, seconds, None)))
        expected = history.expected_durations({"a": 5.0, "b": 30.0, "c": 1.0})
    # a: 1..20 s; b: its timeout counts as its timeout now (30 s), then 2 s and 3 s.
    assert expected == {"a": pytest.approx(10.5), "b": pytest.approx(3.0)}
    assert expected_duration([("timeout", 0.5)], 7.0) == 7.0
    assert expected_duration([], 7.0) is None


def test_missing_file_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    history = RunHistory(tmp_path / "none" / "h.sqlite")
    assert history.recent("a") == []
    assert history.median_latency("a") is None
    assert history.expected_durations({"a": 1.0}) == {}
    history.close()
    assert not (tmp_path / "none").exists()


def test_write_failure_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    history = RunHistory(blocker / "h.sqlite")
    with caplog.at_level(logging.WARNING, logger="tradingagents"):
        assert history.record(_state("2026-11-20", ("a", "ok", 1.0, 1))) == 0
    assert "cannot record the run history" in caplog.text
    history.close()


def test_a_corrupt_file_is_moved_aside_with_a_warning_and_recreated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with caplog.at_level(logging.WARNING, logger="tradingagents"), RunHistory(path) as history:
        assert history.record(_state("2026-11-20", ("a", "ok", 1.0, 1))) == 1
        assert [r.status for r in history.recent("a")] == ["ok"]
    assert "was corrupt" in caplog.text
    [aside] = tmp_path.glob("h.sqlite.corrupt-*")
    assert aside.read_bytes().startswith(b"this is not sqlite")


def test_reading_a_corrupt_file_raises_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with RunHistory(path) as history, pytest.raises(sqlite3.DatabaseError):
        history.recent("a")
    assert path.read_bytes().startswith(b"this is not sqlite")
    assert not list(tmp_path.glob("h.sqlite.corrupt-*"))


def test_a_locked_file_costs_the_rows_within_the_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "h.sqlite"
    with RunHistory(path) as history:
        history.record(_state("2026-11-19", ("a", "ok", 1.0, 1)))
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        with (
            caplog.at_level(logging.WARNING, logger="tradingagents"),
            RunHistory(path, timeout_s=0.2) as late,
        ):
            assert late.record(_state("2026-11-20", ("a", "ok", 1.0, 1))) == 0
        assert time.monotonic() - start < 0.2 + 1.5
    finally:
        blocker.rollback()
        blocker.close()
    assert "cannot record the run history" in caplog.text
    assert not list(tmp_path.glob("h.sqlite.corrupt-*"))


def test_discover_records_and_scanners_list_shows_median_latency(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"COLUMNS": "250"}
    before = runner.invoke(app, ["scanners", "list"], env=env)
    assert before.exit_code == 0
    assert "median time" in before.stdout and "over the last 20 runs" in before.stdout
    for _ in range(2):
        result = runner.invoke(
            app, ["discover", "--json", "--only", "rsi_oversold", "--out", str(tmp_path)], env=env
        )
        assert result.exit_code == 0, result.stderr
    with RunHistory() as history:
        runs = history.recent("rsi_oversold")
        # Recorded by the graph only: one row per scanner and run, never a second by the CLI.
        assert [r.status for r in runs] == ["ok", "ok"]
        assert len({r.run_id for r in runs}) == 2 and None not in {r.run_id for r in runs}
        assert runs[0].trade_date == "2026-11-20"
        assert history.recent("market_movers")[0].status == "skipped"
        median = history.median_latency("rsi_oversold")
    assert median is not None
    listed = runner.invoke(app, ["scanners", "list"], env=env)
    assert listed.exit_code == 0
    line = next(ln for ln in listed.stdout.splitlines() if "rsi_oversold" in ln)
    assert f"{median:.2f}s" in line


def test_scanners_list_survives_a_corrupt_history() -> None:
    path = default_history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not sqlite" * 100)
    result = CliRunner().invoke(app, ["scanners", "list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "rsi_oversold" in result.stdout
    assert "cannot read the run history" in result.stderr


def test_each_run_has_its_own_id_in_the_state_the_files_and_the_history(tmp_path: Path) -> None:
    # Two runs in the same second were indistinguishable in history before run ids.
    graph = DiscoveryGraph()
    first, second = graph.run(), graph.run()
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", first["run_id"])
    assert first["run_id"] != second["run_id"]

    with RunHistory(tmp_path / "history.sqlite") as history:
        history.record(first)
        history.record(second)
        ids = {row.run_id for row in history.recent("market_movers")}
    assert ids == {first["run_id"], second["run_id"]}

    written = write_run_artifacts(first, tmp_path / "run")
    result = json.loads((written.directory / "discovery_result.json").read_text())
    assert result["run_id"] == first["run_id"]
    assert f"Run `{first['run_id']}`." in (written.directory / "discovery_results.md").read_text()


def test_a_history_written_before_run_ids_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE scanner_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_at TEXT NOT NULL,"
        " trade_date TEXT, name TEXT NOT NULL, status TEXT NOT NULL, duration_s REAL,"
        " candidates INTEGER);"
        "INSERT INTO scanner_runs (run_at, name, status) VALUES ('2026-11-19T10:00:00+00:00',"
        " 'old_one', 'ok');"
    )
    old.commit()
    old.close()

    with RunHistory(path) as history:
        assert history.record({"run_id": "r-1", "scanner_runs": [{"name": "old_one"}]}) == 1
        assert [row.run_id for row in history.recent("old_one")] == ["r-1", None]
