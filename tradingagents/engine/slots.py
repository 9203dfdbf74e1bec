"""The run's bookkeeping: one slot per job, and every state change, under one lock."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from enum import Enum
from typing import Any

from tradingagents.clock import Clock
from tradingagents.discovery.context import ScanContext, describe_calls_in_flight
from tradingagents.discovery.tracing import ScannerTrace
from tradingagents.engine.deadlines import (
    deadline_passed,
    never_started_error,
    step_budget,
    timeout_error,
)
from tradingagents.engine.policy import ScanJob
from tradingagents.engine.records import (
    ErrorInfo,
    ScannerOutcome,
    ScannerRun,
    ScannerStatus,
    make_record,
)
from tradingagents.engine.results import error_info
from tradingagents.errors import DiscoveryCancelled
from tradingagents.redaction import known_secrets, redact_text


class SlotState(Enum):
    PENDING = "pending"  # not yet handed to the executor
    QUEUED = "queued"  # handed over, not started
    RUNNING = "running"
    DONE = "done"


class Slot:
    """The engine's bookkeeping for one job; mutated only under the ledger's lock."""

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
        self.state = SlotState.PENDING
        self.cancel = threading.Event()
        self.ctx: ScanContext | None = None
        self.started: float | None = None
        self.deadline: float | None = None
        self.outcome: ScannerOutcome | None = None
        self.reported = 0  # 0: nothing told, 1: start told, 2: end told
        self.trace: ScannerTrace | None = None


class Ledger:
    """Every slot of one run and its step deadline. The monitor and the workers share ``cond``;
    every method but :meth:`cancel_all` expects it held."""

    def __init__(
        self,
        jobs: Sequence[ScanJob],
        *,
        clock: Clock,
        secrets: frozenset[str],
        capacity: int,
        global_timeout: float | None,
        order: Sequence[int] | None = None,
    ) -> None:
        self.clock = clock
        self.secrets = secrets
        self.cond = threading.Condition(threading.Lock())
        self.slots = [Slot(i, job) for i, job in enumerate(jobs)]
        # Slots that started or finished since the last report (so reporting is O(changes)).
        self.changed: list[Slot] = []
        self.start = clock.monotonic()
        for slot in self.slots:
            if slot.job.skip is not None:
                status, reason = slot.job.skip
                # A breaker's reason quotes the last error, which an older store kept as it was.
                reason = redact_text(reason, self.known())
                slot.outcome = ScannerOutcome(self.record(slot, status, reason=reason))
                slot.state = SlotState.DONE
                self.changed.append(slot)
        # Slots stay in registration order (records, logs and candidates follow them); only
        # the queue follows ``order`` (positions, see policy.dispatch_order).
        queue = (self.slots[i] for i in (range(len(self.slots)) if order is None else order))
        runnable = [slot for slot in queue if slot.job.skip is None]
        self.pending = deque(runnable)
        self.active: set[Slot] = set()  # queued or running
        timeouts = [slot.job.timeout_s for slot in runnable]
        self.step_deadline = self.start + step_budget(timeouts, capacity, global_timeout)

    def known(self) -> frozenset[str]:
        """The run's secrets and any learned since it started (an OAuth token)."""
        return known_secrets(self.secrets)

    def record(self, slot: Slot, status: ScannerStatus, /, **fields: Any) -> ScannerRun:
        started = None if slot.started is None else slot.started - self.start
        return make_record(
            name=slot.job.name,
            pipeline=slot.job.scanner.pipeline,
            status=status,
            timeout_s=slot.job.timeout_s,
            started_s=started,
            **fields,
        )

    # -- the monitor's look at the clock ------------------------------------------------------

    def take_batch(self, now: float, width: int) -> list[Slot]:
        """The pending slots to hand to the executor now (none once the step deadline passed:
        those are recorded as never started)."""
        batch: list[Slot] = []
        if deadline_passed(self.step_deadline, now):
            while self.pending:
                self.never_started(self.pending.popleft(), now)
            return batch
        while self.pending and len(self.active) < width:
            slot = self.pending.popleft()
            slot.state = SlotState.QUEUED
            self.active.add(slot)
            batch.append(slot)
        return batch

    def expire(self, now: float) -> None:
        """Time out every running slot whose deadline passed, and every queued one once the
        step deadline passed."""
        for slot in list(self.active):
            if slot.state is SlotState.RUNNING:
                if slot.deadline is not None and deadline_passed(slot.deadline, now):
                    self.time_out(slot, now)
            elif slot.state is SlotState.QUEUED and deadline_passed(self.step_deadline, now):
                self.never_started(slot, now)

    def next_wakeup(self, now: float) -> float:
        """Seconds on the clock until the next deadline."""
        times = [self.step_deadline] if (self.pending or self.active) else []
        times += [s.deadline for s in self.active if s.deadline is not None]
        return max(0.0, min(times) - now) if times else 0.0

    def take_changed(self) -> list[tuple[Slot, SlotState, ScannerOutcome | None]]:
        """What changed since the last call, each slot told at most once per state."""
        changed, self.changed = self.changed, []
        snapshot = []
        for s in changed:
            if s.reported < 2:
                snapshot.append((s, s.state, s.outcome))
                s.reported = 2 if s.state is SlotState.DONE else 1
        return snapshot

    # -- transitions ------------------------------------------------------------------------

    def finish(self, slot: Slot, outcome: ScannerOutcome) -> None:
        slot.outcome = outcome
        slot.state = SlotState.DONE
        self.active.discard(slot)
        self.changed.append(slot)
        self.cond.notify_all()

    def time_out(self, slot: Slot, now: float) -> None:
        slot.cancel.set()
        assert slot.ctx is not None and slot.started is not None and slot.deadline is not None
        # What it was stuck on is the first thing a reader asks; redacted like any message.
        waiting = describe_calls_in_flight(slot.ctx.calls_in_flight(), now)
        waiting = redact_text(waiting, self.known())
        record = self.record(
            slot,
            "timeout",
            error=timeout_error(slot.started, slot.deadline, slot.job.timeout_s, waiting),
            duration_s=slot.deadline - slot.started,
            warnings=slot.ctx._take_warnings(),
            coverage=slot.ctx.coverage.get(),
        )
        self.finish(slot, ScannerOutcome(record, [], slot.ctx._close()))

    def never_started(self, slot: Slot, now: float) -> None:
        slot.cancel.set()
        error = never_started_error(now - self.start)
        self.finish(slot, ScannerOutcome(self.record(slot, "timeout", error=error)))

    def fail(self, slot: Slot, exc: BaseException) -> None:
        slot.cancel.set()
        logs = slot.ctx._close() if slot.ctx is not None else []
        record = self.record(slot, "error", error=error_info(exc, self.known()))
        self.finish(slot, ScannerOutcome(record, [], logs))

    def cancel_all(self) -> list[ScannerRun]:
        """Stop every unfinished scanner, recorded as ``cancelled``; all records, in order.
        Takes the lock itself."""
        with self.cond:
            self.pending.clear()
            now = self.clock.monotonic()
            for slot in self.slots:
                slot.cancel.set()
                if slot.state is SlotState.DONE:
                    continue
                # A queued slot marked done here is never started by its worker.
                duration = None if slot.started is None else now - slot.started
                error = ErrorInfo(
                    type=DiscoveryCancelled.__name__,
                    message="the discovery run was cancelled"
                    + (" before it started" if slot.started is None else ""),
                )
                record = self.record(slot, "cancelled", error=error, duration_s=duration)
                logs = slot.ctx._close() if slot.ctx is not None else []
                self.finish(slot, ScannerOutcome(record, [], logs))
            return [s.outcome.record.copy() for s in self.slots if s.outcome is not None]
