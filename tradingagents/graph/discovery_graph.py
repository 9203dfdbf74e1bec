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
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import All, Checkpointer

from tradingagents import paths
from tradingagents.clock import SYSTEM_CLOCK, Clock
from tradingagents.closing import Closing
from tradingagents.config import (
    BUILTIN_PIPELINES,
    BUILTIN_SCANNERS,
    DiscoveryConfig,
    deep_merge,
    load_config,
)
from tradingagents.credentials import Credentials
from tradingagents.discovery.context import ScanContext
from tradingagents.discovery.registry import ENTRY_POINT_GROUP, Registry, instantiate, load_registry
from tradingagents.discovery.scanner import Scanner, validate_params
from tradingagents.engine import ExecutionPolicy, ScanJob
from tradingagents.errors import ConfigError, ConfigProblem
from tradingagents.graph.llm_factory import chat_model_from_config
from tradingagents.graph.llm_rank import LlmRankNode
from tradingagents.graph.nodes import FilterNode, RankNode, build_nodes, parse_trade_date
from tradingagents.graph.state import DiscoveryInput, DiscoveryOutput, DiscoveryState
from tradingagents.providers.hub import ProviderHub
from tradingagents.replay.bars import BarArchive
from tradingagents.replay.snapshot import RunSource, run_source
from tradingagents.resilience.breakers import BreakerBoard
from tradingagents.services import RunServices
from tradingagents.validation import did_you_mean
from tradingagents.wiring import build_hub, live_breakers, run_history


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
    known = {s.name for s in scanners} | set(BUILTIN_SCANNERS)
    known |= {ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name in config.scanners:
        if name not in known:
            match = did_you_mean(name, known)
            hint = f"; did you mean {match!r}?" if match is not None else ""
            problems.append(
                ConfigProblem(
                    f"discovery.scanners.{name}",
                    f"no scanner named {name!r} (known: {', '.join(sorted(known)) or 'none'})"
                    + hint,
                )
            )
    pipelines = {s.pipeline for s in scanners} | set(BUILTIN_PIPELINES)
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


#: The parts of the ``discovery`` table a run may change in ``configurable["discovery"]``; the
#: others shape what the graph builds once (providers, breakers, cache, the LLM ranker).
PER_RUN_KEYS = ("scanner_execution", "scanners", "pipelines", "filter", "rank")
#: Where per-run settings live in a RunnableConfig, as ConfigError names it.
PER_RUN_SOURCE = 'config["configurable"]["discovery"]'


def run_overrides(config: RunnableConfig | None) -> Mapping[str, Any] | None:
    """The partial ``discovery`` table in ``config["configurable"]["discovery"]``, if any."""
    override = ((config or {}).get("configurable") or {}).get("discovery")
    if override is None:
        return None
    if not isinstance(override, Mapping):
        problem = ConfigProblem("discovery", f"expected a mapping, got {type(override).__name__}")
        raise ConfigError([problem], source=PER_RUN_SOURCE)
    return override


def _node_names(value: All | Sequence[str] | None) -> All | list[str] | None:
    """``compile``'s interrupt argument: ``"*"``, a list of node names, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return "*" if value == "*" else [value]
    return list(value)


class PerRunNode:
    """A filter or rank node rebuilt from the run's config when the run overrides it."""

    def __init__(
        self,
        default: Callable[[DiscoveryState], dict[str, Any]],
        build: Callable[[DiscoveryConfig], Callable[[DiscoveryState], dict[str, Any]]],
        run_config: Callable[[RunnableConfig | None], DiscoveryConfig | None],
    ) -> None:
        self.default = default
        self.build = build
        self.run_config = run_config

    def __call__(self, state: DiscoveryState, config: RunnableConfig) -> dict[str, Any]:
        settings = self.run_config(config)
        node = self.default if settings is None else self.build(settings)
        return node(state)


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
    ``interrupt_before`` / ``interrupt_after`` (node names, or ``"*"``) are passed to
    ``compile``: with a checkpointer, a run pauses there (a human review after ``rank``) and
    ``graph.invoke(None, config)`` resumes it. ``bars``, a
    :class:`~tradingagents.replay.BarArchive`, serves every run's price history from the
    archive cut at the trade date instead of the providers (point-in-time evaluation).

    ``graph`` works on its own or as a node of a bigger trading graph: its input is
    :class:`DiscoveryInput` (``trade_date``, candidates to merge with), its output
    :class:`DiscoveryOutput` (what the run adds, without ``trade_date``), so a parent with the
    same reducer keys gets this run's logs and scanner records exactly once. A run's
    ``config["configurable"]["discovery"]`` (a partial ``discovery`` table: the keys in
    :data:`PER_RUN_KEYS`) is merged over the graph's config for that run only.
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
        interrupt_before: All | Sequence[str] | None = None,
        interrupt_after: All | Sequence[str] | None = None,
        bars: BarArchive | None = None,
    ) -> None:
        self.config = load_config(config)
        self.skip_reasons = dict(skip_reasons or {})
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
        self.providers = providers or build_hub(
            self.config, credentials=self.credentials, clock=clock
        )
        self.breakers = breakers if breakers is not None else live_breakers(self.config, clock)
        if bars is None and self.providers.snapshot is not None:
            # A snapshot that declares bars (an archived live run's history load) serves the
            # history scanners from them, as a warm price cache served that run.
            bars = self.providers.snapshot.bar_archive()
        self.bars = bars
        self.history = run_history(self.config)
        cache_dir = paths.cache_dir(self.config.cache_dir)
        if scanners is None:
            self.scanners = registered_scanners(registry or load_registry())
        else:
            self.scanners = instantiate(scanners)
        self.jobs = build_jobs(self.config, self.scanners, skip_reasons)

        def services(day: date, fan_out: int) -> RunServices:
            return RunServices(
                self.providers,
                trade_date=day,
                cache_dir=cache_dir,
                universe=self.config.universe,
                today=today,
                fan_out=fan_out,
                bars=bars,
            )

        def source() -> RunSource:
            return run_source(self.providers.snapshot, now=clock.now())

        discover, filter_, rank = build_nodes(
            self.config,
            self.jobs,
            executor,
            services,
            self.breakers,
            source,
            clock=clock,
            history=self.history,
        )
        discover.configure = self.jobs_for_run
        discover.run_config = lambda c: self.config_for_run(c) or self.config
        nodes: dict[str, Any] = {
            "discover": discover,
            "filter": PerRunNode(filter_, lambda c: FilterNode(c.filter), self.config_for_run),
            "rank": PerRunNode(rank, lambda c: RankNode(c.rank), self.config_for_run),
        }
        if llm is not None:
            nodes["llm_rank"] = LlmRankNode(self.config.llm_rank, llm)

        def compiled(io: bool) -> CompiledStateGraph[Any, Any, Any, Any]:
            if io:
                builder = StateGraph(
                    DiscoveryState, input_schema=DiscoveryInput, output_schema=DiscoveryOutput
                )
            else:
                builder = StateGraph(DiscoveryState)
            previous = START
            for name, node in nodes.items():
                builder.add_node(name, node)
                builder.add_edge(previous, name)
                previous = name
            builder.add_edge(previous, END)
            return builder.compile(
                checkpointer=checkpointer,
                interrupt_before=_node_names(interrupt_before),
                interrupt_after=_node_names(interrupt_after),
                name="discovery",
            )

        self.graph = compiled(io=True)
        # run() takes any seed state and returns the whole final state (trade_date included):
        # the same nodes and checkpointer, without the subgraph's input/output filtering.
        self._full_graph = compiled(io=False)

    def config_for_run(self, config: RunnableConfig | None) -> DiscoveryConfig | None:
        """The run's config: ``configurable["discovery"]`` merged over the graph's, else None.

        Validated as the constructor's table is; a key outside :data:`PER_RUN_KEYS` set to a
        value other than the graph's is a ConfigError too (it needs a new DiscoveryGraph).
        """
        override = run_overrides(config)
        if not override:
            return None
        merged = deep_merge(self.config.model_dump(), override)
        settings = load_config({"discovery": merged}, source=PER_RUN_SOURCE)
        problems = [
            ConfigProblem(
                f"discovery.{key}",
                "fixed when the graph is built, not per run (build a DiscoveryGraph with it)",
            )
            for key in type(settings).model_fields
            if key not in PER_RUN_KEYS and getattr(settings, key) != getattr(self.config, key)
        ]
        if problems:
            raise ConfigError(problems, source=PER_RUN_SOURCE)
        return settings

    def jobs_for_run(
        self, config: RunnableConfig | None
    ) -> tuple[list[ScanJob], ExecutionPolicy] | None:
        """The run's scanner jobs and execution policy when it overrides the config, else None."""
        settings = self.config_for_run(config)
        if settings is None:
            return None
        try:
            jobs = build_jobs(settings, self.scanners, self.skip_reasons)
        except ConfigError as exc:
            raise ConfigError(exc.problems, source=PER_RUN_SOURCE) from None
        return jobs, ExecutionPolicy.from_config(settings.scanner_execution)

    def close(self) -> None:
        """Release the state files this graph opened (cache, breakers, history). Idempotent."""
        if self.history is not None:
            self.history.close()
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
        (``thread_id`` for a checkpointer, callbacks, per-run ``configurable["discovery"]``...).
        Unlike ``graph.invoke``, which returns what the run adds, this returns every key of the
        final state, ``trade_date`` and ``source`` included.
        """
        day = self.resolve_date(trade_date)
        inputs = cast(DiscoveryState, {**(state or {}), "trade_date": day.isoformat()})
        return dict(self._full_graph.invoke(inputs, config=config))


def make_graph(config: RunnableConfig | None = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Graph factory for ``langgraph.json`` (``langgraph dev``, a LangGraph server).

    ``config["configurable"]["discovery"]``, a partial ``discovery`` table, is merged over the
    defaults (any key, as for the constructor); runs may still override :data:`PER_RUN_KEYS`.
    The graph lives as long as the server; its providers are not closed before exit.
    """
    discovery = run_overrides(config) or {}
    return DiscoveryGraph({"discovery": dict(discovery)}).graph
