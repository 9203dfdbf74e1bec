"""What a scanner's return (or exception) becomes: validated candidates and its record."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.scoring import (
    built_in_default_signal,
    keep_best,
    merge_repeated,
    signal_problems,
)
from tradingagents.engine.records import (
    ErrorInfo,
    Rejection,
    ScannerOutcome,
    ScannerRun,
    ScannerStatus,
)
from tradingagents.errors import (
    CandidateError,
    InvalidScannerOutput,
    ScannerSkipped,
    ScannerTimeout,
)
from tradingagents.redaction import redact_text, scrub

logger = logging.getLogger("tradingagents.engine")


class RecordMaker(Protocol):
    """Makes one scanner's record with the run's identity and timing fields filled in."""

    def __call__(self, status: ScannerStatus, /, **fields: Any) -> ScannerRun: ...


def error_info(exc: BaseException, secrets: frozenset[str]) -> ErrorInfo:
    return ErrorInfo(type=type(exc).__name__, message=redact_text(str(exc), secrets))


@dataclass
class Coerced:
    """A scanner's return already validated (in its worker process): what it would become."""

    accepted: list[Candidate]
    rejected: list[Rejection]


def wrong_output(name: str, type_name: str) -> InvalidScannerOutput:
    """The error of a scanner whose ``scan()`` returned a ``type_name``, not a list."""
    return InvalidScannerOutput(
        f"scan() returned {type_name}, expected a list of candidates", scanner=name
    )


def coerce_items(name: str, raw: list[Any], secrets: frozenset[str]) -> Coerced:
    """Every item of a scanner's list as a candidate, or a rejection saying why not."""
    accepted: list[Candidate] = []
    rejected: list[Rejection] = []
    for index, item in enumerate(raw):
        try:
            accepted.append(Candidate.coerce(item, source=name))
        except CandidateError as exc:
            rejected.append(Rejection(index=index, reason=redact_text(str(exc), secrets)))
    return Coerced(accepted, rejected)


def scan_outcome(
    name: str,
    settings: Mapping[str, Any],
    raw: Any,
    error: BaseException | None,
    *,
    cancelled: bool,
    duration: float,
    record: RecordMaker,
    secrets: frozenset[str],
    warn: Callable[[str], None],
) -> ScannerOutcome:
    """The outcome of scanner ``name`` that returned ``raw`` (or :class:`Coerced` items) or
    raised ``error`` after ``duration`` seconds; ``cancelled`` when its deadline passed or the
    run was cancelled."""
    if isinstance(error, ScannerSkipped):
        reason = redact_text(str(error), secrets)
        return ScannerOutcome(record("skipped", reason=reason, duration_s=duration))
    if error is None and not isinstance(raw, list | Coerced):
        error = wrong_output(name, type(raw).__name__)
    if error is not None:
        # A scanner stopping because it was cancelled (its deadline passed) is expected, and
        # its late result is discarded: no traceback for that.
        expected = cancelled or isinstance(error, ScannerTimeout)
        if (
            not isinstance(error, InvalidScannerOutput)
            and not expected
            and logger.isEnabledFor(logging.DEBUG)
        ):
            # The traceback is for debugging only: the user gets one WARNING line per failed
            # scanner (log_finished). Formatted and redacted here: an exception message can
            # carry a key (a quota notice echoing it, a URL with apikey=), and exc_info would
            # log it verbatim.
            trace = "".join(traceback.format_exception(error))
            logger.debug("scanner %s raised:\n%s", name, redact_text(trace, secrets))
        return ScannerOutcome(
            record("error", error=error_info(error, secrets), duration_s=duration)
        )
    return _candidates_outcome(name, settings, raw, duration, record, secrets, warn)


def _scrubbed(candidate: Candidate, name: str, secrets: frozenset[str]) -> Candidate:
    """``candidate`` with every known secret scrubbed from its text (context, extras): what
    enters the graph state is what a checkpointer, a stream or a parent graph keeps.

    Only text changes: a field named like a secret keeps a value that holds none, as ranking
    may read it.
    """
    data = candidate.model_dump()
    clean = scrub(data, secrets)
    return candidate if clean is data else Candidate.coerce(clean, source=name)


def _candidates_outcome(
    name: str,
    settings: Mapping[str, Any],
    raw: list[Any] | Coerced,
    duration: float,
    record: RecordMaker,
    secrets: frozenset[str],
    warn: Callable[[str], None],
) -> ScannerOutcome:
    coerced = raw if isinstance(raw, Coerced) else coerce_items(name, raw, secrets)
    accepted = [_scrubbed(candidate, name, secrets) for candidate in coerced.accepted]
    rejected = coerced.rejected
    if rejected and not accepted:
        first = rejected[0]
        invalid = InvalidScannerOutput(
            f"all {len(rejected)} candidates rejected; #{first['index']}: {first['reason']}",
            scanner=name,
        )
        return ScannerOutcome(
            record(
                "error",
                error=error_info(invalid, secrets),
                rejected=rejected,
                duration_s=duration,
            )
        )
    # One candidate per ticker first (a screener lists a ticker on several lists), then the
    # best `limit` of them by priority and signal, never merely the first rows.
    default = built_in_default_signal()
    problem = signal_problems(accepted, default)
    if problem is not None:
        warn(problem)
    limit = settings.get("limit")
    accepted, truncated = keep_best(
        merge_repeated(accepted, default), limit if isinstance(limit, int) else None, default
    )
    run = record(
        "ok", candidates=len(accepted), rejected=rejected, truncated=truncated, duration_s=duration
    )
    return ScannerOutcome(run, accepted)
