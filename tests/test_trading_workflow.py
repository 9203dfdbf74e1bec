"""The shipped example workflow (examples/trading_workflow.py) under real graph runners."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from syrupy.assertion import SnapshotAssertion

from examples.trading_workflow import SAMPLE_DATE, build_workflow
from tests.helpers import BUILTINS, make_scanner
from tradingagents import DiscoveryGraph, Scanner
from tradingagents.discovery.registry import load_registry

# The first line of every decision on the bundled sample: its candidates are not market data.
SYNTHETIC = (
    "Data: replay of the bundled sample snapshot (synthetic data, generated) — not market data."
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "trading_workflow.py"


def top(sample_run: dict[str, Any], n: int) -> list[str]:
    return [c["ticker"] for c in sample_run["ranked_candidates"][:n]]


def check_final(final: dict[str, Any], sample_run: dict[str, Any], n: int) -> None:
    """One analysis per top-n candidate, discovery's logs and records once, a final message."""
    assert sorted(a["ticker"] for a in final["analyses"]) == sorted(top(sample_run, n))
    assert len(final["analyses"]) == n
    assert len(final["scanner_runs"]) == len(BUILTINS) == 9
    assert [r["name"] for r in final["scanner_runs"]] == BUILTINS
    assert len(final["tool_logs"]) == len(sample_run["tool_logs"])
    decision = final["decision"]
    assert sorted(decision["picks"] + decision["watchlist"] + decision["passed"]) == sorted(
        top(sample_run, n)
    )
    assert final["messages"][-1].type == "ai"
    assert final["messages"][-1].content == decision["text"]


