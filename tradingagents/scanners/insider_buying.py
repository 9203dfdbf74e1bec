"""insider_buying: open-market purchases by insiders, cluster buys and officers ranked higher.

Signal: Form 4 non-derivative transactions with code P (open-market purchase, acquired) filed
in the ``lookback_days`` up to the trade date, summed per issuer; at least ``min_value``
dollars. Several insiders buying (a cluster) or an officer buying raise the priority; sales,
grants, option exercises and derivative purchases are ignored.
Data: EDGAR full-text search (forms=4, the date window) and each filing's Form 4 XML.
Strength: the purchase value on a log scale from ``min_value`` (0) to ``full_signal_value`` (1),
plus ``signal_per_extra_insider`` for each insider beyond the first (a cluster), at most 1.
Cost: 1 EDGAR search call + 1 call per filing, at most ``max_filings`` (EDGAR allows 10/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.scoring import ramp
from tradingagents.errors import ProviderError
from tradingagents.providers.sec_edgar.full_text import FullTextHit
from tradingagents.scanners.history import services_of


class InsiderBuyingParams(ScannerParams):
    lookback_days: int = Field(default=5, ge=0, le=90)
    min_value: float = Field(default=25_000, ge=0)
    high_value: float = Field(default=250_000, ge=0)
    cluster_min_insiders: int = Field(default=2, ge=2)
    max_filings: int = Field(default=40, ge=1, le=100)
    # Purchases worth this much (dollars, summed per issuer) are a full-strength signal (1.0).
    full_signal_value: float = Field(default=5_000_000, gt=0)
    # Added to the signal for each insider beyond the first: a cluster buy is a stronger signal.
    signal_per_extra_insider: float = Field(default=0.2, ge=0, le=1)


@dataclass
class _Buys:
    ticker: str
    issuer: str
    value: float = 0.0
    shares: float = 0.0
    insiders: dict[int, str] = field(default_factory=dict)
    officers: set[int] = field(default_factory=set)
    titles: list[str] = field(default_factory=list)


def insider_signal(value: float, insiders: int, params: InsiderBuyingParams) -> float:
    """Log-scaled purchase value (a $50k buy and a $5M buy differ by 100x), plus the cluster."""
    # Dollars below $1 are treated as $1 so the logarithm is defined for a min_value of 0.
    low = math.log10(max(params.min_value, 1.0))
    high = math.log10(max(params.full_signal_value, 1.0))
    by_value = ramp(math.log10(max(value, 1.0)), low, high)
    return round(min(1.0, by_value + params.signal_per_extra_insider * (insiders - 1)), 4)


class InsiderBuying(Scanner[InsiderBuyingParams]):
    name = "insider_buying"
    providers = ("sec_edgar",)
    # EDGAR is asked by filing date: a past date is answered as it was then.
    point_in_time = "date_range"
    pipeline = "edge"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        hub = services_of(ctx).providers
        edgar = hub.sec_edgar
        start = ctx.trade_date - timedelta(days=params.lookback_days)
        result = edgar.full_text_search(ctx, forms="4", start=start, end=ctx.trade_date)
        hits: dict[str, FullTextHit] = {}
        for hit in result.hits:
            if hit.form == "4" and hit.file_date <= ctx.trade_date and hit.ciks:
                hits.setdefault(hit.accession, hit)
        buys: dict[str, _Buys] = {}
        failures = []
        for hit in list(hits.values())[: params.max_filings]:
            ctx.raise_if_cancelled()
            try:
                form = edgar.form4(
                    ctx, cik=hit.ciks[0], accession=hit.accession, file_name=hit.file_name
                )
            except ProviderError as exc:
                failures.append(f"{hit.accession}: {exc}")
                continue
            if form.ticker is None:
                continue
            for tx in form.purchases():
                if tx.date is not None and not start <= tx.date <= ctx.trade_date:
                    continue  # filed in the window, but a purchase from before it (or a typo)
                value = tx.value
                if value is None:
                    continue
                entry = buys.setdefault(form.ticker, _Buys(form.ticker, form.issuer_name))
                entry.value += value
                entry.shares += tx.shares or 0.0
                for owner in form.owners:
                    entry.insiders[owner.cik] = owner.name
                    if owner.is_officer:
                        entry.officers.add(owner.cik)
                        if owner.officer_title and owner.officer_title not in entry.titles:
                            entry.titles.append(owner.officer_title)
        if failures and len(failures) == min(len(hits), params.max_filings):
            raise ProviderError(f"no Form 4 could be read: {failures[0]}")
        if failures:
            ctx.warn(f"{len(failures)} Form 4 filings could not be read: {'; '.join(failures[:3])}")
        chosen = [b for b in buys.values() if b.value >= params.min_value]
        chosen.sort(key=lambda b: (-len(b.insiders), -b.value, b.ticker))
        return [self._candidate(b, params) for b in chosen]

    def _candidate(self, buys: _Buys, params: InsiderBuyingParams) -> dict[str, Any]:
        n = len(buys.insiders)
        cluster = n >= params.cluster_min_insiders
        if cluster and buys.officers:
            priority = Priority.CRITICAL
        elif cluster or (buys.officers and buys.value >= params.high_value):
            priority = Priority.HIGH
        else:
            priority = Priority.MEDIUM
        who = ", ".join(buys.titles) if buys.titles else f"{n} insider{'s' if n != 1 else ''}"
        kind = f"cluster buy by {n} insiders" if cluster else "insider purchase"
        return {
            "ticker": buys.ticker,
            "priority": priority,
            "context": f"{kind} ({who}): ${buys.value:,.0f} in open-market purchases",
            "insider_value": round(buys.value, 2),
            "insider_shares": buys.shares,
            "insiders": n,
            "officers": len(buys.officers),
            "issuer": buys.issuer,
            "signal": insider_signal(buys.value, n, params),
        }
