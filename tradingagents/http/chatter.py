"""Log records of HTTP libraries during a provider call, kept for its tool log, off the terminal."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tradingagents.redaction import REDACTED

#: The loggers whose records are diverted. A logger's filters only see records logged on that
#: very logger, not those propagated from its children, so urllib3's modules are named one by
#: one. yfinance logs on "yfinance" itself; it prints nothing on the path we call (YfData.get).
CAPTURED_LOGGERS = (
    "yfinance",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "curl_cffi",
)
MAX_NOTES = 20
MAX_NOTE_CHARS = 300
# yfinance's crumb travels in query strings and its debug messages ("crumb = 'abc'").
_CRUMB = re.compile(r"(crumb['\"]?\s*[=:]\s*['\"]?)[^&\s'\",;]+", re.IGNORECASE)

logger = logging.getLogger("tradingagents.providers")


class CallNotes:
    """What third-party libraries logged during one provider call, bounded in number and size.

    Appended to from the calling thread only (see :func:`captured`); read once it is over.
    """

    __slots__ = ("dropped", "lines", "repeats")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.repeats: list[int] = []  # how many times each line came in a row
        self.dropped = 0

    def add(self, text: str) -> None:
        text = _CRUMB.sub(rf"\g<1>{REDACTED}", " ".join(text.split()))
        if len(text) > MAX_NOTE_CHARS:
            text = text[: MAX_NOTE_CHARS - 3] + "..."
        if self.lines and self.lines[-1] == text:
            # yfinance says the same thing on every retry of the call.
            self.repeats[-1] += 1
        elif len(self.lines) >= MAX_NOTES:
            self.dropped += 1
        else:
            self.lines.append(text)
            self.repeats.append(1)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def as_list(self) -> list[str]:
        """The notes, repeats counted, plus a count of those over the limit (not yet redacted
        of keys: ``ScanContext.log_tool_call`` does that, as for every other field)."""
        lines = [
            line if times == 1 else f"{line} ({times} times)"
            for line, times in zip(self.lines, self.repeats, strict=True)
        ]
        return lines + ([f"... and {self.dropped} more"] if self.dropped else [])


# The call running in this thread (or task), if any. A context variable rather than a global
# redirect: scanners call providers from many threads at once, and each record belongs to the
# call of the thread that logged it.
_current: ContextVar[CallNotes | None] = ContextVar("tradingagents_call_notes", default=None)


class _Divert(logging.Filter):
    """A logger filter that moves records logged during a provider call into its notes.

    Returning False stops the record there: no handler (the terminal's included) sees it.
    Debug records go on as usual: they only show when the user asked for debug output.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        notes = _current.get()
        if notes is None or record.levelno < logging.INFO:
            return True
        text = f"{record.name} {record.levelname}: {record.getMessage()}"
        notes.add(text)
        logger.debug("captured during a provider call: %s", text)
        return False


_DIVERT = _Divert()


@functools.cache
def _install() -> None:
    # Once per process; two threads racing here are harmless: addFilter never adds twice.
    for name in CAPTURED_LOGGERS:
        logging.getLogger(name).addFilter(_DIVERT)


@contextmanager
def captured(notes: CallNotes) -> Iterator[CallNotes]:
    """Divert what the HTTP libraries log in this thread, while the block runs, into ``notes``."""
    _install()
    token = _current.set(notes)
    try:
        yield notes
    finally:
        _current.reset(token)
