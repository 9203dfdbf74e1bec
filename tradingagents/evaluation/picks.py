"""Point-in-time discovery for a batch of days in a worker process, and the picks it made."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradingagents.graph.discovery_graph import DiscoveryGraph
    from tradingagents.replay.bars import BarArchive

#: The columns of a pick: one scanner's candidate on one day, with the final ranking's view.
PICK_COLUMNS = (
    "trade_date",
    "scanner",
    "pipeline",
    "ticker",
    "priority",
    "signal",
    "score",
    "rank",
    "final_priority",
    "filtered_out",
)


@dataclass(frozen=True)
class WorkSpec:
    """What every worker needs to build its graph: plain data, pickled to processes and Dask
    workers (clients and graphs are built there, never shipped)."""

    #: The validated ``discovery`` table (``DiscoveryConfig.model_dump(mode="json")``).
    discovery: Mapping[str, Any]
    #: The bar archive every history scanner reads (None: the source's own price history).
    bars_path: str | None
    #: The reason each scanner that some day switches off shows in its record.
    skip_reasons: Mapping[str, str] = field(default_factory=dict)
    #: The SHA-256 of the bar archive's bytes: a file rewritten at the same path is new data.
    bars_digest: str | None = None

    def key(self) -> str:
        """A hash of everything here (the graph cache's key in a worker)."""
        text = json.dumps(
            [self.discovery, self.bars_path, self.bars_digest, dict(self.skip_reasons)],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DayTask:
    """One day to run: its snapshot (None: the spec's source) and the scanners switched off."""

    day: date
    snapshot: str | None
    disabled: tuple[str, ...]


@dataclass(frozen=True)
class DayResult:
    """One day's picks and each scanner's status (``ok``, ``error``, ``skipped``...)."""

    day: date
    picks: tuple[dict[str, Any], ...]
    runs: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "picks": list(self.picks), "runs": list(self.runs)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DayResult:
        return cls(
            date.fromisoformat(data["day"]),
            tuple(dict(p) for p in data["picks"]),
            tuple(dict(r) for r in data["runs"]),
        )


def picks_from_state(
    state: Mapping[str, Any], pipelines: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Each candidate of the final state once per scanner that found it, in merge order.

    ``score``, ``rank`` and ``final_priority`` are the final ranking's (None for a candidate the
    filter dropped, whose ``filtered_out`` says why); ``priority`` and ``signal`` the scanner's.
    """
    ranked = {c["ticker"]: c for c in state.get("ranked_candidates") or []}
    rejected = {r.get("ticker"): r.get("reason") for r in state.get("filter_rejections") or []}
    rows = []
    for candidate in state.get("candidates") or []:
        ticker = candidate["ticker"]
        final = ranked.get(ticker)
        by_source = candidate.get("by_source") or {}
        for scanner in candidate.get("sources") or [candidate.get("source")]:
            fields = by_source.get(scanner) or {}
            signal = fields.get("signal")
            rows.append(
                {
                    "trade_date": state["trade_date"],
                    "scanner": scanner,
                    "pipeline": pipelines.get(scanner, "unknown"),
                    "ticker": ticker,
                    "priority": fields.get("priority", candidate["priority"]),
                    "signal": float(signal) if isinstance(signal, int | float) else None,
                    "score": float(final["score"]) if final is not None else None,
                    "rank": int(final["rank"]) if final is not None else None,
                    "final_priority": (final or candidate)["priority"],
                    "filtered_out": None if final is not None else rejected.get(ticker, "cut"),
                }
            )
    return rows


def runs_from_state(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each scanner's record reduced to what the report needs: status and reason."""
    out = []
    for record in state.get("scanner_runs") or []:
        error = record.get("error") or {}
        reason = record.get("reason") or (
            f"{error.get('type')}: {error.get('message')}" if error else None
        )
        out.append({"scanner": record["name"], "status": record["status"], "reason": reason})
    return out


# -- the worker side: one graph per process and source, reused for every day ----------------

#: Bounded: a long-lived Dask worker serves evaluations of many configs and archives.
_MAX_GRAPHS, _MAX_ARCHIVES = 8, 2
_GRAPHS: OrderedDict[tuple[str, str | None], DiscoveryGraph] = OrderedDict()
_ARCHIVES: OrderedDict[tuple[str, str | None], BarArchive] = OrderedDict()
_LOCK = threading.Lock()


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, limit: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)


def _archive(path: str, digest: str | None) -> BarArchive:
    from tradingagents.replay.bars import BarArchive  # noqa: PLC0415

    # By content, not path alone: an archive rewritten in place must not serve its old bars.
    key = (path, digest)
    found = _ARCHIVES.get(key)
    if found is None:
        found = BarArchive.load(path)
        _remember(_ARCHIVES, key, found, _MAX_ARCHIVES)
    else:
        _ARCHIVES.move_to_end(key)
    return found


def _graph(spec: WorkSpec, snapshot: str | None) -> DiscoveryGraph:
    from tradingagents.graph.discovery_graph import DiscoveryGraph  # noqa: PLC0415

    key = (spec.key(), snapshot)
    found = _GRAPHS.get(key)
    if found is None:
        discovery = dict(spec.discovery)
        if snapshot is not None:
            # A day with a snapshot recorded on it replays that snapshot, every scanner included.
            discovery["source"] = {**discovery["source"], "mode": "replay", "snapshot": snapshot}
        bars = _archive(spec.bars_path, spec.bars_digest) if spec.bars_path is not None else None
        found = DiscoveryGraph({"discovery": discovery}, skip_reasons=spec.skip_reasons, bars=bars)
        _remember(_GRAPHS, key, found, _MAX_GRAPHS)
    else:
        _GRAPHS.move_to_end(key)
    return found


def run_day(spec: WorkSpec, task: DayTask) -> DayResult:
    """Discovery for ``task.day`` with its not-evaluable scanners switched off."""
    graph = _graph(spec, task.snapshot)
    override: dict[str, Any] = {}
    if task.disabled:
        override = {"scanners": {name: {"enabled": False} for name in task.disabled}}
    config: Any = {"configurable": {"discovery": override}} if override else None
    state = graph.run(task.day, config=config)
    pipelines = {scanner.name: scanner.pipeline for scanner in graph.scanners}
    return DayResult(
        task.day, tuple(picks_from_state(state, pipelines)), tuple(runs_from_state(state))
    )


def run_days(spec: WorkSpec, tasks: Sequence[DayTask]) -> list[DayResult]:
    """A batch of days in this process (the task the engines send); the graph is built once
    per process and source, then reused."""
    with _LOCK:  # one batch at a time per process: a graph's state files are not re-entrant
        return [run_day(spec, task) for task in tasks]
