"""``evaluate()``: point-in-time discovery over a range of days, forward returns, statistics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from tradingagents import __version__
from tradingagents.calendar import sessions_between
from tradingagents.config import DiscoveryConfig, deep_merge, load_config
from tradingagents.config._universe import UniverseSource
from tradingagents.errors import TradingAgentsError
from tradingagents.evaluation.engines import choose_engine, run
from tradingagents.evaluation.picks import PICK_COLUMNS, DayResult, DayTask, WorkSpec
from tradingagents.evaluation.plan import DataOnHand, NotEvaluable, not_evaluable, plan_days
from tradingagents.evaluation.report import ReportInfo, markdown, write_outputs
from tradingagents.evaluation.returns import Returns, forward_rows
from tradingagents.evaluation.stats import StatsPolicy, group_stats
from tradingagents.evaluation.store import DayStore, file_digest, picks_key


class EvaluationError(TradingAgentsError):
    """The evaluation cannot run as asked: a bad range, no bars, a universe not kept per day."""


#: What evaluation changes in the discovery config, whatever the user's: no LLM re-ranking (not
#: reproducible), every candidate ranked (so each has a score), no run history or breakers
#: written by thousands of past-day runs.
EVALUATION_OVERRIDES: Mapping[str, Any] = {
    "llm_rank": {"provider": None, "model": None},
    "rank": {"max_candidates": 100_000},
    "history": {"enabled": False},
    "resilience": {"breaker": {"enabled": False}},
}


@dataclass(frozen=True)
class EvaluationResult:
    """What :func:`evaluate` found: one row per pick and horizon, the statistics, and what
    could not be evaluated."""

    #: One row per pick (day, scanner, ticker) and horizon (:data:`PICK_COLUMNS` and the
    #: return columns); a pick without a return keeps ``return_reason``.
    frame: pd.DataFrame
    #: One row per group (scanner, pipeline, priority, top N, all) and horizon.
    stats: pd.DataFrame
    #: Scanners switched off on some days, with the reason.
    not_evaluable: tuple[NotEvaluable, ...]
    days: tuple[date, ...]
    #: Days run now; the others came from the resume store.
    days_run: int
    synthetic: bool
    markdown: str
    files: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class _Data:
    bars_path: str | None
    archive: Any  # BarArchive | None
    synthetic: bool
    snapshots: dict[date, str]
    label: str


def _as_date(value: date | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise EvaluationError(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


def _data(config: DiscoveryConfig, bars: str | Path | None) -> _Data:
    from tradingagents.replay import BarArchive  # noqa: PLC0415
    from tradingagents.replay.snapshot import (  # noqa: PLC0415
        load_snapshot,
        sample_bars_path,
        sample_snapshot_path,
    )

    live = config.source.mode == "live"
    snapshots: dict[date, str] = {}
    synthetic = False
    label = "the live APIs"
    if not live:
        root = Path(config.source.snapshot) if config.source.snapshot else sample_snapshot_path()
        snapshot = load_snapshot(root)
        snapshots[snapshot.trade_date] = str(root)
        synthetic = snapshot.manifest.kind == "generated"
        label = f"snapshot {'(the sample)' if config.source.snapshot is None else root}"
        if bars is None and config.source.snapshot is None:
            bars = sample_bars_path()
    archive = None
    if bars is not None:
        archive = BarArchive.load(bars)
        synthetic = synthetic or archive.synthetic
        label += f" + bar archive {'(the sample)' if bars == sample_bars_path() else bars}"
    return _Data(str(bars) if bars is not None else None, archive, synthetic, snapshots, label)


def _days(start: date | None, end: date | None, data: _Data, horizon: int) -> list[date]:
    if start is not None and end is not None and start > end:
        raise EvaluationError(f"--from {start} is after --to {end}")
    if (start is None or end is None) and data.archive is None:
        raise EvaluationError("give --from and --to: without a bar archive there is no default")
    if data.archive is not None:
        known = data.archive.sessions
        if len(known) <= horizon:
            raise EvaluationError(f"the bar archive holds {len(known)} sessions, too few")
        # The last year of bars that still has the longest horizon's sessions after it.
        end = end or known[-1 - horizon]
        start = start or max(known[0], end - timedelta(days=365) + timedelta(days=1))
    assert start is not None and end is not None
    if start > end:
        raise EvaluationError(f"--from {start} is after --to {end}")
    days = sessions_between(start, end)
    if not days:
        raise EvaluationError(f"no NYSE session from {start} to {end}")
    return days


def evaluate(
    start: date | str | None = None,
    end: date | str | None = None,
    *,
    config: Mapping[str, Any] | DiscoveryConfig | None = None,
    bars: str | Path | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    skip_reasons: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Run discovery point-in-time on every NYSE session from ``start`` to ``end`` and measure
    each pick's forward returns (docs/evaluation.md).

    ``config`` is a whole config (``{"discovery": {...}}``, its ``evaluation`` table included)
    or a validated ``DiscoveryConfig``. ``bars`` is a bar archive (default: the sample's when
    the sample snapshot is the source; dates then default to its last year with the longest
    horizon after it). ``out`` gets evaluation.parquet/.md/.png and the finished days (a
    rerun skips them); None writes nothing. ``workers`` local processes (default the CPU
    count) or ``cluster`` (``local:N``, ``tcp://host:8786``) run the days. ``skip_reasons``
    names scanners the caller switched off in ``config``. ``progress(done, total)`` is called
    as days finish.
    """
    settings = load_config(config)
    policy = settings.evaluation
    if isinstance(settings.universe, UniverseSource):
        raise EvaluationError(
            f"discovery.universe is a {settings.universe.source} listing, which is only known "
            "for the day it is fetched: evaluation needs a list of symbols"
        )
    engine = choose_engine(workers, cluster)
    data = _data(settings, bars)
    source = _bar_source(data)  # before any day runs: a live run without bars stops here
    days = _days(_as_date(start, "--from"), _as_date(end, "--to"), data, max(policy.horizons))
    discovery = deep_merge(settings.model_dump(mode="json"), EVALUATION_OVERRIDES)
    discovery.pop("evaluation")

    from tradingagents.discovery.registry import load_registry  # noqa: PLC0415

    kinds = {
        cls.name: getattr(cls, "point_in_time", "now_only") for cls in load_registry().scanners
    }
    on_hand = DataOnHand(
        bars=data.archive is not None or settings.source.mode == "live",
        live=settings.source.mode == "live",
        snapshots=data.snapshots,
    )
    plans = plan_days(days, kinds, on_hand)
    excluded = not_evaluable(plans)
    reasons = {**{n.scanner: f"not evaluable on this date: {n.reason}" for n in excluded}}
    reasons.update(skip_reasons or {})
    spec = WorkSpec(discovery, data.bars_path, reasons)
    key = picks_key(
        {
            "discovery": discovery,
            "bars": file_digest(data.bars_path) if data.bars_path else None,
            "version": __version__,
            "skip_reasons": reasons,
        }
    )
    tasks = [DayTask(p.day, p.snapshot, tuple(p.disabled)) for p in plans]
    results: dict[date, DayResult] = {}
    store = DayStore(Path(out), key) if out is not None else None
    if store is not None:
        for task in tasks:
            found = store.load(task.day)
            if found is not None:
                results[task.day] = found
    todo = [t for t in tasks if t.day not in results]
    if progress is not None:
        progress(len(results), len(tasks))

    def done(result: DayResult) -> None:
        results[result.day] = result
        if store is not None:
            store.save(result)
        if progress is not None:
            progress(len(results), len(tasks))

    run(engine, spec, todo, done)
    return _finish(settings, data, source, days, results, excluded, len(todo), out, engine.label)


