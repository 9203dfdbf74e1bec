"""The ``tradingagents`` command line (also ``python -m tradingagents``): discover by default."""

from __future__ import annotations

import calendar
import contextlib
import difflib
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from tradingagents import __version__

# Everything heavier than typer and rich (langgraph, pandas, matplotlib, exchange_calendars) is
# imported inside the command that needs it, so `--help` and typos answer at once.
if TYPE_CHECKING:
    from tradingagents.discovery.scanner import Scanner
    from tradingagents.engine.runner import CancelToken
    from tradingagents.graph.discovery_graph import DiscoveryGraph
    from tradingagents.reports.artifacts import ChartRenderer
    from tradingagents.settings import Settings

#: What ``tradingagents`` runs when no command is named.
DEFAULT_COMMAND = "discover"
_ROOT_OPTIONS = frozenset({"-h", "--help", "--version"})


class DiscoverByDefault(TyperGroup):
    """A group whose default command is ``discover``: the main job needs no command name.

    Typer's group already suggests the closest command for a typo (``dicover``).
    """

    # ctx is typer's vendored click Context, which typer does not export under a public name.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0].startswith("-") and args[0] not in _ROOT_OPTIONS):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


_CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    cls=DiscoverByDefault,
    name="tradingagents",
    help="Discovery for multi-agent trading workflows. With no command, runs discover.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=_CONTEXT,
)
scanners_app = typer.Typer(help="List and explain the installed scanners.")
breakers_app = typer.Typer(help="Show or reset the per-scanner circuit breakers.")
snapshot_app = typer.Typer(help="Record and inspect replay snapshots.")


def _help_without_subcommand(ctx: typer.Context) -> None:
    # A group named alone shows its help and exits 0 (click's no_args_is_help exits 2).
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


