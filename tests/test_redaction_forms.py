"""Every form of a secret (raw, URL-encoded, base64, escaped) is kept out of the state, a SQLite
checkpoint, the breakers, the run files and ``discover --json`` (issue 12)."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import string
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from typer.testing import CliRunner

from tests.helpers import make_scanner
from tradingagents import redaction
from tradingagents.cli import app
from tradingagents.clock import FakeClock
from tradingagents.discovery import ScanContext
from tradingagents.discovery.registry import Registry
from tradingagents.errors import ScannerSkipped
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.http import Request, Response
from tradingagents.redaction import (
    REDACTED,
    contains_secret,
    redact_bytes,
    redact_text,
    register_secret,
    scrub,
    secret_forms,
)
from tradingagents.replay import RecordingTransport
from tradingagents.reports import write_run_artifacts
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy
from tradingagents.resilience.cache import ResponseCache

SAMPLE_DATE = "2026-11-20"
# What URLs, base64 and JSON treat specially, and a letter JSON escapes.
SPECIAL = "+/=&%\"\\' ?#:;,@<>é"
ALPHABET = string.ascii_letters + string.digits + SPECIAL


@st.composite
def secrets(draw: st.DrawFn) -> str:
    """A secret with at least one special character; the prefix keeps its forms from ever
    being a word the state holds anyway (a key name, a status)."""
    body = draw(st.text(alphabet=ALPHABET, min_size=4, max_size=28))
    return "Sk" + body + draw(st.sampled_from(SPECIAL))


def lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), text)


def encodings(secret: str) -> list[str]:
    """Every spelling the issue names, derived here independently of the module under test."""
    data = secret.encode()
    b64 = base64.b64encode(data).decode()
    urlsafe = base64.urlsafe_b64encode(data).decode()
    basic = base64.b64encode(b"user:" + data).decode()
    start, end = -(-8 * 5 // 6), 8 * (5 + len(data)) // 6  # its own bits inside "user:..."
    forms = [
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        lower_hex(quote(secret, safe="")),
        b64,
        b64.rstrip("="),
        urlsafe,
        urlsafe.rstrip("="),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        basic,
        basic[start:end],
    ]
    return list(dict.fromkeys(forms))


@contextmanager
def registry_restored() -> Iterator[None]:
    """What the block registers (a credential, a token) is forgotten after it."""
    saved = set(redaction._registered)
    try:
        yield
    finally:
        redaction._registered.clear()
        redaction._registered.update(saved)


def leaky_scanners(forms: Sequence[str]) -> list[Any]:
    """Scanners that put every form into a candidate, tool logs, a warning, a rejected
    candidate, an error and a skip reason."""
    text = " | ".join(forms)

    def leaky(ctx: ScanContext) -> list[dict[str, Any]]:
        ctx.log_tool_call(
            "echo",
            {"q": forms[0], "forms": list(forms)},
            output={"body": text},
            error=f"partial answer: {text}",
            details={"echoed": text},
        )
        with ctx.tool_call("fetch", {"url": f"https://api.test/q?key={forms[1]}"}) as call:
            call.output = text.encode()
        ctx.warn(f"page 2 failed: {text}")
        return [
            {
                "ticker": "F",
                "priority": "high",
                "context": f"echoed {text}",
                "echo": list(forms),
                "nested": {"why": text},
                "signal": 0.5,
            },
            # "!" keeps it a bad ticker whatever the secret ("SkqxDX " alone normalises to one).
            {"ticker": forms[0] + "!", "priority": "low", "context": "a bad ticker"},
        ]

    def failing(ctx: ScanContext) -> list[dict[str, Any]]:
        with ctx.tool_call("fetch", {"q": text}):
            raise RuntimeError(f"HTTP 401 for {text}")

    def skipping(ctx: ScanContext) -> list[dict[str, Any]]:
        raise ScannerSkipped(f"quota notice: {text}")

    return [
        make_scanner("leaky", leaky),
        make_scanner("failing", failing),
        make_scanner("skipping", skipping),
    ]


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings(item)
    elif value is not None:
        yield str(value)


def assert_clean(where: str, data: str | bytes, forms: Sequence[str]) -> None:
    for form in forms:
        if isinstance(data, bytes):
            assert form.encode() not in data, f"{form!r} in {where}"
        else:
            assert form not in data, f"{form!r} in {where}"


def files_under(*roots: Path) -> list[Path]:
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def stub_chart(scanner_runs: Sequence[Mapping[str, Any]], path: Path, *, title: str = "") -> None:
    path.write_bytes(json.dumps({"title": title, "runs": list(scanner_runs)}, default=str).encode())


@settings(max_examples=25, deadline=None)
@given(secret=secrets())
def test_no_form_of_a_secret_reaches_the_state_a_checkpoint_the_breakers_or_run_files(
    secret: str,
) -> None:
    forms = encodings(secret)
    config: RunnableConfig = {"configurable": {"thread_id": "leak-check"}}
    with registry_restored(), tempfile.TemporaryDirectory() as tmp:
        register_secret(secret)
        root = Path(tmp)
        breakers = BreakerBoard(root / "breakers.sqlite", BreakerPolicy(), clock=FakeClock())
        with closing(sqlite3.connect(root / "checkpoints.sqlite", check_same_thread=False)) as conn:
            saver = SqliteSaver(conn)
            with DiscoveryGraph(
                None, leaky_scanners(forms), checkpointer=saver, breakers=breakers
            ) as dg:
                state = dg.run(SAMPLE_DATE, config=config)
                history = list(dg.graph.get_state_history(config))
        last_error = breakers.status("failing").last_error
        breakers.close()
        assert last_error is not None and REDACTED in last_error
        write_run_artifacts(state, root / "run", chart=stub_chart)

        runs = {run["name"]: run for run in state["scanner_runs"]}
        assert [runs[n]["status"] for n in ("leaky", "failing", "skipping")] == [
            "ok",
            "error",
            "skipped",
        ]
        # What was planted arrived, scrubbed: the test cannot pass by dropping it.
        (candidate,) = state["candidates"]
        assert REDACTED in candidate["context"] and candidate["signal"] == 0.5
        assert len(state["tool_logs"]) == 3 and runs["leaky"]["rejected"]
        assert REDACTED in runs["failing"]["error"]["message"]
        for text in strings(state):
            assert_clean("the final state", text, forms)
        assert_clean("the final state as JSON", json.dumps(state, default=str), forms)
        for snapshot in history:
            for text in strings(snapshot.values):
                assert_clean("a checkpoint", text, forms)
        written = files_under(root)
        assert {p.name for p in written} >= {
            "checkpoints.sqlite",
            "breakers.sqlite",
            "discovery_result.json",
            "tool_execution_logs.json",
            "tool_execution_logs.md",
        }
        for path in written:
            assert_clean(str(path.relative_to(root)), path.read_bytes(), forms)


class NoChart:
    """ChartProcess that draws nothing: the test is about text, not drawing."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> NoChart:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    render = staticmethod(stub_chart)


