"""What every config model shares: frozen, strict, and unknown keys rejected."""

from __future__ import annotations

from pydantic import ConfigDict

FROZEN = ConfigDict(extra="forbid", frozen=True, strict=True)
