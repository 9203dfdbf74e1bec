"""JSON from untrusted bytes: nesting measured first, repeated keys refused, never a crash."""

from __future__ import annotations

import pytest

from tradingagents import safe_json
from tradingagents.errors import ProviderParseError
from tradingagents.providers.parsing import load_json


def test_a_body_nested_100k_deep_is_refused_before_parsing() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(safe_json.UnsafeJson, match="nested 100000 levels deep"):
        safe_json.loads(deep, max_depth=64)


def test_a_repeated_key_is_refused_and_named() -> None:
    with pytest.raises(safe_json.UnsafeJson, match="repeats the key 'price'"):
        safe_json.loads('{"price": 1, "price": 999}', max_depth=8)


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert safe_json.loads('{"a": "[[[[[[[[\\"]]"}', max_depth=1) == {"a": '[[[[[[[["]]'}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "nested 50000 levels deep"),
        (b'{"chart": {"result": [], "result": null}}', "repeats the key 'result'"),
        (b"\xff\xfe not text", "is not UTF-8"),
        (b"<html>Access Denied</html>", "is not valid JSON"),
    ],
)
def test_a_provider_body_that_is_unsafe_is_a_parse_error_naming_the_provider(
    body: bytes, says: str
) -> None:
    with pytest.raises(ProviderParseError) as caught:
        load_json(body, provider="yahoo")
    assert caught.value.provider == "yahoo"
    assert says in str(caught.value) and "invalid JSON" in str(caught.value)
    assert caught.value.__cause__ is None
