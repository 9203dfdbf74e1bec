"""Shared fixtures."""

from __future__ import annotations

import logging
import os

import pytest

from tradingagents.settings import ENV_PREFIX, Credentials


@pytest.fixture
def engine_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="tradingagents")
    return caplog


_PROXY_VARIABLES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"})


@pytest.fixture(autouse=True)
def private_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quotas, breakers and caches of a test never touch the user's, nor another test's."""
    root = tmp_path_factory.mktemp("state")
    # Nor the developer's own keys, settings, proxies or ~/.netrc: a test sets what it needs.
    for variable in list(os.environ):
        upper = variable.upper()
        if (
            upper in Credentials.ENV_NAMES.values()
            or upper in _PROXY_VARIABLES
            or (upper.startswith(ENV_PREFIX) and upper != "TRADINGAGENTS_FIXTURES")
        ):
            monkeypatch.delenv(variable)
    netrc = root / "netrc"
    netrc.touch(mode=0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("TRADINGAGENTS_STATE_DIR", str(root / "state"))
    monkeypatch.setenv("TRADINGAGENTS_CACHE_DIR", str(root / "cache"))
