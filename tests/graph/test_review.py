"""A human review pause: stop after ``rank``, edit or approve the candidates, resume."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from tests.helpers import make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.graph import DiscoveryGraph, DiscoveryState

DAY = "2026-11-27"


class Counting:
    """Scanners that count their runs (to show a resume does not run them again)."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def scanner(self, name: str, *tickers: str) -> type:
        def scan(ctx: ScanContext) -> list[dict[str, Any]]:
            with self.lock:
                self.calls += 1
            ctx.log_tool_call("quote", {"name": name})
            return [{"ticker": t, "priority": "high", "context": name} for t in tickers]

        return make_scanner(name, scan)


class Desk(DiscoveryState, total=False):
    decision: list[str]


def test_a_parent_pauses_after_rank_and_resumes_with_the_reviewed_candidates() -> None:
    counting = Counting()
    scanners = [counting.scanner("movers", "NVDA", "AMD"), counting.scanner("insiders", "F")]
    with DiscoveryGraph(None, scanners, interrupt_after=["rank"]) as dg:

        def decide(state: Desk) -> dict[str, Any]:
            return {"decision": [c["ticker"] for c in state["ranked_candidates"]]}

        builder = StateGraph(Desk)
        builder.add_node("discovery", dg.graph)
        builder.add_node("decide", decide)
        builder.add_edge(START, "discovery")
        builder.add_edge("discovery", "decide")
        builder.add_edge("decide", END)
        graph = builder.compile(checkpointer=InMemorySaver())
        config: RunnableConfig = {"configurable": {"thread_id": "review-1"}}

        graph.invoke({"trade_date": DAY}, config)
        paused = graph.get_state(config, subgraphs=True)
        assert paused.next == ("discovery",)
        review = paused.tasks[0].state
        assert not isinstance(review, dict) and review is not None
        ranked = review.values["ranked_candidates"]
        assert [c["ticker"] for c in ranked] == ["NVDA", "AMD", "F"]

        # The reviewer drops AMD; the edit goes to the paused discovery run.
        graph.update_state(review.config, {"ranked_candidates": [ranked[0], ranked[2]]})
        final = graph.invoke(None, config)
    assert counting.calls == 2  # the scanners were not run again
    assert final["decision"] == ["NVDA", "F"]
    assert len(final["scanner_runs"]) == 2  # and their records arrive once
    assert len(final["tool_logs"]) == 2


def test_a_standalone_graph_pauses_before_rank_for_a_review() -> None:
    counting = Counting()
    scanners = [counting.scanner("movers", "NVDA", "AMD")]
    with DiscoveryGraph(
        None, scanners, checkpointer=InMemorySaver(), interrupt_before=["rank"]
    ) as dg:
        config: RunnableConfig = {"configurable": {"thread_id": "review-2"}}
        dg.graph.invoke({"trade_date": DAY}, config)
        paused = dg.graph.get_state(config)
        assert paused.next == ("rank",)
        kept = [c for c in paused.values["filtered_candidates"] if c["ticker"] != "NVDA"]
        dg.graph.update_state(config, {"filtered_candidates": kept})
        final = dg.graph.invoke(None, config)
    assert counting.calls == 1
    assert [c["ticker"] for c in final["ranked_candidates"]] == ["AMD"]
    assert len(final["scanner_runs"]) == 1


def test_interrupts_reach_compile() -> None:
    scanner = make_scanner("movers", lambda ctx: [])
    with DiscoveryGraph(None, [scanner], interrupt_before="*", interrupt_after=["rank"]) as dg:
        assert dg.graph.interrupt_before_nodes == "*"
        assert dg.graph.interrupt_after_nodes == ["rank"]
