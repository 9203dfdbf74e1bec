"""Process isolation: one scanner in a forked worker process the engine can kill at its deadline."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from itertools import count
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tradingagents.clock import Clock
from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.context import ScanContext, deadline_passed
from tradingagents.discovery.coverage import CoverageNote
from tradingagents.engine.policy import ScanJob
from tradingagents.engine.records import Rejection
from tradingagents.engine.results import Coerced, coerce_items, wrong_output
from tradingagents.errors import ConfigError, ConfigProblem, ScannerSkipped, ScannerTimeout
from tradingagents.redaction import redact, redact_text

__all__ = ["WorkerProcessError", "fork_available", "require_fork", "run_in_process"]

# How long a worker may take to exit by itself once it sent its result, and how long SIGTERM
# gets before SIGKILL. The worker resets SIGTERM to its default action, which the kernel
# carries out even while the worker holds the GIL, so the grace only matters for a scanner
# that installed a SIGTERM handler of its own.
_EXIT_GRACE_S = 1.0
_TERM_GRACE_S = 1.0
# The longest the waiting thread goes without looking at the deadline and the cancel flag.
_POLL_S = 0.02
# Linux's prctl(PR_SET_PDEATHSIG): the kernel kills the worker when the thread that forked
# it dies, so a parent that is SIGKILLed or calls os._exit leaves no worker behind.
_PR_SET_PDEATHSIG = 1

Message = tuple[Any, ...]


class WorkerProcessError(RuntimeError):
    """A scanner's worker process ended without sending a result (a crash, a kill, an exit)."""


