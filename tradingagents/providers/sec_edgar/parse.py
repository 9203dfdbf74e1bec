"""Pure parsers of SEC EDGAR payloads: tickers, Latest Filings, Form 4, submissions, full-text."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from pydantic import BaseModel, ConfigDict

from tradingagents.discovery.candidate import Ticker, normalize_ticker
from tradingagents.errors import CandidateError, ProviderParseError
from tradingagents.providers.parsing import dig, display_number, load_json

PROVIDER = "sec_edgar"

JsonPayload = bytes | str | Mapping[str, Any]

_ATOM = "{http://www.w3.org/2005/Atom}"
_ACCESSION = re.compile(r"[0-9]{10}-[0-9]{2}-[0-9]{6}")
_CIK = re.compile(r"[0-9]{1,10}")
# xs:date may carry a zone suffix ("2025-12-19-05:00"); the calendar date is what matters.
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?")
# "4 - GAPCO GMBH & CO KG (0001187388) (Reporting)": names may hold parentheses themselves.
_FEED_TITLE = re.compile(r"(?P<form>.+?) - (?P<name>.+) \((?P<cik>\d{1,10})\) \((?P<role>[^()]+)\)")
_FEED_FILED = re.compile(r"Filed:\s*(?:</b>)?\s*(\d{4}-\d{2}-\d{2})")
# Roles an entry of the Latest Filings feed plays in its filing: the company the filing is
# about, or a party filing about it (insider, 13D holder).
_ISSUER_ROLES = frozenset({"Issuer", "Subject", "Filer"})
_REPORTING_ROLES = frozenset({"Reporting", "Filed by"})
# EDGAR separates the ticker group with two spaces, so a name's own "(BTC)" is not a ticker:
# "Grayscale Bitcoin Trust (BTC)  (GBTC)  (CIK 0001588489)".
_DISPLAY_NAME = re.compile(
    r"(?P<name>.+?)(?:\s{2,}\((?P<tickers>[^()]*)\))?\s+\(CIK (?P<cik>\d{1,10})\)"
)
# Filers write these in issuerTradingSymbol when the issuer has no listed stock.
_NO_TICKER = frozenset({"NONE", "N/A"})
_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})


def _fail(message: str, field: str) -> NoReturn:
    raise ProviderParseError(message, provider=PROVIDER, field=field)


def _valid_ticker(raw: object) -> str | None:
    try:
        return normalize_ticker(raw)
    except CandidateError:
        return None


def _parse_date(text: str, field: str) -> datetime.date:
    match = _DATE.fullmatch(text.strip())
    if match is None:
        _fail(f"expected a date, got {text!r}", field)
    try:
        return datetime.date.fromisoformat(match.group(1))
    except ValueError:
        _fail(f"expected a date, got {text!r}", field)


def _parse_aware(text: str, field: str) -> datetime.datetime:
    try:
        when = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        _fail(f"expected an ISO timestamp, got {text!r}", field)
    if when.tzinfo is None:
        # A naive time on EDGAR's servers is ambiguous (ET vs UTC); refuse to guess.
        _fail(f"timestamp without a UTC offset: {text!r}", field)
    return when


def _parse_cik(value: object, field: str) -> int:
    # The APIs spell CIKs as ints or zero-padded strings ("0000320193").
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and _CIK.fullmatch(value.strip()) and int(value) > 0:
        return int(value)
    _fail(f"expected a CIK, got {value!r}", field)


def _split_items(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


# ---------------------------------------------------------------------------------------------
# company_tickers.json


class CompanyTicker(BaseModel):
    """One row of the SEC ticker map: a listed security and the company (CIK) behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cik: int
    ticker: Ticker
    title: str


