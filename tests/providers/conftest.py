"""Real recorded API payloads in tests/fixtures/real (override: TRADINGAGENTS_FIXTURES)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The copy inside the repository, byte for byte from the project's shared material.
DEFAULT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def fixtures_root() -> Path:
    return Path(os.environ.get("TRADINGAGENTS_FIXTURES") or DEFAULT_FIXTURES)


@pytest.fixture(scope="session")
def real() -> Path:
    """The folder of real payloads. Missing is a failure, never a skip: parsers must be tested."""
    root = fixtures_root()
    if not (root / "SOURCES.md").is_file():
        pytest.fail(
            f"real API fixtures not found at {root} (set TRADINGAGENTS_FIXTURES to the folder "
            "that holds SOURCES.md)"
        )
    return root
