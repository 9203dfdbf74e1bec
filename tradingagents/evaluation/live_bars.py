"""A live evaluation's daily bars, fetched through the incremental price cache as a bar archive."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from tradingagents import paths
from tradingagents.calendar import previous_session, sessions_between
from tradingagents.config import DiscoveryConfig
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ScannerTimeout
from tradingagents.evaluation.errors import EvaluationError
from tradingagents.replay.bars import write_bar_archive
from tradingagents.scanners.history import LOOKBACK_DAYS
from tradingagents.scanners.incremental import load_incremental
from tradingagents.services import RunServices
from tradingagents.wiring import build_hub


@dataclass(frozen=True)
class BarWindow:
    """The dates a live evaluation reads bars for, both included: the history scanners'
    lookback before the first day through the longest horizon after the last, never past the
    last finished session."""

    start: date
    end: date


def last_finished_session(today: date) -> date:
    """The last NYSE session before ``today`` (today's bar is still moving)."""
    return previous_session(today - timedelta(days=1))[0]


def bar_window(first: date, last: date, horizon: int, today: date) -> BarWindow:
    """From ``first`` - ``LOOKBACK_DAYS`` through the ``horizon``-th session after ``last``,
    or the last finished session before ``today`` if that comes first."""
    finished = last_finished_session(today)
    if last > finished:
        raise EvaluationError(
            f"a live evaluation covers finished sessions: --to {last} is after "
            f"{finished}, the last session before today ({today})"
        )
    # 2 calendar days per session and two weeks of holidays hold any horizon's sessions.
    after = sessions_between(last + timedelta(days=1), last + timedelta(days=2 * horizon + 14))
    end = after[min(horizon, len(after)) - 1] if after else last
    return BarWindow(first - timedelta(days=LOOKBACK_DAYS), min(end, finished))


@dataclass(frozen=True)
class LiveBars:
    """The bar archive written for a live evaluation and the symbols it lacks, each with the
    reason (their picks are kept without returns, never dropped)."""

    path: Path | None
    window: BarWindow
    failures: Mapping[str, str]

    def warnings(self) -> list[str]:
        """One line per symbol without bars, for the report."""
        return [
            f"bars of {symbol} could not be loaded ({why}): its picks are kept without returns"
            for symbol, why in sorted(self.failures.items())
        ]


def archive_path(config: DiscoveryConfig, symbols: Sequence[str], window: BarWindow) -> Path:
    """``<cache dir>/evaluation/<hash of the symbols and the window>.parquet``."""
    key = json.dumps([sorted(set(symbols)), window.start.isoformat(), window.end.isoformat()])
    name = hashlib.sha256(key.encode()).hexdigest()[:20]
    return paths.cache_dir(config.cache_dir) / "evaluation" / f"{name}.parquet"


def fetch_live_bars(
    config: DiscoveryConfig,
    symbols: Sequence[str],
    window: BarWindow,
    *,
    today: Callable[[], date] = date.today,
) -> LiveBars:
    """Every symbol's daily bars over ``window`` through the incremental price cache (cached
    sessions are never fetched again), written as a bar archive (None when none loaded).

    Requests go through the live provider hub of ``config``: its rate limits, retries and HTTP
    cache. The whole load has ``evaluation.fetch_timeout_seconds``.
    """
    wanted = tuple(dict.fromkeys(symbols))
    hub = build_hub(config)
    try:
        services = RunServices(
            hub,
            trade_date=window.end,
            cache_dir=paths.cache_dir(config.cache_dir),
            universe=wanted,
            today=today,
        )
        limit = config.evaluation.fetch_timeout_seconds
        ctx = ScanContext(
            scanner="evaluation",
            trade_date=window.end,
            config={},
            deadline=time.monotonic() + limit,
            services=services,
        )
        try:
            loaded = load_incremental(ctx, services, wanted, window.start, window.end)
        except ScannerTimeout:
            raise EvaluationError(
                f"loading the bars of {len(wanted)} symbols from {window.start} to "
                f"{window.end} took more than discovery.evaluation.fetch_timeout_seconds "
                f"({limit:g}s); what loaded is cached: run again, or raise the limit"
            ) from None
    finally:
        hub.close()
    failures = {symbol: f"{type(exc).__name__}: {exc}" for symbol, exc in loaded.errors}
    failures.update({symbol: f"not fetched: {exc}" for symbol, exc in loaded.skipped})
    frames: dict[str, pd.DataFrame] = {}
    for symbol, loaded_bars in loaded.results:
        # The cache may hold sessions after the window from a later evaluation: cut them, so
        # the same window gives the same archive.
        bars = loaded_bars.loc[loaded_bars.index <= pd.Timestamp(window.end)]
        if bars.empty:
            failures[symbol] = f"no bars from {window.start} to {window.end}"
        else:
            frames[symbol] = bars
    if not frames:
        return LiveBars(None, window, failures)
    path = write_bar_archive(
        archive_path(config, wanted, window),
        frames,
        synthetic=False,
        created_by="tradingagents evaluate (live)",
        notes=f"Yahoo daily charts of {len(frames)} symbols, {window.start} to {window.end}, "
        "through the incremental price cache",
    )
    return LiveBars(path, window, failures)
