"""A small trading workflow with discovery as its first node.

    START -> discovery (the DiscoveryGraph subgraph) -> analyst x N (one per top candidate,
    fanned out with Send) -> decide -> END

The parent state is ``MessagesState`` plus the discovery keys, an ``analyses`` list (each
analyst appends its one analysis) and a ``decision``. The analysts and the decision are
deterministic rules by default (they read each candidate's reasons and score breakdown); pass
any langchain chat model to have it write the analysts' notes and the final message instead.

Run offline on the bundled synthetic sample (2026-11-20) from the repository root::

    python examples/trading_workflow.py            # top 3 candidates
    python examples/trading_workflow.py --top 5 --date 2026-11-20

It imports only the installed ``tradingagents`` package, LangGraph and langchain-core.
"""

from __future__ import annotations

import argparse
import json
import operator
import sys
from collections.abc import Sequence
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer, Send
from typing_extensions import TypedDict

from tradingagents import DiscoveryGraph, DiscoveryState
from tradingagents.reports.explain import describe_source

#: The date of the bundled offline sample snapshot (the default config replays it).
SAMPLE_DATE = "2026-11-20"
#: How many ranked candidates get an analyst when the state does not say.
DEFAULT_TOP_N = 3
#: Stances an analyst takes, strongest first.
STANCES = ("buy", "watch", "pass")


class WorkflowState(MessagesState, DiscoveryState, total=False):
    """The workflow's state: messages, every discovery key, and what the analysts decide."""

    #: How many of the ranked candidates to analyse (default :data:`DEFAULT_TOP_N`).
    top_n: int
    #: One analysis per analysed candidate; parallel analysts each append theirs.
    analyses: Annotated[list[dict[str, Any]], operator.add]
    #: The decision node's verdict: ``picks``, ``watchlist``, ``passed`` (tickers) and ``text``.
    decision: dict[str, Any]


class AnalystInput(TypedDict):
    """What ``Send`` gives one analyst: its candidate and the run's date."""

    trade_date: str
    candidate: dict[str, Any]


def stance(candidate: dict[str, Any]) -> tuple[str, str]:
    """A rule-based stance and conviction from the candidate's priority, score and sources."""
    score = float(candidate.get("score") or 0.0)
    sources = len(candidate.get("sources") or [candidate.get("source")])
    priority = candidate.get("priority")
    if priority == "critical" or score >= 0.9 or (score >= 0.7 and sources > 1):
        view = "buy"
    elif score >= 0.5 or priority == "high":
        view = "watch"
    else:
        view = "pass"
    conviction = "high" if sources > 1 or score >= 0.95 else "medium" if score >= 0.6 else "low"
    return view, conviction


def drivers(candidate: dict[str, Any]) -> list[dict[str, Any]]:
    """Each source's weighted contribution to the score, largest first."""
    breakdown = candidate.get("score_breakdown") or {}
    parts = [
        {"source": s.get("source"), "priority": s.get("priority"), "weighted": s.get("weighted")}
        for s in breakdown.get("sources") or []
    ]
    return sorted(parts, key=lambda p: -float(p["weighted"] or 0.0))


def rule_analysis(candidate: dict[str, Any]) -> dict[str, Any]:
    """A short structured analysis of one ranked candidate, from its own fields only."""
    view, conviction = stance(candidate)
    reasons = list(candidate.get("contexts") or [candidate.get("context") or "no reason given"])
    found = drivers(candidate)
    lead = found[0]["source"] if found else candidate.get("source")
    # The leading source's own reason first, then the others.
    led = (candidate.get("by_source") or {}).get(lead, {}).get("context")
    if led in reasons:
        reasons.insert(0, reasons.pop(reasons.index(led)))
    breakdown = candidate.get("score_breakdown") or {}
    summary = (
        f"{view.upper()} {candidate['ticker']}: {reasons[0]} "
        f"(score {float(candidate.get('score') or 0.0):.2f}, led by {lead}"
        + (f", {breakdown['extra_sources']} confirming" if breakdown.get("extra_sources") else "")
        + ")"
    )
    return {
        "ticker": candidate["ticker"],
        "rank": candidate.get("rank"),
        "score": candidate.get("score"),
        "priority": candidate.get("priority"),
        "stance": view,
        "conviction": conviction,
        "reasons": reasons,
        "drivers": found,
        "summary": summary,
        "analyst": "rules",
    }


def model_name(model: BaseChatModel) -> str:
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def text_of(message: Any) -> str:
    """A chat model reply's text (content blocks joined)."""
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content.strip()
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content]
    return "".join(parts).strip()


def make_analyst(model: BaseChatModel | None) -> Any:
    def analyst(state: AnalystInput) -> dict[str, Any]:
        analysis = rule_analysis(state["candidate"])
        if model is not None:
            facts = {k: v for k, v in analysis.items() if k not in ("summary", "analyst")}
            reply = model.invoke(
                [
                    SystemMessage(
                        "You are an equity analyst. In two sentences, give your view of this "
                        "discovery candidate for the trade date, citing its reasons."
                    ),
                    HumanMessage(
                        f"Trade date {state['trade_date']}.\n"
                        + json.dumps(facts, sort_keys=True, default=str)
                    ),
                ]
            )
            analysis["summary"] = text_of(reply)
            analysis["analyst"] = model_name(model)
        return {"analyses": [analysis]}

    return analyst


