"""`tradingagents evaluate`: bad usage is exit 2 with a clear message; a short run writes files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.evaluation.helpers import UNIVERSE, archive
from tradingagents.cli import app


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, ["evaluate", *args], env={"COLUMNS": "200"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2025-11-05", "--to", "2025-11-03"), "--from 2025-11-05 is after --to"),
        (("--from", "2025-13-01", "--to", "2025-11-03"), "there is no month 13"),
        (("--from", "yesterday"), "expected YYYY-MM-DD"),
        (("--only", "rsi_oversld"), "did you mean 'rsi_oversold'"),
        (("--cluster", "nowhere"), "expected local:N"),
        (("--horizons", "1,x"), "expected sessions"),
        (("--workers", "0"), "at least one worker"),
        (("--bars", "/nonexistent.parquet"), "is not a file"),
        (
            ("--benchmark", "NOPE", "--from", "2026-11-20", "--to", "2026-11-20"),
            "the benchmark NOPE is not in the bar archive ",
        ),
        (("--from", "1900-01-02", "--to", "1900-01-05"), "before 1990, outside the calendar"),
        (
            ("--from", "2026-11-23", "--to", "2026-11-25"),
            "--to 2026-11-25 is after the bar archive's last day 2026-11-20",
        ),
    ],
)
def test_bad_usage_is_exit_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = invoke(*args, "--out", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_short_run_writes_the_three_files(tmp_path: Path) -> None:
    bars = archive(tmp_path / "bars.parquet")
    config = tmp_path / "eval.toml"
    config.write_text(f"[discovery]\nuniverse = {list(UNIVERSE)!r}\n".replace("'", '"'))
    out = tmp_path / "out"
    result = invoke(
        "--from", "2025-11-03", "--to", "2025-11-04", "--bars", str(bars), "--workers", "1",
        "--config", str(config), "--horizons", "1,5", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 days (2 run, 0 from earlier runs)" in result.output
    assert "synthetic data: these results mean nothing for trading" in result.output
    assert "not evaluable for these dates: market_movers" in result.output
    for name in ("evaluation.parquet", "evaluation.md", "evaluation.png"):
        assert (out / name).is_file()
