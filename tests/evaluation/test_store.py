"""The resume store: a day's file is that day's picks, or missing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from tradingagents.evaluation.picks import DayResult
from tradingagents.evaluation.store import DayStore


def test_a_day_file_under_another_days_name_is_missing(tmp_path: Path) -> None:
    store = DayStore(tmp_path, "key")
    first, second = date(2025, 11, 3), date(2025, 11, 4)
    result = DayResult(first, ({"ticker": "AAA"},), ({"scanner": "s", "status": "ok"},))
    store.save(result)
    assert store.load(first) == result
    shutil.copy(store.path(first), store.path(second))
    assert store.load(second) is None
