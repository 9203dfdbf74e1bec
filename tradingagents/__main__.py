"""``python -m tradingagents``: the same command line as ``tradingagents`` (discover by default)."""

from tradingagents.cli import entry

if __name__ == "__main__":
    entry()
