"""What a reader needs to trust a run: where its data came from, and why each candidate is there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradingagents.replay.snapshot import SAMPLE_SNAPSHOT


def reasons(candidate: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(scanner, context)`` that put ``candidate`` on the list, in registration order.

    Reads ``by_source`` (each scanner's own context) in ``sources`` order; a candidate without
    them (hand-made, or from an older state) falls back to ``sources`` with ``contexts``, then
    to its single ``source`` and ``context``. ``contexts`` alone cannot be trusted to line up
    with ``sources``: the merge drops a context another scanner already gave.
    """
    by_source = candidate.get("by_source")
    sources = [str(s) for s in candidate.get("sources") or [] if s is not None]
    if isinstance(by_source, Mapping) and by_source:
        order = sources + [str(s) for s in by_source if str(s) not in sources]
        found = []
        for scanner in order:
            fields = by_source.get(scanner)
            if isinstance(fields, Mapping):
                found.append((scanner, _text(fields.get("context"))))
            elif scanner in sources:
                found.append((scanner, ""))
        return found
    contexts = [_text(c) for c in candidate.get("contexts") or []]
    if sources and len(contexts) == len(sources):
        return list(zip(sources, contexts, strict=True))
    context = _text(candidate.get("context"))
    if sources:
        # Contexts that cannot be matched to scanners: the first context goes with the first.
        return [(sources[0], context)] + [(s, "") for s in sources[1:]]
    source = candidate.get("source")
    if source is None and not context:
        return []
    return [(str(source) if source is not None else "unknown", context)]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def is_synthetic(source: Mapping[str, Any] | None) -> bool:
    """True when the run's data was generated, not market data (the bundled sample)."""
    return isinstance(source, Mapping) and source.get("synthetic") is True


def describe_source(source: Mapping[str, Any] | None, trade_date: str | None = None) -> str:
    """One line saying where a run's data came from, e.g. for a report header or a CLI.

    ``source`` is the state's ``source`` entry; a synthetic source always says it is not
    market data.
    """
    if not isinstance(source, Mapping):
        return "Data: unknown source (this state has no source entry)."
    mode = source.get("mode")
    snapshot = source.get("snapshot")
    recorded_at = source.get("recorded_at")
    synthetic = is_synthetic(source)
    day = f" for {trade_date}" if trade_date else ""
    if mode == "live":
        when = f" (run started {recorded_at})" if recorded_at else ""
        text = f"Data: live market data{when}."
    elif mode == "replay":
        if snapshot == SAMPLE_SNAPSHOT:
            what = "the bundled sample snapshot"
        elif snapshot:
            what = f"snapshot {snapshot}"
        else:
            what = "a snapshot"
        if synthetic:
            return f"Data: replay of {what} (synthetic data, generated{day}) — not market data."
        when = f"recorded {recorded_at}" if recorded_at else "recorded, time unknown"
        text = f"Data: replay of {what} ({when})."
    else:
        text = f"Data: {mode or 'unknown'} source."
    if synthetic:
        text = text[:-1] + " — synthetic, not market data."
    return text


def source_label(source: Mapping[str, Any] | None) -> str:
    """A few words for a chart title: ``synthetic sample data``, ``replay``, ``live``..."""
    if not isinstance(source, Mapping):
        return ""
    if is_synthetic(source):
        return "synthetic data, not market data"
    mode = source.get("mode")
    return str(mode) if mode in ("live", "replay") else ""
