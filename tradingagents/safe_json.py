"""JSON from untrusted bytes: nesting measured before parsing, a repeated key refused."""

from __future__ import annotations

import json
from itertools import accumulate
from typing import Any

_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class UnsafeJson(ValueError):
    """Not JSON this package accepts (malformed, too deep, a repeated key); the message
    completes a sentence naming what was read ("... is nested 40 levels deep, ...")."""


def loads(data: bytes | str, *, max_depth: int) -> Any:
    """``data`` as UTF-8 JSON nested at most ``max_depth`` deep, with no key repeated; a
    ``RecursionError`` or a crash can come from no input."""
    if isinstance(data, str):
        text, data = data, data.encode("utf-8", "surrogatepass")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsafeJson(f"is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    depth = nesting_depth(data)
    if depth > max_depth:
        raise UnsafeJson(f"is nested {depth} levels deep, more than the {max_depth} allowed")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise UnsafeJson(f"is not valid JSON: {exc}") from None
    except RecursionError:
        # Not reached after the depth check; kept so that no input can end in a traceback.
        raise UnsafeJson("is nested too deeply to parse") from None


def nesting_depth(data: bytes) -> int:
    """How deep arrays and objects nest in JSON ``data``, without parsing (so without recursion).

    Escaped backslashes, then escaped quotes, are dropped, so that every remaining quote opens
    or closes a string; brackets inside strings are then skipped. Invalid JSON gets some depth
    and is refused by the parser.
    """
    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(plain.split(b'"')[::2])
    brackets = outside_strings.translate(None, _BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise UnsafeJson(f"repeats the key {key!r} in one object")
            seen.add(key)
    return result
