"""``tradingagents runs list|show|replay``: archived live runs on the command line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner, Result

from tests.snapshot_server import SnapshotServer
from tests.test_cli import live_toml, on_sample_day
from tradingagents.cli import app
from tradingagents.replay.snapshot import load_snapshot, sample_snapshot_path


def invoke(*args: str, columns: int = 200) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def archive_root() -> Path:
    return Path(os.environ["TRADINGAGENTS_STATE_DIR"]) / "archive"


@pytest.fixture
def own_server() -> Iterator[HTTPServer]:
    # Not the shared pytest-httpserver fixture: this one is stopped mid-test.
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    if server.is_running():
        server.stop()


def live_run(server: HTTPServer, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """A live `discover --json` against the sample served by ``server``; its config and state."""
    snapshot_server = SnapshotServer(server, load_snapshot(sample_snapshot_path()))
    config = live_toml(
        snapshot_server,
        tmp_path / "live.toml",
        'finnhub_api_key = "fh-cli-runs-0a1b2c"\nsec_user_agent = "Test t@example.com"\n',
    )
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'[discovery]\ncache_dir = "{tmp_path / "cache"}"\n')
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
    assert "--skip" in runs["rsi_oversold"]["reason"]
