"""Run artifacts: the result and tool-log files of a discovery run, and its timeline chart."""

from tradingagents.reports.artifacts import (
    ARTIFACT_NAMES,
    ArtifactError,
    RunArtifacts,
    atomic_write_bytes,
    atomic_write_text,
    results_markdown,
    run_directory,
    tool_logs_markdown,
    write_run_artifacts,
)
from tradingagents.reports.timeline import (
    Bar,
    TimelineRow,
    render_timeline,
    timeline_bars,
    timeline_png,
    timeline_rows,
)

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
