"""market_movers: the day's top gainers, losers and most active stocks, filtered for quality.

Signal: big percentage moves (and heavy trading) in liquid, not-tiny stocks.
Data: Yahoo predefined screeners day_gainers, day_losers, most_actives; Alpha Vantage
TOP_GAINERS_LOSERS as a fallback when every Yahoo screener fails and a key is set.
Strength: |change %| from ``min_change_pct`` (0) to ``full_signal_change_pct`` (1), linear; a
most-active stock that moved less than ``min_change_pct`` has 0.
Cost: 3 Yahoo calls (+1 Alpha Vantage call on fallback).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.candidate import normalize_ticker
from tradingagents.discovery.scoring import ramp
from tradingagents.errors import CandidateError, ProviderError
from tradingagents.providers.alpha_vantage.parse import AvMover
from tradingagents.providers.yahoo.parse import ScreenerQuote
from tradingagents.scanners.history import services_of

SCREENERS = {"day_gainers": "gainers", "day_losers": "losers", "most_actives": "most_active"}


class MarketMoversParams(ScannerParams):
    min_price: float = Field(default=5.0, ge=0)
    min_volume: float = Field(default=1_000_000, ge=0)
    min_market_cap: float = Field(default=300_000_000, ge=0)
    # A gainer or loser must have moved at least this much (percent).
    min_change_pct: float = Field(default=3.0, ge=0)
    # A move this large (percent) is high priority.
    high_change_pct: float = Field(default=10.0, ge=0)
    # A move this large (percent) is a full-strength signal (1.0).
    full_signal_change_pct: float = Field(default=20.0, ge=0)
    count: int = Field(default=25, ge=1, le=250)


class MarketMovers(Scanner[MarketMoversParams]):
    name = "market_movers"
    providers = ("yahoo",)
    optional_providers = ("alpha_vantage",)
    # A screener ranks the current session only: a past day needs its recorded snapshot.
    point_in_time = "now_only"
    pipeline = "momentum"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        services = services_of(ctx)
        services.require_current(ctx, "the market movers screener")
        hub = services.providers
        rows: list[tuple[str, str, float, float | None, float | None, float | None]] = []
        failures: list[str] = []
        if hub.available("yahoo"):
            for screener_id, kind in SCREENERS.items():
                try:
                    result = hub.yahoo.screener(ctx, screener_id, count=params.count)
                except ProviderError as exc:
                    failures.append(f"{screener_id}: {exc}")
                    continue
                rows += [_yahoo_row(kind, q) for q in result.quotes]
        else:
            failures.append(hub.unavailable_reason("yahoo") or "yahoo unavailable")
        if not rows and failures:
            if not hub.available("alpha_vantage"):
                raise ProviderError("every Yahoo screener failed: " + "; ".join(failures))
            movers = hub.alpha_vantage.top_gainers_losers(ctx)
            for kind, items in (
                ("gainers", movers.gainers),
                ("losers", movers.losers),
                ("most_active", movers.most_active),
            ):
                rows += [_av_row(kind, m) for m in items if m.symbol is not None]
        if rows and failures:
            ctx.warn("some screeners failed: " + "; ".join(failures))
        return self._select(rows, params)

    def _select(
        self,
        rows: list[tuple[str, str, float, float | None, float | None, float | None]],
        params: MarketMoversParams,
    ) -> list[Candidate | dict[str, Any]]:
        out: list[Candidate | dict[str, Any]] = []
        for kind, symbol, change_pct, price, volume, market_cap in rows:
            try:
                ticker = normalize_ticker(symbol)
            except CandidateError:
                continue  # warrants, units and foreign listings are not candidates
            if price is None or price < params.min_price:
                continue
            if volume is None or volume < params.min_volume:
                continue
            if market_cap is not None and market_cap < params.min_market_cap:
                continue
            if kind != "most_active" and abs(change_pct) < params.min_change_pct:
                continue
            big = abs(change_pct) >= params.high_change_pct
            priority = Priority.HIGH if big else Priority.MEDIUM
            if kind == "most_active" and not big:
                priority = Priority.LOW
            label = {"gainers": "top gainer", "losers": "top loser", "most_active": "most active"}
            out.append(
                {
                    "ticker": ticker,
                    "priority": priority,
                    "context": f"{label[kind]}: {change_pct:+.1f}% at ${price:.2f} on "
                    f"{volume / 1e6:.1f}M shares",
                    "price": price,
                    "volume": volume,
                    "change_pct": round(change_pct, 4),
                    "market_cap": market_cap,
                    "mover_list": kind,
                    "signal": ramp(
                        abs(change_pct), params.min_change_pct, params.full_signal_change_pct
                    ),
                }
            )
        return out


def _yahoo_row(
    kind: str, q: ScreenerQuote
) -> tuple[str, str, float, float | None, float | None, float | None]:
    volume = float(q.volume) if q.volume is not None else None
    return kind, q.symbol, q.change_pct, q.price, volume, q.market_cap


def _av_row(
    kind: str, m: AvMover
) -> tuple[str, str, float, float | None, float | None, float | None]:
    return kind, m.symbol or m.ticker, m.change_pct, m.price, float(m.volume), None
