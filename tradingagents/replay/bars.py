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

    Exact and small: a price column whose every value is in whole cents is stored as
    ``decimal(18, 2)`` (integers, delta-encoded), else as float64; whole volumes as int64;
    ``adj_close`` is null where it equals ``close`` (read back as the close, as the chart
    parser fills it). Rows are sorted by symbol then date and the file carries no timestamp,
    so the same frames give the same bytes.
    """
    path = Path(path)
    symbols = sorted(frames)
    ordered = [frames[s].sort_index(kind="stable") for s in symbols]
    dates = np.concatenate(
        [np.asarray(f.index, dtype="datetime64[D]") for f in ordered]
        or [np.array([], dtype="datetime64[D]")]
    )
    columns: dict[str, pa.Array] = {
        "symbol": pa.array(
            np.repeat(np.array(symbols, dtype=object), [len(f) for f in ordered]), pa.string()
        ),
        "date": pa.array(dates, pa.date32()),
    }
    values = {
        c: np.concatenate([f[c].to_numpy(dtype="float64") for f in ordered] or [np.zeros(0)])
        for c in BAR_COLUMNS
    }
    for c in BAR_COLUMNS:
        column = values[c]
        mask = np.isnan(column)
        if c == "adj_close":
            mask = mask | (column == values["close"])
        columns[c] = _column(column, mask, whole=c == "volume")
    table = pa.table(columns)
    meta = {"format": FORMAT, "synthetic": synthetic, "created_by": created_by, "notes": notes}
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta, sort_keys=True)})
    integers = [c for c in BAR_COLUMNS if not pa.types.is_floating(table.schema.field(c).type)]
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
            store_decimal_as_integer=True,
            column_encoding={
                "date": "DELTA_BINARY_PACKED",
                **dict.fromkeys(integers, "DELTA_BINARY_PACKED"),
            },
            write_statistics=False,
        )
        # mkstemp makes it private; an archive is data to share (the sample ships in a wheel).
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _column(values: np.ndarray, mask: np.ndarray, *, whole: bool) -> pa.Array:
    """``values`` (nulls where ``mask``) as exact as they came, in the smallest type."""
    present = values[~mask]
    if whole:
        if np.all(present == np.round(present)) and np.all(np.abs(present) < 2**53):
            return pa.array(np.where(mask, 0, values).astype("int64"), pa.int64(), mask=mask)
        return pa.array(values, pa.float64(), mask=mask)
    cents = np.round(np.where(mask, 0.0, values) * 100)
    # Whole cents only if reading them back (cents / 100, correctly rounded) gives each value.
    if np.all(np.abs(cents) < 10**17) and np.array_equal(cents[~mask] / 100, present):
        unscaled = pa.array(cents.astype("int64"), pa.int64(), mask=mask)
        return unscaled.cast(pa.decimal128(19, 0)).view(pa.decimal128(19, 2)).cast(_CENTS)
    return pa.array(values, pa.float64(), mask=mask)


_CENTS = pa.decimal128(18, 2)


def _floats(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as float64, exactly: a decimal as its unscaled integer over 10**scale
    (one correctly rounded division: the double nearest the decimal, as ``float(str)`` gives;
    Arrow's own decimal-to-float cast is not exact)."""
    kind = column.type
    if pa.types.is_decimal(kind):
        unscaled = column.combine_chunks().view(pa.decimal128(kind.precision, 0))
        if kind.precision > 18 or kind.scale > 15:
            raise ValueError(f"decimal{kind.precision, kind.scale} is beyond exact float64")
        ints = unscaled.cast(pa.int64()).to_numpy(zero_copy_only=False)
        out: np.ndarray = ints.astype("float64") / float(10**kind.scale)
        mask = column.combine_chunks().is_null().to_numpy(zero_copy_only=False)
        out[mask] = np.nan
        return out
    floats: np.ndarray = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return floats


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
    naive = pa.types.is_timestamp(types[1]) and types[1].tz is None
    if not pa.types.is_date(types[1]) and not naive:
        raise BarArchiveError(f"{where}: column date is {types[1]}, expected dates")
    for name, kind in zip(BAR_COLUMNS, types[2:], strict=True):
        numeric = pa.types.is_floating(kind) or pa.types.is_integer(kind)
        exact = pa.types.is_decimal(kind) and kind.precision <= 18 and 0 <= kind.scale <= 15
        if not (numeric or exact):
            raise BarArchiveError(f"{where}: column {name} is {kind}, expected numbers")
    if table.column("symbol").null_count or table.column("date").null_count:
        raise BarArchiveError(f"{where}: a row has no symbol or no date")
    frame = pd.DataFrame(
        {
            "symbol": table.column("symbol").cast(pa.string()).to_numpy(zero_copy_only=False),
            "date": table.column("date").to_pandas().astype("datetime64[s]"),
            **{c: _floats(table.column(c)) for c in BAR_COLUMNS},
        }
    )
    # A null adjusted close is the close, as the chart parser fills a missing one.
    frame["adj_close"] = frame["adj_close"].fillna(frame["close"])
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
