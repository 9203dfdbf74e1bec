"""The verification script runs offline and its checks pass (latencies scaled down for speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_verify_concurrent_execution_passes() -> None:
    done = subprocess.run(
        [sys.executable, "verify_concurrent_execution.py", "--scale", "0.1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "equal results   yes" in done.stdout
    assert "FAIL" not in done.stdout
    for name in ("market_movers", "reddit_trending", "speedup", "efficiency", "critical path"):
        assert name in done.stdout