def _finish(
    settings: DiscoveryConfig,
    data: _Data,
    source: _ArchiveBars,
    days: list[date],
    results: Mapping[date, DayResult],
    excluded: list[NotEvaluable],
    days_run: int,
    out: str | Path | None,
    engine: str,
) -> EvaluationResult:
    policy = settings.evaluation
    picks = pd.DataFrame.from_records(
        [p for day in days for p in results[day].picks], columns=list(PICK_COLUMNS)
    )
    picks["trade_date"] = [date.fromisoformat(str(d)) for d in picks["trade_date"]]
    # Deterministic whichever engine ran the days and in whatever order they finished.
    picks = picks.sort_values(["trade_date", "scanner", "ticker"], kind="stable")
    calendar = sessions_between(
        days[0], source.last_day + timedelta(days=7 * max(policy.horizons) + 14)
    )
    universe = tuple(s for s in settings.universe if isinstance(s, str) and s != policy.benchmark)
    returns = Returns(source, calendar, benchmark=policy.benchmark, universe=universe)
    rows = forward_rows(picks.reset_index(drop=True), policy.horizons, returns)
    stats = group_stats(
        rows,
        StatsPolicy(
            min_sample=policy.min_sample,
            resamples=policy.bootstrap_resamples,
            seed=policy.bootstrap_seed,
            false_discovery_rate=policy.false_discovery_rate,
            top_n=policy.top_n,
        ),
    )
    runs = pd.DataFrame.from_records(
        [r for day in days for r in results[day].runs], columns=["scanner", "status", "reason"]
    )
    info = ReportInfo(
        first=days[0],
        last=days[-1],
        days=len(days),
        benchmark=policy.benchmark,
        horizons=policy.horizons,
        min_sample=policy.min_sample,
        resamples=policy.bootstrap_resamples,
        false_discovery_rate=policy.false_discovery_rate,
        synthetic=data.synthetic,
        source=data.label,
        engine=engine,
    )
    text = markdown(info, stats, rows, excluded, runs)
    files: dict[str, Path] = {}
    if out is not None:
        files = write_outputs(Path(out), rows, stats, text, info)
    return EvaluationResult(
        rows, stats, tuple(excluded), tuple(days), days_run, data.synthetic, text, files
    )


class _ArchiveBars:
    """A bar archive as forward returns read it."""

    def __init__(self, archive: Any) -> None:
        self.archive = archive

    @property
    def last_day(self) -> date:
        last: date = self.archive.last_day
        return last

    def frame(self, symbol: str) -> pd.DataFrame | None:
        if symbol not in self.archive:
            return None
        bars: pd.DataFrame = self.archive.bars(symbol)
        return bars


def _bar_source(data: _Data) -> _ArchiveBars:
    if data.archive is None:
        raise EvaluationError(
            "forward returns of a live evaluation need bars after the picks: give a bar archive "
            "(bars=...); reading them from the live price-history cache is not built yet"
        )
    return _ArchiveBars(data.archive)