class _RemoteTraceback(Exception):
    """The worker's formatted traceback, chained as the cause of the error rebuilt here."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def require_fork(names: list[str], path: Callable[[str], str]) -> None:
    """Raise a ConfigError naming each scanner set to ``process`` where fork is unavailable."""
    if not names or fork_available():
        return
    raise ConfigError(
        [
            ConfigProblem(
                path(name),
                f"scanner {name!r} is set to isolation 'process', which needs the 'fork' "
                f"start method; {sys.platform} has only "
                f"{', '.join(multiprocessing.get_all_start_methods())}: use 'thread'",
            )
            for name in names
        ]
    )


def run_in_process(
    job: ScanJob,
    ctx: ScanContext,
    *,
    stop: threading.Event,
    clock: Clock,
    started: Callable[[BaseProcess], None],
) -> Coerced:
    """Run ``job``'s scanner in a forked worker and return its validated items, or raise
    what it raised.

    The worker's tool calls, calls in flight, warnings and coverage are replayed into ``ctx`` (the
    engine's context for the scanner) as they arrive, so a timeout's record holds what was
    received by then. The worker is terminated as soon as ``stop`` is set or ``ctx``'s
    deadline passes, then this raises :class:`ScannerTimeout` (the engine discards it: its
    monitor has recorded the timeout). ``started`` is told the process once it runs.
    """
    # Fork, not spawn: the scanner, its settings and the run's objects need not be picklable,
    # and the worker starts at once with everything imported. The price: only the
    # forking thread exists in the worker, and locks other threads held at the fork stay held
    # there, as do the parent's SQLite connections and HTTP sessions, which two processes must
    # never share. So the worker's context has no services (ctx.services is None): it is for
    # scanners that compute, not for those that call providers (see docs/graph.md).
    mp = multiprocessing.get_context("fork")
    reader, writer = mp.Pipe(duplex=False)
    for stream in (sys.stdout, sys.stderr):
        # Unflushed output would be copied into the worker and written twice.
        with contextlib.suppress(Exception):
            stream.flush()
    process = mp.Process(
        target=_worker,
        args=(job, ctx, writer, os.getpid()),
        name=f"tradingagents-scanner-{job.name}",
        daemon=True,
    )
    try:
        process.start()
    except BaseException:
        reader.close()
        raise
    finally:
        writer.close()  # the worker's copy is the only one left: EOF once it exits
    message: Message | None = None
    try:
        started(process)
        message = _receive(reader, ctx, stop, clock)
    finally:
        reader.close()
        stopped = stop.is_set() or deadline_passed(ctx.deadline, clock.monotonic())
        _end(process, graceful=not stopped)
    if message is None:
        if stopped:
            raise ScannerTimeout("the worker process was stopped", scanner=job.name)
        raise WorkerProcessError(_died(process))
    return _result(job.name, message)


def _receive(
    reader: Connection, ctx: ScanContext, stop: threading.Event, clock: Clock
) -> Message | None:
    """Replay the worker's messages into ``ctx`` until its final one (returned); None if it
    was stopped or ended without one."""
    calls: dict[int, ExitStack] = {}
    while not stop.is_set() and not deadline_passed(ctx.deadline, clock.monotonic()):
        if not reader.poll(_POLL_S):
            continue
        try:
            message: Message = reader.recv()
        except (EOFError, OSError):
            message = ("died",)
        kind = message[0]
        if kind == "log":
            _log(ctx, message[1])
        elif kind == "warn":
            ctx.warn(message[1])
        elif kind == "cover":
            ctx.coverage.add(**message[1])
        elif kind == "enter":
            stack = calls[message[1]] = ExitStack()
            stack.enter_context(ctx.in_flight(message[2], message[3]))
        elif kind == "exit":
            calls.pop(message[1]).close()
        else:
            for stack in calls.values():
                stack.close()
            return None if kind == "died" else message
    # Stopped: the calls stay in flight, for the monitor's timeout record to name them.
    return None


# The keys log_tool_call() fills in itself; every other key of an entry came from its details.
_ENTRY_KEYS = frozenset({"scanner", "tool", "parameters", "output", "duration_s", "error"})


def _log(ctx: ScanContext, entry: Mapping[str, Any]) -> None:
    """Log the worker's tool-log entry again through the public API: redaction is
    idempotent and the output already summarised, so the entry comes out the same."""
    ctx.log_tool_call(
        entry["tool"],
        entry["parameters"],
        entry["output"],
        entry["error"],
        duration_s=entry["duration_s"],
        details={k: v for k, v in entry.items() if k not in _ENTRY_KEYS},
    )


def _end(process: BaseProcess, *, graceful: bool) -> None:
    """Make sure the worker is gone and reaped: SIGTERM, then SIGKILL after a grace."""
    if graceful:
        process.join(_EXIT_GRACE_S)
    if process.exitcode is None:
        process.terminate()
        process.join(_TERM_GRACE_S)
    if process.exitcode is None:
        process.kill()
        process.join()


def _died(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"the worker process was killed by {signal.Signals(-code).name}"
    return f"the worker process exited with code {code} without a result"


def _result(name: str, message: Message) -> Coerced:
    kind = message[0]
    if kind == "result":
        accepted = [Candidate.model_validate(item) for item in message[1]]
        rejected: list[Rejection] = message[2]
        return Coerced(accepted, rejected)
    if kind == "wrong_type":
        raise wrong_output(name, message[1])
    _, family, type_name, text, trace = message
    raise _rebuilt(family, type_name, text) from _RemoteTraceback(trace)


def _rebuilt(family: str, type_name: str, text: str) -> Exception:
    """The worker's exception with its class name (the record's ``error.type``) and message;
    a skip or a timeout keeps its meaning."""
    base: type[Exception] = Exception
    if family == "skipped":
        base = ScannerSkipped
    elif family == "timeout":
        base = ScannerTimeout
    name = type_name if type_name.isidentifier() else "ScannerError"
    cls: type[Exception] = type(name, (base,), {"__module__": "tradingagents.engine.worker"})
    return cls(text)


# -- the worker process -----------------------------------------------------------------------


class _SentCoverage(CoverageNote):
    """The worker's ``ctx.coverage``: each report is sent to the engine's thread, kept there."""

    __slots__ = ("_send",)

    def __init__(self, send: Callable[[Message], None]) -> None:
        super().__init__()
        self._send = send

    def add(self, **counts: Any) -> None:
        super().add(**counts)  # checked here, so that a mistake raises in the scanner
        self._send(("cover", counts))


class _WorkerContext(ScanContext):
    """The scanner's context in the worker: each tool call, call in flight and warning is
    sent to the engine's thread instead of kept, so it survives the worker being killed."""

    __slots__ = ("_keys", "_send")

    def __init__(self, send: Callable[[Message], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._send = send
        self._keys = count()
        self.coverage = _SentCoverage(send)

    def _append(self, entry: dict[str, Any], handle: object | None, *_: Any) -> None:
        # Every tool call a scanner logs (log_tool_call, tool_call) ends here, entry complete.
        self._send(("log", entry))

    def warn(self, message: str) -> None:
        # Logged by the engine's thread when it arrives, as for a scanner in a thread.
        self._send(("warn", redact(message, self._known())))

    @contextmanager
    def in_flight(self, tool: str, parameters: Mapping[str, Any] | None = None) -> Iterator[None]:
        key = next(self._keys)
        self._send(("enter", key, tool, redact(dict(parameters or {}), self._known())))
        try:
            yield
        finally:
            self._send(("exit", key))


def _worker(job: ScanJob, parent: ScanContext, writer: Connection, parent_pid: int) -> None:
    try:
        _detach(parent_pid)
        lock = threading.Lock()

        def send(message: Message) -> None:
            # Scanners may log from several threads; a Connection is not thread-safe.
            with lock:
                try:
                    writer.send(message)
                except (TypeError, AttributeError, ValueError, RecursionError):  # unpicklable
                    writer.send(_plain(message))

        ctx = _WorkerContext(
            send,
            scanner=parent.scanner,
            trade_date=parent.trade_date,
            config=job.settings,
            deadline=parent.deadline,
            secrets=parent._secrets,
            clock=parent._clock,
        )
        ctx.breaker_state = parent.breaker_state
        try:
            raw = job.scanner.scan(ctx)
        except BaseException as exc:  # isolate everything a scanner can throw, as a thread does
            message = _raised(exc, ctx._known())
        else:
            message = _returned(job.name, raw, ctx._known())
        try:
            writer.send(message)
        except Exception as exc:
            error = WorkerProcessError(f"the scanner's result could not be sent back: {exc}")
            writer.send(_raised(error, ctx._known()))
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        # No interpreter teardown: the parent's atexit hooks, finalizers and non-daemon
        # threads are the parent's, not this copy's to run.
        os._exit(0)


def _detach(parent_pid: int) -> None:
    """Leave stopping to the engine: default SIGTERM (kills even a GIL holder at once), no
    KeyboardInterrupt from a Ctrl-C sent to the whole process group, and death with the
    parent where the platform allows it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes  # noqa: PLC0415 - Linux only

        with contextlib.suppress(Exception):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _returned(name: str, raw: Any, secrets: frozenset[str]) -> Message:
    if not isinstance(raw, list):
        return ("wrong_type", type(raw).__name__)
    # Validated here, so that only plain dicts cross the pipe and an item that cannot be
    # pickled is a rejection with the reason a thread would give, not a broken result.
    coerced = coerce_items(name, raw, secrets)
    return ("result", [c.model_dump() for c in coerced.accepted], coerced.rejected)


def _raised(exc: BaseException, secrets: frozenset[str]) -> Message:
    family = "error"
    if isinstance(exc, ScannerSkipped):
        family = "skipped"
    elif isinstance(exc, ScannerTimeout):
        family = "timeout"
    try:
        text = str(exc)
    except Exception:
        text = repr(exc)
    trace = "".join(traceback.format_exception(exc))
    return (
        "raised",
        family,
        type(exc).__name__,
        redact_text(text, secrets),
        redact_text(trace, secrets),
    )


def _plain(value: Any) -> Any:
    """``value`` with whatever pickle cannot carry replaced by its repr."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)
