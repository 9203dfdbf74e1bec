"""A run's result files (reports, tool logs, timeline), each written atomically."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from itertools import count
from pathlib import Path
from typing import Any, Protocol

from tradingagents.discovery.coverage import coverage_text
from tradingagents.errors import TradingAgentsError
from tradingagents.redaction import known_secrets, redact, redact_text
from tradingagents.reports.atomic import atomic_write_text
from tradingagents.reports.explain import describe_source, reasons, source_label

RESULT_JSON = "discovery_result.json"
RESULT_MD = "discovery_results.md"
TOOL_LOGS_JSON = "tool_execution_logs.json"
TOOL_LOGS_MD = "tool_execution_logs.md"
TIMELINE_PNG = "timeline.png"
#: Every file of a run directory, in the order they are written (most valuable first).
ARTIFACT_NAMES = (RESULT_JSON, RESULT_MD, TOOL_LOGS_JSON, TOOL_LOGS_MD, TIMELINE_PNG)
#: The state keys saved in discovery_result.json, with what a missing key stands for.
RESULT_KEYS: dict[str, Callable[[], Any]] = {
    "trade_date": lambda: None,
    "run_id": lambda: None,
    "source": lambda: None,
    "ranked_candidates": list,
    "candidates": list,
    "filter_rejections": list,
    "scanner_runs": list,
    "run_summary": dict,
    "llm_rank": dict,
}


class ChartRenderer(Protocol):
    """Draws the timeline chart of ``scanner_runs`` into ``path``, atomically."""

    def __call__(
        self, scanner_runs: Sequence[Mapping[str, Any]], path: Path, *, title: str = ""
    ) -> None: ...


class ArtifactError(TradingAgentsError):
    """Run artifacts could not be written.

    ``failed`` names the files that were not written; ``written`` those that were, and are kept.
    """

    def __init__(
        self, message: str, *, failed: Sequence[Path] = (), written: Sequence[Path] = ()
    ) -> None:
        super().__init__(message)
        self.failed = tuple(failed)
        self.written = tuple(written)


@dataclass(frozen=True)
class RunArtifacts:
    """Where a run's files went, and the files written, in writing order."""

    directory: Path
    files: tuple[Path, ...]


def run_directory(root: Path, trade_date: str, started_at: datetime) -> Path:
    """Create and return ``root/discovery/<trade_date>/run_<HH_MM_SS>`` for a new run.

    When that directory exists (two runs in the same second), ``_2``, ``_3``... is appended:
    a previous run's files are never overwritten.
    """
    try:
        day = date.fromisoformat(trade_date).isoformat()
    except (TypeError, ValueError) as exc:
        # The date becomes a path component: only a real date may, never "../x".
        raise ArtifactError(
            f"trade_date must be an ISO date (YYYY-MM-DD), got {trade_date!r}"
        ) from exc
    parent = Path(root) / "discovery" / day
    base = f"run_{started_at:%H_%M_%S}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for n in count(1):
            directory = parent / (base if n == 1 else f"{base}_{n}")
            # mkdir is the atomic claim: two processes can never both get the same directory.
            with contextlib.suppress(FileExistsError):
                directory.mkdir()
                return directory
    except OSError as exc:
        raise ArtifactError(f"cannot create a run directory under {parent}: {exc}") from exc
    raise AssertionError("unreachable")  # count() never ends


