"""SEC EDGAR: parsers against real recorded payloads, and the client against a local server."""

from __future__ import annotations

import copy
import datetime
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderAuthError, ProviderParseError
from tradingagents.http import RequestsTransport
from tradingagents.providers.sec_edgar import (
    CompanyTicker,
    SecEdgarClient,
    TickerUniverse,
    parse_company_tickers,
    parse_current_feed,
    parse_form4,
    parse_full_text_search,
    parse_submissions,
)

UA = "TradingAgents tests test@example.com"
EST = datetime.timezone(datetime.timedelta(hours=-5))

TICKERS = "company_tickers.json"
FEED = "current_filings_form4_atom_page1.xml"
EFTS = "efts_full_text_search_forms8K_q_climate_change.json"
ARWR = "form4_ARWR_2025-12-19_S_sales.xml"
PMN = "form4_PMN_2025-07-25_X_exercises_P_warrant_purchase.xml"
AAPL = "submissions_CIK0000320193_AAPL.json"


@pytest.fixture(scope="module")
def edgar(real: Path) -> Path:
    return real / "sec_edgar"


def load(edgar: Path, name: str) -> bytes:
    return (edgar / name).read_bytes()


def parse_error(exc_info: pytest.ExceptionInfo[ProviderParseError], field: str) -> None:
    assert exc_info.value.provider == "sec_edgar"
    assert exc_info.value.field == field
    assert "sec_edgar" in str(exc_info.value)


# ---------------------------------------------------------------------------------------------
# company_tickers.json


def test_company_tickers_real(edgar: Path) -> None:
    universe = parse_company_tickers(load(edgar, TICKERS))
    assert universe.skipped == 0
    assert len(universe) == 9_610 - universe.skipped
    assert len(universe.tickers()) == 9_610
    assert universe.get("AAPL") == CompanyTicker(cik=320193, ticker="AAPL", title="Apple Inc.")
    assert universe.get("MSFT") == CompanyTicker(cik=789019, ticker="MSFT", title="MICROSOFT CORP")
    assert "BRK-B" in universe
    assert "F" in universe
    ford = universe.get("F")
    assert ford is not None and (ford.cik, ford.title) == (37996, "FORD MOTOR CO")
    assert [t.ticker for t in universe.by_cik(1067983)] == ["BRK-B", "BRK-A"]
    assert universe.by_cik(1) == ()


def test_ticker_universe_normalises_lookups(edgar: Path) -> None:
    universe = parse_company_tickers(load(edgar, TICKERS))
    for spelling in ("brk.b", "BRK/B", " brk-b ", "$BRK.B"):
        assert spelling in universe
        found = universe.get(spelling)
        assert found is not None and found.ticker == "BRK-B"
    for invalid in ("", "NOT A TICKER", "AAPL!", 320193, None):
        assert invalid not in universe
    assert universe.get("not a ticker") is None
    assert universe.get("ZZZZZZ") is None


def test_ticker_universe_counts_invalid_spellings_and_is_immutable() -> None:
    payload = {
        "0": {"cik_str": 1, "ticker": "GOOD", "title": "Good Co"},
        "1": {"cik_str": 2, "ticker": "BAD TICKER", "title": "Bad Co"},
        "2": {"cik_str": 3, "ticker": "brk.a", "title": "Class A"},
        "3": {"cik_str": 4, "ticker": "", "title": "Empty"},
    }
    universe = parse_company_tickers(json.dumps(payload).encode())
    assert universe.skipped == 2
    assert len(universe) == 2
    assert universe.tickers() == frozenset({"GOOD", "BRK-A"})
    with pytest.raises(AttributeError):
        universe.skipped = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        universe._by_ticker = {}
    direct = TickerUniverse([CompanyTicker(cik=9, ticker="x", title="X")], skipped=5)
    assert "X" in direct and direct.skipped == 5


def test_company_tickers_truncated(edgar: Path) -> None:
    payload = load(edgar, TICKERS)
    with pytest.raises(ProviderParseError) as exc_info:
        parse_company_tickers(payload[: len(payload) // 2])
    parse_error(exc_info, "<body>")


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"ticker": "AAPL", "title": "Apple"}, "0.cik_str"),
        ({"cik_str": "abc", "ticker": "AAPL", "title": "Apple"}, "0.cik_str"),
        ({"cik_str": 320193, "ticker": 7, "title": "Apple"}, "0.ticker"),
        ({"cik_str": 320193, "ticker": "AAPL"}, "0.title"),
        ("AAPL", "0.cik_str"),
    ],
)
def test_company_tickers_malformed(row: Any, field: str) -> None:
    with pytest.raises(ProviderParseError) as exc_info:
        parse_company_tickers({"0": row})
    parse_error(exc_info, field)


