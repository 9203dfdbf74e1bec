"""Closing: the context-manager protocol for objects that own files or connections."""

from __future__ import annotations

from typing import Self


class Closing:
    """Subclasses implement ``close()``; ``with obj:`` closes it on the way out."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
