"""Bar archives: daily bars of many symbols in one parquet file, served point-in-time."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradingagents.errors import SnapshotError
from tradingagents.replay.files import MissingFile, UnsafeFile, read_regular

#: The chart parser's columns (``tradingagents.providers.yahoo.parse.BAR_COLUMNS``, a layer
#: above this one: a test keeps the two equal), every one float64 in a served frame.
BAR_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")
#: The parquet schema metadata key holding the archive's description (JSON).
METADATA_KEY = b"tradingagents.bars"
FORMAT = 1
#: An archive is read whole into memory: the bound keeps a hostile file from taking it all
#: (ten years of 2,000 symbols is about 100 MB).
ARCHIVE_MAX_BYTES = 512 * 1024 * 1024


class BarArchiveError(SnapshotError):
    """A bar archive that cannot be read: missing, not parquet, or not the expected schema."""


class SymbolNotInArchive(BarArchiveError):
    """A symbol with no bars in the archive: an error for that symbol, like a failed fetch."""

    def __init__(self, symbol: str, archive: Path) -> None:
        super().__init__(f"{symbol} has no bars in the bar archive {archive}")
        self.symbol = symbol
        self.archive = archive


class BarArchive:
    """Daily bars of many symbols, loaded once from a parquet file (:meth:`load`).

    The file is long format: ``symbol``, ``date`` and the chart parser's columns, one row per
    symbol and session, with schema metadata (``tradingagents.bars``) saying who made it and
    whether it is synthetic. :meth:`bars` serves a symbol's frame exactly as the chart parser
    shapes it, cut at a date, so nothing after a trade date is ever seen.
    """

    def __init__(
        self,
        path: Path,
        frames: Mapping[str, pd.DataFrame],
        *,
        synthetic: bool,
        created_by: str,
        notes: str = "",
    ) -> None:
        self.path = path
        self.synthetic = synthetic
        self.created_by = created_by
        self.notes = notes
        self._frames = dict(frames)
        days = sorted({d.date() for f in self._frames.values() for d in f.index})
        if not days:
            raise BarArchiveError(f"bar archive {path}: holds no bars")
        #: Every date on which any symbol has a bar, in order.
        self.sessions: tuple[date, ...] = tuple(days)

    @classmethod
    def load(cls, path: str | Path) -> BarArchive:
        """Read and check the archive at ``path``; :class:`BarArchiveError` names the file and
        what is wrong (missing, a link or a FIFO, too large, not parquet, wrong schema)."""
        path = Path(path)
        where = f"bar archive {path}"
        try:
            data = read_regular(path.parent, path.name, limit=ARCHIVE_MAX_BYTES)
        except MissingFile:
            raise BarArchiveError(f"{where}: does not exist") from None
        except UnsafeFile as exc:
            raise BarArchiveError(f"{where}: {exc.reason}") from None
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise BarArchiveError(f"{where}: not a parquet file ({exc})") from None
        meta = _metadata(table, where)
        frame = _frame(table, where)
        frames = {
            str(symbol): _served(rows)
            for symbol, rows in frame.groupby("symbol", sort=True, observed=True)
        }
        return cls(
            path,
            frames,
            synthetic=meta["synthetic"],
            created_by=meta["created_by"],
            notes=meta["notes"],
        )

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols with bars, sorted."""
        return tuple(sorted(self._frames))

    @property
    def first_day(self) -> date:
        return self.sessions[0]

    @property
    def last_day(self) -> date:
        return self.sessions[-1]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._frames

    def bars(
        self, symbol: str, *, through: date | None = None, since: date | None = None
    ) -> pd.DataFrame:
        """``symbol``'s bars from ``since`` through ``through`` (both included, each optional),
        shaped like the chart parser's frames; :class:`SymbolNotInArchive` if it has none."""
        frame = self._frames.get(symbol)
        if frame is None:
            raise SymbolNotInArchive(symbol, self.path)
        index = frame.index
        lo = 0 if since is None else int(index.searchsorted(pd.Timestamp(since), side="left"))
        hi = len(index)
        if through is not None:
            hi = int(index.searchsorted(pd.Timestamp(through), side="right"))
        # A copy: a scanner that edits its frame must not change the next day's.
        return frame.iloc[lo:hi].copy()

    def __repr__(self) -> str:
        kind = "synthetic" if self.synthetic else "market"
        return (
            f"<BarArchive {self.path} {kind}: {len(self._frames)} symbols, "
            f"{self.first_day}..{self.last_day}>"
        )


