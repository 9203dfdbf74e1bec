"""The typer application and its command groups; ``discover`` is the default command."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from tradingagents import __version__
from tradingagents.cli.common import CONTEXT

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


app = typer.Typer(
    cls=DiscoverByDefault,
    name="tradingagents",
    help="Discovery for multi-agent trading workflows. With no command, runs discover.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)
scanners_app = typer.Typer(help="List and explain the installed scanners.")
breakers_app = typer.Typer(help="Show or reset the per-scanner circuit breakers.")
snapshot_app = typer.Typer(help="Record and inspect replay snapshots.")
runs_app = typer.Typer(help="List, show and replay the archived live runs.")


def _help_without_subcommand(ctx: typer.Context) -> None:
    # A group named alone shows its help and exits 0 (click's no_args_is_help exits 2).
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


for _group, _name in (
    (scanners_app, "scanners"),
    (breakers_app, "breakers"),
    (snapshot_app, "snapshot"),
    (runs_app, "runs"),
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
