"""Bridges for users of the seed project: its discovery config in, its result shape out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tradingagents.config import BUILTIN_PIPELINES
from tradingagents.discovery.registry import load_registry

# Keys of the seed's discovery section with no equivalent here, and why.
_IGNORED_REASONS = {
    "discovery_mode": (
        "every enabled scanner runs on each run; choose what runs with "
        "discovery.scanners.<name>.enabled and discovery.pipelines.<name>.enabled"
    ),
    "analyze_all_candidates": (
        "ranking always keeps the best discovery.rank.max_candidates (mapped from "
        "max_candidates_to_analyze)"
    ),
    "final_recommendations": (
        "there is one cap, discovery.rank.max_candidates; downstream code takes the first N "
        "of final_ranking"
    ),
    "log_tool_calls": "tool calls are always recorded, redacted, in the state's tool_logs",
    "log_tool_calls_console": "tool calls go to the state's tool_logs, not to the console",
    "tool_log_max_chars": "tool-log outputs are always summarised to a few hundred characters",
    "tool_log_exclude": "every tool call is logged (redacted); filter tool_logs downstream",
    "log_prompts_console": "the optional llm_rank node logs no prompts",
    "truncate_ranking_context": "the llm_rank prompt is bounded by discovery.llm_rank settings",
    "max_news_chars": "no news enrichment: each candidate's context comes from its scanners",
    "max_insider_chars": "no insider enrichment: insider_buying puts its findings in context",
    "max_recommendations_chars": "no analyst-recommendation enrichment",
    "enrichment": "no enrichment step: candidates carry what their scanners found",
}
_PIPELINE_REASONS = {
    "priority": (
        "candidates are ordered by their own priority and score (docs/scoring.md), not by pipeline"
    ),
    "ranker_prompt": "no per-pipeline prompts: the optional llm_rank node has one prompt",
}
_FILTER_KEYS = {"min_price": "min_price", "min_volume": "min_volume"}
_Ignore = Callable[[str, str], None]
_EXECUTION_KEYS = ("concurrent", "max_workers", "timeout_seconds", "global_timeout_seconds")


@dataclass(frozen=True)
class IgnoredKey:
    """A key of the seed's config that :func:`from_legacy_config` left out, and why."""

    path: str  # dotted, e.g. "discovery.pipelines.momentum.priority"
    reason: str


def _scanner_params() -> dict[str, set[str]]:
    """Each registered scanner's setting names (``enabled``, ``limit``... and its own)."""
    return {cls.name: set(cls.Params.model_fields) for cls in load_registry().scanners}


def from_legacy_config(config: Mapping[str, Any]) -> tuple[dict[str, Any], list[IgnoredKey]]:
    """Our config dict for a seed project's config, plus every key it ignored with the reason.

    ``config`` is the seed's whole config (its ``DEFAULT_CONFIG`` shape, a ``discovery``
    section among other keys) or only its discovery section. Mapped: ``max_candidates_to_analyze``
    to ``rank.max_candidates``; ``scanner_execution`` keys we share; ``pipelines.<name>.enabled``
    and ``scanners.<name>`` settings that our scanner of that name has (``enabled``, ``limit``,
    ``timeout_seconds``, its own params); ``filters.min_price``/``min_volume``;
    ``ohlcv_cache_dir`` to ``cache_dir``. The result is a partial config for
    ``DiscoveryGraph(config)``, which still validates the values.
    """
    ignored: list[IgnoredKey] = []
    if "discovery" in config:
        section = config["discovery"]
        for key in config:
            if key != "discovery":
                ignored.append(IgnoredKey(key, "outside the discovery section: not used here"))
    else:
        section = config
    if not isinstance(section, Mapping):
        return {"discovery": {}}, [*ignored, IgnoredKey("discovery", "not a mapping")]
    ours: dict[str, Any] = {}

    def ignore(path: str, reason: str) -> None:
        ignored.append(IgnoredKey(f"discovery.{path}", reason))

    for key, value in section.items():
        if key == "max_candidates_to_analyze":
            ours.setdefault("rank", {})["max_candidates"] = value
        elif key == "ohlcv_cache_dir":
            # The same use: price history loaded once per run, kept as parquet.
            ours["cache_dir"] = value
        elif key in ("scanner_execution", "filters", "pipelines", "scanners") and not isinstance(
            value, Mapping
        ):
            ignore(key, "not a mapping")
        elif key == "scanner_execution":
            _map_known(value, _EXECUTION_KEYS, ours, "scanner_execution", ignore)
        elif key == "filters":
            for name, item in value.items():
                if name in _FILTER_KEYS:
                    ours.setdefault("filter", {})[_FILTER_KEYS[name]] = item
                else:
                    ignore(
                        f"filters.{name}",
                        "no such filter here: the filter node knows min_price, min_volume "
                        "and exclude_tickers",
                    )
        elif key == "pipelines":
            _map_pipelines(value, ours, ignore)
        elif key == "scanners":
            _map_scanners(value, ours, ignore)
        elif key in _IGNORED_REASONS:
            ignore(key, _IGNORED_REASONS[key])
        else:
            ignore(key, "not a discovery setting of this project")
    return {"discovery": ours}, ignored


