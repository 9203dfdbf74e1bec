"""Pure parsing of the social sources: Reddit listings and tokens, ApeWisdom mention rankings."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from tradingagents.errors import ProviderAuthError
from tradingagents.providers.parsing import (
    Native,
    NonBlank,
    PayloadError,
    load_json,
    validate,
)

REDDIT = "reddit"
APEWISDOM = "apewisdom"

_INTEGER = re.compile(r"^[+-]?\d+$")
# Reddit keeps a deleted account's posts but replaces the author's name with this.
_DELETED_AUTHOR = "[deleted]"
# OAuth error codes are short identifiers ("invalid_grant"); anything else is not repeated.
_OAUTH_ERROR = re.compile(r"^[A-Za-z0-9_. -]{1,64}$")


def _epoch(value: Any) -> datetime.datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"expected a number, got {type(value).__name__}")
    try:
        if not math.isfinite(value):
            raise ValueError(value)
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        raise PayloadError(f"invalid timestamp {value!r}") from None


def _loose_int(value: Any) -> int:
    """An integer sent as a number or as a numeric string ("12"); never a made-up zero."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    raise PayloadError("missing field" if value is None else f"expected an integer, got {value!r}")


def _bearer(value: Any) -> str:
    if not isinstance(value, str) or value.lower() != "bearer":
        raise PayloadError("expected a bearer token")
    return value


def _seconds(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise PayloadError("expected a positive number of seconds")
    return float(value)


LooseInt = Annotated[int, PlainValidator(_loose_int)]


class _Post(Native):
    id: str
    subreddit: str
    title: str
    selftext: str
    author: str | None
    score: int
    num_comments: int
    created_utc: Annotated[datetime.datetime, PlainValidator(_epoch)]
    stickied: bool
    permalink: str


class _Child(Native):
    kind: Any = None
    data: Any = None


class _ListingData(Native):
    children: list[_Child]


class _Listing(Native):
    kind: Literal["Listing"]
    data: _ListingData


class _Token(Native):
    # Validators name what is wrong, never the value: a value here may be the token.
    access_token: NonBlank
    token_type: Annotated[str, PlainValidator(_bearer)] = "bearer"
    expires_in: Annotated[float, PlainValidator(_seconds)]


class _Mention(Native):
    rank: LooseInt
    ticker: NonBlank
    name: str | None = None
    mentions: LooseInt
    upvotes: LooseInt
    #: Null (or absent) for a ticker that was not ranked 24 hours ago.
    rank_24h_ago: LooseInt | None = None
    mentions_24h_ago: LooseInt | None = None


class _Mentions(Native):
    """ApeWisdom sends some counts as strings ("12")."""

    count: LooseInt
    pages: LooseInt
    current_page: LooseInt = Field(alias="currentPage")
    results: list[_Mention]


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
    listing = validate(_Listing, load_json(payload, provider=REDDIT), provider=REDDIT)
    posts = []
    for index, child in enumerate(listing.data.children):
        if child.kind == "t3":
            where = f"data.children.{index}.data"
            post = validate(_Post, child.data, provider=REDDIT, root=where)
            posts.append(
                RedditPost(
                    **post.model_dump(exclude={"author"}),
                    author=None if post.author == _DELETED_AUTHOR else post.author,
                )
            )
    return posts


@dataclass(frozen=True)
class RedditToken:
    """An application-only OAuth access token; kept out of the repr (it is a credential)."""

    access_token: str = field(repr=False)
    expires_in: float


def parse_token(payload: bytes | str | Mapping[str, Any]) -> RedditToken:
    """The answer of ``POST /api/v1/access_token`` (``grant_type=client_credentials``).

    Reddit refuses some requests with HTTP 200 and an ``error`` field; that is an auth error,
    not a token. Messages name fields, never values: a value here may be the token.
    """
    data = load_json(payload, provider=REDDIT)
    if isinstance(data, Mapping) and "error" in data:
        code = str(data["error"])
        shown = repr(code) if _OAUTH_ERROR.match(code) else "an unreadable error"
        raise ProviderAuthError(
            f"the token endpoint answered error {shown}", status=200, provider=REDDIT
        )
    token = validate(_Token, data, provider=REDDIT)
    return RedditToken(access_token=token.access_token.strip(), expires_in=token.expires_in)


def parse_mentions(payload: bytes | str | Mapping[str, Any]) -> ApeWisdomPage:
    """One page of ApeWisdom's mention ranking.

    ApeWisdom sends some counts as strings ("12"); those are accepted, any other text is a
    parse error rather than a zero.
    """
    page = validate(_Mentions, load_json(payload, provider=APEWISDOM), provider=APEWISDOM)
    return ApeWisdomPage(
        count=page.count,
        pages=page.pages,
        current_page=page.current_page,
        results=tuple(
            ApeWisdomMention(
                **mention.model_dump(exclude={"ticker", "name"}),
                ticker=mention.ticker.strip(),
                name=(mention.name or "").strip() or None,
            )
            for mention in page.results
        ),
    )
