"""``tradingagents runs list|show|replay``: archived live runs on the command line."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner, Result

from tests.snapshot_server import SnapshotServer
from tests.test_cli import live_toml, on_sample_day
from tradingagents.archive import RunArchive
from tradingagents.cli import app
from tradingagents.cli.common import load_cli_settings
from tradingagents.cli.runs import replay_skips
from tradingagents.clock import SYSTEM_CLOCK
from tradingagents.http import Request, Response
from tradingagents.replay.snapshot import load_snapshot, sample_snapshot_path
from tradingagents.wiring import live_breakers


def invoke(*args: str, columns: int = 200) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def archive_root() -> Path:
    return Path(os.environ["TRADINGAGENTS_STATE_DIR"]) / "archive"


def live_run(
    server: HTTPServer, tmp_path: Path, prepare: Callable[[Path], None] | None = None
) -> tuple[Path, dict[str, object]]:
    """A live `discover --json` against the sample served by ``server``; its config and state
    (``prepare`` is given the config file first)."""
    snapshot_server = SnapshotServer(server, load_snapshot(sample_snapshot_path()))
    config = live_toml(
        snapshot_server,
        tmp_path / "live.toml",
        'finnhub_api_key = "fh-cli-runs-0a1b2c"\nsec_user_agent = "Test t@example.com"\n',
    )
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'[discovery]\ncache_dir = "{tmp_path / "cache"}"\n')
    if prepare is not None:
        prepare(config)
    result = invoke(
        "discover", "--config", str(config), "--date", "2026-11-20", "--json",
        "--out", str(tmp_path / "live"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    state = json.loads(result.stdout)
    return config, state


def test_a_live_run_is_listed_shown_and_replayed_offline(
    own_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    config, live = live_run(own_server, tmp_path)
    run_id = str(live["run_id"])
    assert live["source"] == {**live["source"], "archive": run_id}  # type: ignore[dict-item]
    own_server.stop()

    listed = invoke("runs", "list", "--config", str(config), columns=80)
    assert listed.exit_code == 0, listed.stderr
    assert run_id in listed.stdout and "2026-11-20" in listed.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    assert "responses" in listed.stdout  # every header whole at 80 columns

    shown = invoke("runs", "show", run_id, "--config", str(config))
    assert shown.exit_code == 0, shown.stderr
    assert "trade date   2026-11-20" in shown.stdout
    assert "yahoo" in shown.stdout and "finnhub" in shown.stdout
    assert "rsi_oversold" in shown.stdout

    replayed = invoke(
        "runs", "replay", run_id, "--config", str(config), "--json",
        "--out", str(tmp_path / "replayed"),
    )  # fmt: skip
    assert replayed.exit_code == 0, replayed.stderr
    state = json.loads(replayed.stdout)
    assert state["ranked_candidates"] == live["ranked_candidates"]
    assert [(r["name"], r["status"]) for r in state["scanner_runs"]] == [
        (r["name"], r["status"])
        for r in live["scanner_runs"]  # type: ignore[attr-defined]
    ]
    assert state["source"]["mode"] == "replay"
    assert list((tmp_path / "replayed" / "discovery" / "2026-11-20").glob("run_*"))

    printed = invoke("runs", "replay", run_id, "--config", str(config), "--out", str(tmp_path))
    assert printed.exit_code == 0, printed.stderr
    assert f"replaying archived run {run_id}" in printed.stderr
    assert "discovery for 2026-11-20" in printed.stdout


def test_a_mistyped_run_id_gets_a_suggestion(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    config, live = live_run(httpserver, tmp_path)
    run_id = str(live["run_id"])
    typo = run_id[:-1] + ("0" if run_id[-1] != "0" else "1")
    for command in ("show", "replay"):
        result = invoke("runs", command, typo, "--config", str(config))
        assert result.exit_code == 2
        assert f"no archived run {typo!r}; did you mean {run_id!r}?" in result.stderr


def test_runs_list_names_a_corrupt_manifest_and_lists_the_others(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    config, live = live_run(httpserver, tmp_path)
    broken = archive_root() / "runs" / "20261120T000000Z-deadbeef.json"
    broken.write_text("{not json", encoding="utf-8")
    result = invoke("runs", "list", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert str(live["run_id"]) in result.stdout
    assert str(broken) in result.stderr.replace("\n", "")
    shown = invoke("runs", "show", broken.stem, "--config", str(config))
    assert shown.exit_code == 2 and broken.name in shown.stderr


def test_runs_list_on_an_empty_archive_and_help() -> None:
    result = invoke("runs", "list")
    assert result.exit_code == 0
    assert "no archived runs in" in result.stderr
    for args in (("runs", "-h"), ("runs", "replay", "-h"), ("runs",)):
        shown = invoke(*args)
        assert shown.exit_code == 0, args
        assert "replay" in shown.stdout


def test_the_scanners_a_live_run_skipped_are_skipped_in_its_replay(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    config = live_toml(server, tmp_path / "live.toml", 'sec_user_agent = "Test t@example.com"\n')
    live = invoke(
        "discover", "--config", str(config), "--date", "2026-11-20", "--json",
        "--only", "insider_buying", "--out", str(tmp_path),
    )  # fmt: skip
    assert live.exit_code == 0, live.stderr
    state = json.loads(live.stdout)
    replayed = invoke(
        "runs", "replay", state["run_id"], "--config", str(config), "--json", "--out", str(tmp_path)
    )
    assert replayed.exit_code == 0, replayed.stderr
    runs = {r["name"]: r for r in json.loads(replayed.stdout)["scanner_runs"]}
    assert runs["insider_buying"]["status"] == "ok"
    # Skipped as in the live run, not asked of a snapshot that has none of their data.
    assert runs["rsi_oversold"]["status"] == "skipped"
    assert runs["rsi_oversold"]["reason"] == "skipped in the live run"


def open_breaker(config: Path) -> None:
    board = live_breakers(load_cli_settings(config).discovery, SYSTEM_CLOCK)
    assert board is not None
    for _ in range(10):
        board.record("technical_breakout", "error", "boom")


def test_a_scanner_whose_circuit_was_open_live_is_skipped_in_the_replay(
    own_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    config, live = live_run(own_server, tmp_path, prepare=open_breaker)
    live_runs = {r["name"]: r for r in live["scanner_runs"]}  # type: ignore[attr-defined]
    assert live_runs["technical_breakout"]["status"] == "circuit_open"
    own_server.stop()

    replayed = invoke(
        "runs", "replay", str(live["run_id"]), "--config", str(config), "--json",
        "--out", str(tmp_path / "replayed"),
    )  # fmt: skip
    assert replayed.exit_code == 0, replayed.stderr
    state = json.loads(replayed.stdout)
    runs = {r["name"]: r for r in state["scanner_runs"]}
    # Run on the other scanners' data it would add picks the live run never had.
    assert runs["technical_breakout"]["status"] == "skipped"
    assert runs["technical_breakout"]["reason"] == "circuit_open in the live run"
    assert state["candidates"] == live["candidates"]
    assert state["ranked_candidates"] == live["ranked_candidates"]


def test_replay_runs_exactly_the_scanners_that_ran_live() -> None:
    live = {"rsi_oversold": "ok", "insider_buying": "error", "market_movers": "timeout"}
    live |= {"sec_catalysts": "skipped", "technical_breakout": "circuit_open", "gone": "ok"}
    skips = replay_skips(live)
    assert "rsi_oversold" not in skips and "insider_buying" not in skips
    assert skips["market_movers"] == "timeout in the live run"
    assert skips["sec_catalysts"] == "skipped in the live run"
    assert skips["technical_breakout"] == "circuit_open in the live run"
    assert skips["volume_accumulation"] == "not in the live run"
    assert "gone" not in skips  # uninstalled since: not run, and not a name --skip knows
    assert replay_skips({}) == {}  # no statuses archived: nothing says what to skip


def test_runs_show_prints_markup_in_names_as_text(tmp_path: Path) -> None:
    archive = RunArchive(archive_root())
    recorder = archive.start("run-markup", date(2026, 11, 20), datetime(2026, 11, 20, tzinfo=UTC))
    request = Request(provider="[/red]evil", url="http://127.0.0.1/x", params={})
    recorder.add(request, Response(status=200, body=b"{}"))
    assert recorder.commit({"[bold]scan[/]": "[/red]"}) is None
    shown = invoke("runs", "show", "run-markup")
    assert shown.exit_code == 0, shown.stderr
    assert "[/red]evil" in shown.stdout and "[bold]scan[/]" in shown.stdout


@pytest.mark.parametrize("kind", ["a file", "unreadable"])
def test_runs_list_names_an_unusable_runs_directory(kind: str) -> None:
    runs = archive_root() / "runs"
    runs.parent.mkdir(parents=True, exist_ok=True)
    if kind == "a file":
        runs.write_text("not a directory", encoding="utf-8")
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads any directory")
        runs.mkdir()
        runs.chmod(0)
    try:
        result = invoke("runs", "list")
    finally:
        if runs.is_dir():
            runs.chmod(0o700)
    assert result.exit_code == 2, result.output
    assert "cannot list" in result.stderr and str(runs) in result.stderr.replace("\n", "")


PLANTED_KEY = "fh-cli-runs-0a1b2c"  # live_run's Finnhub key


def loose_rsi(config: Path) -> None:
    """A non-default setting that changes the picks, and the Finnhub key planted in two
    config values a manifest records (a URL's query, a cache pattern)."""
    with config.open("a", encoding="utf-8") as handle:
        handle.write(
            "[discovery.scanners.rsi_oversold]\nmax_rsi = 60.0\n"
            f'[discovery.llm_rank]\nbase_url = "https://llm.example/v1?key={PLANTED_KEY}"\n'
            f'[discovery.resilience.cache.ttl_seconds]\n"finnhub:/{PLANTED_KEY}/*" = 60.0\n'
        )


def rsi_picks(state: dict[str, object]) -> list[object]:
    return [c for c in state["candidates"] if "rsi_oversold" in str(c)]  # type: ignore[attr-defined]


def test_a_replay_runs_with_the_live_runs_config_not_the_current_one(
    own_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    _, live = live_run(own_server, tmp_path, prepare=loose_rsi)
    own_server.stop()
    run_id = str(live["run_id"])
    manifest = (archive_root() / "runs" / f"{run_id}.json").read_text(encoding="utf-8")
    assert PLANTED_KEY not in manifest and "[REDACTED]" in manifest
    recorded = json.loads(manifest)["config"]
    assert recorded["scanners"]["rsi_oversold"]["max_rsi"] == 60.0
    assert "source" not in recorded and "cache_dir" not in recorded
    assert "state_dir" not in recorded["resilience"]

    # No --config: the current config is the defaults, whose max_rsi (10) finds fewer.
    replayed = invoke("runs", "replay", run_id, "--json", "--out", str(tmp_path / "replayed"))
    assert replayed.exit_code == 0, replayed.stderr
    assert "config: the live run's recorded config" in replayed.stderr
    state = json.loads(replayed.stdout)
    assert state["source"]["mode"] == "replay"
    assert state["candidates"] == live["candidates"]
    assert state["ranked_candidates"] == live["ranked_candidates"]

    # --config merges over the recorded config: the user changes what they name, knowingly.
    strict = tmp_path / "strict.toml"
    strict.write_text("[discovery.scanners.rsi_oversold]\nmax_rsi = 10.0\n", encoding="utf-8")
    changed = invoke(
        "runs", "replay", run_id, "--config", str(strict), "--json", "--out", str(tmp_path)
    )
    assert changed.exit_code == 0, changed.stderr
    assert f"recorded config with --config {strict} over it" in changed.stderr
    fewer = json.loads(changed.stdout)
    assert 0 < len(rsi_picks(fewer)) < len(rsi_picks(live))
    assert rsi_picks(fewer) != rsi_picks(live)


def test_a_run_archived_without_its_config_replays_with_the_current_config(
    own_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    config, live = live_run(own_server, tmp_path)
    own_server.stop()
    run_id = str(live["run_id"])
    path = archive_root() / "runs" / f"{run_id}.json"
    older = json.loads(path.read_text(encoding="utf-8"))
    del older["config"]  # as archived before the config was recorded
    path.write_text(json.dumps(older), encoding="utf-8")
    replayed = invoke(
        "runs", "replay", run_id, "--config", str(config), "--json", "--out", str(tmp_path)
    )
    assert replayed.exit_code == 0, replayed.stderr
    assert f"config: --config {config} (the run was archived without its config)" in (
        replayed.stderr.replace("\n", "")
    )
    assert json.loads(replayed.stdout)["ranked_candidates"] == live["ranked_candidates"]


def test_settings_of_scanners_uninstalled_since_do_not_stop_a_replay(
    own_server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sample_day(monkeypatch)
    _, live = live_run(own_server, tmp_path)
    own_server.stop()
    path = archive_root() / "runs" / f"{live['run_id']}.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    # As a plugin's would be recorded: it ran live, then was uninstalled.
    manifest["config"]["scanners"]["gone_plugin"] = {"enabled": True, "depth": 3}
    manifest["config"]["pipelines"]["gone_pipeline"] = {"enabled": True}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    replayed = invoke("runs", "replay", str(live["run_id"]), "--json", "--out", str(tmp_path))
    assert replayed.exit_code == 0, replayed.stderr
    assert json.loads(replayed.stdout)["ranked_candidates"] == live["ranked_candidates"]
