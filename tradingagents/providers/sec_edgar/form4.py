"""SEC EDGAR's Form 4 ownership document (the raw XML, not the XSL-rendered HTML)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradingagents.providers.parsing import DisplayNumber, Native, XPath, validate, xml_fields
from tradingagents.providers.sec_edgar._common import (
    PROVIDER,
    Cik,
    Flag,
    IsoDate,
    OptionalDate,
    fail,
    parse_xml,
    valid_ticker,
)

# Filers write these in issuerTradingSymbol when the issuer has no listed stock.
_NO_TICKER = frozenset({"NONE", "N/A"})
_TABLES: tuple[tuple[Literal["non_derivative", "derivative"], str], ...] = (
    ("non_derivative", "nonDerivativeTable/nonDerivativeTransaction"),
    ("derivative", "derivativeTable/derivativeTransaction"),
)


class _Document(Native):
    issuer_cik: Annotated[Cik, XPath("issuer/issuerCik")] = Field(alias="issuer.issuerCik")
    issuer_name: Annotated[str, XPath("issuer/issuerName")] = Field(alias="issuer.issuerName")
    symbol: Annotated[str | None, XPath("issuer/issuerTradingSymbol")] = Field(
        None, alias="issuer.issuerTradingSymbol"
    )
    period: Annotated[IsoDate, XPath("periodOfReport")] = Field(alias="periodOfReport")
    aff10b5_one: Annotated[Flag | None, XPath("aff10b5One")] = Field(None, alias="aff10b5One")


class _Owner(Native):
    cik: Annotated[Cik, XPath("reportingOwnerId/rptOwnerCik")] = Field(
        alias="reportingOwnerId.rptOwnerCik"
    )
    name: Annotated[str, XPath("reportingOwnerId/rptOwnerName")] = Field(
        alias="reportingOwnerId.rptOwnerName"
    )
    # The schema lets filers omit a relationship box they did not tick.
    is_director: Annotated[Flag, XPath("reportingOwnerRelationship/isDirector")] = Field(
        False, alias="reportingOwnerRelationship.isDirector"
    )
    is_officer: Annotated[Flag, XPath("reportingOwnerRelationship/isOfficer")] = Field(
        False, alias="reportingOwnerRelationship.isOfficer"
    )
    is_ten_percent_owner: Annotated[Flag, XPath("reportingOwnerRelationship/isTenPercentOwner")] = (
        Field(False, alias="reportingOwnerRelationship.isTenPercentOwner")
    )
    is_other: Annotated[Flag, XPath("reportingOwnerRelationship/isOther")] = Field(
        False, alias="reportingOwnerRelationship.isOther"
    )
    officer_title: Annotated[str | None, XPath("reportingOwnerRelationship/officerTitle")] = Field(
        None, alias="reportingOwnerRelationship.officerTitle"
    )


class _Transaction(Native):
    """A transaction row; only ``<value>`` counts (a footnote alone has no number to read)."""

    security_title: Annotated[str, XPath("securityTitle/value")] = Field(alias="securityTitle")
    date: Annotated[OptionalDate, XPath("transactionDate/value")] = Field(
        None, alias="transactionDate"
    )
    code: Annotated[str, XPath("transactionCoding/transactionCode")] = Field(
        alias="transactionCode"
    )
    shares: Annotated[DisplayNumber, XPath("transactionAmounts/transactionShares/value")] = Field(
        None, alias="transactionAmounts/transactionShares"
    )
    price: Annotated[DisplayNumber, XPath("transactionAmounts/transactionPricePerShare/value")] = (
        Field(None, alias="transactionAmounts/transactionPricePerShare")
    )
    acquired_disposed: Annotated[
        Literal["A", "D"] | None,
        XPath("transactionAmounts/transactionAcquiredDisposedCode/value"),
    ] = Field(None, alias="transactionAcquiredDisposedCode")
    shares_owned_after: Annotated[
        DisplayNumber, XPath("postTransactionAmounts/sharesOwnedFollowingTransaction/value")
    ] = Field(None, alias="postTransactionAmounts/sharesOwnedFollowingTransaction")
    direct_indirect: Annotated[
        Literal["D", "I"] | None, XPath("ownershipNature/directOrIndirectOwnership/value")
    ] = Field(None, alias="directOrIndirectOwnership")


class ReportingOwner(BaseModel):
    """An insider who filed the Form 4, and their relationship to the issuer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cik: int
    name: str
    is_director: bool
    is_officer: bool
    is_ten_percent_owner: bool
    is_other: bool
    officer_title: str | None


class Form4Transaction(BaseModel):
    """One row of a Form 4 transaction table; amounts a filer left out are None."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: Literal["non_derivative", "derivative"]
    security_title: str
    date: datetime.date | None
    code: str
    shares: float | None
    price: float | None
    acquired_disposed: Literal["A", "D"] | None
    shares_owned_after: float | None
    direct_indirect: Literal["D", "I"] | None

    @property
    def value(self) -> float | None:
        """Shares times price per share, when both are known."""
        if self.shares is None or self.price is None:
            return None
        return self.shares * self.price


class Form4(BaseModel):
    """A Form 4 (statement of changes in beneficial ownership)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer_cik: int
    issuer_name: str
    ticker: str | None
    period: datetime.date
    owners: tuple[ReportingOwner, ...]
    transactions: tuple[Form4Transaction, ...]
    aff10b5_one: bool | None

    def purchases(self) -> list[Form4Transaction]:
        """Open-market purchases: code P in the non-derivative table, shares acquired.

        A P in the derivative table buys a warrant or option, not the stock itself.
        """
        return [
            t
            for t in self.transactions
            if t.table == "non_derivative" and t.code == "P" and t.acquired_disposed == "A"
        ]


def parse_form4(payload: bytes) -> Form4:
    """The raw Form 4 XML (``ownershipDocument``), not EDGAR's XSL-rendered HTML."""
    root = parse_xml(payload, "ownershipDocument")
    document = validate(_Document, xml_fields(root, _Document), provider=PROVIDER)
    symbol = document.symbol
    owners = []
    for i, element in enumerate(root.findall("reportingOwner")):
        where = f"reportingOwner[{i}]"
        if element.find("reportingOwnerRelationship") is None:
            fail("missing field", f"{where}.reportingOwnerRelationship")
        owner = validate(_Owner, xml_fields(element, _Owner), provider=PROVIDER, root=where)
        owners.append(ReportingOwner(**owner.model_dump()))
    if not owners:
        fail("missing field", "reportingOwner")
    transactions = tuple(
        Form4Transaction(
            table=table,
            **validate(
                _Transaction,
                xml_fields(row, _Transaction),
                provider=PROVIDER,
                root=f"{path.split('/')[1]}[{i}]",
            ).model_dump(),
        )
        for table, path in _TABLES
        for i, row in enumerate(root.findall(path))
    )
    return Form4(
        issuer_cik=document.issuer_cik,
        issuer_name=document.issuer_name,
        ticker=None if symbol is None or symbol.upper() in _NO_TICKER else valid_ticker(symbol),
        period=document.period,
        owners=tuple(owners),
        transactions=transactions,
        aff10b5_one=document.aff10b5_one,
    )
