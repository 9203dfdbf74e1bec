"""Ticker extraction from social posts: cashtags, bare symbols, stop words, the SEC universe."""

from __future__ import annotations

from tradingagents.providers.sec_edgar.tickers import CompanyTicker, TickerUniverse
from tradingagents.scanners.reddit_trending import extract_tickers, mentions_in

UNIVERSE = TickerUniverse(
    CompanyTicker(cik=i + 1, ticker=t, title=t)
    for i, t in enumerate(["GME", "PLTR", "F", "BRK-B", "IT", "A", "ALL", "DD", "TSLA"])
)


def test_cashtags_count_even_one_letter_and_share_classes() -> None:
    assert extract_tickers("Loading $F and $brk.b, $TSLA!", UNIVERSE) == {"F", "BRK-B", "TSLA"}


def test_bare_symbols_need_the_universe_and_must_not_be_stop_words() -> None:
    text = "YOLO: IT is ALL in on GME, A DD on PLTR. CEO says NOPE"
    assert extract_tickers(text, UNIVERSE) == {"GME", "PLTR"}


def test_cashtags_of_stop_words_still_count() -> None:
    assert extract_tickers("buying $IT and $DD", UNIVERSE) == {"IT", "DD"}


def test_without_a_universe_only_cashtags_count() -> None:
    assert extract_tickers("GME to the moon $PLTR", None) == {"PLTR"}


def test_cashtag_outside_the_universe_is_dropped_and_prices_are_not_tickers() -> None:
    assert extract_tickers("$ZZZZ costs $5 now, $GME", UNIVERSE) == {"GME"}


def test_a_post_counts_a_ticker_once() -> None:
    counts = mentions_in(["GME GME $GME", "GME", "PLTR"], UNIVERSE)
    assert counts == {"GME": 2, "PLTR": 1}
