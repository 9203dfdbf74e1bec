"""Config: merged over the defaults, validated before any scanner runs, errors name key paths."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from tests.helpers import make_scanner, returning, runs_by_name
from tradingagents.config import (
    BUILTIN_PIPELINES,
    BUILTIN_SCANNERS,
    DEFAULT_UNIVERSE,
    CacheConfig,
    DiscoveryConfig,
    RateLimitConfig,
    ResilienceConfig,
    ScannerSettings,
    deep_merge,
    load_config,
    validate_discovery,
    without,
)
from tradingagents.default_config import DEFAULT_CONFIG
from tradingagents.discovery import ScanContext, ScannerParams
from tradingagents.errors import ConfigError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.validation import did_you_mean, known_keys


class GapParams(ScannerParams):
    min_gap_pct: float = 3.0


def test_partial_config_is_merged_over_the_defaults_without_mutating_them() -> None:
    before = repr(DEFAULT_CONFIG)
    config = load_config(
        {"discovery": {"scanner_execution": {"max_workers": 3}}, "llm_provider": "x"}
    )
    assert config.scanner_execution.max_workers == 3
    assert config.scanner_execution.timeout_seconds == 30
    assert config.scanner_execution.concurrent is True
    assert config.scanner_execution.global_timeout_seconds is None
    assert config.rank.max_candidates == 25
    assert repr(DEFAULT_CONFIG) == before


def test_the_models_are_the_one_source_of_the_defaults() -> None:
    defaults = DiscoveryConfig()
    assert load_config({}) == defaults
    assert load_config(None) == defaults
    assert load_config(DEFAULT_CONFIG) == defaults
    assert {"discovery": defaults.model_dump(mode="json")} == DEFAULT_CONFIG
    # The universe the bundled sample snapshot was generated for, in both forms.
    assert defaults.universe == DEFAULT_UNIVERSE
    assert len(DEFAULT_UNIVERSE) == 24
    assert DEFAULT_CONFIG["discovery"]["universe"] == list(DEFAULT_UNIVERSE)
    # Scanner and pipeline settings default to their models', not to copies per name.
    assert defaults.scanners == {} and defaults.pipelines == {}


def test_builtin_names_are_the_registered_scanners_and_their_pipelines() -> None:
    from tradingagents.discovery.registry import load_registry

    builtin = [cls for cls in load_registry().scanners if cls.name in BUILTIN_SCANNERS]
    assert sorted(cls.name for cls in builtin) == sorted(BUILTIN_SCANNERS)
    assert {cls.pipeline for cls in builtin} == set(BUILTIN_PIPELINES)


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """``model`` and every model its fields hold, directly or as table values."""
    found = [model]
    for info in model.model_fields.values():
        for inner in (info.annotation, *getattr(info.annotation, "__args__", ())):
            if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in found:
                found += [m for m in _models(inner) if m not in found]
    return found


def test_every_config_field_has_a_one_line_description() -> None:
    models = _models(DiscoveryConfig)
    assert ScannerSettings in models
    assert len(models) > 10
    for model in models:
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no description"
            assert "\n" not in info.description, f"{model.__name__}.{name}: one line"


def test_deep_merge_replaces_scalars_and_lists_and_merges_mappings() -> None:
    base: dict[str, Any] = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    merged = deep_merge(base, {"a": {"c": [3]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}
    merged["a"]["c"].append(4)
    assert base["a"]["c"] == [1, 2]


@pytest.mark.parametrize(
    ("discovery", "path", "fragment"),
    [
        (
            {"scanner_execution": {"max_workers": 0}},
            "discovery.scanner_execution.max_workers",
            "greater than 0",
        ),
        (
            {"scanner_execution": {"timeout_seconds": -1}},
            "discovery.scanner_execution.timeout_seconds",
            "greater than 0",
        ),
        (
            {"scanner_execution": {"global_timeout_seconds": 0}},
            "discovery.scanner_execution.global_timeout_seconds",
            "greater than 0",
        ),
        (
            {"scanner_execution": {"max_workers": "eight"}},
            "discovery.scanner_execution.max_workers",
            "'eight'",
        ),
        (
            {"scanner_execution": {"concurrent": "yes"}},
            "discovery.scanner_execution.concurrent",
            "boolean",
        ),
        (
            {"scanner_execution": {"max_worker": 4}},
            "discovery.scanner_execution.max_worker",
            "unknown key",
        ),
        ({"bogus": 1}, "discovery.bogus", "unknown key"),
        ({"scanners": {"gappers": {"limit": "10"}}}, "discovery.scanners.gappers.limit", "integer"),
        (
            {"scanners": {"gappers": {"min_gap": 2}}},
            "discovery.scanners.gappers.min_gap",
            "unknown key",
        ),
        (
            {"scanners": {"gappers": {"min_gap_pct": "big"}}},
            "discovery.scanners.gappers.min_gap_pct",
            "number",
        ),
        (
            {"scanners": {"gapers": {"enabled": False}}},
            "discovery.scanners.gapers",
            "no scanner named 'gapers'",
        ),
        (
            {"pipelines": {"momentum": {"enabled": "no"}}},
            "discovery.pipelines.momentum.enabled",
            "boolean",
        ),
        (
            {"pipelines": {"momentun": {"enabled": False}}},
            "discovery.pipelines.momentun",
            "no scanner is in pipeline",
        ),
        (
            {"filter": {"exclude_tickers": ["not a ticker"]}},
            "discovery.filter.exclude_tickers",
            "invalid ticker",
        ),
    ],
)
def test_bad_config_gives_one_clear_error_naming_the_key_path(
    discovery: dict[str, Any], path: str, fragment: str
) -> None:
    ran: list[str] = []

    def scan(ctx: ScanContext) -> list[Any]:
        ran.append(ctx.scanner)
        return []

    gappers = make_scanner("gappers", scan, pipeline="momentum", params=GapParams)
    with pytest.raises(ConfigError) as info:
        DiscoveryGraph({"discovery": discovery}, [gappers]).run("2026-11-27")
    message = str(info.value)
    assert f"{path}: " in message
    assert fragment in message
    assert [p.path for p in info.value.problems] == [path]
    assert ran == []  # validated before any scanner runs


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(
            {"discovery": {"scanner_execution": {"max_workers": 0, "timeout_seconds": "x"}}}
        )
    assert {p.path for p in info.value.problems} == {
        "discovery.scanner_execution.max_workers",
        "discovery.scanner_execution.timeout_seconds",
    }


@pytest.mark.parametrize("bad", [["not", "a", "mapping"], {"discovery": [1]}])
def test_non_mapping_config_is_a_config_error(bad: Any) -> None:
    with pytest.raises(ConfigError):
        load_config(bad)


def test_scanner_params_are_typed_and_reach_the_scanner_read_only() -> None:
    seen: dict[str, Any] = {}

    def scan(ctx: ScanContext) -> list[Any]:
        seen.update(ctx.config)
        return []

    gappers = make_scanner("gappers", scan, params=GapParams)
    config = {
        "discovery": {"scanners": {"gappers": {"min_gap_pct": 5, "limit": 3, "timeout_seconds": 2}}}
    }
    dg = DiscoveryGraph(config, [gappers])
    dg.run("2026-11-27")
    assert seen == {
        "enabled": True,
        "limit": 3,
        "timeout_seconds": 2.0,
        "isolation": None,
        "min_gap_pct": 5.0,
    }
    assert dg.jobs[0].timeout_s == 2.0
    params = dg.scanners[0].params(dg_ctx(seen))
    assert isinstance(params, GapParams) and params.min_gap_pct == 5.0


def dg_ctx(config: dict[str, Any]) -> ScanContext:
    from datetime import date

    return ScanContext(
        scanner="gappers", trade_date=date(2026, 11, 27), config=config, deadline=0.0
    )


def test_disabled_scanners_and_pipelines_are_skipped_with_the_reason() -> None:
    scanners = [
        make_scanner("off", returning("A")),
        make_scanner("in_off_pipeline", returning("B"), pipeline="social"),
        make_scanner("on", returning("C")),
    ]
    config = {
        "discovery": {
            "scanners": {"off": {"enabled": False}},
            "pipelines": {"social": {"enabled": False}},
        }
    }
    state = DiscoveryGraph(config, scanners).run("2026-11-27")
    runs = runs_by_name(state)
    assert runs["off"]["status"] == "skipped"
    assert runs["off"]["reason"] == "disabled by discovery.scanners.off.enabled"
    assert runs["in_off_pipeline"]["status"] == "skipped"
    assert "pipeline 'social' disabled" in runs["in_off_pipeline"]["reason"]
    assert runs["on"]["status"] == "ok"
    assert [c["ticker"] for c in state["candidates"]] == ["C"]


def test_bad_trade_date_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="trade_date"):
        DiscoveryGraph(None, [make_scanner("a", returning("F"))]).run("27/11/2026")


class ListParams(ScannerParams):
    symbols: tuple[str, ...] = ("AAPL",)
    weights: dict[str, float] = Field(default_factory=dict)


def test_list_and_dict_params_work_from_json_style_config() -> None:
    seen: dict[str, Any] = {}

    def scan(ctx: ScanContext) -> list[Any]:
        params = scanner.params(ctx)
        assert isinstance(params, ListParams)
        seen["symbols"] = params.symbols
        seen["weights"] = params.weights
        return []

    cls = make_scanner("lists", scan, params=ListParams)
    scanner = cls()
    config = {"discovery": {"scanners": {"lists": {"symbols": ["F", "T"], "weights": {"F": 1.5}}}}}
    state = DiscoveryGraph(config, [scanner]).run("2026-11-27")
    assert state["scanner_runs"][0]["status"] == "ok", state["scanner_runs"][0]
    assert seen == {"symbols": ("F", "T"), "weights": {"F": 1.5}}


def test_a_misspelt_key_or_choice_gets_a_suggestion_from_load_config() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(
            {
                "discovery": {
                    "scanner_execution": {"max_worker": 4},
                    "resilience": {"rate_limits": {"sec_egdar": {"per_second": 1}}},
                    "llm_rank": {"modle": "x"},
                }
            }
        )
    assert [str(p) for p in info.value.problems] == [
        "discovery.resilience.rate_limits.sec_egdar: Input should be 'yahoo', 'sec_edgar', "
        "'nasdaq', 'finnhub', 'alpha_vantage', 'reddit' or 'apewisdom' (got 'sec_egdar'); "
        "did you mean 'sec_edgar'?",
        "discovery.scanner_execution.max_worker: unknown key; did you mean 'max_workers'?",
        "discovery.llm_rank.modle: unknown key; did you mean 'model'?",
    ]


def test_known_keys_walks_models_and_tables_keyed_by_name() -> None:
    assert known_keys(DiscoveryConfig, ["resilience", "retry"])[:2] == [
        "max_attempts",
        "initial_backoff_seconds",
    ]
    assert "base_url" in known_keys(DiscoveryConfig, ["providers", "finnhub"])
    assert "enabled" in known_keys(DiscoveryConfig, ["scanners", "any_name"])
    assert "state_dir" in known_keys(DiscoveryConfig, ["resilience"])
    assert known_keys(DiscoveryConfig, ["universe"]) == []
    assert known_keys(DiscoveryConfig, ["nothing", "here"]) == []
    assert did_you_mean("bogus", DiscoveryConfig.model_fields) is None


def test_validate_discovery_leaves_out_each_invalid_key_and_keeps_the_rest() -> None:
    discovery = {
        "scanner_execution": {"max_workers": 0, "timeout_seconds": 5},
        "resilience": {"retry": {"max_atempts": 2}, "cache": {"enabled": False}},
        "filter": {"exclude_tickers": ("F", 3)},
    }
    config, problems, remaining = validate_discovery(discovery)
    assert [p.path for p in problems] == [
        "discovery.resilience.retry.max_atempts",
        "discovery.scanner_execution.max_workers",
        "discovery.filter.exclude_tickers.1",
    ]
    assert remaining == {
        "scanner_execution": {"timeout_seconds": 5},
        "resilience": {"retry": {}, "cache": {"enabled": False}},
        "filter": {},
    }
    assert config is not None
    assert config.scanner_execution.timeout_seconds == 5
    assert config.scanner_execution.max_workers == 8  # the default, in place of the bad value
    assert config.resilience.cache.enabled is False
    assert discovery["scanner_execution"] == {"max_workers": 0, "timeout_seconds": 5}
    assert validate_discovery({"rank": {"max_candidates": 3}})[1:] == (
        [],
        {"rank": {"max_candidates": 3}},
    )


def test_without_removes_one_key_path_even_through_keys_holding_dots() -> None:
    tree: dict[str, Any] = {
        "cache": {"ttl_seconds": {"finnhub:/a": 1, "finnhub:/a.json": "x"}},
        "u": [1, 2],
    }
    # "finnhub:/a" is a key too, and the path starts with it and a dot: the longer one is meant.
    assert without(tree, "cache.ttl_seconds.finnhub:/a.json") == {
        "cache": {"ttl_seconds": {"finnhub:/a": 1}},
        "u": [1, 2],
    }
    assert without(tree, "u.1") == {"cache": tree["cache"]}  # into a list: the list goes
    assert without(tree, "cache.nothing") == tree  # names nothing: nothing goes
    assert without(tree, "nothing") == tree
    assert "finnhub:/a.json" in tree["cache"]["ttl_seconds"]  # the input is left alone


def test_a_rate_limit_given_keeps_the_built_in_fields_it_leaves_unset() -> None:
    given = {"finnhub": {"per_minute": 30}, "apewisdom": {"per_second": 2}}
    loaded = load_config({"discovery": {"resilience": {"rate_limits": given}}})
    built = ResilienceConfig(
        rate_limits={
            "finnhub": RateLimitConfig(per_minute=30),
            "apewisdom": RateLimitConfig(per_second=2),
        }
    )
    defaults = ResilienceConfig().rate_limits
    for limits in (loaded.resilience.rate_limits, built.rate_limits):
        assert limits["finnhub"] == RateLimitConfig(per_minute=30)
        assert limits["apewisdom"] == RateLimitConfig(per_second=2)
        assert limits["sec_edgar"] == defaults["sec_edgar"] == RateLimitConfig(per_second=10)
        assert set(limits) == set(defaults) | {"apewisdom"}
    one_field = ResilienceConfig.model_validate({"rate_limits": {"alpha_vantage": {"per_day": 75}}})
    assert one_field.rate_limits["alpha_vantage"] == RateLimitConfig(per_minute=5, per_day=75)


def test_ttl_patterns_given_come_before_the_built_in_ones_in_their_order() -> None:
    given = {"yahoo:/v8/finance/chart/*": 60.0, "yahoo:*": 10.0, "nasdaq:/api/*": 5.0}
    loaded = load_config({"discovery": {"resilience": {"cache": {"ttl_seconds": given}}}})
    ttls = loaded.resilience.cache.ttl_seconds
    builtin = DiscoveryConfig().resilience.cache.ttl_seconds
    assert list(ttls)[:3] == list(given)
    assert list(ttls)[3:] == [k for k in builtin if k not in given]
    assert ttls == {**builtin, **given}
    assert CacheConfig(ttl_seconds=given).ttl_seconds == ttls
    # A dumped config reads back the same, in the same order.
    again = load_config({"discovery": loaded.model_dump()})
    assert list(again.resilience.cache.ttl_seconds.items()) == list(ttls.items())
    assert again == loaded


def test_the_resilience_policies_are_built_from_the_models() -> None:
    from tradingagents.resilience import BreakerPolicy, RateLimitPolicy, RetryPolicy
    from tradingagents.resilience.ratelimit import DEFAULT_LIMITS

    resilience = DiscoveryConfig().resilience
    assert RetryPolicy() == RetryPolicy.from_config(resilience.retry)
    assert RetryPolicy().max_attempts == resilience.retry.max_attempts == 3
    assert BreakerPolicy() == BreakerPolicy.from_config(resilience.breaker)
    assert BreakerPolicy().failure_threshold == resilience.breaker.failure_threshold == 3
    built = {name: RateLimitPolicy.from_config(c) for name, c in resilience.rate_limits.items()}
    assert built == DEFAULT_LIMITS
