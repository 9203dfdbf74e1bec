"""``tradingagents scanners list|explain``: the installed scanners, their keys and latency."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradingagents.cli.app import scanners_app
from tradingagents.cli.common import CONFIG_OPTION, CONTEXT, load_cli_settings, stderr, stdout

# Everything heavier than typer and rich (langgraph, pandas, matplotlib, exchange_calendars) is
# imported inside the command that needs it, so `--help` and typos answer at once.
if TYPE_CHECKING:
    from tradingagents.discovery.scanner import Scanner
    from tradingagents.settings import Settings


_RST_LITERAL = re.compile(r"``([^`]+)``|`([^`]+)`")

#: What a scanner's ``point_in_time`` means for evaluation over past dates.
POINT_IN_TIME_MEANING = {
    "bars": "evaluable from cached bars cut at the date",
    "date_range": "evaluable from its source asked by date",
    "now_only": "not evaluable on past dates: only from a snapshot recorded that day",
}


def plain_text(doc: str) -> str:
    """A docstring as a terminal shows it: reStructuredText literals without their backticks."""
    return _RST_LITERAL.sub(lambda m: m.group(1) or m.group(2), doc)


def _doc_line(scanner: Scanner, label: str) -> str:
    doc = sys.modules[type(scanner).__module__].__doc__ or ""
    for line in doc.splitlines():
        if line.startswith(f"{label}:"):
            return plain_text(line.removeprefix(f"{label}:").strip())
    return ""


def _scanners() -> list[Scanner]:
    from tradingagents.discovery.registry import load_registry  # noqa: PLC0415
    from tradingagents.graph.discovery_graph import registered_scanners  # noqa: PLC0415

    return registered_scanners(load_registry())


@scanners_app.command("list", context_settings=CONTEXT)
def scanners_list(
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """Every installed scanner (pipeline, enabled, breaker, latency) and the keys they read."""
    import sqlite3  # noqa: PLC0415

    from tradingagents.resilience.breakers import (  # noqa: PLC0415
        BreakerStoreError,
        default_db_path,
        show_breakers,
    )
    from tradingagents.run_history import RunHistory, default_history_path  # noqa: PLC0415

    loaded = load_cli_settings(config_file)
    config = loaded.discovery
    db = default_db_path(config.resilience.state_dir)
    try:
        breakers = {s.name: s.state for s in show_breakers(db)}
    except BreakerStoreError as exc:
        stderr().print(f"warning: {escape(str(exc))}")
        breakers = {}
    scanners = _scanners()
    latencies: dict[str, float | None] = {}
    history = RunHistory(default_history_path(config.resilience.state_dir))
    try:
        for scanner in scanners:
            latencies[scanner.name] = history.median_latency(scanner.name, last=20)
    except sqlite3.Error as exc:
        stderr().print(f"warning: cannot read the run history: {escape(str(exc))}")
    finally:
        history.close()
    # Two narrow tables rather than one wide one, so that 80 columns show every name whole:
    # the scanners, then each key with the scanners that read it. The data each scanner
    # reads is in `scanners explain`.
    table = Table(title="scanners", title_justify="left")
    table.add_column("scanner", no_wrap=True)
    table.add_column("pipeline", no_wrap=True)
    table.add_column("enabled", no_wrap=True)
    table.add_column("breaker", no_wrap=True)
    table.add_column("median time", justify="right", no_wrap=True)
    for scanner in scanners:
        settings = config.scanners.get(scanner.name)
        enabled = settings.enabled if settings is not None else True
        if not config.pipeline_enabled(scanner.pipeline):
            enabled = False
        table.add_row(
            scanner.name,
            scanner.pipeline,
            "yes" if enabled else "no",
            breakers.get(scanner.name, "closed" if db.exists() else "-"),
            _latency(latencies.get(scanner.name)),
        )
    console = stdout()
    console.print(table)
    console.print("median time: over the last 20 runs; more: tradingagents scanners explain NAME")
    # A line rather than a column: "date_range" would push the table past 80 columns.
    console.print(_point_in_time_line(scanners) + "\n")
    console.print(_keys_table(scanners, loaded))


def _point_in_time_line(scanners: list[Scanner]) -> str:
    """Which scanners evaluation can run on past dates, by their ``point_in_time``."""
    kinds: dict[str, list[str]] = {}
    for scanner in scanners:
        kinds.setdefault(scanner.point_in_time, []).append(scanner.name)
    parts = [f"{kind}: {', '.join(kinds[kind])}" for kind in POINT_IN_TIME_MEANING if kind in kinds]
    return "point in time (evaluate): " + "; ".join(parts)


def _keys_table(scanners: list[Scanner], settings: Settings) -> Table:
    """Each credential live mode reads: set or missing, and which scanners need it."""
    from tradingagents.credentials import key_statuses  # noqa: PLC0415

    needed: dict[str, list[str]] = {}
    present: dict[str, bool] = {}
    for scanner in scanners:
        for status in key_statuses(
            scanner.providers, scanner.optional_providers, settings.credentials, settings.discovery
        ):
            present[status.variable] = status.present
            label = scanner.name if status.required else f"{scanner.name} (optional)"
            needed.setdefault(status.variable, []).append(label)
    table = Table(title="keys (live mode; replay needs none)", title_justify="left")
    table.add_column("key", no_wrap=True)
    table.add_column("set", no_wrap=True)
    table.add_column("read by")
    for variable in sorted(needed):
        mark = "[green]yes[/]" if present[variable] else "[red]no[/]"
        table.add_row(variable, mark, escape(", ".join(needed[variable])))
    return table


def _latency(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}s"


@scanners_app.command("explain", context_settings=CONTEXT)
def scanners_explain(
    name: Annotated[str, typer.Argument(help="Scanner name.")],
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """A scanner's docstring (signal, data, cost) and its params: defaults and current values."""
    from tradingagents.discovery.scanner import validate_params  # noqa: PLC0415

    config = load_cli_settings(config_file).discovery
    found = {s.name: s for s in _scanners()}
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise typer.BadParameter(
            f"no scanner named {name!r}{hint} (known: {', '.join(sorted(found))})",
            param_hint="NAME",
        )
    scanner = found[name]
    console = stdout()
    doc = sys.modules[type(scanner).__module__].__doc__ or "(no docstring)"
    console.print(f"[bold]{escape(name)}[/] (pipeline {escape(scanner.pipeline)})")
    kind = scanner.point_in_time
    meaning = POINT_IN_TIME_MEANING.get(kind, POINT_IN_TIME_MEANING["now_only"])
    console.print(f"point in time: {escape(str(kind))} ({meaning})\n")
    console.print(escape(plain_text(doc.strip())) + "\n")
    current, problems = validate_params(scanner, config.scanners.get(name))
    for problem in problems:
        console.print(f"[red]config problem:[/] {escape(str(problem))}")
    table = Table(title="params", title_justify="left")
    for column in ("param", "default", "current"):
        table.add_column(column, no_wrap=column == "param")
    for param, field in scanner.Params.model_fields.items():
        default = field.get_default(call_default_factory=True)
        value = current.get(param, default)
        table.add_row(param, escape(repr(default)), escape(repr(value)))
    console.print(table)


# -- breakers --------------------------------------------------------------------------------