def write_run_artifacts(
    state: Mapping[str, Any],
    directory: Path,
    *,
    secrets: Iterable[str] | None = None,
    chart: ChartRenderer | None = None,
) -> RunArtifacts:
    """Write a run's five files into ``directory`` (created if needed) and list them.

    Every value is redacted first, with :func:`~tradingagents.redaction.known_secrets` and any
    extra ``secrets``. Each file is written atomically and on its own: if one cannot be, the
    others still are, then :class:`ArtifactError` names the files that failed. ``chart`` draws
    timeline.png (default: :func:`~tradingagents.reports.timeline.render_timeline`, here).
    """
    if chart is None:
        # Imported here: timeline.py uses this module's atomic writer, and only a run that
        # writes its artifacts pays for loading matplotlib.
        from tradingagents.reports.timeline import render_timeline  # noqa: PLC0415

        chart = render_timeline
    render = chart
    directory = Path(directory)
    known = known_secrets() | frozenset(secrets or ())
    data = _json_safe(redact(dict(state), known))
    for key, default in (*RESULT_KEYS.items(), ("tool_logs", list)):
        if data.get(key) is None:
            data[key] = default()
    title = f"Discovery {data['trade_date']}" if data["trade_date"] else "Discovery"
    if label := source_label(data["source"]):
        # The chart travels on its own (a slide, a chat): it must say synthetic data is.
        title = f"{title} ({label})"

    writers: list[tuple[str, Callable[[Path], None]]] = [
        (RESULT_JSON, lambda p: atomic_write_text(p, _json({k: data[k] for k in RESULT_KEYS}))),
        (RESULT_MD, lambda p: atomic_write_text(p, results_markdown(data))),
        (TOOL_LOGS_JSON, lambda p: atomic_write_text(p, _json(data["tool_logs"]))),
        (TOOL_LOGS_MD, lambda p: atomic_write_text(p, tool_logs_markdown(data))),
    ]
    chart_path = directory / TIMELINE_PNG
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        failed = [*(directory / name for name, _ in writers), chart_path]
        message = redact_text(f"cannot create {directory}: {exc}", known)
        raise ArtifactError(message, failed=failed) from exc
    written: list[Path] = []
    failures: list[tuple[Path, Exception]] = []
    # The chart is drawn while the text files are written: a renderer in a helper process
    # (reports.chart_process) works on another core meanwhile, and waiting releases the GIL.
    with ThreadPoolExecutor(1, thread_name_prefix="timeline") as pool:
        drawing = pool.submit(render, data["scanner_runs"], chart_path, title=title)
        for name, write in writers:
            path = directory / name
            try:
                write(path)
            except Exception as exc:  # one file's failure (disk, rendering) costs no other
                failures.append((path, exc))
            else:
                written.append(path)
        try:
            drawing.result()
        except Exception as exc:
            failures.append((chart_path, exc))
        else:
            written.append(chart_path)
    if failures:
        details = "; ".join(f"{p.name} ({type(e).__name__}: {e})" for p, e in failures)
        message = redact_text(f"could not write in {directory}: {details}", known)
        # Not chained: a traceback printing the original message could show an unredacted key.
        raise ArtifactError(message, failed=[p for p, _ in failures], written=written) from None
    return RunArtifacts(directory, tuple(written))


def _json_safe(value: Any) -> Any:
    # NaN and infinities are not JSON: Python would write bare NaN, which jq and browsers reject.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"


# -- Markdown ---------------------------------------------------------------------------------


