"""Where the days run: in this process, a local process pool, or a Dask cluster."""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from tradingagents.errors import TradingAgentsError
from tradingagents.evaluation.picks import DayResult, DayTask, WorkSpec, run_days

_LOCAL = re.compile(r"local:(\d+)")


class EngineError(TradingAgentsError):
    """The engine cannot start: a bad ``--cluster`` value, Dask not installed, no scheduler."""


@dataclass(frozen=True)
class Engine:
    """``kind`` is ``inline`` (this process), ``pool`` (local processes) or ``dask``; ``workers``
    the number of processes (local) and ``address`` an existing scheduler's (Dask)."""

    kind: str
    workers: int = 1
    address: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "dask":
            return f"dask {self.address}" if self.address else f"dask LocalCluster({self.workers})"
        return "this process" if self.kind == "inline" else f"{self.workers} local processes"


def choose_engine(workers: int | None = None, cluster: str | None = None) -> Engine:
    """``--cluster local:N`` or ``tcp://host:port`` (Dask), else ``--workers`` local processes
    (default: the CPU count; 1 runs in this process)."""
    if cluster is not None:
        match = _LOCAL.fullmatch(cluster.strip())
        if match is not None:
            n = int(match.group(1))
            if n < 1:
                raise EngineError(f"--cluster {cluster}: at least one worker is needed")
            return Engine("dask", workers=n)
        if re.fullmatch(r"(tcp|tls|inproc|ucx)://\S+", cluster.strip()):
            return Engine("dask", address=cluster.strip())
        raise EngineError(
            f"--cluster {cluster!r}: expected local:N (a LocalCluster of N workers) or a "
            "scheduler address such as tcp://host:8786"
        )
    if workers is not None and workers < 1:
        raise EngineError(f"--workers {workers}: at least one worker is needed")
    n = workers if workers is not None else (os.cpu_count() or 1)
    return Engine("inline" if n == 1 else "pool", workers=n)


def batches(tasks: Sequence[DayTask], workers: int) -> list[list[DayTask]]:
    """Consecutive days in about four batches per worker: a worker builds its graph once and
    the progress bar still moves often enough for an ETA."""
    if not tasks:
        return []
    size = max(1, -(-len(tasks) // (workers * 4)))
    return [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]


def _context() -> Any:
    # Never fork: the parent may hold threads (rich's live display, a graph's pools) whose locks
    # a forked child would inherit held. spawn everywhere (forkserver needs a Unix socket, which
    # sandboxes and the offline test suite refuse); each worker pays one import of the package.
    return multiprocessing.get_context("spawn")


def run(
    engine: Engine,
    spec: WorkSpec,
    tasks: Sequence[DayTask],
    done: Callable[[DayResult], None],
) -> None:
    """Run every task; ``done`` is called in this process with each day as its batch ends."""
    if not tasks:
        return
    if engine.kind == "inline":
        for task in tasks:
            done(run_days(spec, [task])[0])
        return
    chunks = batches(tasks, engine.workers)
    if engine.kind == "pool":
        with ProcessPoolExecutor(max_workers=engine.workers, mp_context=_context()) as pool:
            futures = [pool.submit(run_days, spec, chunk) for chunk in chunks]
            for future in as_completed(futures):
                for result in future.result():
                    done(result)
        return
    for results in _dask(engine, spec, chunks):
        for result in results:
            done(result)


def _dask(engine: Engine, spec: WorkSpec, chunks: list[list[DayTask]]) -> Iterator[list[DayResult]]:
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415
        from distributed import as_completed as dask_completed  # noqa: PLC0415
    except ImportError:
        raise EngineError(
            "--cluster needs Dask: pip install 'tradingagents[distributed]'"
        ) from None
    cluster = None
    try:
        if engine.address is None:
            cluster = LocalCluster(
                n_workers=engine.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)
        else:
            try:
                client = Client(engine.address, timeout="10s")
            except OSError as exc:
                raise EngineError(
                    f"--cluster {engine.address}: no scheduler there ({exc})"
                ) from None
        with client:
            # pure=False: two batches are never "the same call", whatever their arguments.
            futures = client.map(run_days, [spec] * len(chunks), chunks, pure=False)
            for future in dask_completed(futures):
                yield future.result()
    finally:
        if cluster is not None:
            cluster.close()
