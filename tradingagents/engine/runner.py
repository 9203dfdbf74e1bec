"""The scanner engine's run loop: bounded concurrent dispatch under the injected clock."""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from datetime import date
from multiprocessing.process import BaseProcess
from typing import Any

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.tracing import RunTracer, traced
from tradingagents.engine.cancel import CancelToken
from tradingagents.engine.deadlines import deadline_passed, scanner_deadline
from tradingagents.engine.isolation import require_fork, run_in_process
from tradingagents.engine.policy import ExecutionPolicy, ScanJob, dispatch_order, isolation_of
from tradingagents.engine.pool import DaemonThreadPool
from tradingagents.engine.records import ScannerOutcome
from tradingagents.engine.reporting import (
    Event,
    EventSink,
    close_trace,
    emit,
    finished_event,
    log_finished,
)
from tradingagents.engine.results import scan_outcome
from tradingagents.engine.slots import Ledger, Slot, SlotState
from tradingagents.errors import DiscoveryCancelled
from tradingagents.redaction import known_secrets, redact

# What this module held before the engine was split; its importers (cli, graph) keep working.
__all__ = ["run_scanners"]

logger = logging.getLogger("tradingagents.engine")

# The longest the monitor waits, in real time, without looking at the clock again: a
# cancellation must stop the run at once, and a fake clock a test advances is seen within this.
# A CancelToken is polled rather than notified (cancel() may run in a signal handler), and a
# KeyboardInterrupt is raised only between bytecodes: a lock wait in C does not return for it
# when the SIGINT landed on another thread, or came from _thread.interrupt_main().
_POLL_S = 0.02


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
    clock: Clock = SYSTEM_CLOCK,
) -> list[ScannerOutcome]:
    """Run every job and return one outcome per job, in the order of ``jobs``.

    Jobs are dispatched at most ``policy.width`` at a time, in the order
    :func:`~tradingagents.engine.policy.dispatch_order` gives (``policy.order``: the longest
    ``expected_s`` first by default, else as given). Each scanner's deadline
    counts from its own start (``timeout_s``), capped by the step deadline
    (``global_timeout_seconds``, which also bounds queue waits). When a deadline passes, the
    scanner's ``ctx.cancelled`` is set, its slot is freed for the next job, and whatever it
    returns later is discarded. The call returns when every job has an outcome; it never waits
    for a hung scanner. ``executor`` may be any in-process ``concurrent.futures.Executor``;
    by default a :class:`DaemonThreadPool` is used, so hung threads never block exit.
    A job whose isolation is ``"process"`` (:func:`~tradingagents.engine.policy.isolation_of`)
    runs in a forked worker process its thread starts and waits for, killed at its deadline
    (:mod:`tradingagents.engine.isolation`); its record, tool logs and candidates are the same
    as in a thread. Where ``fork`` is unavailable such a job is a ConfigError before any starts.
    ``tracer`` (optional) is told of every scanner's run and tool calls, e.g. LangChain
    callbacks (:mod:`tradingagents.graph.tracing`).

    Every deadline, duration and start time is read from ``clock`` (a
    :class:`~tradingagents.clock.FakeClock` in tests): a result is kept only if the clock says
    it arrived before its deadline. Waiting for results takes real time, never more than a few
    tens of milliseconds between two looks at the clock.

    Cancellation: a ``KeyboardInterrupt`` in the calling thread, or ``cancel`` (a
    :class:`CancelToken`) set from anywhere, sets every scanner's ``ctx.cancelled``, keeps
    queued scanners from starting and returns control at once: the interrupt propagates,
    a cancelled token raises :class:`~tradingagents.errors.DiscoveryCancelled`. The records
    (``cancelled`` for unfinished scanners) are on the token and the exception.
    """
    run = _Run(jobs, trade_date, policy, executor, on_event, secrets, services, tracer, clock)
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
        tracer: RunTracer | None,
        clock: Clock,
    ) -> None:
        # By position: the slots' indices.
        self.isolated = {
            i
            for i, job in enumerate(jobs)
            if job.skip is None and isolation_of(job, policy) == "process"
        }
        require_fork([jobs[i].name for i in sorted(self.isolated)], _isolation_key(jobs))
        # Worker processes by slot, until their thread has reaped them: the monitor signals
        # those whose scanner it timed out or cancelled at once, in case the caller ends the
        # process right after the run (the CLI's os._exit) before their thread gets to it.
        self.processes: dict[Slot, BaseProcess] = {}
        self.trade_date = trade_date
        self.services = services
        self.policy = policy
        self.clock = clock
        self.on_event = on_event
        self.own_pool = executor is None
        self.executor: Executor = executor if executor is not None else DaemonThreadPool()
        capacity = policy.width
        if not self.own_pool:
            # A user's pool narrower than the policy stretches the worst case. ThreadPoolExecutor
            # shows its width only as _max_workers; an executor without it counts as wide enough.
            capacity = min(capacity, getattr(self.executor, "_max_workers", capacity))
        self.book = Ledger(
            jobs,
            clock=clock,
            secrets=known_secrets() if secrets is None else secrets,
            capacity=capacity,
            global_timeout=policy.global_timeout_seconds,
            order=dispatch_order(jobs, policy),
        )
        self.cond = self.book.cond
        if tracer is not None:
            for slot in self.book.slots:
                slot.trace = traced(tracer.scanner, slot.job.name, slot.job.scanner.pipeline)

    # -- monitor (the caller's thread) -----------------------------------------------------

    def run(self) -> list[ScannerOutcome]:
        book = self.book
        # The line users of the seed project look for in their logs.
        count = len(book.pending)
        if self.policy.concurrent:
            logger.info(
                "Running %d scanners concurrently (max %d workers)...",
                count,
                self.policy.max_workers,
            )
        else:
            logger.info("Running %d scanners sequentially...", count)
        self._emit({"event": "discovery_started", "scanners": [s.job.name for s in book.slots]})
        try:
            while True:
                with self.cond:
                    if self.cancel_token is not None and self.cancel_token.is_set():
                        raise _Stop
                    now = self.clock.monotonic()
                    book.expire(now)
                    self._stop_processes()
                    batch = book.take_batch(now, self.policy.width)
                    if not batch and not book.active and not book.pending:
                        break
                    wait = None if batch else book.next_wakeup(now)
                    if wait is not None:
                        self.cond.wait(min(wait, _POLL_S))
                for slot in batch:
                    self._submit(slot)
                self._report()
        except BaseException as exc:
            # Cancelled, interrupted (Ctrl-C) or a bug: tell every scanner to stop, and keep
            # queued ones from starting, before propagating.
            runs = book.cancel_all()
            with self.cond:
                self._stop_processes()
            if self.cancel_token is not None:
                self.cancel_token.scanner_runs = runs
            for slot in book.slots:
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
        outcomes = [slot.outcome for slot in book.slots if slot.outcome is not None]
        assert len(outcomes) == len(book.slots)
        self._emit(
            {
                "event": "discovery_finished",
                "elapsed_s": round(self.clock.monotonic() - book.start, 6),
                "statuses": {o.record["name"]: o.record["status"] for o in outcomes},
            }
        )
        return outcomes

    def _submit(self, slot: Slot) -> None:
        # A fresh copy per task: one Context cannot be entered by two threads at once, and
        # LangGraph's stream writer and callbacks find their run through context variables.
        context = contextvars.copy_context()
        try:
            future = self.executor.submit(context.run, self._execute, slot)
        except Exception as exc:  # e.g. a user's executor that was shut down
            with self.cond:
                if slot.state is SlotState.QUEUED:
                    self.book.fail(slot, exc)
            return
        future.add_done_callback(functools.partial(self._on_future_done, slot))

    def _on_future_done(self, slot: Slot, future: Future[None]) -> None:
        # _execute never raises; this only catches executors that cancel or fail the task.
        if future.cancelled():
            exc: BaseException | None = RuntimeError("the executor cancelled the task")
        else:
            exc = future.exception()
        if exc is None:
            return
        with self.cond:
            if slot.state in (SlotState.QUEUED, SlotState.RUNNING):
                self.book.fail(slot, exc)

    # -- worker threads ---------------------------------------------------------------------

    def _start(self, slot: Slot) -> ScanContext | None:
        """Mark a queued slot running and give it its context; None if it must not start."""
        with self.cond:
            if slot.state is not SlotState.QUEUED:
                return None  # the step deadline passed while it was queued
            started = self.clock.monotonic()
            if deadline_passed(self.book.step_deadline, started):
                # Picked up by a worker just as the step deadline passed: it must not start.
                self.book.never_started(slot, started)
                return None
            slot.started = started
            slot.deadline = scanner_deadline(started, slot.job.timeout_s, self.book.step_deadline)
            slot.ctx = ctx = ScanContext(
                scanner=slot.job.name,
                trade_date=self.trade_date,
                config=slot.job.settings,
                deadline=slot.deadline,
                cancelled=slot.cancel,
                secrets=self.book.secrets,
                services=self.services,
                trace=slot.trace,
                clock=self.clock,
            )
            ctx.breaker_state = slot.job.breaker_state
            slot.state = SlotState.RUNNING
            slot.reported = 1  # announced by the caller, from this thread, before scan() can emit
            self.cond.notify_all()
        return ctx

    def _execute(self, slot: Slot) -> None:
        ctx = self._start(slot)
        if ctx is None:
            return
        assert slot.started is not None and slot.deadline is not None
        started, deadline = slot.started, slot.deadline
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
            raw = self._scan(slot, ctx)
        except BaseException as exc:  # isolate everything a scanner can throw
            error = exc
        ended = self.clock.monotonic()
        outcome = scan_outcome(
            slot.job.name,
            slot.job.settings,
            raw,
            error,
            cancelled=slot.cancel.is_set(),
            duration=ended - started,
            record=functools.partial(self.book.record, slot),
            secrets=self.book.known(),
            warn=ctx.warn,
        )
        with self.cond:
            # The clock decides, not who takes the lock first: a result that came at or after
            # its deadline is discarded even if the monitor has not yet seen that time is up.
            if slot.state is SlotState.RUNNING and not deadline_passed(deadline, ended):
                outcome.record["warnings"] = ctx._take_warnings()
                outcome.record["coverage"] = ctx.coverage.get()
                outcome.tool_logs = ctx._close()
                self.book.finish(slot, outcome)
                return
        logger.debug("discarded the late result of %s (%.3fs)", slot.job.name, ended - started)

    def _scan(self, slot: Slot, ctx: ScanContext) -> Any:
        if slot.index not in self.isolated:
            return slot.job.scanner.scan(ctx)
        try:
            return run_in_process(
                slot.job,
                ctx,
                stop=slot.cancel,
                clock=self.clock,
                started=functools.partial(self._process_started, slot),
            )
        finally:
            with self.cond:
                self.processes.pop(slot, None)

    def _process_started(self, slot: Slot, process: BaseProcess) -> None:
        with self.cond:
            self.processes[slot] = process
            if slot.state is not SlotState.RUNNING:
                process.terminate()

    def _stop_processes(self) -> None:
        """SIGTERM the worker of every slot that ended while its process runs (lock held).
        Its thread, which sees the cancel flag within milliseconds, reaps it, and follows with
        SIGKILL if need be."""
        for slot, process in list(self.processes.items()):
            if slot.state is SlotState.DONE:
                del self.processes[slot]
                process.terminate()

    def _trace_inputs(self, slot: Slot) -> dict[str, Any]:
        return {
            "scanner": slot.job.name,
            "pipeline": slot.job.scanner.pipeline,
            "trade_date": self.trade_date.isoformat(),
            "timeout_s": slot.job.timeout_s,
            "settings": redact(dict(slot.job.settings), self.book.known()),
        }

    # -- reporting (the caller's thread, outside the lock) ----------------------------------

    def _report(self) -> None:
        with self.cond:
            snapshot = self.book.take_changed()
        for slot, state, outcome in snapshot:
            if state is SlotState.DONE and outcome is not None:
                log_finished(outcome.record)
                if slot.trace is not None:
                    traced(close_trace, slot.trace, outcome.record)
                self._emit(finished_event(outcome.record))

    def _emit(self, event: Event) -> None:
        emit(self.on_event, event)


def _isolation_key(jobs: Sequence[ScanJob]) -> Callable[[str], str]:
    """Where a scanner's process isolation was set, for a ConfigError: its own settings' key,
    else the run-wide one."""
    own = {job.name for job in jobs if job.isolation or job.settings.get("isolation")}

    def key(name: str) -> str:
        if name in own:
            return f"discovery.scanners.{name}.isolation"
        return "discovery.scanner_execution.isolation"

    return key
