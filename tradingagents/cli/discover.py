"""``tradingagents discover``: run discovery with live progress, print and write the results."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer
from rich.console import Console
from rich.markup import escape

from tradingagents.cli.app import app
from tradingagents.cli.common import (
    CONFIG_OPTION,
    CONTEXT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    JSON_OPTION,
    ONLY_OPTION,
    RUN_OUT_OPTION,
    SKIP_OPTION,
    RunMode,
    check_snapshot_dir,
    configure_logging,
    fail,
    flag_overrides,
    load_cli_settings,
    parse_date_flag,
    prepare_out,
    selection_reasons,
    stderr,
    stdout,
)
from tradingagents.cli.progress import Progress, candidates_table

# Everything heavier than typer and rich (langgraph, pandas, matplotlib, exchange_calendars) is
# imported inside the command that needs it, so `--help` and typos answer at once.
if TYPE_CHECKING:
    from tradingagents.engine import CancelToken
    from tradingagents.graph.discovery_graph import DiscoveryGraph
    from tradingagents.reports.artifacts import ChartRenderer


def _stream(
    graph: DiscoveryGraph, day: date, progress: Progress, cancel: CancelToken | None = None
) -> Iterator[tuple[str, Any]]:
    from tradingagents.graph.nodes import CANCEL_KEY  # noqa: PLC0415
    from tradingagents.graph.state import DiscoveryState  # noqa: PLC0415

    inputs = cast(DiscoveryState, {"trade_date": day.isoformat()})
    config: Any = {"configurable": {CANCEL_KEY: cancel}} if cancel is not None else None
    for item in graph.graph.stream(inputs, config=config, stream_mode=["custom", "values"]):
        mode, chunk = cast(tuple[str, Any], item)
        if mode == "custom" and isinstance(chunk, Mapping):
            progress.handle(chunk)
        yield mode, chunk


def _run_day(graph: DiscoveryGraph, trade_date: date | None, err: Console) -> date:
    """The date to run: checked against the snapshot in replay, a session in live mode."""
    snap = graph.providers.snapshot
    if snap is None:
        from tradingagents.calendar import previous_session  # noqa: PLC0415

        # Live data exists only for sessions: a weekend or holiday means the one before.
        day, note = previous_session(graph.resolve_date(trade_date))
        if note:
            err.print(escape(note))
        return day
    day = graph.resolve_date(trade_date)
    if day != snap.trade_date:
        held = snap.trade_date.isoformat()
        raise fail(
            f"the snapshot {_snapshot_name(snap.root)} holds {held}, not {day.isoformat()}; "
            f"use --date {held}, another --snapshot, or --live"
        )
    return day


def _snapshot_name(root: Path) -> str:
    from tradingagents.replay.snapshot import is_sample  # noqa: PLC0415

    return "the bundled sample" if is_sample(root) else str(root)


#: ``ctx.meta`` key: scanners a calling command switches off, each with the reason shown.
SKIP_REASONS = "tradingagents.discover.skip_reasons"
#: ``ctx.meta`` key: a calling command's config layer under ``--config`` (runs replay's
#: recorded config), as ``(name, partial discovery table)``.
BASE_CONFIG = "tradingagents.discover.base_config"


class SourceMode(StrEnum):
    live = "live"
    replay = "replay"


@app.command(context_settings=CONTEXT)
def discover(
    ctx: typer.Context,
    trade_date: Annotated[
        str | None,
        typer.Option("--date", help="Trade date YYYY-MM-DD (default: the snapshot's, or today)."),
    ] = None,
    source: Annotated[
        SourceMode | None,
        typer.Option(help="Data source (default: the config's, else replay).", show_default=False),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Call the live APIs: --source live.")
    ] = False,
    snapshot: Annotated[
        str | None, typer.Option(help="Replay this snapshot directory (default: the sample).")
    ] = None,
    replay_latency: Annotated[
        bool, typer.Option("--replay-latency", help="Wait each response's recorded latency.")
    ] = False,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="Run scanners one at a time.")
    ] = False,
    max_workers: Annotated[
        int | None, typer.Option(help="At most this many scanners at once.")
    ] = None,
    timeout: Annotated[float | None, typer.Option(help="Per-scanner timeout in seconds.")] = None,
    only: Annotated[list[str] | None, ONLY_OPTION] = None,
    skip: Annotated[list[str] | None, SKIP_OPTION] = None,
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
    out: Annotated[Path, RUN_OUT_OPTION] = Path("results"),
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Run discovery with live progress, print the ranked candidates and write the run files."""
    mode = source.value if source is not None else None
    if live:
        if mode == "replay":
            raise typer.BadParameter("--live cannot go with --source replay", param_hint="--live")
        mode = "live"
    day_flag = parse_date_flag(trade_date) if trade_date is not None else None
    check_snapshot_dir(snapshot)
    # A command that runs discovery for the user (runs replay) may switch scanners off too.
    skip_reasons = {**ctx.meta.get(SKIP_REASONS, {}), **selection_reasons(only, skip)}
    overrides = flag_overrides(
        source=mode,
        snapshot=snapshot,
        replay_latency=replay_latency,
        sequential=sequential,
        max_workers=max_workers,
        timeout=timeout,
        disabled=list(skip_reasons),
    )
    from tradingagents.reports.chart_process import ChartProcess  # noqa: PLC0415

    # In a process that ends with this command, a helper started before the heavy imports
    # loads matplotlib on another core meanwhile; in a long-lived one (main() called in turn,
    # the tests) matplotlib stays loaded after the first chart, and drawing here is cheaper.
    mode_ = ctx.obj if isinstance(ctx.obj, RunMode) else RunMode()
    with ChartProcess(spawn=mode_.one_shot) as chart:
        settings = load_cli_settings(config_file, overrides, ctx.meta.get(BASE_CONFIG))
        prepare_out(out)
        configure_logging()
        from tradingagents.engine import CancelToken  # noqa: PLC0415
        from tradingagents.errors import DiscoveryCancelled, TradingAgentsError  # noqa: PLC0415
        from tradingagents.graph.discovery_graph import DiscoveryGraph  # noqa: PLC0415

        err = stderr()
        started = datetime.now()
        try:
            graph = DiscoveryGraph(
                settings.discovery, credentials=settings.credentials, skip_reasons=skip_reasons
            )
        except TradingAgentsError as exc:
            raise fail(str(exc)) from None
        state: dict[str, Any] | None = None
        with graph:
            try:
                day = _run_day(graph, day_flag, err)
            except TradingAgentsError as exc:
                raise fail(str(exc)) from None
            progress = Progress(
                [job.name for job in graph.jobs], f"scanners for {day.isoformat()}", err.width
            )
            cancel = CancelToken()
            try:
                state = _run_with_progress(graph, day, progress, err, cancel)
            except (KeyboardInterrupt, DiscoveryCancelled):
                _interrupted(cancel, err)
        print_provider_problems(state, err)
        # The results first: a trader reads them while the run files are written, and a disk
        # that refuses the files does not hide them.
        if as_json:
            typer.echo(_state_json(state))
        else:
            _print_result(state)
        written, write_error = _write_run_files(state, out, started, err, chart.render)
        if written is not None:
            err.print(f"run files in {escape(str(written))}")
        if write_error:
            raise typer.Exit(EXIT_FAILED)
        if not any(r["status"] == "ok" for r in state["scanner_runs"]):
            err.print("no scanner ran ok")
            raise typer.Exit(EXIT_FAILED)


