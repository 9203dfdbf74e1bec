"""``tradingagents breakers show|reset``: the per-scanner circuit breakers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradingagents.cli.app import breakers_app
from tradingagents.cli.common import CONFIG_OPTION, CONTEXT, EXIT_FAILED, load_cli_settings

_DB_OPTION = typer.Option("--db", help="Breaker state file (default: in the state directory).")


def _breaker_db(db: Path | None, config_file: Path | None) -> Path:
    from tradingagents.resilience.breakers import default_db_path  # noqa: PLC0415

    if db is not None:
        return db
    # The state directory the runs use: config file < environment, as for discover.
    return default_db_path(load_cli_settings(config_file).discovery.resilience.state_dir)


@breakers_app.command("show", context_settings=CONTEXT)
def breakers_show(
    name: Annotated[str | None, typer.Argument(help="One scanner (default: all).")] = None,
    db: Annotated[Path | None, _DB_OPTION] = None,
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
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


@breakers_app.command("reset", context_settings=CONTEXT)
def breakers_reset(
    name: Annotated[str | None, typer.Argument(help="One scanner (default: all).")] = None,
    db: Annotated[Path | None, _DB_OPTION] = None,
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
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
