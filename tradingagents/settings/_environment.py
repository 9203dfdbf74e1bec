"""The ``discovery`` settings held in ``TRADINGAGENTS_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import create_model
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from tradingagents.config import DiscoveryConfig
from tradingagents.credentials import ENV_PREFIX, Credentials, env_vars
from tradingagents.errors import ConfigError, ConfigProblem

ENV_DELIMITER = "__"
# TRADINGAGENTS_* variables read elsewhere (state and cache directories, test fixtures), so not
# reported as unknown.
_OTHER_ENV = frozenset({"STATE_DIR", "CACHE_DIR", "FIXTURES"})


class _EnvBase(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_DELIMITER, case_sensitive=False
    )


def _env_annotation(annotation: Any) -> Any:
    """What pydantic-settings is told a field is: a union of a list and a table (universe) is a
    table, since on a union it lets text that is not JSON through instead of saying so."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType) and type(None) not in args:
        return dict[str, Any]
    return annotation


# A settings class with DiscoveryConfig's fields, only so that pydantic-settings knows which
# variables to read, how to nest them and which values to decode as JSON. It is never
# instantiated: the values are validated by load_config, like the file's.
_DiscoveryEnv = create_model(  # type: ignore[call-overload]
    "_DiscoveryEnv",
    __base__=_EnvBase,
    **{
        name: (_env_annotation(info.annotation), None)
        for name, info in DiscoveryConfig.model_fields.items()
    },
)


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
    for path in leaf_paths(values):
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


def leaf_paths(tree: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from leaf_paths(value, (*prefix, key))  # an empty table sets nothing
        else:
            yield (*prefix, key)


def environment_layer(
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
