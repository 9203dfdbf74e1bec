"""Live evaluation: bars fetched once through the incremental cache, never ahead of the day.

A local pytest-httpserver answers Yahoo-shaped daily charts (the documented shape of the chart
endpoint, as in tests/scanners/test_incremental_history.py) from the evaluation tests' random
walks, counting the requests it gets.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.evaluation.helpers import UNIVERSE, frames
from tests.evaluation.test_api import DAY, planted
from tradingagents.archive import archive_of
from tradingagents.config import BUILTIN_SCANNERS, load_config
from tradingagents.evaluation import EvaluationError, evaluate
from tradingagents.evaluation.live_bars import bar_window, last_finished_session
from tradingagents.evaluation.picks import PICK_COLUMNS
from tradingagents.replay import BarArchive, sample_snapshot_path
from tradingagents.scanners.history import LOOKBACK_DAYS


class Yahoo:
    """Daily charts of ``data`` (symbol -> bars), sliced to the range asked; other symbols 404."""

    def __init__(self, server: HTTPServer, data: Mapping[str, pd.DataFrame]) -> None:
        self.data = dict(data)
        self.charts: Counter[str] = Counter()
        self.other = 0
        self.url = server.url_for("").rstrip("/")
        server.clear()  # a test may serve several markets, one after the other
        server.expect_request(re.compile(r"^/v8/finance/chart/")).respond_with_handler(self.chart)

    def chart(self, request: Request) -> Response:
        symbol = request.path.rsplit("/", 1)[-1]
        self.charts[symbol] += 1
        bars = self.data.get(symbol)
        if bars is None:
            body = {"chart": {"result": None, "error": {"code": "Not Found"}}}
            return Response(json.dumps(body), status=404, content_type="application/json")
        first = datetime.fromtimestamp(int(request.args["period1"]), UTC)
        until = datetime.fromtimestamp(int(request.args["period2"]), UTC)  # exclusive
        part = bars.loc[
            (bars.index >= pd.Timestamp(first.date())) & (bars.index < pd.Timestamp(until.date()))
        ]
        stamps = [
            int(datetime(s.year, s.month, s.day, 14, 30, tzinfo=UTC).timestamp())  # 09:30 EST
            for s in part.index
        ]
        result: dict[str, Any] = {
            "meta": {"symbol": symbol, "exchangeTimezoneName": "America/New_York"},
            "timestamp": stamps,
            "indicators": {
                "quote": [
                    {k: part[k].tolist() for k in ("open", "high", "low", "close", "volume")}
                ],
                "adjclose": [{"adjclose": part["adj_close"].tolist()}],
            },
            "events": {},
        }
        answer = {"chart": {"result": [result], "error": None}}
        return Response(json.dumps(answer), status=200, content_type="application/json")

    def total(self) -> int:
        return sum(self.charts.values())


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADINGAGENTS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("TRADINGAGENTS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


ONLY_VOLUME = ("volume_accumulation",)


def live_config(url: str, scanners: tuple[str, ...] = ONLY_VOLUME, **discovery: Any) -> Any:
    """Live mode against ``url``, only ``scanners`` enabled, no HTTP cache (so a request saved
    is the price cache's doing), requests counted rather than paced."""
    return {
        "discovery": {
            "source": {"mode": "live"},
            "universe": list(UNIVERSE),
            "providers": {"yahoo": {"base_url": url}},
            "resilience": {
                "cache": {"enabled": False},
                "rate_limits": {"yahoo": {"per_second": 500}},
            },
            "scanners": {name: {"enabled": name in scanners} for name in BUILTIN_SCANNERS},
            "evaluation": {"min_sample": 5},
            **discovery,
        }
    }


def picks_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(PICK_COLUMNS)].drop_duplicates().reset_index(drop=True)


