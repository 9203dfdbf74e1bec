"""``evaluate()``: point-in-time discovery over a range of days, forward returns, statistics."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tradingagents import __version__, paths
from tradingagents.calendar import sessions_between
from tradingagents.config import DiscoveryConfig, deep_merge, load_config
from tradingagents.config._universe import UniverseSource
from tradingagents.evaluation.engines import choose_engine, run
from tradingagents.evaluation.errors import EvaluationError
from tradingagents.evaluation.live_bars import BarWindow, LiveBars, bar_window, fetch_live_bars
from tradingagents.evaluation.picks import PICK_COLUMNS, DayResult, DayTask, WorkSpec
from tradingagents.evaluation.plan import (
    DataOnHand,
    NotEvaluable,
    not_evaluable,
    plan_days,
    recorded_by,
    recorded_in_time,
)
from tradingagents.evaluation.report import ReportInfo, markdown, write_outputs
from tradingagents.evaluation.returns import Returns, forward_rows
from tradingagents.evaluation.stats import StatsPolicy, group_stats
from tradingagents.evaluation.store import DayStore, file_digest, picks_key

if TYPE_CHECKING:
    from tradingagents.archive import ArchivedRun, RunArchive
    from tradingagents.replay.bars import BarArchive

__all__ = ["EVALUATION_OVERRIDES", "EvaluationError", "EvaluationResult", "evaluate"]


#: What evaluation changes in the discovery config, whatever the user's: no LLM re-ranking (not
#: reproducible), every candidate ranked (so each has a score), no run history or breakers
#: written by thousands of past-day runs.
EVALUATION_OVERRIDES: Mapping[str, Any] = {
    "llm_rank": {"provider": None, "model": None},
    "rank": {"max_candidates": 100_000},
    "history": {"enabled": False},
    "resilience": {"breaker": {"enabled": False}},
    # A past day's run is no live run to replay later (and would pass for one on that day).
    "archive": {"enabled": False},
}


#: Scanner statuses whose day is not stored for resuming: a transient failure.
_RERUN = frozenset({"error", "timeout"})


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
    #: What the data lacked (e.g. a symbol whose live bars could not be loaded), as reported.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Data:
    bars_path: str | None
    archive: BarArchive | None
    synthetic: bool
    snapshots: dict[date, str]
    label: str
    #: Symbol -> why it has no bars (a live load that failed); its picks keep the reason.
    missing: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: The window of bars fetched live (None: a bar archive was given).
    window: BarWindow | None = None


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
    warnings: list[str] = []
    archive = None
    if not live:
        root = Path(config.source.snapshot) if config.source.snapshot else sample_snapshot_path()
        snapshot = load_snapshot(root)
        manifest = snapshot.manifest
        late = _recorded_late(
            f"snapshot {root}", snapshot.trade_date, manifest.recorded_at, manifest.kind
        )
        if late is None:
            snapshots[snapshot.trade_date] = str(root)
        else:
            warnings.append(late)
        synthetic = snapshot.manifest.kind == "generated"
        label = f"snapshot {'(the sample)' if config.source.snapshot is None else root}"
        if bars is None and config.source.snapshot is None:
            bars = sample_bars_path()
        elif bars is None:
            # Replay has no live price history: the snapshot's own bars, or none to run on.
            archive = snapshot.bar_archive()
            if archive is None or snapshot.manifest.bars is None:
                raise EvaluationError(
                    f"snapshot {root} declares no bar archive: give --bars (the history "
                    "scanners and the forward returns read daily bars)"
                )
            bars = root / snapshot.manifest.bars
    if bars is not None:
        archive = archive if archive is not None else BarArchive.load(bars)
        synthetic = synthetic or archive.synthetic
        label += f" + bar archive {'(the sample)' if bars == sample_bars_path() else bars}"
    return _Data(
        str(bars) if bars is not None else None,
        archive,
        synthetic,
        snapshots,
        label,
        warnings=tuple(warnings),
    )


def _recorded_late(what: str, day: date, recorded_at: datetime | None, kind: str) -> str | None:
    """None if a recording of ``day`` (a snapshot's or archived run's manifest) holds that
    day's data, else the warning saying why it is not replayed for it.

    A manifest without ``recorded_at`` is trusted only if generated (the sample: synthetic data
    built for its date); a recording of unknown time could be any day's."""
    if recorded_at is None:
        if kind == "generated":
            return None
        return (
            f"{what} of {day} does not say when it was recorded: its now-only and date-range "
            f"scanners are not evaluated on {day}"
        )
    if recorded_in_time(day, recorded_at):
        return None
    return (
        f"{what} of {day} was recorded at {recorded_at.isoformat(timespec='seconds')}, after the "
        f"next session's open ({recorded_by(day).isoformat(timespec='minutes')}): it holds later "
        f"data, so its now-only and date-range scanners are not evaluated on {day}"
    )


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
        if end > data.archive.last_day:
            # A day past the bars would run on the last bars known: the same picks every day.
            raise EvaluationError(
                f"--to {end} is after the bar archive's last day {data.archive.last_day} "
                f"({data.bars_path}): pick days must have their bars"
            )
    assert start is not None and end is not None
    if start > end:
        raise EvaluationError(f"--from {start} is after --to {end}")
    try:
        days = sessions_between(start, end)
    except ValueError as exc:  # before the calendar's first year
        raise EvaluationError(f"--from {start}: {exc}") from None
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
    days = _days(_as_date(start, "--from"), _as_date(end, "--to"), data, max(policy.horizons))
    if data.archive is None:
        # Live without a bar archive: every bar the days and their returns read, fetched once
        # through the incremental price cache before any day runs.
        data = _live_data(settings, data, days)
    source = _bar_source(data)
    # A live load that failed keeps its reason on every pick (a transient outage); a given
    # archive without the benchmark would only ever give "too few picks".
    if policy.benchmark not in source.symbols() and policy.benchmark not in data.missing:
        raise EvaluationError(
            f"the benchmark {policy.benchmark} is not in the bar archive {data.bars_path}: "
            "every excess return is measured against it (choose another with --benchmark)"
        )
    data = _with_archived_runs(settings, data, days)
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
    digest = file_digest(data.bars_path) if data.bars_path else None
    spec = WorkSpec(discovery, data.bars_path, reasons, digest)
    key = picks_key(
        {
            "discovery": discovery,
            "bars": digest,
            "version": __version__,
            "skip_reasons": reasons,
            # A day replaying an archived run picks differently from one that cannot.
            "snapshots": {d.isoformat(): Path(p).name for d, p in sorted(data.snapshots.items())},
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
        # A scanner that failed may work next time: such a day is not frozen, it runs again.
        if store is not None and not any(r["status"] in _RERUN for r in result.runs):
            store.save(result)
        if progress is not None:
            progress(len(results), len(tasks))

    run(engine, spec, todo, done)
    data = _picked_elsewhere(settings, data, source, days, results)
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
    returns = Returns(
        source, calendar, benchmark=policy.benchmark, universe=universe, missing=data.missing
    )
    rows = forward_rows(picks.reset_index(drop=True), policy.horizons, returns)
    stats = group_stats(
        rows,
        StatsPolicy(
            min_sample=policy.min_sample,
            min_days=policy.min_days,
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
        min_days=policy.min_days,
        resamples=policy.bootstrap_resamples,
        false_discovery_rate=policy.false_discovery_rate,
        synthetic=data.synthetic,
        source=data.label,
        engine=engine,
        warnings=data.warnings,
    )
    text = markdown(info, stats, rows, excluded, runs)
    files: dict[str, Path] = {}
    if out is not None:
        files = write_outputs(Path(out), rows, stats, text, info)
    return EvaluationResult(
        rows,
        stats,
        tuple(excluded),
        tuple(days),
        days_run,
        data.synthetic,
        text,
        files,
        data.warnings,
    )


def _live_data(settings: DiscoveryConfig, data: _Data, days: list[date]) -> _Data:
    """``data`` with the bars of the universe and the benchmark fetched live over the days'
    window; a symbol that fails is kept in ``missing`` with the reason and a warning."""
    from tradingagents.replay import BarArchive  # noqa: PLC0415

    policy = settings.evaluation
    window = bar_window(days[0], days[-1], max(policy.horizons), date.today())
    symbols = [s for s in settings.universe if isinstance(s, str)]
    loaded: LiveBars = fetch_live_bars(settings, [*symbols, policy.benchmark], window)
    if loaded.path is None:
        first = next(iter(loaded.failures.items()), ("-", "no symbols"))
        raise EvaluationError(
            f"no bars could be loaded for any of {len(loaded.failures)} symbols from "
            f"{window.start} to {window.end} (first: {first[0]}: {first[1]})"
        )
    return _Data(
        str(loaded.path),
        BarArchive.load(loaded.path),
        False,
        data.snapshots,
        f"{data.label} + bars fetched live ({window.start} to {window.end}, {loaded.path})",
        loaded.failures,
        tuple(loaded.warnings()),
        window,
    )


def _picked_elsewhere(
    settings: DiscoveryConfig,
    data: _Data,
    source: _ArchiveBars,
    days: list[date],
    results: Mapping[date, DayResult],
) -> _Data:
    """Picks outside the fetched symbols (a date-range scanner's filers are not the universe)
    get their bars fetched too, for their returns; one that fails keeps its reason."""
    if data.window is None:
        return data
    picked = {str(p["ticker"]) for day in days for p in results[day].picks}
    extra = sorted(picked - set(source.symbols()) - set(data.missing))
    if not extra:
        return data
    loaded = fetch_live_bars(settings, extra, data.window)
    if loaded.path is not None:
        from tradingagents.replay import BarArchive  # noqa: PLC0415

        source.add(BarArchive.load(loaded.path))
    return replace(
        data,
        missing={**data.missing, **loaded.failures},
        warnings=(*data.warnings, *loaded.warnings()),
    )


def _with_archived_runs(settings: DiscoveryConfig, data: _Data, days: list[date]) -> _Data:
    """``data`` with a snapshot for every day that has an archived live run recorded in time
    (before the next session's open; the latest such run of the day; a configured snapshot's
    day keeps it), materialized once under the cache dir: on those days every scanner replays
    what was recorded that day. A run recorded later is skipped with a warning."""
    from tradingagents.archive import ArchiveError, archive_of  # noqa: PLC0415

    archive = archive_of(settings)
    if not archive.runs_dir.is_dir():
        return data
    wanted = set(days) - set(data.snapshots)
    newest: dict[date, ArchivedRun] = {}
    late: list[str] = []
    for archived in sorted(archive.runs(), key=lambda r: (r.trade_date, r.recorded_at, r.run_id)):
        if archived.trade_date not in wanted:
            continue
        what = f"the archived run {archived.run_id}"
        why = _recorded_late(what, archived.trade_date, archived.recorded_at, "recorded")
        if why is not None:
            late.append(why)
            continue
        # Sorted oldest first: the latest run recorded in time wins.
        newest[archived.trade_date] = archived
    if late:
        data = replace(data, warnings=(*data.warnings, *late))
    if not newest:
        return data
    root = paths.cache_dir(settings.cache_dir) / "evaluation" / "runs"
    snapshots = dict(data.snapshots)
    warnings = list(data.warnings)
    for day, archived in sorted(newest.items()):
        try:
            snapshots[day] = str(_materialized(archive, archived.run_id, root))
        except (ArchiveError, OSError) as exc:
            warnings.append(
                f"the archived run {archived.run_id} of {day} cannot be replayed ({exc}): that day "
                "is evaluated without it"
            )
    label = f"{data.label} + {len(snapshots) - len(data.snapshots)} archived live runs"
    return replace(data, snapshots=snapshots, label=label, warnings=tuple(warnings))


def _materialized(archive: RunArchive, run_id: str, root: Path) -> Path:
    """``root/<run_id>``, written once: a partial copy is never seen (written aside, then
    renamed), and a run already there is reused."""
    dest = root / run_id
    if dest.is_dir():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{run_id}.", dir=root))
    try:
        archive.materialize(run_id, staging / "run")
        try:
            (staging / "run").rename(dest)
        except OSError:
            if not dest.is_dir():  # another evaluation's copy won the race: use it
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


class _ArchiveBars:
    """Bar archives as forward returns read them: the days' own, then any fetched later for
    picks outside it (the first that holds a symbol serves it)."""

    def __init__(self, archive: BarArchive) -> None:
        self.archive = archive
        self.more: list[BarArchive] = []

    def add(self, archive: BarArchive) -> None:
        self.more.append(archive)

    def symbols(self) -> set[str]:
        return {s for a in (self.archive, *self.more) for s in a.symbols}

    @property
    def last_day(self) -> date:
        return self.archive.last_day

    def frame(self, symbol: str) -> pd.DataFrame | None:
        for archive in (self.archive, *self.more):
            if symbol in archive:
                return archive.bars(symbol)
        return None


def _bar_source(data: _Data) -> _ArchiveBars:
    if data.archive is None:  # _live_data fills it or fails: this is a bug, not a user error
        raise EvaluationError("no bar archive to read forward returns from")
    return _ArchiveBars(data.archive)