def write_bar_archive(
    path: str | Path,
    frames: Mapping[str, pd.DataFrame],
    *,
    synthetic: bool,
    created_by: str,
    notes: str = "",
) -> Path:
    """Write ``frames`` (symbol -> chart-parser-shaped bars) as a bar archive, atomically.

    Rows are sorted by symbol then date and the file carries no timestamps, so the same frames
    give the same bytes.
    """
    path = Path(path)
    parts = []
    for symbol in sorted(frames):
        bars = frames[symbol]
        part = pd.DataFrame(
            {
                "symbol": symbol,
                "date": np.asarray(bars.index, dtype="datetime64[D]"),
                **{c: bars[c].to_numpy(dtype="float64") for c in BAR_COLUMNS},
            }
        )
        parts.append(part.sort_values("date", kind="stable"))
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    fields = [
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        *(pa.field(c, pa.float64()) for c in BAR_COLUMNS),
    ]
    meta = {"format": FORMAT, "synthetic": synthetic, "created_by": created_by, "notes": notes}
    schema = pa.schema(fields, metadata={METADATA_KEY: json.dumps(meta, sort_keys=True)})
    table = pa.Table.from_pandas(long, schema=schema, preserve_index=False)
    # Only our key: pandas' own metadata carries its version, and the bytes must not.
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta, sort_keys=True)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=19,
            use_dictionary=["symbol"],
            # Split float bytes compress far better than whole ones (prices, volumes).
            use_byte_stream_split=list(BAR_COLUMNS),
            write_statistics=False,
        )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _metadata(table: pa.Table, where: str) -> dict[str, Any]:
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise BarArchiveError(
            f"{where}: no {METADATA_KEY.decode()} schema metadata (not a bar archive)"
        )
    try:
        meta = json.loads(raw)
    except ValueError:
        raise BarArchiveError(
            f"{where}: its {METADATA_KEY.decode()} metadata is not JSON"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        got = meta.get("format") if isinstance(meta, dict) else meta
        raise BarArchiveError(f"{where}: format {got!r}, expected {FORMAT}")
    if not isinstance(meta.get("synthetic"), bool) or not isinstance(meta.get("created_by"), str):
        raise BarArchiveError(
            f"{where}: its metadata needs synthetic (true or false) and created_by (a string)"
        )
    notes = meta.get("notes", "")
    return {**meta, "notes": notes if isinstance(notes, str) else ""}


def _frame(table: pa.Table, where: str) -> pd.DataFrame:
    expected = ("symbol", "date", *BAR_COLUMNS)
    if tuple(table.column_names) != expected:
        raise BarArchiveError(f"{where}: columns {table.column_names}, expected {list(expected)}")
    types = table.schema.types
    symbol_type = types[0]
    if pa.types.is_dictionary(symbol_type):
        symbol_type = symbol_type.value_type
    if not (pa.types.is_string(symbol_type) or pa.types.is_large_string(symbol_type)):
        raise BarArchiveError(f"{where}: column symbol is {types[0]}, expected strings")
    if not pa.types.is_date(types[1]) and not pa.types.is_timestamp(types[1]):
        raise BarArchiveError(f"{where}: column date is {types[1]}, expected dates")
    for name, kind in zip(BAR_COLUMNS, types[2:], strict=True):
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)):
            raise BarArchiveError(f"{where}: column {name} is {kind}, expected numbers")
    if table.column("symbol").null_count or table.column("date").null_count:
        raise BarArchiveError(f"{where}: a row has no symbol or no date")
    frame = table.to_pandas()
    frame["symbol"] = frame["symbol"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    if (frame["date"] != frame["date"].dt.normalize()).any():
        raise BarArchiveError(f"{where}: a date has a time of day (daily bars only)")
    repeated = frame.duplicated(["symbol", "date"])
    if repeated.any():
        row = frame.loc[repeated].iloc[0]
        raise BarArchiveError(
            f"{where}: {row['symbol']} has two bars on {row['date'].date()} "
            f"(row {int(np.flatnonzero(repeated.to_numpy())[0])})"
        )
    return frame


def _served(rows: pd.DataFrame) -> pd.DataFrame:
    """One symbol's rows as the chart parser frames them: a ``date`` index in seconds, the
    bar columns as float64, sorted, without rows that have no close (as the parser drops)."""
    frame = pd.DataFrame(
        {c: rows[c].to_numpy(dtype="float64") for c in BAR_COLUMNS},
        index=pd.DatetimeIndex(rows["date"].to_numpy(dtype="datetime64[s]"), name="date"),
    )
    kept: pd.DataFrame = frame[frame["close"].notna()].sort_index(kind="stable")
    return kept
