"""chat_model_from_config: the llm_rank model named in config, built by init_chat_model."""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr, ValidationError
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from tradingagents import redaction
from tradingagents.cli import app
from tradingagents.config import LlmRankConfig, load_config
from tradingagents.errors import ConfigError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.llm_factory import PROVIDER_PACKAGES, chat_model_from_config
from tradingagents.graph.llm_rank import SYSTEM_PROMPT
from tradingagents.redaction import REDACTED

KEY = "sk-test-PLANTED-123456"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy may take the loopback calls, no user key or endpoint may stand in for the test's,
    and no secret registered by an earlier test may hide a missing registration."""
    for name in (*PROXY_VARIABLES, *(v.lower() for v in PROXY_VARIABLES)):
        monkeypatch.delenv(name, raising=False)
    for name in ("OPENAI_API_KEY", "OPENAI_ADMIN_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(redaction, "_registered", set())


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    """An OpenAI-compatible endpoint on 127.0.0.1 (pytest-socket allows nothing else)."""
    httpd = HTTPServer(host="127.0.0.1", port=0)
    httpd.start()
    yield httpd
    httpd.clear()
    if httpd.is_running():
        httpd.stop()


@pytest.fixture
def openai_server(server: HTTPServer) -> Iterator[HTTPServer]:
    server.clear()
    yield server
    server.clear()


def llm_config(**llm_rank: Any) -> dict[str, Any]:
    return {"discovery": {"llm_rank": llm_rank}}


def openai_config(server: HTTPServer, **extra: Any) -> dict[str, Any]:
    return llm_config(provider="openai", model="gpt-test", base_url=server.url_for("/v1"), **extra)


def completion(content: str) -> dict[str, Any]:
    """A chat.completion as the OpenAI API returns it."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "gpt-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


def run_graph(config: dict[str, Any], **factory: Any) -> dict[str, Any]:
    """What a user does: load the config, build its model, hand it to the graph, run."""
    cfg = load_config(config)
    graph = DiscoveryGraph(cfg, llm=chat_model_from_config(cfg.llm_rank, api_key=KEY, **factory))
    try:
        return graph.run()
    finally:
        graph.close()


@pytest.fixture(scope="module")
def baseline() -> list[dict[str, Any]]:
    """The deterministic ranking of the bundled sample snapshot."""
    graph = DiscoveryGraph(None)
    try:
        ranked: list[dict[str, Any]] = graph.run()["ranked_candidates"]
    finally:
        graph.close()
    return ranked


def tickers(candidates: list[dict[str, Any]]) -> list[str]:
    return [c["ticker"] for c in candidates]


def test_a_model_named_in_config_reranks_the_sample_through_a_real_openai_client(
    openai_server: HTTPServer, baseline: list[dict[str, Any]]
) -> None:
    order = tickers(baseline)
    last, second = order[-1], order[1]
    ranking = {
        "ranking": [
            {"ticker": second, "score": 0.7, "confidence": 0.5, "reason": "steady"},
            {"ticker": last, "score": 0.95, "confidence": 0.8, "reason": "fresh catalyst"},
        ]
    }
    openai_server.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        completion(json.dumps(ranking))
    )

    state = run_graph(openai_config(openai_server))

    assert state["llm_rank"]["used"] is True, state["llm_rank"]
    assert state["llm_rank"]["model"] == "ChatOpenAI:gpt-test"
    assert state["llm_rank"]["fallback_reason"] is None
    expected = [last, second, *(t for t in order if t not in (last, second))]
    assert tickers(state["ranked_candidates"]) == expected
    assert state["ranked_candidates"][0]["llm_reason"] == "fresh catalyst"
    assert state["ranked_candidates"][0]["deterministic_rank"] == len(order)

    assert len(openai_server.log) == 1
    request, response = openai_server.log[0]
    assert response.status_code == 200
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    body = request.get_json()
    assert body["model"] == "gpt-test"
    assert "temperature" not in body  # unset: the provider's default, which every model takes
    system, human = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert human["role"] == "user"
    for ticker in order:
        assert f'"ticker": "{ticker}"' in human["content"]
    assert state["llm_rank"]["prompt_chars"] == len(SYSTEM_PROMPT) + len(human["content"])

    assert KEY not in json.dumps(state, default=str)
    assert KEY in redaction.known_secrets()


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        # langchain-openai names its own wrapper of the openai client's error.
        (500, "upstream exploded", r"model error: \w+: Error code: 500"),
        (200, json.dumps(completion("AAPL looks best to me.")), "invalid JSON: no JSON object"),
        (200, json.dumps(completion('{"ranking": [{"ticker": "DVN"')), "invalid JSON: "),
        (
            200,
            json.dumps(
                completion(
                    '{"ranking": [{"ticker": "ZZZZ", "score": 1, "confidence": 1, "reason": "x"}]}'
                )
            ),
            "invalid output: .*unknown ticker 'ZZZZ'",
        ),
    ],
)
def test_a_failing_server_or_a_bad_answer_keeps_the_deterministic_ranking(
    openai_server: HTTPServer,
    baseline: list[dict[str, Any]],
    status: int,
    body: str,
    reason: str,
) -> None:
    openai_server.expect_request("/v1/chat/completions", method="POST").respond_with_data(
        body, status=status, content_type="application/json"
    )

    state = run_graph(openai_config(openai_server), max_retries=0)

    info = state["llm_rank"]
    assert info["used"] is False
    assert re.match(reason, info["fallback_reason"]), info["fallback_reason"]
    assert state["ranked_candidates"] == baseline
    # max_retries=0 reached the client: a 500 is asked once, not three times.
    assert len(openai_server.log) == 1


