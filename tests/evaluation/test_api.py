"""evaluate(): point-in-time picks, the not-evaluable path, survivorship and resume."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from tests.evaluation.helpers import UNIVERSE, archive, config, frames, walk
from tests.snapshot_server import SnapshotServer
from tradingagents.archive import archive_of
from tradingagents.calendar import sessions_between
from tradingagents.clock import FakeClock
from tradingagents.config import load_config
from tradingagents.evaluation import EvaluationError, evaluate
from tradingagents.evaluation.picks import PICK_COLUMNS
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response
from tradingagents.replay import load_snapshot, sample_snapshot_path

DAY = date(2025, 11, 3)
ONLY_VOLUME = {name: {"enabled": False} for name in ("rsi_oversold", "technical_breakout")}


def volume_config() -> dict[str, object]:
    whole = config()
    whole["discovery"]["scanners"] = ONLY_VOLUME  # type: ignore[index]
    return whole


def planted(on: date) -> dict[str, pd.DataFrame]:
    """AAA trades 10x its volume on ``on`` with a flat close: volume_accumulation's signal."""
    data = frames()
    bars = data["AAA"].copy()
    at = bars.index.get_loc(pd.Timestamp(on))
    assert isinstance(at, int)
    stamp = bars.index[at]
    bars.loc[stamp, "volume"] = bars["volume"].iloc[at - 25 : at].mean() * 10
    for column in ("close", "adj_close"):
        bars.loc[stamp, column] = bars[column].iloc[at - 1]
    data["AAA"] = bars
    return data


def picks(path: Path) -> pd.DataFrame:
    result = evaluate(DAY, DAY, config=volume_config(), bars=path, workers=1)
    return result.frame[list(PICK_COLUMNS)].drop_duplicates().reset_index(drop=True)


def test_a_bar_after_the_day_changes_nothing_and_one_on_the_day_does(tmp_path: Path) -> None:
    base = picks(archive(tmp_path / "base.parquet"))
    after = picks(archive(tmp_path / "after.parquet", planted(date(2025, 11, 4))))
    on = picks(archive(tmp_path / "on.parquet", planted(DAY)))
    pd.testing.assert_frame_equal(base, after)
    assert "AAA" not in base["ticker"].tolist()
    found = on[(on["ticker"] == "AAA") & (on["scanner"] == "volume_accumulation")]
    assert len(found) == 1


def test_scanners_without_point_in_time_data_are_listed_not_run(tmp_path: Path) -> None:
    result = evaluate(DAY, DAY, config=config(), bars=archive(tmp_path / "bars.parquet"), workers=1)
    listed = {item.scanner: item.reason for item in result.not_evaluable}
    assert set(listed) == {
        "earnings_calendar",
        "insider_buying",
        "market_movers",
        "options_flow",
        "reddit_trending",
        "sec_catalysts",
    }
    assert "needs the live source" in listed["insider_buying"]
    assert "recorded on that day" in listed["market_movers"]
    assert set(result.frame["scanner"]) <= {
        "rsi_oversold",
        "technical_breakout",
        "volume_accumulation",
    }
    assert "## Not evaluable for these dates" in result.markdown
    assert "- **market_movers** (1 of 1 days)" in result.markdown
    assert "mean nothing for trading" in result.markdown


def test_on_the_snapshot_day_every_scanner_replays_it(tmp_path: Path) -> None:
    # The sample snapshot holds 2026-11-20: that day needs no point-in-time reconstruction.
    whole = {"discovery": {"evaluation": {"min_sample": 5}}}
    days = sessions_between(date(2026, 10, 1), date(2026, 12, 31))
    path = archive(tmp_path / "bars.parquet", {s: walk(s, days) for s in (*UNIVERSE, "SPY")})
    result = evaluate("2026-11-20", "2026-11-20", config=whole, bars=path, workers=1)
    assert result.not_evaluable == ()


