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
        "source": {
            # "replay": serve every provider from a snapshot of recorded (or generated) API
            # responses, offline; "live": call the real APIs.
            "mode": "replay",
            # Snapshot directory; None is the sample snapshot bundled with the package.
            "snapshot": None,
            # Wait each response's recorded latency before serving it.
            "replay_latency": False,
        },
        # Per-provider settings: base_url, max_bytes, connect_timeout_seconds, user_agent.
        "providers": {},
        # Symbols the history-based scanners and options_flow look at.
        "universe": [
            "AAPL",
            "MSFT",
            "NVDA",
            "AMZN",
            "GOOGL",
            "META",
            "TSLA",
            "AMD",
            "INTC",
            "F",
            "T",
            "BAC",
            "JPM",
            "XOM",
            "CVX",
            "PFE",
            "KO",
            "DIS",
            "NFLX",
            "CRM",
            "PLTR",
            "UBER",
            "BRK-B",
            "WMT",
        ],
        # Cache directory for shared loads (parquet); None: $TRADINGAGENTS_CACHE_DIR or
        # ~/.cache/tradingagents.
        "cache_dir": None,
        # Live-mode protection (replay reads local files and needs none of it).
        "resilience": {
            # SQLite state: daily quotas, circuit breakers, the HTTP response cache. None:
            # $TRADINGAGENTS_STATE_DIR or ~/.local/state/tradingagents.
            "state_dir": None,
            "retry": {
                "max_attempts": 3,
                "initial_backoff_seconds": 0.5,
                "max_backoff_seconds": 8.0,
                "jitter_seconds": 0.5,
                "max_retry_after_seconds": 60.0,
            },
            # Per provider {"per_second", "per_minute", "per_day"}, over the built-in defaults.
            "rate_limits": {},
            # ttl_seconds: {"<provider>:<path glob>": seconds}, over the built-in table.
            "cache": {"enabled": True, "ttl_seconds": {}},
            "breaker": {"enabled": True, "failure_threshold": 3, "reset_timeout_seconds": 3600.0},
        },
        # Per-scanner settings by scanner name: {"enabled": True, "limit": 10, ...}. Keys other
        # than enabled/limit/timeout_seconds are the scanner's own typed params (see
        # `Scanner.Params` of each, or the README).
        "scanners": {
            name: {"enabled": True, "limit": 10}
            for name in (
                "market_movers",
                "insider_buying",
                "volume_accumulation",
                "technical_breakout",
                "rsi_oversold",
                "earnings_calendar",
                "options_flow",
                "reddit_trending",
                "sec_catalysts",
            )
        },
        # Per-pipeline switches by pipeline name: {"enabled": True}.
        "pipelines": {
            name: {"enabled": True}
            for name in ("momentum", "edge", "mean_reversion", "events", "social", "news")
        },
        "filter": {
            # Drop candidates that carry a price / volume below these (None: no minimum).
            "min_price": None,
            "min_volume": None,
            # Tickers never to emit (normalised like candidate tickers).
            "exclude_tickers": [],
        },
        # Ranking: max_candidates, confluence_boost, promote_at_sources, priority_weights and
        # default_signal. Their defaults are defined once, in tradingagents.config.RankConfig;
        # the scoring model they drive is described in docs/scoring.md.
        "rank": {},
        # The optional LLM ranker, used only when DiscoveryGraph is given an `llm`.
        "llm_rank": {
            # Top ranked candidates sent to the model (the rest keep their order after them).
            "max_candidates_in_prompt": 30,
            # Each candidate's context is clipped to this many characters in the prompt.
            "max_context_chars": 200,
            # No answer by then: the deterministic ranking is kept.
            "timeout_seconds": 60,
            # Chat model named by provider and model (langchain's init_chat_model), used when no
            # model object is passed to DiscoveryGraph; None: no llm_rank node.
            "provider": None,
            "model": None,
            # An OpenAI-compatible or self-hosted endpoint (vLLM, Ollama...); None: the provider's.
            "base_url": None,
            # None: the provider's default; 0 for more repeatable rankings where it is allowed.
            "temperature": None,
        },
    }
}
