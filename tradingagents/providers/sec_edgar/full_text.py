"""SEC EDGAR full-text search (``efts.sec.gov/LATEST/search-index``), an Elasticsearch envelope."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from tradingagents.providers.parsing import Native, PayloadError, load_json, validate
from tradingagents.providers.sec_edgar._common import (
    PROVIDER,
    Accession,
    Cik,
    IsoDate,
    JsonPayload,
    OptionalDate,
    valid_ticker,
)

# EDGAR separates the ticker group with two spaces, so a name's own "(BTC)" is not a ticker:
# "Grayscale Bitcoin Trust (BTC)  (GBTC)  (CIK 0001588489)".
_DISPLAY_NAME = re.compile(
    r"(?P<name>.+?)(?:\s{2,}\((?P<tickers>[^()]*)\))?\s+\(CIK (?P<cik>\d{1,10})\)"
)


def _file_name(doc_id: Any) -> str:
    """The file part of a hit's ``_id`` ("ACCESSION:FILE")."""
    _, colon, file_name = str(doc_id).partition(":")
    if not isinstance(doc_id, str) or not colon or not file_name:
        raise PayloadError(f"expected 'ACCESSION:FILE', got {doc_id!r}")
    return file_name


def _display_name(display: Any) -> tuple[str, tuple[str, ...]]:
    """(name, raw tickers) of a "NAME  (T1, T2)  (CIK ##########)" display name."""
    match = _DISPLAY_NAME.fullmatch(display) if isinstance(display, str) else None
    if match is None:
        raise PayloadError(f"unexpected display name {display!r}")
    return match["name"].strip(), tuple((match["tickers"] or "").split(","))


class _Source(Native):
    adsh: Accession
    form: str
    file_date: IsoDate
    period_ending: OptionalDate = None
    ciks: list[Cik]
    display_names: list[Annotated[tuple[str, tuple[str, ...]], PlainValidator(_display_name)]]
    items: list[str] | None = None


class _Hit(Native):
    file_name: Annotated[str, PlainValidator(_file_name)] = Field(alias="_id")
    source: _Source = Field(alias="_source")


class _Total(Native):
    value: int


class _Hits(Native):
    total: _Total
    hits: list[_Hit]


class _Envelope(Native):
    hits: _Hits


class FullTextHit(BaseModel):
    """One document matched by EDGAR full-text search (a filing's main file or an exhibit)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accession: str
    file_name: str
    form: str
    file_date: datetime.date
    period_ending: datetime.date | None
    ciks: tuple[int, ...]
    tickers: tuple[str, ...]
    names: tuple[str, ...]
    items: tuple[str, ...]


class FullTextResult(BaseModel):
    """A page of full-text search hits; ``total`` is EDGAR's count, capped at 10,000."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int
    hits: tuple[FullTextHit, ...]


def parse_full_text_search(payload: JsonPayload) -> FullTextResult:
    """The Elasticsearch envelope of ``LATEST/search-index``: hits.total.value, hits.hits[]."""
    native = validate(_Envelope, load_json(payload, provider=PROVIDER), provider=PROVIDER)
    return FullTextResult(
        total=native.hits.total.value, hits=tuple(_hit(hit) for hit in native.hits.hits)
    )


def _hit(hit: _Hit) -> FullTextHit:
    source = hit.source
    tickers: list[str] = []
    for _, raw_tickers in source.display_names:
        for raw in raw_tickers:
            ticker = valid_ticker(raw)
            if ticker is not None and ticker not in tickers:
                tickers.append(ticker)
    return FullTextHit(
        accession=source.adsh,
        file_name=hit.file_name,
        form=source.form,
        file_date=source.file_date,
        period_ending=source.period_ending,
        ciks=tuple(source.ciks),
        tickers=tuple(tickers),
        names=tuple(name for name, _ in source.display_names),
        items=tuple(item.strip() for item in source.items or () if item.strip()),
    )
