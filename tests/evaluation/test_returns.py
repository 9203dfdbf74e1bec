"""Forward returns on a hand-computed example: entry, exit, adjustment, missing bars."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tradingagents.evaluation.returns import Adjusted, Returns, Window, forward_rows, window

# Mon 3 .. Fri 7 and Mon 10 November 2025: six sessions.
DAYS = [date(2025, 11, d) for d in (3, 4, 5, 6, 7, 10)]


def bars(opens: list[float], closes: list[float], adj: list[float]) -> pd.DataFrame:
    n = len(opens)
    return pd.DataFrame(
        {
            "open": opens,
            "high": closes,
            "low": closes,
            "close": closes,
            "adj_close": adj,
            "volume": [1.0] * n,
        },
        index=pd.DatetimeIndex(pd.to_datetime(DAYS[:n]), name="date").astype("datetime64[s]"),
    )


class Source:
    def __init__(self, frames: dict[str, pd.DataFrame], last_day: date) -> None:
        self.frames = frames
        self.last_day = last_day

    def frame(self, symbol: str) -> pd.DataFrame | None:
        return self.frames.get(symbol)


def test_window_enters_at_the_next_session_and_counts_it() -> None:
    assert window(date(2025, 11, 3), 1, DAYS) == Window(date(2025, 11, 4), date(2025, 11, 4))
    assert window(date(2025, 11, 3), 3, DAYS) == Window(date(2025, 11, 4), date(2025, 11, 6))
    # A pick on a Friday enters on Monday.
    assert window(date(2025, 11, 7), 1, DAYS) == Window(date(2025, 11, 10), date(2025, 11, 10))
    assert window(date(2025, 11, 7), 2, DAYS) is None


def test_hand_computed_returns_with_a_dividend_adjustment() -> None:
    # XYZ: a 2-for-1 style adjustment before 6 Nov (adj_close = close / 2 on 3-5 Nov).
    xyz = bars(
        [10, 20, 22, 11, 12, 13],
        [11, 21, 23, 12, 13, 14],
        [5.5, 10.5, 11.5, 12, 13, 14],
    )
    spy = bars([100] * 6, [101, 102, 103, 104, 105, 106], [101, 102, 103, 104, 105, 106])
    aaa = bars([50] * 6, [50, 51, 52, 53, 54, 55], [50, 51, 52, 53, 54, 55])
    returns = Returns(
        Source({"XYZ": xyz, "SPY": spy, "AAA": aaa}, DAYS[-1]),
        DAYS,
        benchmark="SPY",
        universe=("XYZ", "AAA"),
    )
    picks = pd.DataFrame({"trade_date": [date(2025, 11, 3)], "ticker": ["XYZ"]})
    rows = forward_rows(picks, (1, 3), returns).set_index("horizon")
    # h=1: open 4 Nov adjusted 20 * 10.5/21 = 10, close 4 Nov adjusted 10.5: +5%.
    assert rows.loc[1, "forward_return"] == pytest.approx(0.05)
    # h=3: exit at the close of 6 Nov, 12 (unadjusted from there): 12 / 10 - 1 = +20%.
    assert rows.loc[3, "forward_return"] == pytest.approx(0.20)
    # SPY: 102/100 - 1 and 104/100 - 1; the universe: mean of XYZ and AAA (51/50, 53/50).
    assert rows.loc[1, "benchmark_return"] == pytest.approx(0.02)
    assert rows.loc[3, "excess_benchmark"] == pytest.approx(0.20 - 0.04)
    assert rows.loc[1, "universe_return"] == pytest.approx((0.05 + 0.02) / 2)
    assert rows.loc[3, "excess_universe"] == pytest.approx(0.20 - (0.20 + 0.06) / 2)
    assert rows["return_reason"].isna().all()


def test_missing_bars_are_kept_with_a_reason_and_late_windows_are_not_yet_known() -> None:
    gone = bars([10, 10, 10], [10, 10, 10], [10, 10, 10])  # last bar 5 Nov
    spy = bars([100] * 6, [100] * 6, [100] * 6)
    returns = Returns(
        Source({"GONE": gone, "SPY": spy}, DAYS[-1]), DAYS, benchmark="SPY", universe=()
    )
    picks = pd.DataFrame(
        {
            "trade_date": [date(2025, 11, 3), date(2025, 11, 6), date(2025, 11, 7)],
            "ticker": ["GONE", "GONE", "GONE"],
        }
    )
    rows = forward_rows(picks, (1, 3), returns)
    assert len(rows) == 6  # nothing dropped
    by = {(r["trade_date"], r["horizon"]): r for r in rows.to_dict("records")}
    assert by[(date(2025, 11, 3), 1)]["forward_return"] == pytest.approx(0.0)
    assert (
        by[(date(2025, 11, 3), 3)]["return_reason"]
        == "no bars after 2025-11-05 (delisted or missing)"
    )
    assert (
        by[(date(2025, 11, 6), 1)]["return_reason"]
        == "no bars after 2025-11-05 (delisted or missing)"
    )
    assert pd.isna(by[(date(2025, 11, 6), 1)]["forward_return"])
    assert by[(date(2025, 11, 7), 3)]["return_reason"].startswith("not yet known")


def test_adjusted_drops_non_positive_prices() -> None:
    frame = bars([0, 10], [10, 10], [10, 10])
    prices = Adjusted.of(frame)
    assert date(2025, 11, 3) not in prices.opens
    assert prices.opens[date(2025, 11, 4)] == 10
