"""``tradingagents runs list|show|replay``: the archived live runs, and replaying one offline."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradingagents.cli.app import runs_app
from tradingagents.cli.common import (
    CONFIG_OPTION,
    CONTEXT,
    EXIT_FAILED,
    JSON_OPTION,
    RUN_OUT_OPTION,
    fail,
    load_cli_settings,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from tradingagents.archive import ArchivedRun, RunArchive

RUN_ID = typer.Argument(help="The run's id (`runs list` shows them).", show_default=False)


def _archive(config_file: Path | None) -> RunArchive:
    from tradingagents.archive import archive_of  # noqa: PLC0415

    return archive_of(load_cli_settings(config_file).discovery)


def _size(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def _when(run: ArchivedRun) -> str:
    return run.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M")


def _get(archive: RunArchive, run_id: str) -> ArchivedRun:
    from tradingagents.archive import ArchiveError  # noqa: PLC0415

    try:
        return archive.get(run_id)
    except ArchiveError as exc:
        raise fail(str(exc)) from None


@runs_app.command("list", context_settings=CONTEXT)
def runs_list(config_file: Annotated[Path | None, CONFIG_OPTION] = None) -> None:
    """The archived live runs, newest first; an unreadable manifest is named, not fatal."""
    from tradingagents.archive import ArchiveError  # noqa: PLC0415

    archive = _archive(config_file)
    try:
        runs = archive.runs()
    except ArchiveError as exc:
        raise fail(str(exc)) from None
    err = stderr()
    for problem in archive.problems():
        err.print(f"warning: {escape(str(problem))}", soft_wrap=True)
    if not runs:
        err.print(f"no archived runs in {escape(str(archive.root))}")
        return
    # No outer border: the five columns fit 80 columns with the run id whole.
    table = Table(
        title=f"{len(runs)} archived runs", title_justify="left", show_edge=False, pad_edge=False
    )
    table.add_column("run id", no_wrap=True)
    table.add_column("trade date", no_wrap=True)
    table.add_column("recorded at", no_wrap=True)
    table.add_column("responses", justify="right")
    table.add_column("size", justify="right", no_wrap=True)
    for run in runs:
        table.add_row(
            run.run_id, run.trade_date.isoformat(), _when(run), str(run.responses), _size(run.bytes)
        )
    stdout().print(table)


@runs_app.command("show", context_settings=CONTEXT)
def runs_show(
    run_id: Annotated[str, RUN_ID],
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """One archived run: trade date, when it ran, responses per provider, scanner statuses."""
    run = _get(_archive(config_file), run_id)
    console = stdout()
    console.print(f"run          {run.run_id}")
    console.print(f"trade date   {run.trade_date.isoformat()}")
    console.print(f"recorded at  {run.recorded_at.isoformat(timespec='seconds')}")
    console.print(f"size         {_size(run.bytes)} in {run.responses} responses")
    if run.bars_bytes:
        # What a warm price cache served the run: replayed from these bars, not from charts.
        console.print(f"price bars   {_size(run.bars_bytes)} (the history scanners replay them)")
    table = Table(title="responses per provider", title_justify="left")
    table.add_column("provider", no_wrap=True)
    table.add_column("responses", justify="right")
    for provider, count in run.providers.items():
        table.add_row(escape(provider), str(count))
    console.print(table)
    if run.scanners:
        scanners = Table(title="scanners in the live run", title_justify="left")
        scanners.add_column("scanner", no_wrap=True)
        scanners.add_column("status", no_wrap=True)
        for name, status in sorted(run.scanners.items()):
            scanners.add_row(escape(name), escape(status))
        console.print(scanners)


@runs_app.command("replay", context_settings=CONTEXT)
def runs_replay(
    ctx: typer.Context,
    run_id: Annotated[str, RUN_ID],
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
    out: Annotated[Path, RUN_OUT_OPTION] = Path("results"),
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Replay an archived live run offline, as `discover` prints and writes a run.

    The run's recorded config is used (its universe, scanner params, budgets...); --config
    merges over it. Only the scanners that ran in the live run (ok or error) run again,
    served its responses; the others (skipped, circuit_open, timeout, not in the run) are
    skipped, saying why.
    """
    from tradingagents.archive import ArchiveError  # noqa: PLC0415
    from tradingagents.cli.discover import (  # noqa: PLC0415
        BASE_CONFIG,
        SKIP_REASONS,
        SourceMode,
        discover,
    )

    archive = _archive(config_file)
    run = _get(archive, run_id)
    ctx.meta[SKIP_REASONS] = replay_skips(run.scanners)
    recorded = run.manifest.config
    over = f" with --config {config_file} over it" if config_file is not None else ""
    if recorded is not None:
        ctx.meta[BASE_CONFIG] = (RECORDED_LAYER, replay_base(recorded))
        note = f"config: the live run's recorded config{over}"
    else:
        current = f"--config {config_file}" if config_file is not None else "the current config"
        note = f"config: {current} (the run was archived without its config)"
    stderr().print(escape(note), soft_wrap=True)
    with tempfile.TemporaryDirectory(prefix="tradingagents-replay-") as scratch:
        try:
            snapshot = archive.materialize(run.run_id, Path(scratch) / run.run_id)
        except (ArchiveError, OSError) as exc:
            stderr().print(f"error: {escape(str(exc))}", soft_wrap=True)
            raise typer.Exit(EXIT_FAILED) from None
        if not as_json:
            stderr().print(
                f"replaying archived run {run.run_id} ({run.trade_date.isoformat()}, "
                f"{run.responses} responses)"
            )
        discover(
            ctx,
            trade_date=run.trade_date.isoformat(),
            source=SourceMode.replay,
            live=False,
            snapshot=str(snapshot),
            replay_latency=False,
            sequential=False,
            max_workers=None,
            timeout=None,
            only=None,
            skip=None,
            config_file=config_file,
            out=out,
            as_json=as_json,
        )


