"""Statistics: Benjamini-Hochberg, the bootstrap's seed, the sample gate, rank IC."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tradingagents.evaluation.stats import (
    StatsPolicy,
    benjamini_hochberg,
    bootstrap_means,
    bootstrap_p_value,
    daily_rank_ic,
    group_stats,
    spearman,
)


def test_benjamini_hochberg_matches_a_hand_computed_example() -> None:
    # Sorted p: .01 .02 .03 .04 .20 -> p*n/rank: .05 .05 .05 .05 .20; monotone from the top.
    q = benjamini_hochberg([0.04, 0.01, 0.20, 0.03, 0.02])
    assert q == pytest.approx([0.05, 0.05, 0.20, 0.05, 0.05])
    assert benjamini_hochberg([0.5, 0.9]) == pytest.approx([0.9, 0.9])
    assert benjamini_hochberg([]) == []


def test_bootstrap_p_value_is_small_for_a_clear_effect_and_large_for_noise() -> None:
    rng = np.random.default_rng(1)
    clear = rng.normal(0.05, 0.01, 50)
    noise = rng.normal(0.0, 0.01, 50)
    assert bootstrap_p_value(clear.mean(), bootstrap_means(clear, 2000, rng)) < 0.01
    assert bootstrap_p_value(noise.mean(), bootstrap_means(noise, 2000, rng)) > 0.05


def test_spearman() -> None:
    assert spearman(pd.Series([1, 2, 3, 4]), pd.Series([10, 20, 30, 40])) == pytest.approx(1.0)
    assert spearman(pd.Series([1, 2, 3, 4]), pd.Series([4, 3, 2, 1])) == pytest.approx(-1.0)
    assert spearman(pd.Series([1, 2]), pd.Series([1, 2])) is None


def rows(n: int, scanner: str, mean: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ret = rng.normal(mean, 0.02, n)
    return pd.DataFrame(
        {
            "trade_date": [date(2025, 1, 1 + i % 28) for i in range(n)],
            "scanner": scanner,
            "pipeline": "p",
            "ticker": [f"T{i}" for i in range(n)],
            "score": rng.uniform(0, 1, n),
            "rank": [1 + i % 12 for i in range(n)],
            "final_priority": "high",
            "horizon": 1,
            "forward_return": ret,
            "excess_benchmark": ret - 0.001,
            "excess_universe": ret - 0.002,
        }
    )


def test_group_stats_gate_seed_and_correction() -> None:
    frame = pd.concat([rows(60, "good", 0.02, 1), rows(10, "tiny", 0.02, 2)], ignore_index=True)
    policy = StatsPolicy(min_sample=30, min_days=20, resamples=500, seed=7)
    table = group_stats(frame, policy)
    again = group_stats(frame, policy)
    pd.testing.assert_frame_equal(table, again)  # seeded: same data, same intervals
    scanners = table[table["kind"] == "scanner"].set_index("group")

    def cell(group: str, column: str) -> Any:
        return scanners.at[group, column]

    assert bool(cell("good", "enough")) and not bool(cell("tiny", "enough"))
    # Only tests with enough picks enter the correction: "tiny" gets no q-value.
    assert pd.isna(cell("tiny", "q_value"))
    assert float(cell("good", "q_value")) <= 0.1 and bool(cell("good", "significant"))
    lo, hi = float(cell("good", "excess_lo")), float(cell("good", "excess_hi"))
    assert lo < float(cell("good", "mean_excess_benchmark")) < hi
    assert float(cell("good", "hit_rate")) == pytest.approx(
        (frame[frame["scanner"] == "good"]["excess_benchmark"] > 0).mean()
    )
    other = group_stats(frame, StatsPolicy(min_sample=30, min_days=20, resamples=500, seed=8))
    assert other.set_index(["kind", "group"]).loc[("scanner", "good"), "excess_lo"] != lo
    kinds = table["kind"].unique().tolist()
    assert kinds == ["scanner", "pipeline", "priority", "top", "all"]
    tops = table[table["kind"] == "top"]
    assert tops["group"].tolist() == ["top 5", "top 10"]


def clustered(copies: int) -> pd.DataFrame:
    """Five days whose picks all moved with the day: each day's excess return ``copies`` times
    (0.03, -0.01, 0.02, -0.02, 0.04: mean 0.012, SD of the day means 0.0232)."""
    day_excess = [0.03, -0.01, 0.02, -0.02, 0.04]
    frame = rows(5 * copies, "herd", 0.0, 3)
    frame["trade_date"] = [date(2025, 3, 3 + i // copies) for i in range(5 * copies)]
    frame["excess_benchmark"] = [day_excess[i // copies] for i in range(5 * copies)]
    frame["forward_return"] = frame["excess_benchmark"] + 0.001
    return frame


def test_picks_of_few_days_get_a_wide_interval_and_too_few_days() -> None:
    # 200 picks but 5 independent outcomes: the SE of the mean is about 0.0232 / sqrt(5) =
    # 0.0104, a 95% interval about 0.04 wide (over 5 days the bootstrap's is a little
    # narrower); picks resampled as if independent give 0.0232 / sqrt(200), about 0.0064 wide.
    frame = clustered(40)
    table = group_stats(frame, StatsPolicy(min_sample=30, min_days=20, resamples=2000))
    row = table[(table["kind"] == "scanner")].iloc[0]
    width = float(row["excess_hi"]) - float(row["excess_lo"])
    assert width > 0.025
    assert float(row["p_value"]) > 0.05
    assert row["days"] == 5 and row["known"] == 200
    assert not bool(row["enough"])  # 200 picks, but 5 days < min_days
    naive = bootstrap_means(frame["excess_benchmark"].to_numpy(), 2000, np.random.default_rng(0))
    assert np.percentile(naive, 97.5) - np.percentile(naive, 2.5) < 0.01
    again = group_stats(frame, StatsPolicy(min_sample=30, min_days=5, resamples=2000))
    assert bool(again.iloc[0]["enough"])
    pd.testing.assert_frame_equal(  # seeded: the same data, the same intervals
        again, group_stats(frame, StatsPolicy(min_sample=30, min_days=5, resamples=2000))
    )


def test_blocks_of_h_days_widen_the_interval_of_overlapping_windows() -> None:
    # A slow wave over 60 days: neighbouring days agree, as h-session windows do. Blocks of 20
    # days keep that together; blocks of 1 day treat the days as independent.
    days = [date(2025, 1, 1) + pd.Timedelta(days=i) for i in range(60)]
    wave = 0.02 * np.sin(np.arange(60) / 60 * 2 * np.pi * 1.5)
    frame = rows(60, "wave", 0.0, 4)
    frame["trade_date"] = days
    frame["excess_benchmark"] = wave
    policy = StatsPolicy(min_sample=2, min_days=2, resamples=2000)
    one = group_stats(frame, policy).iloc[0]
    frame["horizon"] = 20
    twenty = group_stats(frame, policy).iloc[0]
    assert float(twenty["excess_hi"]) - float(twenty["excess_lo"]) > 1.5 * (
        float(one["excess_hi"]) - float(one["excess_lo"])
    )


def test_rank_ic_is_within_each_day_on_excess_returns_averaged() -> None:
    # Within each day the score ranks the excess perfectly; across days the day's level is
    # backwards (high scores on bad days): pooled it would be negative, per day it is 1.
    frame = pd.DataFrame(
        {
            "trade_date": [date(2025, 1, 2)] * 3 + [date(2025, 1, 3)] * 3 + [date(2025, 1, 6)],
            "score": [7.0, 8.0, 9.0, 1.0, 2.0, 3.0, 5.0],
            "excess_benchmark": [-0.10, -0.09, -0.08, 0.10, 0.11, 0.12, 0.0],
        }
    )
    assert daily_rank_ic(frame) == pytest.approx(1.0)
    assert spearman(frame["score"], frame["excess_benchmark"]) < 0  # type: ignore[operator]
