"""Provider-wide pauses (Retry-After): the shared store, its handlers, clients on a fake clock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from tests.resilience.test_layers import OK, REQUEST, Limiter, Scripted, exchange
from tradingagents.clock import SYSTEM_CLOCK, FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.errors import ProviderError, ProviderHTTPError, ProviderRateLimited
from tradingagents.http import Request, Response
from tradingagents.providers.base import ProviderClient
from tradingagents.resilience.cache import ResponseCache
from tradingagents.resilience.guard import Resilience
from tradingagents.resilience.layers import Cached, PauseRecheck, ProviderPause, RateLimited
from tradingagents.resilience.metrics import RunMetrics
from tradingagents.resilience.pauses import DB_FILENAME, PauseBoard, ProviderPaused
from tradingagents.resilience.ratelimit import RateLimiterRegistry, RateLimitPolicy
from tradingagents.resilience.retry import RetryPolicy

MESSAGE = "yahoo asked us to wait 120 s (Retry-After); deadline in 8 s"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def board(tmp_path: Path, clock: FakeClock) -> Iterator[PauseBoard]:
    with PauseBoard(tmp_path, clock=clock) as pauses:
        yield pauses


def too_many(retry_after: str = "120", status: int = 429) -> ProviderHTTPError:
    """What raise_for_status makes of a 429 (or 503) with Retry-After."""
    client = Probe(Transport())
    try:
        client.raise_for_status(Response(status, b"slow down", {"Retry-After": retry_after}))
    except ProviderHTTPError as exc:
        return exc
    raise AssertionError("not an error status")


# -- the store ----------------------------------------------------------------------------------


def test_a_pause_lasts_until_its_end(board: PauseBoard, clock: FakeClock) -> None:
    board.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
    pause = board.current("yahoo", clock.now())
    assert pause is not None and pause.seconds_left(clock.now()) == 120.0
    assert pause.status == 429
    assert board.current("sec_edgar", clock.now()) is None
    clock.advance(119.9)
    assert board.current("yahoo", clock.now()) is not None
    clock.advance(0.1)
    assert board.current("yahoo", clock.now()) is None


def test_a_pause_is_only_lengthened(board: PauseBoard, clock: FakeClock) -> None:
    board.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
    board.pause("yahoo", clock.now() + timedelta(seconds=5), status=503)
    pause = board.current("yahoo", clock.now())
    assert pause is not None and (pause.seconds_left(clock.now()), pause.status) == (120.0, 429)


def test_two_boards_on_one_state_dir_share_the_pause(tmp_path: Path, clock: FakeClock) -> None:
    with PauseBoard(tmp_path, clock=clock) as one, PauseBoard(tmp_path, clock=clock) as other:
        one.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
        pause = other.current("yahoo", clock.now())
        assert pause is not None and pause.seconds_left(clock.now()) == 120.0
        other.pause("yahoo", clock.now() + timedelta(seconds=300), status=503)
        again = one.current("yahoo", clock.now())
        assert again is not None and again.seconds_left(clock.now()) == 300.0
    assert (tmp_path / DB_FILENAME).exists()


def test_a_pause_set_by_another_process_holds_this_one(tmp_path: Path) -> None:
    # Wall-clock time is what processes share: the child pauses on the system clock.
    code = textwrap.dedent(
        f"""
        from datetime import timedelta
        from pathlib import Path
        from tradingagents.clock import SYSTEM_CLOCK
        from tradingagents.resilience.pauses import PauseBoard
        with PauseBoard(Path({str(tmp_path)!r})) as board:
            board.pause("yahoo", SYSTEM_CLOCK.now() + timedelta(seconds=120), status=429)
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    with PauseBoard(tmp_path) as board:
        pause = board.current("yahoo", SYSTEM_CLOCK.now())
        assert pause is not None and 60 < pause.seconds_left(SYSTEM_CLOCK.now()) <= 120


