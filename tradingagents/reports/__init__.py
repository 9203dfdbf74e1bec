"""Run artifacts: the result and tool-log files of a discovery run, and its timeline chart.

Names are imported lazily (PEP 562): a module of this package that the CLI needs (problems,
explain) does not load matplotlib through the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradingagents._lazy import lazy_exports

if TYPE_CHECKING:
    from tradingagents.reports.artifacts import (
        ARTIFACT_NAMES,
        ArtifactError,
        RunArtifacts,
        results_markdown,
        run_directory,
        tool_logs_markdown,
        write_run_artifacts,
    )
    from tradingagents.reports.atomic import atomic_write_bytes, atomic_write_text
    from tradingagents.reports.timeline import (
        Bar,
        TimelineRow,
        render_timeline,
        timeline_bars,
        timeline_png,
        timeline_rows,
    )

_PUBLIC = {
    "tradingagents.reports.artifacts": [
        "ARTIFACT_NAMES",
        "ArtifactError",
        "RunArtifacts",
        "results_markdown",
        "run_directory",
        "tool_logs_markdown",
        "write_run_artifacts",
    ],
    "tradingagents.reports.atomic": ["atomic_write_bytes", "atomic_write_text"],
    "tradingagents.reports.timeline": [
        "Bar",
        "TimelineRow",
        "render_timeline",
        "timeline_bars",
        "timeline_png",
        "timeline_rows",
    ],
}
__all__ = [
    "ARTIFACT_NAMES",
    "ArtifactError",
    "Bar",
    "RunArtifacts",
    "TimelineRow",
    "atomic_write_bytes",
    "atomic_write_text",
    "render_timeline",
    "results_markdown",
    "run_directory",
    "timeline_bars",
    "timeline_png",
    "timeline_rows",
    "tool_logs_markdown",
    "write_run_artifacts",
]
__getattr__, __dir__ = lazy_exports(__name__, globals(), _PUBLIC)
