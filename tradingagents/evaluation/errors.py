"""The evaluation's errors, apart so that every module of the package can raise them."""

from __future__ import annotations

from tradingagents.errors import TradingAgentsError


class EvaluationError(TradingAgentsError):
    """The evaluation cannot run as asked: a bad range, no bars, a universe not kept per day."""
