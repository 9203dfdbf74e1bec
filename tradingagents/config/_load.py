"""User dicts merged over the defaults and validated into a DiscoveryConfig."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from tradingagents.config._discovery import DiscoveryConfig
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.validation import problems_from_validation


@functools.cache
def _defaults() -> Mapping[str, Any]:
    # Computed once; deep_merge copies it, so callers never share or mutate it.
    defaults = DiscoveryConfig().model_dump()
    # The built-in rate limits and TTLs are left out: the models merge a given table over them
    # in their own way (given TTL patterns first), so it must reach them as given.
    del defaults["resilience"]["rate_limits"]
    del defaults["resilience"]["cache"]["ttl_seconds"]
    return defaults


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` over ``base``: mappings recursively, anything else replaced.

    Neither input is modified; the result shares no mutable object with them.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_config(
    config: Mapping[str, Any] | DiscoveryConfig | None = None,
    *,
    source: str | None = None,
    strict: bool = True,
) -> DiscoveryConfig:
    """Merge a partial user config over the defaults and validate its ``discovery`` part.

    ``config`` is a whole application config (other top-level keys belong to the rest of the
    application and are left alone) or an already validated :class:`DiscoveryConfig`.
    Raises :class:`ConfigError` naming every invalid key path. ``strict=False`` accepts
    values by their text (``"4"`` for a number, ``"false"`` for a flag), as environment
    variables give them (see :mod:`tradingagents.settings`).
    """
    if isinstance(config, DiscoveryConfig):
        return config
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ConfigError(
            [ConfigProblem("<root>", f"expected a mapping, got {type(config).__name__}")],
            source=source,
        )
    discovery = config.get("discovery", {})
    if not isinstance(discovery, Mapping):
        raise ConfigError(
            [ConfigProblem("discovery", f"expected a mapping, got {type(discovery).__name__}")],
            source=source,
        )
    merged = deep_merge(_defaults(), discovery)
    # Lists in JSON-ish input become tuples so the frozen model stays hashable and read-only.
    filt = merged.get("filter")
    if isinstance(filt, dict) and isinstance(filt.get("exclude_tickers"), list):
        filt["exclude_tickers"] = tuple(filt["exclude_tickers"])
    if isinstance(merged.get("universe"), list):
        merged["universe"] = tuple(merged["universe"])
    try:
        return DiscoveryConfig.model_validate(merged, strict=strict)
    except ValidationError as exc:
        problems = problems_from_validation(exc, ("discovery",), DiscoveryConfig)
        raise ConfigError(problems, source=source) from None


def validate_discovery(
    discovery: Mapping[str, Any], *, strict: bool = True
) -> tuple[DiscoveryConfig | None, list[ConfigProblem], dict[str, Any]]:
    """Validate a ``discovery`` table, leaving out each invalid key and validating the rest.

    Returns the config built from the valid keys (None if there is none), every problem, and
    ``discovery`` without the invalid keys. A caller can thus run the checks that need a
    validated config (scanner params, the LLM settings) despite a typo elsewhere, and report
    everything wrong at once rather than one level at a time.
    """
    problems: list[ConfigProblem] = []
    remaining = dict(discovery)
    # Leaving a key out restores its default, which is valid: one pass is the rule, the bound
    # is only there so that a problem that cannot be left out never loops.
    for _ in range(4):
        try:
            return load_config({"discovery": remaining}, strict=strict), problems, remaining
        except ConfigError as exc:
            new = [p for p in exc.problems if p not in problems]
            problems += new
            pruned = remaining
            for problem in new:
                pruned = without(pruned, problem.path.removeprefix("discovery."))
            if pruned == remaining:
                break
            remaining = pruned
    return None, problems, remaining


def without(tree: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """``tree`` without the key at the dotted path (a copy; ``tree`` is left alone).

    Keys may hold dots themselves (``ttl_seconds`` globs), so each level takes the longest key
    the path starts with. A path that ends inside a value (a list item) removes that value; one
    naming nothing that exists removes nothing.
    """
    result = dict(tree)
    for key in sorted(result, key=len, reverse=True):
        if dotted != key and not dotted.startswith(key + "."):
            continue
        rest = dotted[len(key) + 1 :]
        value = result[key]
        if rest and isinstance(value, Mapping):
            result[key] = without(value, rest)
        else:
            del result[key]
        return result
    return result
