"""The live per-scanner table on stderr, and the candidates table."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.table import Table

from tradingagents.cli.common import STATUS_STYLE
from tradingagents.discovery.coverage import coverage_text


@dataclass
class _Row:
    status: str = "queued"
    started: float | None = None
    duration: float | None = None
    candidates: int | None = None
    covered: str = ""
    detail: str = ""


class Progress:
    """Scanner rows fed by the engine's progress events, rendered as a rich table."""

    def __init__(
        self,
        names: list[str],
        title: str = "scanners",
        width: int = 200,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.rows = {name: _Row() for name in names}
        self.title = title
        #: The terminal's width: only the detail column gives way when it is narrow.
        self.width = width

    def handle(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        if kind == "discovery_started":
            for name in event.get("scanners", []):
                self.rows.setdefault(name, _Row())
        elif kind == "scanner_started":
            row = self.rows.setdefault(event["scanner"], _Row())
            row.status, row.started = "running", self.clock()
        elif kind == "scanner_finished":
            row = self.rows.setdefault(event["scanner"], _Row())
            row.status = str(event["status"])
            row.duration = event.get("duration_s")
            row.candidates = event.get("candidates")
            row.covered = coverage_text(event.get("coverage"), short=True)
            error = event.get("error")
            if isinstance(error, Mapping):
                detail = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
            else:
                detail = str(error or event.get("reason") or "")
            warnings = event.get("warnings") or []
            if warnings and not detail:
                detail = (
                    f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}: {warnings[0]}"
                )
            row.detail = " ".join(detail.split())

    def render(self) -> Table:
        table = Table(title=self.title, title_justify="left", expand=False)
        # Names and statuses keep their width; only the detail gives way on a narrow terminal
        # (rich would otherwise squeeze every column). 16: the borders and cell padding.
        name_width = max((len(name) for name in self.rows), default=7)
        covered_width = max((len(row.covered) for row in self.rows.values()), default=0)
        covered_width = max(covered_width, len("covered"))
        fixed = name_width + len("circuit_open") + 6 + 5 + covered_width + 19
        table.add_column("scanner", no_wrap=True, min_width=name_width)
        table.add_column("status", no_wrap=True, min_width=len("circuit_open"))
        table.add_column("time", justify="right", no_wrap=True, min_width=6)
        table.add_column("found", justify="right", no_wrap=True, min_width=5)
        # Symbols answered of those asked: a scanner that saw 40% of the market says so.
        table.add_column("covered", justify="right", no_wrap=True, min_width=covered_width)
        # One line per scanner, however long its error: the run files hold the whole text.
        detail_width = max(1, min(70, self.width - fixed))
        table.add_column("detail", overflow="ellipsis", no_wrap=True, max_width=detail_width)
        now = self.clock()
        for name, row in self.rows.items():
            if row.status == "running" and row.started is not None:
                elapsed = f"{now - row.started:.1f}s"
            elif row.duration is not None:
                elapsed = f"{row.duration:.2f}s"
            else:
                elapsed = ""
            found = "" if row.candidates is None or row.status != "ok" else str(row.candidates)
            style = STATUS_STYLE.get(row.status, "")
            table.add_row(
                name,
                f"[{style}]{row.status}[/]" if style else row.status,
                elapsed,
                found,
                row.covered,
                escape(row.detail),
            )
        return table


def candidates_table(ranked: list[dict[str, Any]]) -> Table:
    """Ranked candidates with every reason that put each one there."""
    from tradingagents.reports.explain import reasons  # noqa: PLC0415

    table = Table(show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("ticker", no_wrap=True)
    table.add_column("priority", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why (every scanner that found it)", ratio=1)
    for c in ranked:
        why = "\n".join(
            f"[bold]{escape(source)}[/]: {escape(_clip(context, 160))}"
            for source, context in reasons(c)
        )
        table.add_row(
            str(c["rank"]),
            escape(str(c["ticker"])),
            str(c["priority"]),
            f"{c['score']:.2f}",
            why,
        )
    return table


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
