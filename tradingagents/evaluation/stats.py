"""Statistics of forward returns by group: hit rate, means, rank IC, block-bootstrap CIs, BH."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: How each group kind picks and deduplicates its rows: a ticker found by two scanners of one
#: pipeline on one day is one pick of that pipeline, not two.
GROUP_KINDS = ("scanner", "pipeline", "priority", "top", "all")

#: The columns of a statistics table, one row per group and horizon.
STAT_COLUMNS = (
    "kind",
    "group",
    "horizon",
    "picks",
    "known",
    "days",
    "enough",
    "hit_rate",
    "hit_rate_lo",
    "hit_rate_hi",
    "mean_return",
    "median_return",
    "mean_excess_benchmark",
    "excess_lo",
    "excess_hi",
    "mean_excess_universe",
    "rank_ic",
    "p_value",
    "q_value",
    "significant",
)


@dataclass(frozen=True)
class StatsPolicy:
    """The gates and the bootstrap of :func:`group_stats` (from ``discovery.evaluation``)."""

    min_sample: int = 30
    min_days: int = 20
    resamples: int = 2000
    seed: int = 0
    false_discovery_rate: float = 0.10
    top_n: tuple[int, ...] = (5, 10)


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The means of ``resamples`` resamples (with replacement) of independent ``values``."""
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    means: np.ndarray = values[picks].mean(axis=1)
    return means