@settings(
    max_examples=8,
    deadline=None,
    # The fixture only installs the scanners and the chart stub, the same for every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(secret=secrets())
def test_no_form_of_a_key_in_the_environment_reaches_discover_json_or_its_files(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forms = encodings(secret)
    registry = Registry(tuple(leaky_scanners(forms)))
    monkeypatch.setattr("tradingagents.graph.discovery_graph.load_registry", lambda: registry)
    monkeypatch.setattr("tradingagents.reports.chart_process.ChartProcess", NoChart)
    with tempfile.TemporaryDirectory() as tmp:
        out, state_dir = Path(tmp) / "results", Path(tmp) / "state"
        env = {"TRADINGAGENTS_FINNHUB_API_KEY": secret, "TRADINGAGENTS_STATE_DIR": str(state_dir)}
        with registry_restored():  # the key is known from the environment only
            result = CliRunner().invoke(
                app, ["discover", "--json", "--out", str(out)], env={"COLUMNS": "200", **env}
            )
        assert result.exit_code == 0, result.stderr
        state = json.loads(result.stdout)
        (candidate,) = state["candidates"]
        assert REDACTED in candidate["context"]
        assert_clean("stdout", result.stdout, forms)
        assert_clean("stderr", result.stderr, forms)
        written = files_under(out, state_dir)
        assert {p.name for p in written} >= {"discovery_result.json", "history.sqlite"}
        for path in written:
            assert_clean(str(path), path.read_bytes(), forms)


# -- the forms, one at a time -------------------------------------------------------------------


KEY = 'k3y+/="&%é\\ x'


@pytest.mark.parametrize("form", encodings(KEY))
def test_each_form_is_scrubbed_from_text_and_bytes(form: str) -> None:
    text = f"before {form} after"
    for clean in (redact_text(text, {KEY}), redact_bytes(text.encode(), {KEY}).decode()):
        assert form not in clean and REDACTED in clean
        # All of it, or (Basic auth's base64 of "user:key") all but the bits of other text.
        assert clean.startswith("before ") and clean.endswith(" after")
        assert len(clean) <= len(f"before {REDACTED} after") + len("dXNlcjp") + len("A==")
    assert contains_secret(text, {KEY}) and contains_secret(text.encode(), {KEY})


def test_any_mix_of_escaped_characters_is_scrubbed() -> None:
    # An encoder with its own safe set (httpx leaves "/", "=", "+" and "&" in a query as they are).
    partly = quote(KEY, safe="/=+&").replace("%C3%A9", "%c3%a9")
    assert redact_text(f"q={partly}&symbol=F", {KEY}) == f"q={REDACTED}&symbol=F"
    # Form encoding escapes "~" and leaves "*"; Python's quote does the opposite.
    assert redact_text("k=ab%7ecd*ef", {"ab~cd*ef"}) == f"k={REDACTED}"


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc", '{"token": "'])
def test_base64_of_a_longer_text_loses_the_secrets_part(prefix: str) -> None:
    blob = base64.b64encode(f"{prefix}{KEY} and more".encode()).decode()
    clean = redact_text(blob, {KEY})
    assert REDACTED in clean
    assert len(clean) - len(REDACTED) <= len(blob) - len(KEY) * 4 // 3 + 2


def test_forms_are_at_least_as_long_as_the_shortest_secret() -> None:
    assert all(len(form) >= 6 for form in secret_forms("abcdef"))
    assert redact_text("abcde and YWJjZGU=", {"abcde"}) == "abcde and YWJjZGU="


def test_plain_text_and_unrelated_base64_are_left_alone() -> None:
    text = "volume up 300% on news; Zm9vYmFy=; a+b=c & d/e"
    assert redact_text(text, {KEY}) == text
    assert not contains_secret(text.encode(), {KEY})


def test_scrub_changes_text_only_and_returns_the_same_object_when_clean() -> None:
    clean = {"token_symbol": "ETH", "auth_score": 0.5, "rows": ("a", "b")}
    assert scrub(clean, {KEY}) is clean
    dirty = {"token_symbol": "ETH", "auth_score": 0.5, "note": quote_plus(KEY), "raw": b"x" + b"y"}
    assert scrub(dirty, {KEY}) == {
        "token_symbol": "ETH",
        "auth_score": 0.5,
        "note": REDACTED,
        "raw": b"xy",
    }


def test_matching_stays_linear_for_secrets_made_of_escapable_characters() -> None:
    hostile = frozenset({"%" * 40, " " * 40, "\\" * 40, "%25" * 13 + "x"})
    text = ("%25" * 39 + "%2") * 500 + ("+" * 39 + "x") * 500 + "\\" * 20_000
    started = time.perf_counter()
    redact_text(text, hostile)
    redact_bytes(text.encode(), hostile)
    assert time.perf_counter() - started < 2.0


# -- where bodies are kept ----------------------------------------------------------------------


def echo_request() -> Request:
    return Request(
        provider="finnhub",
        url="https://finnhub.test/api/v1/calendar/earnings",
        params={"from": "2026-11-20"},
        secret_params={"token": KEY},
    )


def echoed(form: str) -> bytes:
    """An answer quoting the request with the form as it is (JSON-escaping it would double
    the escapes of the JSON-escaped one)."""
    return b'{"echo": "/api?token=' + form.encode() + b'"}'


@pytest.mark.parametrize("form", encodings(KEY))
def test_the_cache_refuses_a_body_echoing_any_form(form: str, tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite", ttls={"finnhub:*": 60}, clock=FakeClock())
    cache.put(echo_request(), Response(status=200, body=echoed(form)))
    assert cache.get(echo_request()) is None
    cache.close()


@pytest.mark.parametrize("form", encodings(KEY))
def test_a_recorded_snapshot_holds_no_form(form: str, tmp_path: Path) -> None:
    class Echo:
        def send(self, request: Request, *, timeout: float, max_bytes: int) -> Response:
            headers = {"Content-Type": "application/json"}
            return Response(200, echoed(form), headers, request.public_url())

    recorder = RecordingTransport(Echo(), tmp_path)
    recorder.send(echo_request(), timeout=5, max_bytes=10_000)
    [entry] = recorder.entries
    written = (tmp_path / entry.file).read_bytes()
    assert REDACTED.encode() in written
    assert_clean(entry.file, written, encodings(KEY))
