"""The Scanner base class and its typed params; defining a subclass registers nothing."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Literal, cast, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# typing_extensions for PEP 696 defaults (3.13 in typing): a bare ``Scanner`` means
# ``Scanner[ScannerParams]``, so plugins and annotations written before the generic still check.
from typing_extensions import TypeVar

from tradingagents.discovery.candidate import Candidate
from tradingagents.discovery.context import ScanContext
from tradingagents.errors import ConfigProblem, RegistryError
from tradingagents.validation import problems_from_validation

#: Whether a scanner can run on a past date from data as it was then: ``"bars"`` from daily
#: bars cut at the date (a bar archive or cached history), ``"date_range"`` from a source asked
#: by date (EDGAR filings), ``"now_only"`` only from a snapshot recorded on that day (screeners,
#: option chains, hot posts). Evaluation over history runs only the first two.
PointInTime = Literal["bars", "date_range", "now_only"]
POINT_IN_TIME: tuple[PointInTime, ...] = get_args(PointInTime)

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


class ScannerParams(BaseModel):
    """Settings every scanner has; subclass it to declare a scanner's own typed params.

    The one declaration of these settings: ``tradingagents.config.ScannerSettings`` derives
    from it. ``extra="forbid"``: a misspelt setting is a config error naming its key path, not
    a silently ignored value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    enabled: bool = Field(default=True, description="Run this scanner.")
    limit: int | None = Field(
        default=10, ge=1, description="Most candidates the scanner may emit; null for no cap."
    )
    timeout_seconds: float | None = Field(
        default=None,
        gt=0,
        le=86_400,
        description="This scanner's timeout; null for `scanner_execution.timeout_seconds`.",
    )
    # None rather than "thread": a validated params dict always holds every field, so only
    # None can tell "not set here" from a choice, and the run-wide default must win then.
    isolation: Literal["thread", "process"] | None = Field(
        default=None,
        description='Run this scanner in a thread or a forked worker process ("process": killed '
        "at its deadline even while it holds the GIL, but without `ctx.services`); null for "
        "`scanner_execution.isolation`.",
    )


# Covariant: a Scanner[RsiOversoldParams] is usable wherever a Scanner is expected, since the
# params only come out of a scanner (``params()``), never go in.
P_co = TypeVar("P_co", bound=ScannerParams, covariant=True, default=ScannerParams)


class Scanner(ABC, Generic[P_co]):
    """One independent source of candidates.

    Subclasses set ``name`` (unique snake_case id) and ``pipeline`` (a group config can switch
    off), and implement :meth:`scan`. I/O belongs in provider clients; ``scan`` gets a read-only
    :class:`ScanContext` and returns candidates (or dicts).

    A scanner with its own settings names its params model as the type argument,
    ``class RsiOversold(Scanner[RsiOversoldParams])``: that sets ``Params`` and types
    :meth:`params`. Setting ``Params`` directly, as before, still works.

    ``point_in_time`` (:data:`PointInTime`) declares whether the scanner can be evaluated on
    past dates from data as it was then; the default ``"now_only"`` means a plugin that says
    nothing is never evaluated from today's data.

    Scanners are registered only through the ``tradingagents.scanners`` entry-point group, so
    defining one in a test or notebook has no global effect.
    """

    name: ClassVar[str]
    pipeline: ClassVar[str] = "default"
    # Not ClassVar[type[P_co]]: a ClassVar cannot hold a type variable. __init_subclass__ keeps
    # it a subclass of the type argument, which is what makes params()'s cast sound.
    Params: ClassVar[type[ScannerParams]] = ScannerParams
    # The data providers the scanner needs, and those it uses when they are available (a
    # fallback, a second source): what `tradingagents scanners list` shows keys for.
    providers: ClassVar[tuple[str, ...]] = ()
    optional_providers: ClassVar[tuple[str, ...]] = ()
    point_in_time: ClassVar[PointInTime] = "now_only"

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
        # "in", not .get(): a declared None is a mistake too, not "says nothing".
        point_in_time = cls.__dict__.get("point_in_time")
        if "point_in_time" in cls.__dict__ and point_in_time not in POINT_IN_TIME:
            raise RegistryError(
                f"{cls.__qualname__}.point_in_time must be one of {', '.join(POINT_IN_TIME)}, "
                f"got {point_in_time!r}"
            )
        declared = _params_argument(cls)
        if declared is None:
            return
        own = cls.__dict__.get("Params")
        if own is None:
            cls.Params = declared
        elif not (isinstance(own, type) and issubclass(own, declared)):
            raise RegistryError(
                f"{cls.__qualname__}.Params is {own!r}, not the type argument "
                f"{declared.__qualname__} or a subclass of it"
            )

    @abstractmethod
    def scan(self, ctx: ScanContext) -> list[Candidate | dict[str, Any]]:
        """Return this scanner's candidates for ``ctx.trade_date``."""

    def params(self, ctx: ScanContext) -> P_co:
        """This scanner's settings as its typed ``Params`` model."""
        return cast(P_co, self.Params.model_validate(_thaw(ctx.config)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {getattr(self, 'name', '?')!r} pipeline={self.pipeline!r}>"


def _params_argument(cls: type[Scanner[Any]]) -> type[ScannerParams] | None:
    """The params model named in ``class X(Scanner[XParams])``, if the class names one.

    A type variable (a generic intermediate base) or no argument (``class X(Scanner)``, a class
    built with ``type()``) names none: the class keeps the ``Params`` it sets or inherits.
    """
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        if not (isinstance(origin, type) and issubclass(origin, Scanner)):
            continue
        for arg in get_args(base):
            if isinstance(arg, type) and issubclass(arg, ScannerParams):
                return arg
    return None


def scanner_name(scanner: Scanner | type[Scanner]) -> str:
    name = getattr(scanner, "name", None)
    if not isinstance(name, str):
        raise RegistryError(f"{scanner!r} has no name")
    return name


def validate_params(
    scanner: Scanner, settings: ScannerParams | Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """Validate one scanner's settings against its ``Params``.

    ``settings`` is typically the config's ``ScannerSettings`` (a :class:`ScannerParams` whose
    scanner-specific params are extras) or a plain mapping. Returns the validated settings as a
    plain dict (defaults filled in) and the problems found, each with the full key path
    ``discovery.scanners.<name>.<key>``.
    """
    if settings is None:
        raw: dict[str, Any] = {}
    elif isinstance(settings, ScannerParams):
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
