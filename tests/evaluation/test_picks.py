"""The worker's caches: keyed by the bar archive's content, and bounded."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest

from tests.evaluation.helpers import archive
from tests.evaluation.test_api import DAY, picks, planted
from tradingagents.evaluation import picks as worker
from tradingagents.evaluation.picks import WorkSpec
from tradingagents.evaluation.store import file_digest


def test_an_archive_rewritten_at_the_same_path_gives_its_new_picks(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    archive(path, planted(DAY))
    before = picks(path)
    assert "AAA" in before["ticker"].tolist()
    archive(path)  # the same path, other bars: the process's cached graph must not be reused
    after = picks(path)
    assert "AAA" not in after["ticker"].tolist()


def test_the_caches_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "_GRAPHS", OrderedDict())
    monkeypatch.setattr(worker, "_ARCHIVES", OrderedDict())
    path = archive(tmp_path / "bars.parquet")
    digest = file_digest(path)
    for n in range(worker._MAX_GRAPHS + 3):
        spec = WorkSpec({"universe": ["AAA"], "n": n}, str(path), {}, digest)
        worker._remember(worker._GRAPHS, (spec.key(), None), object(), worker._MAX_GRAPHS)
        worker._archive(str(path), f"{digest}{n}")
    assert len(worker._GRAPHS) == worker._MAX_GRAPHS
    assert len(worker._ARCHIVES) == worker._MAX_ARCHIVES
