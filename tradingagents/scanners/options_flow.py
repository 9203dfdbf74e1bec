"""options_flow: unusual call buying in the nearest expiry (volume far above open interest).

Signal: call volume / call open interest at least ``min_call_vol_oi`` with at least
``min_call_volume`` calls traded, and a put/call volume ratio at most ``max_put_call``.
Data: Yahoo v7 option chain (nearest expiry) per universe symbol; untraded contracts, which
Yahoo sends without a volume, count as zero volume.
Strength: call volume / open interest from ``min_call_vol_oi`` (0) to ``full_signal_call_vol_oi``
(1), linear.
Cost: 1 Yahoo call per universe symbol.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.scoring import ramp
from tradingagents.errors import ProviderError
from tradingagents.providers.yahoo.parse import OptionContract
from tradingagents.scanners.history import services_of, universe_of


class OptionsFlowParams(ScannerParams):
    min_call_volume: int = Field(default=1_000, ge=0)
    min_call_vol_oi: float = Field(default=0.5, gt=0)
    high_call_vol_oi: float = Field(default=1.5, gt=0)
    max_put_call: float = Field(default=0.7, gt=0)
    # Call volume this many times open interest is a full-strength signal (1.0).
    full_signal_call_vol_oi: float = Field(default=3.0, gt=0)
    # Symbols to scan; empty means the run's universe.
    symbols: tuple[str, ...] = ()


def _volume(contracts: tuple[OptionContract, ...]) -> int:
    return sum(c.volume or 0 for c in contracts)


def _open_interest(contracts: tuple[OptionContract, ...]) -> int:
    return sum(c.open_interest or 0 for c in contracts)


class OptionsFlow(Scanner[OptionsFlowParams]):
    name = "options_flow"
    providers = ("yahoo",)
    # Yahoo serves only the current option chain: a past day needs its recorded snapshot.
    point_in_time = "now_only"
    pipeline = "edge"

    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        params = self.params(ctx)
        services = services_of(ctx)
        services.require_current(ctx, "the option chain")
        yahoo = services.providers.yahoo
        symbols = params.symbols or universe_of(ctx)
        found = []
        # Fetched concurrently (ctx.map, bounded by scanner_execution.fan_out), judged in order.
        chains = ctx.map(lambda symbol: yahoo.options(ctx, symbol), symbols)
        failures = [f"{symbol}: {type(exc).__name__}: {exc}" for symbol, exc in chains.errors]
        # A chain is the current one (require_current above): answered means as of the date.
        ctx.coverage.add(
            asked=len(symbols),
            answered=len(chains.results),
            data_as_of=ctx.trade_date if chains.results else None,
        )
        for symbol, chain in chains.results:
            if not chain.expiries:
                continue
            nearest = chain.expiries[0]
            call_volume = _volume(nearest.calls)
            call_oi = _open_interest(nearest.calls)
            put_volume = _volume(nearest.puts)
            if call_volume < params.min_call_volume or call_oi == 0:
                continue
            vol_oi = call_volume / call_oi
            put_call = put_volume / call_volume
            if vol_oi < params.min_call_vol_oi or put_call > params.max_put_call:
                continue
            found.append(
                (vol_oi, symbol, call_volume, call_oi, put_call, nearest.expiration, chain)
            )
        if failures and len(failures) == len(symbols):
            raise ProviderError(
                f"no option chain could be read for any of {len(symbols)} symbols "
                f"(first: {failures[0]})"
            )
        if failures:
            ctx.warn(
                f"option chains missing for {len(failures)} symbols: {'; '.join(failures[:3])}"
            )
        found.sort(key=lambda item: (-item[0], item[1]))
        return [
            {
                "ticker": symbol,
                "priority": Priority.HIGH if vol_oi >= params.high_call_vol_oi else Priority.MEDIUM,
                "context": f"{call_volume:,} calls traded vs {call_oi:,} open interest "
                f"({vol_oi:.2f}x) expiring {expiration}, put/call {put_call:.2f}",
                "price": chain.underlying_price,
                "call_volume": call_volume,
                "call_open_interest": call_oi,
                "call_vol_oi": round(vol_oi, 4),
                "put_call_ratio": round(put_call, 4),
                "expiration": expiration.isoformat(),
                "signal": ramp(vol_oi, params.min_call_vol_oi, params.full_signal_call_vol_oi),
            }
            for vol_oi, symbol, call_volume, call_oi, put_call, expiration, chain in found
        ]
