"""Secrets never reach what the run records."""

from __future__ import annotations

import logging

import pytest

from tradingagents import redaction
from tradingagents.redaction import (
    REDACTED,
    is_secret_name,
    known_secrets,
    redact,
    redact_text,
    register_secret,
    secrets_from_env,
)


def test_secret_names() -> None:
    for name in (
        "apikey",
        "api_key",
        "X-Api-Key",
        "token",
        "access_token",
        "client_secret",
        "password",
        "Authorization",
        "auth",
        "FINNHUB_API_KEY",
    ):
        assert is_secret_name(name), name
    for name in ("author", "symbol", "max_tokens", "limit", "ticker"):
        assert not is_secret_name(name), name


def test_redact_text_scrubs_pairs_bearer_tokens_and_known_values() -> None:
    text = (
        "GET /q?function=X&apikey=ABC123&symbol=F token: zzz999 Bearer eyJhbGciOi.x and s3cr3t-val"
    )
    out = redact_text(text, {"s3cr3t-val"})
    for secret in ("ABC123", "zzz999", "eyJhbGciOi", "s3cr3t-val"):
        assert secret not in out
    assert "symbol=F" in out and "function=X" in out


def test_redact_walks_nested_structures_and_keeps_other_values() -> None:
    value = {
        "params": {"apikey": "k", "symbol": "F", "n": 3},
        "urls": ["https://x/?token=abc"],
        "auth": None,
    }
    out = redact(value)
    assert out == {
        "params": {"apikey": REDACTED, "symbol": "F", "n": 3},
        "urls": [f"https://x/?token={REDACTED}"],
        "auth": None,
    }


def test_secrets_from_env_takes_secret_named_variables_only() -> None:
    env = {
        "FINNHUB_API_KEY": "abcdef123",
        "HOME": "/root",
        "GITHUB_TOKEN": "short",
        "DB_PASSWORD": "hunter22",
    }
    assert secrets_from_env(env) == frozenset({"abcdef123", "hunter22"})


def test_redact_walks_tuples_and_sets_like_lists() -> None:
    secret = "s3cr3t-in-a-set"
    value = {
        "pairs": ("symbol=F", "apikey=ABC123"),
        "seen": {f"got {secret}"},
        "frozen": frozenset({secret}),
        "rows": [({"token": "zzz999", "symbol": "T"},)],
    }
    out = redact(value, {secret})
    assert out == {
        "pairs": ["symbol=F", f"apikey={REDACTED}"],
        "seen": [f"got {REDACTED}"],
        "frozen": [REDACTED],
        "rows": [[{"token": REDACTED, "symbol": "T"}]],
    }
    assert redact((f"Bearer {'x' * 20}",)) == [f"Bearer {REDACTED}"]


def test_known_secrets_include_those_learned_after_the_first_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redaction, "_registered", set())
    before = known_secrets()
    register_secret("oauth-token-from-first-call")
    monkeypatch.setenv("LATE_API_KEY", "key-set-while-running")
    now = known_secrets({"the-runs-own-secret"})
    assert now - before == {
        "oauth-token-from-first-call",
        "key-set-while-running",
        "the-runs-own-secret",
    }
    assert redact_text("sent oauth-token-from-first-call", known_secrets()) == f"sent {REDACTED}"


def test_the_cli_log_handler_scrubs_every_form_of_a_secret(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import quote

    from tradingagents.cli.common import configure_logging

    monkeypatch.setattr(redaction, "_registered", set())
    secret = "k+y/LOG-SECRET=42"
    register_secret(secret)
    configure_logging()
    logging.getLogger("urllib3.connectionpool").warning(
        "GET /quote?key=%s failed: %s", quote(secret, safe=""), secret
    )
    assert secret not in caplog.text
    assert quote(secret, safe="") not in caplog.text
    assert REDACTED in caplog.text and "failed" in caplog.text


def test_a_cli_error_line_never_shows_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradingagents.cli.common import fail

    monkeypatch.setattr(redaction, "_registered", set())
    register_secret("fh-KEY-IN-A-MESSAGE-77")
    exit_ = fail("the server echoed fh-KEY-IN-A-MESSAGE-77 back")
    assert exit_.exit_code == 2
    err = capsys.readouterr().err
    assert "fh-KEY-IN-A-MESSAGE-77" not in err and REDACTED in err
