"""technical_breakout: a close above the prior 20-day high on heavy volume.

Signal: close > highest high of the ``window`` sessions before the trade date, with volume at
least ``min_volume_ratio`` x the 20-day average.
Data: Yahoo daily chart of the universe (shared load, cut at the trade date).
Strength: the volume ratio from ``min_volume_ratio`` (0) to ``full_signal_volume_ratio`` (1),
linear. A symbol with fewer than ``window`` + 1 bars is a warning, not a silent "no signal".
Cost: 0 calls of its own; the shared history costs 1 chart call per universe symbol per run.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.scoring import ramp
from tradingagents.scanners.history import histories
from tradingagents.scanners.indicators import volume_ratio


class TechnicalBreakoutParams(ScannerParams):
    window: int = Field(default=20, ge=2)
    min_volume_ratio: float = Field(default=1.5, gt=0)
    high_volume_ratio: float = Field(default=2.5, gt=0)
    # Volume this many times its average is a full-strength signal (1.0).
    full_signal_volume_ratio: float = Field(default=4.0, gt=0)


class TechnicalBreakout(Scanner[TechnicalBreakoutParams]):
    name = "technical_breakout"
    providers = ("yahoo",)
    # Judged from daily bars alone: a bar archive cut at any past date replays it.
    point_in_time = "bars"
    pipeline = "momentum"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        found = []
        for symbol, bars in histories(ctx, params.window + 1):
            prior_high = float(bars["high"].iloc[-params.window - 1 : -1].max())
            close = float(bars["close"].iloc[-1])
            ratio = volume_ratio(bars["volume"], params.window)
            if ratio is None or close <= prior_high or ratio < params.min_volume_ratio:
                continue
            found.append((ratio, symbol, close, prior_high, float(bars["volume"].iloc[-1])))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [
            {
                "ticker": symbol,
                "priority": Priority.HIGH if ratio >= params.high_volume_ratio else Priority.MEDIUM,
                "context": f"closed ${close:.2f} above the {params.window}-day high "
                f"${prior_high:.2f} on {ratio:.1f}x volume",
                "price": close,
                "volume": volume,
                "breakout_level": round(prior_high, 4),
                "volume_ratio": round(ratio, 4),
                "signal": ramp(ratio, params.min_volume_ratio, params.full_signal_volume_ratio),
            }
            for ratio, symbol, close, prior_high, volume in found
        ]
