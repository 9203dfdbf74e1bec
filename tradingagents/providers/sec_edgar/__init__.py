"""SEC EDGAR: the US ticker universe, insider filings (Form 4), submissions, full-text search."""

from tradingagents.providers.sec_edgar._common import PROVIDER
from tradingagents.providers.sec_edgar.client import SecEdgarClient
from tradingagents.providers.sec_edgar.feed import CurrentFiling, parse_current_feed
from tradingagents.providers.sec_edgar.form4 import (
    Form4,
    Form4Transaction,
    ReportingOwner,
    parse_form4,
)
from tradingagents.providers.sec_edgar.full_text import (
    FullTextHit,
    FullTextResult,
    parse_full_text_search,
)
from tradingagents.providers.sec_edgar.submissions import Filing, Submissions, parse_submissions
from tradingagents.providers.sec_edgar.tickers import (
    CompanyTicker,
    TickerUniverse,
    parse_company_tickers,
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
