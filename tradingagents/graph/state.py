"""The typed state of the discovery graph, with the reducers that make parallel writes safe."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from tradingagents.discovery.merge import merge_candidates


class DiscoveryState(TypedDict, total=False):
    """State shared by the discovery nodes (and by a parent graph that embeds them).

    ``candidates``, ``tool_logs`` and ``scanner_runs`` have reducers: a node returns only its
    new entries, never a modified copy of what is there, so nothing is duplicated or lost.
    """

    #: ISO date (YYYY-MM-DD) the run is for; input.
    trade_date: str
    #: Merged candidates, one per ticker, in deterministic order.
    candidates: Annotated[list[dict[str, Any]], merge_candidates]
    #: One entry per ``ctx.log_tool_call``.
    tool_logs: Annotated[list[dict[str, Any]], operator.add]
    #: One record per scanner and run, in registration order.
    scanner_runs: Annotated[list[dict[str, Any]], operator.add]
    #: Candidates that passed the filter node, and those it dropped with the reason.
    filtered_candidates: list[dict[str, Any]]
    filter_rejections: list[dict[str, Any]]
    #: Per-run counters: providers (calls, retries, 429s, cache hits...), breaker transitions.
    run_summary: dict[str, Any]
    #: The filter's survivors ordered by priority then score, capped; each has rank and score.
    ranked_candidates: list[dict[str, Any]]
    #: Only with an LLM ranker: ``used``, ``model``, ``fallback_reason``, ``prompt_chars``.
    llm_rank: dict[str, Any]
    #: Where the run's data came from: ``mode`` (replay or live), ``snapshot`` ("sample" or a
    #: directory; None when live), ``synthetic`` (generated, not market data) and
    #: ``recorded_at`` (ISO-8601: when the recording or the live run started, else None).
    source: dict[str, Any]
