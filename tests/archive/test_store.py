"""The run archive: live runs archived by default, replayed offline, deduplicated, bounded."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from tests.helpers import make_scanner
from tests.snapshot_server import SnapshotServer
from tradingagents.archive import (
    ArchiveError,
    CorruptRunManifest,
    RunArchive,
    RunNotArchived,
    archive_of,
    recorded_config,
)
from tradingagents.config import load_config
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response
from tradingagents.recording import record_snapshot
from tradingagents.redaction import contains_secret, register_secret
from tradingagents.replay import load_snapshot, sample_snapshot_path

SAMPLE_DAY = date(2026, 11, 20)
FINNHUB_KEY = "fh-archive-test-key-4567"


def on_sample_day() -> date:
    return SAMPLE_DAY


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidates": state["candidates"],
        "ranked": state["ranked_candidates"],
        "runs": [(r["name"], r["status"], r["candidates"]) for r in state["scanner_runs"]],
    }


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEC_USER_AGENT", "Test Runner test@example.com")
    monkeypatch.setenv("FINNHUB_API_KEY", FINNHUB_KEY)


def live_config(server: SnapshotServer, tmp_path: Path, **discovery: Any) -> dict[str, Any]:
    # A cold price cache: every bar the run uses is fetched, so the archive holds it.
    return server.live_config(cache_dir=str(tmp_path / "cache"), **discovery)


def archive_root() -> Path:
    return Path(os.environ["TRADINGAGENTS_STATE_DIR"]) / "archive"


@pytest.mark.usefixtures("keys")
def test_a_live_run_is_archived_and_replays_the_same_offline(
    own_server: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(own_server, load_snapshot(sample_snapshot_path()))
    config = live_config(server, tmp_path)
    live = DiscoveryGraph(config, today=on_sample_day).run(SAMPLE_DAY)

    archive = archive_of(load_config(config))
    assert archive.root == archive_root()
    [run] = archive.runs()
    assert live["source"]["archive"] == run.run_id == live["run_id"]
    assert run.trade_date == SAMPLE_DAY
    assert run.responses == sum(server.paths.values())
    assert run.scanners == {r["name"]: r["status"] for r in live["scanner_runs"]}
    assert archive.for_trade_date(SAMPLE_DAY) == [run]
    assert archive.for_trade_date(date(2026, 11, 19)) == []

    own_server.stop()  # offline from here on
    snapshot = archive.materialize(run.run_id, tmp_path / "replay")
    assert load_snapshot(snapshot).manifest.recorded_at == run.recorded_at
    replayed = DiscoveryGraph(
        {"discovery": {"source": {"mode": "replay", "snapshot": str(snapshot)}}}
    ).run()
    assert comparable(replayed) == comparable(live)
    assert live["ranked_candidates"]
    for path in files_under(archive.root):
        assert FINNHUB_KEY.encode() not in path.read_bytes(), path


@pytest.mark.usefixtures("keys")
def test_two_runs_with_the_same_bodies_store_each_once_cache_hits_included(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    config = live_config(server, tmp_path)
    first = DiscoveryGraph(config, today=on_sample_day).run(SAMPLE_DAY)
    blobs = sorted(p.name for p in (archive_root() / "blobs").rglob("*") if p.is_file())
    second = DiscoveryGraph(config, today=on_sample_day).run(SAMPLE_DAY)
    # The second run was served (partly) by the HTTP cache: those responses count too.
    hits = sum(p.get("cache_hits", 0) for p in second["run_summary"]["providers"].values())
    assert hits > 0

    archive = RunArchive(archive_root())
    newer, older = archive.runs()
    assert (newer.run_id, older.run_id) == (second["run_id"], first["run_id"])

    def bodies(run: Any) -> dict[str, str]:
        return {e.key: e.sha256 for e in run.manifest.responses}

    assert bodies(newer) == bodies(older)
    assert sorted(p.name for p in (archive_root() / "blobs").rglob("*") if p.is_file()) == blobs
    assert len(blobs) == len(older.manifest.blobs())  # the responses' and the bars'
    assert older.manifest.bar_archive == newer.manifest.bar_archive
    assert not (archive_root() / "staging").exists() or not any(
        (archive_root() / "staging").iterdir()
    )


def fake_request(path: str, **params: str) -> Request:
    return Request(provider="yahoo", url=f"http://127.0.0.1/{path}", params=params)


def archive_run(
    archive: RunArchive, run_id: str, when: datetime, bodies: dict[str, bytes]
) -> str | None:
    recorder = archive.start(run_id, SAMPLE_DAY, when)
    for path, body in bodies.items():
        recorder.add(fake_request(path), Response(status=200, body=body))
    return recorder.commit({"s": "ok"})


def at(hour: int) -> datetime:
    return datetime(2026, 11, 20, hour, tzinfo=UTC)


def test_over_the_bound_the_oldest_runs_go_with_the_blobs_only_they_used(tmp_path: Path) -> None:
    shared, old, middle, new = (bytes([n]) * 4000 for n in range(4))
    archive = RunArchive(tmp_path / "archive", max_bytes=14_000)
    assert archive_run(archive, "run-old", at(9), {"a": shared, "b": old}) is None
    assert archive_run(archive, "run-middle", at(10), {"a": shared, "c": middle}) is None
    assert [r.run_id for r in archive.runs()] == ["run-middle", "run-old"]
    # Three distinct 4 kB bodies and two manifests fit in 14 kB; a fourth body does not.
    assert archive_run(archive, "run-new", at(11), {"a": shared, "d": new}) is None

    assert [r.run_id for r in archive.runs()] == ["run-new", "run-middle"]
    on_disk = {p.read_bytes() for p in (archive.root / "blobs").rglob("*") if p.is_file()}
    assert on_disk == {shared, middle, new}
    assert archive.size() <= 14_000
    with pytest.raises(RunNotArchived):
        archive.get("run-old")


def test_a_run_bigger_than_the_bound_is_not_kept_and_says_so(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive", max_bytes=1000)
    warning = archive_run(archive, "run-big", at(9), {"a": b"x" * 5000})
    assert warning is not None and "run-big" in warning and "max_megabytes" in warning
    assert archive.runs() == []
    assert not any(p.is_file() for p in (archive.root / "blobs").rglob("*"))


def test_secrets_in_params_header_echoes_and_bodies_never_reach_the_archive(
    tmp_path: Path,
) -> None:
    key, token, planted = "ak-SECRET-param-1a2b3c", "tok-SECRET-bearer-4d5e6f", "pw-LEAKED-9z8y7x"
    register_secret(planted)  # a configured credential, as Credentials registers it
    request = Request(
        provider="alpha_vantage",
        url="http://127.0.0.1/query",
        # A known secret in a public parameter (a misconfiguration) is scrubbed too.
        params={"function": "TOP", "note": planted},
        secret_params={"apikey": key},
        secret_headers={"Authorization": f"Bearer {token}"},
    )
    body = json.dumps(
        {
            "Information": f"apikey={quote(key)} over quota",
            "echo": {"authorization": f"Bearer {token}", "url": f"/query?apikey={key}"},
            "password": planted,
        }
    ).encode()
    archive = RunArchive(tmp_path / "archive")
    recorder = archive.start("run-secret", SAMPLE_DAY, at(9))
    recorder.add(request, Response(status=200, body=body))
    assert recorder.commit() is None

    written = files_under(archive.root)
    assert any("blobs" in p.parts for p in written)
    for path in written:
        data = path.read_bytes()
        for secret in (key, token, planted):
            assert not contains_secret(data, {secret}), (path, secret)
    [run] = archive.runs()
    assert "[REDACTED]" in (archive.root / "runs" / "run-secret.json").read_text()
    assert run.responses == 1


def test_a_corrupt_manifest_is_named_and_the_others_still_listed(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-good", at(9), {"a": b"{}"})
    broken = archive.root / "runs" / "run-broken.json"
    broken.write_text('{"format": 1, "run_id": "run-broken", "trade_da', encoding="utf-8")

    assert [r.run_id for r in archive.runs()] == ["run-good"]
    [problem] = archive.problems()
    assert problem.path == broken and str(broken) in str(problem)
    with pytest.raises(CorruptRunManifest, match=r"run-broken\.json"):
        archive.get("run-broken")
    # Committing more runs keeps working around it.
    assert archive_run(archive, "run-later", at(10), {"b": b"[]"}) is None
    assert [r.run_id for r in archive.runs()] == ["run-later", "run-good"]


def test_an_unknown_run_id_names_it_with_the_closest_ids(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "20261120T090000Z-1a2b3c4d", at(9), {"a": b"{}"})
    with pytest.raises(RunNotArchived) as caught:
        archive.get("20261120T090000Z-1a2b3c4e")
    assert "did you mean '20261120T090000Z-1a2b3c4d'" in str(caught.value)
    with pytest.raises(RunNotArchived, match=r"no archived run '\.\./escape'"):
        archive.get("../escape")


def test_materialize_refuses_a_run_whose_blob_is_gone(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    archive_run(archive, "run-a", at(9), {"a": b"{}"})
    [blob] = [p for p in (archive.root / "blobs").rglob("*") if p.is_file()]
    blob.unlink()
    with pytest.raises(ArchiveError, match="missing from the archive"):
        archive.materialize("run-a", tmp_path / "out")


@pytest.mark.usefixtures("keys")
def test_archive_disabled_writes_nothing_and_replays_are_never_archived(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    config = live_config(server, tmp_path, archive={"enabled": False})
    live = DiscoveryGraph(config, today=on_sample_day).run(SAMPLE_DAY)
    assert sum(server.paths.values()) > 0
    replay = DiscoveryGraph().run()
    assert "archive" not in live["source"] and "archive" not in replay["source"]
    assert not archive_root().exists()


@pytest.mark.usefixtures("keys")
def test_record_snapshot_runs_are_not_archived_twice(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    config = live_config(server, tmp_path)
    config["discovery"]["scanners"] = {"earnings_calendar": {"enabled": True}}
    record_snapshot(tmp_path / "snap", config=config, trade_date=SAMPLE_DAY, today=on_sample_day)
    assert not archive_root().exists()


@pytest.mark.usefixtures("keys")
def test_an_unwritable_archive_is_a_run_warning_not_a_failure(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    archive_root().parent.mkdir(parents=True, exist_ok=True)
    archive_root().write_text("not a directory", encoding="utf-8")
    config = live_config(server, tmp_path)
    state = DiscoveryGraph(config, today=on_sample_day).run(SAMPLE_DAY)
    assert {r["status"] for r in state["scanner_runs"]} == {"ok"}
    [warning] = [w for w in state["run_summary"]["warnings"] if "run archive" in w]
    assert state["run_id"] in warning
    assert "archive" not in state["source"]


def test_overlapping_runs_of_one_graph_each_archive_their_own_responses(
    own_server: HTTPServer, tmp_path: Path
) -> None:
    def answer(request: WerkzeugRequest) -> WerkzeugResponse:
        return WerkzeugResponse(json.dumps({"day": request.path}), content_type="application/json")

    own_server.expect_request("/day/2026-11-19").respond_with_handler(answer)
    own_server.expect_request("/day/2026-11-20").respond_with_handler(answer)
    both = threading.Barrier(2, timeout=20)

    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        apewisdom = ctx.services.providers.apewisdom
        both.wait()  # both runs are in flight at once from here
        apewisdom.get(ctx, f"/day/{ctx.trade_date.isoformat()}", tool="day")
        both.wait()
        return []

    config = {
        "discovery": {
            "source": {"mode": "live"},
            "providers": {"apewisdom": {"base_url": own_server.url_for("").rstrip("/")}},
        }
    }
    states: dict[str, dict[str, Any]] = {}
    with DiscoveryGraph(config, [make_scanner("daily", scan)]) as graph:

        def run(day: str) -> None:
            states[day] = graph.run(day)

        threads = [threading.Thread(target=run, args=(d,)) for d in ("2026-11-19", "2026-11-20")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    archive = RunArchive(archive_root())
    for day, state in states.items():
        archived = archive.get(state["source"]["archive"])
        assert archived.trade_date == date.fromisoformat(day)
        assert [e.path for e in archived.manifest.responses] == [f"/day/{day}"]


def test_a_commit_that_cannot_write_is_a_warning_and_leaves_no_staging(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path / "archive")
    (archive.root).mkdir()
    (archive.root / "runs").write_text("a file where the manifests go", encoding="utf-8")
    warning = archive_run(archive, "run-a", at(9), {"a": b"{}"})
    assert warning is not None
    assert "run-a not archived" in warning and "runs" in warning
    assert not (archive.root / "staging" / "run-a").exists()


def test_concurrent_commits_under_the_bound_leave_every_kept_run_whole(tmp_path: Path) -> None:
    shared = b"s" * 3000
    archive = RunArchive(tmp_path / "archive", max_bytes=40_000)
    warnings: list[str | None] = []

    def commit(n: int) -> None:
        bodies = {"shared": shared, f"own{n}": bytes([n]) * 3000, f"more{n}": bytes([n, 1]) * 900}
        warnings.append(archive_run(archive, f"run-{n:02d}", at(n), bodies))

    threads = [threading.Thread(target=commit, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    kept = archive.runs()
    # A run committed after newer ones filled the bound is dropped at once, and says why.
    late = [w for w in warnings if w is not None]
    assert all("is older than the runs" in w for w in late)
    assert len(kept) + len(late) <= 12
    assert 0 < len(kept) < 12 and archive.size() <= 40_000
    # The newest runs by recorded time are the ones kept, whatever order they committed in.
    assert [r.run_id for r in kept] == [f"run-{n:02d}" for n in range(11, 11 - len(kept), -1)]
    used = {e.sha256 for run in kept for e in run.manifest.responses}
    on_disk = {p.name for p in (archive.root / "blobs").rglob("*") if p.is_file()}
    assert on_disk == used
    for run in kept:
        archive.materialize(run.run_id, tmp_path / "out" / run.run_id)


@pytest.mark.usefixtures("keys")
def test_a_run_records_its_effective_config_with_its_per_run_overrides(
    own_server: HTTPServer, tmp_path: Path
) -> None:
    server = SnapshotServer(own_server, load_snapshot(sample_snapshot_path()))
    config = live_config(server, tmp_path, universe=["AAPL", "KO", "F"])
    override = {"scanners": {"rsi_oversold": {"max_rsi": 60.0}}, "rank": {"max_candidates": 3}}
    with DiscoveryGraph(config, today=on_sample_day) as graph:
        live = graph.run(SAMPLE_DAY, config={"configurable": {"discovery": override}})
    [run] = archive_of(load_config(config)).runs()
    assert run.run_id == live["run_id"]
    recorded = run.manifest.config
    assert recorded is not None
    assert recorded["universe"] == ["AAPL", "KO", "F"]
    assert recorded["scanners"]["rsi_oversold"]["max_rsi"] == 60.0  # the run's, not the graph's
    assert recorded["rank"]["max_candidates"] == 3
    # Loads as the config it was, but for what a replay sets itself.
    expected = load_config(config).model_dump(mode="json")
    assert load_config({"discovery": recorded}).model_dump(mode="json") == {
        **expected,
        "scanners": recorded["scanners"],
        "rank": {**expected["rank"], "max_candidates": 3},
        "source": load_config(None).source.model_dump(mode="json"),
        "cache_dir": None,
        "providers": {name: {**p, "base_url": None} for name, p in expected["providers"].items()},
    }


def test_recorded_config_drops_what_a_replay_sets_and_redacts_every_secret() -> None:
    secret = "planted-archive-secret-91ab"
    register_secret(secret)
    config = load_config(
        {
            "discovery": {
                "source": {"mode": "live"},
                "cache_dir": "/tmp/c",
                "resilience": {
                    "state_dir": "/tmp/s",
                    "cache": {"ttl_seconds": {f"x:/{secret}": 1.0}},
                },
                "providers": {"finnhub": {"base_url": f"http://u:{secret}@h", "run_budget": 7}},
                "llm_rank": {"base_url": f"https://llm.example/?q={secret}"},
            }
        }
    )
    recorded = recorded_config(config)
    assert secret not in json.dumps(recorded)
    assert "source" not in recorded and "cache_dir" not in recorded
    assert "state_dir" not in recorded["resilience"]
    assert recorded["providers"]["finnhub"]["run_budget"] == 7  # budgets shape a replay
    assert "base_url" not in recorded["providers"]["finnhub"]
    assert recorded["llm_rank"]["base_url"] == "https://llm.example/?q=[REDACTED]"
    assert "x:/[REDACTED]" in recorded["resilience"]["cache"]["ttl_seconds"]


def test_a_manifest_without_a_config_still_loads(tmp_path: Path) -> None:
    archive = RunArchive(tmp_path)
    assert archive_run(archive, "older", at(9), {"a": b"{}"}) is None
    path = archive.runs_dir / "older.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["config"] is None  # archive.start without a config
    del manifest["config"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    [run] = archive.runs()
    assert run.manifest.config is None and archive.problems() == []
    assert (archive.materialize("older", tmp_path / "replay") / "manifest.json").exists()
