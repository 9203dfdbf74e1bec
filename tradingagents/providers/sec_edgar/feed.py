"""SEC EDGAR's Latest Filings Atom feed (``browse-edgar?action=getcurrent&output=atom``)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from tradingagents.providers.parsing import Native, PayloadError, XPath, validate, xml_fields
from tradingagents.providers.sec_edgar._common import (
    ACCESSION,
    PROVIDER,
    AwareTime,
    parse_xml,
    to_date,
)

_ATOM = "{http://www.w3.org/2005/Atom}"
# "4 - GAPCO GMBH & CO KG (0001187388) (Reporting)": names may hold parentheses themselves.
_TITLE = re.compile(r"(?P<form>.+?) - (?P<name>.+) \((?P<cik>\d{1,10})\) \((?P<role>[^()]+)\)")
_FILED = re.compile(r"Filed:\s*(?:</b>)?\s*(\d{4}-\d{2}-\d{2})")
# Roles an entry of the feed plays in its filing: the company the filing is about, or a party
# filing about it (insider, 13D holder).
_ISSUER_ROLES = frozenset({"Issuer", "Subject", "Filer"})
_REPORTING_ROLES = frozenset({"Reporting", "Filed by"})


def _accession(entry_id: Any) -> str:
    accession = str(entry_id).rsplit("=", 1)[-1]
    if not ACCESSION.fullmatch(accession):
        raise PayloadError(f"no accession number in {entry_id!r}")
    return accession


def _party(title: Any) -> tuple[str, int, bool]:
    """(name, CIK, is the issuer) from an entry's title."""
    match = _TITLE.fullmatch(str(title))
    if match is None:
        raise PayloadError(f"unexpected title {title!r}")
    role = match["role"].strip()
    if role not in _ISSUER_ROLES | _REPORTING_ROLES:
        raise PayloadError(f"unknown role {role!r}")
    return match["name"].strip(), int(match["cik"]), role in _ISSUER_ROLES


def _filed(summary: Any) -> datetime.date:
    found = _FILED.search(str(summary))
    if found is None:
        raise PayloadError("no 'Filed:' date")
    return to_date(found.group(1))


class _Party(Native):
    """One ``<entry>``: EDGAR lists a filing once per party, so a filing has several."""

    accession: Annotated[str, XPath(f"{_ATOM}id"), PlainValidator(_accession)] = Field(alias="id")
    party: Annotated[tuple[str, int, bool], XPath(f"{_ATOM}title"), PlainValidator(_party)] = Field(
        alias="title"
    )


class _Details(Native):
    """What the entries of one filing share, read from its first entry."""

    form: Annotated[str, XPath(f"{_ATOM}category", attr="term")] = Field(alias="category.term")
    filed: Annotated[datetime.date, XPath(f"{_ATOM}summary"), PlainValidator(_filed)] = Field(
        alias="summary"
    )
    index_url: Annotated[str, XPath(f"{_ATOM}link", attr="href")] = Field(alias="link.href")
    updated: Annotated[AwareTime, XPath(f"{_ATOM}updated")]


class CurrentFiling(BaseModel):
    """One filing of the Latest Filings feed, its Issuer and Reporting entries merged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accession: str
    form: str
    filed: datetime.date
    updated: datetime.datetime
    issuer_name: str | None
    issuer_cik: int | None
    reporting: tuple[tuple[str, int], ...]
    index_url: str


@dataclass
class _Filing:
    first: _Details
    issuer: tuple[str, int] | None = None
    reporting: list[tuple[str, int]] = field(default_factory=list)


def parse_current_feed(payload: bytes) -> list[CurrentFiling]:
    """The Atom feed: one record per accession, in order of first appearance.

    EDGAR lists a filing once per party ("(Reporting)", "(Issuer)"); a page boundary can cut
    a filing's entries, so a record may lack its issuer or its reporting owners.
    """
    root = parse_xml(payload, f"{_ATOM}feed")
    filings: dict[str, _Filing] = {}
    for index, element in enumerate(root.findall(f"{_ATOM}entry")):
        where = f"entry[{index}]"
        entry = validate(_Party, xml_fields(element, _Party), provider=PROVIDER, root=where)
        filing = filings.get(entry.accession)
        if filing is None:
            details = validate(
                _Details, xml_fields(element, _Details), provider=PROVIDER, root=where
            )
            filing = filings[entry.accession] = _Filing(details)
        name, cik, is_issuer = entry.party
        if is_issuer:
            if filing.issuer is None:
                filing.issuer = (name, cik)
        elif (name, cik) not in filing.reporting:
            filing.reporting.append((name, cik))
    return [
        CurrentFiling(
            accession=accession,
            form=f.first.form,
            filed=f.first.filed,
            updated=f.first.updated,
            issuer_name=f.issuer[0] if f.issuer else None,
            issuer_cik=f.issuer[1] if f.issuer else None,
            reporting=tuple(f.reporting),
            index_url=f.first.index_url,
        )
        for accession, f in filings.items()
    ]
