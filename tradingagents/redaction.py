"""Secret redaction for everything the run records: tool logs, error messages, summaries."""

from __future__ import annotations

import base64
import functools
import html
import json
import logging
import os
import re
import string
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

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
# Characters no URL encoder escapes: RFC 3986's unreserved but "~", which form encoding
# (WHATWG's, Python's before 3.7) escapes.
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._")
# Distinct secret sets seen at once (a run's, plus those with a token learned mid-run), and
# distinct subsets of their forms that texts hold.
_MATCHERS_CACHED = 64
_PATTERNS_CACHED = 256


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


def secret_forms(secret: str) -> frozenset[str]:
    """The spellings of ``secret`` that redaction matches literally: raw, URL-encoded
    (``quote`` and ``quote_plus``), base64 (standard and URL-safe, padded or not, and the part
    any base64 of a longer text holding the secret shows) and escaped (JSON, Python, HTML).

    Redaction also matches any other mix of raw and ``%XX``-escaped characters, hex in either
    case (an encoder's own set of safe characters).
    """
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret, safe="/"),
        html.escape(secret),
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
    }
    for ensure_ascii in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ensure_ascii)[1:-1]
        forms |= {escaped, escaped.replace("/", "\\/")}  # "\/": PHP's json_encode
    forms |= _base64_forms(secret.encode())
    return frozenset(form for form in forms if len(form) >= _MIN_SECRET_LEN)


_URL_SAFE = str.maketrans("+/", "-_")


