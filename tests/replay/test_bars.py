"""Bar archives: the sample's, frames served exactly as the chart parser shapes them, bad files."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.providers.conftest import fixtures_root
from tradingagents.calendar import sessions_between
from tradingagents.providers.yahoo import parse
from tradingagents.replay import bars as bar_archive
from tradingagents.replay.bars import (
    METADATA_KEY,
    BarArchive,
    BarArchiveError,
    SymbolNotInArchive,
    write_bar_archive,
)
from tradingagents.replay.snapshot import sample_bars_path

AAPL_CHART = ("yahoo_chart", "chart_AAPL_1d_2020-08-31_2020-11-07_div_split_earn.json")


@pytest.fixture(scope="module")
def sample() -> BarArchive:
    return BarArchive.load(sample_bars_path())


def chart_bars() -> pd.DataFrame:
    """A real Yahoo chart answer as the chart parser frames it (odd prices, an adjusted close)."""
    path = fixtures_root().joinpath(*AAPL_CHART)
    return parse.parse_chart(path.read_bytes()).bars


def bars(days: list[str], close: list[float], volume: float = 1_000.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": close,
            "high": close,
            "low": close,
            "close": close,
            "adj_close": close,
            "volume": [volume] * len(days),
        },
        index=pd.DatetimeIndex(pd.to_datetime(days), name="date").astype("datetime64[s]"),
    )


def test_the_column_names_are_the_chart_parsers() -> None:
    # replay sits below providers in the layer contract, so it keeps its own copy.
    assert bar_archive.BAR_COLUMNS == parse.BAR_COLUMNS


def test_the_sample_archive_covers_its_universe_on_every_session(sample: BarArchive) -> None:
    assert sample.synthetic is True
    assert len(sample.symbols) == 111
    assert list(sample.symbols) == sorted(sample.symbols)
    assert {"SPY", "AAPL", "PFE", "KO", "PLTR"} <= set(sample.symbols)
    assert "SPY" in sample and "NOPE" not in sample
    assert (sample.first_day, sample.last_day) == (date(2024, 10, 1), date(2026, 11, 20))
    nyse = set(sessions_between(sample.first_day, sample.last_day))
    assert nyse <= set(sample.sessions)
    # The snapshot's own charts (its last 275 bars, kept unchanged) are on every weekday, ten
    # exchange holidays included; the synthetic extension before them follows the calendar.
    extra = sorted(set(sample.sessions) - nyse)
    assert len(extra) == 10
    assert extra[0] == date(2025, 11, 27) and all(d.weekday() < 5 for d in extra)
    assert "synthetic" in repr(sample) and "111 symbols" in repr(sample)


def test_bars_are_cut_at_through_and_since_both_included(sample: BarArchive) -> None:
    day = date(2025, 8, 12)
    cut = sample.bars("AAPL", through=day)
    assert cut.index[0] == pd.Timestamp(sample.first_day)
    assert cut.index[-1] == pd.Timestamp(day)
    whole = sample.bars("AAPL")
    assert cut.equals(whole.loc[: pd.Timestamp(day)])
    assert whole.index[-1] == pd.Timestamp(sample.last_day)
    # A Sunday: the Friday before is the last bar.
    assert sample.bars("AAPL", through=date(2025, 8, 10)).index[-1] == pd.Timestamp("2025-08-08")
    window = sample.bars("AAPL", since=date(2025, 8, 11), through=day)
    assert list(window.index) == [pd.Timestamp("2025-08-11"), pd.Timestamp("2025-08-12")]
    assert sample.bars("AAPL", through=date(2024, 9, 30)).empty


def test_frames_are_shaped_like_chart_frames(sample: BarArchive) -> None:
    chart = chart_bars()
    served = sample.bars("AAPL", through=date(2025, 8, 12))
    assert list(served.columns) == list(chart.columns) == list(parse.BAR_COLUMNS)
    assert served.dtypes.equals(chart.dtypes)
    assert (served.dtypes == np.dtype("float64")).all()
    assert served.index.dtype == chart.index.dtype == np.dtype("datetime64[s]")
    assert served.index.name == chart.index.name == "date"
    assert served.index.is_monotonic_increasing and served.index.is_unique


def test_a_chart_frame_round_trips_exactly(tmp_path: Path) -> None:
    chart = chart_bars()
    assert not chart["adj_close"].equals(chart["close"]), "the fixture has dividends"
    odd = bars(["2025-01-02", "2025-01-03"], [0.1 + 0.2, 1 / 3], volume=1.5)
    path = write_bar_archive(
        tmp_path / "bars.parquet", {"AAPL": chart, "ODD": odd}, synthetic=False, created_by="t"
    )
    archive = BarArchive.load(path)
    pd.testing.assert_frame_equal(archive.bars("AAPL"), chart, check_exact=True)
    pd.testing.assert_frame_equal(archive.bars("ODD"), odd, check_exact=True)


def test_whole_cents_are_stored_as_decimals_and_read_back_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(14)
    days = [d.isoformat() for d in sessions_between(date(2025, 1, 2), date(2025, 12, 31))]
    # Arrow's own decimal-to-float cast misses about one such price in eight.
    cents = rng.integers(1, 10**7, len(days)) / 100
    frame = bars(days, list(cents), volume=123_456_789.0)
    frame.loc[pd.Timestamp(days[3]), "close"] = np.nan
    path = write_bar_archive(tmp_path / "b.parquet", {"AAA": frame}, synthetic=True, created_by="t")
    schema = pq.read_schema(path)
    assert pa.types.is_decimal(schema.field("close").type)
    assert schema.field("volume").type == pa.int64()
    served = BarArchive.load(path).bars("AAA")
    # A bar without a close is dropped, as the chart parser drops it.
    assert pd.Timestamp(days[3]) not in served.index
    pd.testing.assert_frame_equal(served, frame.drop(pd.Timestamp(days[3])), check_exact=True)


def test_an_unknown_symbol_names_itself_and_the_file(sample: BarArchive) -> None:
    with pytest.raises(SymbolNotInArchive) as raised:
        sample.bars("ZZZZ", through=date(2025, 8, 12))
    assert isinstance(raised.value, BarArchiveError)
    assert raised.value.symbol == "ZZZZ"
    assert "ZZZZ" in str(raised.value) and str(sample_bars_path()) in str(raised.value)


def refused(path: Path) -> str:
    with pytest.raises(BarArchiveError) as raised:
        BarArchive.load(path)
    message = str(raised.value)
    assert str(path) in message
    return message


def test_a_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in refused(tmp_path / "bars.parquet")


def test_garbage_bytes(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    path.write_bytes(b"PAR1" + os.urandom(256) + b"not parquet at all")
    assert "not a parquet file" in refused(path)


def test_a_parquet_file_that_is_not_a_bar_archive(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    pq.write_table(pa.table({"ticker": ["AAPL"], "price": [1.0]}), path)
    assert "not a bar archive" in refused(path)


def test_other_columns_under_a_bar_archives_metadata(tmp_path: Path) -> None:
    good = pq.read_table(sample_bars_path())
    path = tmp_path / "bars.parquet"
    wrong = good.drop_columns(["adj_close"]).append_column("vwap", good.column("close"))
    pq.write_table(wrong.replace_schema_metadata(good.schema.metadata), path)
    message = refused(path)
    assert "vwap" in message and "adj_close" in message


def test_a_text_volume_column(tmp_path: Path) -> None:
    good = pq.read_table(sample_bars_path())
    path = tmp_path / "bars.parquet"
    index = good.schema.get_field_index("volume")
    text = good.set_column(index, "volume", good.column("volume").cast(pa.string()))
    pq.write_table(text.replace_schema_metadata(good.schema.metadata), path)
    assert "column volume is string" in refused(path)


@pytest.mark.parametrize(
    ("column", "kind", "message"),
    [
        ("date", pa.timestamp("ms", tz="UTC"), "column date is timestamp[ms, tz=UTC]"),
        ("close", pa.decimal128(18, 16), "column close is decimal128(18, 16)"),
    ],
)
def test_a_zoned_date_or_a_decimal_beyond_float64(
    tmp_path: Path, column: str, kind: pa.DataType, message: str
) -> None:
    good = pq.read_table(sample_bars_path()).slice(0, 5)
    path = tmp_path / "bars.parquet"
    index = good.schema.get_field_index(column)
    values = good.column(column)
    if column == "close":  # within decimal128(18, 16): below 100
        values = pa.chunked_array([pa.array([1.5] * len(good))])
    other = good.set_column(index, column, values.cast(kind))
    pq.write_table(other.replace_schema_metadata(good.schema.metadata), path)
    assert message in refused(path)


def test_repeated_rows(tmp_path: Path) -> None:
    twice = bars(["2025-01-02", "2025-01-03", "2025-01-03"], [10.0, 11.0, 12.0])
    path = write_bar_archive(
        tmp_path / "bars.parquet", {"AAA": twice}, synthetic=True, created_by="t"
    )
    assert "AAA has two bars on 2025-01-03" in refused(path)


def test_a_symbolic_link(tmp_path: Path) -> None:
    real = write_bar_archive(
        tmp_path / "real.parquet",
        {"AAA": bars(["2025-01-02"], [10.0])},
        synthetic=True,
        created_by="t",
    )
    link = tmp_path / "bars.parquet"
    link.symlink_to(real)
    assert "symbolic link" in refused(link)
    assert BarArchive.load(real).symbols == ("AAA",)


@pytest.mark.parametrize("synthetic", [True, False])
def test_metadata_round_trips(tmp_path: Path, synthetic: bool) -> None:
    path = write_bar_archive(
        tmp_path / "bars.parquet",
        {"AAA": bars(["2025-01-02"], [10.0])},
        synthetic=synthetic,
        created_by="a test",
        notes="made up",
    )
    archive = BarArchive.load(path)
    assert (archive.synthetic, archive.created_by, archive.notes) == (
        synthetic,
        "a test",
        "made up",
    )
    assert ("synthetic" in repr(archive)) is synthetic
    raw = pq.read_schema(path).metadata[METADATA_KEY]
    assert f'"synthetic": {str(synthetic).lower()}'.encode() in raw


def test_the_same_frames_give_the_same_bytes(tmp_path: Path, sample: BarArchive) -> None:
    frames = {s: sample.bars(s) for s in ("SPY", "AAPL", "KO")}
    backwards = dict(reversed(frames.items()))
    first = write_bar_archive(tmp_path / "a.parquet", frames, synthetic=True, created_by="t")
    second = write_bar_archive(tmp_path / "b.parquet", backwards, synthetic=True, created_by="t")
    assert first.read_bytes() == second.read_bytes()
    changed = {**frames, "KO": frames["KO"] * 1.01}
    third = write_bar_archive(tmp_path / "c.parquet", changed, synthetic=True, created_by="t")
    assert third.read_bytes() != first.read_bytes()
