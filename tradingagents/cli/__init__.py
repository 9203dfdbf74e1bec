"""The ``tradingagents`` command line (also ``python -m tradingagents``): discover by default."""

# Importing the command modules registers their commands on the app.
from tradingagents.cli import breakers, discover, evaluate, runs, scanners, snapshot  # noqa: F401
from tradingagents.cli.app import app
from tradingagents.cli.entry import entry, main

__all__ = ["app", "entry", "main"]
