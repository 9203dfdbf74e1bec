"""tradingagents: the discovery stage for multi-agent trading workflows on LangGraph."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tradingagents.errors import TradingAgentsError

if TYPE_CHECKING:
    from tradingagents.discovery import Candidate, ScanContext, Scanner
    from tradingagents.graph import DiscoveryGraph, DiscoveryState

__version__ = "0.1.0"
__all__ = [
    "Candidate",
    "DiscoveryGraph",
    "DiscoveryState",
    "ScanContext",
    "Scanner",
    "TradingAgentsError",
    "__version__",
]

# Imported on first use (PEP 562): `import tradingagents` (the CLI's --help) must not pay for
# LangGraph, pydantic and the scanners.
_LAZY = {
    "Candidate": "tradingagents.discovery",
    "ScanContext": "tradingagents.discovery",
    "Scanner": "tradingagents.discovery",
    "DiscoveryGraph": "tradingagents.graph",
    "DiscoveryState": "tradingagents.graph",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