@pytest.mark.parametrize("payload", [b"{}", b"[]"])
def test_company_tickers_empty_or_not_an_object(payload: bytes) -> None:
    with pytest.raises(ProviderParseError) as exc_info:
        parse_company_tickers(payload)
    parse_error(exc_info, "<body>")


# ---------------------------------------------------------------------------------------------
# Latest Filings Atom feed


def test_current_feed_real(edgar: Path) -> None:
    payload = load(edgar, FEED)
    assert payload.count(b"<entry>") == 100
    filings = parse_current_feed(payload)
    # 45 filings listed once as Reporting and once as Issuer, one with 9 reporting owners.
    assert len(filings) == 46
    assert len({f.accession for f in filings}) == 46
    assert all(f.issuer_cik is not None and f.reporting for f in filings)
    assert {f.form for f in filings} == {"4"}
    assert {f.filed for f in filings} == {datetime.date(2025, 12, 12)}

    first = filings[0]
    assert first.accession == "0002063236-25-000004"
    assert first.issuer_name == "Hinge Health, Inc."
    assert first.issuer_cik == 1673743
    assert first.reporting == (("Perez Daniel Antonio", 2063236),)
    assert first.updated == datetime.datetime(2025, 12, 12, 18, 2, 43, tzinfo=EST)
    assert first.updated.utcoffset() == datetime.timedelta(hours=-5)
    assert first.index_url == (
        "https://www.sec.gov/Archives/edgar/data/2063236/000206323625000004/"
        "0002063236-25-000004-index.htm"
    )
    second = filings[1]
    assert (second.accession, second.issuer_name, second.issuer_cik) == (
        "0001572985-25-000003",
        "ROYAL GOLD INC",
        85535,
    )
    assert second.reporting == (("Vance Ronald J", 1572985),)


def test_current_feed_merges_many_reporting_owners(edgar: Path) -> None:
    filings = {f.accession: f for f in parse_current_feed(load(edgar, FEED))}
    alignment = filings["0000950142-25-003181"]
    assert alignment.issuer_name == "Alignment Healthcare, Inc."
    assert alignment.issuer_cik == 1832466
    assert len(alignment.reporting) == 9
    # Names with their own parentheses keep them; the CIK is the last number group.
    assert ("General Atlantic (SPV) GP, LLC", 1793940) in alignment.reporting
    assert alignment.reporting[-1] == ("GAPCO GMBH & CO KG", 1187388)


def _entry(title: str, *, accession: str = "0000000001-25-000001", updated: str = "") -> str:
    return f"""<entry>
<title>{title}</title>
<link rel="alternate" type="text/html" href="https://www.sec.gov/x-index.htm"/>
<summary type="html"> &lt;b&gt;Filed:&lt;/b&gt; 2025-12-12 &lt;b&gt;AccNo:&lt;/b&gt; x</summary>
<updated>{updated or "2025-12-12T18:02:43-05:00"}</updated>
<category scheme="https://www.sec.gov/" label="form type" term="4"/>
<id>urn:tag:sec.gov,2008:accession-number={accession}</id>
</entry>"""


def _feed(*entries: str, encoding: str = "ISO-8859-1") -> bytes:
    body = "\n".join(entries)
    text = (
        f'<?xml version="1.0" encoding="{encoding}" ?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom">\n{body}\n</feed>'
    )
    return text.encode(encoding)


def test_current_feed_decodes_iso_8859_1_and_keeps_partial_filings() -> None:
    payload = _feed(
        _entry("4 - Peña José (0000000002) (Reporting)"),
        _entry("4 - ACME CORP (0000000009) (Issuer)", accession="0000000003-25-000003"),
    )
    assert "Peña".encode("latin-1") in payload
    first, second = parse_current_feed(payload)
    assert first.reporting == (("Peña José", 2),)
    # The page ended before this filing's Issuer entry: the issuer is unknown, not guessed.
    assert (first.issuer_name, first.issuer_cik) == (None, None)
    assert (second.issuer_name, second.issuer_cik, second.reporting) == ("ACME CORP", 9, ())


def test_current_feed_empty_feed_is_empty() -> None:
    assert parse_current_feed(_feed()) == []