def test_a_symbol_without_later_bars_is_kept_with_the_reason(tmp_path: Path) -> None:
    data = planted(DAY)
    data["AAA"] = data["AAA"].loc[: pd.Timestamp(DAY)]  # delisted after the pick day
    result = evaluate(
        DAY, DAY, config=volume_config(), bars=archive(tmp_path / "b.parquet", data), workers=1
    )
    rows = result.frame[result.frame["ticker"] == "AAA"]
    assert len(rows) == 3  # one per horizon, none dropped
    assert rows["forward_return"].isna().all()
    assert set(rows["return_reason"]) == {"no bars after 2025-11-03 (delisted or missing)"}
    assert "no bars after 2025-11-03 (delisted or missing)" in result.markdown


def test_a_rerun_skips_the_finished_days_and_writes_the_same_parquet(tmp_path: Path) -> None:
    path = archive(tmp_path / "bars.parquet")
    out = tmp_path / "out"
    first = evaluate("2025-11-03", "2025-11-05", config=config(), bars=path, workers=1, out=out)
    parquet = (out / "evaluation.parquet").read_bytes()
    assert first.days_run == 3
    second = evaluate("2025-11-03", "2025-11-05", config=config(), bars=path, workers=1, out=out)
    assert second.days_run == 0
    assert (out / "evaluation.parquet").read_bytes() == parquet
    assert (out / "evaluation.png").read_bytes()[:4] == b"\x89PNG"
    # A setting that changes the picks is another store: every day runs again.
    changed = config()
    changed["discovery"]["scanners"] = {"rsi_oversold": {"max_rsi": 20.0}}  # type: ignore[index]
    third = evaluate("2025-11-03", "2025-11-05", config=changed, bars=path, workers=1, out=out)
    assert third.days_run == 3
    # Horizons do not change the picks: the days are reused.
    fourth = evaluate(
        "2025-11-03", "2025-11-05", config=config(horizons=[2]), bars=path, workers=1, out=out
    )
    assert fourth.days_run == 0


def test_bad_ranges_and_universes(tmp_path: Path) -> None:
    path = archive(tmp_path / "bars.parquet")
    with pytest.raises(EvaluationError, match="after"):
        evaluate("2025-11-05", "2025-11-03", config=config(), bars=path, workers=1)
    with pytest.raises(EvaluationError, match="no NYSE session"):
        evaluate("2025-11-08", "2025-11-09", config=config(), bars=path, workers=1)
    listing = {"discovery": {"universe": {"source": "nasdaq"}}}
    with pytest.raises(EvaluationError, match="listing"):
        evaluate(DAY, DAY, config=listing, bars=path, workers=1)
    assert UNIVERSE


SAMPLE_DAY = date(2026, 11, 20)
NOW_ONLY = {"earnings_calendar", "market_movers", "options_flow", "reddit_trending"}