def assign_analysts(state: WorkflowState) -> list[Send] | str:
    """One analyst per top-N ranked candidate; straight to the decision when there is none."""
    top = (state.get("ranked_candidates") or [])[: state.get("top_n", DEFAULT_TOP_N)]
    if not top:
        return "decide"
    return [Send("analyst", AnalystInput(trade_date=state["trade_date"], candidate=c)) for c in top]


def rule_decision_text(state: WorkflowState, analyses: Sequence[dict[str, Any]]) -> str:
    ranked = state.get("ranked_candidates") or []
    lines = [
        f"Decision for {state['trade_date']}: analysed the top {len(analyses)} "
        f"of {len(ranked)} ranked candidates."
    ]
    lines += [f"{a['rank']}. {a['summary']} [conviction {a['conviction']}]" for a in analyses]
    picks = [a["ticker"] for a in analyses if a["stance"] == "buy"]
    lines.append(f"Buy: {', '.join(picks)}." if picks else "No buy today.")
    return "\n".join(lines)


def make_decide(model: BaseChatModel | None) -> Any:
    def decide(state: WorkflowState) -> dict[str, Any]:
        # Parallel analysts append in no particular order: the decision reads them by rank.
        analyses = sorted(state.get("analyses") or [], key=lambda a: a.get("rank") or 0)
        by_stance = {
            view: [a["ticker"] for a in analyses if a["stance"] == view] for view in STANCES
        }
        if model is None:
            text = rule_decision_text(state, analyses)
        else:
            reply = model.invoke(
                [
                    SystemMessage(
                        "You are the portfolio manager. From the analysts' notes, state which "
                        "tickers to buy today and why, briefly."
                    ),
                    HumanMessage(json.dumps(analyses, sort_keys=True, default=str)),
                ]
            )
            text = text_of(reply)
        # A decision read on its own must say when its data is synthetic (the bundled sample).
        text = f"{describe_source(state.get('source'))}\n{text}"
        decision = {
            "trade_date": state["trade_date"],
            "picks": by_stance["buy"],
            "watchlist": by_stance["watch"],
            "passed": by_stance["pass"],
            "text": text,
        }
        return {"decision": decision, "messages": [AIMessage(text, name="decision")]}

    return decide


def build_workflow(
    model: BaseChatModel | None = None,
    checkpointer: Checkpointer = None,
    discovery: DiscoveryGraph | None = None,
    interrupt_after_discovery: bool = False,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled workflow: discovery, one analyst per top candidate, a decision.

    ``model``: any langchain chat model for the analysts' notes and the final message (rules
    when None). ``discovery``: the DiscoveryGraph to embed (the default one, replaying the
    bundled sample offline, when None; the caller closes one it passes). With
    ``interrupt_after_discovery`` (needs a ``checkpointer``) a run pauses once discovery is done,
    for a review; ``invoke(None, config)`` resumes it without running the scanners again.
    """
    if interrupt_after_discovery and checkpointer is None:
        raise ValueError("interrupt_after_discovery needs a checkpointer to resume from")
    if discovery is None:
        discovery = DiscoveryGraph()
    builder = StateGraph(WorkflowState)
    builder.add_node("discovery", discovery.graph)
    builder.add_node("analyst", make_analyst(model))
    builder.add_node("decide", make_decide(model))
    builder.add_edge(START, "discovery")
    builder.add_conditional_edges("discovery", assign_analysts, ["analyst", "decide"])
    builder.add_edge("analyst", "decide")
    builder.add_edge("decide", END)
    return builder.compile(
        checkpointer=checkpointer,
        interrupt_after=["discovery"] if interrupt_after_discovery else None,
        name="trading_workflow",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--date",
        default=SAMPLE_DATE,
        help="trade date, YYYY-MM-DD (the offline sample holds only the default)",
    )
    parser.add_argument("--top", type=int, default=DEFAULT_TOP_N, help="candidates to analyse")
    parser.add_argument(
        "--model",
        help="a chat model as provider:model (langchain's init_chat_model; needs the [llm] "
        "extra and the provider's package); rules when omitted",
    )
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error("--top must be at least 1")
    model: BaseChatModel | None = None
    if args.model:
        # Optional: the [llm] extra; only a run that names a model needs it.
        from langchain.chat_models import init_chat_model  # noqa: PLC0415

        model = init_chat_model(args.model)
    with DiscoveryGraph() as discovery:
        workflow = build_workflow(model=model, discovery=discovery)
        final = workflow.invoke(
            {
                "messages": [HumanMessage("Which of today's candidates should we trade?")],
                "trade_date": args.date,
                "top_n": args.top,
            }
        )
    print(final["messages"][-1].content)
    failed = [r["name"] for r in final["scanner_runs"] if r["status"] not in ("ok", "skipped")]
    if failed:
        print(
            f"note: {len(failed)} scanner(s) did not finish: {', '.join(failed)}", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
