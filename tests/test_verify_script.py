"""The verification script runs offline and its checks pass (latencies scaled down for speed).

Its ``main`` runs in-process, imported from the file the README tells users to run.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "verify_concurrent_execution.py"
EFFICIENCY = "efficiency >= 0.8 with workers >= scanners"


@pytest.fixture(scope="module")
def verify() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_concurrent_execution", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_lines(out: str) -> dict[str, str]:
    """Each check's name -> what was printed before it (PASS, FAIL or not applicable (...))."""
    lines = {}
    for line in out.splitlines():
        match = re.match(r"^(PASS|FAIL|not applicable \([^)]*\))  (.+)$", line)
        if match:
            lines[match[2]] = match[1]
    return lines


@pytest.mark.slow
def test_verify_concurrent_execution_passes(
    verify: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verify.main(["--scale", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "equal results   yes" in out
    assert "FAIL" not in out
    for name in ("market_movers", "reddit_trending", "speedup", "efficiency", "critical path"):
        assert name in out
    checks = check_lines(out)
    assert len(checks) == 5
    # Eight workers for eight scanners: every check applies, so every one is a pass.
    assert set(checks.values()) == {"PASS"}
    assert "5 passed, 0 failed, 0 not applicable" in out


def test_fewer_workers_than_scanners_make_the_efficiency_check_not_applicable(
    verify: ModuleType, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hung-scanner check is the first test's; here it would only add its 1 s deadline.
    monkeypatch.setattr(verify, "check_hung_scanner", lambda: (True, 1.05, "timeout"))
    assert verify.main(["--scale", "0.05", "--max-workers", "2"]) == 0
    out = capsys.readouterr().out
    checks = check_lines(out)
    assert checks[EFFICIENCY] == "not applicable (8 scanners on 2 workers)"
    assert f"PASS  {EFFICIENCY}" not in out
    assert checks["concurrent is faster than sequential (speedup > 1.5)"] == "PASS"
    assert "(max_workers=2)" in out
    assert "4 passed, 0 failed, 1 not applicable" in out


def test_a_failed_check_is_exit_code_1(
    verify: ModuleType, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "check_hung_scanner", lambda: (False, 60.0, "ok"))
    assert verify.main(["--scale", "0.02", "--max-workers", "1"]) == 1
    checks = check_lines(capsys.readouterr().out)
    assert checks["a hung scanner times out within its deadline plus margin"] == "FAIL"
    # One worker: neither a speedup nor the efficiency can be expected, and neither passes.
    assert checks["concurrent is faster than sequential (speedup > 1.5)"] == (
        "not applicable (8 scanners on 1 worker)"
    )
    assert checks[EFFICIENCY] == "not applicable (8 scanners on 1 worker)"


def test_every_flag_has_a_help_text(verify: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        verify.main(["--help"])
    assert exit_info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--scale SCALE multiply every scanner latency" in out
    assert "--max-workers MAX_WORKERS scanners run at once in concurrent mode (default 8" in out
    assert "the efficiency check does not apply" in out


@pytest.mark.parametrize("flags", [["--scale", "0"], ["--max-workers", "0"]])
def test_a_nonsense_flag_value_is_a_usage_error(
    verify: ModuleType, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        verify.main(flags)
    assert exit_info.value.code == 2
    assert "--scale must be > 0 and --max-workers >= 1" in capsys.readouterr().err
