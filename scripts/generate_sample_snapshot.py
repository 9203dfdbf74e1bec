#!/usr/bin/env python3
"""Generate the sample replay snapshot shipped in tradingagents/replay/sample (deterministic).

Every response is written in the provider's native format and produced by calling the real
provider clients through a capturing transport, so request keys match what the scanners send
and every body is checked by the same parsers live data goes through. Signals are planted so
each built-in scanner finds something; the manifest marks the snapshot as generated.

Usage: python scripts/generate_sample_snapshot.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pandas as pd

from tradingagents.calendar import is_session, sessions_between
from tradingagents.config import DEFAULT_UNIVERSE
from tradingagents.http import Request, Response
from tradingagents.providers.finnhub.client import FinnhubClient
from tradingagents.providers.nasdaq.client import NasdaqClient
from tradingagents.providers.nasdaq.parse import screener_envelope
from tradingagents.providers.reddit.client import RedditClient
from tradingagents.providers.sec_edgar.client import SecEdgarClient
from tradingagents.providers.yahoo.client import YahooClient
from tradingagents.providers.yahoo.parse import parse_chart
from tradingagents.replay.bars import write_bar_archive
from tradingagents.replay.snapshot import (
    Manifest,
    SnapshotEntry,
    sample_snapshot_path,
    write_manifest,
)
from tradingagents.replay.transport import file_name_for
from tradingagents.scanners.earnings_calendar import EarningsCalendarParams
from tradingagents.scanners.history import LOOKBACK_DAYS
from tradingagents.scanners.insider_buying import InsiderBuyingParams
from tradingagents.scanners.market_movers import SCREENERS, MarketMoversParams
from tradingagents.scanners.reddit_trending import RedditTrendingParams
from tradingagents.scanners.sec_catalysts import SecCatalystsParams
from tradingagents.universe import UniverseSource, select

TRADE_DATE = date(2026, 11, 20)  # a Friday
SEED = 20261120
NY = ZoneInfo("America/New_York")
UNIVERSE: list[str] = list(DEFAULT_UNIVERSE)

# Planted signals (what each scanner should find on this snapshot).
VOLUME_ACCUMULATION = "PFE"
BREAKOUT = "PLTR"
RSI_OVERSOLD = "KO"
UNUSUAL_CALLS = "AMD"

# The bar archive (bars/daily.parquet): the charts' bars kept exactly, extended backward on the
# NYSE calendar with synthetic sessions, plus the evaluation's default benchmark.
HISTORY_START = date(2024, 10, 1)
BENCHMARK = "SPY"
BARS_FILE = "bars/daily.parquet"
# Signals planted in the synthetic sessions: (first session on or after the date, scanner,
# symbol). What follows each is an ordinary random walk: they find picks, not profits.
PLANTED_HISTORY = (
    (date(2024, 11, 20), "volume_accumulation", "AAPL"),
    (date(2024, 12, 11), "technical_breakout", "MSFT"),
    (date(2025, 1, 22), "volume_accumulation", "JPM"),
    (date(2025, 2, 19), "technical_breakout", "XOM"),
    (date(2025, 3, 26), "volume_accumulation", "DIS"),
    (date(2025, 4, 23), "technical_breakout", "NVDA"),
    (date(2025, 6, 11), "volume_accumulation", "T"),
    (date(2025, 7, 16), "technical_breakout", "WMT"),
    (date(2025, 8, 20), "volume_accumulation", "BAC"),
    (date(2025, 9, 17), "technical_breakout", "CRM"),
)
# Unplanned signals: a volume spike on this share of synthetic sessions, whatever the price did.
VOLUME_SPIKE_RATE = 0.012

NAMES = {
    "AAPL": "Apple Inc.",
    "MSFT": "Microsoft Corporation",
    "NVDA": "NVIDIA Corporation",
    "AMZN": "Amazon.com, Inc.",
    "GOOGL": "Alphabet Inc.",
    "META": "Meta Platforms, Inc.",
    "TSLA": "Tesla, Inc.",
    "AMD": "Advanced Micro Devices, Inc.",
    "INTC": "Intel Corporation",
    "F": "Ford Motor Company",
    "T": "AT&T Inc.",
    "BAC": "Bank of America Corporation",
    "JPM": "JPMorgan Chase & Co.",
    "XOM": "Exxon Mobil Corporation",
    "CVX": "Chevron Corporation",
    "PFE": "Pfizer Inc.",
    "KO": "The Coca-Cola Company",
    "DIS": "The Walt Disney Company",
    "NFLX": "Netflix, Inc.",
    "CRM": "Salesforce, Inc.",
    "PLTR": "Palantir Technologies Inc.",
    "UBER": "Uber Technologies, Inc.",
    "BRK-B": "Berkshire Hathaway Inc.",
    "WMT": "Walmart Inc.",
    "SMCI": "Super Micro Computer, Inc.",
    "RIVN": "Rivian Automotive, Inc.",
    "GNS": "Genius Group Ltd",
    "BNGO": "Bionano Genomics, Inc.",
    "WBA": "Walgreens Boots Alliance",
    "DG": "Dollar General Corporation",
    "DVN": "Devon Energy Corporation",
    "HBAN": "Huntington Bancshares Incorporated",
    "SNAP": "Snap Inc.",
    "LULU": "lululemon athletica",
    "BIIB": "Biogen Inc.",
    "KHC": "The Kraft Heinz Company",
    "BJ": "BJ's Wholesale Club",
    "ZM": "Zoom Communications, Inc.",
    "DELL": "Dell Technologies Inc.",
    "HPQ": "HP Inc.",
    "ADSK": "Autodesk, Inc.",
    "GME": "GameStop Corp.",
    "AMC": "AMC Entertainment Holdings",
    "A": "Agilent Technologies, Inc.",
    "IT": "Gartner, Inc.",
    "ALL": "The Allstate Corporation",
    "DD": "DuPont de Nemours, Inc.",
    "ON": "ON Semiconductor Corporation",
    "SOFI": "SoFi Technologies",
    "TINY": "Tiny Ltd",
}
START_PRICES = {
    "AAPL": 228.0,
    "MSFT": 415.0,
    "NVDA": 142.0,
    "AMZN": 198.0,
    "GOOGL": 172.0,
    "META": 560.0,
    "TSLA": 320.0,
    "AMD": 138.0,
    "INTC": 24.0,
    "F": 10.8,
    "T": 22.5,
    "BAC": 46.0,
    "JPM": 240.0,
    "XOM": 118.0,
    "CVX": 155.0,
    "PFE": 26.0,
    "KO": 64.0,
    "DIS": 112.0,
    "NFLX": 880.0,
    "CRM": 330.0,
    "PLTR": 62.0,
    "UBER": 72.0,
    "BRK-B": 470.0,
    "WMT": 88.0,
}


def cik_of(ticker: str) -> int:
    """A stable synthetic CIK per ticker (this snapshot is generated, not recorded)."""
    return 1_900_000 + sorted(NAMES).index(ticker) * 37


# -- capture: run the real clients, answer each request with a generated native payload ---------


class Capture:
    """A transport that answers requests with generated bodies and remembers each one."""

    def __init__(self, root: Path, answer: Callable[[Request], tuple[bytes, str]]) -> None:
        self.root = root
        self.answer = answer
        self.entries: list[SnapshotEntry] = []
        self.rng = random.Random(SEED + 1)

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        body, content_type = self.answer(request)
        name = file_name_for(request, content_type)
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        (self.root / name).write_bytes(body)
        self.entries.append(
            SnapshotEntry(
                provider=request.provider,
                path=urlsplit(request.url).path,
                params=dict(request.params),
                file=name,
                content_type=content_type,
                latency_s=round(self.rng.uniform(0.05, 0.6), 3),
                origin="generated",
                description=f"generated {request.provider} response for GET {request.public_url()}",
            )
        )
        return Response(status=200, body=body, headers={"Content-Type": content_type})


def as_json(data: Any) -> tuple[bytes, str]:
    return json.dumps(data, separators=(",", ":")).encode(), "application/json"


# -- Yahoo ----------------------------------------------------------------------------------


def sessions(end: date, count: int) -> list[date]:
    days: list[date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def bars_for(symbol: str, days: list[date]) -> list[dict[str, float]]:
    rng = random.Random(f"{SEED}-{symbol}")
    listed = LISTED.get(symbol)
    price = START_PRICES[symbol] if listed is None else listed.price
    base_volume = rng.uniform(8e6, 60e6)
    if listed is not None:
        base_volume = listed.volume
    bars = []
    n = len(days)
    for i in range(n):
        # The oversold name needs a steady long uptrend to stay above its 200-day average.
        drift, vol = (0.0025, 0.007) if symbol == RSI_OVERSOLD else (0.0006, 0.012)
        change = rng.gauss(drift, vol)
        volume = base_volume * rng.uniform(0.85, 1.15)
        if i >= n - 3:
            change = abs(change) * 0.3 + 0.001  # calm, slightly up finish: no accidental signal
        if symbol == RSI_OVERSOLD and i >= n - 3:
            change = -0.018  # three sharp down days in a long uptrend: RSI(2) collapses
        if symbol == BREAKOUT and i >= n - 25 and i < n - 1:
            change = rng.gauss(0.0, 0.004)  # a tight range...
        open_ = price
        price = round(price * (1 + change), 2)
        if symbol == BREAKOUT and i == n - 1:
            price = round(max(b["high"] for b in bars[-20:]) * 1.045, 2)  # ...broken upwards
            volume = base_volume * 2.8
        if symbol == VOLUME_ACCUMULATION and i == n - 1:
            price = round(open_ * 1.006, 2)
            volume = base_volume * 3.3  # heavy volume, quiet price
        high = round(max(open_, price) * (1 + abs(rng.gauss(0, 0.004))), 2)
        low = round(min(open_, price) * (1 - abs(rng.gauss(0, 0.004))), 2)
        bars.append(
            {
                "open": round(open_, 2),
                "high": high,
                "low": low,
                "close": price,
                "volume": int(volume),
            }
        )
    return bars


def chart(symbol: str, start: date, end: date) -> dict[str, Any]:
    days = [d for d in sessions(TRADE_DATE, 275) if start <= d <= end]
    bars = bars_for(symbol, sessions(TRADE_DATE, 275))[-len(days) :]
    stamps = [int(datetime.combine(d, time(9, 30), tzinfo=NY).timestamp()) for d in days]
    last = bars[-1]
    meta = {
        "currency": "USD",
        "symbol": symbol,
        "exchangeName": "NMS",
        "fullExchangeName": "NasdaqGS",
        "instrumentType": "EQUITY",
        "firstTradeDate": 345479400,
        "regularMarketTime": stamps[-1] + 23400,
        "hasPrePostMarketData": True,
        "gmtoffset": -18000,
        "timezone": "EST",
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": last["close"],
        "regularMarketVolume": last["volume"],
        "longName": name_of(symbol),
        "shortName": name_of(symbol),
        "chartPreviousClose": bars[0]["open"],
        "priceHint": 2,
        "dataGranularity": "1d",
        "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }
    quote = {key: [b[key] for b in bars] for key in ("open", "high", "low", "close", "volume")}
    return {
        "chart": {
            "result": [
                {
                    "meta": meta,
                    "timestamp": stamps,
                    "indicators": {"quote": [quote], "adjclose": [{"adjclose": quote["close"]}]},
                }
            ],
            "error": None,
        }
    }


def _planted() -> dict[tuple[str, date], str]:
    out = {}
    for planted, scanner, symbol in PLANTED_HISTORY:
        day = planted
        while not is_session(day):
            day += timedelta(days=1)
        out[(symbol, day)] = scanner
    return out


def _frame(days: list[date], rows: list[dict[str, float]]) -> pd.DataFrame:
    """Bars as the chart parser frames them (float64 columns, a ``date`` index in seconds)."""
    frame = pd.DataFrame(
        {key: [float(row[key]) for row in rows] for key in ("open", "high", "low", "close")},
        index=pd.DatetimeIndex(days, name="date").astype("datetime64[s]"),
        dtype="float64",
    )
    frame["adj_close"] = frame["close"]
    frame["volume"] = [float(row["volume"]) for row in rows]
    return frame


def synthetic_history(
    symbol: str, days: list[date], *, last_close: float, base_volume: float
) -> pd.DataFrame:
    """Random-walk bars on ``days`` whose last close is ``last_close`` (so the chart's first
    bar, which opens there, follows without a gap), with spikes and planted signals."""
    rng = random.Random(f"{SEED}-history-{symbol}")
    planted = _planted()
    drift, vol = rng.uniform(-0.0002, 0.0009), rng.uniform(0.009, 0.02)
    closes, volumes, noise = [], [], []
    level = 1.0
    tight = 0
    for day in days:
        change = rng.gauss(drift, vol)
        volume = base_volume * rng.lognormvariate(0.0, 0.18)
        if rng.random() < VOLUME_SPIKE_RATE:
            volume *= rng.uniform(2.0, 4.0)
        kind = planted.get((symbol, day))
        if kind == "technical_breakout":
            tight = 0
            change, volume = 0.048, base_volume * 2.8
        elif kind == "volume_accumulation":
            change, volume = rng.uniform(-0.008, 0.008), base_volume * 3.3
        elif any(
            planted.get((symbol, day + timedelta(days=k))) == "technical_breakout"
            for k in range(1, 36)
        ):
            change = rng.gauss(0.0, 0.003)  # a tight range before the planted breakout
            tight += 1
        level *= 1 + change
        closes.append(level)
        volumes.append(volume)
        noise.append((abs(rng.gauss(0, 0.004)), abs(rng.gauss(0, 0.004))))
    scale = last_close / closes[-1]
    rows = []
    previous = closes[0] / (1 + drift)
    for close, volume, (up, down) in zip(closes, volumes, noise, strict=True):
        open_, close_ = round(previous * scale, 2), round(close * scale, 2)
        rows.append(
            {
                "open": open_,
                "high": round(max(open_, close_) * (1 + up), 2),
                "low": round(min(open_, close_) * (1 - down), 2),
                "close": close_,
                "volume": round(volume, -2),  # round lots: a smaller file
            }
        )
        previous = close
    rows[-1]["close"] = last_close
    rows[-1]["high"] = max(rows[-1]["high"], last_close)
    rows[-1]["low"] = min(rows[-1]["low"], last_close)
    return _frame(days, rows)


def bar_archive(symbols: list[str]) -> dict[str, pd.DataFrame]:
    """Every charted symbol's chart bars (as served) after its synthetic history, and SPY's."""
    start = TRADE_DATE - timedelta(days=LOOKBACK_DAYS)
    frames = {}
    for symbol in symbols:
        charted = parse_chart(chart(symbol, start, TRADE_DATE)).bars
        first = charted.index[0].date()
        days = sessions_between(HISTORY_START, first - timedelta(days=1))
        history = synthetic_history(
            symbol,
            days,
            last_close=float(charted["open"].iloc[0]),
            base_volume=float(charted["volume"].iloc[:20].median()),
        )
        frames[symbol] = pd.concat([history, charted])
    # The benchmark: the NYSE sessions before the charts, then the charts' own days.
    charted_days = [d for d in sessions(TRADE_DATE, 275) if start <= d]
    days = sessions_between(HISTORY_START, charted_days[0] - timedelta(days=1)) + charted_days
    frames[BENCHMARK] = synthetic_history(BENCHMARK, days, last_close=668.0, base_volume=62_000_000)
    return frames


MOVERS = {
    # symbol: (change %, price, volume, market cap)
    "day_gainers": [
        ("SMCI", 14.2, 38.55, 45_200_000, 22.6e9),
        ("RIVN", 7.8, 12.41, 61_000_000, 12.7e9),
        ("GNS", 35.1, 0.91, 88_000_000, 78e6),
        ("BNGO", 9.4, 6.10, 210_000, 410e6),
        ("TINY", 12.0, 7.20, 2_500_000, 55e6),
        ("SNAP", 4.1, 11.92, 30_100_000, 19.8e9),
    ],
    "day_losers": [
        ("DG", -12.6, 76.30, 18_400_000, 16.8e9),
        ("WBA", -8.9, 9.82, 29_700_000, 8.5e9),
        ("LULU", -2.1, 318.0, 2_100_000, 38.9e9),
    ],
    "most_actives": [
        ("NVDA", 3.4, 146.8, 301_000_000, 3.6e12),
        ("TSLA", 1.2, 338.7, 95_000_000, 1.1e12),
        ("F", -0.4, 10.92, 58_000_000, 43e9),
    ],
}


def screener(screener_id: str, count: int) -> dict[str, Any]:
    quotes = []
    for symbol, change_pct, price, volume, cap in MOVERS[screener_id][:count]:
        previous = price / (1 + change_pct / 100)
        quotes.append(
            {
                "language": "en-US",
                "region": "US",
                "quoteType": "EQUITY",
                "typeDisp": "Equity",
                "currency": "USD",
                "exchange": "NMS",
                "shortName": NAMES[symbol],
                "longName": NAMES[symbol],
                "symbol": symbol,
                "marketState": "POST",
                "regularMarketPrice": price,
                "regularMarketChange": round(price - previous, 4),
                "regularMarketChangePercent": change_pct,
                "regularMarketVolume": volume,
                "averageDailyVolume3Month": int(volume * 0.6),
                "marketCap": cap,
                "regularMarketPreviousClose": round(previous, 2),
                "fullExchangeName": "NasdaqGS",
            }
        )
    title = {
        "day_gainers": "Day Gainers",
        "day_losers": "Day Losers",
        "most_actives": "Most Actives",
    }
    return {
        "finance": {
            "result": [
                {
                    "id": f"{screener_id}-generated",
                    "title": title[screener_id],
                    "description": f"Generated {title[screener_id]} for the sample snapshot",
                    "canonicalName": screener_id.upper(),
                    "start": 0,
                    "count": len(quotes),
                    "total": len(quotes),
                    "quotes": quotes,
                    "predefinedScr": True,
                }
            ],
            "error": None,
        }
    }


def option_chain(symbol: str, width: int = 5) -> dict[str, Any]:
    rng = random.Random(f"{SEED}-options-{symbol}")
    price = bars_for(symbol, sessions(TRADE_DATE, 275))[-1]["close"]
    expiry = TRADE_DATE + timedelta(days=7)
    expiry_ts = int(datetime.combine(expiry, time(0), tzinfo=UTC).timestamp())
    step = 1.0 if price < 50 else 5.0 if price < 300 else 10.0
    center = round(price / step) * step
    strikes = [center + step * k for k in range(-width, width + 1)]
    unusual = symbol == UNUSUAL_CALLS

    def contracts(kind: str) -> list[dict[str, Any]]:
        out = []
        for strike in strikes:
            oi = int(rng.uniform(800, 4000))
            if kind == "C":
                volume = int(oi * (rng.uniform(1.6, 2.6) if unusual else rng.uniform(0.05, 0.3)))
            else:
                volume = int(oi * (rng.uniform(0.05, 0.2) if unusual else rng.uniform(0.1, 0.35)))
            intrinsic = max(0.0, price - strike) if kind == "C" else max(0.0, strike - price)
            last = round(intrinsic + rng.uniform(0.2, 3.0), 2)
            contract: dict[str, Any] = {
                "contractSymbol": f"{symbol.replace('-', '')}{expiry:%y%m%d}{kind}{int(strike * 1000):08d}",
                "strike": strike,
                "currency": "USD",
                "lastPrice": last,
                "change": 0,
                "percentChange": 0,
                "volume": volume,
                "openInterest": oi,
                "bid": round(last * 0.97, 2),
                "ask": round(last * 1.03, 2),
                "contractSize": "REGULAR",
                "expiration": expiry_ts,
                "lastTradeDate": expiry_ts - 7 * 86400 + 70_000,
                "impliedVolatility": round(rng.uniform(0.2, 0.7), 4),
                "inTheMoney": intrinsic > 0,
            }
            if strike == strikes[0] and kind == "C":
                del contract["volume"]  # Yahoo omits volume on an untraded contract
                contract["openInterest"] = 0
            out.append(contract)
        return out

    return {
        "optionChain": {
            "result": [
                {
                    "underlyingSymbol": symbol,
                    "expirationDates": [expiry_ts, expiry_ts + 7 * 86400],
                    "strikes": strikes,
                    "hasMiniOptions": False,
                    "quote": {"symbol": symbol, "regularMarketPrice": price, "currency": "USD"},
                    "options": [
                        {
                            "expirationDate": expiry_ts,
                            "hasMiniOptions": False,
                            "calls": contracts("C"),
                            "puts": contracts("P"),
                        }
                    ],
                }
            ],
            "error": None,
        }
    }


# -- SEC EDGAR ------------------------------------------------------------------------------

# (ticker, filing day offset, [(owner name, officer title or None, is_director, code, shares,
#  price, table)])
FORM4_FILINGS: list[tuple[str, int, list[tuple[str, str | None, bool, str, int, float, str]]]] = [
    ("DVN", -2, [("Muncrief Richard E", "President and CEO", False, "P", 25_000, 32.10, "nd")]),
    ("DVN", -2, [("Ritenour Jeffrey L", "EVP and CFO", False, "P", 10_000, 32.25, "nd")]),
    ("DVN", -1, [("Gerber Ann G", None, True, "P", 4_500, 32.40, "nd")]),
    ("HBAN", -3, [("Kessler Lisa", None, True, "P", 4_000, 15.20, "nd")]),
    ("SNAP", -1, [("Spiegel Evan", "CEO", True, "S", 250_000, 11.80, "nd")]),
    ("F", -1, [("Doe Jane", None, True, "P", 400, 10.95, "nd")]),
    ("SOFI", -4, [("Noto Anthony", "CEO", True, "P", 20_000, 14.50, "d")]),
]


def accession_of(index: int) -> str:
    return f"000{1_950_000 + index:07d}-26-{index + 1:06d}"


def form4_xml(
    ticker: str, owners: list[tuple[str, str | None, bool, str, int, float, str]], day: date
) -> bytes:
    owner_name, title, director, code, shares, price, table = owners[0]
    owner_cik = 1_800_000 + sum(map(ord, owner_name))
    tx = f"""
            <securityTitle><value>{"Common Stock" if table == "nd" else "Warrant to Purchase Common Stock"}</value></securityTitle>
            <transactionDate><value>{day.isoformat()}</value></transactionDate>
            <transactionCoding>
                <transactionFormType>4</transactionFormType>
                <transactionCode>{code}</transactionCode>
                <equitySwapInvolved>0</equitySwapInvolved>
            </transactionCoding>
            <transactionAmounts>
                <transactionShares><value>{shares}</value></transactionShares>
                <transactionPricePerShare><value>{price:.2f}</value></transactionPricePerShare>
                <transactionAcquiredDisposedCode><value>{"A" if code == "P" else "D"}</value></transactionAcquiredDisposedCode>
            </transactionAmounts>
            <postTransactionAmounts>
                <sharesOwnedFollowingTransaction><value>{shares * 3}</value></sharesOwnedFollowingTransaction>
            </postTransactionAmounts>
            <ownershipNature>
                <directOrIndirectOwnership><value>D</value></directOrIndirectOwnership>
            </ownershipNature>"""
    if table == "nd":
        tables = f"""
    <nonDerivativeTable>
        <nonDerivativeTransaction>{tx}
        </nonDerivativeTransaction>
    </nonDerivativeTable>

    <derivativeTable></derivativeTable>"""
    else:
        tables = f"""
    <nonDerivativeTable></nonDerivativeTable>

    <derivativeTable>
        <derivativeTransaction>{tx}
        </derivativeTransaction>
    </derivativeTable>"""
    officer = (
        f"""
            <officerTitle>{title}</officerTitle>"""
        if title
        else ""
    )
    return f"""<?xml version="1.0"?>
