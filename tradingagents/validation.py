"""Pydantic validation errors as ConfigProblems named by key path, with "did you mean"."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tradingagents.errors import ConfigProblem

# How close a word must be to a known one to be suggested: catches a dropped, doubled or swapped
# letter, not a different word (difflib's ratio; "max_wrkers"/"max_workers" is 0.95).
_CLOSE = 0.75


def did_you_mean(word: str, known: Iterable[str]) -> str | None:
    """The known word ``word`` is most likely a misspelling of, if one is close enough."""
    matches = difflib.get_close_matches(word, list(known), n=1, cutoff=_CLOSE)
    return matches[0] if matches else None


def known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the table at ``loc`` (relative to ``model``) accepts; empty when not a model's.

    Tables keyed by name (``scanners``, ``providers``) are walked through to their values.
    """
    annotation: Any = model
    for part in (*loc, None):
        while get_origin(annotation) in (Union, types.UnionType):  # X | None: the table is X
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        if get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        if part is None:
            return list(annotation.model_fields)
        field = annotation.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
    return []  # pragma: no cover - the loop returns at the end of loc


def problems_from_validation(
    error: ValidationError, prefix: Iterable[str | int], model: type[BaseModel] | None = None
) -> list[ConfigProblem]:
    """Turn pydantic's errors into problems named by key path (``discovery.scanners.x.limit``).

    With the validated ``model``, a misspelt key or choice gets a "did you mean" suggestion.
    """
    problems = []
    for item in error.errors(include_url=False):
        loc = item["loc"]
        # A bad key of a table keyed by name (providers.finnhab) is about the key, not a child.
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        path = ".".join(str(part) for part in (*prefix, *loc))
        message = item["msg"]
        match = None
        if item["type"] == "extra_forbidden":
            message = "unknown key"
            if model is not None and loc:
                match = did_you_mean(str(loc[-1]), known_keys(model, loc[:-1]))
        elif "input" in item and not isinstance(item["input"], Mapping):
            shown = repr(item["input"])
            if len(shown) > 60:
                shown = shown[:57] + "..."
            message = f"{message} (got {shown})"
            if item["type"] == "literal_error" and isinstance(item["input"], str):
                choices = re.findall(r"'([^']*)'", str(item.get("ctx", {}).get("expected", "")))
                match = did_you_mean(item["input"], choices)
        if match is not None:
            message = f"{message}; did you mean {match!r}?"
        problems.append(ConfigProblem(path, message))
    return problems