def test_invoke_analyses_each_top_candidate_once(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    final = build_workflow(discovery=sample).invoke({"trade_date": SAMPLE_DATE, "top_n": 4})
    check_final(final, sample_run, 4)
    first = min(final["analyses"], key=lambda a: a["rank"])
    leader = sample_run["ranked_candidates"][0]
    assert first["ticker"] == leader["ticker"]
    assert first["score"] == leader["score"]
    assert first["stance"] in ("buy", "watch", "pass")
    assert set(first["reasons"]) == set(leader["contexts"])
    assert [d["source"] for d in first["drivers"]] == [
        s["source"] for s in leader["score_breakdown"]["sources"]
    ]
    data, decision = final["decision"]["text"].split("\n", 1)
    assert data == SYNTHETIC
    assert decision.startswith(f"Decision for {SAMPLE_DATE}: analysed the top 4")


def test_stream_shows_discovery_progress_from_the_subgraph(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    finished: list[str] = []
    updated: list[str] = []
    for namespace, mode, chunk in build_workflow(discovery=sample).stream(
        {"trade_date": SAMPLE_DATE, "top_n": 2},
        subgraphs=True,
        stream_mode=["custom", "updates"],
    ):
        assert isinstance(chunk, dict)
        if mode == "custom" and chunk.get("event") == "scanner_finished":
            assert len(namespace) == 1
            assert namespace[0].startswith("discovery:")  # from inside the subgraph
            finished.append(chunk["scanner"])
        elif mode == "updates" and namespace == ():
            updated.extend(chunk)
    assert sorted(finished) == BUILTINS
    assert updated == ["discovery", "analyst", "analyst", "decide"]


def test_no_candidates_goes_straight_to_the_decision() -> None:
    quiet = make_scanner("quiet", lambda ctx: [])
    with DiscoveryGraph(None, [quiet]) as dg:
        final = build_workflow(discovery=dg).invoke({"trade_date": SAMPLE_DATE})
    assert final["analyses"] == []
    assert [r["name"] for r in final["scanner_runs"]] == ["quiet"]
    assert final["decision"]["picks"] == []
    assert final["messages"][-1].content.endswith("top 0 of 0 ranked candidates.\nNo buy today.")


class CountingScanners:
    """The built-in scanners, each counting its scan() calls (a spy: resumes must not scan)."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def scanners(self) -> list[type[Scanner]]:
        def counting(cls: type[Scanner]) -> type[Scanner]:
            def scan(scanner: Scanner, ctx: Any) -> Any:
                with self.lock:
                    self.calls += 1
                return cls.scan(scanner, ctx)

            return type(cls.__name__, (cls,), {"scan": scan})

        return [counting(cls) for cls in load_registry().scanners]


def test_sqlite_checkpoint_pause_after_discovery_and_resume_in_a_new_saver(
    tmp_path: Path, sample_run: dict[str, Any]
) -> None:
    spy = CountingScanners()
    database = str(tmp_path / "workflow.sqlite")
    config: RunnableConfig = {"configurable": {"thread_id": "desk-1"}}
    with DiscoveryGraph(None, spy.scanners()) as dg:
        with SqliteSaver.from_conn_string(database) as saver:
            workflow = build_workflow(
                checkpointer=saver, discovery=dg, interrupt_after_discovery=True
            )
            paused = workflow.invoke({"trade_date": SAMPLE_DATE, "top_n": 3}, config)
            assert spy.calls == 9
            assert paused.get("analyses", []) == []  # paused before the analysts
            assert "decision" not in paused
            state = workflow.get_state(config)
            assert state.next == ("analyst", "analyst", "analyst")
            assert len(state.values["scanner_runs"]) == 9
        # A new connection to the same file (as after a restart) resumes the paused thread.
        with SqliteSaver.from_conn_string(database) as saver:
            workflow = build_workflow(
                checkpointer=saver, discovery=dg, interrupt_after_discovery=True
            )
            final = workflow.invoke(None, config)
    assert spy.calls == 9  # the scanners did not run again
    check_final(final, sample_run, 3)


def test_ainvoke(sample: DiscoveryGraph, sample_run: dict[str, Any]) -> None:
    final = asyncio.run(
        build_workflow(discovery=sample).ainvoke({"trade_date": SAMPLE_DATE, "top_n": 2})
    )
    check_final(final, sample_run, 2)


class EchoModel(BaseChatModel):
    """A chat model that answers with a fixed prefix and the first line of the last message."""

    prefix: str = "echo"

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        first = str(messages[-1].content).splitlines()[0]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(f"{self.prefix}|{first}"))])


def test_a_chat_model_writes_the_notes_and_the_final_message(
    sample: DiscoveryGraph, sample_run: dict[str, Any]
) -> None:
    final = build_workflow(model=EchoModel(), discovery=sample).invoke(
        {"trade_date": SAMPLE_DATE, "top_n": 2}
    )
    check_final(final, sample_run, 2)
    assert {a["summary"] for a in final["analyses"]} == {f"echo|Trade date {SAMPLE_DATE}."}
    assert {a["analyst"] for a in final["analyses"]} == {"EchoModel"}
    data, decision = final["decision"]["text"].split("\n", 1)
    assert data == SYNTHETIC
    assert decision.startswith("echo|[")  # the analyses, as JSON


def test_mermaid_drawing_of_the_parent_graph(
    sample: DiscoveryGraph, snapshot: SnapshotAssertion
) -> None:
    drawing = build_workflow(discovery=sample).get_graph(xray=True).draw_mermaid(with_styles=False)
    assert drawing == snapshot


@pytest.mark.slow
def test_the_example_runs_as_a_script_from_the_repository_root() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE.relative_to(ROOT)), "--top", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data, *lines = done.stdout.splitlines()
    assert data == SYNTHETIC
    assert lines[0] == f"Decision for {SAMPLE_DATE}: analysed the top 3 of 23 ranked candidates."
    assert [line.split(" ")[2].rstrip(":") for line in lines[1:4]] == ["BJ", "DVN", "WBA"]
    assert lines[-1].startswith(("Buy: ", "No buy today."))
