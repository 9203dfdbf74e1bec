"""The evaluation's files: evaluation.parquet, evaluation.md and evaluation.png, atomically."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tradingagents.evaluation.plan import NotEvaluable
from tradingagents.reports.atomic import atomic_write_bytes, atomic_write_text

PARQUET, MARKDOWN, CHART = "evaluation.parquet", "evaluation.md", "evaluation.png"

SYNTHETIC_WARNING = (
    "**The data is synthetic** (generated bars, not market data): these figures show how the "
    "evaluation works and mean nothing for trading."
)
MULTIPLE_TESTING_NOTE = (
    "Many scanners and horizons are compared at once, so some will look good by chance. "
    'p-values test "mean excess return vs the benchmark is 0" with the same block bootstrap '
    "(the resampled means shifted to the null; two-sided); q-values are Benjamini-Hochberg "
    "adjusted over every scanner x horizon test with enough picks, and * marks q <= {fdr:g}. "
    "Rank IC is Spearman's correlation of the final score with the excess return vs the "
    "benchmark within each day that has at least 3 picks of the group, averaged over those days."
)


@dataclass(frozen=True)
class ReportInfo:
    """What the Markdown says besides the tables."""

    first: date | None
    last: date | None
    days: int
    benchmark: str
    horizons: tuple[int, ...]
    min_sample: int
    min_days: int
    resamples: int
    false_discovery_rate: float
    synthetic: bool
    source: str
    engine: str
    #: What the data lacked (symbols whose bars could not be loaded), each said once.
    warnings: tuple[str, ...] = ()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # No pandas metadata: it carries library versions, and the same rows must give the same bytes.
    table = table.replace_schema_metadata(None)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value) * 100:+.2f}%"


def _rate(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value) * 100:.1f}%"


def _num(value: Any, spec: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format(float(value), spec)


def stats_table(stats: pd.DataFrame, kind: str) -> list[str]:
    """A Markdown table of one group kind; a group below the minimum sample reads "too few
    picks" instead of figures that would mostly be noise."""
    part = stats[stats["kind"] == kind]
    if part.empty:
        return ["(none)"]
    lines = [
        "| group | h | picks | known | days | hit rate [95% CI] | mean | median | excess vs bench "
        "[95% CI] | excess vs universe | rank IC | p | q |",
        "|---|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in part.to_dict("records"):
        head = (
            f"| {row['group']} | {row['horizon']} | {row['picks']} | {row['known']} | "
            f"{row['days']} |"
        )
        if not row["enough"]:
            lines.append(head + " too few picks | | | | | | | |")
            continue
        star = " *" if row["significant"] else ""
        lines.append(
            head + f" {_rate(row['hit_rate'])} [{_rate(row['hit_rate_lo'])}, "
            f"{_rate(row['hit_rate_hi'])}] | {_pct(row['mean_return'])} | "
            f"{_pct(row['median_return'])} | {_pct(row['mean_excess_benchmark'])} "
            f"[{_pct(row['excess_lo'])}, {_pct(row['excess_hi'])}]{star} | "
            f"{_pct(row['mean_excess_universe'])} | {_num(row['rank_ic'])} | "
            f"{_num(row['p_value'], '.3f')} | {_num(row['q_value'], '.3f')} |"
        )
    return lines


def markdown(
    info: ReportInfo,
    stats: pd.DataFrame,
    rows: pd.DataFrame,
    excluded: Sequence[NotEvaluable],
    runs: pd.DataFrame,
) -> str:
    span = f"{info.first} to {info.last}" if info.first else "no days"
    out = [
        "# Evaluation of the discovery picks",
        "",
        f"{info.days} trading days, {span}; source: {info.source}; engine: {info.engine}.",
        f"Forward returns over {', '.join(str(h) for h in info.horizons)} sessions: bought at "
        "the next session's open after the pick day, sold at the close h sessions later "
        f"(adjusted prices), against {info.benchmark} and the equal-weighted universe.",
        "",
    ]
    if info.synthetic:
        out += [SYNTHETIC_WARNING, ""]
    if info.warnings:
        out += ["## Data warnings", "", *(f"- {w}" for w in info.warnings), ""]
    out += [
        f"A figure needs at least {info.min_sample} picks with a known return on at least "
        f'{info.min_days} distinct days; below that it reads "too few picks". Confidence '
        f"intervals: {info.resamples} moving-block bootstrap resamples of the group's trade "
        "days (blocks of h consecutive days, every pick of a drawn day counted: picks of one "
        "day share its market move and h-session windows of nearby days overlap), seeded (the "
        "same data gives the same intervals).",
        "",
        "## Multiple testing",
        "",
        MULTIPLE_TESTING_NOTE.format(fdr=info.false_discovery_rate),
        "",
    ]
    for kind, title in (
        ("scanner", "Per scanner"),
        ("pipeline", "Per pipeline"),
        ("priority", "Per priority level (the final ranking's)"),
        ("top", "The final ranking's top N"),
        ("all", "All candidates"),
    ):
        out += [f"## {title}", "", *stats_table(stats, kind), ""]
    out += ["## Not evaluable for these dates", ""]
    if excluded:
        out += [
            f"- **{item.scanner}** ({item.days} of {item.of_days} days): {item.reason}"
            for item in excluded
        ]
    else:
        out.append("Every scanner was evaluable on every day.")
    out += ["", "## Scanner runs", ""]
    out += _runs_lines(runs)
    missing = rows[rows["return_reason"].notna()] if len(rows) else rows
    out += ["", "## Picks without a return", ""]
    if len(missing):
        counts = missing.groupby("return_reason", sort=True).size()
        out += [f"- {n} pick-horizons: {reason}" for reason, n in counts.items()]
    else:
        out.append("None: every pick has a return at every horizon.")
    return "\n".join(out) + "\n"


def _runs_lines(runs: pd.DataFrame) -> list[str]:
    if runs.empty:
        return ["(no runs)"]
    lines = ["| scanner | " + " | ".join(sorted(runs["status"].unique())) + " |"]
    statuses = sorted(runs["status"].unique())
    lines.append("|---|" + "---:|" * len(statuses))
    counts = runs.groupby(["scanner", "status"]).size()
    for scanner in sorted(runs["scanner"].unique()):
        cells = [str(counts.get((scanner, s), 0)) for s in statuses]
        lines.append(f"| {scanner} | " + " | ".join(cells) + " |")
    failed = runs[runs["status"].isin(["error", "timeout"])]
    if len(failed):
        lines += ["", "Failures (first of each scanner):", ""]
        for scanner, part in failed.groupby("scanner", sort=True):
            lines.append(f"- {cast(str, scanner)}: {part.iloc[0]['reason']}")
    return lines


def chart_png(rows: pd.DataFrame, stats: pd.DataFrame, info: ReportInfo) -> bytes:
    """Cumulative excess return per scanner over the days (shortest horizon) and hit rate by
    horizon, as PNG bytes (matplotlib's Agg backend, no display needed)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(11, 4.5), dpi=100)
    left, right = figure.subplots(1, 2)
    horizon = info.horizons[0]
    known = (
        rows[(rows["horizon"] == horizon) & rows["excess_benchmark"].notna()] if len(rows) else rows
    )
    if len(known):
        daily = known.groupby(["scanner", "trade_date"])["excess_benchmark"].mean()
        for scanner in sorted(known["scanner"].unique()):
            series = daily.loc[scanner].sort_index().cumsum() * 100
            left.plot(pd.to_datetime(series.index), series.to_numpy(), label=scanner)
        left.legend(fontsize=7)
    left.axhline(0, color="grey", linewidth=0.5)
    left.set_title(
        f"Cumulative mean excess vs {info.benchmark}, {horizon}-session horizon", fontsize=9
    )
    left.set_ylabel("%")
    figure.autofmt_xdate()
    scanners = stats[(stats["kind"] == "scanner") & stats["enough"]]
    width = 0.8 / max(1, len(info.horizons))
    names = sorted(scanners["group"].unique())
    for i, h in enumerate(info.horizons):
        at = scanners[scanners["horizon"] == h].set_index("group")
        values = [float(at["hit_rate"].get(n, float("nan"))) * 100 for n in names]
        right.bar([x + i * width for x in range(len(names))], values, width, label=f"{h} sessions")
    right.axhline(50, color="grey", linewidth=0.5)
    right.set_xticks([x + width * (len(info.horizons) - 1) / 2 for x in range(len(names))])
    right.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
    right.set_title(f"Hit rate (excess vs {info.benchmark} > 0) by horizon", fontsize=9)
    right.set_ylabel("%")
    if names:
        right.legend(fontsize=7)
    if info.synthetic:
        figure.suptitle("synthetic data: means nothing for trading", fontsize=9, color="red")
    figure.tight_layout()
    sink = io.BytesIO()
    figure.savefig(sink, format="png")
    return sink.getvalue()


def write_outputs(
    out: Path,
    rows: pd.DataFrame,
    stats: pd.DataFrame,
    text: str,
    info: ReportInfo,
) -> dict[str, Path]:
    """Write the three files atomically (a reader sees the old file or the new, whole one)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"parquet": out / PARQUET, "markdown": out / MARKDOWN, "chart": out / CHART}
    atomic_write_bytes(paths["parquet"], parquet_bytes(rows))
    atomic_write_text(paths["markdown"], text)
    atomic_write_bytes(paths["chart"], chart_png(rows, stats, info))
    return paths
