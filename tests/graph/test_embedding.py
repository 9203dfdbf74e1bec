"""The graph as a graph runner embeds it: progress events on the stream, SQLite checkpoints."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver

from tests.helpers import make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.discovery.registry import ENTRY_POINT_GROUP
from tradingagents.graph.discovery_graph import DiscoveryGraph

SAMPLE_DATE = "2026-11-20"


def test_streams_progress_events_on_the_bundled_sample() -> None:
    builtin = sorted(
        ep.name
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
        if ep.value.startswith("tradingagents.")
    )
    with DiscoveryGraph() as dg:  # replay of the bundled offline sample
        events: list[dict[str, Any]] = list(
            dg.graph.stream({"trade_date": SAMPLE_DATE}, stream_mode="custom")
        )
    kinds = [e["event"] for e in events]
    assert kinds[0] == "discovery_started"
    assert kinds[-1] == "discovery_finished"
    assert kinds.count("discovery_started") == kinds.count("discovery_finished") == 1
    assert builtin
    assert sorted(events[0]["scanners"]) == builtin
    for kind in ("scanner_started", "scanner_finished"):
        names = [e.get("scanner") or e.get("name") for e in events if e["event"] == kind]
        assert sorted(map(str, names)) == builtin, kind
    assert set(events[-1]["statuses"]) == set(builtin)


@contextmanager
def sqlite_saver(path: Path) -> Iterator[SqliteSaver]:
    # check_same_thread=False: LangGraph may write checkpoints from its own threads.
    with closing(sqlite3.connect(path, check_same_thread=False)) as conn:
        yield SqliteSaver(conn)


def test_an_interrupted_run_resumes_from_the_sqlite_checkpoint(tmp_path: Path) -> None:
    calls: dict[str, int] = {"movers": 0, "insiders": 0}
    lock = threading.Lock()

    def counting(name: str, ticker: str, price: float) -> Any:
        def scan(ctx: ScanContext) -> list[dict[str, Any]]:
            with lock:
                calls[name] += 1
            return [{"ticker": ticker, "priority": "high", "context": name, "price": price}]

        return scan

    dg = DiscoveryGraph(
        {"discovery": {"filter": {"min_price": 1.0}}},
        [
            make_scanner("movers", counting("movers", "NVDA", 141.2)),
            make_scanner("insiders", counting("insiders", "PENNY", 0.4)),
        ],
    )
    db = tmp_path / "checkpoints.sqlite"
    config: RunnableConfig = {"configurable": {"thread_id": "discovery-2026-11-27"}}

    # First process: the graph stops after discover (as after a crash or a human review step).
    with sqlite_saver(db) as saver:
        graph = dg.graph.builder.compile(checkpointer=saver, interrupt_before=["filter"])
        graph.invoke({"trade_date": "2026-11-27"}, config)
        saved = graph.get_state(config)
    assert saved.next == ("filter",)
    assert {c["ticker"] for c in saved.values["candidates"]} == {"NVDA", "PENNY"}
    assert {r["name"]: r["status"] for r in saved.values["scanner_runs"]} == {
        "movers": "ok",
        "insiders": "ok",
    }
    assert "ranked_candidates" not in saved.values
    assert saved.values["source"]["snapshot"] == "sample"  # provenance is checkpointed too
    assert calls == {"movers": 1, "insiders": 1}

    # A new connection to the same file (as a new process would open) resumes the thread.
    with sqlite_saver(db) as saver:
        graph = dg.graph.builder.compile(checkpointer=saver, interrupt_before=["filter"])
        final = graph.invoke(None, config)
        done = graph.get_state(config)
    assert calls == {"movers": 1, "insiders": 1}  # the scanners were not run again
    assert done.next == ()
    assert [c["ticker"] for c in final["ranked_candidates"]] == ["NVDA"]
    assert done.values["ranked_candidates"] == final["ranked_candidates"]
    assert final["source"] == saved.values["source"]
    assert [r["ticker"] for r in done.values["filter_rejections"]] == ["PENNY"]
    dg.close()


def test_discovery_graph_takes_a_sqlite_checkpointer(tmp_path: Path) -> None:
    config: RunnableConfig = {"configurable": {"thread_id": "day-1"}}
    with sqlite_saver(tmp_path / "checkpoints.sqlite") as saver:
        scanner = make_scanner(
            "movers", lambda ctx: [{"ticker": "F", "priority": "low", "context": "x"}]
        )
        with DiscoveryGraph(None, [scanner], checkpointer=saver) as dg:
            state = dg.run("2026-11-27", config=config)
            saved = dg.graph.get_state(config)
            history = list(dg.graph.get_state_history(config))
    assert saved.next == ()
    assert saved.values["ranked_candidates"] == state["ranked_candidates"]
    # One checkpoint after the input, then one per node: discover, filter, rank.
    assert len(history) >= 4
