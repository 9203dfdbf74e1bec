"""Run artifacts: the result and tool-log files of a discovery run, and its timeline chart.

Names are imported lazily (PEP 562): ``tradingagents.reports.history``, which the CLI needs
even when a run is interrupted, does not load matplotlib through this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

_ARTIFACTS = (
    "ARTIFACT_NAMES",
    "ArtifactError",
    "RunArtifacts",
    "results_markdown",
    "run_directory",
    "tool_logs_markdown",
    "write_run_artifacts",
)
_TIMELINE = (
    "Bar",
    "TimelineRow",
    "render_timeline",
    "timeline_bars",
    "timeline_png",
    "timeline_rows",
)
_LAZY = {
    **dict.fromkeys(_ARTIFACTS, "tradingagents.reports.artifacts"),
    **dict.fromkeys(_TIMELINE, "tradingagents.reports.timeline"),
    **dict.fromkeys(("atomic_write_bytes", "atomic_write_text"), "tradingagents.reports.atomic"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
