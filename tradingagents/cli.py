"""The ``tradingagents`` command line: discovery with progress, scanners, breakers, snapshots."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from tradingagents.calendar import previous_session
from tradingagents.discovery.registry import load_registry
from tradingagents.discovery.scanner import Scanner, validate_params
from tradingagents.errors import ConfigError, TradingAgentsError
from tradingagents.graph.discovery_graph import DiscoveryGraph, registered_scanners
from tradingagents.graph.state import DiscoveryState
from tradingagents.replay.recorder import record_snapshot
from tradingagents.replay.snapshot import load_snapshot, sample_snapshot_path
from tradingagents.reports import ArtifactError, run_directory, write_run_artifacts
from tradingagents.reports.history import RunHistory, default_history_path
from tradingagents.resilience.breakers import (
    BreakerStoreError,
    default_db_path,
    format_table,
    reset_breakers,
    show_breakers,
)
from tradingagents.settings import Settings, key_statuses, load_settings

app = typer.Typer(
    name="tradingagents",
    help="Discovery for multi-agent trading workflows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scanners_app = typer.Typer(help="List and explain the installed scanners.", no_args_is_help=True)
breakers_app = typer.Typer(help="Show or reset the per-scanner circuit breakers.")
snapshot_app = typer.Typer(help="Record and inspect replay snapshots.", no_args_is_help=True)
app.add_typer(scanners_app, name="scanners")
app.add_typer(breakers_app, name="breakers")
app.add_typer(snapshot_app, name="snapshot")

# Options several commands share.
_CONFIG_OPTION = typer.Option(
    # Escaped: rich would read the table names as markup and drop them.
    "--config",
    help=r"TOML file with \[discovery...] and \[credentials] tables.",
)
_ONLY_OPTION = typer.Option(help="Only these scanners (comma-separated).")
_SKIP_OPTION = typer.Option(help="Leave these scanners out (comma-separated).")

# Exit codes of `discover`: bad usage and bad config share 2, like click's own usage errors.
EXIT_OK, EXIT_NO_SCANNER_OK, EXIT_USAGE = 0, 1, 2

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


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


# -- configuration ---------------------------------------------------------------------------


def _put(config: dict[str, Any], path: str, value: Any) -> None:
    node = config
    *parents, leaf = path.split(".")
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[leaf] = value


def _names(values: list[str] | None) -> list[str]:
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def flag_overrides(
    *,
    source: str | None = None,
    snapshot: str | None = None,
    sequential: bool = False,
    max_workers: int | None = None,
    timeout: float | None = None,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    known: list[str] | None = None,
) -> dict[str, Any]:
    """The flags as a partial config, the last layer over defaults, file and environment."""
    config: dict[str, Any] = {"discovery": {}}
    if snapshot is not None:
        if source == "live":
            raise typer.BadParameter(
                "a snapshot is replayed: --snapshot cannot go with --source live",
                param_hint="--snapshot",
            )
        # Naming a snapshot means replaying it, whatever mode the file or environment set.
        source = "replay"
        _put(config, "discovery.source.snapshot", snapshot)
    if source is not None:
        _put(config, "discovery.source.mode", source)
    if sequential:
        _put(config, "discovery.scanner_execution.concurrent", False)
    if max_workers is not None:
        _put(config, "discovery.scanner_execution.max_workers", max_workers)
    if timeout is not None:
        _put(config, "discovery.scanner_execution.timeout_seconds", timeout)
    only_names, skip_names = _names(only), _names(skip)
    if only_names or skip_names:
        names = known if known is not None else load_registry().names()
        unknown = sorted({n for n in [*only_names, *skip_names] if n not in names})
        if unknown:
            raise typer.BadParameter(
                f"no scanner named {', '.join(unknown)} (known: {', '.join(sorted(names))})",
                param_hint="--only/--skip",
            )
        for name in names:
            if only_names:
                _put(config, f"discovery.scanners.{name}.enabled", name in only_names)
        for name in skip_names:
            _put(config, f"discovery.scanners.{name}.enabled", False)
    return config


# The flag behind each key path flag_overrides sets, for error messages.
FLAG_NAMES = {
    "source.mode": "--source",
    "source.snapshot": "--snapshot",
    "scanner_execution.concurrent": "--sequential",
    "scanner_execution.max_workers": "--max-workers",
    "scanner_execution.timeout_seconds": "--timeout",
}


def _settings(config_file: Path | None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Defaults < config file < environment < flags; a bad layer is exit code 2."""
    try:
        settings = load_settings(config_file, overrides=overrides, flag_names=FLAG_NAMES)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    for warning in settings.warnings:
        _stderr().print(f"warning: {escape(warning)}")
    return settings


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

    def __init__(self, names: list[str]) -> None:
        self.rows = {name: _Row() for name in names}

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
            row.detail = " ".join(detail.split())

    def render(self) -> Table:
        table = Table(title="scanners", title_justify="left", expand=False)
        table.add_column("scanner", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("time", justify="right", no_wrap=True)
        table.add_column("found", justify="right")
        table.add_column("detail", overflow="ellipsis", max_width=70)
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


def _candidates_table(ranked: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{len(ranked)} ranked candidates", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True, min_width=2)
    table.add_column("ticker", no_wrap=True, min_width=6)
    table.add_column("priority", no_wrap=True, min_width=8)
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("sources", overflow="fold", ratio=1)
    table.add_column("context", ratio=2)
    for c in ranked:
        table.add_row(
            str(c["rank"]),
            escape(str(c["ticker"])),
            str(c["priority"]),
            f"{c['score']:.2f}",
            escape(",".join(c["sources"])),
            # Short context: the full text is in the run's discovery_results.md.
            escape(_clip(str(c["context"]), 80)),
        )
    return table


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _stream(graph: DiscoveryGraph, day: date, progress: Progress) -> Iterator[tuple[str, Any]]:
    inputs = cast(DiscoveryState, {"trade_date": day.isoformat()})
    for item in graph.graph.stream(inputs, stream_mode=["custom", "values"]):
        mode, chunk = cast(tuple[str, Any], item)
        if mode == "custom" and isinstance(chunk, Mapping):
            progress.handle(chunk)
        yield mode, chunk


@app.command()
def discover(
    trade_date: Annotated[
        str | None,
        typer.Option("--date", help="Trade date YYYY-MM-DD (default: the snapshot's, or today)."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Data source: live or replay (default: config, else replay)."),
    ] = None,
    snapshot: Annotated[
        str | None, typer.Option(help="Replay this snapshot directory (default: the sample).")
    ] = None,
    sequential: Annotated[bool, typer.Option(help="Run scanners one at a time.")] = False,
    max_workers: Annotated[
        int | None, typer.Option(help="At most this many scanners at once.")
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Per-scanner timeout in seconds.")] = None,
    only: Annotated[list[str] | None, _ONLY_OPTION] = None,
    skip: Annotated[list[str] | None, _SKIP_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
    out: Annotated[Path, typer.Option(help="Root directory of the run files.")] = Path("results"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the final state as JSON on stdout, only that.")
    ] = False,
) -> None:
    """Run discovery with live progress, print the ranked candidates and write the run files."""
    if source is not None and source not in ("live", "replay"):
        raise typer.BadParameter(f"expected live or replay, got {source!r}", param_hint="--source")
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    err = _stderr()
    overrides = flag_overrides(
        source=source,
        snapshot=snapshot,
        sequential=sequential,
        max_workers=max_workers,
        timeout=timeout,
        only=only,
        skip=skip,
    )
    settings = _settings(config_file, overrides)
    loaded = settings.discovery
    started = datetime.now()
    try:
        graph = DiscoveryGraph(loaded, credentials=settings.credentials)
    except TradingAgentsError as exc:
        raise _fail(str(exc)) from None
    state: dict[str, Any] | None = None
    with graph:
        try:
            day = graph.resolve_date(trade_date)
            if graph.providers.snapshot is None:
                # Live data exists only for sessions: a weekend or holiday means the one before.
                day, note = previous_session(day)
                if note:
                    err.print(escape(note))
        except TradingAgentsError as exc:
            raise _fail(str(exc)) from None
        except ValueError as exc:
            raise _fail(str(exc)) from None
        snap = graph.providers.snapshot
        where = f"replay of {snap.root} ({snap.manifest.kind})" if snap else "live APIs"
        err.print(f"discovery for {day.isoformat()} from {escape(where)}")
        progress = Progress([job.name for job in graph.jobs])
        try:
            with Live(
                get_renderable=progress.render, console=err, refresh_per_second=8, transient=False
            ):
                for mode, chunk in _stream(graph, day, progress):
                    if mode == "values" and isinstance(chunk, Mapping):
                        state = dict(chunk)
            if not err.is_terminal:
                # Off a terminal Live prints its last frame without ending the line.
                err.print()
        except TradingAgentsError as exc:
            raise _fail(str(exc)) from None
    assert state is not None  # the values stream always ends with the final state
    with RunHistory(default_history_path(loaded.resilience.state_dir)) as history:
        history.record(state)
    written = None
    try:
        directory = run_directory(out, state["trade_date"], started)
        written = write_run_artifacts(state, directory)
    except ArtifactError as exc:
        err.print(f"error: {escape(str(exc))}")
    except OSError as exc:
        err.print(f"error: cannot create the run directory under {out}: {exc.strerror}")
    if as_json:
        typer.echo(json.dumps(state, indent=1, default=str))
    else:
        out_console = Console(highlight=False)
        ranked = state["ranked_candidates"]
        out_console.print(
            f"\n{len(state['candidates'])} candidates, {len(ranked)} after filter and rank"
        )
        out_console.print(_candidates_table(ranked))
    if written is not None:
        err.print(f"run files in {escape(str(written.directory))}")
    if not any(r["status"] == "ok" for r in state["scanner_runs"]):
        err.print("no scanner ran ok")
        raise typer.Exit(EXIT_NO_SCANNER_OK)


# -- scanners --------------------------------------------------------------------------------


def _doc_line(scanner: Scanner, label: str) -> str:
    doc = sys.modules[type(scanner).__module__].__doc__ or ""
    for line in doc.splitlines():
        if line.startswith(f"{label}:"):
            return line.removeprefix(f"{label}:").strip()
    return ""


def _scanners() -> list[Scanner]:
    return registered_scanners(load_registry())


@scanners_app.command("list")
def scanners_list(
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Every installed scanner: pipeline, enabled, data, keys, breaker state, latency."""
    loaded = _settings(config_file)
    config = loaded.discovery
    db = default_db_path(config.resilience.state_dir)
    try:
        breakers = {s.name: s.state for s in show_breakers(db)}
    except BreakerStoreError as exc:
        _stderr().print(f"warning: {escape(str(exc))}")
        breakers = {}
    table = Table(title="scanners", title_justify="left")
    for column in ("scanner", "pipeline", "enabled", "breaker"):
        table.add_column(column, no_wrap=True)
    table.add_column("median latency (last 20 runs)", justify="right")
    table.add_column("data")
    table.add_column("keys (live mode)")
    history = RunHistory(default_history_path(config.resilience.state_dir))
    latencies: dict[str, float | None] = {}
    try:
        for scanner in _scanners():
            latencies[scanner.name] = history.median_latency(scanner.name, last=20)
    except sqlite3.Error as exc:
        _stderr().print(f"warning: cannot read the run history: {escape(str(exc))}")
    finally:
        history.close()
    for scanner in _scanners():
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
            escape(_clip(_doc_line(scanner, "Data").split(";")[0], 40)),
            _keys(scanner, loaded),
        )
    Console(highlight=False).print(table)


def _keys(scanner: Scanner, settings: Settings) -> str:
    statuses = key_statuses(
        scanner.providers, scanner.optional_providers, settings.credentials, settings.discovery
    )
    if not statuses:
        return "none needed"
    return "\n".join(
        f"[{'green' if s.present else ('red' if s.required else 'dim')}]{escape(str(s))}[/]"
        for s in statuses
    )


def _latency(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}s"


@scanners_app.command("explain")
def scanners_explain(
    name: Annotated[str, typer.Argument(help="Scanner name.")],
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """A scanner's docstring (signal, data, cost) and its params: defaults and current values."""
    config = _settings(config_file).discovery
    found = {s.name: s for s in _scanners()}
    if name not in found:
        raise typer.BadParameter(
            f"no scanner named {name!r} (known: {', '.join(sorted(found))})", param_hint="NAME"
        )
    scanner = found[name]
    console = Console(highlight=False)
    doc = sys.modules[type(scanner).__module__].__doc__ or "(no docstring)"
    console.print(f"[bold]{escape(name)}[/] (pipeline {escape(scanner.pipeline)})\n")
    console.print(escape(doc.strip()) + "\n")
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
    if db is not None:
        return db
    # The state directory the runs use: config file < environment, as for discover.
    return default_db_path(_settings(config_file).discovery.resilience.state_dir)


@breakers_app.command("show")
def breakers_show(
    name: Annotated[str | None, typer.Argument(help="One scanner (default: all).")] = None,
    db: Annotated[Path | None, _DB_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Show the persisted circuit breakers."""
    path = _breaker_db(db, config_file)
    try:
        statuses = show_breakers(path)
    except BreakerStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if name is not None:
        statuses = [s for s in statuses if s.name == name]
    if not statuses:
        which = f"for {name} " if name is not None else ""
        typer.echo(f"no breaker state {which}in {path} (closed)")
        return
    typer.echo(f"breakers in {path}:")
    typer.echo(format_table(statuses))


@breakers_app.command("reset")
def breakers_reset(
    name: Annotated[str | None, typer.Argument(help="One scanner (default: all).")] = None,
    db: Annotated[Path | None, _DB_OPTION] = None,
    config_file: Annotated[Path | None, _CONFIG_OPTION] = None,
) -> None:
    """Close and forget the breaker of NAME, or of every scanner."""
    path = _breaker_db(db, config_file)
    try:
        names = reset_breakers(path, name)
    except BreakerStoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if not names:
        which = f"for {name} " if name is not None else ""
        typer.echo(f"no breaker state {which}to reset in {path}")
    for reset in names:
        typer.echo(f"reset {reset}")


# -- snapshot --------------------------------------------------------------------------------


@snapshot_app.command("record")
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

    Keys are sent but never recorded. Replay the result with ``discover --snapshot DIR``.
    """
    settings = _settings(config_file, flag_overrides(only=only, skip=skip))
    day = None
    if trade_date is not None:
        try:
            day = date.fromisoformat(trade_date)
        except ValueError:
            raise typer.BadParameter(
                f"expected YYYY-MM-DD, got {trade_date!r}", param_hint="--date"
            ) from None
    err = _stderr()
    err.print(f"recording live responses into {escape(str(directory))} ...")
    try:
        manifest, state = record_snapshot(
            directory, config=settings.discovery, trade_date=day, credentials=settings.credentials
        )
    except TradingAgentsError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot write the snapshot in {directory}: {exc.strerror or exc}") from None
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
        raise typer.Exit(EXIT_NO_SCANNER_OK)


@snapshot_app.command("show")
def snapshot_show(
    directory: Annotated[
        Path | None, typer.Argument(help="Snapshot directory (default: the bundled sample).")
    ] = None,
) -> None:
    """A snapshot's manifest: trade date, kind, responses per provider."""
    root = directory if directory is not None else sample_snapshot_path()
    try:
        snap = load_snapshot(root)
    except TradingAgentsError as exc:
        raise _fail(str(exc)) from None
    manifest = snap.manifest
    console = Console(highlight=False)
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
    app()
