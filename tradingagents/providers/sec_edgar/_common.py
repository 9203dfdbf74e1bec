"""What the SEC EDGAR parsers share: the provider name, EDGAR's value formats, XML loading."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Annotated, Any, NoReturn
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from pydantic import PlainValidator

from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.errors import CandidateError, ProviderParseError
from tradingagents.providers.parsing import BODY, PayloadError

PROVIDER = "sec_edgar"

JsonPayload = bytes | str | Mapping[str, Any]

ACCESSION = re.compile(r"[0-9]{10}-[0-9]{2}-[0-9]{6}")
_CIK = re.compile(r"[0-9]{1,10}")
# xs:date may carry a zone suffix ("2025-12-19-05:00"); the calendar date is what matters.
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})


def fail(message: str, field: str) -> NoReturn:
    raise ProviderParseError(message, provider=PROVIDER, field=field)


def valid_ticker(raw: object) -> str | None:
    try:
        return normalize_ticker(raw)
    except CandidateError:
        return None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise PayloadError(f"expected str, got {type(value).__name__}")
    return value.strip()


def to_date(value: Any) -> datetime.date:
    text = _text(value)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return datetime.date.fromisoformat(match.group(1))
    except ValueError:
        raise PayloadError(f"expected a date, got {value!r}") from None


def _aware(value: Any) -> datetime.datetime:
    try:
        when = datetime.datetime.fromisoformat(_text(value))
    except ValueError:
        raise PayloadError(f"expected an ISO timestamp, got {value!r}") from None
    if when.tzinfo is None:
        # A naive time on EDGAR's servers is ambiguous (ET vs UTC); refuse to guess.
        raise PayloadError(f"timestamp without a UTC offset: {value!r}")
    return when


def _cik(value: Any) -> int:
    # The APIs spell CIKs as ints or zero-padded strings ("0000320193").
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and _CIK.fullmatch(value.strip()) and int(value) > 0:
        return int(value)
    raise PayloadError(f"expected a CIK, got {value!r}")


def _accession(value: Any) -> str:
    text = _text(value)
    if not ACCESSION.fullmatch(text):
        raise PayloadError(f"bad accession number {value!r}")
    return text


def _required(value: Any) -> str:
    text = _text(value)
    if not text:
        raise PayloadError("missing value")
    return text


def _flag(value: Any) -> bool:
    lowered = _text(value).lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise PayloadError(f"expected a flag (1/0/true/false), got {value!r}")


def _or_none(convert: Any) -> Any:
    """``convert`` where an empty or null value means "none given"."""

    def optional(value: Any) -> Any:
        return None if value is None or _text(value) == "" else convert(value)

    return optional


Cik = Annotated[int, PlainValidator(_cik)]
Accession = Annotated[str, PlainValidator(_accession)]
Required = Annotated[str, PlainValidator(_required)]
IsoDate = Annotated[datetime.date, PlainValidator(to_date)]
OptionalDate = Annotated[datetime.date | None, PlainValidator(_or_none(to_date))]
AwareTime = Annotated[datetime.datetime, PlainValidator(_aware)]
OptionalAwareTime = Annotated[datetime.datetime | None, PlainValidator(_or_none(_aware))]
Flag = Annotated[bool, PlainValidator(_flag)]


def parse_xml(payload: bytes, root_tag: str) -> Element:
    try:
        root: Element = SafeET.fromstring(payload)
    except SafeET.ParseError as exc:
        fail(f"invalid XML ({exc})", BODY)
    except DefusedXmlException as exc:
        fail(f"forbidden XML construct ({type(exc).__name__})", BODY)
    if root.tag != root_tag:
        fail(f"expected root element {root_tag!r}, got {root.tag!r}", root_tag)
    return root


def split_items(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())
