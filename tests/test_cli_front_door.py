"""The one command line as a newcomer meets it: defaults, help, typos, and errors to act on."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from tradingagents import __version__
from tradingagents.cli import app, main
from tradingagents.cli.common import parse_date_flag
from tradingagents.cli.progress import Progress
from tradingagents.replay.snapshot import sample_snapshot_path


def invoke(*args: str, columns: int = 200) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def run_dirs(out: Path) -> list[Path]:
    return sorted(out.glob("discovery/*/run_*"))


def assert_one_clean_error(result: Result, code: int, message: str) -> None:
    """Exit ``code``, ``message`` on stderr in one line, no traceback, nothing on stdout."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if message in " ".join(line.split())]
    assert lines, result.stderr
    assert result.stdout == ""


# -- one command line ----------------------------------------------------------------------


def test_no_command_runs_discover(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert result.exit_code == 0, result.stderr
    assert "discovery for 2026-11-20" in result.stdout
    assert len(run_dirs(tmp_path / "results")) == 1  # the default --out


def test_discover_flags_work_without_the_command_name(tmp_path: Path) -> None:
    result = invoke("--json", "--sequential", "--max-workers", "2", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    state = json.loads(result.stdout)
    assert [r["status"] for r in state["scanner_runs"]] == ["ok"] * 9


def test_main_is_the_console_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"tradingagents {__version__}\n"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["discover"],
        ["scanners"],
        ["scanners", "list"],
        ["scanners", "explain"],
        ["breakers"],
        ["breakers", "show"],
        ["breakers", "reset"],
        ["snapshot"],
        ["snapshot", "record"],
        ["snapshot", "show"],
    ],
)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_everywhere(command: list[str], flag: str) -> None:
    result = invoke(*command, flag)
    assert result.exit_code == 0, result.stderr
    assert f"Usage: tradingagents {' '.join(command)}".rstrip() in " ".join(result.stdout.split())


@pytest.mark.parametrize("group", ["breakers", "scanners", "snapshot"])
def test_a_group_alone_shows_its_help(group: str) -> None:
    result = invoke(group)
    assert result.exit_code == 0, result.stderr
    assert f"Usage: tradingagents {group} [OPTIONS] COMMAND" in result.stdout


def test_version() -> None:
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"tradingagents {__version__}\n")


def test_every_old_flag_is_on_discover() -> None:
    text = " ".join(invoke("discover", "-h", columns=250).stdout.split())
    for flag in (
        "--live", "--replay-latency", "--source", "--only", "--skip", "--sequential",
        "--max-workers", "--timeout", "--out", "--json", "--config", "--date", "--snapshot",
    ):  # fmt: skip
        assert flag in text, flag


def test_a_mistyped_command_or_flag_suggests_the_right_one() -> None:
    command = invoke("dicover")
    assert command.exit_code == 2
    assert "Did you mean 'discover'?" in command.stderr
    flag = invoke("--jsn")
    assert flag.exit_code == 2
    assert "--json" in flag.stderr


def test_replay_latency_waits_the_recorded_latencies(tmp_path: Path) -> None:
    result = invoke("--replay-latency", "--only", "sec_catalysts", "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    state = json.loads(result.stdout)
    [run] = [r for r in state["scanner_runs"] if r["name"] == "sec_catalysts"]
    assert run["status"] == "ok" and run["duration_s"] >= 0.05  # instant without latencies


# -- errors a user can act on --------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-11-19", "2026-11-21"])  # a Thursday, a Saturday
def test_replaying_the_sample_for_another_date_stops_before_any_scanner(
    day: str, tmp_path: Path
) -> None:
    result = invoke("--date", day, "--out", str(tmp_path))
    assert_one_clean_error(
        result,
        2,
        f"error: the snapshot the bundled sample holds 2026-11-20, not {day}; "
        "use --date 2026-11-20, another --snapshot, or --live",
    )
    assert "scanners for" not in result.stderr  # no progress table: nothing ran
    assert run_dirs(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-02-30", "2024-02-30 is not a calendar date: February 2024 has 29 days"),
        ("2026-13-01", "2026-13-01 is not a calendar date: there is no month 13"),
        ("2026-11-31", "2026-11-31 is not a calendar date: November 2026 has 30 days"),
        ("20261120", "expected YYYY-MM-DD, got '20261120'"),
        ("yesterday", "expected YYYY-MM-DD, got 'yesterday'"),
    ],
)
def test_a_bad_date_says_what_is_wrong(text: str, message: str, tmp_path: Path) -> None:
    for command in (
        ["discover", "--out", str(tmp_path)],
        ["snapshot", "record", str(tmp_path / "snap")],
    ):
        result = invoke(*command, "--date", text)
        assert result.exit_code == 2
        assert message in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "snap").exists()


