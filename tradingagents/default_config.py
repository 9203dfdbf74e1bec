"""The default configuration as a plain dict, derived from the config models (their only source)."""

from __future__ import annotations

from typing import Any

from tradingagents.config import DiscoveryConfig

# Kept for code that reads or copies the defaults as data (the seed project's users have this
# name); JSON mode so it holds what a config file would: lists, not tuples.
DEFAULT_CONFIG: dict[str, Any] = {"discovery": DiscoveryConfig().model_dump(mode="json")}