def _base64_forms(data: bytes) -> set[str]:
    forms = set()
    size = len(data)
    for offset in range(3):
        # Inside a longer text (Basic auth's "user:secret", a JSON blob) the secret's bytes
        # start at any offset modulo 3; only the characters made of its bits alone are fixed.
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        core = encoded[-(-8 * offset // 6) : 8 * (offset + size) // 6]
        forms.add(core)
        if offset == 0:
            forms |= {encoded, encoded.rstrip("=")}
    return forms | {form.translate(_URL_SAFE) for form in forms}


def _any_url_encoding(secret: str) -> str | None:
    """A pattern for ``secret`` with any of its reserved characters ``%XX``-escaped (``+`` for a
    space), hex in either case; None when no character would ever be escaped."""
    if all(char in _UNRESERVED for char in secret):
        return None
    parts = []
    for char in secret:
        if char in _UNRESERVED:
            parts.append(re.escape(char))
            continue
        escaped = "".join(
            f"%{_hex_any_case(byte >> 4)}{_hex_any_case(byte & 15)}" for byte in char.encode()
        )
        plus = [r"\+"] if char == " " else []
        # Atomic: a text either escapes this character or not; never trying the other choice
        # again keeps the match linear however many "%" or spaces the secret holds.
        parts.append("(?>" + "|".join([escaped, *plus, re.escape(char)]) + ")")
    return "".join(parts)


def _hex_any_case(digit: int) -> str:
    upper = f"{digit:X}"
    return upper if upper.isdigit() else f"[{upper}{upper.lower()}]"


class _Matcher:
    """Every form of every secret in a set, each with a literal that a text holding it must
    contain, so that most texts are cleared by fast substring checks alone."""

    __slots__ = ("alternatives", "bytes_anchors", "text_anchors")

    def __init__(self, secrets: frozenset[str]) -> None:
        literals: set[str] = set()
        mixed: dict[str, str | None] = {}
        for secret in secrets:
            if len(secret) < _MIN_SECRET_LEN:
                continue
            literals |= secret_forms(secret)
            if (pattern := _any_url_encoding(secret)) is not None:
                mixed[pattern] = _longest_unreserved_run(secret)
        # Longest first: at one position the first alternative that matches wins, so a form
        # that extends another (padded base64 and unpadded) must be tried before it.
        ordered = sorted(literals, key=lambda form: (-len(form), form))
        alternatives: list[tuple[str, str | None]] = [(re.escape(f), f) for f in ordered]
        alternatives += sorted(mixed.items(), key=lambda item: (-len(item[0]), item[0]))
        self.alternatives = tuple(source for source, _ in alternatives)
        self.text_anchors = tuple(anchor for _, anchor in alternatives)
        self.bytes_anchors = tuple(
            None if anchor is None else anchor.encode() for _, anchor in alternatives
        )

    def text_pattern(self, text: str) -> re.Pattern[str] | None:
        """The alternation of the forms ``text`` may hold; None when it holds none."""
        present = tuple(
            source
            for source, anchor in zip(self.alternatives, self.text_anchors, strict=True)
            if anchor is None or anchor in text
        )
        return _compiled_text(present) if present else None

    def bytes_pattern(self, data: bytes) -> re.Pattern[bytes] | None:
        present = tuple(
            source
            for source, anchor in zip(self.alternatives, self.bytes_anchors, strict=True)
            if anchor is None or anchor in data
        )
        return _compiled_bytes(present) if present else None


def _longest_unreserved_run(secret: str) -> str | None:
    """The longest part of ``secret`` that every URL encoding leaves as it is (None if too
    short to be worth a substring check)."""
    runs = re.findall(r"[A-Za-z0-9._-]+", secret)
    longest = max(runs, key=len, default="")
    return longest if len(longest) >= 3 else None


# Only literals, character classes and atomic groups, never a nested quantifier: a scan is
# linear in the text's length (times the forms' total length), whatever the text holds.
@functools.lru_cache(maxsize=_PATTERNS_CACHED)
def _compiled_text(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(alternatives))


@functools.lru_cache(maxsize=_PATTERNS_CACHED)
def _compiled_bytes(alternatives: tuple[str, ...]) -> re.Pattern[bytes]:
    return re.compile("|".join(alternatives).encode())


@functools.lru_cache(maxsize=_MATCHERS_CACHED)
def _matcher(secrets: frozenset[str]) -> _Matcher:
    return _Matcher(secrets)


def _as_set(secrets: Iterable[str]) -> frozenset[str]:
    return secrets if isinstance(secrets, frozenset) else frozenset(secrets)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Scrub secret-looking ``name=value`` pairs, bearer tokens and known secret values, in
    every form :func:`secret_forms` names."""
    pattern = _matcher(_as_set(secrets)).text_pattern(text)
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    text = _PAIR.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)
    return _BEARER.sub(lambda m: f"{m['kind']} {REDACTED}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs every record's message (its arguments merged in) of every
    form of every secret known when the record is logged, and of secret-looking pairs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message, known_secrets())
        if clean != message:
            record.msg, record.args = clean, None
        return True


def redact_bytes(data: bytes, secrets: Iterable[str] = ()) -> bytes:
    """``data`` (a response body) with every form of every known secret value replaced."""
    pattern = _matcher(_as_set(secrets)).bytes_pattern(data)
    return data if pattern is None else pattern.sub(REDACTED.encode(), data)


def contains_secret(data: str | bytes, secrets: Iterable[str] = ()) -> bool:
    """True when ``data`` holds a known secret value in any form :func:`redact_text` scrubs."""
    matcher = _matcher(_as_set(secrets))
    if isinstance(data, str):
        text_pattern = matcher.text_pattern(data)
        return text_pattern is not None and text_pattern.search(data) is not None
    bytes_pattern = matcher.bytes_pattern(data)
    return bytes_pattern is not None and bytes_pattern.search(data) is not None


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """Return a copy of ``value`` (mappings, sequences, strings) with secrets redacted.

    Mapping entries whose key is a secret name lose their value entirely; strings are scrubbed
    with :func:`redact_text`, bytes with :func:`redact_bytes`. Other scalars pass through
    unchanged.
    """
    known = frozenset(secrets)
    return _redact(value, known)


def _redact(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, bytes):
        return redact_bytes(value, secrets)
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


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` with its text (strings and bytes, however deep) scrubbed as by :func:`redact`,
    but every key and every other value kept, whatever it is named: for data whose fields
    mean something downstream (a candidate's). The very same object when nothing was found.
    """
    return _scrub(value, _as_set(secrets))


def _scrub(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        clean = redact_text(value, secrets)
        return value if clean == value else clean
    if isinstance(value, bytes):
        cleaned = redact_bytes(value, secrets)
        return value if cleaned == value else cleaned
    if isinstance(value, Mapping):
        items = {key: _scrub(item, secrets) for key, item in value.items()}
        if all(items[key] is item for key, item in value.items()):
            return value
        return items
    if isinstance(value, list | tuple | set | frozenset):
        scrubbed = [_scrub(item, secrets) for item in value]
        if all(new is old for new, old in zip(scrubbed, value, strict=True)):
            return value
        return scrubbed
    return value