def test_the_window_reaches_back_the_lookback_and_forward_the_longest_horizon() -> None:
    window = bar_window(date(2025, 3, 3), date(2025, 3, 7), 5, today=date(2026, 1, 5))
    assert window.start == date(2025, 3, 3) - timedelta(days=LOOKBACK_DAYS)
    assert window.end == date(2025, 3, 14)  # five sessions after Friday the 7th
    # Never a session not finished: today's bar is still moving.
    clipped = bar_window(date(2025, 12, 1), date(2025, 12, 23), 20, today=date(2025, 12, 26))
    assert clipped.end == date(2025, 12, 24) == last_finished_session(date(2025, 12, 26))
    with pytest.raises(EvaluationError, match="finished sessions"):
        bar_window(date(2025, 12, 1), date(2025, 12, 26), 1, today=date(2025, 12, 26))


def test_bars_are_fetched_once_and_a_second_evaluation_asks_nothing(
    httpserver: HTTPServer, dirs: Path
) -> None:
    yahoo = Yahoo(httpserver, planted(DAY))
    config = live_config(yahoo.url)
    first = evaluate("2025-11-03", "2025-11-05", config=config, workers=1)
    assert yahoo.charts == Counter(dict.fromkeys((*UNIVERSE, "SPY"), 1))  # one chart each
    second = evaluate("2025-11-03", "2025-11-05", config=config, workers=1)
    assert yahoo.total() == len(UNIVERSE) + 1  # the cached sessions are never fetched again
    pd.testing.assert_frame_equal(first.frame, second.frame)
    pd.testing.assert_frame_equal(first.stats, second.stats)
    assert first.markdown == second.markdown
    assert not first.synthetic and first.warnings == ()
    assert first.frame["forward_return"].notna().any()
    # The archive under the cache directory holds the lookback through the longest horizon.
    (archive,) = (dirs / "cache" / "evaluation").glob("*.parquet")
    bars = BarArchive.load(archive)
    assert bars.symbols == tuple(sorted((*UNIVERSE, "SPY")))
    assert bars.last_day == date(2025, 12, 4)  # 20 sessions after 2025-11-05
    assert not bars.synthetic
    assert {n.scanner for n in first.not_evaluable} >= {"market_movers", "options_flow"}


def test_a_bar_after_the_day_changes_nothing_for_the_day(
    httpserver: HTTPServer, dirs: Path
) -> None:
    def day_picks(data: dict[str, pd.DataFrame], cache: str) -> pd.DataFrame:
        yahoo = Yahoo(httpserver, data)
        config = live_config(yahoo.url, cache_dir=str(dirs / cache))
        return picks_of(evaluate(DAY, DAY, config=config, workers=1).frame)

    base = day_picks(frames(), "base")
    after = day_picks(planted(date(2025, 11, 4)), "after")
    on = day_picks(planted(DAY), "on")
    pd.testing.assert_frame_equal(base, after)
    assert "AAA" not in base["ticker"].tolist()
    assert ((on["ticker"] == "AAA") & (on["scanner"] == "volume_accumulation")).sum() == 1


def test_a_symbol_that_fails_to_load_is_kept_with_the_reason(
    httpserver: HTTPServer, dirs: Path
) -> None:
    data = frames()
    del data["DDD"]  # Yahoo answers 404
    yahoo = Yahoo(httpserver, data)
    result = evaluate(DAY, DAY, config=live_config(yahoo.url), workers=1)
    (warning,) = result.warnings
    assert warning.startswith("bars of DDD could not be loaded (") and "404" in warning
    assert "## Data warnings" in result.markdown and warning in result.markdown
    # The history scanner saw DDD missing too, and said so.
    assert result.frame.empty or "DDD" not in set(result.frame["ticker"])


def test_a_benchmark_that_fails_keeps_every_pick_with_the_reason(
    httpserver: HTTPServer, dirs: Path
) -> None:
    data = planted(DAY)
    del data["SPY"]
    yahoo = Yahoo(httpserver, data)
    result = evaluate(DAY, DAY, config=live_config(yahoo.url), workers=1)
    rows = result.frame[result.frame["ticker"] == "AAA"]
    assert len(rows) == 3  # one per horizon, none dropped
    assert rows["forward_return"].notna().all() and rows["benchmark_return"].isna().all()
    (reason,) = set(rows["return_reason"])
    assert reason.startswith("benchmark SPY: no bars at all: ") and "404" in reason


