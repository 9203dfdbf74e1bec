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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from tradingagents import sqlite_files
from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.config import CacheConfig
from tradingagents.http import Request, Response
from tradingagents.redaction import contains_secret, known_secrets

logger = logging.getLogger("tradingagents.resilience")
T = TypeVar("T")

# A response stays usable as a stale copy (stale-if-error) this long past its freshness, then
# it has expired and is purged: a week-old chart or calendar is no answer any more.
KEEP_STALE_S = 7 * 86_400.0
DEFAULT_MAX_BYTES = int(CacheConfig().max_megabytes * 1_000_000)
# Over the bound, the oldest responses go until this share of it is left, so that the next
# few writes do not each purge again.
_LOW_WATER = 0.9

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    stored_at REAL NOT NULL DEFAULT 0,
    expires_at REAL NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0
);
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS responses_by_age ON responses (stored_at);
CREATE INDEX IF NOT EXISTS responses_by_expiry ON responses (expires_at);
"""
_COLUMNS = ("stored_at", "expires_at", "size")


@dataclass(frozen=True)
class CachedResponse:
    response: Response
    age_s: float
    stale: bool


class ResponseCache:
    """Responses keyed by provider and public URL (API keys are never part of a key or value).

    Written by hand over ``sqlite3`` rather than on requests-cache: its expiry reads the system
    clock and only sees requests sessions (Yahoo goes through yfinance), and its SQLite backend
    retries a locked database forever, which would hold a scanner past its deadline. Here
    freshness is decided with the injected clock, and no fault of the file ever raises out of
    the cache: a corrupt file is moved aside and recreated, a corrupt row is deleted, a locked
    or read-only file is a miss (or a skipped write) after at most ``busy_timeout_s``, each
    with a warning. Stored responses are kept under ``max_bytes`` (oldest first) and purged
    :data:`KEEP_STALE_S` after their freshness ends, when the cache opens and when over it.
    """

    def __init__(
        self,
        path: Path,
        *,
        ttls: Mapping[str, float] | None = None,
        clock: Clock = SYSTEM_CLOCK,
        busy_timeout_s: float = 0.5,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.path = path
        self.ttls = dict(CacheConfig().ttl_seconds if ttls is None else ttls)
        self.clock = clock
        self.busy_timeout_s = busy_timeout_s
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._warned: set[str] = set()
        self._bytes = 0  # this process's estimate of the stored size, exact after a purge
        self._identity: tuple[int, int] | None = None
        opened = sqlite_files.open_healing(
            path, self._connect, what="response cache", logger=logger, when=self._stamp()
        )
        self._conn: sqlite3.Connection | None = opened.conn
        if opened.conn is None:
            self._warn("open", f"response cache {path} unusable ({opened.failure}): {_DEGRADED}")
            return
        self._identity = sqlite_files.identity(path)
        with self._lock:
            self._guard("purge", lambda conn: self._purge(conn, shrink=False))

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
        """The cached answer to ``request``; None on a miss, which is also what any fault of
        the file or of the row is (a row that does not decode is deleted)."""
        ttl = self.ttl_for(request)
        if ttl <= 0:
            return None
        key = self.key(request)
        with self._lock:
            row = self._guard("read", lambda conn: _select(conn, key))
            if row is None:
                return None
            now = self.clock.now().timestamp()
            try:
                response, stored_at = _decode(row[0])
                expires_at = row[1]
                if not isinstance(expires_at, int | float):
                    raise TypeError(f"an expiry of type {type(expires_at).__name__}")
            except Exception as exc:  # whatever a row holds, it is only a miss
                self._guard("write", lambda conn: _delete(conn, key))
                self._warn("row", f"response cache {self.path}: dropped a corrupt row ({exc!r})")
                return None
            if now >= expires_at:
                return None  # expired, not purged yet
        age = now - stored_at
        stale = age > ttl
        if stale and not allow_stale:
            return None
        return CachedResponse(response, age, stale)

    def put(self, request: Request, response: Response) -> None:
        ttl = self.ttl_for(request)
        if ttl <= 0 or not 200 <= response.status < 300:
            return
        secrets = known_secrets() | request.secret_values()
        if contains_secret(response.body, secrets):
            # An answer that echoes a key or token, in any encoding, is not stored (base64
            # would only hide it).
            logger.debug("%s: not caching an answer that holds a secret", request.provider)
            return
        stored_at = self.clock.now().timestamp()
        record = {
            "status": response.status,
            "body": base64.b64encode(response.body).decode("ascii"),
            "headers": {k: v for k, v in response.headers.items() if k.lower() == "content-type"},
            "url": request.public_url(),
            "stored_at": stored_at,
        }
        value = json.dumps(record)
        key = self.key(request)
        size = len(key) + len(value)
        if size > self.max_bytes * _LOW_WATER:
            logger.debug("%s: an answer of %d bytes is too large to cache", request.provider, size)
            return
        with self._lock:
            expires_at = stored_at + ttl + KEEP_STALE_S
            self._guard("write", lambda conn: self._insert(conn, key, value, expires_at, size))

    def close(self) -> None:
        """Close the database; afterwards every lookup misses and writes are dropped."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- the file (every method below runs under the lock) ---------------------------------

    def _connect(self, path: Path) -> sqlite3.Connection:
        return sqlite_files.connect(
            path,
            timeout_s=self.busy_timeout_s,
            setup=_setup,
            probe="DELETE FROM responses WHERE 0",
        )

    def _insert(
        self, conn: sqlite3.Connection, key: str, value: str, expires_at: float, size: int
    ) -> None:
        old = conn.execute("SELECT size FROM responses WHERE key = ?", (key,)).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO responses (key, value, stored_at, expires_at, size) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, value, self.clock.now().timestamp(), expires_at, size),
        )
        self._bytes += size - (int(old[0]) if old is not None else 0)
        if self._bytes > self.max_bytes:
            self._purge(conn, shrink=True)

    def _purge(self, conn: sqlite3.Connection, *, shrink: bool) -> None:
        """Expired responses go; then, over the bound (checked again: other processes write
        too), the oldest until :data:`_LOW_WATER` of it is left. Freed pages are returned."""
        now = self.clock.now().timestamp()
        conn.execute("BEGIN IMMEDIATE")
        try:
            deleted = conn.execute("DELETE FROM responses WHERE expires_at <= ?", (now,)).rowcount
            total = int(conn.execute("SELECT total(size) FROM responses").fetchone()[0])
            if total > self.max_bytes or (shrink and total > self.max_bytes * _LOW_WATER):
                # Keep the newest rows whose sizes add up to the low-water mark.
                deleted += conn.execute(
                    "DELETE FROM responses WHERE key IN (SELECT key FROM (SELECT key, "
                    "sum(size) OVER (ORDER BY stored_at DESC, key) AS running "
                    "FROM responses) WHERE running > ?)",
                    (int(self.max_bytes * _LOW_WATER),),
                ).rowcount
                total = int(conn.execute("SELECT total(size) FROM responses").fetchone()[0])
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        self._bytes = total
        if deleted:
            logger.info("response cache %s: purged %d responses", self.path, deleted)
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA incremental_vacuum")

    def _guard(self, kind: str, action: Callable[[sqlite3.Connection], T]) -> T | None:
        """``action(conn, ...)``, or None when the file fails: a warning (once per kind), and
        a corrupt file moved aside and recreated for the next access."""
        conn = self._conn
        if conn is None:
            return None
        try:
            return action(conn)
        except sqlite3.Error as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.rollback()
            if sqlite_files.is_corrupt(exc):
                self._heal(conn, exc)
            elif kind == "read":
                self._warn(kind, f"response cache {self.path} unreadable ({exc}): a miss")
            else:
                self._warn(kind, f"response cache {self.path} not written ({exc})")
            return None

    def _heal(self, conn: sqlite3.Connection, exc: sqlite3.Error) -> None:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
        opened = sqlite_files.heal(
            self.path,
            exc,
            self._connect,
            what="response cache",
            logger=logger,
            when=self._stamp(),
            found=self._identity,
        )
        self._conn = opened.conn
        self._bytes = 0
        if opened.conn is None:
            self._warn(
                "open", f"response cache {self.path} unusable ({opened.failure}): {_DEGRADED}"
            )
        else:
            self._identity = sqlite_files.identity(self.path)

    def _warn(self, kind: str, message: str) -> None:
        # One warning per kind of fault: a locked cache must not log once per request.
        if kind in self._warned:
            logger.debug(message)
        else:
            self._warned.add(kind)
            logger.warning(message)

    def _stamp(self) -> str:
        return sqlite_files.stamp(self.clock.now())


