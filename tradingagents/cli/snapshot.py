"""``tradingagents snapshot record|show``: record and inspect replay snapshots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tradingagents.cli.app import snapshot_app
from tradingagents.cli.common import (
    CONFIG_OPTION,
    CONTEXT,
    EXIT_FAILED,
    ONLY_OPTION,
    SKIP_OPTION,
    configure_logging,
    fail,
    flag_overrides,
    load_cli_settings,
    parse_date_flag,
    selection_reasons,
    stderr,
    stdout,
)
from tradingagents.cli.discover import print_provider_problems


@snapshot_app.command("record", context_settings=CONTEXT)
def snapshot_record(
    directory: Annotated[Path, typer.Argument(help="New snapshot directory.")],
    trade_date: Annotated[
        str | None, typer.Option("--date", help="Trade date YYYY-MM-DD (default: today).")
    ] = None,
    only: Annotated[list[str] | None, ONLY_OPTION] = None,
    skip: Annotated[list[str] | None, SKIP_OPTION] = None,
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
) -> None:
    """Run the enabled scanners live, one at a time, and record every response they got.

    Keys are sent but never recorded. Replay the result with `discover --snapshot DIR`.
    """
    day = parse_date_flag(trade_date) if trade_date is not None else None
    skip_reasons = selection_reasons(only, skip)
    settings = load_cli_settings(config_file, flag_overrides(disabled=list(skip_reasons)))
    from tradingagents.errors import TradingAgentsError  # noqa: PLC0415
    from tradingagents.recording import record_snapshot  # noqa: PLC0415

    configure_logging()
    err = stderr()
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
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write the snapshot in {directory}: {exc.strerror or exc}") from None
    print_provider_problems(state, err)
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


@snapshot_app.command("show", context_settings=CONTEXT)
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
        raise fail(str(exc)) from None
    manifest = snap.manifest
    console = stdout()
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