def _map_known(
    value: Mapping[str, Any],
    known: tuple[str, ...],
    ours: dict[str, Any],
    section: str,
    ignore: _Ignore,
) -> None:
    for name, item in value.items():
        if name in known:
            ours.setdefault(section, {})[name] = item
        else:
            ignore(f"{section}.{name}", f"not a {section} setting here ({', '.join(known)})")


def _map_pipelines(value: Mapping[str, Any], ours: dict[str, Any], ignore: _Ignore) -> None:
    for pipeline, settings in value.items():
        if pipeline not in BUILTIN_PIPELINES:
            ignore(
                f"pipelines.{pipeline}",
                f"no such pipeline here ({', '.join(sorted(BUILTIN_PIPELINES))})",
            )
            continue
        if not isinstance(settings, Mapping):
            ignore(f"pipelines.{pipeline}", "not a mapping")
            continue
        for name, item in settings.items():
            if name == "enabled":
                ours.setdefault("pipelines", {}).setdefault(pipeline, {})["enabled"] = item
            else:
                ignore(
                    f"pipelines.{pipeline}.{name}",
                    _PIPELINE_REASONS.get(name, "a pipeline here has only `enabled`"),
                )


def _map_scanners(value: Mapping[str, Any], ours: dict[str, Any], ignore: _Ignore) -> None:
    params = _scanner_params()
    for scanner, settings in value.items():
        if scanner not in params:
            ignore(f"scanners.{scanner}", f"no scanner named {scanner!r} here")
            continue
        if not isinstance(settings, Mapping):
            ignore(f"scanners.{scanner}", "not a mapping")
            continue
        for name, item in settings.items():
            if name in params[scanner]:
                ours.setdefault("scanners", {}).setdefault(scanner, {})[name] = item
            elif name == "pipeline":
                ignore(f"scanners.{scanner}.{name}", "each scanner's pipeline is fixed in code")
            else:
                ignore(
                    f"scanners.{scanner}.{name}",
                    f"not a setting of {scanner} here ({', '.join(sorted(params[scanner]))})",
                )


def to_legacy_result(state: Mapping[str, Any]) -> dict[str, Any]:
    """A final discovery state in the seed project's result shape.

    - ``final_ranking``: one dict per ranked candidate, best first: ``rank`` (1-based),
      ``ticker``, ``score`` (our 0-1 score, docs/scoring.md, also when an LLM re-ranked: its
      own score stays in ``candidate_metadata``), ``priority``, ``reason`` (the LLM's reason
      when there is one, else the candidate's context), ``strategy_match`` (the scanner that
      gave it its best signal) and ``sources`` (every scanner that found it).
    - ``tickers``: the tickers of ``final_ranking``, in the same order.
    - ``candidate_metadata``: by ticker, the ranked candidate as discovery left it (every field
      its scanners gave, ``by_source``, ``score_breakdown``...), without ``rank``.
    """
    ranked = list(state.get("ranked_candidates") or [])
    final_ranking = []
    metadata: dict[str, dict[str, Any]] = {}
    for candidate in ranked:
        breakdown = candidate.get("score_breakdown") or {}
        final_ranking.append(
            {
                "rank": candidate["rank"],
                "ticker": candidate["ticker"],
                "score": candidate.get("score"),
                "priority": candidate.get("priority"),
                "reason": candidate.get("llm_reason") or candidate.get("context"),
                "strategy_match": breakdown.get("best_source", candidate.get("source")),
                "sources": list(candidate.get("sources") or [candidate.get("source")]),
            }
        )
        metadata[candidate["ticker"]] = {k: v for k, v in candidate.items() if k != "rank"}
    return {
        "final_ranking": final_ranking,
        "tickers": [entry["ticker"] for entry in final_ranking],
        "candidate_metadata": metadata,
    }
