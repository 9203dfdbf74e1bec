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
    assert bootstrap_p_value(clear, bootstrap_means(clear, 2000, rng)) < 0.01
    assert bootstrap_p_value(noise, bootstrap_means(noise, 2000, rng)) > 0.05


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
    policy = StatsPolicy(min_sample=30, resamples=500, seed=7)
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
    other = group_stats(frame, StatsPolicy(min_sample=30, resamples=500, seed=8))
    assert other.set_index(["kind", "group"]).loc[("scanner", "good"), "excess_lo"] != lo
    kinds = table["kind"].unique().tolist()
    assert kinds == ["scanner", "pipeline", "priority", "top", "all"]
    tops = table[table["kind"] == "top"]
    assert tops["group"].tolist() == ["top 5", "top 10"]
