"""The timeline chart: one bar per started scanner, status colours, deadlines, a stable PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.reports import sample_state, scanner_run
from tradingagents.reports import render_timeline, timeline_bars, timeline_png, timeline_rows
from tradingagents.reports.timeline import STATUS_COLORS, UNKNOWN_STATUS_COLOR

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

RUNS = [
    scanner_run("fast", "ok", started_s=0.0, duration_s=0.2, timeout_s=2.0),
    scanner_run(
        "broken",
        "error",
        started_s=0.1,
        duration_s=0.05,
        error={"type": "ValueError", "message": "bad payload"},
    ),
    scanner_run(
        "hung",
        "timeout",
        started_s=0.2,
        duration_s=1.0,
        timeout_s=1.0,
        error={"type": "ScannerTimeout", "message": "no result within 1s"},
    ),
    scanner_run("no_key", "skipped", started_s=0.3, duration_s=0.01, reason="needs KEY"),
    scanner_run("tripped", "circuit_open", started_s=None, duration_s=None, reason="open"),
    scanner_run("disabled", "skipped", started_s=None, duration_s=None, reason="disabled"),
]


def test_one_bar_per_started_scanner_in_registration_order() -> None:
    bars = timeline_bars(RUNS)

    assert [bar.name for bar in bars] == ["fast", "broken", "hung", "no_key"]
    assert [(bar.start, bar.end) for bar in bars] == [
        (0.0, 0.2),
        (0.1, pytest.approx(0.15)),
        (0.2, 1.2),
        (0.3, pytest.approx(0.31)),
    ]


def test_bars_are_coloured_by_status() -> None:
    bars = {bar.name: bar for bar in timeline_bars(RUNS)}

    assert bars["fast"].color == STATUS_COLORS["ok"] == "#2ca02c"
    assert bars["broken"].color == STATUS_COLORS["error"] == "#d62728"
    assert bars["hung"].color == STATUS_COLORS["timeout"] == "#ff7f0e"
    assert bars["no_key"].color == STATUS_COLORS["skipped"] == "#7f7f7f"
    assert STATUS_COLORS["circuit_open"] == "#9467bd"
    assert timeline_bars([scanner_run("odd", "weird")])[0].color == UNKNOWN_STATUS_COLOR


def test_each_bar_marks_its_deadline_from_its_own_start() -> None:
    deadlines = {bar.name: bar.deadline for bar in timeline_bars(RUNS)}

    assert deadlines == {"fast": 2.0, "broken": 2.1, "hung": 1.2, "no_key": 2.3}


def test_a_never_started_scanner_is_a_label_without_a_bar() -> None:
    rows = timeline_rows(RUNS)

    assert [row.name for row in rows] == [run["name"] for run in RUNS]
    by_name = {row.name: row for row in rows}
    for name, status in (("tripped", "circuit_open"), ("disabled", "skipped")):
        assert by_name[name].bar is None
        assert name in by_name[name].label
        assert status in by_name[name].label
    assert by_name["fast"].bar is not None
    assert by_name["fast"].label == "fast"


def test_a_started_scanner_without_duration_is_a_zero_length_bar() -> None:
    (bar,) = timeline_bars([scanner_run("crashed", "error", started_s=0.4, duration_s=None)])

    assert bar.start == bar.end == 0.4


def test_the_sample_run_has_one_green_bar_per_scanner() -> None:
    runs = sample_state()["scanner_runs"]

    bars = timeline_bars(runs)

    assert len(bars) == len(runs) == 9
    assert {bar.color for bar in bars} == {STATUS_COLORS["ok"]}
    for bar, run in zip(bars, runs, strict=True):
        assert bar.deadline == pytest.approx(run["started_s"] + run["timeout_s"])


def test_render_timeline_writes_a_png_with_no_temp_file_left(tmp_path: Path) -> None:
    path = tmp_path / "timeline.png"

    render_timeline(RUNS, path, title="Discovery 2026-11-20")

    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(path) as image:
        assert image.width > 0
        assert image.height > 0
        assert image.getextrema() != ((255, 255), (255, 255), (255, 255), (255, 255))
    assert [p.name for p in tmp_path.iterdir()] == ["timeline.png"]


def test_the_png_is_identical_for_identical_input() -> None:
    first = timeline_png(RUNS, title="t")
    second = timeline_png(RUNS, title="t")

    assert first == second
    # No tool stamp, no creation time: only the image differs between inputs.
    assert b"Software" not in first
    assert b"Creation Time" not in first
    assert timeline_png(RUNS[:2], title="t") != first


def test_off_scale_deadlines_and_no_runs_still_render() -> None:
    quick = [
        scanner_run(f"s{i}", started_s=0.01 * i, duration_s=0.02, timeout_s=30.0) for i in range(3)
    ]

    assert timeline_png(quick).startswith(PNG_SIGNATURE)
    assert timeline_png([]).startswith(PNG_SIGNATURE)


def test_rendering_leaves_pyplot_alone() -> None:
    had_pyplot = "matplotlib.pyplot" in sys.modules

    timeline_png(RUNS)

    if not had_pyplot:
        assert "matplotlib.pyplot" not in sys.modules