<ownershipDocument>

    <schemaVersion>X0508</schemaVersion>

    <documentType>4</documentType>

    <periodOfReport>{day.isoformat()}</periodOfReport>

    <notSubjectToSection16>0</notSubjectToSection16>

    <issuer>
        <issuerCik>{cik_of(ticker):010d}</issuerCik>
        <issuerName>{NAMES[ticker].upper()}</issuerName>
        <issuerTradingSymbol>{ticker}</issuerTradingSymbol>
    </issuer>

    <reportingOwner>
        <reportingOwnerId>
            <rptOwnerCik>{owner_cik:010d}</rptOwnerCik>
            <rptOwnerName>{owner_name}</rptOwnerName>
        </reportingOwnerId>
        <reportingOwnerRelationship>
            <isDirector>{int(director)}</isDirector>
            <isOfficer>{int(title is not None)}</isOfficer>
            <isTenPercentOwner>0</isTenPercentOwner>
            <isOther>0</isOther>{officer}
        </reportingOwnerRelationship>
    </reportingOwner>

    <aff10b5One>0</aff10b5One>
{tables}

    <footnotes></footnotes>

    <remarks>Generated for the tradingagents sample snapshot.</remarks>

    <ownerSignature>
        <signatureName>/s/{owner_name}</signatureName>
        <signatureDate>{day.isoformat()}</signatureDate>
    </ownerSignature>
