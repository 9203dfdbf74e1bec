"""Engines: a local process pool and a Dask LocalCluster give the same rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.evaluation.helpers import archive, config
from tradingagents.evaluation import evaluate
from tradingagents.evaluation.engines import EngineError, batches, choose_engine
from tradingagents.evaluation.picks import DayTask


@pytest.mark.slow
def test_local_pool_and_local_cluster_write_the_same_parquet(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    path = archive(tmp_path / "bars.parquet")
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    evaluate("2025-11-03", "2025-11-07", config=config(), bars=path, workers=2, out=local)
    evaluate("2025-11-03", "2025-11-07", config=config(), bars=path, cluster="local:2", out=cluster)
    assert (local / "evaluation.parquet").read_bytes() == (
        cluster / "evaluation.parquet"
    ).read_bytes()
    assert (local / "evaluation.md").read_text().replace("2 local processes", "X") == (
        cluster / "evaluation.md"
    ).read_text().replace("dask LocalCluster(2)", "X")


def test_choose_engine() -> None:
    assert choose_engine(1).kind == "inline"
    assert choose_engine(3).workers == 3
    assert choose_engine(cluster="local:2").workers == 2
    assert choose_engine(cluster="tcp://10.0.0.1:8786").address == "tcp://10.0.0.1:8786"
    with pytest.raises(EngineError, match="expected local:N"):
        choose_engine(cluster="remote")
    with pytest.raises(EngineError, match="at least one"):
        choose_engine(0)


def test_batches_keep_every_day_once_in_order() -> None:
    from datetime import date, timedelta

    tasks = [DayTask(date(2025, 1, 1) + timedelta(days=i), None, ()) for i in range(10)]
    chunks = batches(tasks, 2)
    assert [t for c in chunks for t in c] == tasks
    assert len(chunks) == 5
