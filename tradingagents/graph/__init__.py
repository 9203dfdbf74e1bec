"""The discovery graph: typed state, nodes, the compiled StateGraph and its server factory."""

from tradingagents.graph.discovery_graph import DiscoveryGraph, make_graph
from tradingagents.graph.state import (
    DiscoveryInput,
    DiscoveryOutput,
    DiscoveryState,
    add_entries,
    merge_candidates,
)

__all__ = [
    "DiscoveryGraph",
    "DiscoveryInput",
    "DiscoveryOutput",
    "DiscoveryState",
    "add_entries",
    "make_graph",
    "merge_candidates",
]
