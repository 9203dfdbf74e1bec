"""Run artifacts: the five files, their content, redaction, atomic writes and run directories."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from matplotlib.image import imread

from tests.reports import sample_state, scanner_run
from tradingagents.errors import TradingAgentsError
from tradingagents.reports import (
    ARTIFACT_NAMES,
    ArtifactError,
    atomic_write_bytes,
    atomic_write_text,
    run_directory,
    write_run_artifacts,
)
from tradingagents.reports.artifacts import md_cell

STARTED = datetime(2026, 11, 20, 9, 5, 7)
SECRET = "fh-Secret-Value-12345"


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_sample_run_writes_the_five_files(tmp_path: Path) -> None:
    state = sample_state()
    directory = run_directory(tmp_path / "results", state["trade_date"], STARTED)

    artifacts = write_run_artifacts(state, directory)

    assert directory == tmp_path / "results" / "discovery" / "2026-11-20" / "run_09_05_07"
    assert artifacts.directory == directory
    assert artifacts.files == tuple(directory / name for name in ARTIFACT_NAMES)
    assert ARTIFACT_NAMES == (
        "discovery_result.json",
        "discovery_results.md",
        "tool_execution_logs.json",
        "tool_execution_logs.md",
        "timeline.png",
    )
    assert names(directory) == sorted(ARTIFACT_NAMES)  # and no temp file
    assert all(path.stat().st_size > 0 for path in artifacts.files)


def test_the_json_files_round_trip_the_state(tmp_path: Path) -> None:
    state = sample_state()

    write_run_artifacts(state, tmp_path)

    result = json.loads((tmp_path / "discovery_result.json").read_text(encoding="utf-8"))
    assert set(result) == {
        "trade_date",
        "run_id",
        "source",
        "ranked_candidates",
        "candidates",
        "filter_rejections",
        "scanner_runs",
        "run_summary",
        "llm_rank",
    }
    assert result["trade_date"] == "2026-11-20"
    assert result["run_id"] == state["run_id"]
    assert result["source"] == state["source"]
    assert result["ranked_candidates"] == state["ranked_candidates"]
    assert len(result["ranked_candidates"]) > 0
    assert result["scanner_runs"] == state["scanner_runs"]
    logs = json.loads((tmp_path / "tool_execution_logs.json").read_text(encoding="utf-8"))
    assert logs == state["tool_logs"]


def test_the_markdown_reports_name_every_scanner_and_ranked_ticker(tmp_path: Path) -> None:
    state = sample_state()

    write_run_artifacts(state, tmp_path)

    results = (tmp_path / "discovery_results.md").read_text(encoding="utf-8")
    assert results.startswith("# Discovery results: 2026-11-20\n")
    for run in state["scanner_runs"]:
        assert f"| {run['name']} | {run['pipeline']} | ok | {run['candidates']} |" in results
    for candidate in state["ranked_candidates"]:
        assert f"| {candidate['rank']} | {candidate['ticker']} | {candidate['priority']} |" in (
            results
        )
    logs = (tmp_path / "tool_execution_logs.md").read_text(encoding="utf-8")
    called = {entry["scanner"] for entry in state["tool_logs"]}
    for name in called:
        assert f"## {name} (" in logs
    assert logs.count("\n| ") - logs.count("\n| # |") == len(state["tool_logs"])


def test_markdown_cells_escape_pipes_and_line_breaks(tmp_path: Path) -> None:
    assert md_cell("a|b\nc\r\nd") == "a\\|b<br>c<br>d"
    assert md_cell(None) == ""
    state = {
        "trade_date": "2026-11-20",
        "scanner_runs": [
            scanner_run(
                "pipes",
                "error",
                error={"type": "ValueError", "message": "col | col\nsecond line"},
            )
        ],
        "ranked_candidates": [
            {
                "rank": 1,
                "ticker": "X",
                "priority": "high",
                "score": 1.0,
                "sources": ["pipes"],
                "context": "up | down\nflat",
            }
        ],
        "tool_logs": [
            {
                "scanner": "pipes",
                "tool": "t|u",
                "parameters": {"q": "a|b"},
                "output": "two\nlines",
                "duration_s": 0.1,
                "error": None,
            }
        ],
    }

    write_run_artifacts(state, tmp_path)

    for name in ("discovery_results.md", "tool_execution_logs.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        for table in table_blocks(text):
            # Every row splits into as many cells as its header: no pipe or newline leaked.
            widths = {line.replace("\\|", "").count("|") for line in table}
            assert len(widths) == 1, table
    results = (tmp_path / "discovery_results.md").read_text(encoding="utf-8")
    assert "| ValueError: col \\| col<br>second line |" in results
    assert "| pipes: up \\| down<br>flat |" in results
    logs = (tmp_path / "tool_execution_logs.md").read_text(encoding="utf-8")
    assert '| t\\|u | {"q": "a\\|b"} | two<br>lines |' in logs


def table_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    previous_is_row = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous_is_row:
            blocks.append([])
        if is_row:
            blocks[-1].append(line)
        previous_is_row = is_row
    return blocks


def secret_state() -> dict[str, Any]:
    return {
        "trade_date": "2026-11-20",
        "candidates": [],
        "ranked_candidates": [
            {
                "rank": 1,
                "ticker": "F",
                "priority": "low",
                "score": 0.1,
                "sources": ["leaky"],
                "context": f"quoted a key {SECRET} in its context",
            }
        ],
        "filter_rejections": [],
        "scanner_runs": [
            scanner_run(
                "leaky",
                "error",
                error={"type": "ProviderAuthError", "message": f"401 for key {SECRET}"},
                warnings=[f"partial: {SECRET}"],
            )
        ],
        "tool_logs": [
            {
                "scanner": "leaky",
                "tool": "finnhub.earnings",
                "parameters": {"url": f"https://finnhub.io/api/v1/x?from=1&{SECRET}"},
                "output": f"echoed {SECRET}",
                "duration_s": 0.01,
                "error": {"type": "ProviderAuthError", "message": f"bad key {SECRET}"},
            }
        ],
        "run_summary": {"providers": {}, "warnings": [f"store said {SECRET}"]},
    }


def test_a_secret_in_the_environment_is_in_no_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINNHUB_API_KEY", SECRET)

    artifacts = write_run_artifacts(secret_state(), tmp_path)

    assert len(artifacts.files) == 5
    for path in tmp_path.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name
    assert "[REDACTED]" in (tmp_path / "discovery_results.md").read_text(encoding="utf-8")
    assert "[REDACTED]" in (tmp_path / "tool_execution_logs.json").read_text(encoding="utf-8")


def test_secrets_passed_explicitly_are_scrubbed_too(tmp_path: Path) -> None:
    write_run_artifacts(secret_state(), tmp_path, secrets=[SECRET])

    for path in tmp_path.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name


def test_a_crash_before_the_rename_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "discovery_result.json"
    target.write_text("old, complete", encoding="utf-8")

    def crash(src: Any, dst: Any) -> None:
        assert Path(src).read_bytes() == b"new content"  # the temp file was fully written
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new content")
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(tmp_path / "fresh.png", b"new content")

    assert target.read_text(encoding="utf-8") == "old, complete"
    assert names(tmp_path) == ["discovery_result.json"]


def test_a_failed_write_removes_its_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(tmp_path / "timeline.png", b"\x89PNG partial")

    assert names(tmp_path) == []


def test_atomic_write_replaces_and_keeps_the_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second ✓")

    assert target.read_text(encoding="utf-8") == "second ✓"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_one_failed_file_does_not_lose_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def failing_replace(src: Any, dst: Any) -> None:
        if Path(dst).name == "tool_execution_logs.json":
            raise OSError(f"disk error while writing a log holding {SECRET}")
        real_replace(src, dst)

    monkeypatch.setenv("FINNHUB_API_KEY", SECRET)
    monkeypatch.setattr(os, "replace", failing_replace)
    state = sample_state()

    with pytest.raises(ArtifactError) as caught:
        write_run_artifacts(state, tmp_path)

    error = caught.value
    assert isinstance(error, TradingAgentsError)
    assert error.failed == (tmp_path / "tool_execution_logs.json",)
    assert [p.name for p in error.written] == [
        "discovery_result.json",
        "discovery_results.md",
        "tool_execution_logs.md",
        "timeline.png",
    ]
    assert "tool_execution_logs.json" in str(error)
    assert SECRET not in str(error)
    assert names(tmp_path) == sorted(p.name for p in error.written)  # no temp, no partial
    result = json.loads((tmp_path / "discovery_result.json").read_text(encoding="utf-8"))
    assert result["ranked_candidates"] == state["ranked_candidates"]
    assert imread(tmp_path / "timeline.png").size > 0


def test_an_interrupted_run_keeps_what_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def interrupted(src: Any, dst: Any) -> None:
        if Path(dst).name == "timeline.png":
            raise KeyboardInterrupt  # Ctrl-C while the last file is being written
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupted)
    state = sample_state()

    with pytest.raises(KeyboardInterrupt):
        write_run_artifacts(state, tmp_path)

    assert names(tmp_path) == sorted(ARTIFACT_NAMES[:4])
    logs = json.loads((tmp_path / "tool_execution_logs.json").read_text(encoding="utf-8"))
    assert logs == state["tool_logs"]


def test_a_chart_that_cannot_be_drawn_costs_only_the_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr("tradingagents.reports.timeline.timeline_png", broken)

    with pytest.raises(ArtifactError, match=r"timeline\.png \(RuntimeError: no fonts\)") as caught:
        write_run_artifacts(sample_state(), tmp_path)

    assert caught.value.failed == (tmp_path / "timeline.png",)
    assert names(tmp_path) == sorted(ARTIFACT_NAMES[:4])


def test_an_unwritable_directory_is_an_artifact_error(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file where the directory should be", encoding="utf-8")

    with pytest.raises(ArtifactError) as caught:
        write_run_artifacts(sample_state(), blocker / "run")

    assert len(caught.value.failed) == 5
    assert caught.value.written == ()


def test_run_directory_never_reuses_an_existing_directory(tmp_path: Path) -> None:
    first = run_directory(tmp_path, "2026-11-20", STARTED)
    (first / "discovery_result.json").write_text("{}", encoding="utf-8")

    second = run_directory(tmp_path, "2026-11-20", STARTED)
    third = run_directory(tmp_path, "2026-11-20", STARTED)

    base = tmp_path / "discovery" / "2026-11-20"
    assert (first, second, third) == (
        base / "run_09_05_07",
        base / "run_09_05_07_2",
        base / "run_09_05_07_3",
    )
    assert all(p.is_dir() for p in (first, second, third))
    assert names(first) == ["discovery_result.json"]
    assert names(second) == []


def test_run_directory_takes_only_a_real_date(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="ISO date"):
        run_directory(tmp_path, "../../etc", STARTED)

    assert list(tmp_path.iterdir()) == []
