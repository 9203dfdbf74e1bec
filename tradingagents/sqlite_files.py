"""SQLite state files that heal: bounded waits, corrupt files moved aside, unusable reported."""

# Every store in the state directory (HTTP cache, rate limits, breakers, run history) is a
# convenience, never a reason to lose a run: a corrupt file is moved aside with one warning and
# recreated, and a file that cannot be used (locked past the timeout, read-only, a read-only
# or full directory) is reported to the caller, which degrades as its store documents.

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

Setup = Callable[[sqlite3.Connection], None]


class CorruptFile(sqlite3.DatabaseError):
    """An integrity check found the file damaged (SQLite itself raised nothing yet)."""


def check_integrity(conn: sqlite3.Connection) -> None:
    """``PRAGMA quick_check``, for small files (it reads every page): raises
    :class:`CorruptFile`, or SQLite's own corrupt error, when the file is damaged."""
    found = [str(row[0]) for row in conn.execute("PRAGMA quick_check").fetchall()]
    if found != ["ok"]:
        raise CorruptFile("; ".join(found[:3]) or "quick_check returned nothing")


def error_code(exc: BaseException) -> int:
    """SQLite's primary result code of ``exc`` (0 when it has none)."""
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def is_corrupt(exc: BaseException) -> bool:
    """``exc`` says the file is not a database or its image is malformed."""
    return isinstance(exc, CorruptFile) or (
        isinstance(exc, sqlite3.DatabaseError) and error_code(exc) in CORRUPT_CODES
    )


def is_busy(exc: BaseException) -> bool:
    """``exc`` says another connection held the lock past the busy timeout."""
    return isinstance(exc, sqlite3.Error) and error_code(exc) in BUSY_CODES


def stamp(moment: datetime | None = None) -> str:
    """``20261120T143000Z``: the suffix of a file moved aside (UTC)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def connect(
    target: str | Path,
    *,
    timeout_s: float,
    setup: Setup | None = None,
    probe: str | None = None,
    wal: bool = True,
) -> sqlite3.Connection:
    """A connection in autocommit mode usable from any thread (the caller serialises), WAL
    when the file allows it, ``setup`` run (schema), and unless ``probe`` is None a write
    probe: ``BEGIN IMMEDIATE`` and ``probe`` (a statement that changes nothing), rolled back,
    so that a locked or read-only file fails here, after at most ``timeout_s``, and not on
    every later access."""
    conn = sqlite3.connect(
        str(target), timeout=timeout_s, isolation_level=None, check_same_thread=False
    )
    try:
        if wal:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA journal_mode=WAL")
        if setup is not None:
            setup(conn)
        if probe is not None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(probe)
            finally:
                conn.rollback()
    except BaseException:
        conn.close()
        raise
    return conn


@dataclass(frozen=True)
class Opened:
    """What :func:`open_healing` got: a connection, or why there is none."""

    conn: sqlite3.Connection | None
    #: Why ``conn`` is None (the caller words the fallback warning).
    failure: BaseException | None = None
    #: The warning logged when a corrupt file was moved aside (None if none was).
    healed: str | None = None


def open_healing(
    path: Path,
    opener: Callable[[Path], sqlite3.Connection],
    *,
    what: str,
    logger: logging.Logger,
    when: str | None = None,
) -> Opened:
    """``opener(path)``; if the file is corrupt it is moved to ``<name>.corrupt-<when>`` (one
    warning, ``what`` names the store) and opened anew; if it cannot be used at all, no
    connection and the failure. Never raises for a file or directory that is unusable."""
    before: tuple[int, int] | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        before = identity(path)
        return Opened(opener(path))
    except (sqlite3.Error, OSError) as exc:
        if not is_corrupt(exc):
            return Opened(None, failure=exc)
        return heal(path, exc, opener, what=what, logger=logger, when=when, found=before)


def heal(
    path: Path,
    exc: BaseException,
    opener: Callable[[Path], sqlite3.Connection],
    *,
    what: str,
    logger: logging.Logger,
    when: str | None = None,
    found: tuple[int, int] | None = None,
) -> Opened:
    """Move the corrupt file at ``path`` aside and open a new one (see :func:`open_healing`).

    ``found`` is the file found corrupt (device, inode): when ``path`` is another file by
    now, another connection or process has already healed it, and that one is opened as it is.
    """
    try:
        if found is None or identity(path) == found:
            aside = move_aside(path, when or stamp())
            message = f"{what} {path} was corrupt ({exc}): moved to {aside}"
        else:
            message = None
        conn = opener(path)
    except (sqlite3.Error, OSError) as again:
        return Opened(None, failure=again)
    if message is not None:
        logger.warning(message)
    return Opened(conn, healed=message)


def move_aside(path: Path, when: str) -> Path:
    """Rename ``path`` to ``<name>.corrupt-<when>`` (``-2``, ``-3``... when that is taken),
    dropping its ``-wal`` and ``-shm`` companions; the new name."""
    aside = path.with_name(f"{path.name}.corrupt-{when}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{when}-{number}")
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return aside


def identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``, None if there is none: a healer checks it
    to move aside only the file it found corrupt."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
