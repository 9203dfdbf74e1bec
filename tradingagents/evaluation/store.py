"""Finished days' picks under the output directory, keyed by what decides the picks (resume)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from tradingagents.evaluation.picks import DayResult
from tradingagents.reports.atomic import atomic_write_text

#: Bumped when a stored day's shape changes: older days are then run again, never misread.
STORE_FORMAT = 1


def picks_key(parts: Mapping[str, Any]) -> str:
    """A hash of everything that decides a day's picks (config, scanners, data identity)."""
    text = json.dumps({"format": STORE_FORMAT, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (a bar archive's identity in :func:`picks_key`)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DayStore:
    """``OUT/days/<key>/<YYYY-MM-DD>.json``: one file per finished day, written atomically, so
    an interrupted evaluation loses at most the days in flight."""

    def __init__(self, out: Path, key: str) -> None:
        self.directory = Path(out) / "days" / key

    def path(self, day: date) -> Path:
        return self.directory / f"{day.isoformat()}.json"

    def load(self, day: date) -> DayResult | None:
        """The stored day, or None if it was never finished (or its file is unreadable)."""
        try:
            data = json.loads(self.path(day).read_text(encoding="utf-8"))
            if data.get("format") != STORE_FORMAT:
                return None
            found = DayResult.from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        # A file copied or renamed under another day's name is not that day's picks.
        return found if found.day == day else None

    def save(self, result: DayResult) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {"format": STORE_FORMAT, **result.to_json()}
        atomic_write_text(self.path(result.day), json.dumps(data, sort_keys=True) + "\n")