</ownershipDocument>
""".encode()


def efts_hit(
    index: int,
    ticker: str,
    form: str,
    day: date,
    items: list[str],
    file_name: str,
    extra_names: list[tuple[str, int]] = (),
) -> dict[str, Any]:  # type: ignore[assignment]
    adsh = accession_of(index)
    names = [f"{NAMES[ticker].upper()}  ({ticker})  (CIK {cik_of(ticker):010d})"]
    ciks = [f"{cik_of(ticker):010d}"]
    for name, cik in extra_names:
        names.append(f"{name}  (CIK {cik:010d})")
        ciks.append(f"{cik:010d}")
    return {
        "_index": "edgar_file",
        "_id": f"{adsh}:{file_name}",
        "_score": 1.0,
        "_source": {
            "ciks": ciks,
            "period_ending": day.isoformat(),
            "file_num": ["001-00000"],
            "display_names": names,
            "xsl": None,
            "sequence": 1,
            "root_forms": [form],
            "file_date": day.isoformat(),
            "biz_states": ["NY"],
            "sics": ["0000"],
            "form": form,
            "adsh": adsh,
            "film_num": ["260000000"],
            "biz_locations": ["New York, NY"],
            "file_type": form,
            "file_description": f"FORM {form}",
            "inc_states": ["DE"],
            "items": items,
        },
    }


def efts(hits: list[dict[str, Any]], form: str) -> dict[str, Any]:
    return {
        "took": 42,
        "timed_out": False,
        "_shards": {"total": 50, "successful": 50, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": 1.0, "hits": hits},
        "query": {"generated": True, "forms": form},
    }


FORM8K = [
    ("WBA", -1, ["1.01", "2.01", "9.01"]),
    ("INTC", 0, ["5.02", "9.01"]),
    ("XOM", -2, ["2.02", "9.01"]),
    ("KHC", 0, ["9.01"]),
    ("BIIB", -1, ["8.01"]),
]

# -- the market listing (Nasdaq stock screener) ----------------------------------------------


class Listed(NamedTuple):
    """A synthetic listed stock: its bars start at ``price`` and trade about ``volume``."""

    name: str
    price: float
    volume: float
    market_cap: float | None


def _listed() -> dict[str, Listed]:
    # Spread like a real listing (log-uniform price, volume and size), so that the default
    # filters (price >= $5, volume >= 1M, cap >= $300M) keep about a third, as the real market's
    # 1,504 of 7,054 is a fifth; every 19th has no market cap, as Nasdaq sends for some.
    rng = random.Random(f"{SEED}-listing")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    listed = {}
    for i in range(LISTED_COUNT):
        symbol = "QX" + letters[i // 26] + letters[i % 26]
        price = round(math.exp(rng.uniform(math.log(1.0), math.log(400.0))), 2)
        volume = math.exp(rng.uniform(math.log(5e4), math.log(4e7)))
        cap = math.exp(rng.uniform(math.log(2e7), math.log(4e11)))
        name = f"Sample Listing {i + 1:03d} Inc. Common Stock"
        listed[symbol] = Listed(name, price, volume, None if i % 19 == 7 else round(cap, 2))
    return listed


LISTED_COUNT = 300
LISTED = _listed()
# Market caps of the default universe's names, in $ billions.
CAPS = {
    "AAPL": 3400, "MSFT": 3100, "NVDA": 3500, "AMZN": 2100, "GOOGL": 2100, "META": 1400,
    "TSLA": 1000, "AMD": 220, "INTC": 105, "F": 43, "T": 160, "BAC": 330, "JPM": 680,
    "XOM": 500, "CVX": 280, "PFE": 150, "KO": 275, "DIS": 205, "NFLX": 375, "CRM": 315,
    "PLTR": 145, "UBER": 150, "BRK-B": 1000, "WMT": 700,
}  # fmt: skip


def name_of(symbol: str) -> str:
    listed = LISTED.get(symbol)
    return NAMES[symbol] if listed is None else listed.name


def screener_row(symbol: str, market_cap: float | None) -> dict[str, str]:
    bars = bars_for(symbol, sessions(TRADE_DATE, 275))
    last, previous = bars[-1], bars[-2]
    change = last["close"] - previous["close"]
    return {
        # Nasdaq spells share classes with a slash (BRK/B).
        "symbol": symbol.replace("-", "/"),
        "name": name_of(symbol),
        "lastsale": f"${last['close']:.2f}",
        "netchange": f"{change:.2f}",
        "pctchange": f"{100 * change / previous['close']:.3f}%",
        "volume": str(int(last["volume"])),
        "marketCap": "" if market_cap is None else f"{market_cap:.2f}",
        "country": "United States",
        "ipoyear": "",
        "industry": "",
        "sector": "",
        "url": f"/market-activity/stocks/{symbol.lower()}",
    }


def stock_screener() -> dict[str, Any]:
    """The screener's download (every listed stock, one response), in its native envelope."""
    rows = [screener_row(s, CAPS[s] * 1e9) for s in UNIVERSE]
    rows += [screener_row(s, listed.market_cap) for s, listed in LISTED.items()]
    # A preferred share (not a ticker we trade: skipped by the parser) and a unit.
    rows.append({**screener_row("QXAA", None), "symbol": "QXAA^A", "marketCap": ""})
    rows.append({**screener_row("QXAB", None), "symbol": "QXABU", "marketCap": "0.00"})
    rows.sort(key=lambda row: row["symbol"])
    return screener_envelope(rows)


