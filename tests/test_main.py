"""``python -m tradingagents``: the offline main job, as a newcomer runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tradingagents", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )


def test_the_main_job_prints_candidates_from_all_nine_scanners() -> None:
    done = run()
    assert done.returncode == 0, done.stderr
    assert "discovery for 2026-11-20 from replay" in done.stdout
    assert done.stdout.count("✓ ") == 9
    assert "DVN" in done.stdout and "critical" in done.stdout


def test_json_output_parses_and_out_writes_the_run_files(tmp_path: Path) -> None:
    done = run("--json", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert len(state["scanner_runs"]) == 9
    [run_dir] = list((tmp_path / "discovery" / "2026-11-20").iterdir())
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == sorted(
        [
            "discovery_result.json",
            "discovery_results.md",
            "tool_execution_logs.json",
            "tool_execution_logs.md",
            "timeline.png",
        ]
    )
    assert str(run_dir) in done.stderr


def test_a_bad_snapshot_is_exit_code_2_with_a_clear_message(tmp_path: Path) -> None:
    done = run("--snapshot", str(tmp_path))
    assert done.returncode == 2
    assert "no manifest.json" in done.stderr


def test_a_snapshot_is_replayed_even_when_the_environment_says_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADINGAGENTS_SOURCE__MODE", "live")
    sample = REPO / "tradingagents" / "replay" / "sample"
    done = run("--snapshot", str(sample))
    assert done.returncode == 0, done.stderr
    assert "from replay of" in done.stdout
    conflict = run("--live", "--snapshot", str(sample))
    assert conflict.returncode == 2
    assert "cannot go with --snapshot" in conflict.stderr


def test_a_bad_date_or_out_path_is_a_clear_error(tmp_path: Path) -> None:
    bad_date = run("--date", "2026-13-01")
    assert bad_date.returncode == 2
    assert "expected YYYY-MM-DD, got '2026-13-01'" in bad_date.stderr
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    done = run("--out", str(a_file))
    assert done.returncode == 0  # the run itself is fine: only the run files are not written
    assert "error: cannot create" in done.stderr and "Traceback" not in done.stderr