for _group, _name in (
    (scanners_app, "scanners"),
    (breakers_app, "breakers"),
    (snapshot_app, "snapshot"),
):
    _group.callback(invoke_without_command=True)(_help_without_subcommand)
    app.add_typer(_group, name=_name)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tradingagents {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """Discovery for multi-agent trading workflows. With no command, runs discover."""


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line in this process; raises ``SystemExit`` with the exit code."""
    app(args=list(argv) if argv is not None else None, prog_name="tradingagents")


def entry() -> NoReturn:
    """The console script and ``python -m tradingagents``: run, then end the process at once."""
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - typer's standalone mode always raises SystemExit
        code = EXIT_OK
    if isinstance(code, str):  # sys.exit("message"), as click does for some errors
        print(code, file=sys.stderr)
        code = EXIT_FAILED
    _exit_now(EXIT_OK if code is None else code)


def _exit_now(code: int) -> NoReturn:
    # Everything the run writes is written and closed before a command returns (run files
    # atomically, SQLite stores commit per write), so the interpreter's teardown has nothing left
    # to save. Skipping it matters twice: it takes ~0.3 s with pandas and matplotlib loaded, and a
    # timed-out scanner thread still inside a C extension (pydantic-core) at teardown can abort
    # the process (SIGABRT, exit 134) instead of exiting with the run's code.
    if "langchain_core.tracers.langchain" in sys.modules:
        # LangSmith tracing (when the user enabled it) posts runs from a background thread.
        from langchain_core.tracers.langchain import wait_for_all_tracers  # noqa: PLC0415

        with contextlib.suppress(Exception):
            wait_for_all_tracers()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


# Options several commands share.
_CONFIG_OPTION = typer.Option(
    # Escaped: rich would read the table names as markup and drop them.
    "--config",
    help=r"TOML file with \[discovery...] and \[credentials] tables.",
)
_ONLY_OPTION = typer.Option(help="Only these scanners (comma-separated).")
_SKIP_OPTION = typer.Option(help="Leave these scanners out (comma-separated).")

# Exit codes: 0 done (even if some scanners failed); 1 no scanner ran ok, or the run files could
# not be written; 2 bad usage or configuration, found before any scanner runs (like click's own).
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

_STATUS_STYLE = {
    "queued": "dim",
    "running": "cyan",
    "ok": "green",
    "timeout": "yellow",
    "error": "red",
    "skipped": "dim",
    "circuit_open": "magenta",
}


def _stderr() -> Console:
    # Created per command so that tests capturing sys.stderr see the output.
    return Console(stderr=True, highlight=False)


def _stdout() -> Console:
    return Console(highlight=False)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


# -- flags -----------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date_flag(text: str, flag: str = "--date") -> date:
    """A ``YYYY-MM-DD`` flag value; the message says what is wrong with it."""
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {text!r}", param_hint=flag)
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise typer.BadParameter(
            f"{text} is not a calendar date: there is no month {month}", param_hint=flag
        )
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= last or year < 1:
        raise typer.BadParameter(
            f"{text} is not a calendar date: {calendar.month_name[month]} {year} has {last} days",
            param_hint=flag,
        )
    return date(year, month, day)


def _names(values: list[str] | None) -> list[str]:
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def _put(config: dict[str, Any], path: str, value: Any) -> None:
    node = config
    *parents, leaf = path.split(".")
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[leaf] = value


def flag_overrides(
    *,
    source: str | None = None,
    snapshot: str | None = None,
    replay_latency: bool = False,
    sequential: bool = False,
    max_workers: int | None = None,
    timeout: float | None = None,
    disabled: Sequence[str] = (),
) -> dict[str, Any]:
    """The flags as a partial config, the last layer over defaults, file and environment.

    ``disabled``: the scanners ``--only``/``--skip`` switch off (see :func:`selection_reasons`).
    """
    config: dict[str, Any] = {"discovery": {}}
    if snapshot is not None or replay_latency:
        if source == "live":
            flag = "--snapshot" if snapshot is not None else "--replay-latency"
            raise typer.BadParameter(
                f"a snapshot is replayed: {flag} cannot go with --live (or --source live)",
                param_hint=flag,
            )
        # Naming a snapshot means replaying it, whatever mode the file or environment set.
        source = "replay"
    if snapshot is not None:
        _put(config, "discovery.source.snapshot", snapshot)
    if replay_latency:
        _put(config, "discovery.source.replay_latency", True)
    if source is not None:
        _put(config, "discovery.source.mode", source)
    if sequential:
        _put(config, "discovery.scanner_execution.concurrent", False)
    if max_workers is not None:
        _put(config, "discovery.scanner_execution.max_workers", max_workers)
    if timeout is not None:
        _put(config, "discovery.scanner_execution.timeout_seconds", timeout)
    for name in disabled:
        _put(config, f"discovery.scanners.{name}.enabled", False)
    return config


def selection_reasons(
    only: list[str] | None, skip: list[str] | None, known: list[str] | None = None
) -> dict[str, str]:
    """The scanners ``--only``/``--skip`` switch off, each with the reason its record shows."""
    only_names, skip_names = _names(only), _names(skip)
    if not only_names and not skip_names:
        return {}
    if known is None:
        from tradingagents.discovery.registry import load_registry  # noqa: PLC0415

        registry = load_registry()
        # A plugin that fails to import still gets a record: it can be selected or skipped.
        known = [*registry.names(), *(failure.name for failure in registry.failures)]
    unknown = sorted({n for n in [*only_names, *skip_names] if n not in known})
    if unknown:
        hints = [
            f"{name!r} (did you mean {close[0]!r}?)"
            if (close := difflib.get_close_matches(name, known, n=1))
            else repr(name)
            for name in unknown
        ]
        raise typer.BadParameter(
            f"no scanner named {', '.join(hints)} (known: {', '.join(sorted(known))})",
            param_hint="--only/--skip",
        )
    reasons = {name: "not in --only" for name in known if only_names and name not in only_names}
    for name in skip_names:
        reasons[name] = "left out by --skip"
    return reasons


# The flag behind each key path flag_overrides sets, for error messages.
FLAG_NAMES = {
    "source.mode": "--source",
    "source.snapshot": "--snapshot",
    "source.replay_latency": "--replay-latency",
    "scanner_execution.concurrent": "--sequential",
    "scanner_execution.max_workers": "--max-workers",
    "scanner_execution.timeout_seconds": "--timeout",
}


def _settings(config_file: Path | None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Defaults < config file < environment < flags; a bad layer is exit code 2."""
    from tradingagents.errors import ConfigError  # noqa: PLC0415
    from tradingagents.settings import load_settings  # noqa: PLC0415

    if config_file is not None and not config_file.is_file():
        what = "is a directory" if config_file.is_dir() else "does not exist"
        raise _fail(f"--config {config_file} {what}")
    try:
        settings = load_settings(config_file, overrides=overrides, flag_names=FLAG_NAMES)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    for warning in settings.warnings:
        _stderr().print(f"warning: {escape(warning)}")
    return settings


def _check_snapshot_dir(snapshot: str | None) -> None:
    if snapshot is None:
        return
    path = Path(snapshot)
    if not path.exists():
        raise typer.BadParameter(f"{snapshot} does not exist", param_hint="--snapshot")
    if not path.is_dir():
        raise typer.BadParameter(
            f"{snapshot} is not a directory (a snapshot is a directory with a manifest.json)",
            param_hint="--snapshot",
        )


def prepare_out(out: Path) -> None:
    """Make sure the run files can be written under ``out`` before anything runs."""
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        # A real write: permission bits say nothing for root, nor for a read-only mount.
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise _fail(f"--out {out} cannot be written: {exc.strerror or exc}") from None


def _configure_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    # The engine logs each scanner's outcome; the command shows them in its own table and
    # summary, so the log would say everything twice.
    logging.getLogger("tradingagents.engine").setLevel(logging.ERROR)


# -- discover --------------------------------------------------------------------------------


@dataclass
class _Row:
    status: str = "queued"
    started: float | None = None
    duration: float | None = None
    candidates: int | None = None
    detail: str = ""


class Progress:
    """Scanner rows fed by the engine's progress events, rendered as a rich table."""

    def __init__(self, names: list[str], title: str = "scanners", width: int = 200) -> None:
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
            row.status, row.started = "running", time.monotonic()
        elif kind == "scanner_finished":
            row = self.rows.setdefault(event["scanner"], _Row())
            row.status = str(event["status"])
            row.duration = event.get("duration_s")
            row.candidates = event.get("candidates")
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
        fixed = name_width + len("circuit_open") + 6 + 5 + 16
        table.add_column("scanner", no_wrap=True, min_width=name_width)
        table.add_column("status", no_wrap=True, min_width=len("circuit_open"))
        table.add_column("time", justify="right", no_wrap=True, min_width=6)
        table.add_column("found", justify="right", no_wrap=True, min_width=5)
        # One line per scanner, however long its error: the run files hold the whole text.
        detail_width = max(10, min(70, self.width - fixed))
        table.add_column("detail", overflow="ellipsis", no_wrap=True, max_width=detail_width)
        now = time.monotonic()
        for name, row in self.rows.items():
            if row.status == "running" and row.started is not None:
                elapsed = f"{now - row.started:.1f}s"
            elif row.duration is not None:
                elapsed = f"{row.duration:.2f}s"
            else:
                elapsed = ""
            found = "" if row.candidates is None or row.status != "ok" else str(row.candidates)
            style = _STATUS_STYLE.get(row.status, "")
            table.add_row(
                name,
                f"[{style}]{row.status}[/]" if style else row.status,
                elapsed,
                found,
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


def _stream(
    graph: DiscoveryGraph, day: date, progress: Progress, cancel: CancelToken | None = None
) -> Iterator[tuple[str, Any]]:
    from tradingagents.graph.nodes import CANCEL_KEY  # noqa: PLC0415
    from tradingagents.graph.state import DiscoveryState  # noqa: PLC0415

    inputs = cast(DiscoveryState, {"trade_date": day.isoformat()})
    config: Any = {"configurable": {CANCEL_KEY: cancel}} if cancel is not None else None
    for item in graph.graph.stream(inputs, config=config, stream_mode=["custom", "values"]):
        mode, chunk = cast(tuple[str, Any], item)
        if mode == "custom" and isinstance(chunk, Mapping):
            progress.handle(chunk)
        yield mode, chunk


def _run_day(graph: DiscoveryGraph, trade_date: date | None, err: Console) -> date:
    """The date to run: checked against the snapshot in replay, a session in live mode."""
    snap = graph.providers.snapshot
    if snap is None:
        from tradingagents.calendar import previous_session  # noqa: PLC0415

        # Live data exists only for sessions: a weekend or holiday means the one before.
        day, note = previous_session(graph.resolve_date(trade_date))
        if note:
            err.print(escape(note))
        return day
    day = graph.resolve_date(trade_date)
    if day != snap.trade_date:
        held = snap.trade_date.isoformat()
        raise _fail(
            f"the snapshot {_snapshot_name(snap.root)} holds {held}, not {day.isoformat()}; "
            f"use --date {held}, another --snapshot, or --live"
        )
    return day


def _snapshot_name(root: Path) -> str:
    from tradingagents.replay.snapshot import is_sample  # noqa: PLC0415

    return "the bundled sample" if is_sample(root) else str(root)


class SourceMode(StrEnum):
    live = "live"
    replay = "replay"


@app.command(context_settings=_CONTEXT)
def discover(
    trade_date: Annotated[
        str | None,
        typer.Option("--date", help="Trade date YYYY-MM-DD (default: the snapshot's, or today)."),
    ] = None,
    source: Annotated[
        SourceMode | None,
        typer.Option(help="Data source (default: the config's, else replay).", show_default=False),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Call the live APIs: --source live.")
    ] = False,
    snapshot: Annotated[
        str | None, typer.Option(help="Replay this snapshot directory (default: the sample).")
    ] = None,
    replay_latency: Annotated[
        bool, typer.Option("--replay-latency", help="Wait each response's recorded latency.")
    ] = False,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="Run scanners one at a time.")
    ] = False,
    max_workers: Annotated[
        int | None, typer.Option(help="At most this many scanners at once.")
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Per-scanner timeout in seconds.")] = None,
    only: Annotated[list[str] | None, _ONLY_OPTION] = None,
    skip: Annotated[list[str] | None, _SKIP_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
    out: Annotated[
        Path,
        typer.Option(help="Root directory of the run files (DIR/discovery/DATE/run_HH_MM_SS/)."),
    ] = Path("results"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the final state as JSON on stdout, only that.")
    ] = False,
) -> None:
    """Run discovery with live progress, print the ranked candidates and write the run files."""
    mode = source.value if source is not None else None
    if live:
        if mode == "replay":
            raise typer.BadParameter("--live cannot go with --source replay", param_hint="--live")
        mode = "live"
    day_flag = parse_date_flag(trade_date) if trade_date is not None else None
    _check_snapshot_dir(snapshot)
    skip_reasons = selection_reasons(only, skip)
    overrides = flag_overrides(
        source=mode,
        snapshot=snapshot,
        replay_latency=replay_latency,
        sequential=sequential,
        max_workers=max_workers,
        timeout=timeout,
        disabled=list(skip_reasons),
    )
    from tradingagents.reports.chart_process import ChartProcess  # noqa: PLC0415

    # Started before the heavy imports: the helper loads matplotlib on another core meanwhile.
    with ChartProcess() as chart:
        settings = _settings(config_file, overrides)
        prepare_out(out)
        _configure_logging()
        from tradingagents.engine.runner import CancelToken  # noqa: PLC0415
        from tradingagents.errors import DiscoveryCancelled, TradingAgentsError  # noqa: PLC0415
        from tradingagents.graph.discovery_graph import DiscoveryGraph  # noqa: PLC0415

        err = _stderr()
        started = datetime.now()
        try:
            graph = DiscoveryGraph(
                settings.discovery, credentials=settings.credentials, skip_reasons=skip_reasons
            )
        except TradingAgentsError as exc:
            raise _fail(str(exc)) from None
        state: dict[str, Any] | None = None
        with graph:
            try:
                day = _run_day(graph, day_flag, err)
            except TradingAgentsError as exc:
                raise _fail(str(exc)) from None
            progress = Progress(
                [job.name for job in graph.jobs], f"scanners for {day.isoformat()}", err.width
            )
            cancel = CancelToken()
            try:
                state = _run_with_progress(graph, day, progress, err, cancel)
            except (KeyboardInterrupt, DiscoveryCancelled):
                _interrupted(cancel, day, settings, err)
        _print_provider_problems(state, err)
        _record_history(state, settings, err)
        # The results first: a trader reads them while the run files are written, and a disk
        # that refuses the files does not hide them.
        if as_json:
            typer.echo(json.dumps(state, indent=1, default=str))
        else:
            _print_result(state)
        written, write_error = _write_run_files(state, out, started, err, chart.render)
        if written is not None:
            err.print(f"run files in {escape(str(written))}")
        if write_error:
            raise typer.Exit(EXIT_FAILED)
        if not any(r["status"] == "ok" for r in state["scanner_runs"]):
            err.print("no scanner ran ok")
            raise typer.Exit(EXIT_FAILED)


def _run_with_progress(
    graph: DiscoveryGraph,
    day: date,
    progress: Progress,
    err: Console,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from rich.live import Live  # noqa: PLC0415

    from tradingagents.errors import DiscoveryCancelled, TradingAgentsError  # noqa: PLC0415

    previous: Any = None
    if cancel is not None and threading.current_thread() is threading.main_thread():
        # Ctrl-C first cancels the run (the engine may be in a LangGraph worker thread, which
        # a KeyboardInterrupt never reaches), then interrupts this thread as usual.
        def on_sigint(signum: int, frame: Any) -> None:
            cancel.cancel()
            signal.default_int_handler(signum, frame)

        previous = signal.signal(signal.SIGINT, on_sigint)
    state: dict[str, Any] | None = None
    shown = False
    try:
        with Live(
            get_renderable=progress.render, console=err, refresh_per_second=8, transient=False
        ):
            shown = True
            for mode, chunk in _stream(graph, day, progress, cancel):
                if mode == "values" and isinstance(chunk, Mapping):
                    state = dict(chunk)
        if not err.is_terminal:
            # Off a terminal Live prints its last frame without ending the line.
            err.print()
    except (KeyboardInterrupt, DiscoveryCancelled):
        if shown and not err.is_terminal:
            err.print()  # end Live's last frame before the "interrupted" line
        raise
    except TradingAgentsError as exc:
        raise _fail(str(exc)) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    assert state is not None  # the values stream always ends with the final state
    return state


def _interrupted(cancel: CancelToken, day: date, settings: Settings, err: Console) -> NoReturn:
    """Ctrl-C during discover: record the partial run in the history (unfinished scanners as
    ``cancelled``, nothing charged to the breakers), write no run files, exit 130."""
    runs = cancel.scanner_runs or []
    if runs:
        _record_history({"trade_date": day.isoformat(), "scanner_runs": runs}, settings, err)
    count = sum(1 for run in runs if run.get("status") == "cancelled")
    err.print(f"interrupted: {count} scanner{'' if count == 1 else 's'} cancelled")
    raise typer.Exit(EXIT_INTERRUPTED)


def _print_provider_problems(state: Mapping[str, Any], err: Console) -> None:
    """One line per provider whose calls failed: the cause once, not once per call."""
    from tradingagents.reports.problems import provider_problem_lines  # noqa: PLC0415

    for line in provider_problem_lines(state):
        err.print(escape(line), soft_wrap=True)


def _record_history(state: Mapping[str, Any], settings: Settings, err: Console) -> None:
    import sqlite3  # noqa: PLC0415

    from tradingagents.reports.history import RunHistory, default_history_path  # noqa: PLC0415

    try:
        with RunHistory(default_history_path(settings.discovery.resilience.state_dir)) as history:
            history.record(state)
    except (OSError, sqlite3.Error) as exc:
        err.print(f"warning: run history not updated: {escape(str(exc))}")


def _write_run_files(
    state: Mapping[str, Any], out: Path, started: datetime, err: Console, chart: ChartRenderer
) -> tuple[Path | None, bool]:
    """The run files; the directory written (None if none) and whether any file failed."""
    from tradingagents.reports import ArtifactError, run_directory, write_run_artifacts  # noqa: PLC0415

    try:
        directory = run_directory(out, state["trade_date"], started)
        written = write_run_artifacts(dict(state), directory, chart=chart)
    except ArtifactError as exc:
        err.print(f"error: {escape(str(exc))}")
        return None, True
    except OSError as exc:
        where = exc.filename or out
        err.print(f"error: cannot write the run files under {where}: {exc.strerror or exc}")
        return None, True
    return written.directory, False


def _print_result(state: Mapping[str, Any]) -> None:
    from tradingagents.reports.explain import describe_source  # noqa: PLC0415

    console = _stdout()
    runs = state["scanner_runs"]
    counts = Counter(r["status"] for r in runs)
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    ranked = state["ranked_candidates"]
    console.print(
        f"discovery for {state['trade_date']}. {escape(describe_source(state.get('source')))}"
    )
    console.print(
        f"{len(runs)} scanners ({statuses}): {len(state['candidates'])} candidates, "
        f"{len(state.get('filtered_candidates') or [])} passed the filter, {len(ranked)} ranked"
    )
    if ranked:
        console.print(candidates_table(ranked))


# -- scanners --------------------------------------------------------------------------------

_RST_LITERAL = re.compile(r"``([^`]+)``|`([^`]+)`")


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


@scanners_app.command("list", context_settings=_CONTEXT)
def scanners_list(
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Every installed scanner (pipeline, enabled, breaker, latency) and the keys they read."""
    import sqlite3  # noqa: PLC0415

    from tradingagents.reports.history import RunHistory, default_history_path  # noqa: PLC0415
    from tradingagents.resilience.breakers import (  # noqa: PLC0415
        BreakerStoreError,
        default_db_path,
        show_breakers,
    )

    loaded = _settings(config_file)
    config = loaded.discovery
    db = default_db_path(config.resilience.state_dir)
    try:
        breakers = {s.name: s.state for s in show_breakers(db)}
    except BreakerStoreError as exc:
        _stderr().print(f"warning: {escape(str(exc))}")
        breakers = {}
    scanners = _scanners()
    latencies: dict[str, float | None] = {}
    history = RunHistory(default_history_path(config.resilience.state_dir))
    try:
        for scanner in scanners:
            latencies[scanner.name] = history.median_latency(scanner.name, last=20)
    except sqlite3.Error as exc:
        _stderr().print(f"warning: cannot read the run history: {escape(str(exc))}")
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
    console = _stdout()
    console.print(table)
    console.print("median time: over the last 20 runs; more: tradingagents scanners explain NAME\n")
    console.print(_keys_table(scanners, loaded))


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


@scanners_app.command("explain", context_settings=_CONTEXT)
def scanners_explain(
    name: Annotated[str, typer.Argument(help="Scanner name.")],
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """A scanner's docstring (signal, data, cost) and its params: defaults and current values."""
    from tradingagents.discovery.scanner import validate_params  # noqa: PLC0415

    config = _settings(config_file).discovery
    found = {s.name: s for s in _scanners()}
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise typer.BadParameter(
            f"no scanner named {name!r}{hint} (known: {', '.join(sorted(found))})",
            param_hint="NAME",
        )
    scanner = found[name]
    console = _stdout()
    doc = sys.modules[type(scanner).__module__].__doc__ or "(no docstring)"
    console.print(f"[bold]{escape(name)}[/] (pipeline {escape(scanner.pipeline)})\n")
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

_DB_OPTION = typer.Option("--db", help="Breaker state file (default: in the state directory).")


def _breaker_db(db: Path | None, config_file: Path | None) -> Path:
    from tradingagents.resilience.breakers import default_db_path  # noqa: PLC0415

    if db is not None:
        return db
    # The state directory the runs use: config file < environment, as for discover.
    return default_db_path(_settings(config_file).discovery.resilience.state_dir)


@breakers_app.command("show", context_settings=_CONTEXT)
def breakers_show(
    name: Annotated[str | None, typer.Argument(help="One scanner (default: all).")] = None,
    db: Annotated[Path | None, _DB_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Show the persisted circuit breakers."""
    from tradingagents.resilience.breakers import (  # noqa: PLC0415
        BreakerStoreError,
        format_table,
        show_breakers,
    )

    path = _breaker_db(db, config_file)
    try:
        statuses = show_breakers(path)
    except BreakerStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if name is not None:
        statuses = [s for s in statuses if s.name == name]
    if not statuses:
        which = f"for {name} " if name is not None else ""
        typer.echo(f"no breaker state {which}in {path} (closed)")
        return
    typer.echo(f"breakers in {path}:")
    typer.echo(format_table(statuses))


@breakers_app.command("reset", context_settings=_CONTEXT)
def breakers_reset(
    name: Annotated[str | None, typer.Argument(help="One scanner (default: all).")] = None,
    db: Annotated[Path | None, _DB_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Close and forget the breaker of NAME, or of every scanner."""
    from tradingagents.resilience.breakers import BreakerStoreError, reset_breakers  # noqa: PLC0415

    path = _breaker_db(db, config_file)
    try:
        names = reset_breakers(path, name)
    except BreakerStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if not names:
        which = f"for {name} " if name is not None else ""
        typer.echo(f"no breaker state {which}to reset in {path}")
    for reset in names:
        typer.echo(f"reset {reset}")


# -- snapshot --------------------------------------------------------------------------------


@snapshot_app.command("record", context_settings=_CONTEXT)
def snapshot_record(
    directory: Annotated[Path, typer.Argument(help="New snapshot directory.")],
    trade_date: Annotated[
        str | None, typer.Option("--date", help="Trade date YYYY-MM-DD (default: today).")
    ] = None,
    only: Annotated[list[str] | None, _ONLY_OPTION] = None,
    skip: Annotated[list[str] | None, _SKIP_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Run the enabled scanners live, one at a time, and record every response they got.

    Keys are sent but never recorded. Replay the result with `discover --snapshot DIR`.
    """
    day = parse_date_flag(trade_date) if trade_date is not None else None
    skip_reasons = selection_reasons(only, skip)
    settings = _settings(config_file, flag_overrides(disabled=list(skip_reasons)))
    from tradingagents.errors import TradingAgentsError  # noqa: PLC0415
    from tradingagents.recording import record_snapshot  # noqa: PLC0415

    _configure_logging()
    err = _stderr()
    err.print(f"recording live responses into {escape(str(directory))} ...")
    try:
        manifest, state = record_snapshot(
            directory,
            config=settings.discovery,
            trade_date=day,
            credentials=settings.credentials,
            skip_reasons=skip_reasons,
        )
    except TradingAgentsError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot write the snapshot in {directory}: {exc.strerror or exc}") from None
    _print_provider_problems(state, err)
    counts = Counter(r["status"] for r in state["scanner_runs"])
    err.print(
        f"recorded {len(manifest.responses)} responses for {manifest.trade_date.isoformat()} "
        f"({', '.join(f'{n} {status}' for status, n in sorted(counts.items()))})"
    )
    for run in state["scanner_runs"]:
        if run["status"] != "ok":
            detail = run.get("reason") or (run.get("error") or {}).get("message", "")
            err.print(f"  {run['name']}: {run['status']} {escape(str(detail))}")
    if not manifest.responses:
        err.print("nothing was recorded")
        raise typer.Exit(EXIT_FAILED)


@snapshot_app.command("show", context_settings=_CONTEXT)
def snapshot_show(
    directory: Annotated[
        Path | None, typer.Argument(help="Snapshot directory (default: the bundled sample).")
    ] = None,
) -> None:
    """A snapshot's manifest: trade date, kind, responses per provider."""
    from tradingagents.errors import TradingAgentsError  # noqa: PLC0415
    from tradingagents.replay.snapshot import load_snapshot, sample_snapshot_path  # noqa: PLC0415

    if directory is not None and not directory.exists():
        raise typer.BadParameter(f"{directory} does not exist", param_hint="DIRECTORY")
    root = directory if directory is not None else sample_snapshot_path()
    try:
        snap = load_snapshot(root)
    except TradingAgentsError as exc:
        raise _fail(str(exc)) from None
    manifest = snap.manifest
    console = _stdout()
    console.print(f"snapshot    {escape(str(root))}")
    console.print(f"trade date  {manifest.trade_date.isoformat()}")
    console.print(f"kind        {manifest.kind}")
    console.print(f"created by  {escape(manifest.created_by)}")
    if manifest.notes:
        console.print(f"notes       {escape(manifest.notes)}")
    counts = Counter(entry.provider for entry in manifest.responses)
    table = Table(title=f"{len(manifest.responses)} responses", title_justify="left")
    table.add_column("provider", no_wrap=True)
    table.add_column("responses", justify="right")
    for provider, count in sorted(counts.items()):
        table.add_row(provider, str(count))
    console.print(table)


if __name__ == "__main__":
    main()
