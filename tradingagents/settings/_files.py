"""A TOML config file read, and tables of ours in the wrong place in it found."""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from tradingagents.config import BUILTIN_PIPELINES, BUILTIN_SCANNERS, DiscoveryConfig
from tradingagents.credentials import Credentials
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.validation import did_you_mean, known_keys

# Names a table keyed by name may hold even when no scanner of that name is installed.
_BUILTIN_NAMES = {"scanners": BUILTIN_SCANNERS, "pipelines": BUILTIN_PIPELINES}

# The top-level tables of a config file read here; the others belong to the application.
TABLES = ("discovery", "credentials")


def read_config_file(path: Path) -> dict[str, Any]:
    """The ``[discovery]`` and ``[credentials]`` tables of a TOML file.

    Other top-level tables belong to the rest of the application and are left alone, unless
    one is ours in the wrong place: a discovery table without ``discovery.``
    (``[scanner_execution]``), or a misspelt ``[discovery]`` or ``[credentials]``.
    Raises ConfigError naming the file when it cannot be read or parsed, and every such table.
    """
    data = read_toml(path)
    problems = layout_problems(data)
    if problems:
        raise ConfigError(problems, source=str(path))
    return {key: data[key] for key in TABLES if key in data}


def read_toml(path: Path) -> dict[str, Any]:
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


def layout_problems(data: Mapping[str, Any]) -> list[ConfigProblem]:
    """A file's top-level mistakes: ``discovery`` or ``credentials`` not a table, and tables
    of ours outside ``[discovery]`` or misspelt, which would otherwise be ignored silently."""
    problems = [
        ConfigProblem(key, f"expected a table, got {type(data[key]).__name__}")
        for key in TABLES
        if key in data and not isinstance(data[key], dict)
    ]
    places = _table_places()
    for key, value in data.items():
        # Tables only: a top-level value (cache_dir = "...") may well be the application's.
        if key in TABLES or not isinstance(value, dict):
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
    places = {key: key for key in TABLES}
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


def table_in(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``data[key]`` if it is a table, else an empty one."""
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}  # not a table: a layout problem


def permission_warning(path: Path) -> list[str]:
    """A warning when the file holding credentials is readable by other users."""
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