def test_parse_date_flag_accepts_a_leap_day() -> None:
    assert parse_date_flag("2024-02-29").isoformat() == "2024-02-29"


def test_a_missing_snapshot_path_says_it_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = invoke("--snapshot", str(missing), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert f"{missing} does not exist" in " ".join(result.stderr.split())
    a_file = tmp_path / "file.json"
    a_file.write_text("{}", encoding="utf-8")
    result = invoke("--snapshot", str(a_file), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a directory" in " ".join(result.stderr.split())
    shown = invoke("snapshot", "show", str(missing))
    assert shown.exit_code == 2 and "does not exist" in " ".join(shown.stderr.split())


def test_a_missing_config_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "my.toml"
    result = invoke("--config", str(missing), "--out", str(tmp_path))
    assert_one_clean_error(result, 2, f"error: --config {missing} does not exist")


def test_out_that_is_a_file_stops_before_running(tmp_path: Path) -> None:
    a_file = tmp_path / "results"
    a_file.write_text("x", encoding="utf-8")
    result = invoke("--out", str(a_file))
    assert_one_clean_error(result, 2, f"error: --out {a_file} is a file, not a directory")
    assert "scanners for" not in result.stderr


def test_out_under_a_file_stops_before_running(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    result = invoke("--out", str(a_file / "results"))
    assert_one_clean_error(result, 2, f"error: --out {a_file / 'results'} cannot be written")


def _unwritable(path: str) -> bool:
    try:
        with tempfile.TemporaryFile(dir=path):
            return False
    except OSError:
        return Path(path).is_dir()


@pytest.mark.skipif(not _unwritable("/sys/kernel"), reason="needs a directory no one can write")
def test_out_that_cannot_be_written_stops_before_running() -> None:
    # sysfs refuses new files even to root, as a read-only mount would: the check must write.
    result = invoke("--out", "/sys/kernel")
    assert_one_clean_error(result, 2, "error: --out /sys/kernel cannot be written")


def test_a_run_file_that_fails_is_named_and_the_exit_code_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tradingagents.reports.chart_process.ChartProcess.render", disk_full)
    result = invoke("--out", str(tmp_path))
    assert result.exit_code == 1
    assert "timeline.png" in result.stderr and "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    [run_dir] = run_dirs(tmp_path)
    assert (run_dir / "discovery_result.json").is_file()  # the others are kept
    assert "DVN" in result.stdout  # and the candidates are still shown


def test_a_result_file_that_fails_to_write_is_named_and_the_exit_code_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradingagents.reports.atomic import atomic_write_text as real

    def full_for_the_result(path: Path, text: str, **kwargs: str) -> None:
        if path.name == "discovery_result.json":
            raise OSError(28, "No space left on device")
        real(path, text, **kwargs)

    monkeypatch.setattr("tradingagents.reports.artifacts.atomic_write_text", full_for_the_result)
    result = invoke("--out", str(tmp_path))
    assert result.exit_code == 1
    assert "discovery_result.json" in result.stderr and "No space left" in result.stderr
    assert "Traceback" not in result.stderr
    [run_dir] = run_dirs(tmp_path)
    assert not (run_dir / "discovery_result.json").exists()
    assert (run_dir / "discovery_results.md").is_file()  # the others are kept


def test_only_and_skip_say_why_a_scanner_was_skipped(tmp_path: Path) -> None:
    result = invoke(
        "--json", "--only", "rsi_oversold,market_movers", "--skip", "market_movers",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    runs = {r["name"]: r for r in json.loads(result.stdout)["scanner_runs"]}
    assert runs["rsi_oversold"]["status"] == "ok"
    assert runs["market_movers"]["reason"] == "left out by --skip"
    assert runs["options_flow"]["reason"] == "not in --only"
    assert "not in --only" in result.stderr  # the progress table's detail column


def test_an_unknown_scanner_name_suggests_the_right_one(tmp_path: Path) -> None:
    result = invoke("--only", "rsi_oversld", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "no scanner named 'rsi_oversld' (did you mean 'rsi_oversold'?)" in " ".join(
        result.stderr.split()
    )


# -- output a trader can trust -------------------------------------------------------------


def test_the_summary_says_where_the_data_came_from_and_each_thing_once(tmp_path: Path) -> None:
    result = invoke("--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Data: replay of the bundled sample snapshot (synthetic data, generated)" in text
    assert "not market data" in text
    header = result.stdout.split("┏")[0]
    assert header.count("2026-11-20") == 1
    assert header.count("candidates") == 1 and header.count("ranked") == 1
    state = json.loads(invoke("--json", "--out", str(tmp_path)).stdout)
    assert state["source"]["mode"] == "replay" and state["source"]["synthetic"] is True


def test_every_reason_for_a_candidate_is_shown(tmp_path: Path) -> None:
    result = invoke("--json", "--out", str(tmp_path))
    ranked = json.loads(result.stdout)["ranked_candidates"]
    multi = next(c for c in ranked if len(c["sources"]) > 1)
    table = invoke("--out", str(tmp_path), columns=250).stdout
    for source in multi["sources"]:
        assert f"{source}: " in table, source


def test_scanners_list_fits_80_columns_without_cutting_anything() -> None:
    result = invoke("scanners", "list", columns=80)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout and "..." not in result.stdout
    for name in ("FINNHUB_API_KEY", "ALPHA_VANTAGE_API_KEY", "SEC_USER_AGENT"):
        assert name in result.stdout.replace("\n", ""), name


def test_scanners_list_says_which_scanners_evaluation_can_run_on_past_dates() -> None:
    text = " ".join(invoke("scanners", "list", columns=80).stdout.split())
    assert (
        "point in time (evaluate): bars: rsi_oversold, technical_breakout, volume_accumulation; "
        "date_range: insider_buying, sec_catalysts; now_only: earnings_calendar, market_movers, "
        "options_flow, reddit_trending"
    ) in text


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("rsi_oversold", "point in time: bars (evaluable from cached bars cut at the date)"),
        ("sec_catalysts", "point in time: date_range (evaluable from its source asked by date)"),
        ("market_movers", "point in time: now_only (not evaluable on past dates: only from a "),
    ],
)
def test_scanners_explain_names_its_point_in_time(name: str, line: str) -> None:
    result = invoke("scanners", "explain", name, columns=80)
    assert result.exit_code == 0, result.stderr
    assert max(len(text) for text in result.stdout.splitlines()) <= 80
    assert line in result.stdout


def test_scanners_explain_is_plain_text() -> None:
    result = invoke("scanners", "explain", "rsi_oversold")
    assert result.exit_code == 0, result.stderr
    assert "`" not in result.stdout


def test_the_sample_path_is_named_as_the_bundled_sample(tmp_path: Path) -> None:
    result = invoke("--snapshot", str(sample_snapshot_path()), "--date", "2026-11-19")
    assert "the bundled sample holds 2026-11-20" in " ".join(result.stderr.split())


def test_the_progress_table_keeps_one_line_per_scanner_at_80_columns() -> None:
    progress = Progress(["volume_accumulation", "market_movers"], "scanners", width=80)
    progress.handle(
        {"event": "scanner_finished", "scanner": "market_movers", "status": "error",
         "duration_s": 1.5, "error": {"type": "ProviderError", "message": "every screener "
         "failed: day_gainers: network unreachable (DNS lookup failed for a.example) " * 5}}
    )  # fmt: skip
    progress.handle(
        {"event": "scanner_finished", "scanner": "volume_accumulation", "status": "ok",
         "duration_s": 0.25, "candidates": 3}
    )  # fmt: skip
    console = Console(width=80, record=True, color_system=None)
    console.print(progress.render())
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == 2  # one line each, however long the error
    assert rows[0].split("│")[1].strip() == "volume_accumulation"
    assert [c.strip() for c in rows[0].split("│")[2:5]] == ["ok", "0.25s", "3"]
    assert [c.strip() for c in rows[1].split("│")[1:4]] == ["market_movers", "error", "1.50s"]


def test_a_config_file_with_mistakes_at_two_levels_reports_both(tmp_path: Path) -> None:
    config = tmp_path / "my.toml"
    config.write_text(
        "[discovery.scaner_execution]\ntimeout_seconds = 10\n"
        "[discovery.scanners.rsi_oversold]\nmax_rsy = 15\n",
        encoding="utf-8",
    )
    result = invoke("--config", str(config), "--out", str(tmp_path))
    assert result.exit_code == 2
    text = " ".join(result.stderr.split())
    assert f"invalid configuration in {config}" in text
    assert "discovery.scaner_execution: unknown key; did you mean 'scanner_execution'?" in text
    assert "discovery.scanners.rsi_oversold.max_rsy: unknown key; did you mean 'max_rsi'?" in text
    assert "Traceback" not in result.stderr and run_dirs(tmp_path) == []


def test_a_discovery_table_in_the_wrong_place_names_the_right_one(tmp_path: Path) -> None:
    config = tmp_path / "wrong.toml"
    config.write_text("[scanner_execution]\nmax_workers = 4\n", encoding="utf-8")
    result = invoke("--config", str(config), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "did you mean [discovery.scanner_execution]?" in " ".join(result.stderr.split())
