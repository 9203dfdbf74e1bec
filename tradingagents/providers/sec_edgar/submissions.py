"""SEC EDGAR's submissions history (``data.sec.gov/submissions/CIK##########.json``)."""

from __future__ import annotations

import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradingagents.providers.parsing import Native, PayloadError, load_json, validate
from tradingagents.providers.sec_edgar._common import (
    PROVIDER,
    Accession,
    Cik,
    IsoDate,
    JsonPayload,
    OptionalAwareTime,
    OptionalDate,
    Required,
    split_items,
    valid_ticker,
)


class _Recent(Native):
    """``filings.recent``: one array per column, a filing per index across them."""

    accession: list[Accession] = Field(alias="accessionNumber")
    filing_date: list[IsoDate] = Field(alias="filingDate")
    form: list[Required]
    report_date: list[OptionalDate] | None = Field(None, alias="reportDate")
    items: list[str] | None = None
    primary_document: list[str] | None = Field(None, alias="primaryDocument")
    acceptance: list[OptionalAwareTime] | None = Field(None, alias="acceptanceDateTime")

    @model_validator(mode="after")
    def _same_lengths(self) -> Self:
        size = len(self.accession)
        for name, info in type(self).model_fields.items():
            values = getattr(self, name)
            if values is not None and len(values) != size:
                # Rows are read across columns: a short column would shift every later filing.
                raise PayloadError(
                    f"{len(values)} values, but {size} accession numbers", info.alias or name
                )
        return self


class _Filings(Native):
    recent: _Recent


class _Submissions(Native):
    cik: Cik
    name: str
    tickers: list[Any]
    filings: _Filings


class Filing(BaseModel):
    """One filing in a company's submissions history."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accession: str
    filing_date: datetime.date
    report_date: datetime.date | None
    form: str
    items: tuple[str, ...]
    primary_document: str | None
    acceptance: datetime.datetime | None


class Submissions(BaseModel):
    """A company's identity and its recent filings (newest first, as EDGAR lists them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cik: int
    name: str
    tickers: tuple[str, ...]
    filings: tuple[Filing, ...]


def parse_submissions(payload: JsonPayload) -> Submissions:
    """``submissions/CIK##########.json``: ``filings.recent`` holds one array per column."""
    native = validate(_Submissions, load_json(payload, provider=PROVIDER), provider=PROVIDER)
    recent = native.filings.recent
    size = len(recent.accession)
    nothing: list[None] = [None] * size
    filings = tuple(
        Filing(
            accession=accession,
            filing_date=filing_date,
            report_date=report_date,
            form=form,
            items=split_items(items or ""),
            primary_document=(document or "").strip() or None,
            acceptance=acceptance,
        )
        for accession, filing_date, form, report_date, items, document, acceptance in zip(
            recent.accession,
            recent.filing_date,
            recent.form,
            recent.report_date or nothing,
            recent.items or nothing,
            recent.primary_document or nothing,
            recent.acceptance or nothing,
            strict=True,
        )
    )
    tickers: list[str] = []
    for raw in native.tickers:
        ticker = valid_ticker(raw)
        if ticker is not None and ticker not in tickers:
            tickers.append(ticker)
    return Submissions(cik=native.cik, name=native.name, tickers=tuple(tickers), filings=filings)
