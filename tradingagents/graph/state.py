"""The typed state of the discovery graph, with the reducers that make parallel writes safe."""

from __future__ import annotations

from typing import Annotated, Any

# typing_extensions' TypedDict, as LangGraph's own states (MessagesState) use: mixing it with
# typing.TypedDict in one class raises a metaclass conflict.
from typing_extensions import TypedDict

from tradingagents.discovery.merge import merge_candidates

__all__ = [
    "DiscoveryInput",
    "DiscoveryOutput",
    "DiscoveryState",
    "add_entries",
    "merge_candidates",
]


def add_entries(
    left: list[dict[str, Any]] | None, right: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Reducer for ``tool_logs`` and ``scanner_runs``: append ``right`` to ``left`` (new list)."""
    return [*(left or []), *(right or [])]


class DiscoveryInput(TypedDict, total=False):
    """What a discovery run reads: its date, and candidates it merges its own with."""

    #: ISO date (YYYY-MM-DD) the run is for.
    trade_date: str
    #: Candidates from an earlier step; the run's are merged into them, not substituted.
    candidates: Annotated[list[dict[str, Any]], merge_candidates]


class DiscoveryOutput(TypedDict, total=False):
    """What a discovery run adds (not ``trade_date``, which is the caller's input).

    As a subgraph's output, ``tool_logs`` and ``scanner_runs`` hold only this run's entries,
    so a parent with the same reducer keys gets each exactly once.
    """

    #: Merged candidates, one per ticker, in deterministic order.
    candidates: Annotated[list[dict[str, Any]], merge_candidates]
    #: One entry per ``ctx.log_tool_call``.
    tool_logs: Annotated[list[dict[str, Any]], add_entries]
    #: One record per scanner and run, in registration order.
    scanner_runs: Annotated[list[dict[str, Any]], add_entries]
    #: Candidates that passed the filter node, and those it dropped with the reason.
    filtered_candidates: list[dict[str, Any]]
    filter_rejections: list[dict[str, Any]]
    #: Per-run counters: providers (calls, retries, 429s, cache hits...), breaker transitions.
    run_summary: dict[str, Any]
    #: The filter's survivors ordered by priority then score, capped; each has rank and score.
    ranked_candidates: list[dict[str, Any]]
    #: Only with an LLM ranker: ``used``, ``model``, ``fallback_reason``, ``prompt_chars``.
    llm_rank: dict[str, Any]
    #: This run's unique id (UTC start time and a random suffix, e.g.
    #: ``20261120T143000Z-5f3a9c1e``), also in the run files and the run history.
    run_id: str
    #: Where the run's data came from: ``mode`` (replay or live), ``snapshot`` ("sample" or a
    #: directory; None when live), ``synthetic`` (generated, not market data) and
    #: ``recorded_at`` (ISO-8601: when the recording or the live run started, else None).
    source: dict[str, Any]


class DiscoveryState(DiscoveryInput, DiscoveryOutput, total=False):
    """State shared by the discovery nodes (and by a parent graph that embeds them).

    ``candidates``, ``tool_logs`` and ``scanner_runs`` have reducers (exported here, so a parent
    can declare the same keys): a node returns only its new entries, never a modified copy of
    what is there, so nothing is duplicated or lost. Composable with any
    ``typing_extensions.TypedDict`` state: ``class S(MessagesState, DiscoveryState)``.
    """
