"""Persistent HTTP response cache with per-endpoint TTLs and stale-if-error, on SQLite."""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.config import CacheConfig
from tradingagents.http import Request, Response
from tradingagents.redaction import contains_secret, known_secrets

logger = logging.getLogger("tradingagents.resilience")


@dataclass(frozen=True)
class CachedResponse:
    response: Response
    age_s: float
    stale: bool


class ResponseCache:
    """Responses keyed by provider and public URL (API keys are never part of a key or value).

    Written by hand over ``sqlite3`` rather than on requests-cache: its expiry reads the system
    clock and only sees requests sessions (Yahoo goes through yfinance), and its SQLite backend
    retries a locked database forever, which would hold a scanner past its deadline. Here a
    locked or broken database is a cache miss (or a skipped write) after at most
    ``busy_timeout_s``; freshness is decided with the injected clock.
    """

    def __init__(
        self,
        path: Path,
        *,
        ttls: Mapping[str, float] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        busy_timeout_s: float = 0.5,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.ttls = dict(CacheConfig().ttl_seconds if ttls is None else ttls)
        self.clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )

    def ttl_for(self, request: Request) -> float:
        if request.method != "GET":
            return 0.0  # a POST (a token request) is neither served from nor stored here
        target = f"{request.provider}:{urlsplit(request.url).path}"
        for pattern, ttl in self.ttls.items():
            if fnmatch.fnmatchcase(target, pattern):
                return float(ttl)
        return 0.0

    @staticmethod
    def key(request: Request) -> str:
        # A hex digest: safe as a SQLite key, and no secret can be in it (public URL only).
        return hashlib.sha256(f"{request.provider} {request.public_url()}".encode()).hexdigest()

    def get(self, request: Request, *, allow_stale: bool = False) -> CachedResponse | None:
        ttl = self.ttl_for(request)
        if ttl <= 0:
            return None
        raw = self._read(self.key(request))
        if raw is None:
            return None
        data = json.loads(raw)
        age = self.clock.now().timestamp() - data["stored_at"]
        stale = age > ttl
        if stale and not allow_stale:
            return None
        response = Response(
            status=data["status"],
            body=base64.b64decode(data["body"]),
            headers=data["headers"],
            url=data["url"],
            elapsed_s=0.0,
        )
        return CachedResponse(response, age, stale)

    def put(self, request: Request, response: Response) -> None:
        if self.ttl_for(request) <= 0 or not 200 <= response.status < 300:
            return
        secrets = known_secrets() | request.secret_values()
        if contains_secret(response.body, secrets):
            # An answer that echoes a key or token, in any encoding, is not stored (base64
            # would only hide it).
            logger.debug("%s: not caching an answer that holds a secret", request.provider)
            return
        record = {
            "status": response.status,
            "body": base64.b64encode(response.body).decode("ascii"),
            "headers": {k: v for k, v in response.headers.items() if k.lower() == "content-type"},
            "url": request.public_url(),
            "stored_at": self.clock.now().timestamp(),
        }
        self._write(self.key(request), json.dumps(record))

    def _read(self, key: str) -> str | None:
        with self._lock:
            if self._conn is None:
                return None
            try:
                row = self._conn.execute(
                    "SELECT value FROM responses WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error as exc:
                logger.warning(
                    "response cache %s unreadable (%s): treated as a miss", self.path, exc
                )
                return None
        return str(row[0]) if row else None

    def _write(self, key: str, value: str) -> None:
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", (key, value)
                )
            except sqlite3.Error as exc:
                logger.warning("response cache %s not written (%s)", self.path, exc)

    def close(self) -> None:
        """Close the database; afterwards every lookup misses and writes are dropped."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
