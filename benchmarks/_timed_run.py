"""One streamed discovery run: its final state, the discover node's seconds and the wall time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from tradingagents.graph.discovery_graph import DiscoveryGraph


@dataclass(frozen=True)
class TimedRun:
    final: dict[str, Any]
    engine_s: float  # the discover node alone (its discovery_finished event); nan if none
    wall_s: float  # the whole graph invocation (discover, filter, rank)


def timed_run(graph: DiscoveryGraph, inputs: dict[str, Any]) -> TimedRun:
    """Stream ``graph`` once from ``inputs``, timing the engine by its own event."""
    engine_s = float("nan")
    final: dict[str, Any] | None = None
    started = time.perf_counter()
    for mode, payload in graph.graph.stream(inputs, stream_mode=["custom", "values"]):
        chunk = cast(dict[str, Any], payload)
        if mode == "custom" and chunk.get("event") == "discovery_finished":
            engine_s = chunk["elapsed_s"]
        elif mode == "values":
            final = chunk
    wall_s = time.perf_counter() - started
    assert final is not None, "the graph streamed no state"
    return TimedRun(final, engine_s, wall_s)
