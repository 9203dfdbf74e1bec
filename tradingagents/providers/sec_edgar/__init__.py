"""SEC EDGAR: the US ticker universe, insider filings (Form 4), submissions, full-text search."""

from tradingagents.providers.sec_edgar.client import SecEdgarClient
from tradingagents.providers.sec_edgar.parse import (
    PROVIDER,
    CompanyTicker,
    CurrentFiling,
    Filing,
    Form4,
    Form4Transaction,
    FullTextHit,
    FullTextResult,
    ReportingOwner,
    Submissions,
    TickerUniverse,
    parse_company_tickers,
    parse_current_feed,
    parse_form4,
    parse_full_text_search,
    parse_submissions,
)

__all__ = [
    "PROVIDER",
    "CompanyTicker",
    "CurrentFiling",
    "Filing",
    "Form4",
    "Form4Transaction",
    "FullTextHit",
    "FullTextResult",
    "ReportingOwner",
    "SecEdgarClient",
    "Submissions",
    "TickerUniverse",
    "parse_company_tickers",
    "parse_current_feed",
    "parse_form4",
    "parse_full_text_search",
    "parse_submissions",
]
