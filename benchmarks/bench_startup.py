"""Wall time of `tradingagents --help` and `tradingagents discover` on the sample, and top imports.

Run: python benchmarks/bench_startup.py [--runs 5]. Each figure is the median of --runs fresh
processes (the machine is noisy: read the spread too). The import table comes from one
`python -X importtime` run of each command: each module's own time, summed per top-level package.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

COMMANDS = {
    "--help": ["--help"],
    "discover (sample)": ["discover", "--out", "{tmp}"],
}


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tradingagents", *args],
        check=True,
        capture_output=True,
        env=env,
    )
    return time.perf_counter() - started


def top_imports(args: list[str], env: dict[str, str], n: int) -> list[tuple[str, float]]:
    """The distributions whose modules cost the most import time (their own time, summed)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tradingagents", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    cost: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():
            cost[name.strip().split(".")[0]] += int(own)
    return [(name, us / 1e6) for name, us in cost.most_common(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per command (default 5)")
    parser.add_argument("--top", type=int, default=8, help="packages in the import table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRADINGAGENTS_STATE_DIR": str(Path(tmp) / "state"), "COLUMNS": "100"}
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each")
        for label, template in COMMANDS.items():
            argv = [a.format(tmp=tmp) for a in template]
            timed(argv, env)  # warm the OS file cache and the bytecode, not counted
            times = sorted(timed(argv, env) for _ in range(args.runs))
            print(
                f"\n{label:<18} median {statistics.median(times):.2f} s "
                f"(min {times[0]:.2f}, max {times[-1]:.2f})"
            )
            for name, seconds in top_imports(argv, env, args.top):
                print(f"    {name:<24} {seconds:6.3f} s import")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
