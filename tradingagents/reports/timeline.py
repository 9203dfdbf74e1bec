"""timeline.png: a Gantt chart of one discovery step, one bar per scanner, coloured by status."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The Agg canvas is used directly (not pyplot), so drawing needs no display, selects no backend
# for the user's process and keeps no figure alive in pyplot's global registry.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from tradingagents.engine.records import STATUSES
from tradingagents.reports.atomic import atomic_write_bytes

STATUS_COLORS: dict[str, str] = {
    "ok": "#2ca02c",
    "error": "#d62728",
    "timeout": "#ff7f0e",
    "skipped": "#7f7f7f",
    "circuit_open": "#9467bd",
}
UNKNOWN_STATUS_COLOR = "#3b3b3b"
DEADLINE_COLOR = "#000000"
# A deadline this far (x the longest bar) past the last bar end is marked at the right edge with
# its value instead of being drawn to scale: with 30 s budgets and 50 ms scanners, a to-scale axis
# would shrink every bar to a sliver and hide where the time went.
_DEADLINE_IN_SCALE = 1.5
_BAR_HEIGHT = 0.6


@dataclass(frozen=True)
class Bar:
    """A started scanner's bar: from ``start`` to ``end`` (seconds since the step started)."""

    name: str
    status: str
    color: str
    start: float
    end: float
    deadline: float | None  # start + the scanner's timeout_s; None when the record has no budget


@dataclass(frozen=True)
class TimelineRow:
    """One row of the chart, top first: a label, and a bar unless the scanner never started."""

    name: str
    status: str
    label: str
    bar: Bar | None


def status_color(status: str) -> str:
    """A status's colour: ok green, error red, timeout orange, skipped grey, circuit_open purple."""
    return STATUS_COLORS.get(status, UNKNOWN_STATUS_COLOR)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def timeline_rows(scanner_runs: Sequence[Mapping[str, Any]]) -> list[TimelineRow]:
    """The rows :func:`render_timeline` draws, in registration order (first at the top)."""
    rows = []
    for run in scanner_runs:
        name = str(run.get("name", "?"))
        status = str(run.get("status", "?"))
        start = _number(run.get("started_s"))
        if start is None:
            rows.append(TimelineRow(name, status, f"{name} ({status}, not started)", None))
            continue
        # A started scanner whose duration is unknown (an engine failure) still gets its mark.
        duration = max(_number(run.get("duration_s")) or 0.0, 0.0)
        budget = _number(run.get("timeout_s"))
        deadline = None if budget is None else start + budget
        bar = Bar(name, status, status_color(status), start, start + duration, deadline)
        rows.append(TimelineRow(name, status, name, bar))
    return rows


def timeline_bars(scanner_runs: Sequence[Mapping[str, Any]]) -> list[Bar]:
    """One bar per scanner that started, in registration order."""
    return [row.bar for row in timeline_rows(scanner_runs) if row.bar is not None]


def _x_limit(bars: Sequence[Bar]) -> float:
    last_end = max((bar.end for bar in bars), default=0.0)
    if last_end <= 0:
        # Nothing measurable ran: show the deadlines to scale, or one second.
        return max((bar.deadline or 0.0 for bar in bars), default=0.0) * 1.05 or 1.0
    in_scale = [
        bar.deadline
        for bar in bars
        if bar.deadline is not None and bar.deadline <= last_end * _DEADLINE_IN_SCALE
    ]
    return max([last_end, *in_scale]) * 1.12  # room for the duration labels


def _legend_handles(bars: Sequence[Bar], marks: set[str]) -> list[Any]:
    present = {bar.status for bar in bars}
    ordered: list[str] = [s for s in STATUSES if s in present]
    known: set[str] = set(STATUSES)
    ordered += sorted(present - known)
    handles: list[Any] = [Patch(color=status_color(s), label=s) for s in ordered]
    if "deadline" in marks:
        handles.append(Line2D([], [], color=DEADLINE_COLOR, linestyle="--", label="deadline"))
    if "beyond" in marks:
        handles.append(
            Line2D(
                [], [], color=DEADLINE_COLOR, marker=">", linestyle="", label="deadline off scale"
            )
        )
    return handles


