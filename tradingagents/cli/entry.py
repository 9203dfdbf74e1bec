"""Running the command line: in this process (``main``) or as the console script (``entry``)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from tradingagents.cli.app import app
from tradingagents.cli.common import EXIT_FAILED, EXIT_OK, RunMode


def main(argv: Sequence[str] | None = None, *, one_shot: bool = False) -> None:
    """Run the command line in this process; raises ``SystemExit`` with the exit code.

    ``one_shot``: the process ends after this command (the console script), so work that
    only pays off in a fresh process (the chart's helper process) is worth starting.
    """
    args = list(argv) if argv is not None else None
    app(args=args, prog_name="tradingagents", obj=RunMode(one_shot=one_shot))


def entry() -> NoReturn:
    """The console script and ``python -m tradingagents``: run, then end the process at once."""
    try:
        main(one_shot=True)
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
