"""The discovery graph: typed state, nodes and the compiled StateGraph."""

from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.state import DiscoveryState

__all__ = ["DiscoveryGraph", "DiscoveryState"]