class TickerUniverse:
    """The canonical US ticker universe (SEC's ticker map), and the validator of tickers.

    Lookups normalise their input (``brk.b`` finds ``BRK-B``). When two rows spell the same
    ticker, the first wins: the SEC file is ordered by market value. ``skipped`` counts rows
    whose ticker is not a valid US ticker spelling; they are left out, not repaired.
    """

    __slots__ = ("_by_cik", "_by_ticker", "_skipped")

    _by_ticker: Mapping[str, CompanyTicker]
    _by_cik: Mapping[int, tuple[CompanyTicker, ...]]
    _skipped: int

    def __init__(self, entries: Iterable[CompanyTicker], *, skipped: int = 0) -> None:
        by_ticker: dict[str, CompanyTicker] = {}
        by_cik: dict[int, list[CompanyTicker]] = {}
        for entry in entries:
            if entry.ticker in by_ticker:
                continue
            by_ticker[entry.ticker] = entry
            by_cik.setdefault(entry.cik, []).append(entry)
        object.__setattr__(self, "_by_ticker", by_ticker)
        object.__setattr__(self, "_by_cik", {cik: tuple(rows) for cik, rows in by_cik.items()})
        object.__setattr__(self, "_skipped", skipped)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def skipped(self) -> int:
        return self._skipped

    def __contains__(self, ticker: object) -> bool:
        normalised = _valid_ticker(ticker)
        return normalised is not None and normalised in self._by_ticker

    def get(self, ticker: str) -> CompanyTicker | None:
        normalised = _valid_ticker(ticker)
        return None if normalised is None else self._by_ticker.get(normalised)

    def by_cik(self, cik: int) -> tuple[CompanyTicker, ...]:
        return self._by_cik.get(cik, ())

    def tickers(self) -> frozenset[str]:
        return frozenset(self._by_ticker)

    def __len__(self) -> int:
        return len(self._by_ticker)

    def __iter__(self) -> Iterator[CompanyTicker]:
        return iter(self._by_ticker.values())

    def __repr__(self) -> str:
        return f"TickerUniverse({len(self)} tickers, skipped={self._skipped})"


def parse_company_tickers(payload: JsonPayload) -> TickerUniverse:
    """``company_tickers.json`` (an object keyed "0".."N" of {cik_str, ticker, title})."""
    data = load_json(payload, provider=PROVIDER)
    if not isinstance(data, Mapping):
        _fail(f"expected an object, got {type(data).__name__}", "<body>")
    if not data:
        # An empty universe would silently reject every ticker.
        _fail("no entries", "<body>")
    entries: list[CompanyTicker] = []
    skipped = 0
    for key in data:
        cik = _parse_cik(dig(data, f"{key}.cik_str", provider=PROVIDER), f"{key}.cik_str")
        raw_ticker = dig(data, f"{key}.ticker", provider=PROVIDER, kind=str)
        title = dig(data, f"{key}.title", provider=PROVIDER, kind=str)
        ticker = _valid_ticker(raw_ticker)
        if ticker is None:
            skipped += 1
            continue
        entries.append(CompanyTicker(cik=cik, ticker=ticker, title=title))
    return TickerUniverse(entries, skipped=skipped)


# ---------------------------------------------------------------------------------------------
# XML helpers


def _parse_xml(payload: bytes, root_tag: str) -> Element:
    try:
        root: Element = SafeET.fromstring(payload)
    except SafeET.ParseError as exc:
        _fail(f"invalid XML ({exc})", "<body>")
    except DefusedXmlException as exc:
        _fail(f"forbidden XML construct ({type(exc).__name__})", "<body>")
    if root.tag != root_tag:
        _fail(f"expected root element {root_tag!r}, got {root.tag!r}", root_tag)
    return root


