"""The run archive: every live run's responses, content-addressed, replayable as a snapshot."""

from tradingagents.archive.store import (
    ArchivedBars,
    ArchivedRun,
    ArchiveEntry,
    ArchiveError,
    CorruptRunManifest,
    RunArchive,
    RunArchiver,
    RunManifest,
    RunNotArchived,
    archive_of,
    recorded_config,
)

__all__ = [
    "ArchiveEntry",
    "ArchiveError",
    "ArchivedBars",
    "ArchivedRun",
    "CorruptRunManifest",
    "RunArchive",
    "RunArchiver",
    "RunManifest",
    "RunNotArchived",
    "archive_of",
    "recorded_config",
]