# -- Nasdaq, Finnhub, Reddit ----------------------------------------------------------------

EARNINGS = {
    # day offset: [(symbol, time, market cap, eps forecast, estimates)]
    0: [("BJ", "time-pre-market", 12_400_000_000, "$0.93", "9")],
    3: [
        ("ZM", "time-after-hours", 21_800_000_000, "$1.31", "18"),
        ("TINY", "time-not-supplied", 55_000_000, "($0.12)", "1"),
    ],
    4: [
        ("DELL", "time-after-hours", 92_100_000_000, "$2.10", "15"),
        ("ADSK", "time-after-hours", 58_300_000_000, "$2.12", "21"),
    ],
    5: [],
}


def money(value: float) -> str:
    return f"${value:,.0f}"


def nasdaq_day(day: date) -> dict[str, Any]:
    offset = (day - TRADE_DATE).days
    rows = [
        {
            "lastYearRptDt": "11/21/2025",
            "lastYearEPS": "$0.88",
            "time": when,
            "symbol": symbol,
            "name": NAMES[symbol],
            "marketCap": money(cap),
            "fiscalQuarterEnding": "Oct/2026",
            "epsForecast": eps,
            "noOfEsts": n,
        }
        for symbol, when, cap, eps, n in EARNINGS.get(offset, [])
    ]
    headers = {
        "time": "Time",
        "symbol": "Symbol",
        "name": "Company Name",
        "marketCap": "Market Cap",
        "fiscalQuarterEnding": "Fiscal Quarter Ending",
        "epsForecast": "Consensus EPS* Forecast",
        "noOfEsts": "# of Ests",
        "lastYearRptDt": "Last Year's Report Date",
        "lastYearEPS": "Last year's EPS*",
    }
    as_of = f"{day:%a}, {day:%b} {day.day}, {day.year}"
    return {
        "data": {"asOf": as_of, "headers": headers, "rows": rows or None},
        "message": None,
        "status": {"rCode": 200, "bCodeMessage": None, "developerMessage": None},
    }


