"""The compiled graph: its drawing, a deterministic run, and use as a subgraph."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.runnables import RunnableConfig
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
    # F: one critical scanner, score 1.0 -> signal 1.0 x weight 1.0. NVDA: three scanners,
    # promoted high -> critical; best weighted signal 0.6 + 2 x 0.1 confluence = 0.8.
    # BRK-B: no signal or score -> the default 0.5 x the low weight 0.4.
    assert [(c["ticker"], c["priority"], c["score"], c["rank"]) for c in ranked] == [
        ("F", "critical", 1.0, 1),
        ("NVDA", "critical", 0.8, 2),
        ("BRK-B", "low", 0.2, 3),
    ]
    nvda = ranked[1]
    assert nvda["promoted_from"] == "high"
    assert nvda["score_breakdown"] == {
        "sources": [
            # No signal, no score: the default signal.
            {
                "source": "market_movers",
                "priority": "high",
                "signal": 0.5,
                "signal_from": "default",
                "weight": 0.8,
                "weighted": 0.4,
            },
            # A plugin's score of 2.5 is off the scale: clamped to 1 (and warned about).
            {
                "source": "insider_buying",
                "priority": "medium",
                "signal": 1.0,
                "signal_from": "score",
                "weight": 0.6,
                "weighted": 0.6,
                "clamped_from": 2.5,
            },
            {
                "source": "reddit_trending",
                "priority": "low",
                "signal": 0.5,
                "signal_from": "default",
                "weight": 0.4,
                "weighted": 0.2,
            },
        ],
        "best_source": "insider_buying",
        "best": 0.6,
        "extra_sources": 2,
        "confluence": 0.2,
        "total": 0.8,
    }
    assert all(c["score"] == c["score_breakdown"]["total"] for c in ranked)
    insiders = next(r for r in state["scanner_runs"] if r["name"] == "insider_buying")
    assert insiders["warnings"] == [
        "1 candidate has a score off the signal scale [0, 1] "
        "(NVDA: score 2.5 outside [0, 1], clamped to 1)"
    ]
    assert len(state["candidates"]) == 5  # the merged list itself is not filtered


def ranked_by(config: dict[str, Any], *scanners: Any) -> list[tuple[str, str, float]]:
    state = DiscoveryGraph(config, list(scanners)).run("2026-11-27")
    return [(c["ticker"], c["priority"], c["score"]) for c in state["ranked_candidates"]]


def test_ranking_is_priority_then_score_and_equal_scores_keep_merge_order() -> None:
    def rows(ctx: ScanContext) -> list[Any]:
        return [
            {"ticker": "LOW", "priority": "low", "context": "x", "signal": 1.0},
            {"ticker": "TIEA", "priority": "medium", "context": "x", "signal": 0.5},
            {"ticker": "WEAK", "priority": "medium", "context": "x", "signal": 0.1},
            {"ticker": "TIEB", "priority": "medium", "context": "x", "signal": 0.5},
            {"ticker": "STRONG", "priority": "medium", "context": "x", "signal": 0.9},
        ]

    assert ranked_by({}, make_scanner("a", rows)) == [
        ("STRONG", "medium", 0.54),
        ("TIEA", "medium", 0.3),
        ("TIEB", "medium", 0.3),
        ("WEAK", "medium", 0.06),
        ("LOW", "low", 0.4),  # a higher score, a lower priority: priority comes first
    ]


def test_confluence_adds_per_extra_distinct_scanner() -> None:
    one = make_scanner("one", returning("A", "B", signal=0.5))
    two = make_scanner("two", returning("B", signal=0.5))
    assert ranked_by({}, one, two) == [("B", "medium", 0.4), ("A", "medium", 0.3)]
    config = {"discovery": {"rank": {"confluence_boost": 0.0}}}
    assert ranked_by(config, one, two) == [("A", "medium", 0.3), ("B", "medium", 0.3)]


def test_the_scoring_constants_come_from_the_rank_config() -> None:
    plain = make_scanner("plain", returning("A"))  # a plugin that gives no signal at all
    assert ranked_by({}, plain) == [("A", "medium", 0.3)]  # 0.5 default x 0.6 medium
    config = {
        "discovery": {
            "rank": {"default_signal": 0.25, "priority_weights": {"medium": 2.0}},
        }
    }
    assert ranked_by(config, plain) == [("A", "medium", 0.5)]


class TradingState(TypedDict, total=False):
    trade_date: str
    candidates: Annotated[list[dict[str, Any]], lambda a, b: (a or []) + (b or [])]
    ranked_candidates: list[dict[str, Any]]
    analyses: Annotated[list[str], operator.add]


def test_works_as_a_subgraph_that_fans_out_one_analysis_per_ticker() -> None:
    discovery = DiscoveryGraph(CONFIG, deterministic_scanners()).graph

    def fan_out(state: TradingState) -> list[Send]:
        return [Send("analyze", {"ticker": c["ticker"]}) for c in state["ranked_candidates"]]

    # Given the Send payload ({"ticker": ...}), not the state. LangGraph's stubs want a node's
    # parameter named state and state-like (a TypedDict...), but a TypedDict here would become the
    # node's input schema, hence Any.
    def analyze(state: Any) -> dict[str, Any]:
        return {"analyses": [f"analysis of {state['ticker']}"]}

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
    config: RunnableConfig = {"configurable": {"thread_id": "day-1"}}
    state = dg.run("2026-11-27", config=config)
    saved = dg.graph.get_state(config)
    assert saved.values["ranked_candidates"] == state["ranked_candidates"]
    assert saved.next == ()
