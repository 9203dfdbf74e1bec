"""Point-in-time evaluation of the discovery picks: did each scanner's picks pay off?"""

from __future__ import annotations

from tradingagents.evaluation.api import EvaluationResult, evaluate
from tradingagents.evaluation.engines import EngineError
from tradingagents.evaluation.errors import EvaluationError
from tradingagents.evaluation.plan import NotEvaluable

__all__ = ["EngineError", "EvaluationError", "EvaluationResult", "NotEvaluable", "evaluate"]
