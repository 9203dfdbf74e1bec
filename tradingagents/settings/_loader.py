"""Settings loaded: the defaults, a file, the environment and flags layered and checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tradingagents.config import DiscoveryConfig, deep_merge, validate_discovery, without
from tradingagents.credentials import ENV_PREFIX, Credentials
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.settings._environment import environment_layer, leaf_paths
from tradingagents.settings._files import layout_problems, permission_warning, read_toml, table_in
from tradingagents.validation import problems_from_validation


@dataclass(frozen=True)
class Settings:
    """Everything a run needs: the validated discovery config, the credentials, and warnings
    about the configuration that did not stop it (unknown variables, a readable key file)."""

    discovery: DiscoveryConfig
    credentials: Credentials
    warnings: tuple[str, ...] = ()
    # Where each layer came from, for messages: ("defaults", "config.toml", "environment"...).
    layers: tuple[str, ...] = field(default=("defaults",))


def load_settings(
    config_file: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    flag_names: Mapping[str, str] | None = None,
    base: tuple[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Merge the defaults, a TOML file, ``TRADINGAGENTS_*`` variables and ``overrides``.

    ``overrides`` is a partial ``{"discovery": {...}}`` (the CLI's flags), applied last;
    ``flag_names`` maps its key paths (``scanner_execution.max_workers``) to the flags that
    set them, for messages. Each layer's mistakes are reported against it: the file's by key
    path in that file, the environment's by variable, the flags' by flag. Raises one
    ConfigError naming every problem of every layer (only a file that cannot be read or
    parsed stops the checks at once: nothing in it can be checked). ``base``, a layer's name
    and its partial ``discovery`` table (a replayed run's recorded config), goes between the
    defaults and the file.
    """
    path = Path(config_file) if config_file is not None else None
    layers = ["defaults"]
    base_discovery: Mapping[str, Any] = {}
    if base is not None:
        layers.append(base[0])
        base_discovery = base[1]
    file_problems: list[ConfigProblem] = []
    file_discovery: Mapping[str, Any] = {}
    file_credentials: Mapping[str, Any] = {}
    if path is not None:
        layers.append(str(path))
        data = read_toml(path)
        file_problems += layout_problems(data)
        file_discovery = table_in(data, "discovery")
        file_credentials = table_in(data, "credentials")
        # Checked alone first and strictly: a file is typed (TOML), so "8" for a number is a
        # mistake there, and its problems are named against the file. Its invalid keys are
        # left out of the merge, so that the merged check does not report them again.
        _, found, file_discovery = _checked(file_discovery, strict=True)
        file_problems += found
    env_values, origins, warnings, other_problems = environment_layer(environ)
    if env_values or other_problems:
        layers.append("environment")
    merged = deep_merge(deep_merge(base_discovery, file_discovery), env_values)
    override_discovery = dict((overrides or {}).get("discovery", {}))
    flags = [".".join(path) for path in leaf_paths(override_discovery)]
    if flags:
        layers.append("flags")
    for flag_path in flags:  # a flag is the last word on its key: it is named, not the variable
        origins[f"discovery.{flag_path}"] = (flag_names or {}).get(flag_path, "a flag")
    merged = deep_merge(merged, override_discovery)
    # Environment values are strings: checked by type there ("4" is a fine max_workers).
    discovery, found, _ = _checked(merged, strict=False)
    other_problems += [_attributed(p, origins) for p in found if p not in file_problems]
    try:
        credentials = Credentials.from_env(file_credentials, environ)
    except ValidationError as exc:
        # The input is never echoed: it may be a key.
        found = [
            ConfigProblem(p.path, p.message.split(" (got ")[0])
            for p in problems_from_validation(exc, ("credentials",), Credentials)
        ]
        # Only a file's table can be wrong: a variable's value is text, as credentials are.
        (file_problems if path is not None else other_problems).extend(found)
    if file_problems or other_problems or discovery is None:
        raise _config_error(path, file_problems, other_problems, layers)
    reddit = [credentials.get(n) is not None for n in ("reddit_client_id", "reddit_client_secret")]
    if any(reddit) and not all(reddit):
        warnings.append(
            "Reddit OAuth needs both REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET; with one of "
            "them only, the public listings are used"
        )
    if path is not None and file_credentials:
        warnings.extend(permission_warning(path))
    return Settings(discovery, credentials, tuple(warnings), tuple(layers))


def _config_error(
    path: Path | None,
    file_problems: list[ConfigProblem],
    other_problems: list[ConfigProblem],
    layers: list[str],
) -> ConfigError:
    """One error for every layer's problems, each named where the user can fix it."""
    if path is not None and not other_problems:
        return ConfigError(file_problems, source=str(path))
    only_variables = all(p.path.startswith(ENV_PREFIX) for p in other_problems)
    if not file_problems and layers == ["defaults", "environment"] and only_variables:
        return ConfigError(other_problems, source="the environment")
    # Several layers: the environment's and the flags' problems name their variable or flag,
    # so the file's name theirs too.
    named = [ConfigProblem(f"{p.path} (from {path})", p.message) for p in file_problems]
    return ConfigError(
        [*named, *other_problems], source=f"the merged settings ({' < '.join(layers)})"
    )


def _checked(
    discovery: Mapping[str, Any], *, strict: bool
) -> tuple[DiscoveryConfig | None, list[ConfigProblem], dict[str, Any]]:
    """The config with every installed scanner's params checked too (the graph would only
    check them when built), and the LLM settings; every problem, with "did you mean"
    suggestions; and ``discovery`` without the keys they name.

    A problem at one level does not hide another: the checks that need a validated config
    run on the keys that are valid (a scanner param typo is found beside a retry typo).
    """
    # Imported here: the graph builds on the providers, which read credentials from here.
    from tradingagents.discovery.registry import load_registry  # noqa: PLC0415
    from tradingagents.graph.discovery_graph import (  # noqa: PLC0415
        build_jobs,
        registered_scanners,
    )
    from tradingagents.graph.llm_factory import llm_config_problems  # noqa: PLC0415

    config, problems, remaining = validate_discovery(discovery, strict=strict)
    if config is None:
        return None, problems, remaining
    scanners = registered_scanners(load_registry())
    later: list[ConfigProblem] = []
    try:
        build_jobs(config, scanners)
    except ConfigError as exc:
        later += exc.problems
    later += llm_config_problems(config.llm_rank)
    for problem in later:
        remaining = without(remaining, problem.path.removeprefix("discovery."))
    problems += later
    return config, problems, remaining


def _attributed(problem: ConfigProblem, origins: Mapping[str, str]) -> ConfigProblem:
    for path, variable in origins.items():
        if problem.path == path or problem.path.startswith(path + "."):
            return ConfigProblem(f"{problem.path} (from {variable})", problem.message)
    return problem
