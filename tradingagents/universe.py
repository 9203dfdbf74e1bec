"""The run's universe from a listing source: fetched once per trade date, filtered, cached."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from tradingagents.config._universe import UniverseSource
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import (
    ProviderCancelled,
    ProviderError,
    ProviderTimeout,
    ScannerSkipped,
)
from tradingagents.http import Response
from tradingagents.providers.hub import ProviderHub
from tradingagents.providers.nasdaq.parse import ListedStock, parse_stock_screener
from tradingagents.redaction import known_secrets, redact_bytes

__all__ = ["Universe", "UniverseSource", "resolve_universe", "select"]

_STOCKS = TypeAdapter(tuple[ListedStock, ...])
#: 2 keeps the listing's response body (redacted), parsed again when read, so a run served
#: from the cache archives the very listing it used; 1 kept the parsed stocks only.
CACHE_FORMAT = 2


@dataclass(frozen=True)
class _Cached:
    """A listing kept for a trade date: its stocks and, from format 2, the body they came from."""

    stocks: tuple[ListedStock, ...]
    body: bytes | None = None
    content_type: str = "application/json"


@dataclass(frozen=True)
class Universe:
    """The symbols a source gave for a trade date, and how many the filters left out."""

    symbols: tuple[str, ...]
    source: str
    trade_date: date
    #: Stocks in the listing (rows that are US tickers).
    listed: int
    #: Stocks that passed the filters, before ``max_symbols``.
    eligible: int
    #: The listing's row of each symbol: the bulk data (price, volume, market cap) a scanner
    #: pre-filters with before it asks anything per symbol.
    rows: Mapping[str, ListedStock] = field(default_factory=dict, compare=False, repr=False)


def select(stocks: Iterable[ListedStock], source: UniverseSource) -> tuple[str, ...]:
    """The symbols that pass ``source``'s filters, largest market cap first (ties by symbol).

    Market cap orders the cut at ``max_symbols`` because it changes slowly, so the universe
    is the same from one day to the next; a volume order would churn with every news day.
    A stock without a value (an empty market cap) fails any threshold set on that value.
    """
    eligible = sorted(
        (stock for stock in stocks if _passes(stock, source)),
        key=lambda s: (s.market_cap is None, -(s.market_cap or 0.0), s.symbol),
    )
    symbols = tuple(dict.fromkeys(stock.symbol for stock in eligible))
    return symbols if source.max_symbols is None else symbols[: source.max_symbols]


def _passes(stock: ListedStock, source: UniverseSource) -> bool:
    checks = (
        (stock.price, source.min_price),
        (stock.volume, source.min_volume),
        (stock.market_cap, source.min_market_cap),
    )
    return all(floor is None or (value is not None and value >= floor) for value, floor in checks)


def resolve_universe(
    ctx: ScanContext,
    providers: ProviderHub,
    source: UniverseSource,
    *,
    cache_dir: Path,
    today: Callable[[], date],
) -> Universe:
    """``source``'s universe on ``ctx.trade_date``: one listing request, or none when cached.

    The listing has no date parameter, so it is point-in-time only on the day it is fetched:
    live, it is fetched on the trade date itself and kept under ``cache_dir`` for reruns of
    that date; a past date without that copy is skipped rather than filled with today's
    listing (tomorrow's delistings and market caps would leak into it). A replayed snapshot
    was recorded on its trade date, so it serves the listing of that day.
    """
    day = ctx.trade_date
    path = cache_dir / "universe" / f"{source.source}-{day.isoformat()}.json"
    cached = _read_cache(path) if providers.is_live else None
    if cached is not None and cached.body is None and day == today():
        cached = None  # kept without its body: fetched again today, so the run archives it
    if cached is None:
        if providers.is_live and day != today():
            raise ScannerSkipped(
                f"the {source.source} listing is only available for today in live mode, and "
                f"none was kept for {day} ({path}); replay a snapshot recorded on {day}, or "
                "give discovery.universe as a list",
                provider=source.source,
            )
        stocks, response = _fetch(ctx, providers, source)
        if providers.is_live:
            try:
                _write_cache(path, source.source, day, response)
            except OSError as exc:  # the run has its universe; only a rerun pays again
                ctx.warn(f"the {source.source} listing could not be kept at {path}: {exc}")
    else:
        stocks = cached.stocks
        if cached.body is not None:
            # Served without a request, yet the run's archive must replay this listing.
            nasdaq = providers.nasdaq
            request = nasdaq.stock_screener_request()
            headers = {"Content-Type": cached.content_type}
            reply = Response(200, cached.body, headers, url=request.public_url())
            nasdaq.archive_cached(ctx, request, reply)
    symbols = select(stocks, source)
    if not symbols:
        raise ScannerSkipped(
            f"the universe is empty: none of the {len(stocks):,} stocks the {source.source} "
            f"listing has for {day} passes discovery.universe's filters",
            provider=source.source,
        )
    eligible = sum(1 for stock in stocks if _passes(stock, source))
    chosen = set(symbols)
    rows: dict[str, ListedStock] = {}
    for stock in stocks:
        if stock.symbol in chosen and _passes(stock, source):
            rows.setdefault(stock.symbol, stock)
    return Universe(symbols, source.source, day, len(stocks), eligible, rows)


def _fetch(
    ctx: ScanContext, providers: ProviderHub, source: UniverseSource
) -> tuple[tuple[ListedStock, ...], Response]:
    try:
        listing, response = providers.nasdaq.stock_screener_response(ctx)
    except (ProviderTimeout, ProviderCancelled):
        raise  # out of time: the shared load lets the next scanner try within its deadline
    except ProviderError as exc:
        raise ProviderError(
            f"the universe's listing ({source.source} stock screener) is unavailable: "
            f"{type(exc).__name__}: {exc}",
            provider=source.source,
        ) from exc
    if not listing.stocks:
        raise ProviderError(
            f"the universe's listing ({source.source} stock screener) is empty",
            provider=source.source,
        )
    return listing.stocks, response


def _read_cache(path: Path) -> _Cached | None:
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") == 1:
            return _Cached(_STOCKS.validate_python(data["stocks"]))
        if data.get("format") != CACHE_FORMAT:
            return None
        body = data["body"].encode("utf-8", "surrogateescape")
        return _Cached(parse_stock_screener(body).stocks, body, str(data["content_type"]))
    except (OSError, ValueError, KeyError, AttributeError, TypeError, ValidationError):
        return None  # missing or unreadable: a miss, fetched again when the day allows
    except ProviderError:
        return None  # a body this version no longer parses: likewise


def _write_cache(path: Path, source: str, day: date, response: Response) -> None:
    data = {
        "format": CACHE_FORMAT,
        "source": source,
        "trade_date": day.isoformat(),
        "content_type": response.header("Content-Type") or "application/json",
        # Scrubbed as the archive scrubs it, so no copy of a secret rests in the cache.
        "body": redact_bytes(response.body, known_secrets()).decode("utf-8", "surrogateescape"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a crash never leaves a half-written listing that later reads as one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
