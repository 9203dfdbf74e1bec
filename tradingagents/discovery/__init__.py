"""The scanner API: what a scanner author imports."""

from tradingagents.discovery.candidate import Candidate, Priority, normalize_ticker
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.registry import ENTRY_POINT_GROUP, load_registry
from tradingagents.discovery.scanner import PointInTime, Scanner, ScannerParams
from tradingagents.errors import ScannerSkipped

__all__ = [
    "ENTRY_POINT_GROUP",
    "Candidate",
    "PointInTime",
    "Priority",
    "ScanContext",
    "Scanner",
    "ScannerParams",
    "ScannerSkipped",
    "load_registry",
    "normalize_ticker",
]