def md_cell(value: Any) -> str:
    """A value as one Markdown table cell: ``|`` escaped, line breaks as ``<br>``."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip().replace("\n", "<br>")
    return text


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = [
        "| " + " | ".join(md_cell(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _seconds(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.3f} s"
    return "—"


def _error_or_reason(run: Mapping[str, Any]) -> str:
    error = run.get("error")
    if isinstance(error, Mapping):
        return f"{error.get('type', 'error')}: {error.get('message', '')}"
    if error:
        return str(error)
    return str(run.get("reason") or "")


def _inline(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value or [] if isinstance(item, Mapping)]


def results_markdown(state: Mapping[str, Any]) -> str:
    """discovery_results.md: the scanners, the ranked candidates and the warnings of a run."""
    runs = _dicts(state.get("scanner_runs"))
    ranked = _dicts(state.get("ranked_candidates"))
    rejections = _dicts(state.get("filter_rejections"))
    statuses: dict[str, int] = {}
    for run in runs:
        statuses[str(run.get("status"))] = statuses.get(str(run.get("status")), 0) + 1
    by_status = ", ".join(f"{n} {status}" for status, n in statuses.items())
    lines = [
        f"# Discovery results: {state.get('trade_date') or 'unknown date'}",
        "",
        _source_line(state),
        "",
        *([f"Run `{state['run_id']}`.", ""] if state.get("run_id") else []),
        f"{len(runs)} scanners ({by_status or 'none'}); "
        f"{len(state.get('candidates') or [])} candidates found, "
        f"{len(rejections)} dropped by the filter, {len(ranked)} ranked.",
        "",
        "## Scanners",
        "",
    ]
    lines += _table(
        ("scanner", "pipeline", "status", "candidates", "covered", "duration", "error / reason"),
        (
            (
                run.get("name"),
                run.get("pipeline"),
                run.get("status"),
                run.get("candidates"),
                coverage_text(run.get("coverage")),
                _seconds(run.get("duration_s"))
                if run.get("started_s") is not None
                else "not started",
                _error_or_reason(run),
            )
            for run in runs
        ),
    )
    lines += ["", "## Ranked candidates", ""]
    if ranked:
        # Every scanner's reason, one per line: a ticker three scanners agree on must show why.
        lines += _table(
            ("rank", "ticker", "priority", "score", "reasons (scanner: context)"),
            (
                (
                    c.get("rank"),
                    c.get("ticker"),
                    c.get("priority"),
                    f"{c['score']:.2f}" if isinstance(c.get("score"), int | float) else "",
                    "\n".join(
                        f"{scanner}: {context}" if context else scanner
                        for scanner, context in reasons(c)
                    ),
                )
                for c in ranked
            ),
        )
    else:
        lines.append("No ranked candidates.")
    lines += ["", "## Warnings", ""]
    warnings = _warnings(state, runs)
    lines += [f"- {_one_line(w)}" for w in warnings] if warnings else ["None."]
    if rejections:
        lines += ["", "## Filter rejections", ""]
        lines += _table(
            ("ticker", "reason"), ((r.get("ticker"), r.get("reason")) for r in rejections)
        )
    return "\n".join(lines) + "\n"


def _source_line(state: Mapping[str, Any]) -> str:
    source = state.get("source")
    day = state.get("trade_date")
    return _one_line(
        describe_source(source if isinstance(source, Mapping) else None, str(day) if day else None)
    )


def _one_line(text: str) -> str:
    # A list item or heading ends at a line break: fold them into spaces.
    return " ".join(str(text).split())


def _warnings(state: Mapping[str, Any], runs: Sequence[Mapping[str, Any]]) -> list[str]:
    found = []
    for run in runs:
        name = run.get("name")
        found += [f"{name}: {w}" for w in run.get("warnings") or []]
        for rejection in _dicts(run.get("rejected")):
            found.append(
                f"{name}: dropped invalid candidate #{rejection.get('index')}: "
                f"{rejection.get('reason')}"
            )
    summary = state.get("run_summary")
    if isinstance(summary, Mapping):
        found += [f"run: {w}" for w in summary.get("warnings") or []]
    return found


def tool_logs_markdown(state: Mapping[str, Any]) -> str:
    """tool_execution_logs.md: every tool call, grouped by scanner in registration order."""
    logs = _dicts(state.get("tool_logs"))
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for run in _dicts(state.get("scanner_runs")):
        groups.setdefault(str(run.get("name")), [])
    for entry in logs:
        groups.setdefault(str(entry.get("scanner") or "(no scanner)"), []).append(entry)
    called = {name: entries for name, entries in groups.items() if entries}
    lines = [
        f"# Tool execution logs: {state.get('trade_date') or 'unknown date'}",
        "",
        _source_line(state),
        "",
        f"{len(logs)} tool calls by {len(called)} scanners.",
    ]
    for name, entries in called.items():
        lines += [
            "",
            f"## {_one_line(name)} ({len(entries)} call{'' if len(entries) == 1 else 's'})",
            "",
        ]
        header = ["#", "tool", "parameters", "output", "duration", "error"]
        with_attempts = any(e.get("attempts") is not None for e in entries)
        with_cache = any(e.get("cache") is not None for e in entries)
        header += ["attempts"] * with_attempts + ["cache"] * with_cache
        rows = []
        for i, entry in enumerate(entries, 1):
            row = [
                i,
                entry.get("tool"),
                _inline(entry.get("parameters")) if entry.get("parameters") is not None else "",
                _inline(entry.get("output")) if entry.get("output") is not None else "",
                _seconds(entry.get("duration_s")),
                _inline(entry.get("error")) if entry.get("error") is not None else "",
            ]
            if with_attempts:
                row.append(_attempts(entry))
            if with_cache:
                row.append(entry.get("cache") or "")
            rows.append(row)
        lines += _table(header, rows)
    silent = [name for name, entries in groups.items() if not entries]
    if silent:
        lines += ["", f"No tool calls: {', '.join(silent)}."]
    return "\n".join(lines) + "\n"


def _attempts(entry: Mapping[str, Any]) -> str:
    attempts = entry.get("attempts")
    if attempts is None:
        return ""
    waits = [
        f"{label} {value:.2f} s"
        for label, key in (("rate limit", "waited_rate_limit_s"), ("backoff", "waited_backoff_s"))
        if isinstance(value := entry.get(key), int | float) and value > 0
    ]
    return f"{attempts} ({', '.join(waits)})" if waits else str(attempts)