#: The name of a replay's recorded config among the settings layers (in messages).
RECORDED_LAYER = "the live run's recorded config"


def replay_base(recorded: Mapping[str, Any]) -> dict[str, Any]:
    """The settings layer a run's recorded config makes for its replay: archiving off, and
    without the values redaction replaced (the current config's apply to those) nor the
    settings of scanners and pipelines uninstalled since (not run anyway, and a name no
    installed scanner has is a config error a --config file could not undo)."""
    from tradingagents.config import BUILTIN_PIPELINES, BUILTIN_SCANNERS  # noqa: PLC0415
    from tradingagents.discovery.registry import load_registry  # noqa: PLC0415
    from tradingagents.redaction import REDACTED  # noqa: PLC0415

    def kept(tree: Mapping[str, Any]) -> dict[str, Any]:
        return {
            key: kept(value) if isinstance(value, Mapping) else value
            for key, value in tree.items()
            if value != REDACTED
        }

    base = kept(recorded)
    registry = load_registry()
    scanners = {*registry.names(), *(f.name for f in registry.failures), *BUILTIN_SCANNERS}
    pipelines = {cls.pipeline for cls in registry.scanners} | set(BUILTIN_PIPELINES)
    for table, installed in (("scanners", scanners), ("pipelines", pipelines)):
        if isinstance(base.get(table), Mapping):
            base[table] = {k: v for k, v in base[table].items() if k in installed}
    base["archive"] = {**(base.get("archive") or {}), "enabled": False}
    return base


#: The live statuses whose scanners ran to the end on the data the archive holds: only their
#: replay answers as the live run did. Any other would run on data its live run never fetched.
REPLAYED_STATUSES = frozenset({"ok", "error"})


def replay_skips(live: Mapping[str, str]) -> dict[str, str]:
    """The installed scanners a replay of a run with the ``live`` statuses skips, with why."""
    from tradingagents.discovery.registry import load_registry  # noqa: PLC0415

    if not live:
        return {}  # archived without statuses: nothing says which ran, so every one replays
    registry = load_registry()
    # A scanner uninstalled since the live run is not run anyway; one installed since is not
    # in the live run, so not in its replay either.
    known = {*registry.names(), *(failure.name for failure in registry.failures)}
    return {
        name: f"{live[name]} in the live run" if name in live else "not in the live run"
        for name in sorted(known)
        if live.get(name) not in REPLAYED_STATUSES
    }
