"""The compiled graph: its drawing, a deterministic run, and use as a subgraph."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from syrupy.assertion import SnapshotAssertion

from tests.helpers import make_scanner, normalise, returning
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph


def deterministic_scanners() -> list[Any]:
    def movers(ctx: ScanContext) -> list[Any]:
        ctx.log_tool_call(
            "yahoo_screener", {"scr_id": "day_gainers", "count": 5}, output="5 quotes"
        )
        return [
            {
                "ticker": "NVDA",
                "priority": "high",
                "context": "+8.2% on 3x volume",
                "price": 141.2,
                "volume": 9e7,
            },
            {
                "ticker": "penny",
                "priority": "medium",
                "context": "+40% penny stock",
                "price": 0.4,
                "volume": 1e6,
            },
            {"ticker": "brk.b", "priority": "low", "context": "+1.1%", "price": 470.0},
        ]

    def insiders(ctx: ScanContext) -> list[Any]:
        ctx.log_tool_call("sec_form4", {"days": 5}, output="2 filings")
        return [
            {"ticker": "NVDA", "priority": "medium", "context": "CFO bought $2.1M", "score": 2.5},
            {"ticker": "F", "priority": "critical", "context": "3 insiders bought", "score": 1.0},
        ]

    def social(ctx: ScanContext) -> list[Any]:
        return returning("NVDA", "GME", priority="low", mentions=120)(ctx)

    def broken(ctx: ScanContext) -> list[Any]:
        raise ConnectionError("upstream reset")

    return [
        make_scanner("market_movers", movers, pipeline="momentum"),
        make_scanner("insider_buying", insiders, pipeline="edge"),
        make_scanner("reddit_trending", social, pipeline="social"),
        make_scanner("broken_feed", broken, pipeline="news"),
    ]


CONFIG = {
    "discovery": {
        "filter": {"min_price": 1.0, "exclude_tickers": ["GME"]},
        "rank": {"max_candidates": 3},
    }
}


def test_mermaid_drawing(snapshot: SnapshotAssertion) -> None:
    dg = DiscoveryGraph(None, [make_scanner("a", returning("F"))])
    assert dg.graph.get_graph().draw_mermaid(with_styles=False) == snapshot


def test_final_state_of_a_deterministic_run(snapshot: SnapshotAssertion) -> None:
    state = DiscoveryGraph(CONFIG, deterministic_scanners()).run("2026-11-27")
    assert normalise(state) == snapshot


def test_filter_and_rank_results() -> None:
    state = DiscoveryGraph(CONFIG, deterministic_scanners()).run("2026-11-27")
    dropped = {d["ticker"]: d["reason"] for d in state["filter_rejections"]}
    assert dropped == {
        "PENNY": "price 0.4 below discovery.filter.min_price 1",
        "GME": "excluded by discovery.filter.exclude_tickers",
    }
    ranked = state["ranked_candidates"]
    # NVDA: three scanners -> promoted high -> critical, score 2.5 + 2 x 1.0 confluence.
    assert [(c["ticker"], c["priority"], c["score"], c["rank"]) for c in ranked] == [
        ("NVDA", "critical", 4.5, 1),
        ("F", "critical", 1.0, 2),
        ("BRK-B", "low", 0.0, 3),
    ]
    assert ranked[0]["promoted_from"] == "high"
    assert len(state["candidates"]) == 5  # the merged list itself is not filtered


class TradingState(TypedDict, total=False):
    trade_date: str
    candidates: Annotated[list[dict[str, Any]], lambda a, b: (a or []) + (b or [])]
    ranked_candidates: list[dict[str, Any]]
    analyses: Annotated[list[str], operator.add]


def test_works_as_a_subgraph_that_fans_out_one_analysis_per_ticker() -> None:
    discovery = DiscoveryGraph(CONFIG, deterministic_scanners()).graph

    def fan_out(state: TradingState) -> list[Send]:
        return [Send("analyze", {"ticker": c["ticker"]}) for c in state["ranked_candidates"]]

    def analyze(task: dict[str, str]) -> dict[str, Any]:
        return {"analyses": [f"analysis of {task['ticker']}"]}

    parent = StateGraph(TradingState)
    parent.add_node("discovery", discovery)
    parent.add_node("analyze", analyze)
    parent.add_edge(START, "discovery")
    parent.add_conditional_edges("discovery", fan_out, ["analyze"])
    parent.add_edge("analyze", END)
    result = parent.compile().invoke({"trade_date": "2026-11-27"})
    assert sorted(result["analyses"]) == ["analysis of BRK-B", "analysis of F", "analysis of NVDA"]


def test_runs_with_a_checkpointer_and_the_state_can_be_inspected() -> None:
    dg = DiscoveryGraph(CONFIG, deterministic_scanners(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "day-1"}}
    state = dg.run("2026-11-27", config=config)  # type: ignore[arg-type]
    saved = dg.graph.get_state(config)  # type: ignore[arg-type]
    assert saved.values["ranked_candidates"] == state["ranked_candidates"]
    assert saved.next == ()