def test_current_feed_truncated(edgar: Path) -> None:
    payload = load(edgar, FEED)
    with pytest.raises(ProviderParseError) as exc_info:
        parse_current_feed(payload[: len(payload) // 2])
    parse_error(exc_info, "<body>")


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (_entry("4 - NO CIK HERE (Reporting)"), "entry[0].title"),
        (_entry("4 - SOMEONE (0000000002) (Bystander)"), "entry[0].title"),
        (_entry("4 - X (0000000002) (Issuer)", accession="not-an-accession"), "entry[0].id"),
        (_entry("4 - X (0000000002) (Issuer)", updated="2025-12-12T18:02:43"), "entry[0].updated"),
        (_entry("4 - X (0000000002) (Issuer)", updated="yesterday"), "entry[0].updated"),
        (
            _entry("4 - X (0000000002) (Issuer)").replace(
                "<title>4 - X (0000000002) (Issuer)</title>", ""
            ),
            "entry[0].title",
        ),
        (_entry("4 - X (0000000002) (Issuer)").replace(' term="4"', ""), "entry[0].category.term"),
        (_entry("4 - X (0000000002) (Issuer)").replace("Filed:", "Fi:"), "entry[0].summary"),
        (
            _entry("4 - X (0000000002) (Issuer)").replace("2025-12-12 &lt;", "2025-13-45 &lt;"),
            "entry[0].summary",
        ),
    ],
)
def test_current_feed_malformed(entry: str, field: str) -> None:
    with pytest.raises(ProviderParseError) as exc_info:
        parse_current_feed(_feed(entry))
    parse_error(exc_info, field)


def test_current_feed_rejects_other_documents_and_entities() -> None:
    with pytest.raises(ProviderParseError) as exc_info:
        parse_current_feed(b"<html><body>Request Rate Threshold Exceeded</body></html>")
    parse_error(exc_info, "{http://www.w3.org/2005/Atom}feed")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom">&b;</feed>'
    )
    with pytest.raises(ProviderParseError) as exc_info:
        parse_current_feed(bomb)
    parse_error(exc_info, "<body>")


# ---------------------------------------------------------------------------------------------
# Form 4


def test_form4_arwr_sales(edgar: Path) -> None:
    form = parse_form4(load(edgar, ARWR))
    assert form.issuer_cik == 879407
    assert form.issuer_name == "ARROWHEAD PHARMACEUTICALS, INC."
    assert form.ticker == "ARWR"
    assert form.period == datetime.date(2025, 12, 19)
    assert form.aff10b5_one is True
    (owner,) = form.owners
    assert (owner.cik, owner.name) == (1242615, "OLUKOTUN ADEOYE Y")
    assert owner.is_director and not owner.is_officer
    assert not owner.is_ten_percent_owner and not owner.is_other
    assert owner.officer_title is None

    assert len(form.transactions) == 3
    assert {t.table for t in form.transactions} == {"non_derivative"}
    assert {t.code for t in form.transactions} == {"S"}
    assert [(t.shares, t.price, t.shares_owned_after) for t in form.transactions] == [
        (3090, 66.70, 40510),
        (6083, 68.04, 34427),
        (827, 68.48, 33600),
    ]
    first = form.transactions[0]
    assert first.security_title == "Common Stock"
    assert first.date == datetime.date(2025, 12, 19)
    assert (first.acquired_disposed, first.direct_indirect) == ("D", "D")
    assert first.value == pytest.approx(3090 * 66.70)
    assert form.purchases() == []


def test_form4_pmn_exercises_and_warrant_purchase(edgar: Path) -> None:
    form = parse_form4(load(edgar, PMN))
    assert (form.issuer_cik, form.issuer_name, form.ticker) == (
        1374339,
        "ProMIS Neurosciences Inc.",
        "PMN",
    )
    assert form.period == datetime.date(2025, 7, 25)
    assert form.aff10b5_one is False
    (owner,) = form.owners
    assert owner.cik == 2089163
    assert owner.name == "Jeremy M. Sclar 2012 Irrevocable Family Trust"
    assert owner.is_ten_percent_owner and not owner.is_director and not owner.is_officer
    assert owner.officer_title is None  # <officerTitle></officerTitle>

    tables = Counter((t.table, t.code) for t in form.transactions)
    assert tables == {("non_derivative", "X"): 3, ("derivative", "X"): 3, ("derivative", "P"): 1}
    exercise = form.transactions[0]
    assert (exercise.shares, exercise.acquired_disposed, exercise.shares_owned_after) == (
        697674,
        "A",
        2315111,
    )
    # The price is only a footnote reference: unknown, not 0.
    assert exercise.price is None and exercise.value is None
    warrant_exercise = form.transactions[3]
    assert warrant_exercise.security_title == "Tranche A Common Share Purchase Warrants"
    assert (warrant_exercise.price, warrant_exercise.acquired_disposed) == (0.0, "D")

    (warrant_buy,) = [t for t in form.transactions if t.code == "P"]
    assert warrant_buy.table == "derivative"
    assert warrant_buy.security_title == "Warrant to Purchase Common Shares"
    assert warrant_buy.date == datetime.date(2025, 7, 29)
    assert (warrant_buy.shares, warrant_buy.price) == (3139533, None)
    assert warrant_buy.acquired_disposed == "A"
    # A warrant bought is not an open-market purchase of the stock.
    assert form.purchases() == []


