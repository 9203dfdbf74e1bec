"""Per-run settings in ``config["configurable"]["discovery"]``, and the langgraph.json factory."""

from __future__ import annotations

import importlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from tests.helpers import make_scanner
from tradingagents.discovery import ScanContext
from tradingagents.errors import ConfigError
from tradingagents.graph import DiscoveryGraph, DiscoveryState, make_graph

SAMPLE_DATE = "2026-11-20"
ROOT = Path(__file__).resolve().parents[2]


def per_run(discovery: dict[str, Any]) -> RunnableConfig:
    return {"configurable": {"discovery": discovery}}


def statuses(state: dict[str, Any]) -> dict[str, str]:
    return {r["name"]: r["status"] for r in state["scanner_runs"]}


def test_a_runs_settings_apply_to_that_run_only(sample: DiscoveryGraph) -> None:
    override = {
        "scanner_execution": {"max_workers": 1, "timeout_seconds": 5},
        "scanners": {"reddit_trending": {"enabled": False}},
        "rank": {"max_candidates": 3},
    }
    state = sample.graph.invoke({"trade_date": SAMPLE_DATE}, per_run(override))
    runs = {r["name"]: r for r in state["scanner_runs"]}
    assert runs["reddit_trending"]["status"] == "skipped"
    assert "discovery.scanners.reddit_trending.enabled" in runs["reddit_trending"]["reason"]
    assert {r["timeout_s"] for n, r in runs.items() if n != "reddit_trending"} == {5.0}
    assert len(state["ranked_candidates"]) == 3

    # The graph's own config is untouched: the next run without overrides is the default one.
    default = sample.graph.invoke({"trade_date": SAMPLE_DATE})
    assert statuses(default)["reddit_trending"] == "ok"
    assert len(default["ranked_candidates"]) > 3
    assert sample.config.scanners.get("reddit_trending") is None or (
        sample.config.scanners["reddit_trending"].enabled
    )


def test_run_and_a_parent_graph_pass_the_settings_down(sample: DiscoveryGraph) -> None:
    off = per_run({"scanners": {"market_movers": {"enabled": False}}})
    assert statuses(sample.run(SAMPLE_DATE, config=off))["market_movers"] == "skipped"

    builder = StateGraph(DiscoveryState)
    builder.add_node("discovery", sample.graph)
    builder.add_edge(START, "discovery")
    builder.add_edge("discovery", END)
    state = builder.compile().invoke({"trade_date": SAMPLE_DATE}, off)
    assert statuses(state)["market_movers"] == "skipped"


def test_max_workers_one_runs_the_scanners_one_at_a_time() -> None:
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def scan(ctx: ScanContext) -> list[Any]:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        threading.Event().wait(0.05)
        with lock:
            running[0] -= 1
        return []

    scanners = [make_scanner(name, scan) for name in ("a", "b", "c")]
    with DiscoveryGraph({"discovery": {"scanner_execution": {"max_workers": 3}}}, scanners) as dg:
        dg.graph.invoke({"trade_date": SAMPLE_DATE})
        assert peak[0] > 1
        peak[0] = 0
        dg.graph.invoke(
            {"trade_date": SAMPLE_DATE}, per_run({"scanner_execution": {"max_workers": 1}})
        )
        assert peak[0] == 1


@pytest.mark.parametrize(
    ("override", "path", "words"),
    [
        (
            {"scanner_execution": {"max_wrkers": 1}},
            "discovery.scanner_execution.max_wrkers",
            "max_workers",
        ),
        ({"scanners": {"nope": {"enabled": False}}}, "discovery.scanners.nope", "no scanner"),
        ({"scanners": {"counted": {"bogus": 1}}}, "discovery.scanners.counted.bogus", ""),
        ({"rank": {"max_candidates": "many"}}, "discovery.rank.max_candidates", ""),
        ({"source": {"mode": "live"}}, "discovery.source", "fixed when the graph is built"),
    ],
)
def test_a_bad_per_run_key_is_a_config_error_before_any_scanner_starts(
    override: dict[str, Any], path: str, words: str
) -> None:
    calls: list[str] = []

    def counted(ctx: ScanContext) -> list[Any]:
        calls.append(ctx.scanner)
        return []

    scanner = make_scanner("counted", counted)
    with DiscoveryGraph(None, [scanner]) as dg, pytest.raises(ConfigError) as info:
        dg.graph.invoke({"trade_date": SAMPLE_DATE}, per_run(override))
    assert calls == []
    assert [p.path for p in info.value.problems] == [path]
    assert words in str(info.value)
    assert 'config["configurable"]["discovery"]' in str(info.value)


def test_a_per_run_table_that_is_not_a_mapping_is_a_config_error(sample: DiscoveryGraph) -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        sample.graph.invoke({"trade_date": SAMPLE_DATE}, {"configurable": {"discovery": 3}})


def test_langgraph_json_names_the_factory_and_the_factory_reads_the_config() -> None:
    spec = json.loads((ROOT / "langgraph.json").read_text())
    module, _, name = spec["graphs"]["discovery"].rpartition(":")
    factory = getattr(importlib.import_module(module), name)
    assert factory is make_graph

    graph = factory(per_run({"rank": {"max_candidates": 2}, "cache_dir": None}))
    assert len(graph.invoke({"trade_date": SAMPLE_DATE})["ranked_candidates"]) == 2
    default = make_graph()
    assert len(default.invoke({"trade_date": SAMPLE_DATE})["ranked_candidates"]) > 2
    with pytest.raises(ConfigError):
        make_graph(per_run({"rnak": {}}))
