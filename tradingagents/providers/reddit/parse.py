"""Pure parsing of the social sources: Reddit listings and tokens, ApeWisdom mention rankings."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from tradingagents.errors import ProviderAuthError, ProviderParseError
from tradingagents.providers.parsing import dig, expect_object, load_json

REDDIT = "reddit"
APEWISDOM = "apewisdom"

_INTEGER = re.compile(r"^[+-]?\d+$")
# Reddit keeps a deleted account's posts but replaces the author's name with this.
_DELETED_AUTHOR = "[deleted]"


class RedditPost(BaseModel):
    """One submission (``t3``) of a listing; ``author`` is None once the account is deleted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    subreddit: str
    title: str
    selftext: str
    author: str | None
    score: int
    num_comments: int
    created_utc: datetime.datetime
    stickied: bool
    permalink: str


class ApeWisdomMention(BaseModel):
    """One ticker's place in ApeWisdom's ranking; the 24h-ago figures are None for newcomers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rank: int
    ticker: str
    name: str | None
    mentions: int
    upvotes: int
    rank_24h_ago: int | None
    mentions_24h_ago: int | None


class ApeWisdomPage(BaseModel):
    """One page of an ApeWisdom filter (``count`` tickers over ``pages`` pages)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    pages: int
    current_page: int
    results: tuple[ApeWisdomMention, ...]


def parse_listing(payload: bytes | str | Mapping[str, Any]) -> list[RedditPost]:
    """The submissions of a Reddit Listing, in listing order (stickied posts included).

    Children of other kinds (comments ``t1``, "more" stubs) are skipped: a listing of posts
    may carry them, and they are not posts.
    """
    data = load_json(payload, provider=REDDIT)
    data = expect_object(data, provider=REDDIT, field="<body>")
    kind = dig(data, "kind", provider=REDDIT)
    if kind != "Listing":
        raise ProviderParseError(
            f"expected a Listing, got kind {kind!r}", provider=REDDIT, field="kind"
        )
    children = dig(data, "data.children", provider=REDDIT, kind=list)
    posts = []
    for index, item in enumerate(children):
        path = f"data.children.{index}"
        child = expect_object(item, provider=REDDIT, field=path)
        if child.get("kind") == "t3":
            posts.append(_post(_reddit_value(child, path, "data", Mapping), f"{path}.data"))
    return posts


@dataclass(frozen=True)
class RedditToken:
    """An application-only OAuth access token; kept out of the repr (it is a credential)."""

    access_token: str = field(repr=False)
    expires_in: float


# OAuth error codes are short identifiers ("invalid_grant"); anything else is not repeated.
_OAUTH_ERROR = re.compile(r"^[A-Za-z0-9_. -]{1,64}$")


def parse_token(payload: bytes | str | Mapping[str, Any]) -> RedditToken:
    """The answer of ``POST /api/v1/access_token`` (``grant_type=client_credentials``).

    Reddit refuses some requests with HTTP 200 and an ``error`` field; that is an auth error,
    not a token. Messages name fields, never values: a value here may be the token.
    """
    data = load_json(payload, provider=REDDIT)
    data = expect_object(data, provider=REDDIT, field="<body>")
    if "error" in data:
        code = str(data["error"])
        shown = repr(code) if _OAUTH_ERROR.match(code) else "an unreadable error"
        raise ProviderAuthError(
            f"the token endpoint answered error {shown}", status=200, provider=REDDIT
        )
    token = data.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise ProviderParseError(
            "missing or empty access token", provider=REDDIT, field="access_token"
        )
    token_type = data.get("token_type", "bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ProviderParseError("expected a bearer token", provider=REDDIT, field="token_type")
    expires_in = data.get("expires_in")
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, int | float)
        or not math.isfinite(expires_in)
        or expires_in <= 0
    ):
        raise ProviderParseError(
            "expected a positive number of seconds", provider=REDDIT, field="expires_in"
        )
    return RedditToken(access_token=token.strip(), expires_in=float(expires_in))


