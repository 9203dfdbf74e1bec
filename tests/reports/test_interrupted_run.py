"""Atomic writes: a run killed mid-way (SIGKILL) leaves no partial result file.

``atomic_write_bytes`` writes ``.<name>.<32 hex>.tmp`` beside the target, fsyncs it and renames it
over the target. A SIGKILL cannot be caught, so the temp file being written at that moment may stay
behind (at most one per writing process); a target name only ever holds a complete file.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tradingagents.reports.artifacts import ARTIFACT_NAMES

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[0-9a-f]{32}\.tmp$")


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"},
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def _wait_for(predicate_dir: Path, pattern: str, proc: subprocess.Popen[bytes]) -> list[Path]:
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:
        found = sorted(predicate_dir.glob(pattern)) if predicate_dir.exists() else []
        if found or proc.poll() is not None:
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
    proc = _start(["-m", "tradingagents", "--out", str(out)])
    try:
        # The run directory is created once discovery is done, just before its files are written.
        runs = _wait_for(out / "discovery" / "2026-11-20", "run_*", proc)
    finally:
        _kill(proc)
    assert len(runs) == 1, "the run directory never appeared"
    temps = assert_no_partial_files(runs[0])
    assert {p.name for p in runs[0].iterdir()} - {p.name for p in temps} <= set(ARTIFACT_NAMES)
    for temp in temps:
        target = TEMP_NAME.match(temp.name)
        assert target is not None and target["target"] in ARTIFACT_NAMES


WRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from tradingagents.reports.artifacts import atomic_write_bytes, atomic_write_text

    directory = Path(sys.argv[1])
    rows = [{"ticker": f"T{i:06d}", "score": i / 7, "context": "x" * 200} for i in range(30000)]
    png = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00" * 6_000_000 + b"\\x00\\x00\\x00\\x00IEND\\xaeB`\\x82"
    for n in range(10_000):
        atomic_write_text(directory / f"result_{n % 4}.json", json.dumps({"n": n, "rows": rows}))
        atomic_write_bytes(directory / f"timeline_{n % 4}.png", png)
        atomic_write_text(directory / f"report_{n % 4}.md", "# run %d\\n" % n + "line\\n" * 200_000)
        if n == 0:
            (directory / "ready").mkdir()
    """
)


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4])
def test_killing_a_process_writing_large_files_leaves_no_partial_file(
    tmp_path: Path, delay: float
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    directory = tmp_path / "run"
    directory.mkdir()
    proc = _start([str(script), str(directory)])
    try:
        ready = _wait_for(directory, "ready", proc)
        time.sleep(delay)  # rewriting existing files: each name is replaced, never truncated
    finally:
        _kill(proc)
    assert ready, "the writer never finished its first round"
    (directory / "ready").rmdir()
    assert_no_partial_files(directory)
    names = {p.name for p in directory.iterdir() if not TEMP_NAME.match(p.name)}
    assert {"result_0.json", "timeline_0.png", "report_0.md"} <= names
