"""One parquet file of daily bars per symbol, with the sessions it covers, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradingagents.providers.yahoo.parse import BAR_COLUMNS

_KEY = b"tradingagents.history"
_FORMAT = 1


class CorruptCache(ValueError):
    """A cache file that cannot be read back as bars: a miss to refetch, with a warning."""


@dataclass(frozen=True)
class CachedBars:
    """A symbol's cached bars and what they cover.

    Every session from ``start`` through ``through`` is covered: one without a bar is one the
    symbol did not trade, not one to fetch. Bars through ``adjusted_through`` came from a chart,
    split- and dividend-adjusted as of that fetch; later ones were appended from batch quotes.
    """

    bars: pd.DataFrame
    start: date
    through: date
    adjusted_through: date


def cache_path(cache_dir: Path, symbol: str) -> Path:
    # Quoted: a class or index symbol (BRK/B, ^GSPC) must stay one path segment.
    return cache_dir / "history" / quote(symbol, safe="") / "daily.parquet"


def read_cached(path: Path) -> CachedBars | None:
    """The cached bars at ``path``; None when there are none, :class:`CorruptCache` when the
    file exists but is not a cache this version wrote."""
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[_KEY])
        if meta.get("format") != _FORMAT:
            raise CorruptCache(f"cache format {meta.get('format')!r}, expected {_FORMAT}")
        frame = table.to_pandas()
        # Parquet stores milliseconds; the chart parser's index is in seconds, and a cached
        # frame must be the frame it cached.
        frame.index = frame.index.astype("datetime64[s]")
        cached = CachedBars(
            bars=frame,
            start=date.fromisoformat(meta["start"]),
            through=date.fromisoformat(meta["through"]),
            adjusted_through=date.fromisoformat(meta["adjusted_through"]),
        )
    except CorruptCache:
        raise
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise CorruptCache(f"{type(exc).__name__}: {exc}") from None
    if tuple(frame.columns) != BAR_COLUMNS or not isinstance(frame.index, pd.DatetimeIndex):
        raise CorruptCache(f"unexpected columns {list(frame.columns)}")
    if not cached.start <= cached.adjusted_through <= cached.through:
        raise CorruptCache(f"inconsistent coverage {meta}")
    return cached


def write_cached(path: Path, cached: CachedBars) -> None:
    meta = {
        "format": _FORMAT,
        "start": cached.start.isoformat(),
        "through": cached.through.isoformat(),
        "adjusted_through": cached.adjusted_through.isoformat(),
    }
    table = pa.Table.from_pandas(cached.bars[list(BAR_COLUMNS)])
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _KEY: json.dumps(meta)})
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a crash never leaves a half-written file that later reads as data.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