def _post(post: Mapping[str, Any], path: str) -> RedditPost:
    author = _reddit_value(post, path, "author", (str, type(None)))
    created = _reddit_value(post, path, "created_utc", (int, float))
    try:
        if isinstance(created, bool) or not math.isfinite(created):
            raise ValueError(created)
        created_utc = datetime.datetime.fromtimestamp(created, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        raise ProviderParseError(
            f"invalid timestamp {created!r}", provider=REDDIT, field=f"{path}.created_utc"
        ) from None
    return RedditPost(
        id=_reddit_value(post, path, "id", str),
        subreddit=_reddit_value(post, path, "subreddit", str),
        title=_reddit_value(post, path, "title", str),
        selftext=_reddit_value(post, path, "selftext", str),
        author=None if author in (None, _DELETED_AUTHOR) else author,
        score=_reddit_int(post, path, "score"),
        num_comments=_reddit_int(post, path, "num_comments"),
        created_utc=created_utc,
        stickied=_reddit_value(post, path, "stickied", bool),
        permalink=_reddit_value(post, path, "permalink", str),
    )


def _reddit_value(
    post: Mapping[str, Any], path: str, key: str, kind: type | tuple[type, ...]
) -> Any:
    if key not in post:
        raise ProviderParseError("missing field", provider=REDDIT, field=f"{path}.{key}")
    value = post[key]
    if not isinstance(value, kind):
        raise ProviderParseError(
            f"unexpected {type(value).__name__}",
            provider=REDDIT,
            field=f"{path}.{key}",
        )
    return value


def _reddit_int(post: Mapping[str, Any], path: str, key: str) -> int:
    value = _reddit_value(post, path, key, int)
    if isinstance(value, bool):
        raise ProviderParseError(
            f"expected an integer, got {value!r}", provider=REDDIT, field=f"{path}.{key}"
        )
    return int(value)


def parse_mentions(payload: bytes | str | Mapping[str, Any]) -> ApeWisdomPage:
    """One page of ApeWisdom's mention ranking.

    ApeWisdom sends some counts as strings ("12"); those are accepted, any other text is a
    parse error rather than a zero.
    """
    data = load_json(payload, provider=APEWISDOM)
    data = expect_object(data, provider=APEWISDOM, field="<body>")
    results = dig(data, "results", provider=APEWISDOM, kind=list)
    return ApeWisdomPage(
        count=_ape_int(data, "", "count"),
        pages=_ape_int(data, "", "pages"),
        current_page=_ape_int(data, "", "currentPage"),
        results=tuple(_mention(item, f"results.{index}") for index, item in enumerate(results)),
    )


def _mention(item: Any, path: str) -> ApeWisdomMention:
    item = expect_object(item, provider=APEWISDOM, field=path)
    ticker = item.get("ticker")
    if not isinstance(ticker, str) or not ticker.strip():
        raise ProviderParseError(
            f"expected a ticker, got {ticker!r}", provider=APEWISDOM, field=f"{path}.ticker"
        )
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise ProviderParseError(
            f"expected a string, got {type(name).__name__}",
            provider=APEWISDOM,
            field=f"{path}.name",
        )
    return ApeWisdomMention(
        rank=_ape_int(item, path, "rank"),
        ticker=ticker.strip(),
        name=(name.strip() or None) if name is not None else None,
        mentions=_ape_int(item, path, "mentions"),
        upvotes=_ape_int(item, path, "upvotes"),
        rank_24h_ago=_ape_optional_int(item, path, "rank_24h_ago"),
        mentions_24h_ago=_ape_optional_int(item, path, "mentions_24h_ago"),
    )


def _ape_optional_int(item: Mapping[str, Any], path: str, key: str) -> int | None:
    """Null (or absent) for a ticker that was not ranked 24 hours ago."""
    if item.get(key) is None:
        return None
    return _ape_int(item, path, key)


def _ape_int(item: Mapping[str, Any], path: str, key: str) -> int:
    """An integer sent as a number or as a numeric string ("12")."""
    field = f"{path}.{key}" if path else key
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    problem = "missing field" if value is None else f"expected an integer, got {value!r}"
    raise ProviderParseError(problem, provider=APEWISDOM, field=field)
