"""volume_accumulation: heavy volume on a quiet price, a footprint of accumulation.

Signal: the trade date's volume is at least ``min_volume_ratio`` x its 20-day average while the
close moved less than ``max_move_pct``.
Data: Yahoo daily chart of the universe (shared load, cut at the trade date).
Strength: the volume ratio from ``min_volume_ratio`` (0) to ``full_signal_volume_ratio`` (1),
linear. A symbol with fewer than ``window`` + 1 bars, or no volume in its window, is a warning,
not a silent "no signal".
Cost: 0 calls of its own; the shared history costs 1 chart call per universe symbol per run.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.scoring import ramp
from tradingagents.scanners.history import histories
from tradingagents.scanners.indicators import pct_change_last, volume_ratio


class VolumeAccumulationParams(ScannerParams):
    window: int = Field(default=20, ge=2)
    min_volume_ratio: float = Field(default=2.0, gt=0)
    high_volume_ratio: float = Field(default=3.0, gt=0)
    max_move_pct: float = Field(default=2.0, ge=0)
    # Volume this many times its average is a full-strength signal (1.0).
    full_signal_volume_ratio: float = Field(default=5.0, gt=0)


class VolumeAccumulation(Scanner[VolumeAccumulationParams]):
    name = "volume_accumulation"
    providers = ("yahoo",)
    # Judged from daily bars alone: a bar archive cut at any past date replays it.
    point_in_time = "bars"
    pipeline = "momentum"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        found = []
        for symbol, bars in histories(ctx, params.window + 1):
            ratio = volume_ratio(bars["volume"], params.window)
            move = pct_change_last(bars["close"])
            if ratio is None:
                ctx.warn(f"{symbol}: no volume in the {params.window} sessions before the last")
                continue
            if move is None:
                continue  # a zero previous close: no move can be measured
            if ratio >= params.min_volume_ratio and abs(move) <= params.max_move_pct:
                found.append((ratio, symbol, move, float(bars["close"].iloc[-1]), bars))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [
            {
                "ticker": symbol,
                "priority": Priority.HIGH if ratio >= params.high_volume_ratio else Priority.MEDIUM,
                "context": f"volume {ratio:.1f}x its {params.window}-day average with the close "
                f"{move:+.1f}%",
                "price": close,
                "volume": float(bars["volume"].iloc[-1]),
                "volume_ratio": round(ratio, 4),
                "change_pct": round(move, 4),
                "signal": ramp(ratio, params.min_volume_ratio, params.full_signal_volume_ratio),
            }
            for ratio, symbol, move, close, bars in found
        ]
