"""The scanner engine: bounded concurrent dispatch with deadlines that really hold."""

from __future__ import annotations

import contextvars
import functools
import logging
import math
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from tradingagents.config import ScannerExecutionConfig
from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.context import ScanContext, describe_calls_in_flight
from tradingagents.discovery.scanner import Scanner
from tradingagents.discovery.scoring import (
    built_in_default_signal,
    keep_best,
    merge_repeated,
    signal_problems,
)
from tradingagents.discovery.tracing import RunTracer, ScannerTrace, traced
from tradingagents.engine.pool import DaemonThreadPool
from tradingagents.engine.records import (
    ErrorInfo,
    Rejection,
    ScannerOutcome,
    ScannerRun,
    ScannerStatus,
    make_record,
)
from tradingagents.errors import (
    CandidateError,
    DiscoveryCancelled,
    InvalidScannerOutput,
    ScannerSkipped,
    ScannerTimeout,
    StepDeadlineExceeded,
)
from tradingagents.redaction import known_secrets, redact, redact_text

logger = logging.getLogger("tradingagents.engine")

Event = dict[str, Any]
EventSink = Callable[[Event], None]

# Slack added to the implied step deadline (no global timeout set) so that it only ever
# catches a starved executor, never a scanner that is within its own budget.
_IMPLIED_GRACE_S = 1.0
# The longest the monitor waits without looking up, so that a cancellation stops the run at
# once. A CancelToken is polled rather than notified (cancel() may run in a signal handler,
# which must not take a lock the interrupted thread holds), and a KeyboardInterrupt is raised
# only between bytecodes: a lock wait in C does not return for it when the SIGINT landed on
# another thread, or came from _thread.interrupt_main().
_POLL_S = 0.02