def test_a_live_evaluation_needs_its_dates(httpserver: HTTPServer, dirs: Path) -> None:
    yahoo = Yahoo(httpserver, {})
    with pytest.raises(EvaluationError, match="give --from and --to"):
        evaluate(config=live_config(yahoo.url), workers=1)
    assert yahoo.total() == 0
    with pytest.raises(EvaluationError, match="no bars could be loaded for any of 5 symbols"):
        evaluate(DAY, DAY, config=live_config(yahoo.url), workers=1)
    assert yahoo.total() == 5  # asked before any day runs


def test_load_config_accepts_the_fetch_limit() -> None:
    config = load_config({"discovery": {"evaluation": {"fetch_timeout_seconds": 5}}})
    assert config.evaluation.fetch_timeout_seconds == 5.0


def test_the_past_days_live_runs_are_never_archived(
    httpserver: HTTPServer, dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEC_USER_AGENT", "Test Runner test@example.com")
    yahoo = Yahoo(httpserver, frames())
    asked: list[str] = []

    def edgar(request: Request) -> Response:
        asked.append(request.path)
        body = {"hits": {"hits": [], "total": {"value": 0, "relation": "eq"}}}
        return Response(json.dumps(body), status=200, content_type="application/json")

    # After the charts' handler: every other path (EDGAR's) answers 200, which a live run archives.
    httpserver.expect_request(re.compile(".*")).respond_with_handler(edgar)
    config = live_config(yahoo.url, scanners=("sec_catalysts",))
    config["discovery"]["providers"]["sec_edgar"] = {"base_url": yahoo.url}
    evaluate(DAY, DAY, config=config, workers=1)
    assert asked  # the date-range scanner ran live and got answers
    assert archive_of(load_config(config)).runs() == []


def edgar_8k(day: date) -> bytes:
    """The sample's 8-K search answer (material items of WBA, INTC, XOM, BIIB; KHC's 9.01
    alone is not), filed the day before."""
    path = sample_snapshot_path() / "sec_edgar" / "LATEST_search-index-0ad4821638.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    for hit in body["hits"]["hits"]:
        hit["_source"]["file_date"] = hit["_source"]["period_ending"] = (
            day - timedelta(days=1)
        ).isoformat()
    return json.dumps(body).encode()


def test_picks_outside_the_universe_get_their_bars_fetched_after_the_days(
    httpserver: HTTPServer, dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEC_USER_AGENT", "Test Runner test@example.com")
    filers = ("WBA", "INTC", "XOM")  # BIIB: Yahoo answers 404
    yahoo = Yahoo(httpserver, {**frames(), **frames(filers)})
    httpserver.expect_request("/LATEST/search-index").respond_with_data(
        edgar_8k(DAY), content_type="application/json"
    )
    config = live_config(yahoo.url, scanners=("sec_catalysts",))
    config["discovery"]["providers"]["sec_edgar"] = {"base_url": yahoo.url}
    result = evaluate(DAY, DAY, config=config, workers=1)
    rows = result.frame[result.frame["scanner"] == "sec_catalysts"]
    assert set(rows["ticker"]) == {*filers, "BIIB"}
    known = rows[rows["ticker"].isin(filers)]
    assert known["forward_return"].notna().all() and known["return_reason"].isna().all()
    biib = rows[rows["ticker"] == "BIIB"]
    assert len(biib) == 3 and biib["forward_return"].isna().all()  # kept, one per horizon
    (reason,) = set(biib["return_reason"])
    assert reason.startswith("no bars at all: ") and "404" in reason
    assert any(w.startswith("bars of BIIB could not be loaded") for w in result.warnings)
    # The universe and the benchmark before the day, the picks outside it after: once each.
    assert yahoo.charts == Counter(dict.fromkeys((*UNIVERSE, "SPY", *filers, "BIIB"), 1))


def test_a_load_past_its_time_limit_stops_before_any_day_runs(
    httpserver: HTTPServer, dirs: Path
) -> None:
    yahoo = Yahoo(httpserver, frames())
    config = live_config(yahoo.url)
    config["discovery"]["evaluation"]["fetch_timeout_seconds"] = 1e-9
    with pytest.raises(EvaluationError, match="fetch_timeout_seconds"):
        evaluate(DAY, DAY, config=config, workers=1, out=dirs / "out")
    assert not (dirs / "out" / "days").exists()
