"""tradingagents: the discovery stage for multi-agent trading workflows on LangGraph."""

from tradingagents.errors import TradingAgentsError

__version__ = "0.1.0"
__all__ = ["TradingAgentsError", "__version__"]
