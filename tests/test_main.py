"""``python -m tradingagents``: the offline main job, as a newcomer runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
