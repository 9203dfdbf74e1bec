"""The seed project's config maps onto ours (ignored keys named), and our state onto its result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tradingagents.compat import IgnoredKey, from_legacy_config, to_legacy_result
from tradingagents.config import load_config
from tradingagents.errors import ConfigError
from tradingagents.graph.discovery_graph import DiscoveryGraph


def legacy_config(cache_dir: Path) -> dict[str, Any]:
    """A config as the seed project's users have it: its DEFAULT_CONFIG shape, edited."""
    return {
        "results_dir": "./results",
        "llm_provider": "openai",
        "discovery": {
            "discovery_mode": "hybrid",
            "max_candidates_to_analyze": 12,
            "analyze_all_candidates": False,
            "final_recommendations": 5,
            "log_tool_calls": True,
            "log_tool_calls_console": False,
            "tool_log_max_chars": 10_000,
            "ohlcv_cache_dir": str(cache_dir),
            "scanner_execution": {
                "concurrent": True,
                "max_workers": 4,
                "timeout_seconds": 20,
                "retry_failed": True,
            },
            "filters": {"min_average_volume": 500_000, "min_price": 2.0},
            "enrichment": {"batch_news_vendor": "google", "news_lookback_days": 0.5},
            "pipelines": {
                "momentum": {"enabled": True, "priority": 1, "ranker_prompt": "Rank momentum."},
                "social": {"enabled": False, "priority": 4},
                "ipo": {"enabled": True, "priority": 5},
            },
            "scanners": {
                "market_movers": {"enabled": True, "pipeline": "momentum", "limit": 15},
                "insider_buying": {"pipeline": "edge", "lookback_days": 7, "min_value": 50_000},
                "reddit_trending": {"enabled": False, "pipeline": "social"},
                "ml_signal": {"enabled": True, "pipeline": "momentum"},
            },
        },
    }


def test_legacy_config_maps_what_has_an_equivalent(tmp_path: Path) -> None:
    ours, _ = from_legacy_config(legacy_config(tmp_path))
    assert ours == {
        "discovery": {
            "rank": {"max_candidates": 12},
            "cache_dir": str(tmp_path),
            "scanner_execution": {"concurrent": True, "max_workers": 4, "timeout_seconds": 20},
            "filter": {"min_price": 2.0},
            "pipelines": {"momentum": {"enabled": True}, "social": {"enabled": False}},
            "scanners": {
                "market_movers": {"enabled": True, "limit": 15},
                "insider_buying": {"lookback_days": 7, "min_value": 50_000},
                "reddit_trending": {"enabled": False},
            },
        }
    }


def test_legacy_config_names_every_ignored_key_with_its_reason(tmp_path: Path) -> None:
    _, ignored = from_legacy_config(legacy_config(tmp_path))
    reasons = {key.path: key.reason for key in ignored}
    assert sorted(reasons) == [
        "discovery.analyze_all_candidates",
        "discovery.discovery_mode",
        "discovery.enrichment",
        "discovery.filters.min_average_volume",
        "discovery.final_recommendations",
        "discovery.log_tool_calls",
        "discovery.log_tool_calls_console",
        "discovery.pipelines.ipo",
        "discovery.pipelines.momentum.priority",
        "discovery.pipelines.momentum.ranker_prompt",
        "discovery.pipelines.social.priority",
        "discovery.scanner_execution.retry_failed",
        "discovery.scanners.insider_buying.pipeline",
        "discovery.scanners.market_movers.pipeline",
        "discovery.scanners.ml_signal",
        "discovery.scanners.reddit_trending.pipeline",
        "discovery.tool_log_max_chars",
        "llm_provider",
        "results_dir",
    ]
    assert all(isinstance(key, IgnoredKey) and key.reason for key in ignored)
    assert "every enabled scanner runs" in reasons["discovery.discovery_mode"]
    assert "always recorded" in reasons["discovery.log_tool_calls"]
    assert "ordered by their own priority" in reasons["discovery.pipelines.momentum.priority"]
    assert "one prompt" in reasons["discovery.pipelines.momentum.ranker_prompt"]
    assert reasons["discovery.scanners.ml_signal"] == "no scanner named 'ml_signal' here"
    assert reasons["discovery.pipelines.ipo"].startswith("no such pipeline here (edge, events")
    assert "max_workers" in reasons["discovery.scanner_execution.retry_failed"]
    assert reasons["llm_provider"] == "outside the discovery section: not used here"


def test_the_mapped_config_loads_and_runs(tmp_path: Path) -> None:
    legacy = legacy_config(tmp_path)
    # As it is, our loader rejects the seed's config outright.
    with pytest.raises(ConfigError):
        load_config({"discovery": legacy["discovery"]})
    ours, _ = from_legacy_config(legacy)
    config = load_config(ours)
    assert config.rank.max_candidates == 12
    assert config.scanner_execution.max_workers == 4
    assert not config.pipeline_enabled("social")
    graph = DiscoveryGraph(ours)
    state = graph.run("2026-11-20")
    runs = {run["name"]: run for run in state["scanner_runs"]}
    assert runs["reddit_trending"]["status"] == "skipped"
    assert len(state["ranked_candidates"]) == 12


def test_a_discovery_section_alone_is_accepted(tmp_path: Path) -> None:
    section = legacy_config(tmp_path)["discovery"]
    ours, ignored = from_legacy_config(section)
    assert ours == from_legacy_config(legacy_config(tmp_path))[0]
    assert "results_dir" not in {key.path for key in ignored}


def test_a_sample_run_in_the_seed_result_shape() -> None:
    state = DiscoveryGraph().run("2026-11-20")
    result = to_legacy_result(state)
    ranked = state["ranked_candidates"]
    assert set(result) == {"final_ranking", "tickers", "candidate_metadata"}
    assert result["tickers"] == [c["ticker"] for c in ranked]
    assert [entry["rank"] for entry in result["final_ranking"]] == list(range(1, len(ranked) + 1))
    first, top = result["final_ranking"][0], ranked[0]
    assert first == {
        "rank": 1,
        "ticker": top["ticker"],
        "score": top["score"],
        "priority": top["priority"],
        "reason": top["context"],
        "strategy_match": top["score_breakdown"]["best_source"],
        "sources": top["sources"],
    }
    assert list(result["candidate_metadata"]) == result["tickers"]
    meta = result["candidate_metadata"][top["ticker"]]
    assert "rank" not in meta
    assert meta == {key: value for key, value in top.items() if key != "rank"}
    # A multi-scanner ticker shows every source, and its best one as the strategy.
    multi = [e for e in result["final_ranking"] if len(e["sources"]) > 1]
    assert multi
    assert all(e["strategy_match"] in e["sources"] for e in multi)


def test_an_llm_reason_is_the_reason() -> None:
    state = {
        "ranked_candidates": [
            {
                "ticker": "F",
                "rank": 1,
                "priority": "high",
                "score": 0.7,
                "context": "volume spike",
                "source": "volume_accumulation",
                "sources": ["volume_accumulation"],
                "llm_reason": "cheap and moving",
                "llm_score": 0.9,
            }
        ]
    }
    (entry,) = to_legacy_result(state)["final_ranking"]
    assert (entry["reason"], entry["score"], entry["strategy_match"]) == (
        "cheap and moving",
        0.7,
        "volume_accumulation",
    )
    assert to_legacy_result({}) == {"final_ranking": [], "tickers": [], "candidate_metadata": {}}
