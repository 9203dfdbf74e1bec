"""The social sources: a real Reddit listing, ApeWisdom rankings, and both clients over HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ProviderParseError, ProviderRateLimited
from tradingagents.http import RequestsTransport
from tradingagents.providers.reddit import (
    ApeWisdomClient,
    RedditClient,
    parse_listing,
    parse_mentions,
)


@pytest.fixture
def body(real: Path) -> bytes:
    return (real / "reddit" / "reddit_r_askreddit_hot_limit100_2016-03-01.json").read_bytes()


@pytest.fixture
def payload(body: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)
    return data


def _mentions() -> dict[str, Any]:
    # Hand-written from ApeWisdom's API documentation, NOT recorded: no real ApeWisdom payload
    # is public (see real/SOURCES.md). Counts are mixed numbers and strings, as the live API
    # sends them; a ticker new to the ranking has null 24h-ago figures.
    return {
        "count": 250,
        "pages": 3,
        "currentPage": 1,
        "results": [
            {
                "rank": 1,
                "ticker": "GME",
                "name": "GameStop",
                "mentions": "412",
                "upvotes": "3051",
                "rank_24h_ago": "2",
                "mentions_24h_ago": "298",
            },
            {
                "rank": 2,
                "ticker": "NVDA",
                "name": "NVIDIA",
                "mentions": 377,
                "upvotes": 1204,
                "rank_24h_ago": 1,
                "mentions_24h_ago": 401,
            },
            {
                "rank": 3,
                "ticker": "ZZZQ",
                "name": None,
                "mentions": "12",
                "upvotes": "40",
                "rank_24h_ago": None,
                "mentions_24h_ago": None,
            },
        ],
    }


def _ctx() -> ScanContext:
    return ScanContext(
        scanner="t", trade_date=date(2024, 7, 1), config={}, deadline=time.monotonic() + 10
    )


def _parse_error(parse: Any, payload: Any, provider: str) -> ProviderParseError:
    with pytest.raises(ProviderParseError) as info:
        parse(payload)
    assert info.value.provider == provider
    return info.value


# --- Reddit listing ---------------------------------------------------------------------------


def test_real_listing_parses_every_post(body: bytes) -> None:
    posts = parse_listing(body)

    assert len(posts) == 102
    assert {p.subreddit for p in posts} == {"AskReddit"}
    assert [p.id for p in posts if p.stickied] == ["46c00m", "488k4a"]
    assert all(p.created_utc.tzinfo is UTC for p in posts)


def test_real_stickied_first_post(body: bytes) -> None:
    first = parse_listing(body)[0]

    assert first.id == "46c00m"
    assert first.title == "THE ASKREDDIT MOBILE DESIGN EXTRAVAGANZA CONTEST!"
    assert first.author == "orangejulius"
    assert first.score == 1382
    assert first.num_comments == 433
    assert first.created_utc == datetime(2016, 2, 18, 0, 30, 45, tzinfo=UTC)  # 1455755445.0
    assert first.stickied is True
    assert first.permalink == (
        "/r/AskReddit/comments/46c00m/the_askreddit_mobile_design_extravaganza_contest/"
    )
    assert first.selftext.startswith("Hi everybody! (Hi Doctor Nick!)")


def test_real_link_post_has_empty_selftext(body: bytes) -> None:
    third = parse_listing(body)[2]

    assert (third.id, third.score, third.num_comments, third.selftext) == (
        "48dath",
        2250,
        2598,
        "",
    )
    assert third.stickied is False


def test_non_post_children_are_skipped(payload: dict[str, Any]) -> None:
    children = payload["data"]["children"]
    children.insert(1, {"kind": "t1", "data": {"id": "c1", "body": "a comment"}})
    children.append({"kind": "more", "data": {"count": 3, "children": ["a", "b"]}})

    assert len(parse_listing(payload)) == 102


def test_deleted_author_is_none(payload: dict[str, Any]) -> None:
    payload["data"]["children"][0]["data"]["author"] = "[deleted]"
    payload["data"]["children"][1]["data"]["author"] = None

    posts = parse_listing(payload)

    assert (posts[0].author, posts[1].author) == (None, None)


def test_empty_listing(payload: dict[str, Any]) -> None:
    payload["data"]["children"] = []

    assert parse_listing(payload) == []


def test_truncated_listing_is_a_parse_error(body: bytes) -> None:
    assert _parse_error(parse_listing, body[: len(body) // 2], "reddit").field == "<body>"


_DELETE = object()
_POST = "data.children.0.data"


def _set_post(key: str, value: Any) -> Any:
    """A mutation of the first post: set (or with _DELETE, remove) ``key``."""

    def mutate(payload: dict[str, Any]) -> None:
        post = payload["data"]["children"][0]["data"]
        if value is _DELETE:
            del post[key]
        else:
            post[key] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.update(kind="t3"), "kind"),
        (lambda p: p.pop("kind"), "kind"),
        (lambda p: p["data"].pop("children"), "data.children"),
        (lambda p: p["data"].update(children={}), "data.children"),
        (lambda p: p["data"]["children"].__setitem__(0, "t3_46c00m"), "data.children.0"),
        (lambda p: p["data"]["children"][0].pop("data"), "data.children.0.data"),
        (_set_post("id", _DELETE), f"{_POST}.id"),
        (_set_post("title", None), f"{_POST}.title"),
        (_set_post("selftext", _DELETE), f"{_POST}.selftext"),
        (_set_post("score", "1382"), f"{_POST}.score"),
        (_set_post("score", True), f"{_POST}.score"),
        (_set_post("num_comments", 4.5), f"{_POST}.num_comments"),
        (_set_post("created_utc", "1455755445"), f"{_POST}.created_utc"),
        (_set_post("created_utc", 1e20), f"{_POST}.created_utc"),
        (_set_post("stickied", "yes"), f"{_POST}.stickied"),
        (_set_post("permalink", _DELETE), f"{_POST}.permalink"),
        (_set_post("author", 7), f"{_POST}.author"),
    ],
)
def test_malformed_listings_name_the_field(
    payload: dict[str, Any], mutate: Any, field: str
) -> None:
    mutate(payload)

    assert _parse_error(parse_listing, payload, "reddit").field == field


# --- ApeWisdom --------------------------------------------------------------------------------


def test_mentions_accept_numbers_sent_as_strings() -> None:
    page = parse_mentions(json.dumps(_mentions()).encode())

    assert (page.count, page.pages, page.current_page) == (250, 3, 1)
    gme, nvda, newcomer = page.results
    assert (gme.rank, gme.ticker, gme.name, gme.mentions, gme.upvotes) == (
        1,
        "GME",
        "GameStop",
        412,
        3051,
    )
    assert (gme.rank_24h_ago, gme.mentions_24h_ago) == (2, 298)
    assert (nvda.mentions, nvda.rank_24h_ago) == (377, 1)
    assert (newcomer.name, newcomer.rank_24h_ago, newcomer.mentions_24h_ago) == (None, None, None)


def test_mentions_page_counts_may_be_strings() -> None:
    payload = _mentions()
    payload.update(count="250", pages="3", currentPage="2")

    page = parse_mentions(payload)

    assert (page.count, page.pages, page.current_page) == (250, 3, 2)


def test_truncated_mentions_are_a_parse_error() -> None:
    body = json.dumps(_mentions()).encode()

    assert _parse_error(parse_mentions, body[: len(body) // 2], "apewisdom").field == "<body>"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.pop("results"), "results"),
        (lambda p: p.update(results=None), "results"),
        (lambda p: p.update(count="lots"), "count"),
        (lambda p: p.pop("currentPage"), "currentPage"),
        (lambda p: p["results"].__setitem__(1, "NVDA"), "results.1"),
        (lambda p: p["results"][0].update(mentions="many"), "results.0.mentions"),
        (lambda p: p["results"][0].update(mentions=""), "results.0.mentions"),
        (lambda p: p["results"][0].update(mentions=None), "results.0.mentions"),
        (lambda p: p["results"][0].update(upvotes="12.5"), "results.0.upvotes"),
        (lambda p: p["results"][0].update(rank=True), "results.0.rank"),
        (lambda p: p["results"][0].update(rank_24h_ago="n/a"), "results.0.rank_24h_ago"),
        (lambda p: p["results"][2].update(mentions_24h_ago="x"), "results.2.mentions_24h_ago"),
        (lambda p: p["results"][0].pop("ticker"), "results.0.ticker"),
        (lambda p: p["results"][0].update(name=5), "results.0.name"),
    ],
)
def test_malformed_mentions_name_the_field(mutate: Any, field: str) -> None:
    payload = _mentions()
    mutate(payload)

    assert _parse_error(parse_mentions, payload, "apewisdom").field == field


# --- clients ----------------------------------------------------------------------------------


def test_reddit_client_asks_for_hot_with_its_user_agent(
    httpserver: HTTPServer, body: bytes
) -> None:
    httpserver.expect_request(
        "/r/wallstreetbets/hot.json",
        method="GET",
        query_string={"limit": "100", "raw_json": "1"},
    ).respond_with_data(body, content_type="application/json")
    client = RedditClient(RequestsTransport(), base_url=httpserver.url_for("/"))
    ctx = _ctx()

    posts = client.hot(ctx, "wallstreetbets")

    assert len(posts) == 102
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == "tradingagents/0.1 (discovery scanner)"
    [log] = ctx._close()
    assert log["tool"] == "reddit.hot"
    assert log["parameters"]["url"].endswith("/r/wallstreetbets/hot.json?limit=100&raw_json=1")


def test_reddit_client_sends_a_custom_user_agent_and_limit(
    httpserver: HTTPServer, payload: dict[str, Any]
) -> None:
    payload["data"]["children"] = payload["data"]["children"][:5]
    httpserver.expect_request(
        "/r/stocks/hot.json", query_string={"limit": "5", "raw_json": "1"}
    ).respond_with_json(payload)
    client = RedditClient(
        RequestsTransport(), user_agent="scanner/2.0 by u/someone", base_url=httpserver.url_for("/")
    )

    assert len(client.hot(None, "stocks", limit=5)) == 5
    assert httpserver.log[0][0].headers["User-Agent"] == "scanner/2.0 by u/someone"


def test_reddit_client_maps_429_to_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/r/wallstreetbets/hot.json").respond_with_json(
        {"message": "Too Many Requests", "error": 429}, status=429
    )
    client = RedditClient(RequestsTransport(), base_url=httpserver.url_for("/"))

    with pytest.raises(ProviderRateLimited) as info:
        client.hot(_ctx(), "wallstreetbets")

    assert info.value.retryable is True
    assert info.value.provider == "reddit"


@pytest.mark.parametrize("subreddit", ["", "a", "wall street", "../api", "wsb/new", "x" * 22])
def test_reddit_client_refuses_odd_subreddit_names(subreddit: str) -> None:
    client = RedditClient(RequestsTransport())

    with pytest.raises(ValueError, match="subreddit"):
        client.hot(None, subreddit)


@pytest.mark.parametrize("limit", [0, 101])
def test_reddit_client_refuses_limits_reddit_would_cap(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        RedditClient(RequestsTransport()).hot(None, "stocks", limit=limit)


def test_reddit_client_needs_a_user_agent() -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        RedditClient(RequestsTransport(), user_agent=" ")


def test_apewisdom_client_asks_for_the_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/v1.0/filter/wallstreetbets/page/2", method="GET"
    ).respond_with_json(_mentions())
    client = ApeWisdomClient(RequestsTransport(), base_url=httpserver.url_for("/"))
    ctx = _ctx()

    page = client.mentions(ctx, filter_name="wallstreetbets", page=2)

    assert [m.ticker for m in page.results] == ["GME", "NVDA", "ZZZQ"]
    [log] = ctx._close()
    assert log["tool"] == "apewisdom.mentions"
    assert log["parameters"]["url"].endswith("/api/v1.0/filter/wallstreetbets/page/2")


def test_apewisdom_client_defaults_to_all_stocks_page_1(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1.0/filter/all-stocks/page/1").respond_with_json(_mentions())
    client = ApeWisdomClient(RequestsTransport(), base_url=httpserver.url_for("/"))

    assert client.mentions(None).count == 250


def test_apewisdom_client_maps_429_to_rate_limited(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1.0/filter/all-stocks/page/1").respond_with_data(
        "", status=429
    )
    client = ApeWisdomClient(RequestsTransport(), base_url=httpserver.url_for("/"))

    with pytest.raises(ProviderRateLimited):
        client.mentions(_ctx())


@pytest.mark.parametrize(("filter_name", "page"), [("../x", 1), ("All Stocks", 1), ("all", 0)])
def test_apewisdom_client_refuses_bad_arguments(filter_name: str, page: int) -> None:
    with pytest.raises(ValueError, match=r"filter|page"):
        ApeWisdomClient(RequestsTransport()).mentions(None, filter_name=filter_name, page=page)


def test_default_base_urls() -> None:
    assert RedditClient(RequestsTransport()).base_url == "https://www.reddit.com"
    assert ApeWisdomClient(RequestsTransport()).base_url == "https://apewisdom.io"
