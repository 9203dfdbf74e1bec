"""Render timeline.png in a helper process started early, so matplotlib loads on another core."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: How long the helper may take to render once asked, before the chart is drawn here instead.
RENDER_TIMEOUT_S = 30.0
_WORKER = [sys.executable, "-m", "tradingagents.reports.chart_process"]
_DRAWN = b"drawn\n"  # the helper's answer once the chart is written


class ChartProcess:
    """A helper that imports matplotlib at once, then renders one timeline when asked.

    Loading matplotlib costs about 0.3 s of CPU, a fifth of a `discover` on the sample; started
    before the run, the helper pays it on another core while this process loads LangGraph and
    runs the scanners. Whatever goes wrong with the helper (it cannot start, crashes, hangs), the
    chart is drawn in this process instead, so the run files never depend on it.
    """

    def __init__(
        self,
        argv: Sequence[str] | None = None,
        *,
        timeout_s: float = RENDER_TIMEOUT_S,
        spawn: bool = True,
    ) -> None:
        self._timeout_s = timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        if not spawn or (argv is None and _usable_cores() < 2):
            return  # asked not to, or one core (the helper would only compete): draw here
        try:
            self._proc = subprocess.Popen(
                list(argv or _WORKER),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                # Its own session: a Ctrl-C on the terminal is the parent's to handle; the helper
                # ends when its stdin closes, whichever way the parent ends.
                start_new_session=True,
            )
        except OSError:
            self._proc = None

    def render(
        self, scanner_runs: Sequence[Mapping[str, Any]], path: Path, *, title: str = ""
    ) -> None:
        """Write the chart of ``scanner_runs`` to ``path`` (atomically), by the helper if it can."""
        proc, self._proc = self._proc, None
        if proc is not None:
            request = {"runs": list(scanner_runs), "path": str(path), "title": title}
            answer = b""
            try:
                answer, _ = proc.communicate(
                    json.dumps(request, default=str).encode(), self._timeout_s
                )
            except (OSError, ValueError, subprocess.TimeoutExpired):
                _stop(proc)
            if proc.returncode == 0 and answer == _DRAWN:
                return
        from tradingagents.reports.timeline import render_timeline  # noqa: PLC0415

        render_timeline(scanner_runs, path, title=title)

    def close(self) -> None:
        """End the helper if it was never asked to render."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop(proc)

    def __enter__(self) -> ChartProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        proc.communicate(timeout=5)


_WARM_UP_RUNS = [
    {"name": "warm_up", "status": status, "started_s": 0.0, "duration_s": 1.0, "timeout_s": 1.2}
    for status in ("ok", "timeout")
]


def _serve() -> int:
    from tradingagents.reports.timeline import render_timeline, timeline_png  # noqa: PLC0415

    # The parent needs a while before it asks: draw once meanwhile, so the font and glyph caches
    # matplotlib fills on a first drawing are filled when the real chart is wanted.
    timeline_png(_WARM_UP_RUNS, title="warm-up 0.1 s")
    raw = sys.stdin.buffer.read()
    if not raw:
        return 0  # the parent ended without asking: nothing to draw
    request = json.loads(raw)
    render_timeline(request["runs"], Path(request["path"]), title=request["title"])
    sys.stdout.buffer.write(_DRAWN)
    return 0


if __name__ == "__main__":
    code = _serve()
    # The parent waits for this process to end: skip the teardown of matplotlib (~0.1 s); the
    # chart is already written and closed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
