"""The execution engine: runs scanners concurrently or sequentially under real deadlines."""

from tradingagents.engine.cancel import CancelToken
from tradingagents.engine.policy import ExecutionPolicy, ScanJob
from tradingagents.engine.pool import DaemonThreadPool
from tradingagents.engine.records import (
    STATUSES,
    ScannerOutcome,
    ScannerRun,
    ScannerStatus,
    without_timings,
)
from tradingagents.engine.reporting import describe
from tradingagents.engine.runner import run_scanners

__all__ = [
    "STATUSES",
    "CancelToken",
    "DaemonThreadPool",
    "ExecutionPolicy",
    "ScanJob",
    "ScannerOutcome",
    "ScannerRun",
    "ScannerStatus",
    "describe",
    "run_scanners",
    "without_timings",
]
