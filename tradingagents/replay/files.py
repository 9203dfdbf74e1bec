"""Snapshot files read defensively: regular files inside the directory only, sizes capped first."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from tradingagents import safe_json

# Every component is opened without following a link and without blocking (a FIFO would wait
# for a writer forever), then checked on the open descriptor, so a file swapped between a
# check and the read is never followed.
_OPEN = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_FLAGS = _OPEN | getattr(os, "O_NOFOLLOW", 0)
# The root is the user's choice and may be a link; nothing below it may.
_ROOT_FLAGS = _OPEN | getattr(os, "O_DIRECTORY", 0)
_WALK_WITH_DIR_FD = hasattr(os, "O_NOFOLLOW") and os.open in os.supports_dir_fd
_CHUNK = 1 << 20
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnsafeFile(Exception):
    """A snapshot file that is not read; ``reason`` completes a sentence naming the file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MissingFile(UnsafeFile):
    """The file (or a directory on its way) does not exist."""


class FileTooLarge(UnsafeFile):
    """The file is larger than the cap; nothing past the cap was read."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"is {size} bytes, over the {limit}-byte cap")
        self.size = size
        self.limit = limit


class UnsafeJson(UnsafeFile):
    """The file is not JSON this package accepts (malformed, too deep, a repeated key)."""


def parse_json(data: bytes, *, max_depth: int) -> Any:
    """``data`` as UTF-8 JSON nested at most ``max_depth`` deep, with no key repeated."""
    try:
        return safe_json.loads(data, max_depth=max_depth)
    except safe_json.UnsafeJson as exc:
        raise UnsafeJson(str(exc)) from None


def components(relative: str) -> tuple[str, ...]:
    """The names leading to ``relative`` inside a snapshot; refused if it could lead outside."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or "\\" in relative:
        raise UnsafeFile("leaves the snapshot (an absolute path, '..' or a backslash)")
    if not path.parts or "\0" in relative:
        raise UnsafeFile("is not a file name")
    return path.parts


def read_regular(root: Path, relative: str, *, limit: int) -> bytes:
    """The bytes of ``root/relative``, a regular file no larger than ``limit`` bytes."""
    fd, size = _open_regular(root, components(relative))
    try:
        if size > limit:
            raise FileTooLarge(size, limit)
        chunks: list[bytes] = []
        total = 0
        # One byte past the size fstat gave: a file that grows while read is still capped.
        while total <= limit:
            chunk = os.read(fd, min(max(size + 1 - total, _CHUNK), limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise FileTooLarge(total, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFile(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def check_regular(root: Path, relative: str) -> int:
    """The size of ``root/relative`` if it is a regular file inside ``root``; nothing is read."""
    fd, size = _open_regular(root, components(relative))
    os.close(fd)
    return size


def _open_regular(root: Path, names: tuple[str, ...]) -> tuple[int, int]:
    """A descriptor on the regular file ``root/names...``, and its size."""
    try:
        fd = _open_walking(root, names) if _WALK_WITH_DIR_FD else _open_checking(root, names)
    except OSError as exc:
        raise _refusal(exc) from None
    try:
        info = os.fstat(fd)
        _require(info, regular=True)
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def _open_walking(root: Path, names: tuple[str, ...]) -> int:
    fd = os.open(root, _ROOT_FLAGS)
    for name in names:
        try:
            _require(os.fstat(fd), regular=False)
            child = os.open(name, _FLAGS, dir_fd=fd)
        finally:
            os.close(fd)
        fd = child
    return fd


def _open_checking(root: Path, names: tuple[str, ...]) -> int:
    """Where ``open`` takes no directory descriptor: each component is checked, then the file
    is opened and must be the one checked."""
    path = root
    for i, name in enumerate(names, 1):
        path = path / name
        _require(os.lstat(path), regular=i == len(names))
    expected = os.lstat(path)
    fd = os.open(path, _FLAGS)
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != (expected.st_dev, expected.st_ino):
        os.close(fd)
        raise UnsafeFile("changed while being opened")
    return fd


def _require(info: os.stat_result, *, regular: bool) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise _link()
    if regular and stat.S_ISREG(info.st_mode):
        return
    if not regular and stat.S_ISDIR(info.st_mode):
        return
    if not regular:
        raise MissingFile("does not exist (a part of its path is not a directory)")
    kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
    raise UnsafeFile(f"is {kind}, not a regular file")


def _link() -> UnsafeFile:
    return UnsafeFile(
        "is a symbolic link or goes through one (only regular files inside the snapshot are read)"
    )


def _refusal(exc: OSError) -> UnsafeFile:
    if exc.errno == errno.ELOOP:
        return _link()
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return MissingFile("does not exist")
    if exc.errno == errno.ENXIO:
        return UnsafeFile("is not a regular file (a socket or a FIFO without a writer)")
    return UnsafeFile(f"cannot be opened: {exc.strerror or exc}")
