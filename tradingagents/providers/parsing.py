"""Shared pieces of the pure parsers: native payload models, the ValidationError mapping, input."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, overload
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ConfigDict, PlainValidator, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from tradingagents import safe_json
from tradingagents.errors import ProviderParseError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

BODY = "<body>"
_MISSING = ("", "N/A", "n/a", "NA", "-", "--", "None", "null")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class Native(BaseModel):
    """Base of the models of a provider's native payload: only the part we read is declared.

    Strict, so that ``"28.00"`` is not a number nor ``1`` a boolean unless a field's validator
    says so; non-finite floats are refused. Schemas are built on first use, not at import.
    """

    model_config = ConfigDict(
        frozen=True, extra="ignore", strict=True, allow_inf_nan=False, defer_build=True
    )


class PayloadError(ValueError):
    """Raised by a validator: its message is kept as is; ``at`` extends the field path."""

    def __init__(self, message: str, *at: str | int) -> None:
        super().__init__(message)
        self.message = message
        self.at = tuple(str(part) for part in at)


def parse_error(exc: ValidationError, *, provider: str, root: str = "") -> ProviderParseError:
    """The ProviderParseError for ``exc``'s first error: provider, dotted field path, what is wrong.

    Pydantic's own errors are told by the input's type, never its value (a value may be a
    credential); a validator's PayloadError is told in its own words.
    """
    error = exc.errors(include_url=False)[0]
    parts = [root] if root else []
    parts += [str(part) for part in error["loc"]]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, PayloadError):
        parts += cause.at
        message = cause.message
    elif isinstance(cause, ValueError):
        message = str(cause)
    else:
        message = _describe(error)
    return ProviderParseError(message, provider=provider, field=".".join(parts) or BODY)


def _describe(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "missing field"
    message = error["msg"].removeprefix("Input should be ")
    if message != error["msg"]:
        message = f"expected {message}, got {type(error['input']).__name__}"
    return message


@overload
def validate(schema: type[M], data: Any, *, provider: str, root: str = "") -> M: ...
@overload
def validate(schema: TypeAdapter[T], data: Any, *, provider: str, root: str = "") -> T: ...
def validate(
    schema: type[BaseModel] | TypeAdapter[Any], data: Any, *, provider: str, root: str = ""
) -> Any:
    """``data`` validated by a model or TypeAdapter; a failure is a ProviderParseError."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except ValidationError as exc:
        error = parse_error(exc, provider=provider, root=root)
    # Raised outside the handler, so no ValidationError (which repeats the input) is chained.
    raise error


# Far deeper than any payload of the APIs we read (Yahoo's chart: 7 levels).
MAX_JSON_DEPTH = 64


def load_json(payload: bytes | str | Mapping[str, Any] | Sequence[Any], *, provider: str) -> Any:
    """Decode a JSON body (bytes or text); an already decoded value passes through."""
    if not isinstance(payload, bytes | str):
        return payload
    try:
        # A hostile or broken server cannot crash the parser (a body nested 100k deep) nor
        # hide a field behind a repeated key.
        return safe_json.loads(payload, max_depth=MAX_JSON_DEPTH)
    except safe_json.UnsafeJson as exc:
        raise ProviderParseError(
            f"invalid JSON: the body {exc}", provider=provider, field=BODY
        ) from None


def to_display_number(value: Any) -> float | None:
    """A number from an API's display string, or None when the API says "no value".

    Handles ``"$614,938,050"``, ``"($0.12)"`` (negative), ``"322.8571%"``, ``"-1.5"`` and real
    numbers; ``""``, ``"N/A"`` and None are None. Anything else is a PayloadError, never 0.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise PayloadError(f"expected a number, got {value!r}")
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
            raise PayloadError(f"expected a number, got {value!r}")
        number = -float(text) if negative else float(text)
    else:
        raise PayloadError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise PayloadError(f"non-finite number {value!r}")
    return number


#: A display string's number (see :func:`to_display_number`); None when there is none.
DisplayNumber = Annotated[float | None, PlainValidator(to_display_number)]


def _nonblank(value: Any) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise PayloadError("empty string")
    return value


#: A string with something besides spaces in it, kept as sent.
NonBlank = Annotated[str, PlainValidator(_nonblank)]


class Listed(Native):
    """A calendar row seen by its ``symbol`` alone, the rest kept unread in ``model_extra``.

    Rows of symbols that are not US tickers are skipped before their other fields are read,
    so a foreign listing's odd values cannot fail the whole payload.
    """

    model_config = ConfigDict(extra="allow")

    symbol: str

    @property
    def raw(self) -> dict[str, Any]:
        return {"symbol": self.symbol, **(self.model_extra or {})}


@dataclass(frozen=True)
class XPath:
    """Field metadata: where an XML model's field is read (``attr``: an attribute of it)."""

    path: str
    attr: str | None = None


def xml_text(element: Element, path: str) -> str | None:
    """Stripped text at ``path``, or None when the element is absent or empty."""
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def xml_fields(element: Element, model: type[BaseModel]) -> dict[str, str]:
    """The raw values of ``model``'s fields, each read at its :class:`XPath`, keyed by alias.

    Absent or empty elements are left out, so a required field reports "missing field".
    """
    values: dict[str, str] = {}
    for name, info in model.model_fields.items():
        where = next((m for m in info.metadata if isinstance(m, XPath)), None)
        if where is None:
            raise TypeError(f"{model.__name__}.{name} does not say where it is read (XPath)")
        if where.attr is None:
            text = xml_text(element, where.path)
        else:
            found = element.find(where.path)
            text = None if found is None else (found.get(where.attr) or "").strip() or None
        if text is not None:
            values[info.alias or name] = text
    return values