def test_form4_purchases_finds_open_market_buys(edgar: Path) -> None:
    # ARWR's sale rows rewritten as buys: same element structure, codes P and A.
    payload = (
        load(edgar, ARWR)
        .replace(b"<transactionCode>S<", b"<transactionCode>P<")
        .replace(
            b"<value>D</value>\n                </transactionAcquired",
            b"<value>A</value>\n                </transactionAcquired",
        )
    )
    form = parse_form4(payload)
    purchases = form.purchases()
    assert [t.shares for t in purchases] == [3090, 6083, 827]
    assert sum(t.value or 0 for t in purchases) == pytest.approx(
        3090 * 66.70 + 6083 * 68.04 + 827 * 68.48
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"<issuerTradingSymbol>ARWR<", b"<issuerTradingSymbol>NONE<", None),
        (b"<issuerTradingSymbol>ARWR<", b"<issuerTradingSymbol>none<", None),
        (b"<issuerTradingSymbol>ARWR<", b"<issuerTradingSymbol>ARWR, ARWR.WS<", None),
        (b"<issuerTradingSymbol>ARWR<", b"<issuerTradingSymbol>arwr<", "ARWR"),
        (b"<issuerTradingSymbol>ARWR</issuerTradingSymbol>", b"", None),
    ],
)
def test_form4_ticker(edgar: Path, old: bytes, new: bytes, expected: str | None) -> None:
    assert parse_form4(load(edgar, ARWR).replace(old, new)).ticker == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"<aff10b5One>1<", b"<aff10b5One>true<", True),
        (b"<aff10b5One>1<", b"<aff10b5One>false<", False),
        (b"<aff10b5One>1</aff10b5One>", b"", None),
        (b"<aff10b5One>1<", b"<aff10b5One><", None),
    ],
)
def test_form4_flags(edgar: Path, old: bytes, new: bytes, expected: bool | None) -> None:
    assert parse_form4(load(edgar, ARWR).replace(old, new)).aff10b5_one is expected


def test_form4_word_flags_for_owner(edgar: Path) -> None:
    payload = (
        load(edgar, ARWR)
        .replace(b"<isDirector>1<", b"<isDirector>false<")
        .replace(b"<isOfficer>0<", b"<isOfficer>true<")
        .replace(b"<isOther>0</isOther>", b"<officerTitle>Chief Medical Officer</officerTitle>")
    )
    (owner,) = parse_form4(payload).owners
    assert (owner.is_director, owner.is_officer, owner.is_other) == (False, True, False)
    assert owner.officer_title == "Chief Medical Officer"


def test_form4_truncated(edgar: Path) -> None:
    for name in (ARWR, PMN):
        payload = load(edgar, name)
        with pytest.raises(ProviderParseError) as exc_info:
            parse_form4(payload[: len(payload) // 2])
        parse_error(exc_info, "<body>")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"<issuerCik>0000879407</issuerCik>", b"", "issuer.issuerCik"),
        (b"<issuerCik>0000879407<", b"<issuerCik>ARWR<", "issuer.issuerCik"),
        (b"<issuerName>ARROWHEAD PHARMACEUTICALS, INC.<", b"<issuerName><", "issuer.issuerName"),
        (b"<periodOfReport>2025-12-19<", b"<periodOfReport>19/12/2025<", "periodOfReport"),
        (b"<periodOfReport>2025-12-19</periodOfReport>", b"", "periodOfReport"),
        (
            b"<rptOwnerCik>0001242615</rptOwnerCik>",
            b"",
            "reportingOwner[0].reportingOwnerId.rptOwnerCik",
        ),
        (
            b"<isDirector>1<",
            b"<isDirector>yes<",
            "reportingOwner[0].reportingOwnerRelationship.isDirector",
        ),
        (b"<aff10b5One>1<", b"<aff10b5One>maybe<", "aff10b5One"),
        (
            b"<value>3090</value>",
            b"<value>3,09O</value>",
            "nonDerivativeTransaction[0].transactionAmounts/transactionShares",
        ),
        (
            b"<value>68.04</value>",
            b"<value>n.a.</value>",
            "nonDerivativeTransaction[1].transactionAmounts/transactionPricePerShare",
        ),
        (
            b"<value>33600</value>",
            b"<value>lots</value>",
            "nonDerivativeTransaction[2].postTransactionAmounts/sharesOwnedFollowingTransaction",
        ),
        (
            b"<transactionCode>S</transactionCode>",
            b"",
            "nonDerivativeTransaction[0].transactionCode",
        ),
        (b"<value>Common Stock</value>", b"", "nonDerivativeTransaction[0].securityTitle"),
        (
            b"<value>2025-12-19</value>",
            b"<value>soon</value>",
            "nonDerivativeTransaction[0].transactionDate",
        ),
        (
            b"<value>D</value>\n                </transactionAcquired",
            b"<value>X</value>\n                </transactionAcquired",
            "nonDerivativeTransaction[0].transactionAcquiredDisposedCode",
        ),
        (
            b"<value>D</value>\n                </directOr",
            b"<value>Q</value>\n                </directOr",
            "nonDerivativeTransaction[0].directOrIndirectOwnership",
        ),
        (b"<ownershipDocument>", b"<ownership>", "<body>"),
    ],
)
def test_form4_malformed(edgar: Path, old: bytes, new: bytes, field: str) -> None:
    payload = load(edgar, ARWR)
    assert old in payload
    with pytest.raises(ProviderParseError) as exc_info:
        parse_form4(payload.replace(old, new, 1))
    parse_error(exc_info, field)


