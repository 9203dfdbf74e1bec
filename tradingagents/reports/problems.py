"""The run's provider problems as lines a user can act on (``yahoo: network unreachable ...``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def provider_problem_lines(state: Mapping[str, Any]) -> list[str]:
    """One line per provider whose calls failed in the run, in provider order, e.g.
    ``yahoo: network unreachable (DNS lookup failed for query2.finance.yahoo.com): 75 calls
    failed``. Empty when every call succeeded, or for a state without a run summary (an
    older run, a run without providers). Pure: reads ``state["run_summary"]`` only.
    """
    summary = state.get("run_summary")
    if not isinstance(summary, Mapping):
        return []
    problems = summary.get("provider_problems")
    if not isinstance(problems, Mapping):
        return []
    # One line each: a message is never split over lines, whatever a provider put in it.
    return [f"{name}: {' '.join(str(text).split())}" for name, text in sorted(problems.items())]