def finnhub(start: date, end: date) -> dict[str, Any]:
    items = [
        ("DELL", 4, "amc", 2.1),
        ("HPQ", 4, "amc", 0.93),
        ("ZM", 3, "amc", 1.31),
    ]
    return {
        "earningsCalendar": [
            {
                "date": (TRADE_DATE + timedelta(days=offset)).isoformat(),
                "epsActual": None,
                "epsEstimate": eps,
                "hour": hour,
                "quarter": 3,
                "revenueActual": None,
                "revenueEstimate": None,
                "symbol": symbol,
                "year": 2026,
            }
            for symbol, offset, hour, eps in items
            if start <= TRADE_DATE + timedelta(days=offset) <= end
        ]
    }


POSTS = {
    "wallstreetbets": [
        ("$GME to the moon, YOLO on calls", "DD inside. GME shorts are trapped."),
        ("GME gamma squeeze is back", "CEO bought more. $GME"),
        ("Why I am all in on GME", "IT is simple: A squeeze. ALL in."),
        ("PLTR earnings run-up?", "$PLTR breaking out of the range"),
        ("Loss porn: TSLA puts", "I bought TSLA puts before the rally"),
        ("GME daily thread", "GME GME GME"),
        ("Is $GME the play?", "Looking at the options chain"),
        ("My GME position", "holding since 2021"),
        ("NVDA still cheap?", "NVDA at 30x earnings"),
    ],
    "stocks": [
        ("PLTR valuation discussion", "PLTR trades at a premium"),
        ("GME is a meme, change my mind", "GME"),
        ("TSLA delivery numbers", "$TSLA"),
        ("Thoughts on $GME short interest?", ""),
        ("Dividend picks: KO and PFE", "KO yield is decent"),
        ("GME or AMC?", "GME has cash"),
    ],
    "investing": [
        ("PLTR and the AI trade", "PLTR, AI, and government contracts"),
        ("Is TSLA overvalued?", "TSLA forward PE"),
        ("GME balance sheet review", "GME has no debt"),
        ("Long term: PLTR vs SNOW", "PLTR"),
        ("GME: value or meme?", "$GME"),
        ("Index funds vs stock picking", "I hold VTI"),
        ("The case for GME", "GME GME"),
    ],
}


