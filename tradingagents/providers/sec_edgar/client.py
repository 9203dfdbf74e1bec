"""SecEdgarClient: EDGAR's ticker map, Latest Filings feed, Form 4 XML, submissions and search."""

from __future__ import annotations

import re
from datetime import date

from tradingagents.discovery.context import ScanContext
from tradingagents.http import DEFAULT_MAX_BYTES, Transport
from tradingagents.providers.base import ProviderClient
from tradingagents.providers.sec_edgar.feed import CurrentFiling, parse_current_feed
from tradingagents.providers.sec_edgar.form4 import Form4, parse_form4
from tradingagents.providers.sec_edgar.full_text import FullTextResult, parse_full_text_search
from tradingagents.providers.sec_edgar.submissions import Submissions, parse_submissions
from tradingagents.providers.sec_edgar.tickers import TickerUniverse, parse_company_tickers

_XSL_DIR = re.compile(r"^xsl[^/]*/", re.IGNORECASE)


class SecEdgarClient(ProviderClient):
    """EDGAR over its three hosts: www.sec.gov, data.sec.gov and efts.sec.gov.

    EDGAR blocks clients that do not declare who they are, so a User-Agent with contact
    details ("Jane Doe jane@example.com") is required.
    """

    provider = "sec_edgar"
    DEFAULT_BASE_URL = "https://www.sec.gov"
    DEFAULT_DATA_URL = "https://data.sec.gov"
    DEFAULT_EFTS_URL = "https://efts.sec.gov"

    def __init__(
        self,
        transport: Transport,
        *,
        user_agent: str,
        base_url: str = DEFAULT_BASE_URL,
        data_url: str = DEFAULT_DATA_URL,
        efts_url: str = DEFAULT_EFTS_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not user_agent.strip():
            raise ValueError(
                "EDGAR requires a User-Agent with contact info, e.g. 'Jane Doe jane@example.com'"
            )
        super().__init__(
            transport,
            base_url=base_url,
            headers={"User-Agent": user_agent.strip(), "Accept-Encoding": "gzip, deflate"},
            max_bytes=max_bytes,
        )
        self.data_url = data_url.rstrip("/")
        self.efts_url = efts_url.rstrip("/")

    def company_tickers(self, ctx: ScanContext | None) -> TickerUniverse:
        return self.fetch(
            ctx,
            "/files/company_tickers.json",
            tool="sec_edgar.company_tickers",
            parse=parse_company_tickers,
        )

    def current_filings(
        self, ctx: ScanContext | None, *, form: str = "4", count: int = 100, start: int = 0
    ) -> list[CurrentFiling]:
        params: dict[str, str | int] = {
            "action": "getcurrent",
            "type": form,
            "count": count,
            "start": start,
            "owner": "include",
            "output": "atom",
        }
        return self.fetch(
            ctx,
            "/cgi-bin/browse-edgar",
            params,
            tool="sec_edgar.current_filings",
            parse=parse_current_feed,
        )

    def form4(self, ctx: ScanContext | None, *, cik: int, accession: str, file_name: str) -> Form4:
        # "xslF345X05/form4.xml" is EDGAR's HTML rendering; the raw XML sits one level up.
        raw_name = _XSL_DIR.sub("", file_name)
        folder = accession.replace("-", "")
        path = f"/Archives/edgar/data/{cik}/{folder}/{raw_name}"
        return self.fetch(ctx, path, tool="sec_edgar.form4", parse=parse_form4)

    def submissions(self, ctx: ScanContext | None, cik: int) -> Submissions:
        url = f"{self.data_url}/submissions/CIK{cik:010d}.json"
        return self.fetch(ctx, url, tool="sec_edgar.submissions", parse=parse_submissions)

    def full_text_search(
        self,
        ctx: ScanContext | None,
        *,
        forms: str,
        start: date,
        end: date,
        query: str = "",
        page_from: int = 0,
    ) -> FullTextResult:
        params: dict[str, str | int] = {}
        if query:
            params["q"] = query
        params.update(
            forms=forms, dateRange="custom", startdt=start.isoformat(), enddt=end.isoformat()
        )
        if page_from > 0:
            params["from"] = page_from
        url = f"{self.efts_url}/LATEST/search-index"
        return self.fetch(
            ctx, url, params, tool="sec_edgar.full_text", parse=parse_full_text_search
        )