def block_bootstrap_means(
    sums: np.ndarray, counts: np.ndarray, block: int, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Moving-block bootstrap over days: the mean over every pick of each resample's days.

    ``sums`` and ``counts`` are one value per day, in date order (the sum of the picks' values
    and how many). Each resample draws blocks of ``block`` consecutive days (start uniform,
    with replacement) until it holds as many days as the data, and its mean is the sum of those
    days' values over their picks. Picks of one day share the market's move, and windows of h
    sessions on nearby days overlap: resampling picks as if independent gives intervals far too
    narrow, resampling day blocks at least h long keeps both dependences inside a block.
    """
    days = len(sums)
    block = max(1, min(block, days))
    blocks = -(-days // block)
    starts = rng.integers(0, days - block + 1, size=(resamples, blocks))
    drawn = (starts[:, :, None] + np.arange(block)).reshape(resamples, -1)[:, :days]
    means: np.ndarray = sums[drawn].sum(axis=1) / counts[drawn].sum(axis=1)
    return means


def percentile_ci(means: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_p_value(observed: float, means: np.ndarray) -> float:
    """Two-sided p-value of "the mean is 0" from bootstrap means around ``observed``.

    The bootstrap distribution is shifted to the null (centred on 0): p is the share of
    resampled means at least as far from the observed mean as the observed mean is from 0,
    counting the observed sample itself so that p is never 0.
    """
    extreme = int(np.sum(np.abs(means - observed) >= abs(observed)))
    return (extreme + 1) / (len(means) + 1)


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    p = np.asarray(p_values, dtype="float64")
    n = len(p)
    if n == 0:
        return []
    order = np.argsort(p, kind="stable")
    scaled = p[order] * n / np.arange(1, n + 1)
    # Monotone from the largest p down, capped at 1.
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1].clip(max=1.0)
    out = np.empty(n)
    out[order] = adjusted
    return [float(v) for v in out]


def spearman(x: pd.Series, y: pd.Series) -> float | None:
    """Spearman's rank correlation of the pairs where both are known; None below 3 pairs or
    when either side is constant."""
    both = pd.DataFrame({"x": x, "y": y}).dropna()
    if len(both) < 3 or both["x"].nunique() < 2 or both["y"].nunique() < 2:
        return None
    value = both["x"].rank().corr(both["y"].rank())
    return float(value)


def _rng(seed: int, key: str) -> np.random.Generator:
    # One stream per group, from its name: a group's CI does not depend on which other groups
    # exist or in which order they are computed.
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def daily_rank_ic(known: pd.DataFrame) -> float | None:
    """The mean over days of Spearman's correlation of the final score with the excess return
    vs the benchmark among that day's picks (days with at least 3 scored picks); None if no day
    has one. Within a day the market's move is shared, so pooling days would mostly rank days."""
    values = []
    for _, day in known.groupby("trade_date", sort=True):
        value = spearman(day["score"], day["excess_benchmark"])
        if value is not None:
            values.append(value)
    return float(np.mean(values)) if values else None


def one_group(
    rows: pd.DataFrame, kind: str, group: str, horizon: int, policy: StatsPolicy
) -> dict[str, object]:
    """The statistics of one group's rows at one horizon (p and q values filled by BH later).

    Intervals and the p-value come from a moving-block bootstrap of the group's trade days
    (blocks of ``horizon`` consecutive days, :func:`block_bootstrap_means`); the gate needs
    both ``min_sample`` picks and ``min_days`` distinct days.
    """
    known = rows[rows["excess_benchmark"].notna() & rows["forward_return"].notna()]
    n = len(known)
    days = int(known["trade_date"].nunique())
    stats: dict[str, object] = dict.fromkeys(STAT_COLUMNS)
    stats.update(
        kind=kind,
        group=group,
        horizon=horizon,
        picks=len(rows),
        known=n,
        days=days,
        enough=n >= policy.min_sample and days >= policy.min_days,
        significant=False,
    )
    if n == 0:
        return stats
    ret = known["forward_return"].to_numpy(dtype="float64")
    excess = known["excess_benchmark"].to_numpy(dtype="float64")
    hits = (excess > 0).astype("float64")
    universe = known["excess_universe"].dropna()
    stats.update(
        hit_rate=float(hits.mean()),
        mean_return=float(ret.mean()),
        median_return=float(np.median(ret)),
        mean_excess_benchmark=float(excess.mean()),
        mean_excess_universe=float(universe.mean()) if len(universe) else None,
        rank_ic=daily_rank_ic(known),
    )
    if days >= 2:
        rng = _rng(policy.seed, f"{kind}:{group}:{horizon}")
        by_day = (
            pd.DataFrame({"day": known["trade_date"].to_numpy(), "excess": excess, "hit": hits})
            .groupby("day", sort=True)
            .agg(excess=("excess", "sum"), hit=("hit", "sum"), count=("excess", "size"))
        )
        counts = by_day["count"].to_numpy(dtype="float64")
        # One draw of days for both statistics: the hit rate's interval from the same resamples.
        state = rng.bit_generator.state
        excess_means = block_bootstrap_means(
            by_day["excess"].to_numpy(), counts, horizon, policy.resamples, rng
        )
        rng.bit_generator.state = state
        hit_means = block_bootstrap_means(
            by_day["hit"].to_numpy(), counts, horizon, policy.resamples, rng
        )
        stats["excess_lo"], stats["excess_hi"] = percentile_ci(excess_means)
        stats["hit_rate_lo"], stats["hit_rate_hi"] = percentile_ci(hit_means)
        stats["p_value"] = bootstrap_p_value(float(excess.mean()), excess_means)
    return stats


def grouped(rows: pd.DataFrame, top_n: Sequence[int]) -> list[tuple[str, str, pd.DataFrame]]:
    """``(kind, group, rows)`` for every group: each scanner, each pipeline, each final
    priority, the final ranking's top N and all candidates (the last four one row per
    candidate and day)."""
    out: list[tuple[str, str, pd.DataFrame]] = []
    for name, part in rows.groupby("scanner", sort=True):
        out.append(("scanner", str(name), part))
    candidates = rows.drop_duplicates(["trade_date", "ticker", "horizon"])
    for name, part in rows.drop_duplicates(["trade_date", "ticker", "horizon", "pipeline"]).groupby(
        "pipeline", sort=True
    ):
        out.append(("pipeline", str(name), part))
    for name in ("critical", "high", "medium", "low"):
        part = candidates[candidates["final_priority"] == name]
        if len(part):
            out.append(("priority", name, part))
    for n in top_n:
        ranks = pd.to_numeric(candidates["rank"], errors="coerce")
        out.append(("top", f"top {n}", candidates[ranks <= n]))
    out.append(("all", "all candidates", candidates))
    return out


def group_stats(rows: pd.DataFrame, policy: StatsPolicy) -> pd.DataFrame:
    """The statistics table: one row per group and horizon (:data:`STAT_COLUMNS`), sorted.

    Benjamini-Hochberg runs over every scanner x horizon test of mean excess vs the benchmark
    that has enough picks; ``significant`` is ``q_value <= false_discovery_rate``.
    """
    records = []
    for kind, group, part in grouped(rows, policy.top_n):
        for horizon, at in part.groupby("horizon", sort=True):
            records.append(one_group(at, kind, group, int(str(horizon)), policy))
    table = pd.DataFrame.from_records(records, columns=list(STAT_COLUMNS))
    if table.empty:
        return table
    tested = ((table["kind"] == "scanner") & table["enough"] & table["p_value"].notna()).to_numpy()
    q = np.full(len(table), np.nan)
    q[tested] = benjamini_hochberg(table.loc[tested, "p_value"].astype("float64").tolist())
    table["q_value"] = q
    table["significant"] = tested & (q <= policy.false_discovery_rate)
    order = {kind: i for i, kind in enumerate(GROUP_KINDS)}
    table["_order"] = table["kind"].map(order)
    # Within a kind, grouped()'s order (names sorted, top N by N, priorities by urgency).
    table = table.sort_values("_order", kind="stable").drop(columns="_order")
    return table.reset_index(drop=True)
