"""Four real processes share one state directory's rate limit against a local counting server."""

from __future__ import annotations

import bisect
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PROCESSES = 4
PER_SECOND = 10
RUN_S = 2.0
REPO = Path(__file__).resolve().parents[2]

# Each worker: a limiter on the shared state dir, then requests until its deadline refuses a
# token. Grant times are CLOCK_MONOTONIC, which is one clock for every process on the machine.
WORKER = """
import json, sys, time, urllib.request
from pathlib import Path
from tradingagents.resilience.ratelimit import (
    ProviderRateLimiter, RateLimitPolicy, RateLimitWouldExceedDeadline,
)
state_dir, url, per_second, run_s = sys.argv[1:]
limiter = ProviderRateLimiter(
    "load", RateLimitPolicy(per_second=float(per_second)), state_dir=Path(state_dir)
)
print("ready", flush=True)
sys.stdin.readline()
deadline = time.monotonic() + float(run_s)
grants, refused = [], 0
while True:
    try:
        limiter.acquire(deadline)
    except RateLimitWouldExceedDeadline:
        refused += 1
        break
    grants.append(time.monotonic())
    with urllib.request.urlopen(url, timeout=5) as response:
        response.read()
limiter.close()
print(json.dumps({"grants": grants, "refused": refused}), flush=True)
"""


def max_in_window(times: list[float], window: float) -> int:
    """Most events in any half-open window [t, t + window) of the given length."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0
    )


def run_workers(state_dirs: list[Path], url: str) -> list[tuple[list[float], int]]:
    """One worker per state dir; returns each one's grant times and refusals."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(d), url, str(PER_SECOND), str(RUN_S)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for d in state_dirs
    ]
    try:
        for worker in workers:  # all imported and holding a limiter before any starts
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=60)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert [worker.returncode for worker in workers] == [0] * len(workers)
    results = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    return [([float(t) for t in r["grants"]], int(r["refused"])) for r in results]


@pytest.mark.slow
def test_four_processes_on_one_state_dir_never_exceed_the_per_second_limit(
    tmp_path: Path,
) -> None:
    arrivals: list[float] = []
    lock = threading.Lock()

    def count(request: Request) -> Response:
        with lock:
            arrivals.append(time.monotonic())
        return Response("ok")

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.expect_request("/quote").respond_with_handler(count)
    server.start()
    try:
        results = run_workers([tmp_path / "state"] * PROCESSES, server.url_for("/quote"))
    finally:
        server.stop()

    grants = [t for granted, _ in results for t in granted]
    busiest = max_in_window(arrivals, 1.0)
    print(
        f"\n{PROCESSES} processes: served={len(arrivals)} per process="
        f"{[len(granted) for granted, _ in results]} busiest 1 s window: server={busiest} "
        f"grants={max_in_window(grants, 1.0)}"
    )
    assert len(arrivals) == len(grants)
    assert busiest <= PER_SECOND
    assert max_in_window(grants, 1.0) <= PER_SECOND
    # One shared pace (about 19 in 2 s), not four (about 76); and every process took part.
    assert len(arrivals) <= RUN_S * PER_SECOND + PER_SECOND
    assert all(granted for granted, _ in results)
    assert [refused for _, refused in results] == [1] * PROCESSES
