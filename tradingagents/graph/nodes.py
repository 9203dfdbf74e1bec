"""The discovery graph's nodes: discover (the engine), filter and rank (deterministic)."""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.config import get_stream_writer

from tradingagents.archive.store import RunArchiver, archive_of
from tradingagents.calendar import prepare_in_background
from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.config import DiscoveryConfig, FilterConfig
from tradingagents.discovery.candidate import Priority, normalize_ticker
from tradingagents.discovery.merge import merge_scanner_candidates
from tradingagents.discovery.scoring import RankConfig, score_breakdown
from tradingagents.engine import CancelToken, ExecutionPolicy, ScanJob, run_scanners
from tradingagents.engine.records import ScannerOutcome
from tradingagents.engine.reporting import EventSink
from tradingagents.errors import CandidateError, ConfigError, ConfigProblem, SnapshotError
from tradingagents.graph.state import DiscoveryState
from tradingagents.graph.timings import RunRecorder, with_expected
from tradingagents.graph.tracing import callback_tracer
from tradingagents.redaction import known_secrets, redact
from tradingagents.resilience.breakers import BreakerBoard, BreakerStoreError
from tradingagents.run_history import RunHistory
from tradingagents.services import RunServices

logger = logging.getLogger("tradingagents.graph")


def parse_trade_date(value: object) -> date:
    """Accept a ``date`` or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError([ConfigProblem("trade_date", f"expected a YYYY-MM-DD date, got {value!r}")])


def new_run_id(now: datetime) -> str:
    """A run's id: its UTC start, sortable, and a random suffix, so that runs starting in the
    same second (several processes, a retried step) are told apart in history and run files."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def _stream_writer() -> EventSink | None:
    """LangGraph's custom stream writer when running inside a graph, else None."""
    try:
        writer: EventSink = get_stream_writer()
    except RuntimeError:  # called outside a runnable context (the node used on its own)
        return None
    return writer


#: The config of a node called outside a graph (no per-run settings).
_NO_CONFIG = RunnableConfig()

#: Where a run's :class:`~tradingagents.engine.CancelToken` goes in a RunnableConfig.
CANCEL_KEY = "discovery_cancel"


def cancel_token(config: RunnableConfig | None) -> CancelToken | None:
    """The CancelToken in ``config["configurable"]["discovery_cancel"]``, if any."""
    token = ((config or {}).get("configurable") or {}).get(CANCEL_KEY)
    return token if isinstance(token, CancelToken) else None


