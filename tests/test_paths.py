"""The state and cache directories: the configured one, else the environment, else the home."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tradingagents import paths


@pytest.mark.parametrize(
    ("where", "env", "home_default"),
    [
        (paths.state_dir, "TRADINGAGENTS_STATE_DIR", (".local", "state", "tradingagents")),
        (paths.cache_dir, "TRADINGAGENTS_CACHE_DIR", (".cache", "tradingagents")),
    ],
)
def test_configured_then_environment_then_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: Callable[[str | None], Path],
    env: str,
    home_default: tuple[str, ...],
) -> None:
    monkeypatch.setenv(env, str(tmp_path / "from-env"))
    assert where(str(tmp_path / "cfg")) == tmp_path / "cfg"
    assert where(None) == tmp_path / "from-env"
    monkeypatch.delenv(env)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert where(None) == tmp_path.joinpath("home", *home_default)
    assert where("~/x") == tmp_path / "home" / "x"