def test_a_key_the_provider_echoes_back_is_redacted_from_the_fallback_reason(
    openai_server: HTTPServer, baseline: list[dict[str, Any]]
) -> None:
    # Not a secret-named variable nor a bearer header: only its registration can redact it.
    error = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}.",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    openai_server.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        error, status=401
    )

    state = run_graph(openai_config(openai_server), max_retries=0)

    reason = state["llm_rank"]["fallback_reason"]
    assert re.match(r"model error: \w*AuthenticationError: Error code: 401", reason), reason
    assert f"Incorrect API key provided: {REDACTED}" in reason
    assert KEY not in json.dumps(state, default=str)
    assert state["ranked_candidates"] == baseline


def test_the_config_reaches_the_provider_class() -> None:
    cfg = load_config(
        llm_config(
            provider="OpenAI",
            model="gpt-test",
            base_url="http://127.0.0.1:9/v1",
            temperature=0.3,
            timeout_seconds=12.5,
        )
    ).llm_rank
    model = chat_model_from_config(cfg, api_key=KEY, max_retries=1)
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "gpt-test"
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.temperature == 0.3
    assert model.request_timeout == 12.5
    assert model.max_retries == 1
    assert isinstance(model.openai_api_key, SecretStr)
    assert model.openai_api_key.get_secret_value() == KEY


def test_only_the_settings_that_are_set_are_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    built = object()

    def fake_init_chat_model(model: str, **kwargs: Any) -> Any:
        calls.append((model, kwargs))
        return built

    monkeypatch.setattr("langchain.chat_models.init_chat_model", fake_init_chat_model)
    cfg = load_config(llm_config(provider="azure-openai", model="m", temperature=None)).llm_rank
    assert chat_model_from_config(cfg) is built
    assert calls == [("m", {"model_provider": "azure_openai", "timeout": 60.0})]


def test_no_provider_and_no_model_means_no_model() -> None:
    assert chat_model_from_config(load_config(None).llm_rank) is None
    assert chat_model_from_config(LlmRankConfig(base_url="http://127.0.0.1:9/v1")) is None


@pytest.mark.parametrize(
    ("settings", "path", "expected"),
    [
        (
            {"provider": "openai"},
            "discovery.llm_rank.model",
            "expected a model name for provider 'openai'",
        ),
        ({"model": "gpt-test"}, "discovery.llm_rank.provider", "expected one of anthropic,"),
        # Not in our table: langchain itself is asked (a newer one may know it), and says no.
        ({"provider": "openia", "model": "gpt-test"}, "discovery.llm_rank", "openia"),
    ],
)
def test_a_half_set_or_unknown_provider_is_a_config_error(
    settings: dict[str, Any], path: str, expected: str
) -> None:
    cfg = load_config(llm_config(**settings)).llm_rank
    with pytest.raises(ConfigError) as caught:
        chat_model_from_config(cfg, api_key=KEY)
    [problem] = caught.value.problems
    assert problem.path == path
    assert expected in problem.message
    if not path.endswith("model"):
        for name in ("openai", "anthropic", "ollama", "google_genai"):
            assert name in problem.message
    assert KEY not in str(caught.value)


def _forget_imported_providers() -> None:
    # langchain caches each provider's class once imported; a cached one would hide the
    # missing module this test simulates.
    creator = getattr(
        importlib.import_module("langchain.chat_models.base"), "_get_chat_model_creator", None
    )
    if creator is not None and hasattr(creator, "cache_clear"):
        creator.cache_clear()


@pytest.mark.parametrize(
    ("provider", "module", "command"),
    [
        (
            "anthropic",
            "langchain_anthropic",
            'pip install "tradingagents[llm]" langchain-anthropic',
        ),
        ("openai", "langchain_openai", 'pip install "tradingagents[llm]" langchain-openai'),
    ],
)
def test_a_missing_provider_package_names_the_pip_command(
    monkeypatch: pytest.MonkeyPatch, provider: str, module: str, command: str
) -> None:
    _forget_imported_providers()
    monkeypatch.setitem(sys.modules, module, None)
    cfg = load_config(llm_config(provider=provider, model="some-model")).llm_rank
    with pytest.raises(ConfigError) as caught:
        chat_model_from_config(cfg, api_key=KEY)
    [problem] = caught.value.problems
    assert problem.path == "discovery.llm_rank.provider"
    assert problem.message.endswith(f"run: {command}")
    assert module in problem.message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True
    assert KEY not in str(caught.value)