class CancelToken:
    """Cancels a discovery run from any thread: a signal handler, an event loop, a UI.

    Pass it to :func:`run_scanners` (or in ``config["configurable"]["discovery_cancel"]`` to a
    graph run). Within a few tens of milliseconds of :meth:`cancel`, every running scanner's
    ``ctx.cancelled`` is set, no queued scanner starts, and the engine raises
    :class:`~tradingagents.errors.DiscoveryCancelled`. Whether the run stopped on this token or
    on a ``KeyboardInterrupt``, ``scanner_runs`` then holds its records (status ``cancelled``
    for the scanners that had not finished); None until the engine stopped on a cancellation.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self.scanner_runs: list[ScannerRun] | None = None

    def cancel(self) -> None:
        """Cancel the run. Safe in a signal handler; idempotent."""
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class ExecutionPolicy:
    """How the engine dispatches: width, per-scanner and whole-step time budgets."""

    concurrent: bool = True
    max_workers: int = 8
    timeout_seconds: float = 30.0
    global_timeout_seconds: float | None = None

    @classmethod
    def from_config(cls, config: ScannerExecutionConfig) -> ExecutionPolicy:
        return cls(
            concurrent=config.concurrent,
            max_workers=config.max_workers,
            timeout_seconds=config.timeout_seconds,
            global_timeout_seconds=config.global_timeout_seconds,
        )

    @property
    def width(self) -> int:
        """How many scanners may run at once: ``max_workers``, or 1 in sequential mode."""
        return self.max_workers if self.concurrent else 1


@dataclass(frozen=True)
class ScanJob:
    """One scanner to run, with its validated settings and time budget.

    ``skip`` pre-empts the run with a status (``skipped`` or ``circuit_open``) and a reason.
    """

    scanner: Scanner
    settings: Mapping[str, Any]
    timeout_s: float
    skip: tuple[ScannerStatus, str] | None = None
    # The scanner's circuit-breaker state at dispatch (live mode), shown in its tool logs.
    breaker_state: str | None = None

    @property
    def name(self) -> str:
        return self.scanner.name


class _State(Enum):
    PENDING = "pending"  # not yet handed to the executor
    QUEUED = "queued"  # handed over, not started
    RUNNING = "running"
    DONE = "done"


class _Slot:
    """The engine's bookkeeping for one job; mutated only under the run's condition lock."""

    __slots__ = (
        "cancel",
        "ctx",
        "deadline",
        "index",
        "job",
        "outcome",
        "reported",
        "started",
        "state",
        "trace",
    )

    def __init__(self, index: int, job: ScanJob) -> None:
        self.index = index
        self.job = job
        self.state = _State.PENDING
        self.cancel = threading.Event()
        self.ctx: ScanContext | None = None
        self.started: float | None = None
        self.deadline: float | None = None
        self.outcome: ScannerOutcome | None = None
        self.reported = 0  # 0: nothing told, 1: start told, 2: end told
        self.trace: ScannerTrace | None = None


def run_scanners(
    jobs: Sequence[ScanJob],
    *,
    trade_date: date,
    policy: ExecutionPolicy,
    executor: Executor | None = None,
    on_event: EventSink | None = None,
    secrets: frozenset[str] | None = None,
    services: Any = None,
    tracer: RunTracer | None = None,
    cancel: CancelToken | None = None,
) -> list[ScannerOutcome]:
    """Run every job and return one outcome per job, in the order of ``jobs``.

    Jobs are dispatched in order, at most ``policy.width`` at a time. Each scanner's deadline
    counts from its own start (``timeout_s``), capped by the step deadline
    (``global_timeout_seconds``, which also bounds queue waits). When a deadline passes, the
    scanner's ``ctx.cancelled`` is set, its slot is freed for the next job, and whatever it
    returns later is discarded. The call returns when every job has an outcome; it never waits
    for a hung scanner. ``executor`` may be any in-process ``concurrent.futures.Executor``;
    by default a :class:`DaemonThreadPool` is used, so hung threads never block exit.
    ``tracer`` (optional) is told of every scanner's run and tool calls, e.g. LangChain
    callbacks (:mod:`tradingagents.graph.tracing`).

    Cancellation: a ``KeyboardInterrupt`` in the calling thread, or ``cancel`` (a
    :class:`CancelToken`) set from anywhere, sets every scanner's ``ctx.cancelled``, keeps
    queued scanners from starting and returns control at once: the interrupt propagates,
    a cancelled token raises :class:`~tradingagents.errors.DiscoveryCancelled`. The records
    (``cancelled`` for unfinished scanners) are on the token and the exception.
    """
    run = _Run(jobs, trade_date, policy, executor, on_event, secrets, services, tracer)
    run.cancel_token = cancel
    return run.run()


class _Stop(Exception):
    """Raised inside the monitor loop when the run's CancelToken is set."""


