"""Where the tool keeps its files: the state directory and the cache directory."""

from __future__ import annotations

import os
from pathlib import Path

STATE_ENV = "TRADINGAGENTS_STATE_DIR"
CACHE_ENV = "TRADINGAGENTS_CACHE_DIR"


def state_dir(configured: str | os.PathLike[str] | None = None) -> Path:
    """Where run state lives (breakers, rate-limit quotas, HTTP cache, run history):
    ``configured``, else ``$TRADINGAGENTS_STATE_DIR``, else ``~/.local/state/tradingagents``."""
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "state" / "tradingagents"


def cache_dir(configured: str | os.PathLike[str] | None = None) -> Path:
    """Where cached data lives (price history): ``configured``, else
    ``$TRADINGAGENTS_CACHE_DIR``, else ``~/.cache/tradingagents``."""
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "tradingagents"
