"""LangChain callbacks see the whole run tree: discover node, scanner chains, their tool calls."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager

from tests.helpers import BUILTINS, make_scanner, returning
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.tracing import callback_tracer

SECRET = "sk-planted-5ecret-9f8e7d"


class Recorder(BaseCallbackHandler):
    """Records every chain and tool event with its ids and a printable payload."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def _add(
        self, kind: str, event: str, run_id: UUID, parent: UUID | None, payload: Any, **kw: Any
    ) -> None:
        with self.lock:
            self.events.append(
                {
                    "run_id": run_id,
                    "parent": parent,
                    "name": kw.get("name"),
                    "type": kind,
                    "event": event,
                    "payload": payload,
                    "text": repr((payload, kw)),
                }
            )

    def on_chain_start(
        self,
        serialized: Any,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kw: Any,
    ) -> None:
        self._add("chain", "start", run_id, parent_run_id, (serialized, inputs), **kw)

    def on_chain_end(
        self, outputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        self._add("chain", "end", run_id, parent_run_id, outputs, **kw)

    def on_chain_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        self._add("chain", "error", run_id, parent_run_id, str(error), **kw)

    def on_tool_start(
        self,
        serialized: Any,
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kw: Any,
    ) -> None:
        self._add("tool", "start", run_id, parent_run_id, (serialized, input_str), **kw)

    def on_tool_end(
        self, output: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        self._add("tool", "end", run_id, parent_run_id, output, **kw)

    def on_tool_error(
        self, error: BaseException, *, run_id: UUID, parent_run_id: UUID | None = None, **kw: Any
    ) -> None:
        self._add("tool", "error", run_id, parent_run_id, str(error), **kw)

    # -- queries ------------------------------------------------------------------------------

    def starts(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind and e["event"] == "start"]

    def closing(self, run_id: UUID) -> list[dict[str, Any]]:
        return [e for e in self.events if e["run_id"] == run_id and e["event"] != "start"]

    def scanner_runs(self) -> dict[str, dict[str, Any]]:
        """Scanner chain runs (children of the discover node's run) by scanner name."""
        (discover,) = [e for e in self.starts("chain") if e["name"] == "discover"]
        runs = [e for e in self.starts("chain") if e["parent"] == discover["run_id"]]
        assert len(runs) == len({e["name"] for e in runs})
        return {e["name"]: e for e in runs}

    def tools_under(self, run_id: UUID) -> list[dict[str, Any]]:
        return [e for e in self.starts("tool") if e["parent"] == run_id]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_sample_run_is_one_tree_down_to_every_tool_call(mode: str) -> None:
    recorder = Recorder()
    graph = DiscoveryGraph().graph
    inputs: Any = {"trade_date": "2026-11-20"}
    config: Any = {"callbacks": [recorder]}
    if mode == "ainvoke":
        state = asyncio.run(graph.ainvoke(inputs, config=config))
    else:
        state = graph.invoke(inputs, config=config)
    scanners = recorder.scanner_runs()
    assert sorted(scanners) == BUILTINS
    logs = Counter(entry["scanner"] for entry in state["tool_logs"])
    assert sum(logs.values()) > 0
    for name, run in scanners.items():
        assert run["payload"][1]["scanner"] == name
        tools = recorder.tools_under(run["run_id"])
        assert len(tools) == logs[name], name
        assert [e["event"] for e in recorder.closing(run["run_id"])] == ["end"]
    # Every tool run is under a scanner run, and each one is closed exactly once.
    tool_runs = recorder.starts("tool")
    assert len(tool_runs) == len(state["tool_logs"])
    scanner_ids = {run["run_id"] for run in scanners.values()}
    assert {e["parent"] for e in tool_runs} <= scanner_ids
    for tool in tool_runs:
        assert [e["event"] for e in recorder.closing(tool["run_id"])] == ["end"]
    # Tool runs carry the tool names of the logs.
    assert Counter(e["name"] for e in tool_runs) == Counter(e["tool"] for e in state["tool_logs"])


def _leaky(ctx: ScanContext) -> list[Any]:
    ctx.log_tool_call(
        "quotes",
        {"url": f"https://api.example.com/q?symbol=F&apikey={SECRET}", "token": SECRET},
        output=f"echoed key {SECRET}",
    )
    try:
        with ctx.tool_call("profile", {"symbol": "F", "note": f"key {SECRET}"}) as call:
            call.output = f"profile for {SECRET}"
            raise ValueError(f"denied for key {SECRET}")
    except ValueError:
        pass
    return [{"ticker": "F", "priority": "high", "context": "fine"}]


def _raises_secret(ctx: ScanContext) -> list[Any]:
    raise ConnectionError(f"reset while sending apikey={SECRET}")


def test_a_planted_secret_reaches_no_callback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A secret-named variable makes the value known to redaction, as a real key would be.
    monkeypatch.setenv("PLANTED_API_KEY", SECRET)
    recorder = Recorder()
    scanners = [make_scanner("leaky", _leaky), make_scanner("raiser", _raises_secret)]
    state = DiscoveryGraph(None, scanners).run("2026-11-27", config={"callbacks": [recorder]})
    runs = recorder.scanner_runs()
    assert len(recorder.tools_under(runs["leaky"]["run_id"])) == 2 == len(state["tool_logs"])
    texts = [event["text"] for event in recorder.events]
    assert not [text for text in texts if SECRET in text]
    # The payloads did carry the (redacted) parameters, outputs and errors.
    assert sum("[REDACTED]" in text for text in texts) >= 4
    (error,) = recorder.closing(runs["raiser"]["run_id"])
    assert error["event"] == "error"
    assert error["payload"].startswith("error: ConnectionError: reset while sending apikey=")


def test_errors_timeouts_and_skips(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tradingagents")
    finished = threading.Event()

    def hung(ctx: ScanContext) -> list[Any]:
        try:
            with ctx.tool_call("slow_api", {"symbol": "F"}) as call:
                ctx.cancelled.wait(5)
                time.sleep(0.05)  # ends after the engine gave up on the scanner
                call.output = "late"
            ctx.log_tool_call("later_api", {"symbol": "F"}, output="later")
            return []
        finally:
            finished.set()

    def broken(ctx: ScanContext) -> list[Any]:
        with ctx.tool_call("feed", {"page": 1}):
            raise ConnectionError("upstream reset")

    scanners = [
        make_scanner("fine", returning("F")),
        make_scanner("broken", broken),
        make_scanner("hung", hung),
        make_scanner("off", returning("T")),
    ]
    config = {
        "discovery": {
            "scanners": {"hung": {"timeout_seconds": 0.3}, "off": {"enabled": False}},
        }
    }
    recorder = Recorder()
    state = DiscoveryGraph(config, scanners).run("2026-11-27", config={"callbacks": [recorder]})
    assert finished.wait(5)
    time.sleep(0.05)  # let the late tool call finish its logging
    runs = recorder.scanner_runs()
    assert sorted(runs) == ["broken", "fine", "hung", "off"]
    ends = {name: recorder.closing(run["run_id"]) for name, run in runs.items()}
    assert [e["event"] for e in ends["fine"]] == ["end"]
    (broken_end,) = ends["broken"]
    assert broken_end["event"] == "error"
    assert broken_end["payload"] == "error: ConnectionError: upstream reset"
    (hung_end,) = ends["hung"]
    assert hung_end["event"] == "error"
    assert hung_end["payload"].startswith("timeout: ScannerTimeout: no result within 0.3s")
    # Skipped: an ended run whose outputs say why.
    (off_end,) = ends["off"]
    assert off_end["event"] == "end"
    assert off_end["payload"]["status"] == "skipped"
    assert off_end["payload"]["reason"] == "disabled by discovery.scanners.off.enabled"
    # The failing call is a tool error under its scanner.
    (feed,) = recorder.tools_under(runs["broken"]["run_id"])
    (feed_end,) = recorder.closing(feed["run_id"])
    assert (feed_end["event"], feed_end["payload"]) == (
        "error",
        "ConnectionError: upstream reset",
    )
    # The call in flight at the timeout is closed with the scanner; its late end and the call
    # after it are neither traced nor logged, and nothing failed on the way.
    (slow,) = recorder.tools_under(runs["hung"]["run_id"])
    (slow_end,) = recorder.closing(slow["run_id"])
    assert (slow_end["event"], slow_end["payload"]) == (
        "error",
        "the scanner ended first (timeout)",
    )
    assert [e["tool"] for e in state["tool_logs"]] == ["feed"]
    assert not [r for r in caplog.records if "trac" in r.getMessage()]
    # Every run that started was closed exactly once.
    for start in recorder.starts("chain") + recorder.starts("tool"):
        assert len(recorder.closing(start["run_id"])) == 1, start["name"]


def test_no_callbacks_means_no_tracer() -> None:
    assert callback_tracer(None) is None
    assert callback_tracer({}) is None
    assert callback_tracer({"callbacks": []}) is None
    # What a graph node gets when the caller passed no callbacks: a manager with no handlers.
    assert callback_tracer({"callbacks": CallbackManager(handlers=[])}) is None
    assert callback_tracer({"callbacks": [Recorder()]}) is not None


@pytest.mark.parametrize(
    ("execution", "line"),
    [
        ({"max_workers": 4}, "Running 2 scanners concurrently (max 4 workers)..."),
        ({"concurrent": False}, "Running 2 scanners sequentially..."),
    ],
)
def test_the_engine_announces_the_run(
    engine_logs: pytest.LogCaptureFixture, execution: dict[str, Any], line: str
) -> None:
    scanners = [
        make_scanner("a", returning("F")),
        make_scanner("b", returning("T")),
        make_scanner("c", returning("X")),
    ]
    config = {"discovery": {"scanner_execution": execution, "scanners": {"c": {"enabled": False}}}}
    DiscoveryGraph(config, scanners).run("2026-11-27")
    engine = [r for r in engine_logs.records if r.name == "tradingagents.engine"]
    assert (engine[0].getMessage(), engine[0].levelno) == (line, logging.INFO)


class _BrokenTrace:
    """A third-party tracer whose every hook raises."""

    def start(self, inputs: Any) -> None:
        raise RuntimeError("start")

    def tool_start(self, tool: str, parameters: Any) -> object:
        raise RuntimeError("tool_start")

    def tool_end(self, handle: object, entry: Any) -> None:
        raise RuntimeError("tool_end")

    def end(self, outputs: Any) -> None:
        raise RuntimeError("end")

    def fail(self, message: str, outputs: Any) -> None:
        raise RuntimeError("fail")


class _BrokenTracer:
    def scanner(self, name: str, pipeline: str) -> _BrokenTrace:
        return _BrokenTrace()


def test_a_tracer_that_raises_never_breaks_a_scan(caplog: pytest.LogCaptureFixture) -> None:
    from datetime import date

    from tradingagents.engine import ExecutionPolicy, ScanJob, run_scanners

    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        with ctx.tool_call("quote", {"symbol": "AAPL"}) as call:
            call.output = "ok"
        ctx.log_tool_call("after", {})
        return returning("AAPL")(ctx)

    job = ScanJob(make_scanner("traced", scan)(), {"limit": None}, 5.0)
    [outcome] = run_scanners(
        [job], trade_date=date(2026, 11, 20), policy=ExecutionPolicy(), tracer=_BrokenTracer()
    )
    assert outcome.record["status"] == "ok"
    assert [log["tool"] for log in outcome.tool_logs] == ["quote", "after"]
    failed = [r for r in caplog.records if r.getMessage() == "scanner tracer failed"]
    assert len(failed) == 5  # start, tool_start, tool_end twice, end: each logged, none raised
