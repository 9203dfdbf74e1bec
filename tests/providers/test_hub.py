"""ProviderHub: which providers a run can use, given its credentials."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers import make_scanner
from tradingagents.config import load_config
from tradingagents.credentials import Credentials
from tradingagents.discovery import ScanContext
from tradingagents.graph.discovery_graph import DiscoveryGraph
from tradingagents.scanners.history import services_of
from tradingagents.wiring import build_hub

LIVE = {"discovery": {"source": {"mode": "live"}}}


def finnhub_user(ctx: ScanContext) -> list[Any]:
    services_of(ctx).providers.finnhub.earnings(
        ctx, start=date(2026, 11, 20), end=date(2026, 11, 27)
    )
    return []


@pytest.mark.parametrize(
    ("provider", "credentials", "reason"),
    [
        ("finnhub", {}, "needs FINNHUB_API_KEY"),
        ("finnhub", {"finnhub_api_key": "   "}, "needs FINNHUB_API_KEY"),
        ("finnhub", {"finnhub_api_key": "fh-key-123456"}, None),
        ("alpha_vantage", {}, "needs ALPHA_VANTAGE_API_KEY"),
        ("sec_edgar", {}, "needs SEC_USER_AGENT"),
        ("sec_edgar", {"sec_user_agent": "Jane jane@example.com"}, None),
        ("reddit", {}, None),  # public listings work without an app
        ("yahoo", {}, None),
    ],
)
def test_a_provider_is_unavailable_only_for_a_missing_required_credential(
    provider: Any, credentials: dict[str, str], reason: str | None
) -> None:
    hub = build_hub(load_config(LIVE), credentials=Credentials.model_validate(credentials))
    found = hub.unavailable_reason(provider)
    assert found == reason if reason is None else (found or "").startswith(reason)


def test_the_config_user_agent_stands_in_for_the_variable() -> None:
    config = {
        "discovery": {**LIVE["discovery"], "providers": {"sec_edgar": {"user_agent": "J j@x.io"}}}
    }
    assert build_hub(load_config(config), credentials=Credentials()).available("sec_edgar")


def test_a_scanner_whose_key_is_missing_is_skipped_with_the_variable_to_set() -> None:
    graph = DiscoveryGraph(
        LIVE, [make_scanner("needs_finnhub", finnhub_user)], credentials=Credentials()
    )
    (run,) = graph.run(date(2026, 11, 20))["scanner_runs"]
    assert run["status"] == "skipped"
    assert run["reason"] == "needs FINNHUB_API_KEY"


def test_credentials_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINNHUB_API_KEY", "fh-from-env-123456")
    assert build_hub(load_config(LIVE)).available("finnhub")
    monkeypatch.delenv("FINNHUB_API_KEY")
    assert not build_hub(load_config(LIVE)).available("finnhub")


def test_reddit_credentials_switch_the_live_client_to_oauth(
    httpserver: HTTPServer, real: Path
) -> None:
    listing = (real / "reddit" / "reddit_r_askreddit_hot_limit100_2016-03-01.json").read_text(
        encoding="utf-8"
    )
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json(
        {"access_token": "tok-PLANTED-3c4d5e6f", "token_type": "bearer", "expires_in": 3600}
    )
    httpserver.expect_request("/r/askreddit/hot").respond_with_data(
        listing, content_type="application/json"
    )
    config = {
        "discovery": {
            **LIVE["discovery"],
            "providers": {"reddit": {"base_url": httpserver.url_for("").rstrip("/")}},
        }
    }
    credentials = Credentials.model_validate(
        {
            "reddit_client_id": "rid-123456",
            "reddit_client_secret": "rsecret-PLANTED-778899",
            "reddit_user_agent": "python:tradingagents-test:1.0 (by /u/tester)",
        }
    )
    hub = build_hub(load_config(config), credentials=credentials)

    posts = hub.reddit.hot(None, "askreddit", limit=100)

    assert len(posts) > 50
    (token, _), (hot, _) = httpserver.log
    assert token.form["grant_type"] == "client_credentials"
    assert token.authorization is not None and token.authorization.username == "rid-123456"
    assert hot.headers["Authorization"] == "bearer tok-PLANTED-3c4d5e6f"
    assert hot.headers["User-Agent"] == "python:tradingagents-test:1.0 (by /u/tester)"


def test_replay_ignores_reddit_credentials() -> None:
    credentials = Credentials.model_validate(
        {"reddit_client_id": "rid-123456", "reddit_client_secret": "rsecret-654321"}
    )
    hub = build_hub(load_config(), credentials=credentials)
    assert hub.reddit.hot(None, "wallstreetbets", limit=100)  # served from the sample snapshot
