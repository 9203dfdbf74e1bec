"""sec_catalysts: recent 8-K filings that report material events.

Signal: an 8-K filed in the ``lookback_days`` up to the trade date with at least one material
item (agreements, acquisitions, bankruptcy, results, leadership changes, non-reliance...);
the most serious item sets the priority. Exhibit-only filings (item 9.01) are ignored.
Data: EDGAR full-text search (forms=8-K, the date window); tickers from EDGAR's own names.
Strength: the materiality of the most material item (``MATERIAL_ITEMS``: bankruptcy 1.0 ...
Regulation FD 0.2), over all the ticker's filings in the window.
Cost: 1 EDGAR call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.scanners.history import services_of

# Item: (what it reports, the priority it sets, its materiality: the signal, 0-1). Within a
# priority, the materiality orders items by how much they usually move a stock.
MATERIAL_ITEMS: dict[str, tuple[str, Priority, float]] = {
    "1.01": ("entry into a material agreement", Priority.HIGH, 0.7),
    "1.02": ("termination of a material agreement", Priority.MEDIUM, 0.5),
    "1.03": ("bankruptcy or receivership", Priority.CRITICAL, 1.0),
    "2.01": ("completed acquisition or disposition", Priority.HIGH, 0.8),
    "2.02": ("results of operations", Priority.MEDIUM, 0.6),
    "2.05": ("exit or restructuring costs", Priority.MEDIUM, 0.5),
    "2.06": ("material impairment", Priority.MEDIUM, 0.5),
    "3.01": ("delisting notice", Priority.HIGH, 0.8),
    "4.01": ("auditor change", Priority.MEDIUM, 0.4),
    "4.02": ("non-reliance on financial statements", Priority.CRITICAL, 0.95),
    "5.01": ("change in control", Priority.HIGH, 0.8),
    "5.02": ("officer or director change", Priority.MEDIUM, 0.5),
    "7.01": ("Regulation FD disclosure", Priority.LOW, 0.2),
    "8.01": ("other events", Priority.LOW, 0.3),
}


class SecCatalystsParams(ScannerParams):
    lookback_days: int = Field(default=2, ge=0, le=30)


class SecCatalysts(Scanner[SecCatalystsParams]):
    name = "sec_catalysts"
    providers = ("sec_edgar",)
    # EDGAR is asked by filing date: a past date is answered as it was then.
    point_in_time = "date_range"
    pipeline = "news"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        edgar = services_of(ctx).providers.sec_edgar
        start = ctx.trade_date - timedelta(days=params.lookback_days)
        result = edgar.full_text_search(ctx, forms="8-K", start=start, end=ctx.trade_date)
        found: dict[str, dict[str, Any]] = {}
        for hit in result.hits:
            if not hit.form.startswith("8-K") or not start <= hit.file_date <= ctx.trade_date:
                continue
            material = [i for i in hit.items if i in MATERIAL_ITEMS]
            if not material:
                continue
            signal = max(MATERIAL_ITEMS[i][2] for i in material)
            top = max((MATERIAL_ITEMS[i][1] for i in material), key=lambda p: p.rank)
            described = "; ".join(f"{i} {MATERIAL_ITEMS[i][0]}" for i in material)
            for ticker in hit.tickers:
                entry = found.get(ticker)
                if entry is None:
                    found[ticker] = {
                        "ticker": ticker,
                        "priority": top,
                        "context": f"8-K filed {hit.file_date}: {described}",
                        "filings": [hit.accession],
                        "items": sorted(material),
                        "signal": signal,
                    }
                elif hit.accession not in entry["filings"]:
                    entry["filings"].append(hit.accession)
                    entry["items"] = sorted(set(entry["items"]) | set(material))
                    if top.rank > entry["priority"].rank:
                        entry["priority"] = top
                    entry["signal"] = max(entry["signal"], signal)
                    entry["context"] += f" | 8-K filed {hit.file_date}: {described}"
        ordered = sorted(found.values(), key=lambda e: (-e["priority"].rank, e["ticker"]))
        return list(ordered)