def test_without_a_state_dir_a_board_is_its_own(clock: FakeClock) -> None:
    with PauseBoard(clock=clock) as one, PauseBoard(clock=clock) as other:
        one.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
        assert one.current("yahoo", clock.now()) is not None
        assert other.current("yahoo", clock.now()) is None


def test_a_corrupt_file_is_moved_aside(tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"not a database" * 100)
    with PauseBoard(tmp_path, clock=clock) as board:
        board.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
    assert [p.name for p in tmp_path.glob(f"{DB_FILENAME}.corrupt-*")]
    with PauseBoard(tmp_path, clock=clock) as again:
        assert again.current("yahoo", clock.now()) is not None


def test_an_unusable_file_keeps_the_pauses_in_memory(tmp_path: Path, clock: FakeClock) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the state directory should be")
    with PauseBoard(blocker / "state", clock=clock) as board:
        board.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
        assert board.current("yahoo", clock.now()) is not None


def test_a_corrupt_row_is_no_pause_and_is_dropped(board: PauseBoard, clock: FakeClock) -> None:
    board.pause("yahoo", clock.now() + timedelta(seconds=120), status=429)
    with sqlite3.connect(str(board.path)) as conn:
        conn.execute("UPDATE pauses SET until_us = 'soon'")
    with PauseBoard(board.path.parent if board.path else None, clock=clock) as other:
        assert other.current("yahoo", clock.now()) is None
        other.pause("yahoo", clock.now() + timedelta(seconds=5), status=429)
        assert other.current("yahoo", clock.now()) is not None


def test_a_pause_from_before_the_clock_stepped_back_is_ignored(
    board: PauseBoard, clock: FakeClock
) -> None:
    board.pause("yahoo", clock.now() + timedelta(hours=2), status=429)
    assert board.current("yahoo", clock.now()) is None


# -- the handlers -------------------------------------------------------------------------------


def test_a_pause_past_the_deadline_fails_at_once_and_sends_nothing(
    board: PauseBoard, clock: FakeClock
) -> None:
    board.pause("p", clock.now() + timedelta(seconds=120), status=429)
    inner, limiter = Scripted(OK), Limiter()
    handler = ProviderPause(RateLimited(inner, limiter), board, clock)
    with pytest.raises(ProviderPaused) as caught:
        handler.handle(exchange(clock, seconds=8.0))
    assert str(caught.value) == MESSAGE.replace("yahoo", "p")
    assert isinstance(caught.value, ProviderRateLimited) and not caught.value.retryable
    assert (inner.calls, limiter.deadlines, clock.sleeps) == (0, [], [])


def test_a_pause_within_the_deadline_is_waited_out_and_counted(
    board: PauseBoard, clock: FakeClock
) -> None:
    board.pause("p", clock.now() + timedelta(seconds=5), status=503)
    inner, call = Scripted(OK), exchange(clock, seconds=10.0)
    assert ProviderPause(inner, board, clock).handle(call) is OK
    assert (inner.calls, clock.sleeps, call.waited_rate_limit_s) == (1, [5.0], 5.0)


@pytest.mark.parametrize(("status", "header"), [(429, "120"), (503, "120")])
def test_an_answer_with_retry_after_pauses_the_provider(
    board: PauseBoard, clock: FakeClock, status: int, header: str
) -> None:
    with pytest.raises(ProviderHTTPError):
        ProviderPause(Scripted(too_many(header, status)), board, clock).handle(exchange(clock))
    pause = board.current("p", clock.now())
    assert pause is not None and (pause.seconds_left(clock.now()), pause.status) == (120, status)


@pytest.mark.parametrize(
    "error",
    [
        ProviderRateLimited("HTTP 429", status=429, provider="p"),  # no Retry-After
        ProviderHTTPError("HTTP 500", status=500, retry_after=30, provider="p"),
        ProviderError("reset", provider="p"),
    ],
    ids=["429-without-retry-after", "500", "not-http"],
)
def test_other_failures_pause_nothing(
    board: PauseBoard, clock: FakeClock, error: ProviderError
) -> None:
    with pytest.raises(ProviderError):
        ProviderPause(Scripted(error), board, clock).handle(exchange(clock))
    assert board.current("p", clock.now()) is None