class _Run:
    cancel_token: CancelToken | None = None

    def __init__(
        self,
        jobs: Sequence[ScanJob],
        trade_date: date,
        policy: ExecutionPolicy,
        executor: Executor | None,
        on_event: EventSink | None,
        secrets: frozenset[str] | None,
        services: Any,
        tracer: RunTracer | None = None,
    ) -> None:
        self.trade_date = trade_date
        self.services = services
        self.policy = policy
        self.secrets = known_secrets() if secrets is None else secrets
        self.on_event = on_event
        self.own_pool = executor is None
        self.executor: Executor = executor if executor is not None else DaemonThreadPool()
        self.cond = threading.Condition(threading.Lock())
        self.slots = [_Slot(i, job) for i, job in enumerate(jobs)]
        if tracer is not None:
            for slot in self.slots:
                slot.trace = traced(tracer.scanner, slot.job.name, slot.job.scanner.pipeline)
        # Slots that started or finished since the last report (so reporting is O(changes)).
        self.changed: list[_Slot] = []
        self.start = time.monotonic()
        runnable = []
        for slot in self.slots:
            if slot.job.skip is not None:
                status, reason = slot.job.skip
                slot.outcome = ScannerOutcome(self._record(slot, status, reason=reason))
                slot.state = _State.DONE
                self.changed.append(slot)
            else:
                runnable.append(slot)
        self.pending = deque(runnable)
        self.active: set[_Slot] = set()  # queued or running
        self.step_deadline = self.start + self._step_budget(runnable)

    def _step_budget(self, runnable: list[_Slot]) -> float:
        if self.policy.global_timeout_seconds is not None:
            return self.policy.global_timeout_seconds
        if not runnable:
            return 0.0
        # Worst case for a pool of this capacity where every scanner uses its whole budget.
        capacity = self.policy.width
        if not self.own_pool:
            capacity = min(capacity, getattr(self.executor, "_max_workers", capacity))
        waves = math.ceil(len(runnable) / max(1, capacity))
        return waves * max(slot.job.timeout_s for slot in runnable) + _IMPLIED_GRACE_S

    # -- monitor (the caller's thread) -----------------------------------------------------

    def run(self) -> list[ScannerOutcome]:
        # The line users of the seed project look for in their logs.
        count = len(self.pending)
        if self.policy.concurrent:
            logger.info(
                "Running %d scanners concurrently (max %d workers)...",
                count,
                self.policy.max_workers,
            )
        else:
            logger.info("Running %d scanners sequentially...", count)
        self._emit({"event": "discovery_started", "scanners": [s.job.name for s in self.slots]})
        try:
            while True:
                with self.cond:
                    if self.cancel_token is not None and self.cancel_token.is_set():
                        raise _Stop
                    now = time.monotonic()
                    self._expire(now)
                    batch = self._take_batch(now)
                    if not batch and not self.active and not self.pending:
                        break
                    wait = None if batch else self._next_wakeup(now)
                    if wait is not None:
                        self.cond.wait(min(wait, _POLL_S))
                for slot in batch:
                    self._submit(slot)
                self._report()
        except BaseException as exc:
            # Cancelled, interrupted (Ctrl-C) or a bug: tell every scanner to stop, and keep
            # queued ones from starting, before propagating.
            runs = self._cancel_all()
            if self.cancel_token is not None:
                self.cancel_token.scanner_runs = runs
            for slot in self.slots:
                if slot.trace is not None:  # closing a closed trace is a no-op
                    traced(slot.trace.fail, "cancelled: the discovery run was interrupted", {})
            if isinstance(exc, _Stop):
                raise DiscoveryCancelled("the discovery run was cancelled", runs) from None
            if isinstance(exc, KeyboardInterrupt):
                exc.scanner_runs = runs  # type: ignore[attr-defined]
            raise
        finally:
            if self.own_pool:
                self.executor.shutdown(wait=False)
        self._report()
        outcomes = [slot.outcome for slot in self.slots]
        assert all(o is not None for o in outcomes)
        self._emit(
            {
                "event": "discovery_finished",
                "elapsed_s": round(time.monotonic() - self.start, 6),
                "statuses": {
                    s.job.name: s.outcome.record["status"] for s in self.slots if s.outcome
                },
            }
        )
        return [o for o in outcomes if o is not None]

    def _cancel_all(self) -> list[ScannerRun]:
        """Stop every unfinished scanner, recorded as ``cancelled``; all records, in order."""
        with self.cond:
            self.pending.clear()
            now = time.monotonic()
            for slot in self.slots:
                slot.cancel.set()
                if slot.state is _State.DONE:
                    continue
                # A queued slot marked done here is never started by its worker (_execute).
                duration = None if slot.started is None else now - slot.started
                error = ErrorInfo(
                    type=DiscoveryCancelled.__name__,
                    message="the discovery run was cancelled"
                    + (" before it started" if slot.started is None else ""),
                )
                record = self._record(slot, "cancelled", error=error, duration_s=duration)
                logs = slot.ctx._close() if slot.ctx is not None else []
                self._finish(slot, ScannerOutcome(record, [], logs))
            return [dict(s.outcome.record) for s in self.slots if s.outcome is not None]  # type: ignore[misc]

    def _take_batch(self, now: float) -> list[_Slot]:
        batch: list[_Slot] = []
        if now >= self.step_deadline:
            while self.pending:
                self._never_started(self.pending.popleft())
            return batch
        while self.pending and len(self.active) < self.policy.width:
            slot = self.pending.popleft()
            slot.state = _State.QUEUED
            self.active.add(slot)
            batch.append(slot)
        return batch

    def _expire(self, now: float) -> None:
        for slot in list(self.active):
            if slot.state is _State.RUNNING and slot.deadline is not None and now >= slot.deadline:
                self._time_out(slot)
            elif slot.state is _State.QUEUED and now >= self.step_deadline:
                self._never_started(slot)

    def _next_wakeup(self, now: float) -> float:
        times = [self.step_deadline] if (self.pending or self.active) else []
        times += [s.deadline for s in self.active if s.deadline is not None]
        return max(0.0, min(times) - now) if times else 0.0

    def _submit(self, slot: _Slot) -> None:
        # A fresh copy per task: one Context cannot be entered by two threads at once, and
        # LangGraph's stream writer and callbacks find their run through context variables.
        context = contextvars.copy_context()
        try:
            future = self.executor.submit(context.run, self._execute, slot)
        except Exception as exc:  # e.g. a user's executor that was shut down
            with self.cond:
                if slot.state is _State.QUEUED:
                    self._fail(slot, exc)
            return
        future.add_done_callback(functools.partial(self._on_future_done, slot))

    def _on_future_done(self, slot: _Slot, future: Future[None]) -> None:
        # _execute never raises; this only catches executors that cancel or fail the task.
        if future.cancelled():
            exc: BaseException | None = RuntimeError("the executor cancelled the task")
        else:
            exc = future.exception()
        if exc is None:
            return
        with self.cond:
            if slot.state in (_State.QUEUED, _State.RUNNING):
                self._fail(slot, exc)

    # -- transitions (under self.cond) -------------------------------------------------------

    def _finish(self, slot: _Slot, outcome: ScannerOutcome) -> None:
        slot.outcome = outcome
        slot.state = _State.DONE
        self.active.discard(slot)
        self.changed.append(slot)
        self.cond.notify_all()

    def _time_out(self, slot: _Slot) -> None:
        slot.cancel.set()
        assert slot.ctx is not None and slot.started is not None and slot.deadline is not None
        budget = slot.job.timeout_s
        # What it was stuck on is the first thing a reader asks; redacted like any message.
        waiting = describe_calls_in_flight(slot.ctx.calls_in_flight(), time.monotonic())
        waiting = redact_text(waiting, self.known())
        if slot.deadline < slot.started + budget:
            message = f"step deadline passed {slot.deadline - slot.started:.3g}s after it started"
            error = ErrorInfo(type=StepDeadlineExceeded.__name__, message=f"{message}; {waiting}")
        else:
            message = f"no result within {budget:g}s; {waiting}"
            error = ErrorInfo(type=ScannerTimeout.__name__, message=message)
        record = self._record(
            slot,
            "timeout",
            error=error,
            duration_s=slot.deadline - slot.started,
            warnings=slot.ctx._take_warnings(),
        )
        self._finish(slot, ScannerOutcome(record, [], slot.ctx._close()))

    def _never_started(self, slot: _Slot) -> None:
        slot.cancel.set()
        waited = time.monotonic() - self.start
        error = ErrorInfo(
            type=StepDeadlineExceeded.__name__,
            message=f"never started: the step deadline passed after {waited:.3g}s in the queue",
        )
        self._finish(slot, ScannerOutcome(self._record(slot, "timeout", error=error)))

    def _fail(self, slot: _Slot, exc: BaseException) -> None:
        slot.cancel.set()
        logs = slot.ctx._close() if slot.ctx is not None else []
        record = self._record(slot, "error", error=self._error_info(exc))
        self._finish(slot, ScannerOutcome(record, [], logs))

    def known(self) -> frozenset[str]:
        """The run's secrets and any learned since it started (an OAuth token)."""
        return self.secrets | known_secrets()

    def _record(self, slot: _Slot, status: ScannerStatus, **fields: Any) -> Any:
        started = None if slot.started is None else slot.started - self.start
        return make_record(
            name=slot.job.name,
            pipeline=slot.job.scanner.pipeline,
            status=status,
            timeout_s=slot.job.timeout_s,
            started_s=started,
            **fields,
        )

    def _error_info(self, exc: BaseException) -> ErrorInfo:
        return ErrorInfo(type=type(exc).__name__, message=redact_text(str(exc), self.known()))

    # -- worker threads ---------------------------------------------------------------------

    def _execute(self, slot: _Slot) -> None:
        with self.cond:
            if slot.state is not _State.QUEUED:
                return  # the step deadline passed while it was queued
            if time.monotonic() >= self.step_deadline:
                # Picked up by a worker just after the step deadline: it must not start.
                self._never_started(slot)
                return
            slot.started = time.monotonic()
            slot.deadline = min(slot.started + slot.job.timeout_s, self.step_deadline)
            slot.ctx = ctx = ScanContext(
                scanner=slot.job.name,
                trade_date=self.trade_date,
                config=slot.job.settings,
                deadline=slot.deadline,
                cancelled=slot.cancel,
                secrets=self.secrets,
                services=self.services,
                trace=slot.trace,
            )
            ctx.breaker_state = slot.job.breaker_state
            slot.state = _State.RUNNING
            slot.reported = 1  # announced below, from this thread, before scan() can emit
            self.cond.notify_all()
        if slot.trace is not None:
            traced(slot.trace.start, self._trace_inputs(slot))
        self._emit(
            {
                "event": "scanner_started",
                "scanner": slot.job.name,
                "pipeline": slot.job.scanner.pipeline,
            }
        )
        raw: Any = None
        error: BaseException | None = None
        try:
            raw = slot.job.scanner.scan(ctx)
        except BaseException as exc:  # isolate everything a scanner can throw
            error = exc
        ended = time.monotonic()
        duration = ended - slot.started
        outcome = self._complete(slot, raw, error, duration)
        with self.cond:
            if slot.state is _State.RUNNING and ended <= slot.deadline:
                outcome.record["warnings"] = ctx._take_warnings()
                outcome.tool_logs = ctx._close()
                self._finish(slot, outcome)
                return
        logger.debug("discarded the late result of %s (%.3fs)", slot.job.name, duration)

    def _trace_inputs(self, slot: _Slot) -> dict[str, Any]:
        return {
            "scanner": slot.job.name,
            "pipeline": slot.job.scanner.pipeline,
            "trade_date": self.trade_date.isoformat(),
            "timeout_s": slot.job.timeout_s,
            "settings": redact(dict(slot.job.settings), self.known()),
        }

    def _complete(
        self, slot: _Slot, raw: Any, error: BaseException | None, duration: float
    ) -> ScannerOutcome:
        name = slot.job.name
        if isinstance(error, ScannerSkipped):
            return ScannerOutcome(
                self._record(slot, "skipped", reason=str(error), duration_s=duration)
            )
        if error is None and not isinstance(raw, list):
            error = InvalidScannerOutput(
                f"scan() returned {type(raw).__name__}, expected a list of candidates", scanner=name
            )
        if error is not None:
            # A scanner stopping because it was cancelled (its deadline passed) is expected, and
            # its late result is discarded: no traceback for that.
            cancelled = slot.cancel.is_set() or isinstance(error, ScannerTimeout)
            if (
                not isinstance(error, InvalidScannerOutput)
                and not cancelled
                and logger.isEnabledFor(logging.DEBUG)
            ):
                # The traceback is for debugging only: the user gets one WARNING line per
                # failed scanner (log_finished). Formatted and redacted here: an exception
                # message can carry a key (a quota notice echoing it, a URL with apikey=), and
                # exc_info would log it verbatim.
                trace = "".join(traceback.format_exception(error))
                logger.debug("scanner %s raised:\n%s", name, redact_text(trace, self.known()))
            return ScannerOutcome(
                self._record(slot, "error", error=self._error_info(error), duration_s=duration)
            )
        accepted: list[Candidate] = []
        rejected: list[Rejection] = []
        for index, item in enumerate(raw):
            try:
                accepted.append(Candidate.coerce(item, source=name))
            except CandidateError as exc:
                rejected.append(Rejection(index=index, reason=redact_text(str(exc), self.known())))
        if rejected and not accepted:
            first = rejected[0]
            invalid = InvalidScannerOutput(
                f"all {len(rejected)} candidates rejected; #{first['index']}: {first['reason']}",
                scanner=name,
            )
            record = self._record(
                slot,
                "error",
                error=self._error_info(invalid),
                rejected=rejected,
                duration_s=duration,
            )
            return ScannerOutcome(record)
        # One candidate per ticker first (a screener lists a ticker on several lists), then the
        # best `limit` of them by priority and signal, never merely the first rows.
        default = built_in_default_signal()
        problem = signal_problems(accepted, default)
        if problem is not None and slot.ctx is not None:
            slot.ctx.warn(problem)
        limit = slot.job.settings.get("limit")
        accepted, truncated = keep_best(
            merge_repeated(accepted, default), limit if isinstance(limit, int) else None, default
        )
        record = self._record(
            slot,
            "ok",
            candidates=len(accepted),
            rejected=rejected,
            truncated=truncated,
            duration_s=duration,
        )
        return ScannerOutcome(record, accepted)

    # -- reporting (the caller's thread, outside the lock) ----------------------------------

    def _report(self) -> None:
        with self.cond:
            changed, self.changed = self.changed, []
            snapshot = []
            for s in changed:
                if s.reported < 2:
                    snapshot.append((s, s.reported, s.state, s.outcome))
                    s.reported = 2 if s.state is _State.DONE else 1
        for slot, _told, state, outcome in snapshot:
            if state is _State.DONE and outcome is not None:
                record = outcome.record
                log_finished(record)
                if slot.trace is not None:
                    traced(_close_trace, slot.trace, record)
                self._emit(
                    {
                        "event": "scanner_finished",
                        "scanner": record["name"],
                        "status": record["status"],
                        "candidates": record["candidates"],
                        "duration_s": record["duration_s"],
                        "error": record["error"],
                        "reason": record["reason"],
                    }
                )

    def _emit(self, event: Event) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # progress reporting must never break the run
            logger.warning("progress event sink failed", exc_info=True)


