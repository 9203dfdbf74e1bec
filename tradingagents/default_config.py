"""The default configuration: the keys users already have, with their defaults."""

from __future__ import annotations

from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "discovery": {
        "scanner_execution": {
            # Run scanners over a thread pool; False runs them one at a time in registration order
            # under the same timeout rules.
            "concurrent": True,
            # At most this many scanners run at once (the engine's own bound).
            "max_workers": 8,
            # Per-scanner deadline in seconds, counted from that scanner's own start.
            "timeout_seconds": 30,
            # Deadline of the whole discovery step, queue waits included; None means no bound
            # beyond what the per-scanner timeouts imply.
            "global_timeout_seconds": None,
        },
        # Per-scanner settings by scanner name: {"enabled": True, "limit": 10, ...}. Keys other
        # than enabled/limit/timeout_seconds are the scanner's own typed params.
        "scanners": {},
        # Per-pipeline switches by pipeline name: {"enabled": True}.
        "pipelines": {},
        "filter": {
            # Drop candidates that carry a price / volume below these (None: no minimum).
            "min_price": None,
            "min_volume": None,
            # Tickers never to emit (normalised like candidate tickers).
            "exclude_tickers": [],
        },
        "rank": {
            # Keep at most this many candidates after ranking.
            "max_candidates": 25,
            # Score added per contributing scanner beyond the first (confluence).
            "confluence_boost": 1.0,
            # A ticker found by at least this many scanners moves up one priority level
            # (None: never).
            "promote_at_sources": 3,
        },
    }
}
