"""The ``tradingagents`` command line, offline on the bundled sample snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from rich.console import Console
from typer.testing import CliRunner, Result

from tests.helpers import BUILTINS
from tests.snapshot_server import SnapshotServer
from tradingagents.cli import app, main
from tradingagents.cli.progress import Progress
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.recording import record_snapshot
from tradingagents.replay.snapshot import load_snapshot, sample_snapshot_path
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, default_db_path


def invoke(*args: str) -> Result:
    # Wide enough that rich tables never fold a scanner name.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def run_files(root: Path) -> list[Path]:
    return sorted((root / "discovery" / "2026-11-20").glob("run_*/*"))


def test_discover_prints_ranked_candidates_and_progress_on_stderr(tmp_path: Path) -> None:
    result = invoke("discover", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "DVN" in result.stdout and "critical" in result.stdout
    for name in BUILTINS:
        assert name in result.stderr
    assert "discovery for 2026-11-20. Data: replay of" in result.stdout
    assert "run files in" in result.stderr
    assert {p.name for p in run_files(tmp_path)} >= {"discovery_result.json", "timeline.png"}


def test_discover_json_is_the_only_stdout(tmp_path: Path) -> None:
    result = invoke("discover", "--json", "--sequential", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    state = json.loads(result.stdout)
    assert [r["status"] for r in state["scanner_runs"]] == ["ok"] * 9
    assert "rsi_oversold" in result.stderr


def test_only_and_skip_disable_the_others(tmp_path: Path) -> None:
    result = invoke(
        "discover", "--json", "--only", "rsi_oversold,market_movers", "--skip", "market_movers",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(result.stdout)["scanner_runs"]}
    assert statuses.pop("rsi_oversold") == "ok"
    assert set(statuses.values()) == {"skipped"}


def test_no_scanner_ok_exits_1(tmp_path: Path) -> None:
    result = invoke("discover", "--json", "--skip", ",".join(BUILTINS), "--out", str(tmp_path))
    assert result.exit_code == 1
    json.loads(result.stdout)


def test_unknown_scanner_in_only_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("discover", "--only", "rsi_oversold,nosuch", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "nosuch" in result.stderr
    assert not run_files(tmp_path)


def test_bad_key_in_toml_names_the_file_and_key_path(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[discovery.scanners.rsi_oversold]\nmax_rsy = 5\n", encoding="utf-8")
    result = invoke("discover", "--config", str(config), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert str(config) in result.stderr
    assert "discovery.scanners.rsi_oversold.max_rsy" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[discovery\n", "not valid TOML"),
        ('[discovery.scanner_execution]\nmax_workers = "x"\n', "max_workers"),
    ],
)
def test_bad_toml_or_value_exits_2(tmp_path: Path, text: str, expected: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text, encoding="utf-8")
    result = invoke("discover", "--config", str(config), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert expected in result.stderr and str(config) in result.stderr


def test_toml_settings_apply(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[discovery.scanners.rsi_oversold]\nenabled = false\n", encoding="utf-8")
    result = invoke("discover", "--json", "--config", str(config), "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    runs = {r["name"]: r["status"] for r in json.loads(result.stdout)["scanner_runs"]}
    assert runs["rsi_oversold"] == "skipped"


def test_bad_snapshot_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("discover", "--snapshot", str(empty), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "manifest.json" in result.stderr


def test_scanners_list_shows_all_nine() -> None:
    result = invoke("scanners", "list")
    assert result.exit_code == 0, result.stderr
    for name in BUILTINS:
        assert name in result.stdout
    assert "mean_reversion" in result.stdout


def test_scanners_explain_shows_params_and_config_values(tmp_path: Path) -> None:
    result = invoke("scanners", "explain", "rsi_oversold")
    assert result.exit_code == 0, result.stderr
    assert "max_rsi" in result.stdout and "RSI(2)" in result.stdout
    config = tmp_path / "c.toml"
    config.write_text("[discovery.scanners.rsi_oversold]\nmax_rsi = 7.5\n", encoding="utf-8")
    result = invoke("scanners", "explain", "rsi_oversold", "--config", str(config))
    assert "7.5" in result.stdout
    assert invoke("scanners", "explain", "nosuch").exit_code == 2


def test_breakers_show_and_reset_on_empty_state() -> None:
    shown = invoke("breakers", "show")
    assert shown.exit_code == 0, shown.stderr
    assert "no breaker state" in shown.stdout
    reset = invoke("breakers", "reset", "rsi_oversold")
    assert reset.exit_code == 0
    assert "no breaker state for rsi_oversold" in reset.stdout


def test_snapshot_show_summarises_the_sample() -> None:
    result = invoke("snapshot", "show")
    assert result.exit_code == 0, result.stderr
    assert "2026-11-20" in result.stdout and "generated" in result.stdout
    assert "yahoo" in result.stdout


@pytest.mark.slow
def test_python_m_tradingagents_is_the_same_app_in_a_real_process(tmp_path: Path) -> None:
    """The README's main job, as a newcomer types it: no command means discover."""
    done = subprocess.run(
        [sys.executable, "-m", "tradingagents", "--json", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert len(state["scanner_runs"]) == 9
    assert "rsi_oversold" in done.stderr and "run files in" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(run_files(tmp_path)) == 5
    [chart] = [p for p in run_files(tmp_path) if p.name == "timeline.png"]
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")  # drawn by the helper process


def invoke_env(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})


def test_environment_overrides_the_file_and_flags_override_both(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        "[discovery.scanners.rsi_oversold]\nenabled = false\n"
        "[discovery.scanners.market_movers]\nenabled = false\n",
        encoding="utf-8",
    )
    env = {
        "TRADINGAGENTS_SCANNERS__RSI_OVERSOLD__ENABLED": "true",
        "TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS": "1",
    }
    result = invoke_env(
        env, "discover", "--json", "--config", str(config), "--skip", "options_flow",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(result.stdout)["scanner_runs"]}
    assert statuses["rsi_oversold"] == "ok"  # file said no, the environment yes
    assert statuses["market_movers"] == "skipped"  # from the file
    assert statuses["options_flow"] == "skipped"  # from the flag
    assert statuses["volume_accumulation"] == "ok"


def test_a_bad_environment_variable_exits_2_naming_it(tmp_path: Path) -> None:
    env = {"TRADINGAGENTS_SCANNER_EXECUTION__TIMEOUT_SECONDS": "soon"}
    result = invoke_env(env, "discover", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "TRADINGAGENTS_SCANNER_EXECUTION__TIMEOUT_SECONDS" in result.stderr
    assert "valid number" in result.stderr
    assert result.stdout == ""


def test_an_unknown_prefixed_variable_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    env = {"TRADINGAGENTS_SCANERS__RSI_OVERSOLD__ENABLED": "false"}
    result = invoke_env(env, "discover", "--json", "--only", "rsi_oversold", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "warning: ignoring TRADINGAGENTS_SCANERS__RSI_OVERSOLD__ENABLED" in result.stderr


def live_toml(server: SnapshotServer, path: Path, credentials: str) -> Path:
    """A TOML config pointing every provider at ``server`` (live mode), with credentials."""
    live = server.live_config()["discovery"]
    lines = ['[discovery.source]\nmode = "live"\n']
    for name, settings in live["providers"].items():
        lines.append(f'[discovery.providers.{name}]\nbase_url = "{settings["base_url"]}"\n')
    for name in live["resilience"]["rate_limits"]:
        lines.append(f"[discovery.resilience.rate_limits.{name}]\nper_second = 500\n")
    lines.append(f"[credentials]\n{credentials}")
    path.write_text("\n".join(lines), encoding="utf-8")
    path.chmod(0o600)
    return path


def sample_server_and_config(
    httpserver: HTTPServer, tmp_path: Path, finnhub_key: str
) -> tuple[SnapshotServer, Path]:
    """The sample snapshot served live, and a config file using it with a Finnhub key."""
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    config = live_toml(
        server,
        tmp_path / "live.toml",
        f'finnhub_api_key = "{finnhub_key}"\nsec_user_agent = "Test t@example.com"\n',
    )
    return server, config


def on_sample_day(monkeypatch: pytest.MonkeyPatch) -> None:
    # Some data is live-only (the calendars, the screeners): "today" is the snapshot's day.
    for function in (DiscoveryGraph.__init__, record_snapshot):
        defaults = function.__kwdefaults__
        assert defaults is not None
        monkeypatch.setitem(defaults, "today", lambda: date(2026, 11, 20))


def test_a_key_from_the_config_file_is_used_and_written_nowhere(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live mode against a local server: the planted key reaches the server as Finnhub's
    token, and no output, run file or state file (cache, quotas, history) holds it."""
    on_sample_day(monkeypatch)
    planted = "fh-PLANTED-IN-TOML-5e6f7a8b"
    server, config = sample_server_and_config(httpserver, tmp_path, planted)
    out = tmp_path / "results"

    result = invoke(
        "discover", "--config", str(config), "--date", "2026-11-20", "--only", "earnings_calendar",
        "--out", str(out),
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert {"token": planted} in server.secrets_seen
    assert planted not in result.stdout and planted not in result.stderr
    state_root = Path(os.environ["TRADINGAGENTS_STATE_DIR"])
    written = [p for root in (out, state_root) for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "tool_execution_logs.json" for p in written)
    assert any(p.suffix == ".sqlite" for p in written)  # the HTTP cache and the run history
    for path in written:
        assert planted.encode() not in path.read_bytes(), path


def key_rows(stdout: str) -> dict[str, list[str]]:
    """The keys table of `scanners list`: key -> [set, read by]."""
    table = stdout.split("keys (live mode")[1]
    return {
        cells[0]: cells[1:]
        for line in table.splitlines()
        if line.startswith("│") and (cells := [c.strip() for c in line.split("│")[1:-1]])[0]
    }


def test_scanners_list_shows_which_keys_are_needed_and_present() -> None:
    result = invoke_env(
        {"COLUMNS": "250", "SEC_USER_AGENT": "Jane jane@example.com"}, "scanners", "list"
    )
    assert result.exit_code == 0, result.stderr
    rows = key_rows(result.stdout)
    assert rows["SEC_USER_AGENT"] == [
        "yes",
        "insider_buying, reddit_trending (optional), sec_catalysts",
    ]
    assert rows["ALPHA_VANTAGE_API_KEY"] == ["no", "market_movers (optional)"]
    assert not any("rsi_oversold" in row[1] for row in rows.values())
    result = invoke_env({"COLUMNS": "250"}, "scanners", "list")
    assert key_rows(result.stdout)["SEC_USER_AGENT"][0] == "no"


def test_snapshot_record_then_discover_replays_it(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    planted = "fh-PLANTED-RECORD-1a2b3c4d"
    server, config = sample_server_and_config(httpserver, tmp_path, planted)
    # A ranker named in config is not called while recording (unrecorded cost); its key
    # being only in the file must not matter either.
    with config.open("a", encoding="utf-8") as handle:
        handle.write(
            'llm_api_key = "sk-PLANTED-LLM-9a8b7c6d"\n[discovery.llm_rank]\n'
            f'provider = "openai"\nmodel = "gpt-test"\nbase_url = "{httpserver.url_for("/v1")}"\n'
        )
    root = tmp_path / "snap"
    recorded = invoke(
        "snapshot", "record", str(root), "--config", str(config), "--date", "2026-11-20",
        "--skip", "reddit_trending",
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.stderr
    assert "recorded " in recorded.stderr and "8 ok" in recorded.stderr
    assert {"token": planted} in server.secrets_seen
    assert "/v1/chat/completions" not in server.paths
    for path in root.rglob("*"):
        if path.is_file():
            assert planted.encode() not in path.read_bytes(), path

    shown = invoke("snapshot", "show", str(root))
    assert shown.exit_code == 0 and "recorded" in shown.stdout and "finnhub" in shown.stdout
    replayed = invoke("discover", "--snapshot", str(root), "--json", "--out", str(tmp_path))
    assert replayed.exit_code == 0, replayed.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(replayed.stdout)["scanner_runs"]}
    assert statuses.pop("reddit_trending") == "skipped"  # the snapshot has no reddit responses
    assert set(statuses.values()) == {"ok"}

    again = invoke("snapshot", "record", str(root), "--config", str(config))
    assert again.exit_code == 2
    assert "already holds a snapshot" in again.stderr


def test_a_snapshot_flag_means_replay_whatever_the_environment_says(tmp_path: Path) -> None:
    sample = str(sample_snapshot_path())
    env = {"TRADINGAGENTS_SOURCE__MODE": "live"}
    result = invoke_env(env, "discover", "--snapshot", sample, "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"]["mode"] == "replay"
    for flags in (["--source", "live"], ["--live"]):
        conflict = invoke("discover", "--snapshot", sample, *flags)
        assert conflict.exit_code == 2
        assert "--snapshot cannot go with --live (or --source live)" in conflict.stderr
    latency = invoke("discover", "--replay-latency", "--live")
    assert latency.exit_code == 2
    assert "--replay-latency cannot go with --live" in latency.stderr


def test_a_bad_flag_value_names_the_flag(tmp_path: Path) -> None:
    result = invoke("discover", "--max-workers", "0", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "(from --max-workers)" in result.stderr and "greater than 0" in result.stderr


def test_breakers_use_the_configured_state_directory(tmp_path: Path) -> None:
    state_dir = tmp_path / "st"
    policy = BreakerPolicy(failure_threshold=1, reset_timeout_s=60)
    with BreakerBoard(default_db_path(str(state_dir)), policy) as board:
        board.record("rsi_oversold", "error", "boom")
    env = {"TRADINGAGENTS_RESILIENCE__STATE_DIR": str(state_dir)}
    shown = invoke_env(env, "breakers", "show")
    assert shown.exit_code == 0, shown.stderr
    assert "rsi_oversold" in shown.stdout and "open" in shown.stdout
    assert "no breaker state" in invoke("breakers", "show").stdout  # the default dir is empty
    reset = invoke_env(env, "breakers", "reset", "rsi_oversold")
    assert "reset rsi_oversold" in reset.stdout


def test_the_timeout_flag_sets_every_scanners_deadline(tmp_path: Path) -> None:
    result = invoke("discover", "--json", "--timeout", "7", "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    runs = json.loads(result.stdout)["scanner_runs"]
    assert {r["timeout_s"] for r in runs} == {7.0}


def test_the_live_table_shows_every_status_with_its_detail() -> None:
    now = [100.0]
    progress = Progress(["queued_one", "running_one"], clock=lambda: now[0])
    events: list[dict[str, object]] = [
        {"event": "discovery_started", "scanners": ["queued_one", "running_one"]},
        {"event": "scanner_started", "scanner": "running_one"},
        {"event": "scanner_finished", "scanner": "ok_one", "status": "ok", "candidates": 4,
         "duration_s": 1.25},
        {"event": "scanner_finished", "scanner": "slow_one", "status": "timeout",
         "duration_s": 3.0, "error": {"type": "ScannerTimeout", "message": "deadline 3s"}},
        {"event": "scanner_finished", "scanner": "bad_one", "status": "error",
         "error": {"type": "ProviderHTTPError", "message": "HTTP 500 from yahoo"}},
        {"event": "scanner_finished", "scanner": "keyless", "status": "skipped",
         "reason": "needs FINNHUB_API_KEY"},
        {"event": "scanner_finished", "scanner": "tripped", "status": "circuit_open",
         "reason": "circuit open until 2026-11-20T15:30:00Z"},
    ]  # fmt: skip
    for event in events:
        progress.handle(event)
    now[0] = 102.5  # running_one started at 100.0
    console = Console(width=200, record=True, color_system=None)
    console.print(progress.render())
    rows = {
        line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
        for line in console.export_text().splitlines()
        if line.startswith("│")
    }
    # The covered column: empty until a scanner ends, "—" for one that told no coverage.
    assert rows["queued_one"] == ["queued", "", "", "", ""]
    assert rows["running_one"] == ["running", "2.5s", "", "", ""]
    assert rows["ok_one"] == ["ok", "1.25s", "4", "—", ""]
    assert rows["slow_one"] == ["timeout", "3.00s", "", "—", "ScannerTimeout: deadline 3s"]
    assert rows["bad_one"][0] == "error" and rows["bad_one"][4] == (
        "ProviderHTTPError: HTTP 500 from yahoo"
    )
    assert rows["keyless"] == ["skipped", "", "", "—", "needs FINNHUB_API_KEY"]
    assert rows["tripped"] == [
        "circuit_open", "", "", "—", "circuit open until 2026-11-20T15:30:00Z"
    ]  # fmt: skip


@pytest.mark.parametrize(("one_shot", "helpers"), [(True, 1), (False, 0)])
def test_the_chart_helper_process_is_started_only_for_a_one_shot_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_shot: bool, helpers: int
) -> None:
    # A process that ends after the command gains from drawing the chart on another core; a
    # long-lived one (tests, a caller's loop) already has matplotlib loaded after one chart.
    real_popen = subprocess.Popen
    started: list[list[str]] = []

    def recording(args: Any, *rest: Any, **kwargs: Any) -> Any:
        if "tradingagents.reports.chart_process" in list(args):
            started.append(list(args))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr("subprocess.Popen", recording)
    with pytest.raises(SystemExit) as done:
        main(["discover", "--out", str(tmp_path)], one_shot=one_shot)
    assert done.value.code == 0
    assert len(started) == helpers
    [chart] = [p for p in run_files(tmp_path) if p.name == "timeline.png"]
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
