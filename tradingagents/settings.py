"""Application settings: defaults < TOML file < ``TRADINGAGENTS_*`` environment < CLI flags."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import (
    BaseModel,
    ValidationError,
    create_model,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from tradingagents.config import (
    BUILTIN_PIPELINES,
    BUILTIN_SCANNERS,
    DiscoveryConfig,
    deep_merge,
    validate_discovery,
    without,
)
from tradingagents.credentials import ENV_PREFIX, Credentials, env_vars
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.validation import did_you_mean, known_keys, problems_from_validation

ENV_DELIMITER = "__"
# TRADINGAGENTS_* variables read elsewhere (state and cache directories, test fixtures), so not
# reported as unknown.
_OTHER_ENV = frozenset({"STATE_DIR", "CACHE_DIR", "FIXTURES"})
# Names a table keyed by name may hold even when no scanner of that name is installed.
_BUILTIN_NAMES = {"scanners": BUILTIN_SCANNERS, "pipelines": BUILTIN_PIPELINES}


class _EnvBase(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_DELIMITER, case_sensitive=False
    )


# A settings class with DiscoveryConfig's fields, only so that pydantic-settings knows which
# variables to read, how to nest them and which values to decode as JSON. It is never
# instantiated: the values are validated by load_config, like the file's.
_DiscoveryEnv = create_model(  # type: ignore[call-overload]
    "_DiscoveryEnv",
    __base__=_EnvBase,
    **{name: (info.annotation, None) for name, info in DiscoveryConfig.model_fields.items()},
)


@dataclass(frozen=True)
class Settings:
    """Everything a run needs: the validated discovery config, the credentials, and warnings
    about the configuration that did not stop it (unknown variables, a readable key file)."""

    discovery: DiscoveryConfig
    credentials: Credentials
    warnings: tuple[str, ...] = ()
    # Where each layer came from, for messages: ("defaults", "config.toml", "environment"...).
    layers: tuple[str, ...] = field(default=("defaults",))


# The top-level tables of a config file read here; the others belong to the application.
_TABLES = ("discovery", "credentials")


def read_config_file(path: Path) -> dict[str, Any]:
    """The ``[discovery]`` and ``[credentials]`` tables of a TOML file.

    Other top-level tables belong to the rest of the application and are left alone, unless
    one is ours in the wrong place: a discovery table without ``discovery.``
    (``[scanner_execution]``), or a misspelt ``[discovery]`` or ``[credentials]``.
    Raises ConfigError naming the file when it cannot be read or parsed, and every such table.
    """
    data = _read_toml(path)
    problems = _layout_problems(data)
    if problems:
        raise ConfigError(problems, source=str(path))
    return {key: data[key] for key in _TABLES if key in data}


def _read_toml(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        problem = ConfigProblem("<file>", f"cannot read it: {exc.strerror or exc}")
        raise ConfigError([problem], source=source) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [ConfigProblem("<file>", f"not valid TOML: {exc}")], source=source
        ) from None


def _layout_problems(data: Mapping[str, Any]) -> list[ConfigProblem]:
    """A file's top-level mistakes: ``discovery`` or ``credentials`` not a table, and tables
    of ours outside ``[discovery]`` or misspelt, which would otherwise be ignored silently."""
    problems = [
        ConfigProblem(key, f"expected a table, got {type(data[key]).__name__}")
        for key in _TABLES
        if key in data and not isinstance(data[key], dict)
    ]
    places = _table_places()
    for key, value in data.items():
        # Tables only: a top-level value (cache_dir = "...") may well be the application's.
        if key in _TABLES or not isinstance(value, dict):
            continue
        target = key if key in places else did_you_mean(key, places)
        # A table of the application that happens to share a name ([source] url = ...) holds
        # none of our keys: only one that does is ours in the wrong place.
        if target is None or not _holds_known_keys(places[target], value):
            continue
        # [scanners.rsi_oversold] is one table: named whole, it is found in the file at once.
        rest: list[str] = []
        inner = value
        while len(inner) == 1 and isinstance(child := next(iter(inner.values())), dict):
            rest.append(next(iter(inner)))
            inner = child
        meant = ".".join((places[target], *rest))
        what = "unknown table, not read"
        if key == target:
            what = "a discovery table at the top level is not read"
        problems.append(ConfigProblem(".".join((key, *rest)), f"{what}; did you mean [{meant}]?"))
    return problems


def _table_places() -> dict[str, str]:
    """Each table name that may be misplaced at a file's top level, and where it belongs."""
    places = {key: key for key in _TABLES}
    for name, info in DiscoveryConfig.model_fields.items():
        table = info.annotation
        if get_origin(table) is dict or (isinstance(table, type) and issubclass(table, BaseModel)):
            places[name] = f"discovery.{name}"
    return places


def _holds_known_keys(place: str, table: Mapping[str, Any]) -> bool:
    """Whether ``table`` has a key the table at ``place`` accepts: a setting, or a name
    (scanner, provider, pipeline) with, for an unknown name, a setting of its own."""
    if place == "credentials":
        known = set(Credentials.model_fields)
    elif place == "discovery":
        known = set(DiscoveryConfig.model_fields)
    else:
        section = place.removeprefix("discovery.")
        known = set(known_keys(DiscoveryConfig, [section]))
        annotation = DiscoveryConfig.model_fields[section].annotation
        if get_origin(annotation) is dict:  # a table of names: scanners, providers, pipelines
            names = set(get_args(get_args(annotation)[0])) | set(_BUILTIN_NAMES.get(section, ()))
            if section == "scanners":
                names |= _scanner_names()
            return any(
                key in names or (isinstance(value, dict) and not known.isdisjoint(value))
                for key, value in table.items()
            )
    return not known.isdisjoint(table)


