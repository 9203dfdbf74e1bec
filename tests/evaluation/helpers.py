"""Small bar archives built from DataFrames for the evaluation tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tradingagents.calendar import sessions_between
from tradingagents.replay.bars import write_bar_archive

#: A small universe: few symbols keep each discovery run short.
UNIVERSE = ("AAA", "BBB", "CCC", "DDD")
FIRST, LAST = date(2025, 1, 2), date(2025, 12, 31)


def walk(symbol: str, days: Sequence[date], seed: int = 0) -> pd.DataFrame:
    """A seeded random walk of daily bars shaped like the chart parser's frames."""
    rng = np.random.default_rng([seed, sum(map(ord, symbol))])
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.015, len(days))))
    open_ = close * (1 + rng.normal(0, 0.004, len(days)))
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * 1.005,
            "low": np.minimum(open_, close) * 0.995,
            "close": close,
            "adj_close": close,
            "volume": rng.integers(1_000_000, 2_000_000, len(days)).astype("float64"),
        },
        index=pd.DatetimeIndex(pd.to_datetime(days), name="date").astype("datetime64[s]"),
    )


def frames(symbols: Sequence[str] = (*UNIVERSE, "SPY")) -> dict[str, pd.DataFrame]:
    days = sessions_between(FIRST, LAST)
    return {s: walk(s, days) for s in symbols}


def archive(path: Path, data: Mapping[str, pd.DataFrame] | None = None) -> Path:
    return write_bar_archive(
        path, data if data is not None else frames(), synthetic=True, created_by="tests"
    )


def config(**evaluation: object) -> dict[str, object]:
    """A whole config: the small universe, only the bar scanners' data on hand."""
    return {
        "discovery": {"universe": list(UNIVERSE), "evaluation": {"min_sample": 5, **evaluation}}
    }
