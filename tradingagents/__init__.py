"""tradingagents: the discovery stage for multi-agent trading workflows on LangGraph."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradingagents._lazy import lazy_exports
from tradingagents.errors import TradingAgentsError

if TYPE_CHECKING:
    from tradingagents.config import DiscoveryConfig, load_config
    from tradingagents.credentials import Credentials
    from tradingagents.discovery import Candidate, ScanContext, Scanner, ScannerParams
    from tradingagents.engine import CancelToken
    from tradingagents.graph import DiscoveryGraph, DiscoveryInput, DiscoveryOutput, DiscoveryState
    from tradingagents.recording import record_snapshot
    from tradingagents.reports import write_run_artifacts
    from tradingagents.settings import load_settings

__version__ = "0.1.0"

# What users import: the graph and its state, the scanner API, configuration, cancellation,
# and the base of the error tree (the rest of it is in tradingagents.errors).
_PUBLIC = {
    "tradingagents.graph": [
        "DiscoveryGraph",
        "DiscoveryInput",
        "DiscoveryOutput",
        "DiscoveryState",
    ],
    "tradingagents.discovery": ["Candidate", "ScanContext", "Scanner", "ScannerParams"],
    "tradingagents.config": ["DiscoveryConfig", "load_config"],
    "tradingagents.settings": ["load_settings"],
    "tradingagents.credentials": ["Credentials"],
    "tradingagents.engine": ["CancelToken"],
    "tradingagents.recording": ["record_snapshot"],
    "tradingagents.reports": ["write_run_artifacts"],
}
__all__ = [
    "CancelToken",
    "Candidate",
    "Credentials",
    "DiscoveryConfig",
    "DiscoveryGraph",
    "DiscoveryInput",
    "DiscoveryOutput",
    "DiscoveryState",
    "ScanContext",
    "Scanner",
    "ScannerParams",
    "TradingAgentsError",
    "__version__",
    "load_config",
    "load_settings",
    "record_snapshot",
    "write_run_artifacts",
]

# Imported on first use: `import tradingagents` (the CLI's --help) must not pay for LangGraph,
# pydantic and the scanners.
__getattr__, __dir__ = lazy_exports(__name__, globals(), _PUBLIC)