def listing(subreddit: str, limit: int) -> dict[str, Any]:
    rng = random.Random(f"{SEED}-reddit-{subreddit}")
    base = datetime.combine(TRADE_DATE, time(15, 0), tzinfo=UTC).timestamp()
    posts = [
        # A moderator's sticky and a post from after the trade date: both must be ignored.
        ("Daily discussion: NVDA NVDA NVDA $NVDA", "NVDA $NVDA", True, base - 3600),
        ("Tomorrow: AMC AMC $AMC", "AMC", False, base + 2 * 86400),
    ] + [(title, text, False, base - rng.uniform(600, 80_000)) for title, text in POSTS[subreddit]]
    children = []
    for i, (title, text, stickied, created) in enumerate(posts[:limit]):
        post_id = f"{subreddit[:3]}{i:04d}"
        children.append(
            {
                "kind": "t3",
                "data": {
                    "id": post_id,
                    "name": f"t3_{post_id}",
                    "subreddit": subreddit,
                    "title": title,
                    "selftext": text,
                    "author": f"user{rng.randint(1, 999)}",
                    "score": rng.randint(5, 4000),
                    "ups": rng.randint(5, 4000),
                    "num_comments": rng.randint(0, 900),
                    "created_utc": round(created, 1),
                    "permalink": f"/r/{subreddit}/comments/{post_id}/",
                    "url": f"https://www.reddit.com/r/{subreddit}/comments/{post_id}/",
                    "stickied": stickied,
                    "over_18": False,
                },
            }
        )
    return {
        "kind": "Listing",
        "data": {"modhash": "", "children": children, "after": None, "before": None},
    }


