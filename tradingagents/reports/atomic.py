"""Atomic file writes: a reader sees the previous file or the complete new one, never a part."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``: readers see the previous file or the complete new one."""
    path = Path(path)
    # Same directory, so os.replace is a rename within one filesystem (atomic); fsync before it,
    # so a crash after the rename cannot leave the name pointing at blocks never written.
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    # O_EXCL never follows or clobbers anything already there; mode 0o666 lets the umask decide,
    # as for a plain open() (mkstemp would make every result file private to its owner).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)
    try:
        with open(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` for text (UTF-8 by default, newlines written as given)."""
    atomic_write_bytes(path, text.encode(encoding))


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; directories cannot be opened so on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