def _close_trace(trace: ScannerTrace, record: Mapping[str, Any]) -> None:
    """End a scanner's traced run from its record (already redacted): ``ok``, ``skipped`` and
    ``circuit_open`` as ended runs (with the reason), any other status as a failure."""
    outputs = {
        key: record.get(key)
        for key in ("status", "candidates", "duration_s", "reason", "warnings", "error")
    }
    if record["status"] in ("ok", "skipped", "circuit_open"):
        trace.end(outputs)
        return
    # Errors, timeouts and any status added later (a cancelled run) are failures.
    error = record["error"]
    detail = f"{error['type']}: {error['message']}" if error else "no detail"
    trace.fail(f"{record['status']}: {detail}", outputs)


def describe(record: Mapping[str, Any]) -> str:
    """The one line logged when a scanner finishes, e.g. ``✓ market_movers: 10 candidates``."""
    name, status = record["name"], record["status"]
    if status == "ok":
        extra = []
        if record["rejected"]:
            extra.append(f"{len(record['rejected'])} rejected")
        if record["truncated"]:
            extra.append(f"{record['truncated']} over limit")
        if record.get("warnings"):
            extra.append(f"{len(record['warnings'])} warnings")
        suffix = f" ({', '.join(extra)})" if extra else ""
        count = record["candidates"]
        return f"✓ {name}: {count} candidate{'' if count == 1 else 's'}{suffix}"
    if status == "timeout":
        error = record["error"] or {}
        if error.get("type") == ScannerTimeout.__name__:
            return f"⏱️ {name}: timeout after {record['timeout_s']:g}s"
        return f"⏱️ {name}: timeout ({error.get('message', '')})"
    if status == "error":
        error = record["error"] or {}
        return f"⚠️ {name}: {error.get('type')} {error.get('message')}"
    if status == "circuit_open":
        return f"⛔ {name}: {record['reason']}"
    if status == "cancelled":
        return f"✖ {name}: cancelled"
    return f"⏭️ {name}: skipped ({record['reason']})"


def log_finished(record: Mapping[str, Any]) -> None:
    level = logging.INFO if record["status"] in ("ok", "skipped") else logging.WARNING
    logger.log(level, describe(record))
