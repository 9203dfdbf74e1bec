"""Discovery as a node of real parent graphs: each run's logs and records arrive exactly once."""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Send
from typing_extensions import TypedDict

from tests.helpers import BUILTINS, make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.state import DiscoveryState, add_entries, merge_candidates

SAMPLE_DATE = "2026-11-20"
EARLIER_LOG: dict[str, Any] = {"scanner": "earlier", "tool": "x", "parameters": {}, "output": None}
EARLIER_RUN: dict[str, Any] = {"name": "earlier", "status": "ok"}


class Parent(DiscoveryState, total=False):
    """A trading workflow's state: the discovery keys plus its own."""

    decision: str


def parent_graph(dg: DiscoveryGraph, **compile_kwargs: Any) -> Any:
    def decide(state: Parent) -> dict[str, Any]:
        top = state.get("ranked_candidates") or [{"ticker": "none"}]
        return {"decision": f"look at {top[0]['ticker']}"}

    builder = StateGraph(Parent)
    builder.add_node("discovery", dg.graph)
    builder.add_node("decide", decide)
    builder.add_edge(START, "discovery")
    builder.add_edge("discovery", "decide")
    builder.add_edge("decide", END)
    return builder.compile(**compile_kwargs)


def test_run_returns_the_whole_state_and_the_graph_only_what_a_run_adds(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    assert len(sample_run["scanner_runs"]) == len(BUILTINS)
    assert sample_run["tool_logs"]
    assert sample_run["trade_date"] == SAMPLE_DATE
    assert sample_run["source"]["snapshot"] == "sample"
    output = sample.graph.invoke({"trade_date": SAMPLE_DATE})
    assert "trade_date" not in output
    assert {k: v for k, v in sample_run.items() if k != "trade_date"}.keys() == output.keys()


def test_a_parent_that_already_holds_a_log_and_a_run_gets_this_runs_entries_once(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    final = parent_graph(sample).invoke(
        {"trade_date": SAMPLE_DATE, "tool_logs": [EARLIER_LOG], "scanner_runs": [EARLIER_RUN]}
    )
    assert final["tool_logs"][0] == EARLIER_LOG
    assert final["tool_logs"].count(EARLIER_LOG) == 1
    assert len(final["tool_logs"]) == 1 + len(sample_run["tool_logs"])
    assert [r["name"] for r in final["scanner_runs"]] == ["earlier", *BUILTINS]
    assert final["trade_date"] == SAMPLE_DATE
    assert final["decision"] == f"look at {sample_run['ranked_candidates'][0]['ticker']}"
    # Candidates still merge: one entry per ticker.
    tickers = [c["ticker"] for c in final["candidates"]]
    assert tickers == [c["ticker"] for c in sample_run["candidates"]]


def test_a_second_run_on_a_checkpointed_thread_adds_only_its_own_entries(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    graph = parent_graph(sample, checkpointer=InMemorySaver())
    config: RunnableConfig = {"configurable": {"thread_id": "desk-1"}}
    first = graph.invoke({"trade_date": SAMPLE_DATE}, config)
    assert len(first["scanner_runs"]) == 9
    assert len(first["tool_logs"]) == len(sample_run["tool_logs"])
    second = graph.invoke({"trade_date": SAMPLE_DATE}, config)
    assert len(second["scanner_runs"]) == 2 * 9 == 18
    assert len(second["tool_logs"]) == 2 * len(sample_run["tool_logs"])
    assert [c["ticker"] for c in second["candidates"]] == [
        c["ticker"] for c in sample_run["candidates"]
    ]
    assert graph.get_state(config).values["scanner_runs"] == second["scanner_runs"]


class Week(TypedDict, total=False):
    """A parent that runs discovery for several dates at once, declaring the reducer keys."""

    trade_date: str
    dates: list[str]
    candidates: Annotated[list[dict[str, Any]], merge_candidates]
    tool_logs: Annotated[list[dict[str, Any]], add_entries]
    scanner_runs: Annotated[list[dict[str, Any]], add_entries]


def dated(name: str, ticker: str) -> type:
    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        ctx.log_tool_call("quote", {"day": ctx.trade_date.isoformat()}, output=ticker)
        return [{"ticker": ticker, "priority": "high", "context": f"{name} {ctx.trade_date}"}]

    return make_scanner(name, scan)


def test_two_discovery_subgraphs_in_parallel_branches_each_contribute_once() -> None:
    days = ["2026-11-19", "2026-11-20"]
    with DiscoveryGraph(None, [dated("movers", "NVDA"), dated("insiders", "AAPL")]) as dg:

        def fan_out(state: Week) -> list[Send]:
            return [Send("discovery", {"trade_date": day}) for day in state["dates"]]

        builder = StateGraph(Week)
        builder.add_node("discovery", dg.graph)
        builder.add_conditional_edges(START, fan_out, ["discovery"])
        builder.add_edge("discovery", END)
        final = builder.compile().invoke(
            {"trade_date": "2026-11-21", "dates": days, "tool_logs": [EARLIER_LOG]}
        )
    assert final["trade_date"] == "2026-11-21"  # the parent's own, untouched
    assert final["tool_logs"][0] == EARLIER_LOG
    logged = sorted((e["scanner"], e["parameters"]["day"]) for e in final["tool_logs"][1:])
    assert logged == sorted((s, d) for s in ("movers", "insiders") for d in days)
    assert sorted(r["name"] for r in final["scanner_runs"]) == ["insiders"] * 2 + ["movers"] * 2
    assert [c["ticker"] for c in final["candidates"]] == ["NVDA", "AAPL"]
    assert sorted(final["candidates"][0]["contexts"]) == [f"movers {d}" for d in days]


def test_discovery_state_composes_with_messages_state(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    # Defined here: on a typing.TypedDict state this class statement itself raises.
    class Desk(MessagesState, DiscoveryState):
        pass

    def report(state: Desk) -> dict[str, Any]:
        ranked = state.get("ranked_candidates") or []
        return {"messages": [AIMessage(f"{len(ranked)} candidates")]}

    builder = StateGraph(Desk)
    builder.add_node("discovery", sample.graph)
    builder.add_node("report", report)
    builder.add_edge(START, "discovery")
    builder.add_edge("discovery", "report")
    builder.add_edge("report", END)
    question: Desk = {
        "messages": [HumanMessage("what should we look at?")],
        "trade_date": SAMPLE_DATE,
    }
    final = builder.compile().invoke(question)
    assert [m.type for m in final["messages"]] == ["human", "ai"]
    assert final["messages"][1].content == f"{len(sample_run['ranked_candidates'])} candidates"
    assert len(final["scanner_runs"]) == 9
    assert len(final["tool_logs"]) == len(sample_run["tool_logs"])


def test_the_state_module_exports_its_reducers() -> None:
    assert add_entries([{"a": 1}], [{"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert add_entries(None, None) == []
    assert [c["ticker"] for c in merge_candidates([{"ticker": "F"}], [{"ticker": "F"}])] == ["F"]