_DEGRADED = "every lookup is a miss and nothing is stored in this run"


def _select(conn: sqlite3.Connection, key: str) -> tuple[object, object] | None:
    row = conn.execute("SELECT value, expires_at FROM responses WHERE key = ?", (key,)).fetchone()
    return None if row is None else (row[0], row[1])


def _delete(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM responses WHERE key = ?", (key,))


def _setup(conn: sqlite3.Connection) -> None:
    # Set before the table exists (a new file only): purged pages can then go back to the OS.
    conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
    conn.executescript(_SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(responses)")}
    if not set(_COLUMNS) <= columns:
        _adopt_legacy_rows(conn, columns)
    conn.executescript(_INDEXES)


def _adopt_legacy_rows(conn: sqlite3.Connection, columns: set[str]) -> None:
    """Give the rows of a cache written before the size bound their age, expiry and size (a
    row that does not decode is dropped)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for column in _COLUMNS:
            if column not in columns:
                kind = "INTEGER" if column == "size" else "REAL"
                conn.execute(f"ALTER TABLE responses ADD COLUMN {column} {kind} NOT NULL DEFAULT 0")
        updates: list[tuple[float, float, int, str]] = []
        for key, value in conn.execute("SELECT key, value FROM responses"):
            try:
                _, stored_at = _decode(value)
            except Exception:  # left at expires_at 0: purged as expired
                continue
            updates.append((stored_at, stored_at + KEEP_STALE_S, len(key) + len(value), key))
        conn.executemany(
            "UPDATE responses SET stored_at = ?, expires_at = ?, size = ? WHERE key = ?", updates
        )
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _decode(value: object) -> tuple[Response, float]:
    """A stored row's response and when it was stored; raises on anything malformed."""
    if not isinstance(value, str):
        raise TypeError(f"a row of type {type(value).__name__}")
    data = json.loads(value)
    status, body, headers, url, stored_at = (
        data["status"],
        data["body"],
        data["headers"],
        data["url"],
        data["stored_at"],
    )
    if not (
        isinstance(status, int)
        and isinstance(body, str)
        and isinstance(url, str)
        and isinstance(stored_at, int | float)
        and isinstance(headers, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        raise ValueError("a row of the wrong shape")
    response = Response(
        status=status,
        body=base64.b64decode(body, validate=True),
        headers=headers,
        url=url,
        elapsed_s=0.0,
    )
    return response, float(stored_at)