# -- the generator --------------------------------------------------------------------------


def answer(request: Request) -> tuple[bytes, str]:
    path = urlsplit(request.url).path
    params = request.params
    if request.provider == "yahoo":
        if path.endswith("/screener/predefined/saved"):
            return as_json(screener(params["scrIds"], int(params["count"])))
        if "/v8/finance/chart/" in path:
            start = datetime.fromtimestamp(int(params["period1"]), UTC).date()
            end = datetime.fromtimestamp(int(params["period2"]), UTC).date() - timedelta(days=1)
            return as_json(chart(path.rsplit("/", 1)[1], start, end))
        if "/v7/finance/options/" in path:
            symbol = path.rsplit("/", 1)[1]
            # The listing's names get fewer strikes: the sample must stay small (< 3 MB).
            return as_json(option_chain(symbol, width=2 if symbol in LISTED else 5))
    if request.provider == "sec_edgar":
        if path.endswith("company_tickers.json"):
            data = {
                str(i): {"cik_str": cik_of(t), "ticker": t, "title": NAMES[t].upper()}
                for i, t in enumerate(sorted(NAMES))
            }
            return as_json(data)
        if path.endswith("search-index"):
            form = params["forms"]
            if form == "4":
                hits = [
                    efts_hit(i, ticker, "4", TRADE_DATE + timedelta(days=off), [], "form4.xml")
                    for i, (ticker, off, _owners) in enumerate(FORM4_FILINGS)
                ]
            else:
                hits = [
                    efts_hit(
                        100 + i,
                        ticker,
                        "8-K",
                        TRADE_DATE + timedelta(days=off),
                        items,
                        f"ex99-{i}.htm",
                    )
                    for i, (ticker, off, items) in enumerate(FORM8K)
                ]
            return as_json(efts(hits, form))
        if "/Archives/edgar/data/" in path:
            accession = path.split("/")[-2]
            index = next(
                i
                for i in range(len(FORM4_FILINGS))
                if accession_of(i).replace("-", "") == accession
            )
            ticker, off, owners = FORM4_FILINGS[index]
            return form4_xml(ticker, owners, TRADE_DATE + timedelta(days=off)), "application/xml"
    if request.provider == "nasdaq":
        if path.endswith("/screener/stocks"):
            return as_json(stock_screener())
        return as_json(nasdaq_day(date.fromisoformat(params["date"])))
    if request.provider == "finnhub":
        return as_json(
            finnhub(date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))
        )
    if request.provider == "reddit":
        return as_json(listing(path.split("/")[2], int(params["limit"])))
    raise ValueError(f"the generator has no answer for {request.provider} {request.public_url()}")


