"""The top-level API: a small ``__all__``, imported lazily so the package import stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import tradingagents


def test_the_top_level_names_are_the_documented_ones() -> None:
    from tradingagents import (
        Candidate,
        DiscoveryGraph,
        DiscoveryState,
        ScanContext,
        Scanner,
        TradingAgentsError,
        __version__,
    )
    from tradingagents.discovery import Candidate as Candidate_
    from tradingagents.discovery import ScanContext as ScanContext_
    from tradingagents.discovery import Scanner as Scanner_
    from tradingagents.errors import TradingAgentsError as TradingAgentsError_
    from tradingagents.graph import DiscoveryGraph as DiscoveryGraph_
    from tradingagents.graph.state import DiscoveryState as DiscoveryState_

    assert DiscoveryGraph is DiscoveryGraph_
    assert DiscoveryState is DiscoveryState_
    assert (Scanner, ScanContext, Candidate) == (Scanner_, ScanContext_, Candidate_)
    assert TradingAgentsError is TradingAgentsError_
    assert isinstance(__version__, str)
    # The full list is frozen in tests/test_public_api.py.
    assert set(tradingagents.__all__) <= set(dir(tradingagents))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = tradingagents.Nope


def test_import_tradingagents_does_not_import_langgraph() -> None:
    code = (
        "import json, sys, tradingagents; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('langgraph', 'langchain_core'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == []
