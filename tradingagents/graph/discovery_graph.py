"""DiscoveryGraph: the compiled ``START -> discover -> filter -> rank [-> llm_rank] -> END``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from datetime import date
from importlib import metadata
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Checkpointer

from tradingagents.closing import Closing
from tradingagents.config import DiscoveryConfig, load_config
from tradingagents.default_config import DEFAULT_CONFIG
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.registry import ENTRY_POINT_GROUP, Registry, instantiate, load_registry
from tradingagents.discovery.scanner import Scanner, validate_params
from tradingagents.engine.runner import ScanJob
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.graph.llm_factory import chat_model_from_config
from tradingagents.graph.llm_rank import LlmRankNode
from tradingagents.graph.nodes import build_nodes, parse_trade_date
from tradingagents.graph.state import DiscoveryState
from tradingagents.providers.hub import ProviderHub
from tradingagents.replay.snapshot import RunSource, run_source
from tradingagents.resilience.breakers import BreakerBoard, BreakerPolicy, default_db_path
from tradingagents.resilience.clock import SYSTEM_CLOCK, Clock
from tradingagents.services import RunServices, default_cache_dir
from tradingagents.settings import Credentials


class BrokenScanner(Scanner):
    """Stands in for a registered scanner that failed to load, so the run reports the error."""

    pipeline = "unknown"

    def __init__(self, name: str, error: BaseException):
        self.name = name  # type: ignore[misc]  # per-instance name of the plugin that failed
        self.error = error

    def scan(self, ctx: ScanContext) -> list[Any]:
        raise self.error


def registered_scanners(registry: Registry) -> list[Scanner]:
    """Instances of every registered scanner (sorted by name), broken plugins as BrokenScanner."""
    failed = {f.name: f.error for f in registry.failures}
    instances: dict[str, Scanner] = {}
    for cls in registry.scanners:
        try:
            instances[cls.name] = cls()
        except Exception as exc:  # a plugin's constructor can raise anything
            failed[cls.name] = exc
    for name, error in failed.items():
        instances[name] = BrokenScanner(name, error)
    return [instances[name] for name in sorted(instances)]


def build_jobs(
    config: DiscoveryConfig,
    scanners: Sequence[Scanner],
    skip_reasons: Mapping[str, str] | None = None,
) -> list[ScanJob]:
    """Validate every scanner's settings and decide what runs; raise one ConfigError for all.

    ``skip_reasons`` names why a caller switched a disabled scanner off (``"not in --only"``),
    shown in its record instead of the config key.
    """
    problems: list[ConfigProblem] = []
    known = {s.name for s in scanners} | set(DEFAULT_CONFIG["discovery"]["scanners"])
    known |= {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name in config.scanners:
        if name not in known:
            problems.append(
                ConfigProblem(
                    f"discovery.scanners.{name}",
                    f"no scanner named {name!r} (known: {', '.join(sorted(known)) or 'none'})",
                )
            )
    pipelines = {s.pipeline for s in scanners} | set(DEFAULT_CONFIG["discovery"]["pipelines"])
    for pipeline in config.pipelines:
        if pipeline not in pipelines:
            problems.append(
                ConfigProblem(
                    f"discovery.pipelines.{pipeline}",
                    f"no scanner is in pipeline {pipeline!r} "
                    f"(known: {', '.join(sorted(pipelines))})",
                )
            )
    default_timeout = config.scanner_execution.timeout_seconds
    jobs = []
    for scanner in scanners:
        if isinstance(scanner, BrokenScanner):
            jobs.append(ScanJob(scanner, {}, default_timeout))
            continue
        params, found = validate_params(scanner, config.scanners.get(scanner.name))
        problems += found
        if found:
            continue
        skip: tuple[Any, str] | None = None
        if not params["enabled"]:
            reason = (skip_reasons or {}).get(scanner.name)
            skip = ("skipped", reason or f"disabled by discovery.scanners.{scanner.name}.enabled")
        elif not config.pipeline_enabled(scanner.pipeline):
            skip = (
                "skipped",
                f"pipeline {scanner.pipeline!r} disabled by "
                f"discovery.pipelines.{scanner.pipeline}.enabled",
            )
        timeout = params.get("timeout_seconds") or default_timeout
        jobs.append(ScanJob(scanner, params, float(timeout), skip))
    if problems:
        raise ConfigError(problems)
    return jobs


def live_breakers(config: DiscoveryConfig, clock: Clock) -> BreakerBoard | None:
    """The persisted per-scanner breakers, in live mode only.

    Replay reads local files: a scanner failing there is a bug in the snapshot or the scanner,
    and skipping it in later replays would only hide that.
    """
    settings = config.resilience.breaker
    if config.source.mode != "live" or not settings.enabled:
        return None
    policy = BreakerPolicy(
        failure_threshold=settings.failure_threshold,
        reset_timeout_s=settings.reset_timeout_seconds,
    )
    return BreakerBoard(default_db_path(config.resilience.state_dir), policy, clock=clock)


class DiscoveryGraph(Closing):
    """The discovery stage as a compiled LangGraph ``StateGraph``.

    ``config`` is a partial config dict merged over the defaults (validated here, before any
    scanner runs: a :class:`~tradingagents.errors.ConfigError` names every bad key path).
    ``scanners`` are classes or instances in registration order; ``None`` loads the
    ``tradingagents.scanners`` entry points. ``executor`` replaces the engine's own daemon
    pool with any in-process ``concurrent.futures.Executor``; ``checkpointer`` is passed to
    ``compile``. ``providers`` replaces the :class:`ProviderHub` built from config (to inject
    transports); ``today`` is the clock for "today" (live-only data, the default date).
    ``llm``, any langchain-core chat model, adds an ``llm_rank`` node after ``rank`` that
    re-ranks the candidates, falling back to the deterministic ranking on any failure; without
    it, ``discovery.llm_rank.provider`` and ``.model`` name one (langchain's init_chat_model).
    ``skip_reasons`` maps a disabled scanner to the reason its record shows (the CLI's
    ``"not in --only"``) instead of the config key that disabled it.
    ``credentials`` (API keys) default to the environment's; see
    :func:`tradingagents.settings.load_settings` for config file and environment layering.
    ``graph`` works on its own or as a subgraph of a bigger trading graph.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | DiscoveryConfig | None = None,
        scanners: Sequence[Scanner | type[Scanner]] | None = None,
        *,
        executor: Executor | None = None,
        checkpointer: Checkpointer = None,
        registry: Registry | None = None,
        providers: ProviderHub | None = None,
        today: Callable[[], date] = date.today,
        clock: Clock = SYSTEM_CLOCK,
        breakers: BreakerBoard | None = None,
        llm: BaseChatModel | None = None,
        credentials: Credentials | None = None,
        skip_reasons: Mapping[str, str] | None = None,
    ) -> None:
        self.config = load_config(config)
        if credentials is None:
            # An injected hub's credentials are the run's: the graph must not re-read the env.
            credentials = providers.credentials if providers is not None else None
        self.credentials = credentials if credentials is not None else Credentials.from_env()
        if llm is None:
            # A model named in config (discovery.llm_rank.provider/model), built before any
            # state file is opened: a bad name is a ConfigError with nothing to clean up.
            llm = chat_model_from_config(
                self.config.llm_rank, api_key=self.credentials.get("llm_api_key")
            )
        self.today = today
        # Only what this graph creates is closed by close(); injected objects stay the caller's.
        self._owns_providers = providers is None
        self._owns_breakers = breakers is None
        self.providers = providers or ProviderHub(
            self.config, credentials=self.credentials, clock=clock
        )
        self.breakers = breakers if breakers is not None else live_breakers(self.config, clock)
        cache_dir = default_cache_dir(self.config.cache_dir)
        if scanners is None:
            self.scanners = registered_scanners(registry or load_registry())
        else:
            self.scanners = instantiate(scanners)
        self.jobs = build_jobs(self.config, self.scanners, skip_reasons)

        def services(day: date) -> RunServices:
            return RunServices(
                self.providers,
                trade_date=day,
                cache_dir=cache_dir,
                universe=self.config.universe,
                today=today,
            )

        def source() -> RunSource:
            return run_source(self.providers.snapshot, now=clock.now())

        discover, filter_, rank = build_nodes(
            self.config, self.jobs, executor, services, self.breakers, source
        )
        builder = StateGraph(DiscoveryState)
        builder.add_node("discover", discover)
        builder.add_node("filter", filter_)
        builder.add_node("rank", rank)
        builder.add_edge(START, "discover")
        builder.add_edge("discover", "filter")
        builder.add_edge("filter", "rank")
        if llm is None:
            builder.add_edge("rank", END)
        else:
            builder.add_node("llm_rank", LlmRankNode(self.config.llm_rank, llm))
            builder.add_edge("rank", "llm_rank")
            builder.add_edge("llm_rank", END)
        self.graph = builder.compile(checkpointer=checkpointer, name="discovery")

    def close(self) -> None:
        """Release the live-mode state files this graph opened (cache, breakers). Idempotent."""
        if self._owns_providers:
            self.providers.close()
        if self._owns_breakers and self.breakers is not None:
            self.breakers.close()

    def resolve_date(self, trade_date: str | date | None) -> date:
        """The run's date: as given, else the replay snapshot's, else today (live mode)."""
        if trade_date is not None:
            return parse_trade_date(trade_date)
        if self.providers.snapshot is not None:
            return self.providers.snapshot.trade_date
        return self.today()

    def run(
        self,
        trade_date: str | date | None = None,
        *,
        state: Mapping[str, Any] | None = None,
        config: RunnableConfig | None = None,
    ) -> dict[str, Any]:
        """Run discovery for ``trade_date`` and return the final state.

        The default date is the replay snapshot's in replay mode, today in live mode.

        ``state`` seeds other keys (e.g. candidates from an earlier step, which are merged with,
        not replaced by, what the scanners find). ``config`` is LangGraph's runnable config
        (``thread_id`` for a checkpointer, callbacks...).
        """
        day = self.resolve_date(trade_date)
        inputs = cast(DiscoveryState, {**(state or {}), "trade_date": day.isoformat()})
        return dict(self.graph.invoke(inputs, config=config))
