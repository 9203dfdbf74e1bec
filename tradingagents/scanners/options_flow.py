"""options_flow: unusual call buying in the nearest expiry (volume far above open interest).

Signal: call volume / call open interest at least ``min_call_vol_oi`` with at least
``min_call_volume`` calls traded, and a put/call volume ratio at most ``max_put_call``.
Data: Yahoo v7 option chain (nearest expiry) per universe symbol; untraded contracts, which
Yahoo sends without a volume, count as zero volume.
Pre-filter (stage one, off by default): with ``min_price`` or ``min_volume`` set, a chain is
asked only for symbols whose last price and share volume reach them, read from the bulk data:
the universe's listing row (a source universe), else Yahoo batch quotes (one request per
``price_history.quote_batch_size`` symbols). Chains are asked in universe order (largest market
cap first for a source universe), so a Yahoo run budget too small for all spends itself on the
largest names; the rest count as skipped for budget.
Strength: call volume / open interest from ``min_call_vol_oi`` (0) to ``full_signal_call_vol_oi``
(1), linear.
Cost: 1 Yahoo call per symbol that passes the pre-filter (plus its batch quotes for a list).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tradingagents.config._universe import UniverseSource
from tradingagents.discovery import Candidate, Priority, ScanContext, Scanner, ScannerParams
from tradingagents.discovery.fanout import budget_warning
from tradingagents.discovery.scoring import ramp
from tradingagents.errors import ProviderError, ScannerSkipped
from tradingagents.providers.yahoo.parse import OptionContract
from tradingagents.scanners.history import services_of, universe_of
from tradingagents.services import RunServices


class OptionsFlowParams(ScannerParams):
    min_call_volume: int = Field(default=1_000, ge=0)
    min_call_vol_oi: float = Field(default=0.5, gt=0)
    high_call_vol_oi: float = Field(default=1.5, gt=0)
    max_put_call: float = Field(default=0.7, gt=0)
    # Call volume this many times open interest is a full-strength signal (1.0).
    full_signal_call_vol_oi: float = Field(default=3.0, gt=0)
    # Symbols to scan; empty means the run's universe.
    symbols: tuple[str, ...] = ()
    # Stage one: ask a chain only for symbols whose last price (dollars) and share volume reach
    # these, from the listing row or batch quotes (see the module's docstring); None: no floor.
    min_price: float | None = Field(default=None, ge=0)
    min_volume: float | None = Field(default=None, ge=0)


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
        symbols = _prefiltered(ctx, services, params, symbols)
        found = []
        # Fetched concurrently (ctx.map, bounded by scanner_execution.fan_out), judged in order.
        chains = ctx.map(lambda symbol: yahoo.options(ctx, symbol), symbols)
        failures = [f"{symbol}: {type(exc).__name__}: {exc}" for symbol, exc in chains.errors]
        # A chain is the current one (require_current above): answered means as of the date.
        ctx.coverage.add(
            asked=len(symbols),
            answered=len(chains.results),
            skipped_budget=len(chains.skipped),
            data_as_of=ctx.trade_date if chains.results else None,
        )
        skipped = budget_warning(exc for _, exc in chains.skipped)
        if skipped is not None and not chains.results and not failures:
            # Our own budget, not the provider, stopped it: skipped (said why, charging no
            # breaker), not an error that would open the scanner's circuit run after run.
            raise ScannerSkipped(f"no option chain read: {skipped}")
        if skipped is not None:
            ctx.warn(skipped)
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
        if failures and not chains.results:
            raise ProviderError(
                f"no option chain could be read for any of {len(failures)} symbols "
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


def _prefiltered(
    ctx: ScanContext, services: RunServices, params: OptionsFlowParams, symbols: tuple[str, ...]
) -> tuple[str, ...]:
    """The symbols whose bulk data (listing row or batch quote) passes ``min_price`` and
    ``min_volume``, in their order; a symbol without a value fails a floor set on it. Symbols
    whose batch quote request failed pass, with a warning: no data is no reason to drop them."""
    if params.min_price is None and params.min_volume is None:
        return symbols
    values: dict[str, tuple[float | None, float | None]] = {}
    unknown: set[str] = set()
    setting = services.universe_setting
    if not params.symbols and isinstance(setting, UniverseSource):
        rows = services.resolved_universe(ctx).rows
        values = {s: (rows[s].price, rows[s].volume) for s in symbols if s in rows}
    else:
        size = services.providers.config.price_history.quote_batch_size
        batches = [symbols[i : i + size] for i in range(0, len(symbols), size)]
        yahoo = services.providers.yahoo
        got = ctx.map(lambda batch: yahoo.quotes(ctx, batch), batches)
        values = {q.symbol: (q.close, q.volume) for _, quotes in got.results for q in quotes}
        unknown = {s for batch, _ in (*got.errors, *got.skipped) for s in batch}
        if unknown:
            ctx.warn(
                f"no batch quote for {len(unknown)} symbols (their request failed or was over "
                "budget): their option chains are asked without the pre-filter"
            )

    def passes(symbol: str) -> bool:
        if symbol in unknown:
            return True
        price, volume = values.get(symbol, (None, None))
        return all(
            floor is None or (value is not None and value >= floor)
            for value, floor in ((price, params.min_price), (volume, params.min_volume))
        )

    return tuple(symbol for symbol in symbols if passes(symbol))