def _scanner_names() -> set[str]:
    """The names of the installed scanners, those that failed to load included."""
    # Imported here: the graph builds on the providers, which read credentials from here.
    from tradingagents.discovery.registry import load_registry  # noqa: PLC0415

    registry = load_registry()
    return {cls.name for cls in registry.scanners} | {f.name for f in registry.failures}


def environment_config(
    environ: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The ``discovery`` settings in ``TRADINGAGENTS_*`` variables, nested on ``__``.

    ``TRADINGAGENTS_SCANNER_EXECUTION__MAX_WORKERS=4`` sets ``scanner_execution.max_workers``;
    lists and tables are JSON (``TRADINGAGENTS_UNIVERSE='["AAPL","MSFT"]'``). Returns the
    nested values (strings, until validated), the variable behind each key path, and warnings
    about variables with our prefix that name no setting.
    """
    env = dict(os.environ if environ is None else environ)
    source = EnvSettingsSource(
        _DiscoveryEnv,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        case_sensitive=False,
        env_ignore_empty=True,
    )
    # The source read os.environ when built; an explicit mapping (tests, embedding) replaces it.
    source.env_vars = env_vars(env)
    try:
        values: dict[str, Any] = source()
    except SettingsError as exc:
        cause = exc.__cause__ or exc
        name = str(exc).removeprefix('error parsing value for field "').split('"')[0]
        problem = ConfigProblem(
            f"{ENV_PREFIX}{name.upper()}", f"expected JSON for a list or table ({cause})"
        )
        raise ConfigError([problem], source="the environment") from None
    # Each key path set here, and the variable that set it: a leaf's own variable, or a
    # variable holding a whole table as JSON (TRADINGAGENTS_SCANNER_EXECUTION='{...}').
    present = {name.upper() for name, value in env.items() if value != ""}
    origins: dict[str, str] = {}
    for path in _leaf_paths(values):
        for end in range(len(path), 0, -1):
            variable = ENV_PREFIX + ENV_DELIMITER.join(path[:end]).upper()
            if variable in present:
                origins[".".join(("discovery", *path))] = variable
                break
    credential_names = {n.upper() for n in Credentials.model_fields}
    warnings = []
    fields = {name.upper() for name in DiscoveryConfig.model_fields}
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX):
            continue
        rest = upper.removeprefix(ENV_PREFIX)
        top = rest.split(ENV_DELIMITER)[0]
        if top not in fields and rest not in _OTHER_ENV and rest not in credential_names:
            warnings.append(f"ignoring {name}: no setting discovery.{top.lower()}")
    return values, origins, warnings


def _leaf_paths(tree: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from _leaf_paths(value, (*prefix, key))  # an empty table sets nothing
        else:
            yield (*prefix, key)


def load_settings(
    config_file: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    flag_names: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the defaults, a TOML file, ``TRADINGAGENTS_*`` variables and ``overrides``.

    ``overrides`` is a partial ``{"discovery": {...}}`` (the CLI's flags), applied last;
    ``flag_names`` maps its key paths (``scanner_execution.max_workers``) to the flags that
    set them, for messages. Each layer's mistakes are reported against it: the file's by key
    path in that file, the environment's by variable, the flags' by flag. Raises one
    ConfigError naming every problem of every layer (only a file that cannot be read or
    parsed stops the checks at once: nothing in it can be checked).
    """
    path = Path(config_file) if config_file is not None else None
    layers = ["defaults"]
    file_problems: list[ConfigProblem] = []
    file_discovery: Mapping[str, Any] = {}
    file_credentials: Mapping[str, Any] = {}
    if path is not None:
        layers.append(str(path))
        data = _read_toml(path)
        file_problems += _layout_problems(data)
        file_discovery = _table(data, "discovery")
        file_credentials = _table(data, "credentials")
        # Checked alone first and strictly: a file is typed (TOML), so "8" for a number is a
        # mistake there, and its problems are named against the file. Its invalid keys are
        # left out of the merge, so that the merged check does not report them again.
        _, found, file_discovery = _checked(file_discovery, strict=True)
        file_problems += found
    env_values, origins, warnings, other_problems = _environment(environ)
    if env_values or other_problems:
        layers.append("environment")
    merged = deep_merge(file_discovery, env_values)
    override_discovery = dict((overrides or {}).get("discovery", {}))
    flags = [".".join(path) for path in _leaf_paths(override_discovery)]
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
        warnings.extend(_permission_warning(path))
    return Settings(discovery, credentials, tuple(warnings), tuple(layers))


def _environment(
    environ: Mapping[str, str] | None,
) -> tuple[dict[str, Any], dict[str, str], list[str], list[ConfigProblem]]:
    """environment_config's answer and its problems: a variable that is not JSON is reported
    and left out, so that the other variables are still read and checked."""
    env = dict(os.environ if environ is None else environ)
    problems: list[ConfigProblem] = []
    while True:
        try:
            return (*environment_config(env), problems)
        except ConfigError as exc:
            problems += exc.problems
            # The problem names the setting's variable; its nested variables go with it.
            bad = tuple(p.path for p in exc.problems)
            kept = {
                name: value
                for name, value in env.items()
                if not any(
                    name.upper() == b or name.upper().startswith(b + ENV_DELIMITER) for b in bad
                )
            }
            if kept == env:
                return {}, {}, [], problems
            env = kept


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}  # not a table: a layout problem


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


def _permission_warning(path: Path) -> list[str]:
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return [
            f"{path} holds credentials and is readable by other users; "
            f"restrict it with: chmod 600 {path}"
        ]
    return []