def _text(element: Element, path: str) -> str | None:
    """Stripped text at ``path``, or None when the element is absent or empty."""
    found = element.find(path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


def _required_text(element: Element, path: str, field: str) -> str:
    text = _text(element, path)
    if text is None:
        _fail("missing field", field)
    return text


def _flag(element: Element, path: str, field: str) -> bool | None:
    text = _text(element, path)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    _fail(f"expected a flag (1/0/true/false), got {text!r}", field)


# ---------------------------------------------------------------------------------------------
# Latest Filings Atom feed (browse-edgar?action=getcurrent&output=atom)


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
class _FeedFiling:
    accession: str
    form: str
    filed: datetime.date
    updated: datetime.datetime
    index_url: str
    issuer: tuple[str, int] | None = None
    reporting: list[tuple[str, int]] = field(default_factory=list)


def parse_current_feed(payload: bytes) -> list[CurrentFiling]:
    """The Atom feed: one record per accession, in order of first appearance.

    EDGAR lists a filing once per party ("(Reporting)", "(Issuer)"); a page boundary can cut
    a filing's entries, so a record may lack its issuer or its reporting owners.
    """
    root = _parse_xml(payload, f"{_ATOM}feed")
    filings: dict[str, _FeedFiling] = {}
    for index, entry in enumerate(root.findall(f"{_ATOM}entry")):
        where = f"entry[{index}]"
        entry_id = _required_text(entry, f"{_ATOM}id", f"{where}.id")
        accession = entry_id.rsplit("=", 1)[-1]
        if not _ACCESSION.fullmatch(accession):
            _fail(f"no accession number in {entry_id!r}", f"{where}.id")
        title = _required_text(entry, f"{_ATOM}title", f"{where}.title")
        match = _FEED_TITLE.fullmatch(title)
        if match is None:
            _fail(f"unexpected title {title!r}", f"{where}.title")
        party = (match["name"].strip(), int(match["cik"]))
        role = match["role"].strip()
        if role not in _ISSUER_ROLES | _REPORTING_ROLES:
            _fail(f"unknown role {role!r}", f"{where}.title")
        filing = filings.get(accession)
        if filing is None:
            filing = filings[accession] = _feed_filing(entry, accession, where)
        if role in _ISSUER_ROLES:
            if filing.issuer is None:
                filing.issuer = party
        elif party not in filing.reporting:
            filing.reporting.append(party)
    return [
        CurrentFiling(
            accession=f.accession,
            form=f.form,
            filed=f.filed,
            updated=f.updated,
            issuer_name=f.issuer[0] if f.issuer else None,
            issuer_cik=f.issuer[1] if f.issuer else None,
            reporting=tuple(f.reporting),
            index_url=f.index_url,
        )
        for f in filings.values()
    ]


def _feed_filing(entry: Element, accession: str, where: str) -> _FeedFiling:
    category = entry.find(f"{_ATOM}category")
    form = (category.get("term") or "").strip() if category is not None else ""
    if not form:
        _fail("missing field", f"{where}.category.term")
    summary = _required_text(entry, f"{_ATOM}summary", f"{where}.summary")
    filed = _FEED_FILED.search(summary)
    if filed is None:
        _fail("no 'Filed:' date", f"{where}.summary")
    link = entry.find(f"{_ATOM}link")
    href = (link.get("href") or "").strip() if link is not None else ""
    if not href:
        _fail("missing field", f"{where}.link.href")
    updated = _required_text(entry, f"{_ATOM}updated", f"{where}.updated")
    return _FeedFiling(
        accession=accession,
        form=form,
        filed=_parse_date(filed.group(1), f"{where}.summary"),
        updated=_parse_aware(updated, f"{where}.updated"),
        index_url=href,
    )


# ---------------------------------------------------------------------------------------------
# Form 4 ownership document (XML)


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


_ACQUIRED_DISPOSED: dict[str, Literal["A", "D"]] = {"A": "A", "D": "D"}
_DIRECT_INDIRECT: dict[str, Literal["D", "I"]] = {"D": "D", "I": "I"}
_TABLES: tuple[tuple[Literal["non_derivative", "derivative"], str], ...] = (
    ("non_derivative", "nonDerivativeTable/nonDerivativeTransaction"),
    ("derivative", "derivativeTable/derivativeTransaction"),
)


def parse_form4(payload: bytes) -> Form4:
    """The raw Form 4 XML (``ownershipDocument``), not EDGAR's XSL-rendered HTML."""
    root = _parse_xml(payload, "ownershipDocument")
    issuer_cik = _parse_cik(
        _required_text(root, "issuer/issuerCik", "issuer.issuerCik"), "issuer.issuerCik"
    )
    issuer_name = _required_text(root, "issuer/issuerName", "issuer.issuerName")
    symbol = _text(root, "issuer/issuerTradingSymbol")
    ticker = None if symbol is None or symbol.upper() in _NO_TICKER else _valid_ticker(symbol)
    period = _parse_date(_required_text(root, "periodOfReport", "periodOfReport"), "periodOfReport")
    owners = tuple(
        _reporting_owner(owner, f"reportingOwner[{i}]")
        for i, owner in enumerate(root.findall("reportingOwner"))
    )
    if not owners:
        _fail("missing field", "reportingOwner")
    transactions = tuple(
        _transaction(row, table, f"{path.split('/')[1]}[{i}]")
        for table, path in _TABLES
        for i, row in enumerate(root.findall(path))
    )
    return Form4(
        issuer_cik=issuer_cik,
        issuer_name=issuer_name,
        ticker=ticker,
        period=period,
        owners=owners,
        transactions=transactions,
        aff10b5_one=_flag(root, "aff10b5One", "aff10b5One"),
    )


def _reporting_owner(owner: Element, where: str) -> ReportingOwner:
    cik_field = f"{where}.reportingOwnerId.rptOwnerCik"
    relationship = owner.find("reportingOwnerRelationship")
    if relationship is None:
        _fail("missing field", f"{where}.reportingOwnerRelationship")

    def flag(name: str) -> bool:
        # The schema lets filers omit a relationship box they did not tick.
        return bool(_flag(relationship, name, f"{where}.reportingOwnerRelationship.{name}"))

    return ReportingOwner(
        cik=_parse_cik(_required_text(owner, "reportingOwnerId/rptOwnerCik", cik_field), cik_field),
        name=_required_text(
            owner, "reportingOwnerId/rptOwnerName", f"{where}.reportingOwnerId.rptOwnerName"
        ),
        is_director=flag("isDirector"),
        is_officer=flag("isOfficer"),
        is_ten_percent_owner=flag("isTenPercentOwner"),
        is_other=flag("isOther"),
        officer_title=_text(relationship, "officerTitle"),
    )


def _transaction(
    row: Element, table: Literal["non_derivative", "derivative"], where: str
) -> Form4Transaction:
    def number(path: str) -> float | None:
        # Only <value> counts: a price given as a footnote alone has no number to read.
        return display_number(
            _text(row, f"{path}/value"), provider=PROVIDER, field=f"{where}.{path}"
        )

    date_text = _text(row, "transactionDate/value")
    acquired_text = _text(row, "transactionAmounts/transactionAcquiredDisposedCode/value")
    acquired = _ACQUIRED_DISPOSED.get(acquired_text or "")
    if acquired_text is not None and acquired is None:
        _fail(f"expected A or D, got {acquired_text!r}", f"{where}.transactionAcquiredDisposedCode")
    nature_text = _text(row, "ownershipNature/directOrIndirectOwnership/value")
    nature = _DIRECT_INDIRECT.get(nature_text or "")
    if nature_text is not None and nature is None:
        _fail(f"expected D or I, got {nature_text!r}", f"{where}.directOrIndirectOwnership")
    return Form4Transaction(
        table=table,
        security_title=_required_text(row, "securityTitle/value", f"{where}.securityTitle"),
        date=None if date_text is None else _parse_date(date_text, f"{where}.transactionDate"),
        code=_required_text(row, "transactionCoding/transactionCode", f"{where}.transactionCode"),
        shares=number("transactionAmounts/transactionShares"),
        price=number("transactionAmounts/transactionPricePerShare"),
        acquired_disposed=acquired,
        shares_owned_after=number("postTransactionAmounts/sharesOwnedFollowingTransaction"),
        direct_indirect=nature,
    )


# ---------------------------------------------------------------------------------------------
# data.sec.gov submissions


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


_REQUIRED_COLUMNS = ("accessionNumber", "filingDate", "form")
_OPTIONAL_COLUMNS = ("reportDate", "items", "primaryDocument", "acceptanceDateTime")


def parse_submissions(payload: JsonPayload) -> Submissions:
    """``submissions/CIK##########.json``: ``filings.recent`` holds one array per column."""
    data = load_json(payload, provider=PROVIDER)
    cik = _parse_cik(dig(data, "cik", provider=PROVIDER), "cik")
    name = dig(data, "name", provider=PROVIDER, kind=str)
    raw_tickers = dig(data, "tickers", provider=PROVIDER, kind=list)
    recent = dig(data, "filings.recent", provider=PROVIDER, kind=Mapping)
    columns: dict[str, list[Any]] = {}
    for column in _REQUIRED_COLUMNS + _OPTIONAL_COLUMNS:
        if column in _REQUIRED_COLUMNS or column in recent:
            columns[column] = dig(data, f"filings.recent.{column}", provider=PROVIDER, kind=list)
    size = len(columns["accessionNumber"])
    for column, values in columns.items():
        if len(values) != size:
            # Rows are read across columns: a short column would shift every later filing.
            _fail(
                f"{len(values)} values, but {size} accession numbers",
                f"filings.recent.{column}",
            )

    def cell(column: str, row: int) -> str | None:
        if column not in columns:
            return None
        value = columns[column][row]
        if not isinstance(value, str):
            _fail(f"expected str, got {type(value).__name__}", f"filings.recent.{column}.{row}")
        return value.strip() or None

    filings = []
    for row in range(size):
        accession = cell("accessionNumber", row)
        filing_date = cell("filingDate", row)
        form = cell("form", row)
        if accession is None or not _ACCESSION.fullmatch(accession):
            _fail(f"bad accession number {accession!r}", f"filings.recent.accessionNumber.{row}")
        if filing_date is None:
            _fail("missing value", f"filings.recent.filingDate.{row}")
        if form is None:
            _fail("missing value", f"filings.recent.form.{row}")
        report_date = cell("reportDate", row)
        acceptance = cell("acceptanceDateTime", row)
        filings.append(
            Filing(
                accession=accession,
                filing_date=_parse_date(filing_date, f"filings.recent.filingDate.{row}"),
                report_date=None
                if report_date is None
                else _parse_date(report_date, f"filings.recent.reportDate.{row}"),
                form=form,
                items=_split_items(cell("items", row) or ""),
                primary_document=cell("primaryDocument", row),
                acceptance=None
                if acceptance is None
                else _parse_aware(acceptance, f"filings.recent.acceptanceDateTime.{row}"),
            )
        )
    tickers: list[str] = []
    for raw in raw_tickers:
        ticker = _valid_ticker(raw)
        if ticker is not None and ticker not in tickers:
            tickers.append(ticker)
    return Submissions(cik=cik, name=name, tickers=tuple(tickers), filings=tuple(filings))


# ---------------------------------------------------------------------------------------------
# efts.sec.gov full-text search


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
    data = load_json(payload, provider=PROVIDER)
    total = dig(data, "hits.total.value", provider=PROVIDER, kind=int)
    raw_hits = dig(data, "hits.hits", provider=PROVIDER, kind=list)
    return FullTextResult(
        total=total,
        hits=tuple(_full_text_hit(data, f"hits.hits.{i}") for i in range(len(raw_hits))),
    )


def _full_text_hit(data: Any, where: str) -> FullTextHit:
    def get(path: str, kind: type) -> Any:
        return dig(data, f"{where}.{path}", provider=PROVIDER, kind=kind)

    doc_id = get("_id", str)
    _, colon, file_name = doc_id.partition(":")
    if not colon or not file_name:
        _fail(f"expected 'ACCESSION:FILE', got {doc_id!r}", f"{where}._id")
    accession = get("_source.adsh", str)
    if not _ACCESSION.fullmatch(accession):
        _fail(f"bad accession number {accession!r}", f"{where}._source.adsh")
    source = get("_source", Mapping)
    period = source.get("period_ending")
    if period is not None and not isinstance(period, str):
        _fail(f"expected str, got {type(period).__name__}", f"{where}._source.period_ending")
    items = source.get("items") or []
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        _fail("expected a list of strings", f"{where}._source.items")
    names: list[str] = []
    tickers: list[str] = []
    for i, display in enumerate(get("_source.display_names", list)):
        match = _DISPLAY_NAME.fullmatch(display) if isinstance(display, str) else None
        if match is None:
            _fail(f"unexpected display name {display!r}", f"{where}._source.display_names.{i}")
        names.append(match["name"].strip())
        for raw in (match["tickers"] or "").split(","):
            ticker = _valid_ticker(raw)
            if ticker is not None and ticker not in tickers:
                tickers.append(ticker)
    ciks = get("_source.ciks", list)
    return FullTextHit(
        accession=accession,
        file_name=file_name,
        form=get("_source.form", str),
        file_date=_parse_date(get("_source.file_date", str), f"{where}._source.file_date"),
        period_ending=None if not period else _parse_date(period, f"{where}._source.period_ending"),
        ciks=tuple(_parse_cik(cik, f"{where}._source.ciks.{i}") for i, cik in enumerate(ciks)),
        tickers=tuple(tickers),
        names=tuple(names),
        items=tuple(item.strip() for item in items if item.strip()),
    )