def test_form4_without_owner_or_wrong_document(edgar: Path) -> None:
    payload = load(edgar, ARWR)
    start = payload.index(b"<reportingOwner>")
    end = payload.index(b"</reportingOwner>") + len(b"</reportingOwner>")
    with pytest.raises(ProviderParseError) as exc_info:
        parse_form4(payload[:start] + payload[end:])
    parse_error(exc_info, "reportingOwner")
    with pytest.raises(ProviderParseError) as exc_info:
        parse_form4(b"<html><body>form4.xml rendered</body></html>")
    parse_error(exc_info, "ownershipDocument")


# ---------------------------------------------------------------------------------------------
# Submissions


def test_submissions_aapl(edgar: Path) -> None:
    subs = parse_submissions(load(edgar, AAPL))
    assert (subs.cik, subs.name, subs.tickers) == (320193, "Apple Inc.", ("AAPL",))
    assert len(subs.filings) == 1_005
    forms = Counter(f.form for f in subs.filings)
    assert forms["4"] == 596
    assert forms["8-K"] == 106
    assert min(f.filing_date for f in subs.filings) == datetime.date(2015, 3, 12)
    assert max(f.filing_date for f in subs.filings) == datetime.date(2026, 2, 26)
    assert sum(f.report_date is None for f in subs.filings) == 227

    newest = subs.filings[0]
    assert newest.accession == "0001059235-26-000004"
    assert newest.form == "4"
    assert newest.filing_date == datetime.date(2026, 2, 26)
    assert newest.report_date == datetime.date(2026, 2, 24)
    assert newest.items == ()
    assert newest.primary_document == "xslF345X05/wk-form4_1772148856.xml"
    assert newest.acceptance == datetime.datetime(2026, 2, 26, 18, 34, 19, tzinfo=datetime.UTC)

    eight_k = next(f for f in subs.filings if f.form == "8-K")
    assert eight_k.accession == "0001140361-26-006577"
    assert eight_k.items == ("5.07", "9.01")
    assert eight_k.primary_document == "ef20060722_8k.htm"
    assert eight_k.acceptance == datetime.datetime(2026, 2, 24, 16, 55, 58, tzinfo=datetime.UTC)


