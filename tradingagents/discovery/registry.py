"""Scanner discovery through the one ``tradingagents.scanners`` entry-point group."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata

from tradingagents.discovery.scanner import Scanner, scanner_name
from tradingagents.errors import RegistryError

ENTRY_POINT_GROUP = "tradingagents.scanners"


@dataclass(frozen=True)
class LoadFailure:
    """An entry point that could not be turned into a scanner; the run records it as an error."""

    name: str
    error: BaseException


@dataclass(frozen=True)
class Registry:
    """The scanners installed in this environment, sorted by name, and what failed to load."""

    scanners: tuple[type[Scanner], ...]
    failures: tuple[LoadFailure, ...] = field(default=())

    def names(self) -> list[str]:
        return [cls.name for cls in self.scanners]


def load_registry(entry_points: Iterable[metadata.EntryPoint] | None = None) -> Registry:
    """Load every scanner of the entry-point group.

    A broken plugin (import error, not a Scanner, name mismatch, duplicate) does not stop the
    others: it becomes a :class:`LoadFailure`, which the run reports as a scanner error.
    """
    eps = list(
        metadata.entry_points(group=ENTRY_POINT_GROUP) if entry_points is None else entry_points
    )
    loaded: dict[str, type[Scanner]] = {}
    failures: list[LoadFailure] = []
    for ep in sorted(eps, key=lambda e: (e.name, e.value)):
        try:
            obj = ep.load()
        except Exception as exc:  # a plugin's import can raise anything
            failures.append(
                LoadFailure(
                    ep.name,
                    RegistryError(f"entry point {ep.name!r} ({ep.value}) failed to load: {exc!r}"),
                )
            )
            continue
        if not (isinstance(obj, type) and issubclass(obj, Scanner)):
            failures.append(
                LoadFailure(
                    ep.name,
                    RegistryError(
                        f"entry point {ep.name!r} ({ep.value}) is not a Scanner subclass"
                    ),
                )
            )
            continue
        if getattr(obj, "name", None) != ep.name:
            failures.append(
                LoadFailure(
                    ep.name,
                    RegistryError(
                        f"entry point {ep.name!r} ({ep.value}) names a scanner called "
                        f"{getattr(obj, 'name', None)!r}; the names must match"
                    ),
                )
            )
            continue
        if ep.name in loaded and loaded[ep.name] is not obj:
            failures.append(
                LoadFailure(
                    ep.name, RegistryError(f"two entry points register a scanner named {ep.name!r}")
                )
            )
            continue
        loaded[ep.name] = obj
    failed = {f.name for f in failures}
    return Registry(
        scanners=tuple(cls for name, cls in loaded.items() if name not in failed),
        failures=tuple(failures),
    )


def instantiate(scanners: Sequence[Scanner | type[Scanner]]) -> list[Scanner]:
    """Turn classes into instances, keep instances, and insist on unique names (order kept)."""
    instances: list[Scanner] = []
    seen: set[str] = set()
    for item in scanners:
        if isinstance(item, type):
            if not issubclass(item, Scanner):
                raise RegistryError(f"{item!r} is not a Scanner subclass")
            instance = item()
        elif isinstance(item, Scanner):
            instance = item
        else:
            raise RegistryError(f"{item!r} is neither a Scanner class nor a Scanner instance")
        name = scanner_name(instance)
        if name in seen:
            raise RegistryError(f"two scanners in one run are named {name!r}")
        seen.add(name)
        instances.append(instance)
    return instances
