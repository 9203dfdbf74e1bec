"""Shared fixtures."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def engine_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="tradingagents")
    return caplog
