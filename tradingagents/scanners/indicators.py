"""Pure indicator functions over daily bars (pandas), shared by the OHLCV scanners."""

from __future__ import annotations

import pandas as pd


def rsi(close: pd.Series, period: int) -> pd.Series:
    """Wilder's RSI: smoothed average gain over smoothed average loss, 0-100."""
    delta = close.diff()
    gain = delta.clip(lower=0.0)
    loss = -delta.clip(upper=0.0)
    avg_gain = gain.ewm(alpha=1.0 / period, min_periods=period, adjust=False).mean()
    avg_loss = loss.ewm(alpha=1.0 / period, min_periods=period, adjust=False).mean()
    rs = avg_gain / avg_loss
    out = 100.0 - 100.0 / (1.0 + rs)
    # No losses at all: RSI is 100 by definition (the division gave inf -> 100 already,
    # but 0/0 on a flat series gives NaN, which stays "unknown").
    return out


def volume_ratio(volume: pd.Series, window: int) -> float | None:
    """Last volume over the mean of the ``window`` volumes before it (None if not enough data)."""
    if len(volume) < window + 1:
        return None
    prior = volume.iloc[-window - 1 : -1].mean()
    if not prior or pd.isna(prior):
        return None
    return float(volume.iloc[-1] / prior)


def pct_change_last(close: pd.Series) -> float | None:
    if len(close) < 2 or not close.iloc[-2]:
        return None
    return float((close.iloc[-1] / close.iloc[-2] - 1.0) * 100.0)
