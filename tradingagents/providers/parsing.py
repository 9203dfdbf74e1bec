"""Helpers for the pure parse functions: strict JSON loading, field access, display numbers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tradingagents.errors import ProviderParseError

_MISSING = ("", "N/A", "n/a", "NA", "-", "--", "None", "null")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def load_json(payload: bytes | str | Mapping[str, Any] | Sequence[Any], *, provider: str) -> Any:
    """Decode a JSON body (bytes or text); an already decoded value passes through."""
    if not isinstance(payload, bytes | str):
        return payload
    try:
        return json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderParseError(
            f"invalid JSON ({exc})", provider=provider, field="<body>"
        ) from None


def expect_object(value: Any, *, provider: str, field: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else a ProviderParseError naming ``field``."""
    if not isinstance(value, Mapping):
        raise ProviderParseError(
            f"expected an object, got {type(value).__name__}", provider=provider, field=field
        )
    return value


def dig(data: Any, path: str, *, provider: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """``data["a"]["b"][0]`` for path ``a.b.0``, or a ProviderParseError naming the path."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise ProviderParseError("missing field", provider=provider, field=path)
    if kind is not None and not isinstance(current, kind):
        raise ProviderParseError(
            f"expected {_kind_name(kind)}, got {type(current).__name__}",
            provider=provider,
            field=path,
        )
    return current


def _kind_name(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        return " or ".join(k.__name__ for k in kind)
    return kind.__name__


def display_number(value: Any, *, provider: str, field: str) -> float | None:
    """A number from an API's display string, or None when the API says "no value".

    Handles ``"$614,938,050"``, ``"($0.12)"`` (negative), ``"322.8571%"``, ``"-1.5"`` and real
    numbers; ``""``, ``"N/A"`` and None are None. Anything else is a parse error, never 0.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ProviderParseError(
            f"expected a number, got {value!r}", provider=provider, field=field
        )
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text in _MISSING:
            return None
        negative = text.startswith("(") and text.endswith(")")
        if negative:
            text = text[1:-1]
        text = text.replace("$", "").replace(",", "").replace("%", "").strip()
        if not _NUMBER.match(text):
            raise ProviderParseError(
                f"expected a number, got {value!r}", provider=provider, field=field
            )
        number = -float(text) if negative else float(text)
    else:
        raise ProviderParseError(
            f"expected a number, got {type(value).__name__}", provider=provider, field=field
        )
    if not math.isfinite(number):
        raise ProviderParseError(f"non-finite number {value!r}", provider=provider, field=field)
    return number
