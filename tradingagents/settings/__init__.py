"""Application settings: defaults < TOML file < ``TRADINGAGENTS_*`` environment < CLI flags."""

from __future__ import annotations

from tradingagents.settings._environment import ENV_DELIMITER, environment_config
from tradingagents.settings._files import read_config_file
from tradingagents.settings._loader import Settings, load_settings

__all__ = ["ENV_DELIMITER", "Settings", "environment_config", "load_settings", "read_config_file"]
