"""What the commands share: options, exit codes, consoles, flag parsing, settings loading."""

from __future__ import annotations

import calendar
import difflib
import logging
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

# Everything heavier than typer and rich (langgraph, pandas, matplotlib, exchange_calendars) is
# imported inside the command that needs it, so `--help` and typos answer at once.
if TYPE_CHECKING:
    from tradingagents.settings import Settings


@dataclass(frozen=True)
class RunMode:
    """How the command line was started, passed to commands as click's context object."""

    #: The process ends after the command (the console script), rather than a test or a
    #: caller's process running commands in turn with ``main()``.
    one_shot: bool = False


# Options several commands share.
CONTEXT = {"help_option_names": ["-h", "--help"]}
CONFIG_OPTION = typer.Option(
    # Escaped: rich would read the table names as markup and drop them.
    "--config",
    help=r"TOML file with \[discovery...] and \[credentials] tables.",
)
ONLY_OPTION = typer.Option(help="Only these scanners (comma-separated).")
SKIP_OPTION = typer.Option(help="Leave these scanners out (comma-separated).")
RUN_OUT_OPTION = typer.Option(
    help="Root directory of the run files (DIR/discovery/DATE/run_HH_MM_SS/)."
)
JSON_OPTION = typer.Option("--json", help="Print the final state as JSON on stdout, only that.")

# Exit codes: 0 done (even if some scanners failed); 1 no scanner ran ok, or the run files could
# not be written; 2 bad usage or configuration, found before any scanner runs (like click's own).
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

STATUS_STYLE = {
    "queued": "dim",
    "running": "cyan",
    "ok": "green",
    "timeout": "yellow",
    "error": "red",
    "skipped": "dim",
    "circuit_open": "magenta",
}


def stderr() -> Console:
    # Created per command so that tests capturing sys.stderr see the output.
    return Console(stderr=True, highlight=False)


def stdout() -> Console:
    return Console(highlight=False)


def fail(message: str) -> typer.Exit:
    # Messages can quote a config value or a server's answer: no key reaches the terminal.
    from tradingagents.redaction import known_secrets, redact_text  # noqa: PLC0415

    typer.echo(f"error: {redact_text(message, known_secrets())}", err=True)
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


def load_cli_settings(
    config_file: Path | None,
    overrides: Mapping[str, Any] | None = None,
    base: tuple[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Defaults < ``base`` (a named layer) < config file < environment < flags; a bad layer
    is exit code 2."""
    from tradingagents.errors import ConfigError  # noqa: PLC0415
    from tradingagents.settings import load_settings  # noqa: PLC0415

    if config_file is not None and not config_file.is_file():
        what = "is a directory" if config_file.is_dir() else "does not exist"
        raise fail(f"--config {config_file} {what}")
    try:
        settings = load_settings(config_file, overrides=overrides, flag_names=FLAG_NAMES, base=base)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    for warning in settings.warnings:
        stderr().print(f"warning: {escape(warning)}")
    return settings


def check_snapshot_dir(snapshot: str | None) -> None:
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
        raise fail(f"--out {out} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        # A real write: permission bits say nothing for root, nor for a read-only mount.
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise fail(f"--out {out} cannot be written: {exc.strerror or exc}") from None


def configure_logging() -> None:
    from tradingagents.redaction import RedactingFilter  # noqa: PLC0415

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    # On the handler, not a logger: records propagated from any library's logger pass here.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    # The engine logs each scanner's outcome; the command shows them in its own table and
    # summary, so the log would say everything twice.
    logging.getLogger("tradingagents.engine").setLevel(logging.ERROR)


# -- discover --------------------------------------------------------------------------------