def test_missing_langchain_names_the_llm_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain", None)
    monkeypatch.setitem(sys.modules, "langchain.chat_models", None)
    cfg = load_config(llm_config(provider="bedrock_mantle_openai", model="m")).llm_rank
    with pytest.raises(ConfigError) as caught:
        chat_model_from_config(cfg)
    [problem] = caught.value.problems
    assert problem.path == "discovery.llm_rank.provider"
    assert problem.message.endswith('run: pip install "tradingagents[llm]" "langchain-aws[openai]"')
    assert "langchain, which is not installed" in problem.message


def test_a_missing_api_key_is_a_config_error() -> None:
    cfg = load_config(llm_config(provider="openai", model="gpt-test")).llm_rank
    with pytest.raises(ConfigError) as caught:
        chat_model_from_config(cfg)
    [problem] = caught.value.problems
    assert problem.path == "discovery.llm_rank"
    assert problem.message.startswith(
        "could not build the openai chat model 'gpt-test': OpenAIError"
    )
    assert "OPENAI_API_KEY" in problem.message


class _StrictKey(BaseModel):
    api_key: int


def _validation_error(key: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _StrictKey.model_validate({"api_key": key})
    assert key[:12] in str(caught.value)  # what str(exc) would have shown
    return caught.value


@pytest.mark.parametrize(
    "error",
    [
        # A message quoting the key whole.
        lambda key: ValueError(f"key {key} was rejected"),
        # Pydantic's own message shows the input cut in the middle: neither half matches the key.
        _validation_error,
    ],
)
def test_the_api_key_never_appears_in_a_construction_error(
    monkeypatch: pytest.MonkeyPatch, error: Any
) -> None:
    key = "sk-proj-" + "Zq81x0Lk55mNbV2a" * 8

    def failing_init_chat_model(model: str, **kwargs: Any) -> Any:
        raise error(kwargs["api_key"])

    monkeypatch.setattr("langchain.chat_models.init_chat_model", failing_init_chat_model)
    cfg = load_config(llm_config(provider="openai", model="gpt-test")).llm_rank
    with pytest.raises(ConfigError) as caught:
        chat_model_from_config(cfg, api_key=key)
    message = str(caught.value)
    assert message.startswith("invalid configuration:\n  discovery.llm_rank: could not build")
    assert key[:12] not in message
    assert key[-12:] not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True
    assert key in redaction.known_secrets()


def test_validation_errors_name_the_field_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing_init_chat_model(model: str, **kwargs: Any) -> Any:
        raise _validation_error(kwargs["api_key"])

    monkeypatch.setattr("langchain.chat_models.init_chat_model", failing_init_chat_model)
    cfg = load_config(llm_config(provider="openai", model="gpt-test")).llm_rank
    with pytest.raises(ConfigError) as caught:
        chat_model_from_config(cfg, api_key=KEY)
    assert str(caught.value).endswith(
        "could not build the openai chat model 'gpt-test': _StrictKey: "
        "Input should be a valid integer, unable to parse string as an integer (at api_key)"
    )


def test_the_provider_table_agrees_with_the_installed_langchain() -> None:
    # A private table of langchain's: a newer langchain may add providers (ours then lacks
    # only the pip hint for them), but every provider we name must exist, with its package.
    builtin = importlib.import_module("langchain.chat_models.base")._BUILTIN_PROVIDERS
    assert set(PROVIDER_PACKAGES) <= set(builtin)
    for provider, package in PROVIDER_PACKAGES.items():
        module = builtin[provider][0]
        assert package.split("[")[0] == module.split(".")[0].replace("_", "-"), provider


def test_the_cli_builds_the_model_named_in_its_config_file(
    openai_server: HTTPServer, baseline: list[dict[str, Any]], tmp_path: Path
) -> None:
    """No code at all: a TOML file names the provider and model, the key is in its
    [credentials]; the run is re-ranked and the key is in no output or run file."""
    first = tickers(baseline)[-1]
    answer = {"ranking": [{"ticker": first, "score": 0.9, "confidence": 0.7, "reason": "ok"}]}
    openai_server.expect_request("/v1/chat/completions", method="POST").respond_with_json(
        completion(json.dumps(answer))
    )
    config = tmp_path / "llm.toml"
    config.write_text(
        "[discovery.llm_rank]\n"
        f'provider = "openai"\nmodel = "gpt-test"\nbase_url = "{openai_server.url_for("/v1")}"\n'
        f'[credentials]\nllm_api_key = "{KEY}"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    out = tmp_path / "results"

    result = CliRunner().invoke(
        app, ["discover", "--config", str(config), "--json", "--out", str(out)]
    )

    assert result.exit_code == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["llm_rank"]["used"] is True
    assert state["ranked_candidates"][0]["ticker"] == first
    ((request, _),) = openai_server.log
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in result.stdout and KEY not in result.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "discovery_result.json" for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


def test_the_cli_names_the_package_to_install_for_a_provider_it_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "langchain_anthropic", None)
    config = tmp_path / "llm.toml"
    config.write_text(
        '[discovery.llm_rank]\nprovider = "anthropic"\nmodel = "claude-x"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["discover", "--config", str(config), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "langchain-anthropic" in result.stderr and "pip install" in result.stderr