def test_a_pause_begun_while_queued_is_waited_out_with_a_fresh_token(
    board: PauseBoard, clock: FakeClock
) -> None:
    class PausingLimiter(Limiter):
        """Another scanner's 429 arrives while this call waits for its first token."""

        def acquire(self, deadline: float) -> float:
            if not self.deadlines:
                board.pause("p", clock.now() + timedelta(seconds=5), status=429)
            return super().acquire(deadline)

    inner, limiter = Scripted(OK), PausingLimiter()
    handler = ProviderPause(RateLimited(PauseRecheck(inner, board, clock), limiter), board, clock)
    call = exchange(clock, seconds=10.0)
    assert handler.handle(call) is OK
    assert (inner.calls, len(limiter.deadlines), clock.sleeps) == (1, 2, [5.0])
    assert call.waited_rate_limit_s == 5.0


def test_a_stale_copy_is_served_while_paused(
    tmp_path: Path, board: PauseBoard, clock: FakeClock
) -> None:
    cache = ResponseCache(tmp_path / "cache.sqlite", ttls={"p:*": 60}, clock=clock)
    cache.put(REQUEST, OK)
    clock.advance(120)
    board.pause("p", clock.now() + timedelta(seconds=120), status=429)
    call = exchange(clock, seconds=8.0)
    try:
        assert Cached(ProviderPause(Scripted(), board, clock), cache).handle(call).body == OK.body
    finally:
        cache.close()
    assert call.cache == "stale"


# -- clients ------------------------------------------------------------------------------------


class Transport:
    """Answers from a script of (status, headers); records what it was sent."""

    def __init__(self, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers = list(answers)
        self.sent: list[Request] = []

    def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
        self.sent.append(request)
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        return Response(status=status, body=b"{}", headers=headers, url=request.url)


class Probe(ProviderClient):
    provider: ClassVar[str] = "yahoo"
    DEFAULT_BASE_URL: ClassVar[str] = "https://query1.example.test"

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport, base_url=self.DEFAULT_BASE_URL)


class OtherProbe(Probe):
    provider: ClassVar[str] = "sec_edgar"


class Services:
    def __init__(self) -> None:
        self.metrics = RunMetrics()


def context(seconds: float) -> ScanContext:
    return ScanContext(
        scanner="s",
        trade_date=FakeClock().now().date(),
        config={},
        deadline=time.monotonic() + seconds,
        services=Services(),
    )


def guard(clock: FakeClock, pauses: PauseBoard) -> Resilience:
    """Each client its own bundle (another hub, another graph), sharing only the pauses."""
    return Resilience(
        clock=clock,
        retry=RetryPolicy(max_attempts=3, initial_backoff_s=1.0, jitter_s=0.0),
        limiters=RateLimiterRegistry({"yahoo": RateLimitPolicy(per_second=5)}, clock=clock),
        pauses=pauses,
    )


def probe(
    kind: type[Probe], clock: FakeClock, pauses: PauseBoard, *answers: tuple[int, dict[str, str]]
) -> Probe:
    client = kind(Transport(*answers))
    client.resilience = guard(clock, pauses)
    return client


def sent(client: Probe) -> int:
    transport = client.transport
    assert isinstance(transport, Transport)
    return len(transport.sent)