def test_submissions_truncated(edgar: Path) -> None:
    payload = load(edgar, AAPL)
    with pytest.raises(ProviderParseError) as exc_info:
        parse_submissions(payload[: len(payload) // 2])
    parse_error(exc_info, "<body>")


@pytest.fixture(scope="module")
def aapl(edgar: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(load(edgar, AAPL))
    return data


@pytest.mark.parametrize(
    ("column", "row", "value", "field"),
    [
        ("filingDate", 3, "2026-02-30", "filings.recent.filingDate.3"),
        ("filingDate", 3, "", "filings.recent.filingDate.3"),
        ("reportDate", 0, "Feb 24", "filings.recent.reportDate.0"),
        ("accessionNumber", 5, "0001", "filings.recent.accessionNumber.5"),
        ("form", 2, None, "filings.recent.form.2"),
        ("acceptanceDateTime", 1, "2026-02-26T18:33:49", "filings.recent.acceptanceDateTime.1"),
        ("items", 7, 5.07, "filings.recent.items.7"),
    ],
)
def test_submissions_bad_cell(
    aapl: dict[str, Any], column: str, row: int, value: Any, field: str
) -> None:
    data = copy.deepcopy(aapl)
    data["filings"]["recent"][column][row] = value
    with pytest.raises(ProviderParseError) as exc_info:
        parse_submissions(json.dumps(data).encode())
    parse_error(exc_info, field)


@pytest.mark.parametrize("column", ["form", "filingDate", "items", "acceptanceDateTime"])
def test_submissions_mismatched_columns(aapl: dict[str, Any], column: str) -> None:
    data = copy.deepcopy(aapl)
    data["filings"]["recent"][column].pop()
    with pytest.raises(ProviderParseError) as exc_info:
        parse_submissions(data)
    parse_error(exc_info, f"filings.recent.{column}")
    assert "1004 values" in str(exc_info.value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["filings"]["recent"].pop("accessionNumber"), "filings.recent.accessionNumber"),
        (lambda d: d["filings"].pop("recent"), "filings.recent"),
        (lambda d: d.pop("name"), "name"),
        (lambda d: d.update(cik="Apple"), "cik"),
        (lambda d: d.update(tickers="AAPL"), "tickers"),
    ],
)
def test_submissions_missing_fields(aapl: dict[str, Any], mutate: Any, field: str) -> None:
    data = copy.deepcopy(aapl)
    mutate(data)
    with pytest.raises(ProviderParseError) as exc_info:
        parse_submissions(data)
    parse_error(exc_info, field)


# ---------------------------------------------------------------------------------------------
# Full-text search


def test_full_text_search_real(edgar: Path) -> None:
    result = parse_full_text_search(load(edgar, EFTS))
    assert result.total == 10_000
    assert len(result.hits) == 100
    assert Counter(h.form for h in result.hits) == {"8-K": 99, "8-K/A": 1}

    first = result.hits[0]
    assert first.accession == "0000950142-20-002702"
    assert first.file_name == "eh200118123_ex9901.htm"
    assert first.form == "8-K"
    assert first.file_date == datetime.date(2020, 12, 8)
    assert first.period_ending == datetime.date(2020, 12, 8)
    assert first.ciks == (16875,)
    assert first.tickers == ("CP",)
    assert first.names == ("CANADIAN PACIFIC RAILWAY LTD/CN",)
    assert first.items == ("8.01", "9.01")

    # Eight co-registrants, only the parent has a ticker.
    firstenergy = result.hits[2]
    assert firstenergy.accession == "0001031296-05-000325"
    assert len(firstenergy.ciks) == 8 and firstenergy.ciks[-1] == 1031296
    assert firstenergy.tickers == ("FE",)
    assert firstenergy.names[0] == "PENNSYLVANIA POWER CO"
    assert firstenergy.names[-1] == "FIRSTENERGY CORP"

    edison = result.hits[4]
    assert edison.ciks == (827052, 92103)
    assert edison.tickers == (
        "EIX", "SCE-PG", "SCE-PH", "SCE-PJ", "SCE-PK", "SCE-PL", "SCE-PM", "SCE-PN",
    )  # fmt: skip
    assert edison.names == ("EDISON INTERNATIONAL", "SOUTHERN CALIFORNIA EDISON Co")


def _efts_with(edgar: Path, source: dict[str, Any] | None = None, **hit: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(load(edgar, EFTS))
    data["hits"]["hits"] = data["hits"]["hits"][:1]
    data["hits"]["hits"][0].update(hit)
    data["hits"]["hits"][0]["_source"].update(source or {})
    return data


def test_full_text_search_display_names(edgar: Path) -> None:
    names = [
        "Grayscale Bitcoin Trust (BTC)  (GBTC)  (CIK 0001588489)",
        "General Atlantic (SPV) GP, LLC  (CIK 0001793940)",
        "VORNADO REALTY TRUST  (VNO, VNORP, VNO-PL)  (CIK 0000899689)",
        "ODD CO  (GOOD, NOT VALID!, brk.b)  (CIK 0000000001)",
    ]
    (hit,) = parse_full_text_search(
        _efts_with(edgar, {"display_names": names, "period_ending": None, "items": []})
    ).hits
    assert hit.names == (
        "Grayscale Bitcoin Trust (BTC)",
        "General Atlantic (SPV) GP, LLC",
        "VORNADO REALTY TRUST",
        "ODD CO",
    )
    assert hit.tickers == ("GBTC", "VNO", "VNORP", "VNO-PL", "GOOD", "BRK-B")
    assert hit.period_ending is None
    assert hit.items == ()


def test_full_text_search_truncated(edgar: Path) -> None:
    payload = load(edgar, EFTS)
    with pytest.raises(ProviderParseError) as exc_info:
        parse_full_text_search(payload[: len(payload) // 2])
    parse_error(exc_info, "<body>")


@pytest.mark.parametrize(
    ("source", "hit", "field"),
    [
        ({}, {"_id": "0000950142-20-002702"}, "hits.hits.0._id"),
        ({"adsh": "0000950142-20"}, {}, "hits.hits.0._source.adsh"),
        ({"file_date": "2020-12-32"}, {}, "hits.hits.0._source.file_date"),
        ({"period_ending": 20201208}, {}, "hits.hits.0._source.period_ending"),
        ({"ciks": ["CP"]}, {}, "hits.hits.0._source.ciks.0"),
        ({"display_names": ["CANADIAN PACIFIC (CP)"]}, {}, "hits.hits.0._source.display_names.0"),
        ({"items": "8.01"}, {}, "hits.hits.0._source.items"),
        ({"form": None}, {}, "hits.hits.0._source.form"),
    ],
)
def test_full_text_search_malformed(
    edgar: Path, source: dict[str, Any], hit: dict[str, Any], field: str
) -> None:
    with pytest.raises(ProviderParseError) as exc_info:
        parse_full_text_search(_efts_with(edgar, source, **hit))
    parse_error(exc_info, field)


def test_full_text_search_missing_envelope(edgar: Path) -> None:
    data: dict[str, Any] = json.loads(load(edgar, EFTS))
    del data["hits"]["total"]["value"]
    with pytest.raises(ProviderParseError) as exc_info:
        parse_full_text_search(data)
    parse_error(exc_info, "hits.total.value")
    data = _efts_with(edgar)
    del data["hits"]["hits"][0]["_source"]["file_date"]
    with pytest.raises(ProviderParseError) as exc_info:
        parse_full_text_search(data)
    parse_error(exc_info, "hits.hits.0._source.file_date")


# ---------------------------------------------------------------------------------------------
# Client against a local server


def make_ctx() -> ScanContext:
    return ScanContext(
        scanner="t",
        trade_date=datetime.date(2025, 12, 19),
        config={},
        deadline=time.monotonic() + 10,
    )


@pytest.fixture
def client(httpserver: HTTPServer) -> SecEdgarClient:
    root = httpserver.url_for("")
    return SecEdgarClient(
        RequestsTransport(), user_agent=UA, base_url=root, data_url=root, efts_url=root
    )


HEADERS = {"User-Agent": UA, "Accept-Encoding": "gzip, deflate"}


def test_client_company_tickers(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    httpserver.expect_oneshot_request(
        "/files/company_tickers.json", method="GET", headers=HEADERS
    ).respond_with_data(load(edgar, TICKERS), content_type="application/json")
    ctx = make_ctx()
    universe = client.company_tickers(ctx)
    httpserver.check_assertions()
    assert len(universe) == 9_610 and "AAPL" in universe
    (log,) = ctx._close()
    assert log["tool"] == "sec_edgar.company_tickers"
    assert log["parameters"]["url"] == httpserver.url_for("/files/company_tickers.json")
    assert log["error"] is None
    assert log["output"] == f"HTTP 200, {len(load(edgar, TICKERS))} bytes"


def test_client_current_filings(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    httpserver.expect_oneshot_request(
        "/cgi-bin/browse-edgar",
        headers=HEADERS,
        query_string={
            "action": "getcurrent",
            "type": "4",
            "count": "40",
            "start": "80",
            "owner": "include",
            "output": "atom",
        },
    ).respond_with_data(load(edgar, FEED), content_type="application/atom+xml")
    ctx = make_ctx()
    filings = client.current_filings(ctx, count=40, start=80)
    httpserver.check_assertions()
    assert len(filings) == 46
    assert filings[0].accession == "0002063236-25-000004"
    (log,) = ctx._close()
    assert log["tool"] == "sec_edgar.current_filings"
    assert "action=getcurrent" in log["parameters"]["url"]


def test_client_form4_drops_the_xsl_directory(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    httpserver.expect_oneshot_request(
        "/Archives/edgar/data/879407/000124261525000006/wk-form4_1766530882.xml",
        headers=HEADERS,
    ).respond_with_data(load(edgar, ARWR), content_type="application/xml")
    ctx = make_ctx()
    form = client.form4(
        ctx,
        cik=879407,
        accession="0001242615-25-000006",
        file_name="xslF345X05/wk-form4_1766530882.xml",
    )
    httpserver.check_assertions()
    assert form.ticker == "ARWR" and len(form.transactions) == 3
    (log,) = ctx._close()
    assert log["tool"] == "sec_edgar.form4"
    assert "xslF345X05" not in log["parameters"]["url"]


def test_client_form4_plain_file_name(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    httpserver.expect_oneshot_request(
        "/Archives/edgar/data/1374339/000110465925095035/tm2523607-3_4seq1.xml"
    ).respond_with_data(load(edgar, PMN))
    form = client.form4(
        None, cik=1374339, accession="0001104659-25-095035", file_name="tm2523607-3_4seq1.xml"
    )
    httpserver.check_assertions()
    assert form.ticker == "PMN"


def test_client_submissions(httpserver: HTTPServer, edgar: Path) -> None:
    # data.sec.gov is its own host: only data_url points at the server.
    client = SecEdgarClient(
        RequestsTransport(),
        user_agent=UA,
        base_url="http://127.0.0.1:9/unused",
        data_url=httpserver.url_for("/data"),
    )
    httpserver.expect_oneshot_request(
        "/data/submissions/CIK0000320193.json", headers=HEADERS
    ).respond_with_data(load(edgar, AAPL), content_type="application/json")
    ctx = make_ctx()
    subs = client.submissions(ctx, 320193)
    httpserver.check_assertions()
    assert subs.cik == 320193 and len(subs.filings) == 1_005
    (log,) = ctx._close()
    assert log["tool"] == "sec_edgar.submissions"


def test_client_full_text_search(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    httpserver.expect_oneshot_request(
        "/LATEST/search-index",
        headers=HEADERS,
        query_string={
            "q": '"climate change"',
            "forms": "8-K",
            "dateRange": "custom",
            "startdt": "2025-12-01",
            "enddt": "2025-12-19",
            "from": "100",
        },
    ).respond_with_data(load(edgar, EFTS), content_type="application/json")
    ctx = make_ctx()
    result = client.full_text_search(
        ctx,
        forms="8-K",
        start=datetime.date(2025, 12, 1),
        end=datetime.date(2025, 12, 19),
        query='"climate change"',
        page_from=100,
    )
    httpserver.check_assertions()
    assert result.total == 10_000 and result.hits[0].tickers == ("CP",)
    (log,) = ctx._close()
    assert log["tool"].startswith("sec_edgar.")


def test_client_full_text_search_omits_empty_query_and_first_page(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    httpserver.expect_oneshot_request(
        "/LATEST/search-index",
        query_string={
            "forms": "4",
            "dateRange": "custom",
            "startdt": "2025-12-19",
            "enddt": "2025-12-19",
        },
    ).respond_with_data(load(edgar, EFTS))
    day = datetime.date(2025, 12, 19)
    client.full_text_search(None, forms="4", start=day, end=day)
    httpserver.check_assertions()


def test_client_403_is_an_auth_error(httpserver: HTTPServer, client: SecEdgarClient) -> None:
    httpserver.expect_oneshot_request("/files/company_tickers.json").respond_with_data(
        b"<html>Your Request Originates from an Undeclared Automated Tool</html>", status=403
    )
    ctx = make_ctx()
    with pytest.raises(ProviderAuthError) as exc_info:
        client.company_tickers(ctx)
    assert exc_info.value.status == 403
    assert exc_info.value.provider == "sec_edgar"
    assert exc_info.value.scanner == "t"
    assert not exc_info.value.retryable
    (log,) = ctx._close()
    assert log["tool"] == "sec_edgar.company_tickers"
    assert log["error"].startswith("ProviderAuthError")


def test_client_parse_error_from_a_truncated_body(
    httpserver: HTTPServer, client: SecEdgarClient, edgar: Path
) -> None:
    payload = load(edgar, AAPL)
    httpserver.expect_oneshot_request("/submissions/CIK0000320193.json").respond_with_data(
        payload[: len(payload) // 2]
    )
    with pytest.raises(ProviderParseError) as exc_info:
        client.submissions(make_ctx(), 320193)
    parse_error(exc_info, "<body>")


@pytest.mark.parametrize("user_agent", ["", "   "])
def test_client_requires_a_user_agent(user_agent: str) -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        SecEdgarClient(RequestsTransport(), user_agent=user_agent)


def test_client_defaults() -> None:
    client = SecEdgarClient(RequestsTransport(), user_agent=UA)
    assert client.base_url == "https://www.sec.gov"
    assert client.data_url == "https://data.sec.gov"
    assert client.efts_url == "https://efts.sec.gov"
    assert client.headers == HEADERS
