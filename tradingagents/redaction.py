"""Secret redaction for everything the run records: tool logs, error messages, summaries."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"

# Parameter / header / env names whose values are secrets.
_SECRET_NAME = re.compile(
    r"(api[_-]?key|apikey|access[_-]?key|secret|token(?!s)|passw(or)?d|credential|authorization|"
    r"(?<![a-z])auth(?![a-z])|signature|"
    r"session[_-]?id|cookie|bearer|private[_-]?key)",
    re.IGNORECASE,
)
# name=value pairs in URLs, query strings and free text ("...?apikey=ABC&symbol=F").
# The name's prefix and suffix are bounded: unbounded ones made a long unbroken string
# (a base64 blob) take quadratic time to scan.
_PAIR = re.compile(
    r"(?P<name>(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{0,32}(?:api[_-]?key|apikey|access[_-]?key|"
    r"secret|token|passw(?:or)?d|signature|session[_-]?id)[A-Za-z0-9_\-]{0,32})"
    r"(?P<sep>\s*[=:]\s*)(?P<value>[^&\s'\",;]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<kind>Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=\-]{6,}", re.IGNORECASE)
_MIN_SECRET_LEN = 6


def is_secret_name(name: str) -> bool:
    """True when a key, header or variable name says its value is a secret."""
    return bool(_SECRET_NAME.search(name))


def secrets_from_env(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Values of environment variables whose names mark them as secrets (API keys, tokens...).

    They are scrubbed wherever they appear, even inside text a scanner did not label.
    """
    env = os.environ if environ is None else environ
    return frozenset(
        value
        for name, value in env.items()
        if is_secret_name(name) and len(value) >= _MIN_SECRET_LEN
    )


_registered: set[str] = set()
_registered_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Remember a credential that did not come from a secret-named environment variable
    (a config value, an injected environ), so it is scrubbed like the others."""
    if len(value) >= _MIN_SECRET_LEN:
        with _registered_lock:
            _registered.add(value)


def known_secrets(also: Iterable[str] = ()) -> frozenset[str]:
    """Every secret value this process knows of now: secret-named env vars, registered ones and
    ``also`` (a run's secrets from its start).

    Read afresh on every call, never cached: a secret learned mid-run (an OAuth token fetched
    by the first call) must be scrubbed from everything recorded after it.
    """
    with _registered_lock:
        registered = frozenset(_registered)
    return secrets_from_env() | registered | frozenset(also)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Scrub secret-looking ``name=value`` pairs, bearer tokens and known secret values."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _MIN_SECRET_LEN and secret in text:
            text = text.replace(secret, REDACTED)
    text = _PAIR.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)
    return _BEARER.sub(lambda m: f"{m['kind']} {REDACTED}", text)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """Return a copy of ``value`` (mappings, sequences, strings) with secrets redacted.

    Mapping entries whose key is a secret name lose their value entirely; strings are scrubbed
    with :func:`redact_text`. Other scalars pass through unchanged.
    """
    known = frozenset(secrets)
    return _redact(value, known)


def _redact(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and is_secret_name(key) and item is not None
            else _redact(item, secrets)
            for key, item in value.items()
        }
    # Tuples and sets too (a scanner's output, a details value): they become lists, as in JSON.
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item, secrets) for item in value]
    return value