def timeline_png(scanner_runs: Sequence[Mapping[str, Any]], *, title: str = "") -> bytes:
    """The chart as PNG bytes, identical for identical input (no timestamp in the metadata)."""
    rows = timeline_rows(scanner_runs)
    bars = [row.bar for row in rows if row.bar is not None]
    height = max(2.6, 1.3 + 0.36 * len(rows))
    # Fixed margins in inches instead of a layout engine: constrained layout measured every
    # text twice and took half the render time of a run's files. The left margin fits the
    # longest label at the tick font size (about 0.075 in a character).
    longest = max((len(row.label) for row in rows), default=10)
    margins = {"left": 0.35 + 0.075 * longest, "right": 0.75, "top": 0.45, "bottom": 0.85}
    figure = Figure(figsize=(10.0, height), dpi=100)
    figure.subplots_adjust(
        left=margins["left"] / 10.0,
        right=1.0 - margins["right"] / 10.0,
        top=1.0 - margins["top"] / height,
        bottom=margins["bottom"] / height,
    )
    FigureCanvasAgg(figure)  # attaches itself as the figure's canvas
    ax = figure.add_subplot()
    ax.set_title(title or "Discovery timeline")
    ax.set_xlabel("seconds since the step started")
    right = _x_limit(bars)
    ax.set_xlim(0.0, right)
    marks: set[str] = set()
    # Values at the right edge sit outside the axes, next to their row.
    edge = blended_transform_factory(ax.transAxes, ax.transData)
    for y, row in enumerate(rows):
        bar = row.bar
        if bar is None:
            continue
        ax.barh(
            y,
            bar.end - bar.start,
            left=bar.start,
            height=_BAR_HEIGHT,
            color=bar.color,
            # An edge of the same colour keeps a zero-length bar visible as a thin line.
            edgecolor=bar.color,
            linewidth=1.0,
        )
        ax.annotate(
            f"{bar.end - bar.start:.3g} s",
            (bar.end, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
        if bar.deadline is None:
            continue
        if bar.deadline <= right:
            ax.vlines(
                bar.deadline,
                y - 0.45,
                y + 0.45,
                colors=DEADLINE_COLOR,
                linestyles="dashed",
                linewidth=1.2,
            )
            marks.add("deadline")
        else:
            ax.plot([1.0], [y], transform=edge, marker=">", color=DEADLINE_COLOR, clip_on=False)
            ax.text(1.012, y, f"{bar.deadline:.3g} s", transform=edge, va="center", fontsize=7)
            marks.add("beyond")
    ax.set_yticks(range(len(rows)), [row.label for row in rows])
    for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
        if row.bar is None:
            tick.set_color(status_color(row.status))
            tick.set_fontstyle("italic")
    if rows:
        ax.set_ylim(len(rows) - 0.5, -0.5)  # first registered scanner at the top
    else:
        ax.set_ylim(0.0, 1.0)
        ax.text(0.5, 0.5, "no scanner runs", transform=ax.transAxes, ha="center", va="center")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    handles = _legend_handles(bars, marks)
    if handles:
        figure.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=len(handles),
            frameon=False,
        )
    buffer = io.BytesIO()
    # The figure's canvas is Agg, so savefig renders there (print_png). "Software" would stamp
    # the matplotlib version; PNG gets no other metadata (no date) by default.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def render_timeline(
    scanner_runs: Sequence[Mapping[str, Any]], path: Path, *, title: str = ""
) -> None:
    """Draw the Gantt chart of ``scanner_runs`` and write it to ``path`` as PNG, atomically.

    One horizontal bar per scanner from ``started_s`` to ``started_s + duration_s``, coloured by
    status, with a dashed tick at its deadline (``started_s + timeout_s``); a deadline far past
    the last bar is marked at the right edge with its value. A scanner that never started is a
    row with its label (and status) only.
    """
    atomic_write_bytes(Path(path), timeline_png(scanner_runs, title=title))
