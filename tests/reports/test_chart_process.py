"""The chart helper process: draws the same PNG as this process, and never costs the chart."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reports import scanner_run
from tradingagents.reports.chart_process import ChartProcess
from tradingagents.reports.timeline import timeline_png

RUNS = [
    scanner_run("fast", "ok", started_s=0.0, duration_s=0.2, timeout_s=2.0),
    scanner_run("hung", "timeout", started_s=0.1, duration_s=1.0, timeout_s=1.0),
    scanner_run("tripped", "circuit_open", started_s=None, duration_s=None, reason="open"),
]
TITLE = "Discovery 2026-11-20 (synthetic sample)"


def _no_local_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("drawn in this process, not by the helper")

    monkeypatch.setattr("tradingagents.reports.timeline.render_timeline", refuse)


def test_the_helper_draws_exactly_what_this_process_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "timeline.png"
    _no_local_drawing(monkeypatch)

    with ChartProcess() as chart:
        chart.render(RUNS, path, title=TITLE)

    assert path.read_bytes() == timeline_png(RUNS, title=TITLE)
    assert [p.name for p in tmp_path.iterdir()] == ["timeline.png"]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["/nonexistent/python"], id="cannot-start"),
        pytest.param([sys.executable, "-c", "import sys; sys.exit(3)"], id="crashes"),
        pytest.param(
            [sys.executable, "-c", "import sys; sys.stdin.read(); sys.exit(0)"],
            id="exits-ok-without-drawing",
        ),
    ],
)
def test_a_broken_helper_costs_nothing_but_the_helper(tmp_path: Path, argv: list[str]) -> None:
    path = tmp_path / "timeline.png"

    with ChartProcess(argv) as chart:
        chart.render(RUNS, path, title=TITLE)

    assert path.read_bytes() == timeline_png(RUNS, title=TITLE)


def test_a_hung_helper_is_killed_at_its_timeout_and_the_chart_drawn_here(tmp_path: Path) -> None:
    path = tmp_path / "timeline.png"
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]

    started = time.monotonic()
    with ChartProcess(hang, timeout_s=0.5) as chart:
        chart.render(RUNS, path, title=TITLE)

    assert time.monotonic() - started < 20  # generous: the 60 s sleep was cut
    assert path.read_bytes() == timeline_png(RUNS, title=TITLE)


def test_a_helper_never_asked_ends_with_its_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    spawned: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = real_popen(*args, **kwargs)
        spawned.append(proc)
        return proc

    monkeypatch.setattr("subprocess.Popen", recording_popen)
    with ChartProcess():
        pass

    [proc] = spawned
    assert proc.poll() is not None


def test_the_helper_with_nothing_to_draw_exits_cleanly(tmp_path: Path) -> None:
    # The parent died before asking: stdin closes, the helper ends with 0 and writes nothing.
    done = subprocess.run(
        [sys.executable, "-m", "tradingagents.reports.chart_process"],
        input=b"",
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert list(tmp_path.iterdir()) == []


def test_on_one_core_no_helper_is_started_and_the_chart_is_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_spawn(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a helper was started on a one-core machine")

    monkeypatch.setattr("tradingagents.reports.chart_process._usable_cores", lambda: 1)
    monkeypatch.setattr("subprocess.Popen", no_spawn)
    path = tmp_path / "timeline.png"

    with ChartProcess() as chart:
        chart.render(RUNS, path, title=TITLE)

    assert path.read_bytes() == timeline_png(RUNS, title=TITLE)
