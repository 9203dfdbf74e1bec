"""EarningsEvent: one scheduled earnings report, as every earnings-calendar parser returns it."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tradingagents.discovery.candidate import Ticker

EarningsTime = Literal["pre-market", "after-hours", "not-supplied"]
EarningsSource = Literal["nasdaq", "finnhub"]


class EarningsEvent(BaseModel):
    """A company's earnings report on ``date``; fields a source does not supply are None."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: Ticker
    name: str | None
    date: datetime.date
    time: EarningsTime
    market_cap: float | None
    fiscal_quarter_ending: str | None
    eps_forecast: float | None
    n_estimates: int | None
    last_year_report_date: datetime.date | None
    last_year_eps: float | None
    source: EarningsSource