def generate(out: Path) -> Manifest:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    capture = Capture(out, answer)
    yahoo = YahooClient(capture, base_url=YahooClient.DEFAULT_BASE_URL)
    movers = MarketMoversParams()
    for screener_id in SCREENERS:
        yahoo.screener(None, screener_id, count=movers.count)
    start = TRADE_DATE - timedelta(days=LOOKBACK_DAYS)
    for symbol in UNIVERSE:
        yahoo.chart(None, symbol, start=start, end=TRADE_DATE)
        yahoo.options(None, symbol)
    edgar = SecEdgarClient(capture, user_agent="tradingagents sample generator")
    edgar.company_tickers(None)
    insider = InsiderBuyingParams()
    search = edgar.full_text_search(
        None, forms="4", start=TRADE_DATE - timedelta(days=insider.lookback_days), end=TRADE_DATE
    )
    for hit in search.hits:
        edgar.form4(None, cik=hit.ciks[0], accession=hit.accession, file_name=hit.file_name)
    catalysts = SecCatalystsParams()
    edgar.full_text_search(
        None,
        forms="8-K",
        start=TRADE_DATE - timedelta(days=catalysts.lookback_days),
        end=TRADE_DATE,
    )
    nasdaq = NasdaqClient(capture, base_url=NasdaqClient.DEFAULT_BASE_URL)
    window = EarningsCalendarParams().days_ahead
    for offset in range(window + 1):
        day = TRADE_DATE + timedelta(days=offset)
        if is_session(day):  # what the scanner asks for: NYSE sessions only
            nasdaq.earnings(None, day)
    FinnhubClient(capture, api_key="generated").earnings(
        None, start=TRADE_DATE, end=TRADE_DATE + timedelta(days=window)
    )
    reddit = RedditClient(capture)
    social = RedditTrendingParams()
    for subreddit in social.subreddits:
        reddit.hot(None, subreddit, limit=social.posts_per_subreddit)
    # Last, so the responses above keep their recorded latencies: the listing, and the bars
    # and chains of what discovery.universe = {source = "nasdaq"} selects from it.
    stocks = nasdaq.stock_screener(None).stocks
    charted = list(UNIVERSE)
    for symbol in select(stocks, UniverseSource(source="nasdaq")):
        if symbol not in UNIVERSE:
            yahoo.chart(None, symbol, start=start, end=TRADE_DATE)
            yahoo.options(None, symbol)
            charted.append(symbol)
    archive = bar_archive(charted)
    bars_notes = (
        f"Synthetic daily bars, not market data: {len(archive)} symbols (every charted one and "
        f"{BENCHMARK}) from {HISTORY_START} to {TRADE_DATE}; the charts' bars unchanged, "
        "before them synthetic NYSE sessions with random volume spikes and planted signals "
        "that predict nothing."
    )
    write_bar_archive(
        out / BARS_FILE,
        archive,
        synthetic=True,
        created_by="scripts/generate_sample_snapshot.py",
        notes=bars_notes,
    )
    manifest = Manifest(
        trade_date=TRADE_DATE,
        kind="generated",
        created_by="scripts/generate_sample_snapshot.py",
        notes=(
            "Deterministic synthetic data in each API's native format, with planted signals: "
            f"{VOLUME_ACCUMULATION} volume accumulation, {BREAKOUT} breakout, {RSI_OVERSOLD} "
            f"RSI(2) oversold, {UNUSUAL_CALLS} unusual calls, a DVN insider cluster buy, "
            "WBA/INTC 8-Ks, GME trending, BJ earnings on the trade date. A Nasdaq listing, "
            f"{len(stock_screener()['data']['rows'])} rows ({len(LISTED)} synthetic QX* names), for "
            'discovery.universe = {source = "nasdaq"}. '
            f"{BARS_FILE}: a bar archive for evaluation. {bars_notes} Not market data."
        ),
        responses=tuple(capture.entries),
    )
    write_manifest(out, manifest)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=sample_snapshot_path())
    args = parser.parse_args()
    manifest = generate(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {len(manifest.responses)} responses ({size / 1e6:.2f} MB) to {args.out}")


if __name__ == "__main__":
    main()
