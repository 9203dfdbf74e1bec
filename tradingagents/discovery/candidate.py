"""Candidates: the typed record a scanner emits, with ticker normalisation and priority order."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from tradingagents.errors import CandidateError


class Priority(StrEnum):
    """How urgently downstream analysis should look at a candidate."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Larger is more urgent: critical 3 ... low 0."""
        return _PRIORITY_RANK[self]

    def promoted(self) -> Priority:
        """One level up (critical stays critical)."""
        return _BY_RANK[min(self.rank + 1, 3)]


_PRIORITY_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2, Priority.CRITICAL: 3}
_BY_RANK = {rank: priority for priority, rank in _PRIORITY_RANK.items()}

# Root of 1-6 letters (one-letter tickers such as F are valid), then an optional class or
# instrument suffix: BRK-B, BF-B, AACT-WT, ABC-U. "." and "/" are accepted spellings of "-".
_TICKER = re.compile(r"[A-Z]{1,6}(?:-[A-Z0-9]{1,4})?")


def normalize_ticker(raw: object) -> str:
    """Return the canonical spelling of a US ticker, or raise :class:`CandidateError`.

    Upper-cases, strips whitespace and a leading ``$`` (cashtags), and spells share classes with
    a dash: ``brk.b``, ``BRK/B`` and ``BRK-B`` all become ``BRK-B``.
    """
    if not isinstance(raw, str):
        raise CandidateError(f"ticker must be a string, got {type(raw).__name__}")
    ticker = raw.strip().upper().removeprefix("$").replace(".", "-").replace("/", "-")
    if not _TICKER.fullmatch(ticker):
        raise CandidateError(f"invalid ticker {raw!r}")
    return ticker


# Set by the merge; a scanner may not supply them as extra fields.
RESERVED_FIELDS = frozenset({"contexts", "sources", "by_source", "rank", "score_breakdown"})


def _ticker_field(value: object) -> str:
    try:
        return normalize_ticker(value)
    except CandidateError as exc:
        raise ValueError(str(exc)) from None


#: A pydantic field type for tickers: normalised on validation, invalid spellings rejected.
Ticker = Annotated[str, BeforeValidator(_ticker_field)]


class Candidate(BaseModel):
    """One ticker a scanner proposes for analysis.

    ``ticker``, ``context`` (why, in a sentence) and ``priority`` are required; ``source`` is
    filled in by the engine. Any other field (price, volume, ...) is kept as an extra. An
    optional ``signal`` is the scanner's strength on the common scale [0, 1] that ranking uses
    (docs/scoring.md); a plugin's ``score`` stands in for it when there is none.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    ticker: Ticker
    context: str = Field(min_length=1)
    priority: Priority
    source: str | None = None

    @model_validator(mode="after")
    def _no_reserved_extras(self) -> Candidate:
        extra = self.model_extra
        if extra and not RESERVED_FIELDS.isdisjoint(extra):
            clash = sorted(RESERVED_FIELDS.intersection(extra))[0]
            raise ValueError(f"field {clash!r} is reserved: the engine sets it when merging")
        if extra and extra.get("signal") is not None:
            signal = extra["signal"]
            # The one scale every scanner's strength is compared on (docs/scoring.md): a value
            # off it is a scanner bug, so the candidate is rejected rather than guessed at.
            if (
                isinstance(signal, bool)
                or not isinstance(signal, int | float)
                or not 0.0 <= signal <= 1.0  # also false for NaN
            ):
                raise ValueError(f"signal must be a number in [0, 1], got {signal!r}")
        return self

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @classmethod
    def coerce(cls, item: Candidate | dict[str, Any], *, source: str) -> Candidate:
        """Validate a scanner's item (a Candidate or a dict) and stamp its source.

        Raises :class:`CandidateError` with a one-line reason naming the offending field.
        """
        if isinstance(item, Candidate):
            data = item.model_dump()
        elif isinstance(item, dict):
            data = dict(item)
        else:
            raise CandidateError(f"expected a Candidate or dict, got {type(item).__name__}")
        data["source"] = source
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"]) or "<candidate>"
            more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            raise CandidateError(f"{field}: {first['msg']}{more}") from None
