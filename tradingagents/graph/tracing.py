"""LangChain callbacks for scanner runs: a chain run per scanner, a tool run per tool call."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any, ParamSpec, TypeVar

from langchain_core.callbacks.base import BaseCallbackManager
from langchain_core.callbacks.manager import (
    CallbackManager,
    CallbackManagerForChainRun,
    CallbackManagerForToolRun,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import get_callback_manager_for_config

from tradingagents.errors import TradingAgentsError

logger = logging.getLogger("tradingagents.graph")

_P = ParamSpec("_P")
_R = TypeVar("_R")


class ScannerRunFailed(TradingAgentsError):
    """What a scanner's chain run ends with in ``on_chain_error`` (error, timeout, cancel)."""


class ToolCallFailed(TradingAgentsError):
    """What a tool run ends with in ``on_tool_error``: the tool log's (redacted) error."""


class _ScannerTrace:
    """One scanner's chain run; thread-safe, and every call after it is closed is ignored.

    Its callers guard every call (:func:`tradingagents.discovery.tracing.traced`).
    """

    def __init__(self, manager: CallbackManager, name: str, pipeline: str) -> None:
        self._manager = manager
        self._name = name
        self._pipeline = pipeline
        # One lock per scanner: it orders this run's events, never blocks another scanner's.
        self._lock = threading.Lock()
        self._run: CallbackManagerForChainRun | None = None
        self._open_tools: dict[object, CallbackManagerForToolRun] = {}
        self._next_handle = 0
        self._closed = False

    def start(self, inputs: Mapping[str, Any]) -> None:
        with self._lock:
            if self._run is None and not self._closed:
                self._run = self._open(inputs)

    def _open(self, inputs: Mapping[str, Any]) -> CallbackManagerForChainRun:
        return self._manager.on_chain_start(
            None,
            dict(inputs),
            name=self._name,
        )

    def tool_start(self, tool: str, parameters: Mapping[str, Any]) -> object | None:
        with self._lock:
            if self._run is None or self._closed:
                return None
            handle = self._next_handle
            self._next_handle += 1
            self._open_tools[handle] = self._start_tool(self._run, tool, parameters)
            return handle

    def tool_end(self, handle: object | None, entry: Mapping[str, Any]) -> None:
        with self._lock:
            if self._run is None or self._closed:
                return
            if handle is None:
                tool = self._start_tool(self._run, entry["tool"], entry["parameters"])
            else:
                found = self._open_tools.pop(handle, None)
                if found is None:
                    return
                tool = found
            if entry.get("error"):
                tool.on_tool_error(ToolCallFailed(str(entry["error"])))
            else:
                tool.on_tool_end(dict(entry))

    @staticmethod
    def _start_tool(
        run: CallbackManagerForChainRun, tool: str, parameters: Mapping[str, Any]
    ) -> CallbackManagerForToolRun:
        params = dict(parameters)
        return run.get_child().on_tool_start(
            {"name": tool},
            json.dumps(params, default=str, sort_keys=True),
            name=tool,
            inputs=params,
        )

    def end(self, outputs: Mapping[str, Any]) -> None:
        with self._lock:
            run = self._close(outputs)
            if run is not None:
                run.on_chain_end(dict(outputs))

    def fail(self, message: str, outputs: Mapping[str, Any]) -> None:
        with self._lock:
            run = self._close(outputs)
            if run is not None:
                run.on_chain_error(ScannerRunFailed(message), outputs=dict(outputs))

    def _close(self, outputs: Mapping[str, Any]) -> CallbackManagerForChainRun | None:
        if self._closed:
            return None
        self._closed = True
        # A skipped scanner, or one that never started, still shows as a run of its own.
        if self._run is None:
            self._run = self._open({"scanner": self._name, "pipeline": self._pipeline})
        run = self._run
        # Calls still in flight end with the scanner: one finishing later is not traced.
        for tool in self._open_tools.values():
            status = outputs.get("status", "cancelled")
            tool.on_tool_error(ScannerRunFailed(f"the scanner ended first ({status})"))
        self._open_tools.clear()
        return run


class CallbackTracer:
    """A :class:`~tradingagents.discovery.tracing.RunTracer` reporting to LangChain callbacks."""

    def __init__(self, manager: CallbackManager) -> None:
        self._manager = manager

    def scanner(self, name: str, pipeline: str) -> _ScannerTrace:
        return _ScannerTrace(self._manager, name, pipeline)


def callback_tracer(config: RunnableConfig | None) -> CallbackTracer | None:
    """A tracer for the node's run when the config carries callback handlers, else None."""
    if not config or not config.get("callbacks"):
        return None
    manager = get_callback_manager_for_config(config)
    if isinstance(manager, BaseCallbackManager) and not manager.handlers:
        return None
    return CallbackTracer(manager)
