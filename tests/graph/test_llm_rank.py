"""The optional llm_rank node, driven by langchain-core's fake chat models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    FakeMessagesListChatModel,
)
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field

from tests.helpers import make_scanner
from tradingagents.config import load_config
from tradingagents.discovery import ScanContext
from tradingagents.errors import ConfigError
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.graph.llm_rank import LlmRankNode, redact_clip
from tradingagents.redaction import REDACTED, redact_text


class RecordingChatModel(FakeListChatModel):
    """FakeListChatModel that keeps the messages of every call."""

    received: list[list[BaseMessage]] = Field(default_factory=list)

    def _call(self, *args: Any, **kwargs: Any) -> str:
        self.received.append(list(args[0] if args else kwargs["messages"]))
        return super()._call(*args, **kwargs)

    def prompt(self) -> str:
        assert len(self.received) == 1
        return "".join(m.text for m in self.received[0])


class FailingChatModel(FakeListChatModel):
    """A model whose provider is down; the error message carries a credential."""

    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise ConnectionError("provider down: https://api.example.com/v1?api_key=sk-live-123456")


def scored_scanner(*scores: tuple[str, float], context: str = "") -> Any:
    """A scanner whose candidates (medium priority) rank in descending score order."""

    def scan(ctx: ScanContext) -> list[dict[str, Any]]:
        return [
            {"ticker": t, "priority": "medium", "signal": s, "context": context or f"{t} setup"}
            for t, s in scores
        ]

    return make_scanner("scored", scan)


SCANNERS = [scored_scanner(("AAA", 0.4), ("BBB", 0.3), ("CCC", 0.2), ("DDD", 0.1))]
DETERMINISTIC = ["AAA", "BBB", "CCC", "DDD"]


def answer(*items: tuple[str, Any, Any], reason: str = "looks good") -> str:
    ranking = [{"ticker": t, "score": s, "confidence": c, "reason": reason} for t, s, c in items]
    return json.dumps({"ranking": ranking})


def run(model: Any, config: dict[str, Any] | None = None, scanners: Any = None) -> dict[str, Any]:
    dg = DiscoveryGraph(config, scanners or SCANNERS, llm=model)
    return dg.run("2026-11-27")


def tickers(state: dict[str, Any]) -> list[str]:
    return [c["ticker"] for c in state["ranked_candidates"]]


def test_a_valid_answer_reorders_and_annotates_the_candidates() -> None:
    model = RecordingChatModel(
        responses=[answer(("ccc", 0.9, 0.8), ("$DDD", 0.4, 0.3), ("AAA", 0.6, 0.7))]
    )
    state = run(model)
    # By the model's score, then the ticker it left out (BBB) in its deterministic place.
    assert tickers(state) == ["CCC", "AAA", "DDD", "BBB"]
    ranked = state["ranked_candidates"]
    assert [c["rank"] for c in ranked] == [1, 2, 3, 4]
    assert [c["deterministic_rank"] for c in ranked] == [3, 1, 4, 2]
    assert ranked[0]["llm_score"] == 0.9
    assert ranked[0]["llm_confidence"] == 0.8
    assert ranked[0]["llm_reason"] == "looks good"
    assert ranked[0]["score"] == pytest.approx(0.12)  # the deterministic score: 0.6 x 0.2
    assert ranked[3]["llm_score"] is None
    assert ranked[3]["llm_reason"] is None
    assert state["llm_rank"] == {
        "used": True,
        "model": "RecordingChatModel",
        "fallback_reason": None,
        "prompt_chars": len(model.prompt()),
    }
    for ticker in DETERMINISTIC:
        assert f'"ticker": "{ticker}"' in model.prompt()


def test_the_bundled_sample_is_reranked_end_to_end() -> None:
    baseline = DiscoveryGraph(None).run()
    last = baseline["ranked_candidates"][-1]["ticker"]
    model = FakeListChatModel(responses=[answer((last, 1.0, 0.9))])
    state = DiscoveryGraph(None, llm=model).run()
    assert state["llm_rank"]["used"] is True
    assert tickers(state) == [last, *tickers(baseline)[:-1]]
    assert state["candidates"] == baseline["candidates"]


def test_json_in_a_markdown_fence_with_prose_and_content_blocks_is_read() -> None:
    fenced = "Here is my ranking:\n```json\n" + answer(("DDD", 0.7, 0.5)) + "\n```\nHope it helps."
    blocks = AIMessage(content=[{"type": "text", "text": fenced}])
    for model in (
        FakeListChatModel(responses=[fenced]),
        FakeMessagesListChatModel(responses=[blocks]),
    ):
        state = run(model)
        assert state["llm_rank"]["used"] is True, state["llm_rank"]
        assert tickers(state) == ["DDD", "AAA", "BBB", "CCC"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I would pick AAA first.", "invalid JSON: no JSON object"),
        ('{"ranking": [{"ticker": "AAA", "score": 0.9,', "invalid JSON:"),
        ('{"ranking": [{"ticker": "AAA", "score": 0.9}]', "invalid JSON:"),
        (answer(("AAA", 0.9, 0.5), ("ZZZZ", 0.8, 0.5)), "unknown ticker 'ZZZZ'"),
        (answer(("AAA", 1.5, 0.5)), "ranking.0.score: Input should be less than or equal to 1"),
        (answer(("AAA", 0.5, -0.1)), "ranking.0.confidence: Input should be greater than"),
        (answer(("AAA", "0.9", 0.5)), "ranking.0.score: Input should be a valid number"),
        (answer(("AAA", 0.9, 0.5), ("aaa", 0.8, 0.5)), "duplicate ticker 'AAA'"),
        (answer(("AAA", 0.9, 0.5), ("not a ticker!", 0.8, 0.5)), "ranking.1.ticker"),
        ('{"ranking": []}', "ranking: List should have at least 1 item"),
        ('{"tickers": ["AAA"]}', "ranking: Field required"),
        ('[{"ticker": "AAA", "score": 0.9, "confidence": 0.5, "reason": "x"}]', "invalid"),
    ],
)
def test_invalid_output_falls_back_to_the_deterministic_ranking(text: str, reason: str) -> None:
    state = run(FakeListChatModel(responses=[text]))
    info = state["llm_rank"]
    assert info["used"] is False
    assert reason in info["fallback_reason"]
    assert info["prompt_chars"] > 0
    assert tickers(state) == DETERMINISTIC
    assert "llm_score" not in state["ranked_candidates"][0]
    assert (
        state["ranked_candidates"]
        == DiscoveryGraph(None, SCANNERS).run("2026-11-27")["ranked_candidates"]
    )


def test_a_model_that_raises_falls_back_with_the_error_redacted(
    engine_logs: pytest.LogCaptureFixture,
) -> None:
    state = run(FailingChatModel(responses=["unused"]))
    reason = state["llm_rank"]["fallback_reason"]
    assert reason.startswith("model error: ConnectionError: provider down")
    assert "sk-live-123456" not in reason
    assert REDACTED in reason
    assert tickers(state) == DETERMINISTIC
    assert "kept the deterministic ranking" in engine_logs.text


def test_a_model_that_never_answers_in_time_falls_back() -> None:
    slow = FakeListChatModel(responses=[answer(("DDD", 0.9, 0.9))], sleep=5.0)
    config = {"discovery": {"llm_rank": {"timeout_seconds": 0.2}}}
    state = run(slow, config)
    assert state["llm_rank"]["fallback_reason"] == "timeout: no answer within 0.2s"
    assert tickers(state) == DETERMINISTIC


def test_no_candidates_means_no_call() -> None:
    model = RecordingChatModel(responses=["{}"])
    state = run(model, {"discovery": {"filter": {"exclude_tickers": DETERMINISTIC}}})
    assert state["ranked_candidates"] == []
    assert state["llm_rank"]["fallback_reason"] == "no candidates to rank"
    assert model.received == []


def test_the_prompt_is_bounded_and_only_the_top_candidates_are_sent() -> None:
    many = [(f"T{chr(65 + i // 26)}{chr(65 + i % 26)}", (1000.0 - i) / 1000) for i in range(200)]
    scanners = [scored_scanner(*many, context="x" * 5000)]
    config = {
        "discovery": {
            "scanners": {"scored": {"limit": None}},
            "rank": {"max_candidates": 200},
        }
    }
    model = RecordingChatModel(responses=[answer((many[150][0], 0.9, 0.9))])
    state = run(model, config, scanners)
    prompt = model.prompt()
    # 30 entries of ~300 characters (200 of context) plus the fixed instructions.
    assert state["llm_rank"]["prompt_chars"] == len(prompt) < 12_000
    assert "x" * 200 not in prompt
    assert "x" * 199 + "…" in prompt
    assert prompt.count('"ticker"') == 30 + 1  # the candidates and the format example
    assert many[29][0] in prompt
    assert many[30][0] not in prompt
    # A ticker that was not sent is unknown to the model's answer.
    assert "unknown ticker 'TFU'" in state["llm_rank"]["fallback_reason"]
    assert len(state["ranked_candidates"]) == 200

    model = RecordingChatModel(responses=[answer((many[29][0], 0.9, 0.9))])
    state = run(model, config, scanners)
    assert tickers(state)[:3] == [many[29][0], many[0][0], many[1][0]]
    assert tickers(state)[1:] == [t for t, _ in many if t != many[29][0]]


def test_a_secret_never_reaches_the_prompt_nor_the_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "fh-Zq81x0Lk55mNbV2"
    monkeypatch.setenv("FINNHUB_API_KEY", secret)
    # The secret straddles the context cut at 200 characters: redaction must come first.
    context = "y" * 180 + f" leaked {secret} and https://finnhub.io/api/v1?token={secret}"
    model = RecordingChatModel(responses=[answer(("AAA", 0.9, 0.9), reason=f"saw {secret}")])
    state = run(model, scanners=[scored_scanner(("AAA", 1.0), context=context)])
    prompt = model.prompt()
    assert secret[:6] not in prompt
    assert REDACTED[:5] in prompt
    assert secret not in state["ranked_candidates"][0]["llm_reason"]
    assert state["llm_rank"]["used"] is True


def test_a_secret_cut_by_the_redaction_window_is_dropped_not_shown() -> None:
    secret = "S3cr3tValue-abcdef"
    secrets = frozenset({secret})
    limit, margin = 200, len(secret) + 64
    # A long token=value shrinks to token=[REDACTED], pulling the text near the window's end
    # (where the secret is cut in two and no longer matches) into the first `limit` characters.
    head = "token=" + "v" * 250 + " "
    text = head + "z" * (limit + 2 * margin - 9 - len(head)) + secret + " tail" * 50
    naive = redact_text(text[: limit + 2 * margin], secrets)[:limit]
    assert secret[:9] in naive  # what a plain window would leak
    shown = redact_clip(text, limit, secrets)
    assert secret[:6] not in shown
    assert "v" * 10 not in shown
    assert shown.endswith("…")
    assert len(shown) <= limit


def test_the_graph_with_an_llm_draws_the_extra_node() -> None:
    dg = DiscoveryGraph(None, SCANNERS, llm=FakeListChatModel(responses=["{}"]))
    assert dg.graph.get_graph().draw_mermaid(with_styles=False).splitlines()[-3:] == [
        "\tfilter --> rank;",
        "\trank --> llm_rank;",
        "\tllm_rank --> __end__;",
    ]


def test_without_an_llm_nothing_changes() -> None:
    dg = DiscoveryGraph(None, SCANNERS)
    assert "llm_rank" not in dg.graph.get_graph().nodes
    state = dg.run("2026-11-27")
    assert "llm_rank" not in state
    assert "llm_score" not in state["ranked_candidates"][0]


def test_the_node_works_on_its_own_and_never_raises_on_odd_state() -> None:
    node = LlmRankNode(load_config().llm_rank, FakeListChatModel(responses=[answer(("F", 1, 1))]))
    update = node({"ranked_candidates": [{"ticker": "F", "rank": 1, "priority": "low"}]})
    assert update["llm_rank"]["used"] is True
    assert update["ranked_candidates"][0]["llm_score"] == 1.0

    update = node({"ranked_candidates": ["F"]})  # type: ignore[list-item]
    assert update == {
        "llm_rank": {
            "used": False,
            "model": "FakeListChatModel",
            "fallback_reason": (
                "unexpected error: AttributeError: 'str' object has no attribute 'get'"
            ),
            "prompt_chars": 0,
        }
    }


def test_a_timeout_error_raised_by_the_client_is_a_model_error() -> None:
    class TimingOut(FakeListChatModel):
        def _call(self, *args: Any, **kwargs: Any) -> str:
            raise TimeoutError("read timed out")

    state = run(TimingOut(responses=["unused"]))
    assert state["llm_rank"]["fallback_reason"] == "model error: TimeoutError: read timed out"


def test_llm_rank_config_defaults_and_validation() -> None:
    config = load_config().llm_rank
    assert (config.max_candidates_in_prompt, config.max_context_chars) == (30, 200)
    assert config.timeout_seconds == 60
    with pytest.raises(ConfigError) as raised:
        load_config({"discovery": {"llm_rank": {"max_candidates_in_prompt": 0, "modle": "x"}}})
    assert {p.path for p in raised.value.problems} == {
        "discovery.llm_rank.max_candidates_in_prompt",
        "discovery.llm_rank.modle",
    }
