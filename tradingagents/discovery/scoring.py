"""One scoring model for every scanner: signals in [0, 1], priority weights, confluence."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradingagents.discovery.candidate import Candidate, Priority

SignalOrigin = Literal["signal", "score", "default"]

# Digits kept in signals and score terms: enough to order, few enough to read.
_DIGITS = 6


def ramp(value: float, zero_at: float, one_at: float) -> float:
    """0.0 at ``zero_at``, 1.0 at ``one_at``, linear in between and clamped outside.

    ``zero_at`` is a scanner's qualifying threshold and ``one_at`` the value where its signal
    saturates; ``one_at`` may be below ``zero_at`` (a falling measure such as RSI). When both
    are equal, a value at or past them is a full 1.0.
    """
    if one_at == zero_at:
        return 1.0 if value >= one_at else 0.0
    return round(min(1.0, max(0.0, (value - zero_at) / (one_at - zero_at))), 4)


# -- the scoring model's constants: the rank config (docs/scoring.md) ---------------------
# Declared here, below config (which uses them as discovery.rank): the scanner API must not
# import config.


class PriorityWeights(BaseModel):
    """What a scanner's signal counts for, by the priority that scanner gave (docs/scoring.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    critical: float = Field(default=1.0, ge=0, description="Weight of a critical signal.")
    high: float = Field(default=0.8, ge=0, description="Weight of a high-priority signal.")
    medium: float = Field(default=0.6, ge=0, description="Weight of a medium-priority signal.")
    low: float = Field(default=0.4, ge=0, description="Weight of a low-priority signal.")

    def of(self, priority: str) -> float:
        """The weight of a priority level (``"high"`` or ``Priority.HIGH``)."""
        weight: float = getattr(self, str(priority))
        return weight


class RankConfig(BaseModel):
    """The rank node: the scoring model's constants (docs/scoring.md), promotion and the cap."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_candidates: int = Field(
        default=25, ge=0, description="Cap on ranked_candidates: keep at most this many."
    )
    confluence_boost: float = Field(
        default=0.1,
        ge=0,
        description="Score added per distinct contributing scanner beyond the first.",
    )
    promote_at_sources: int | None = Field(
        default=3,
        ge=2,
        description="A ticker found by this many scanners moves up one priority level; "
        "None: never.",
    )
    priority_weights: PriorityWeights = Field(
        default=PriorityWeights(),
        description="Each scanner's signal (0-1) is multiplied by the weight of the priority "
        "it gave.",
    )
    default_signal: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="The signal of a candidate whose scanner gives neither signal nor score.",
    )


def _real(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class SourceSignal:
    """One scanner's signal for one ticker, where it came from, and what was wrong with it."""

    value: float
    origin: SignalOrigin
    clamped_from: float | None = None
    problem: str | None = None


def resolve_signal(fields: Mapping[str, Any], default: float) -> SourceSignal:
    """A scanner's signal for a candidate: its ``signal``, else its ``score``, else ``default``.

    ``signal`` is validated on the candidate (a number in [0, 1]); a plugin's ``score`` is
    clamped into [0, 1], and a score that is not a finite number is ignored (the default is
    used); both come back with a ``problem`` that the engine reports as a warning.
    """
    for key in ("signal", "score"):
        raw = fields.get(key)
        if raw is None:
            continue
        origin: SignalOrigin = "signal" if key == "signal" else "score"
        number = _real(raw)
        if number is None:
            return SourceSignal(
                default, "default", problem=f"{key} {raw!r} is not a number, used {default:g}"
            )
        if 0.0 <= number <= 1.0:
            return SourceSignal(number, origin)
        clamped = min(1.0, max(0.0, number))
        return SourceSignal(
            clamped,
            origin,
            clamped_from=number,
            problem=f"{key} {number:g} outside [0, 1], clamped to {clamped:g}",
        )
    return SourceSignal(default, "default")


def built_in_default_signal() -> float:
    """The default signal of the rank config's defaults (the limit cannot see the user's)."""
    return RankConfig().default_signal


# -- a scanner's own output: repeated tickers and its limit ----------------------------------


def _order_key(candidate: Candidate, index: int, default: float) -> tuple[int, float, int]:
    signal = resolve_signal(candidate.extras, default).value
    return (-candidate.priority.rank, -signal, index)


