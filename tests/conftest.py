"""Shared fixtures."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tradingagents.credentials import ENV_PREFIX, Credentials
from tradingagents.graph.discovery_graph import DiscoveryGraph


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two workers per core. Most of the suite waits (deadlines, local servers,
    subprocesses) rather than computes: on the 2-core machine 4 workers took 53-54 s where 2
    took 66 s, with the same results."""
    return 2 * (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


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


@pytest.fixture(autouse=True)
def private_logging() -> Iterator[None]:
    """Logger levels a test sets (an in-process CLI run quietens the engine's) are undone.

    Without this, what a test sees in the logs would depend on which tests ran before it in the
    same process, and pytest-xdist gives each worker a different order from run to run.
    """
    loggers = logging.root.manager.loggerDict
    saved = {
        name: (logger.level, logger.propagate, logger.disabled)
        for name, logger in loggers.items()
        if isinstance(logger, logging.Logger)
    }
    root_level = logging.root.level
    yield
    for name, logger in list(loggers.items()):
        if not isinstance(logger, logging.Logger):
            continue
        if name in saved:
            level, logger.propagate, logger.disabled = saved[name]
        elif name == "tradingagents" or name.startswith("tradingagents."):
            level, logger.propagate, logger.disabled = logging.NOTSET, True, False
        else:
            continue  # a library's logger, first created (and configured) by an import
        if logger.level != level:
            logger.setLevel(level)  # setLevel, not the attribute: it clears the level caches
    if logging.root.level != root_level:
        logging.root.setLevel(root_level)


@pytest.fixture(scope="module")
def sample() -> Iterator[DiscoveryGraph]:
    """A graph replaying the bundled offline sample, shared by a module's tests."""
    with DiscoveryGraph() as dg:
        yield dg


@pytest.fixture(scope="module")
def sample_run(sample: DiscoveryGraph) -> dict[str, Any]:
    """The sample's final state for its own date (2026-11-20)."""
    return sample.run()


@pytest.fixture
def own_server() -> Iterator[HTTPServer]:
    """A local HTTP server of the test's own, which it may stop mid-test (a replay offline);
    pytest-httpserver's shared ``httpserver`` fixture must keep running."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    if server.is_running():
        server.stop()