def test_a_429_pauses_the_provider_for_other_clients_and_not_other_providers(
    tmp_path: Path, clock: FakeClock
) -> None:
    board, another = PauseBoard(tmp_path, clock=clock), PauseBoard(tmp_path, clock=clock)
    first = probe(Probe, clock, board, (429, {"Retry-After": "120"}))
    second, third = probe(Probe, clock, another), probe(OtherProbe, clock, another)
    with pytest.raises(ProviderRateLimited) as refused:
        first.get(context(30), "/v8/finance/chart/AAPL", tool="yahoo.chart")
    assert "HTTP 429 from https://query1.example.test/v8" in str(refused.value)
    assert str(refused.value).endswith("(Retry-After: 120 s)")
    assert sent(first) == 1  # 120 s is past the deadline: no retry, no 60 s capped wait

    ctx = context(8.9)  # a deadline 8.4 s away once the client's reporting margin is taken
    with pytest.raises(ProviderPaused) as paused:
        second.get(ctx, "/v8/finance/chart/MSFT", tool="yahoo.chart")
    assert str(paused.value).startswith("yahoo asked us to wait 120 s (Retry-After); deadline in 8")
    assert sent(second) == 0 and clock.sleeps == []
    [entry] = ctx._close()
    assert (entry["attempts"], entry["error"]) == (0, f"ProviderPaused: {paused.value}")

    third.get(context(8.9), "/cgi-bin/browse-edgar", tool="sec.browse")
    assert sent(third) == 1
    clock.advance(120)
    second.get(context(8.9), "/v8/finance/chart/MSFT", tool="yahoo.chart")
    assert sent(second) == 1
    board.close()
    another.close()


def test_retry_after_within_the_deadline_is_waited_once(tmp_path: Path, clock: FakeClock) -> None:
    with PauseBoard(tmp_path, clock=clock) as board:
        client = probe(Probe, clock, board, (429, {"Retry-After": "2"}))
        ctx = context(30)
        client.get(ctx, "/v8/finance/chart/AAPL", tool="yahoo.chart")
    [entry] = ctx._close()
    assert clock.sleeps == [2.0]  # the retry's wait; the pause was over when it ended
    assert (entry["waited_backoff_s"], entry["waited_rate_limit_s"]) == (2.0, 0.0)
    assert sent(client) == 2


def test_retry_after_beyond_the_retry_cap_is_honoured_in_full(
    tmp_path: Path, clock: FakeClock
) -> None:
    with PauseBoard(tmp_path, clock=clock) as board:
        client = probe(Probe, clock, board, (429, {"Retry-After": "100"}))
        ctx = context(200)
        client.get(ctx, "/v8/finance/chart/AAPL", tool="yahoo.chart")
    [entry] = ctx._close()
    # The retry waits its cap (60 s), the pause the rest: 100 s as asked, not 60, not 160.
    assert clock.sleeps == [60.0, 40.0]
    assert (entry["waited_backoff_s"], entry["waited_rate_limit_s"]) == (60.0, 40.0)


def test_a_pause_past_the_deadline_skips_the_capped_retry_wait(
    tmp_path: Path, clock: FakeClock
) -> None:
    with PauseBoard(tmp_path, clock=clock) as board:
        client = probe(Probe, clock, board, (429, {"Retry-After": "100"}))
        with pytest.raises(ProviderRateLimited):
            client.get(context(80), "/v8/finance/chart/AAPL", tool="yahoo.chart")
    # Not 60 s (the retry cap, within the deadline) only to be refused by the pause then.
    assert (clock.sleeps, sent(client)) == ([], 1)


def test_handler_stack_order(tmp_path: Path, clock: FakeClock) -> None:
    with PauseBoard(tmp_path, clock=clock) as board:
        client = probe(Probe, clock, board)
        handler = client.handler(client.build_request("/x"), clock)
        names = []
        layer: object = handler
        while layer is not None:
            names.append(type(layer).__name__)
            layer = getattr(layer, "inner", None)
    assert names == ["Retrying", "ProviderPause", "RateLimited", "PauseRecheck", "SendOnce"]


def test_a_503_with_retry_after_says_so_and_pauses_too(tmp_path: Path, clock: FakeClock) -> None:
    board = PauseBoard(tmp_path, clock=clock)
    first = probe(Probe, clock, board, (503, {"Retry-After": "90"}))
    with pytest.raises(ProviderError) as refused:
        first.get(context(30), "/v8/finance/chart/AAPL", tool="yahoo.chart")
    assert str(refused.value).endswith("(Retry-After: 90 s)")
    with pytest.raises(ProviderPaused):
        probe(Probe, clock, board).get(context(8.9), "/v8/finance/chart/MSFT", tool="yahoo.chart")
