"""Atomic writes: a run killed mid-way (SIGKILL) leaves no partial result file.

``atomic_write_bytes`` writes ``.<name>.<32 hex>.tmp`` beside the target, fsyncs it and renames it
over the target. A SIGKILL cannot be caught, so the temp file being written at that moment may stay
behind (at most one per writing process); a target name only ever holds a complete file.

The process killed is a fork of the test's own: a real process, killed for real, that need not
start an interpreter and import the package first (seconds on a loaded machine).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tradingagents import cli
from tradingagents.reports.artifacts import ARTIFACT_NAMES
from tradingagents.reports.atomic import atomic_write_bytes, atomic_write_text

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or not hasattr(os, "fork"), reason="needs fork and SIGKILL"
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[0-9a-f]{32}\.tmp$")


class Child:
    """``work`` running in a forked process, its output discarded; it never returns to pytest."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.status: int | None = None
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
                os.environ["MPLBACKEND"] = "Agg"
                work()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                os._exit(code)

    def poll(self) -> int | None:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status

    def kill(self) -> None:
        if self.poll() is None:  # never a pid already reaped (it could be reused)
            os.kill(self.pid, signal.SIGKILL)
            _, self.status = os.waitpid(self.pid, 0)


def _wait_for(predicate_dir: Path, pattern: str, child: Child) -> list[Path]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = sorted(predicate_dir.glob(pattern)) if predicate_dir.exists() else []
        if found or child.poll() is not None:
            return found
        time.sleep(0.005)
    return []


def assert_no_partial_files(directory: Path) -> list[Path]:
    """Check every target file is complete; return the leftover temp files."""
    temps = []
    for path in sorted(directory.iterdir()):
        temp = TEMP_NAME.match(path.name)
        if temp:
            temps.append(path)
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".png":
            assert data.startswith(PNG_SIGNATURE), path
            assert data.endswith(PNG_IEND), path
        elif path.suffix == ".md":
            assert data.strip(), path
        else:
            raise AssertionError(f"unexpected file {path.name}")
    # Only the one file being written when the process died may leave its temp file.
    assert len(temps) <= 1, temps
    return temps


def test_killing_the_cli_while_it_writes_the_run_files_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    child = Child(lambda: cli.main(["--out", str(out)]))  # python -m tradingagents --out <out>
    try:
        # The run directory is created once discovery is done, just before its files are written.
        runs = _wait_for(out / "discovery" / "2026-11-20", "run_*", child)
    finally:
        child.kill()
    assert len(runs) == 1, "the run directory never appeared"
    temps = assert_no_partial_files(runs[0])
    assert {p.name for p in runs[0].iterdir()} - {p.name for p in temps} <= set(ARTIFACT_NAMES)
    for temp in temps:
        target = TEMP_NAME.match(temp.name)
        assert target is not None and target["target"] in ARTIFACT_NAMES


def write_large_files_forever(directory: Path) -> None:
    rows = [{"ticker": f"T{i:06d}", "score": i / 7, "context": "x" * 200} for i in range(30000)]
    png = PNG_SIGNATURE + b"\x00" * 6_000_000 + PNG_IEND
    for n in range(10_000):
        atomic_write_text(directory / f"result_{n % 4}.json", json.dumps({"n": n, "rows": rows}))
        atomic_write_bytes(directory / f"timeline_{n % 4}.png", png)
        atomic_write_text(directory / f"report_{n % 4}.md", f"# run {n}\n" + "line\n" * 200_000)
        if n == 0:
            (directory / "ready").mkdir()


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4])
def test_killing_a_process_writing_large_files_leaves_no_partial_file(
    tmp_path: Path, delay: float
) -> None:
    directory = tmp_path / "run"
    directory.mkdir()
    child = Child(lambda: write_large_files_forever(directory))
    try:
        ready = _wait_for(directory, "ready", child)
        time.sleep(delay)  # rewriting existing files: each name is replaced, never truncated
    finally:
        child.kill()
    assert ready, "the writer never finished its first round"
    (directory / "ready").rmdir()
    assert_no_partial_files(directory)
    names = {p.name for p in directory.iterdir() if not TEMP_NAME.match(p.name)}
    assert {"result_0.json", "timeline_0.png", "report_0.md"} <= names