def test_a_day_with_an_archived_live_run_replays_it_with_every_scanner(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEC_USER_AGENT", "Test Runner test@example.com")
    monkeypatch.setenv("FINNHUB_API_KEY", "fh-evaluation-test-key")
    server = SnapshotServer(httpserver, load_snapshot(sample_snapshot_path()))
    whole = server.live_config(cache_dir=str(tmp_path / "cache"), evaluation={"min_sample": 5})
    # A live run on the sample's day, archived by default (the sample server plays Yahoo & co).
    # Recorded on the day (a run recorded later would not stand for it: see below).
    clock = FakeClock(datetime(2026, 11, 20, 15, tzinfo=UTC))
    live = DiscoveryGraph(whole, today=lambda: SAMPLE_DAY, clock=clock).run(SAMPLE_DAY)
    runs = archive_of(load_config(whole))
    (run,) = runs.runs()
    assert live["source"]["archive"] == run.run_id
    served = sum(server.paths.values())

    days = sessions_between(date(2026, 10, 1), date(2026, 12, 31))
    path = archive(tmp_path / "bars.parquet", {s: walk(s, days) for s in (*UNIVERSE, "SPY")})
    result = evaluate("2026-11-20", "2026-11-24", config=whole, bars=path, workers=1)

    listed = {item.scanner: item for item in result.not_evaluable}
    assert set(listed) == NOW_ONLY  # date_range ones run live, bars ones from the archive
    assert {(item.days, item.of_days) for item in listed.values()} == {(2, 3)}  # all but D
    by_day = result.frame.groupby("trade_date")["scanner"].agg(set)
    assert by_day[SAMPLE_DAY] & NOW_ONLY  # replayed from what was recorded that day
    for later in (date(2026, 11, 23), date(2026, 11, 24)):
        assert not by_day.get(later, set()) & NOW_ONLY
    assert "1 archived live runs" in result.markdown
    assert (tmp_path / "cache" / "evaluation" / "runs" / run.run_id / "manifest.json").is_file()
    # The other days' live runs asked the server (date-range scanners) and were not archived.
    assert sum(server.paths.values()) > served
    assert [r.run_id for r in runs.runs()] == [run.run_id]


def archive_fake_run(
    config: Mapping[str, Any], run_id: str, day: date, hour: int, at: datetime | None = None
) -> None:
    """An archived live run of ``day`` recorded at ``hour`` UTC that day (or ``at``), through
    the archive's public API (one Yahoo answer)."""
    recorded = at or datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    recorder = archive_of(load_config(config)).start(run_id, day, recorded)
    request = Request(provider="yahoo", url="http://127.0.0.1/v1/x", params={"run": run_id})
    recorder.add(request, Response(status=200, body=run_id.encode()))
    assert recorder.commit({"market_movers": "ok"}) is None


def test_the_newest_archived_run_of_a_day_is_replayed_and_a_broken_one_is_said(
    tmp_path: Path,
) -> None:
    whole = config()
    first, second = date(2025, 11, 3), date(2025, 11, 4)
    archive_fake_run(whole, "run-old", first, 9)
    archive_fake_run(whole, "run-new", first, 15)
    archive_fake_run(whole, "run-broken", second, 9)
    runs = archive_of(load_config(whole))
    drop_blob(runs.root, b"run-broken")
    path = archive(tmp_path / "bars.parquet")
    result = evaluate("2025-11-03", "2025-11-05", config=whole, bars=path, workers=1)
    listed = {item.scanner: (item.days, item.of_days) for item in result.not_evaluable}
    assert listed["market_movers"] == listed["insider_buying"] == (2, 3)  # all but 11-03
    (warning,) = result.warnings
    assert warning.startswith("the archived run run-broken of 2025-11-04 cannot be replayed (")
    assert warning in result.markdown
    materialized = Path(os.environ["TRADINGAGENTS_CACHE_DIR"]) / "evaluation" / "runs"
    assert sorted(p.name for p in materialized.iterdir()) == ["run-new"]
    # Materialized once: a later evaluation replays the copy, even with the blob gone since.
    drop_blob(runs.root, b"run-new")
    again = evaluate("2025-11-03", "2025-11-05", config=whole, bars=path, workers=1)
    assert {i.scanner: (i.days, i.of_days) for i in again.not_evaluable}["market_movers"] == (2, 3)
    assert again.warnings == result.warnings


def drop_blob(root: Path, body: bytes) -> None:
    (blob,) = [p for p in (root / "blobs").rglob("*") if p.is_file() and p.read_bytes() == body]
    blob.unlink()


def test_a_run_recorded_after_the_next_sessions_open_is_not_that_days_data(
    tmp_path: Path,
) -> None:
    # `discover --live --date 2025-11-03` run later carries the later day's screeners: only a
    # run started before 2025-11-04 09:30 New York (14:30 UTC) stands for 2025-11-03.
    whole = config()
    first, second = date(2025, 11, 3), date(2025, 11, 4)
    archive_fake_run(whole, "run-in-time", first, 0, datetime(2025, 11, 4, 14, 29, tzinfo=UTC))
    archive_fake_run(whole, "run-late", first, 0, datetime(2025, 11, 4, 14, 30, tzinfo=UTC))
    archive_fake_run(whole, "run-years-later", second, 0, datetime(2027, 6, 1, 15, tzinfo=UTC))
    path = archive(tmp_path / "bars.parquet")
    result = evaluate("2025-11-03", "2025-11-04", config=whole, bars=path, workers=1)
    listed = {item.scanner: (item.days, item.of_days) for item in result.not_evaluable}
    assert listed["market_movers"] == (1, 2)  # 11-04 only: 11-03 replays run-in-time
    assert "1 archived live runs" in result.markdown
    late, later = result.warnings
    assert late.startswith("the archived run run-late of 2025-11-03 was recorded at ")
    assert "2025-11-04T14:30:00+00:00, after the next session's open" in late
    assert later.startswith("the archived run run-years-later of 2025-11-04 was recorded at ")
    materialized = Path(os.environ["TRADINGAGENTS_CACHE_DIR"]) / "evaluation" / "runs"
    assert sorted(p.name for p in materialized.iterdir()) == ["run-in-time"]


def test_a_configured_snapshot_recorded_late_is_not_that_days_data(tmp_path: Path) -> None:
    sample = sample_snapshot_path()
    copy = tmp_path / "snap"
    shutil.copytree(sample, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest.update(kind="recorded", recorded_at="2026-11-23T15:00:00+00:00")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    whole = {"discovery": {"source": {"snapshot": str(copy)}, "evaluation": {"min_sample": 5}}}
    days = sessions_between(date(2026, 10, 1), date(2026, 12, 31))
    path = archive(tmp_path / "bars.parquet", {s: walk(s, days) for s in (*UNIVERSE, "SPY")})
    result = evaluate("2026-11-20", "2026-11-20", config=whole, bars=path, workers=1)
    assert {item.scanner for item in result.not_evaluable} >= NOW_ONLY
    (warning,) = result.warnings
    assert warning.startswith(f"snapshot {copy} of 2026-11-20 was recorded at 2026-11-23T15:00")
    # Unknown recording time: not trusted either (the generated sample is).
    del manifest["recorded_at"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    again = evaluate("2026-11-20", "2026-11-20", config=whole, bars=path, workers=1)
    assert {item.scanner for item in again.not_evaluable} >= NOW_ONLY
    assert "does not say when it was recorded" in again.warnings[0]


def test_a_snapshot_without_bars_replays_its_declared_bars_or_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "snap"
    shutil.copytree(sample_snapshot_path(), copy)
    whole = {"discovery": {"source": {"snapshot": str(copy)}, "evaluation": {"min_sample": 5}}}
    with pytest.raises(EvaluationError, match="declares no bar archive: give --bars"):
        evaluate("2026-11-20", "2026-11-20", config=whole, workers=1)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["bars"] = "bars/daily.parquet"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = evaluate("2026-11-20", "2026-11-20", config=whole, workers=1)
    assert result.not_evaluable == ()
    assert f"bar archive {copy / 'bars' / 'daily.parquet'}" in result.markdown


def test_a_day_with_a_failed_scanner_is_not_stored_and_runs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradingagents.evaluation import picks as worker

    real = worker.runs_from_state

    def failing_on_day(state: Mapping[str, Any]) -> list[dict[str, Any]]:
        runs = real(state)
        if str(state["trade_date"]) == "2025-11-04":
            runs[0] = {**runs[0], "status": "timeout", "reason": "deadline"}
        return runs

    monkeypatch.setattr(worker, "runs_from_state", failing_on_day)
    path = archive(tmp_path / "bars.parquet")
    out = tmp_path / "out"
    first = evaluate("2025-11-03", "2025-11-05", config=config(), bars=path, workers=1, out=out)
    assert first.days_run == 3
    second = evaluate("2025-11-03", "2025-11-05", config=config(), bars=path, workers=1, out=out)
    assert second.days_run == 1  # 2025-11-04 again, the others from the store
