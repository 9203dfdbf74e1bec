"""The Scanner base class and its typed params; defining a subclass registers nothing."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tradingagents.config import ScannerSettings, problems_from_validation
from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ConfigProblem, RegistryError

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


class ScannerParams(BaseModel):
    """Settings every scanner has; subclass it to declare a scanner's own typed params.

    ``extra="forbid"``: a misspelt setting is a config error naming its key path, not a
    silently ignored value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    enabled: bool = True
    # Most candidates the scanner may emit; None for no cap.
    limit: int | None = Field(default=10, ge=1)
    timeout_seconds: float | None = Field(default=None, gt=0, le=86_400)


class Scanner(ABC):
    """One independent source of candidates.

    Subclasses set ``name`` (unique snake_case id), ``pipeline`` (a group config can switch off)
    and optionally ``Params``, and implement :meth:`scan`. I/O belongs in provider clients;
    ``scan`` gets a read-only :class:`ScanContext` and returns candidates (or dicts).

    Scanners are registered only through the ``tradingagents.scanners`` entry-point group, so
    defining one in a test or notebook has no global effect.
    """

    name: ClassVar[str]
    pipeline: ClassVar[str] = "default"
    Params: ClassVar[type[ScannerParams]] = ScannerParams
    # The data providers the scanner needs, and those it uses when they are available (a
    # fallback, a second source): what `tradingagents scanners list` shows keys for.
    providers: ClassVar[tuple[str, ...]] = ()
    optional_providers: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name is not None and not (isinstance(name, str) and _SNAKE.fullmatch(name)):
            raise RegistryError(
                f"{cls.__qualname__}.name must be a snake_case string, got {name!r}"
            )
        pipeline = cls.__dict__.get("pipeline")
        if pipeline is not None and not (isinstance(pipeline, str) and _SNAKE.fullmatch(pipeline)):
            raise RegistryError(
                f"{cls.__qualname__}.pipeline must be a snake_case string, got {pipeline!r}"
            )

    @abstractmethod
    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        """Return this scanner's candidates for ``ctx.trade_date``."""

    def params(self, ctx: ScanContext) -> ScannerParams:
        """This scanner's settings as its typed ``Params`` model."""
        return self.Params.model_validate(_thaw(ctx.config))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'name', '?')!r} pipeline={self.pipeline!r}>"


def scanner_name(scanner: Scanner | type[Scanner]) -> str:
    name = getattr(scanner, "name", None)
    if not isinstance(name, str):
        raise RegistryError(f"{scanner!r} has no name")
    return name


def validate_params(
    scanner: Scanner, settings: ScannerSettings | Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """Validate one scanner's settings against its ``Params``.

    Returns the validated settings as a plain dict (defaults filled in) and the problems found,
    each with the full key path ``discovery.scanners.<name>.<key>``.
    """
    if settings is None:
        raw: dict[str, Any] = {}
    elif isinstance(settings, ScannerSettings):
        raw = settings.model_dump(exclude_unset=True)
        raw.update(settings.model_extra or {})
    else:
        raw = dict(settings)
    try:
        return scanner.Params.model_validate(_tuples(raw)).model_dump(), []
    except ValidationError as exc:
        # With the params model, a misspelt param gets "did you mean".
        return {}, problems_from_validation(
            exc, ("discovery", "scanners", scanner.name), scanner.Params
        )


def _tuples(value: Any) -> Any:
    """JSON and TOML give lists; params declare tuples (immutable), and strict mode wants them."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _thaw(value: Any) -> Any:
    """The inverse of the context's freezing, for re-validating ``ctx.config`` as params."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_thaw(v) for v in value)
    return value