# A langchain-core Runnable (public API) with invoke and ainvoke, so that LangGraph uses the
# node as it is: a plain callable is wrapped by LangGraph in a RunnableCallable whose async
# side runs the sync function in an executor, which never learns that ainvoke was cancelled.
# A callable with both a sync and an async variant is only possible through LangGraph's
# internal RunnableCallable(func, afunc), so this class subclasses Runnable instead. LangGraph
# runs a Runnable node inside the run's context (stream writer, callbacks) as it does callables.
class DiscoverNode(Runnable[DiscoveryState, dict[str, Any]]):
    """Runs every scanner through the engine and returns partial state updates.

    It reads only ``trade_date`` from the state and never mutates its input; scanners get a
    read-only ScanContext, never the state. Sync (``invoke``, or called) and async
    (``ainvoke``: the engine runs in a thread, the event loop is never blocked). Cancelling
    ``ainvoke`` (``asyncio.wait_for``, a cancelled task) cancels the run: every scanner's
    ``ctx.cancelled`` is set, queued ones never start, and nothing is charged to the breakers.
    """

    def __init__(
        self,
        jobs: Sequence[ScanJob],
        policy: ExecutionPolicy,
        executor: Executor | None,
        services: Callable[[date, int], RunServices] | None = None,
        breakers: BreakerBoard | None = None,
        source: Callable[[], Mapping[str, Any]] | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        history: RunHistory | None = None,
    ):
        self.jobs = tuple(jobs)
        self.policy = policy
        self.executor = executor
        self.services = services
        self.breakers = breakers
        #: Called as each run starts: the state's ``source`` entry (where the data comes from).
        self.source = source
        #: The engine's clock, for every deadline (the graph's, as its breakers have).
        self.clock = clock
        self.history = history  # every run's durations go there; the start order reads them

    #: Set by DiscoveryGraph: a run's jobs and policy from ``configurable["discovery"]`` (None
    #: when the run does not override the graph's config); raises ConfigError.
    configure: (
        Callable[[RunnableConfig | None], tuple[Sequence[ScanJob], ExecutionPolicy] | None] | None
    ) = None

    #: Set by build_nodes and DiscoveryGraph: a run's effective config (its per-run overrides
    #: merged), which the run archive records so that its replay runs as it did.
    run_config: Callable[[RunnableConfig | None], DiscoveryConfig] | None = None

    def for_run(self, config: RunnableConfig | None) -> tuple[tuple[ScanJob, ...], ExecutionPolicy]:
        """This run's jobs and execution policy: its per-run config's, else the graph's."""
        found = self.configure(config) if self.configure is not None else None
        if found is None:
            return self.jobs, self.policy
        return tuple(found[0]), found[1]

    def invoke(
        self, input: DiscoveryState, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return self(input, config or _NO_CONFIG)

    async def ainvoke(
        self, input: DiscoveryState, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        token = cancel_token(config) or CancelToken()
        # to_thread copies the context: the stream writer and callbacks work in the thread.
        try:
            return await asyncio.to_thread(self, input, config or _NO_CONFIG, cancel=token)
        except asyncio.CancelledError:
            # The thread keeps running: the token stops the engine and every scanner.
            token.cancel()
            raise

    # Annotated exactly ``RunnableConfig``: LangGraph matches the annotation's text (under
    # postponed annotations) and passes no config to a node whose annotation differs.
    def __call__(
        self,
        state: DiscoveryState,
        config: RunnableConfig = _NO_CONFIG,
        *,
        cancel: CancelToken | None = None,
    ) -> dict[str, Any]:
        """Run the scanners (sync). ``cancel``, else the config's ``discovery_cancel`` token,
        cancels the run: :class:`~tradingagents.errors.DiscoveryCancelled` is raised."""
        # First: a bad per-run config is a ConfigError before any scanner starts.
        run_jobs, policy = self.for_run(config)
        trade_date = parse_trade_date(state.get("trade_date"))
        # Scanners ask for trading days once their data arrives; build the calendar meanwhile.
        prepare_in_background(trade_date)
        # Taken before the scanners run: a live run's recorded_at is when it started.
        source = dict(self.source()) if self.source is not None else None
        run_id = new_run_id(self.clock.now())
        # The run's own fan_out: a per-run scanner_execution override reaches ctx.map too.
        services = self.services(trade_date, policy.fan_out) if self.services is not None else None
        settings = self.run_config(config) if self.run_config is not None else None
        archive = _start_archive(services, run_id, trade_date, self.clock.now(), settings)
        transitions_before = self._transitions()
        problems: list[str] = []
        jobs, breakers_usable = self._admit(run_jobs, problems)
        jobs = with_expected(jobs, policy, self.history, problems)
        recorder = RunRecorder(self.history, trade_date, run_id, self.clock.now())
        try:
            outcomes = run_scanners(
                jobs,
                trade_date=trade_date,
                policy=policy,
                executor=self.executor,
                on_event=_stream_writer(),
                services=services,
                tracer=callback_tracer(config),
                cancel=cancel if cancel is not None else cancel_token(config),
                clock=self.clock,
            )
        except BaseException as exc:
            if archive is not None:
                archive.discard()
            # A cancelled run is history too (unfinished scanners as cancelled), not breakers'.
            recorder.save(getattr(exc, "scanner_runs", None), [])
            raise
        if archive is not None:
            warning = archive.commit({o.record["name"]: o.record["status"] for o in outcomes})
            if warning is not None:
                _note(problems, warning)
        if breakers_usable:
            self._record(outcomes, problems)
        recorder.save([o.record for o in outcomes], problems)
        summary: dict[str, Any] = {
            "providers": services.metrics.snapshot() if services is not None else {},
            "breaker_transitions": self._new_transitions(transitions_before),
        }
        if problems:
            summary["warnings"] = problems
        provider_problems = services.metrics.problems() if services is not None else {}
        if provider_problems:
            # Why calls failed, one line per provider (reports.problems.provider_problem_lines).
            summary["provider_problems"] = redact(provider_problems, known_secrets())
        update: dict[str, Any] = {
            "candidates": merge_scanner_candidates(o.candidates for o in outcomes),
            "tool_logs": [entry for o in outcomes for entry in o.tool_logs],
            "scanner_runs": [dict(o.record) for o in outcomes],
            "run_summary": summary,
            "run_id": run_id,
        }
        if source is not None:
            if archive is not None and archive.archived:
                # `tradingagents runs replay <run_id>` replays this run from the archive.
                source["archive"] = run_id
            update["source"] = source
        return update

    def _admit(self, jobs: tuple[ScanJob, ...], problems: list[str]) -> tuple[list[ScanJob], bool]:
        """Ask each scanner's breaker, per run, whether it may run (disabled ones are not asked);
        and whether the breakers can record this run (False: their file is unusable)."""
        if self.breakers is None:
            return list(jobs), False
        # Fail open: with the breaker file unusable every scanner runs, and nothing is charged.
        usable = self.breakers.unavailable() is None
        problems.extend(self.breakers.take_warnings())  # logged where they happened
        failed_before = len(problems) if usable else -1
        admitted = []
        for job in jobs:
            if job.skip is not None or len(problems) > failed_before:
                # After one store failure the rest are admitted without asking again.
                admitted.append(job)
                continue
            try:
                reason = self.breakers.admit(job.name)
                state: str | None = self.breakers.status(job.name).state
            except (BreakerStoreError, sqlite3.Error) as exc:
                # Fail open: a broken breaker store must not stop discovery, nor lose a run.
                _note(problems, f"breaker store unavailable for {job.name}: {exc}")
                reason, state = None, None
            if reason is not None:
                admitted.append(replace(job, skip=("circuit_open", reason), breaker_state=state))
            else:
                admitted.append(replace(job, breaker_state=state))
        return admitted, usable

    def _record(self, outcomes: list[ScannerOutcome], problems: list[str]) -> None:
        if self.breakers is None:
            return
        failed_before = len(problems)
        for outcome in outcomes:
            if len(problems) > failed_before:
                break  # the store is unavailable: one warning, not one wait per scanner
            record = outcome.record
            error = record["error"]
            status = record["status"]
            if status == "timeout" and record["started_s"] is None:
                status = "skipped"  # never started: a queue problem, not the scanner's failure
            detail = f"{error['type']}: {error['message']}" if error else None
            try:
                self.breakers.record(record["name"], status, detail)
            except (BreakerStoreError, sqlite3.Error) as exc:
                _note(problems, f"breaker not updated for {record['name']}: {exc}")
        problems.extend(self.breakers.take_warnings())

    def _transitions(self) -> dict[str, int]:
        if self.breakers is None:
            return {}
        return {name: len(moves) for name, moves in self.breakers.transitions().items()}

    def _new_transitions(self, before: dict[str, int]) -> dict[str, list[list[str]]]:
        if self.breakers is None:
            return {}
        return {
            name: [list(move) for move in moves[before.get(name, 0) :]]
            for name, moves in sorted(self.breakers.transitions().items())
            if moves[before.get(name, 0) :]
        }


def _start_archive(
    services: RunServices | None,
    run_id: str,
    trade_date: date,
    started: datetime,
    settings: DiscoveryConfig | None = None,
) -> RunArchiver | None:
    """The recorder of a live run's responses (``discovery.archive``) and of ``settings``, its
    effective config, set as ``services.archive``; None for replay runs, or when archiving is
    off."""
    if services is None:
        return None
    try:
        hub = services.providers
    except SnapshotError:  # a snapshot of another date: a replay, whose scanners will say so
        return None
    if not hub.is_live or not hub.config.archive.enabled:
        return None
    archive = archive_of(hub.config).start(run_id, trade_date, started, config=settings)
    services.archive = archive
    return archive


def _note(problems: list[str], message: str) -> None:
    logger.warning(message)
    problems.append(message)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


class FilterNode:
    """Drops invalid or excluded tickers and those below the configured price/volume minimums."""

    def __init__(self, config: FilterConfig):
        self.config = config
        excluded = set()
        for raw in config.exclude_tickers:
            try:
                excluded.add(normalize_ticker(raw))
            except CandidateError as exc:
                raise ConfigError(
                    [ConfigProblem("discovery.filter.exclude_tickers", str(exc))]
                ) from None
        self.excluded = frozenset(excluded)

    def _why_dropped(self, candidate: dict[str, Any]) -> str | None:
        try:
            ticker = normalize_ticker(candidate.get("ticker"))
        except CandidateError as exc:
            return str(exc)
        if ticker in self.excluded:
            return "excluded by discovery.filter.exclude_tickers"
        for field, minimum in (
            ("price", self.config.min_price),
            ("volume", self.config.min_volume),
        ):
            if minimum is None or candidate.get(field) is None:
                continue
            value = _number(candidate[field])
            if value is None:
                return f"{field} is not a number: {candidate[field]!r}"
            if value < minimum:
                return f"{field} {value:g} below discovery.filter.min_{field} {minimum:g}"
        return None

    def __call__(self, state: DiscoveryState) -> dict[str, Any]:
        kept: list[dict[str, Any]] = []
        dropped: list[dict[str, Any]] = []
        for candidate in state.get("candidates") or []:
            reason = self._why_dropped(candidate)
            if reason is None:
                kept.append(candidate)
            else:
                dropped.append({"ticker": candidate.get("ticker"), "reason": reason})
        return {"filtered_candidates": kept, "filter_rejections": dropped}


class RankNode:
    """Scores every candidate with the one scoring model (docs/scoring.md), promotes
    multi-scanner tickers, orders by priority then score (ties keep merge order) and caps."""

    def __init__(self, config: RankConfig):
        self.config = config

    def score(self, candidate: dict[str, Any]) -> tuple[Priority, dict[str, Any], bool]:
        """The candidate's priority after promotion, its score breakdown, and if it was promoted."""
        breakdown = score_breakdown(candidate, self.config)
        sources = breakdown["extra_sources"] + 1
        priority = Priority(candidate["priority"])
        promote = (
            self.config.promote_at_sources is not None and sources >= self.config.promote_at_sources
        )
        if promote and priority is not Priority.CRITICAL:
            return priority.promoted(), breakdown, True
        return priority, breakdown, False

    def __call__(self, state: DiscoveryState) -> dict[str, Any]:
        scored = []
        for candidate in state.get("filtered_candidates") or []:
            priority, breakdown, promoted = self.score(candidate)
            scored.append((priority, breakdown, promoted, candidate))
        # Stable sort on the rounded total a user sees: equal shown scores keep the merge order,
        # which is deterministic.
        scored.sort(key=lambda item: (-item[0].rank, -item[1]["total"]))
        ranked = []
        for position, (priority, breakdown, promoted, candidate) in enumerate(
            scored[: self.config.max_candidates], start=1
        ):
            entry = dict(candidate)
            entry.update(
                rank=position,
                priority=priority.value,
                score=breakdown["total"],
                score_breakdown=breakdown,
            )
            if promoted:
                entry["promoted_from"] = candidate["priority"]
            ranked.append(entry)
        return {"ranked_candidates": ranked}


def build_nodes(
    config: DiscoveryConfig,
    jobs: Sequence[ScanJob],
    executor: Executor | None,
    services: Callable[[date, int], RunServices] | None = None,
    breakers: BreakerBoard | None = None,
    source: Callable[[], Mapping[str, Any]] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    history: RunHistory | None = None,
) -> tuple[DiscoverNode, FilterNode, RankNode]:
    policy = ExecutionPolicy.from_config(config.scanner_execution)
    discover = DiscoverNode(jobs, policy, executor, services, breakers, source, clock=clock)
    discover.history = history
    discover.run_config = lambda _: config
    return discover, FilterNode(config.filter), RankNode(config.rank)