def merge_repeated(candidates: Sequence[Candidate], default: float) -> list[Candidate]:
    """One candidate per ticker, at the position where the ticker first appears.

    The ticker's best row (priority, then signal, then first) gives the priority and fields; the
    other rows' contexts are appended to its context (" | "), and fields it lacks are taken
    from them, the first row to have one winning.
    """
    rows: dict[str, list[int]] = {}
    for index, candidate in enumerate(candidates):
        rows.setdefault(candidate.ticker, []).append(index)
    out: list[Candidate] = []
    for indexes in rows.values():
        if len(indexes) == 1:
            out.append(candidates[indexes[0]])
            continue
        best = min(indexes, key=lambda i: _order_key(candidates[i], i, default))
        data = candidates[best].model_dump()
        contexts = [candidates[best].context]
        for i in indexes:
            if i == best:
                continue
            other = candidates[i]
            if other.context not in contexts:
                contexts.append(other.context)
            for key, value in other.extras.items():
                data.setdefault(key, value)
        data["context"] = " | ".join(contexts)
        out.append(Candidate.model_validate(data))
    return out


def keep_best(
    candidates: Sequence[Candidate], limit: int | None, default: float
) -> tuple[list[Candidate], int]:
    """The best ``limit`` candidates (priority, then signal, then first), in their own order.

    Returns them and how many were cut. ``None`` keeps everything.
    """
    if limit is None or len(candidates) <= limit:
        return list(candidates), 0
    ranked = sorted(range(len(candidates)), key=lambda i: _order_key(candidates[i], i, default))
    kept = sorted(ranked[:limit])
    return [candidates[i] for i in kept], len(candidates) - limit


def signal_problems(candidates: Sequence[Candidate], default: float) -> str | None:
    """One warning naming the candidates whose signal or score could not be used as given."""
    problems = []
    for candidate in candidates:
        problem = resolve_signal(candidate.extras, default).problem
        if problem is not None:
            problems.append(f"{candidate.ticker}: {problem}")
    if not problems:
        return None
    more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
    count = "1 candidate has" if len(problems) == 1 else f"{len(problems)} candidates have"
    return f"{count} a score off the signal scale [0, 1] ({'; '.join(problems[:3])}{more})"


# -- the rank node's score -------------------------------------------------------------------


def _sources(candidate: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(scanner, that scanner's fields) for every distinct scanner, in merge order."""
    by_source = candidate.get("by_source")
    names = candidate.get("sources") or [candidate.get("source") or "state"]
    out: list[tuple[str, Mapping[str, Any]]] = []
    for name in dict.fromkeys(str(n) for n in names):
        fields = by_source.get(name) if isinstance(by_source, Mapping) else None
        # A candidate seeded without by_source speaks for its only source itself.
        out.append((name, fields if isinstance(fields, Mapping) else candidate))
    return out


def score_breakdown(candidate: Mapping[str, Any], config: RankConfig) -> dict[str, Any]:
    """Every term of a candidate's score (docs/scoring.md): what ``score_breakdown`` holds.

    Per scanner: its signal, where it came from, the weight of the priority that scanner gave,
    and their product. The score is the best product plus ``confluence_boost`` per distinct
    scanner beyond the first.
    """
    terms = []
    for name, fields in _sources(candidate):
        signal = resolve_signal(fields, config.default_signal)
        try:
            priority = Priority(fields.get("priority", candidate.get("priority")))
        except ValueError:
            priority = Priority(candidate["priority"])
        weight = config.priority_weights.of(priority)
        term: dict[str, Any] = {
            "source": name,
            "priority": priority.value,
            "signal": round(signal.value, _DIGITS),
            "signal_from": signal.origin,
            "weight": weight,
            "weighted": round(weight * signal.value, _DIGITS),
        }
        if signal.clamped_from is not None:
            term["clamped_from"] = signal.clamped_from
        terms.append(term)
    best = max(terms, key=lambda t: t["weighted"])  # max keeps the first of equals
    extra = len(terms) - 1
    confluence = round(config.confluence_boost * extra, _DIGITS)
    return {
        "sources": terms,
        "best_source": best["source"],
        "best": best["weighted"],
        "extra_sources": extra,
        "confluence": confluence,
        "total": round(best["weighted"] + confluence, _DIGITS),
    }
