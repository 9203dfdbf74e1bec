"""The universe's per-date listing cache keeps the listing's body, so its runs archive it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.test_universe import DAY, Counting, amex_listing, ctx, run_services
from tradingagents.providers.nasdaq import parse_stock_screener
from tradingagents.universe import UniverseSource, select


def kept(cache: Path, day: date = DAY) -> Path:
    return cache / "universe" / f"nasdaq-{day}.json"


def write_format_1(cache: Path, day: date) -> tuple[str, ...]:
    """A listing kept by the previous version: the parsed stocks, without their body."""
    stocks = parse_stock_screener(amex_listing()).stocks[:40]
    data = {
        "format": 1,
        "source": "nasdaq",
        "trade_date": day.isoformat(),
        "stocks": [stock.model_dump(mode="json") for stock in stocks],
    }
    kept(cache, day).parent.mkdir(parents=True, exist_ok=True)
    kept(cache, day).write_text(json.dumps(data), encoding="utf-8")
    return select(stocks, UniverseSource(source="nasdaq"))


def test_the_listing_is_kept_as_its_response_body_and_read_back_the_same(tmp_path: Path) -> None:
    transport = Counting(amex_listing())
    fetched = run_services(transport, tmp_path).resolved_universe(ctx())
    data = json.loads(kept(tmp_path).read_bytes())
    assert data["format"] == 2 and data["content_type"] == "application/json"
    assert data["body"].encode() == amex_listing()
    cached = run_services(transport, tmp_path).resolved_universe(ctx())
    assert len(transport.requests) == 1
    assert (cached.symbols, cached.listed, cached.eligible) == (
        fetched.symbols,
        fetched.listed,
        fetched.eligible,
    )
    assert cached.rows == fetched.rows


def test_a_listing_kept_without_its_body_is_fetched_again_on_its_own_day(tmp_path: Path) -> None:
    write_format_1(tmp_path, DAY)
    transport = Counting(amex_listing())
    symbols = run_services(transport, tmp_path).symbols(ctx())
    assert len(transport.requests) == 1  # today: fetched, so this run archives its listing
    assert len(symbols) == 15
    assert json.loads(kept(tmp_path).read_bytes())["format"] == 2


def test_a_listing_kept_without_its_body_still_serves_a_past_day(tmp_path: Path) -> None:
    past = DAY - timedelta(days=1)
    expected = write_format_1(tmp_path, past)
    transport = Counting(amex_listing())
    # Today is DAY: the past day's listing cannot be fetched again, so the old copy serves.
    services = run_services(transport, tmp_path, past)
    services.today = lambda: DAY
    assert services.symbols(ctx(past)) == expected
    assert transport.requests == []


def test_a_kept_body_that_no_longer_parses_is_a_miss(tmp_path: Path) -> None:
    transport = Counting(amex_listing())
    run_services(transport, tmp_path).symbols(ctx())
    data = json.loads(kept(tmp_path).read_bytes())
    data["body"] = '{"data": "not a listing"}'
    kept(tmp_path).write_text(json.dumps(data), encoding="utf-8")
    assert len(run_services(transport, tmp_path).symbols(ctx())) == 15
    assert len(transport.requests) == 2
