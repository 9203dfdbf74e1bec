"""The ``discovery.evaluation`` section: how ``tradingagents evaluate`` measures the picks."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from tradingagents.config._base import FROZEN
from tradingagents.discovery.candidate import normalize_ticker


class EvaluationConfig(BaseModel):
    """Horizons, benchmark and the statistics' gates of a point-in-time evaluation."""

    model_config = FROZEN

    horizons: tuple[int, ...] = Field(
        default=(1, 5, 20),
        min_length=1,
        description="Forward-return horizons in sessions: entry at the next session's open "
        "after the pick day, exit at the close h sessions later (1: the entry session's close).",
    )
    benchmark: str = Field(
        default="SPY",
        description="Symbol whose return over the same window is subtracted (excess return).",
    )
    min_sample: int = Field(
        default=30,
        ge=2,
        description='Below this many picks with a known return a figure reads "too few picks".',
    )
    min_days: int = Field(
        default=20,
        ge=2,
        description="Below this many distinct trade days with a known return a figure reads "
        '"too few picks" too: picks of one day share its market move, so many picks on few '
        "days are few independent observations.",
    )
    bootstrap_resamples: int = Field(
        default=2000,
        ge=100,
        le=1_000_000,
        description="Moving-block bootstrap resamples (of trade days, in blocks of h sessions) "
        "for the 95% confidence intervals and the p-values.",
    )
    bootstrap_seed: int = Field(
        default=0, ge=0, description="Seed of the bootstrap: the same data gives the same CIs."
    )
    top_n: tuple[int, ...] = Field(
        default=(5, 10),
        min_length=1,
        description="The final ranking's top N groups reported (rank <= N).",
    )
    false_discovery_rate: float = Field(
        default=0.10,
        gt=0,
        lt=1,
        description="Benjamini-Hochberg level over every scanner x horizon test of mean excess "
        "return vs the benchmark.",
    )

    fetch_timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Live evaluation: how long loading the universe's and the benchmark's "
        "daily bars (through the incremental price cache, before any day runs) may take.",
    )

    @field_validator("horizons", "top_n", mode="before")
    @classmethod
    def _list_as_tuple(cls, value: object) -> object:
        # TOML and JSON give lists; the frozen model keeps tuples (hashable, read-only).
        return tuple(value) if isinstance(value, list) else value

    @field_validator("horizons", "top_n")
    @classmethod
    def _positive_sorted(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(v < 1 for v in value):
            raise ValueError("every value must be a positive number of sessions or ranks")
        return tuple(sorted(set(value)))

    @field_validator("benchmark")
    @classmethod
    def _ticker(cls, value: str) -> str:
        return normalize_ticker(value)