def _state_json(state: Mapping[str, Any]) -> str:
    """The final state as ``--json`` prints it: redacted as the run files are, every form of
    every known secret included."""
    from tradingagents.redaction import known_secrets, redact  # noqa: PLC0415

    # Through JSON first: what default=str makes of an object is text redaction must see too.
    plain = json.loads(json.dumps(state, default=str))
    return json.dumps(redact(plain, known_secrets()), indent=1)


def _run_with_progress(
    graph: DiscoveryGraph,
    day: date,
    progress: Progress,
    err: Console,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from rich.live import Live  # noqa: PLC0415

    from tradingagents.errors import DiscoveryCancelled, TradingAgentsError  # noqa: PLC0415

    previous: Any = None
    if cancel is not None and threading.current_thread() is threading.main_thread():
        # Ctrl-C first cancels the run (the engine may be in a LangGraph worker thread, which
        # a KeyboardInterrupt never reaches), then interrupts this thread as usual.
        def on_sigint(signum: int, frame: Any) -> None:
            cancel.cancel()
            signal.default_int_handler(signum, frame)

        previous = signal.signal(signal.SIGINT, on_sigint)
    state: dict[str, Any] | None = None
    shown = False
    try:
        with Live(
            get_renderable=progress.render, console=err, refresh_per_second=8, transient=False
        ):
            shown = True
            for mode, chunk in _stream(graph, day, progress, cancel):
                if mode == "values" and isinstance(chunk, Mapping):
                    state = dict(chunk)
        if not err.is_terminal:
            # Off a terminal Live prints its last frame without ending the line.
            err.print()
    except (KeyboardInterrupt, DiscoveryCancelled):
        if shown and not err.is_terminal:
            err.print()  # end Live's last frame before the "interrupted" line
        raise
    except TradingAgentsError as exc:
        raise fail(str(exc)) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    assert state is not None  # the values stream always ends with the final state
    return state


def _interrupted(cancel: CancelToken, err: Console) -> NoReturn:
    """Ctrl-C during discover: write no run files, exit 130. The graph has recorded the partial
    run in the history (unfinished scanners as ``cancelled``, nothing charged to the breakers);
    LangGraph waits for its node before the interrupt reaches here."""
    runs = cancel.scanner_runs or []
    count = sum(1 for run in runs if run.get("status") == "cancelled")
    err.print(f"interrupted: {count} scanner{'' if count == 1 else 's'} cancelled")
    raise typer.Exit(EXIT_INTERRUPTED)


def print_provider_problems(state: Mapping[str, Any], err: Console) -> None:
    """One line per provider whose calls failed: the cause once, not once per call."""
    from tradingagents.reports.problems import provider_problem_lines  # noqa: PLC0415

    for line in provider_problem_lines(state):
        err.print(escape(line), soft_wrap=True)


def _write_run_files(
    state: Mapping[str, Any], out: Path, started: datetime, err: Console, chart: ChartRenderer
) -> tuple[Path | None, bool]:
    """The run files; the directory written (None if none) and whether any file failed."""
    from tradingagents.reports import ArtifactError, run_directory, write_run_artifacts  # noqa: PLC0415

    try:
        directory = run_directory(out, state["trade_date"], started)
        written = write_run_artifacts(dict(state), directory, chart=chart)
    except ArtifactError as exc:
        err.print(f"error: {escape(str(exc))}")
        return None, True
    except OSError as exc:
        where = exc.filename or out
        err.print(f"error: cannot write the run files under {where}: {exc.strerror or exc}")
        return None, True
    return written.directory, False


def _print_result(state: Mapping[str, Any]) -> None:
    from tradingagents.reports.explain import describe_source  # noqa: PLC0415

    console = stdout()
    runs = state["scanner_runs"]
    counts = Counter(r["status"] for r in runs)
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    ranked = state["ranked_candidates"]
    console.print(
        f"discovery for {state['trade_date']}. {escape(describe_source(state.get('source')))}"
    )
    console.print(
        f"{len(runs)} scanners ({statuses}): {len(state['candidates'])} candidates, "
        f"{len(state.get('filtered_candidates') or [])} passed the filter, {len(ranked)} ranked"
    )
    if ranked:
        console.print(candidates_table(ranked))


# -- scanners --------------------------------------------------------------------------------
