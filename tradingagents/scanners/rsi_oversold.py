"""rsi_oversold: a short-term washout inside a long-term uptrend (Connors RSI(2)).

Signal: RSI(2) below ``max_rsi`` while the close is above its 200-day simple average.
Data: Yahoo daily chart of the universe (shared load, cut at the trade date).
Strength: how far RSI is under ``max_rsi``: 0 at ``max_rsi``, 1 at RSI 0, linear.
A symbol with fewer than ``trend_window`` bars cannot be judged: it is a warning, never a silent
"no signal".
Cost: 0 calls of its own; the shared history costs 1 chart call per universe symbol per run.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.scoring import ramp
from tradingagents.scanners.history import histories
from tradingagents.scanners.indicators import rsi


class RsiOversoldParams(ScannerParams):
    rsi_period: int = Field(default=2, ge=2)
    max_rsi: float = Field(default=10.0, gt=0, lt=100)
    high_rsi: float = Field(default=5.0, gt=0, lt=100)
    trend_window: int = Field(default=200, ge=2)


class RsiOversold(Scanner[RsiOversoldParams]):
    name = "rsi_oversold"
    providers = ("yahoo",)
    # Judged from daily bars alone: a bar archive cut at any past date replays it.
    point_in_time = "bars"
    pipeline = "mean_reversion"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        found = []
        for symbol, bars in histories(ctx, params.trend_window):
            close = bars["close"]
            value = rsi(close, params.rsi_period).iloc[-1]
            trend = float(close.iloc[-params.trend_window :].mean())
            last = float(close.iloc[-1])
            if math.isnan(value) or value >= params.max_rsi or last <= trend:
                continue
            found.append((float(value), symbol, last, trend))
        found.sort(key=lambda item: (item[0], item[1]))
        return [
            {
                "ticker": symbol,
                "priority": Priority.HIGH if value < params.high_rsi else Priority.MEDIUM,
                "context": f"RSI({params.rsi_period}) {value:.1f} with the close ${last:.2f} above "
                f"its {params.trend_window}-day average ${trend:.2f}",
                "price": last,
                "rsi": round(value, 4),
                "sma_trend": round(trend, 4),
                "signal": ramp(value, params.max_rsi, 0.0),
            }
            for value, symbol, last, trend in found
        ]
