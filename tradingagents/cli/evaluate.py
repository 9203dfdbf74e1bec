"""``tradingagents evaluate``: point-in-time discovery over past days and its picks' returns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tradingagents.cli.app import app
from tradingagents.cli.common import (
    CONFIG_OPTION,
    CONTEXT,
    ONLY_OPTION,
    SKIP_OPTION,
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


def _horizons(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"expected sessions such as 1,5,20, got {text!r}", param_hint="--horizons"
        ) from None
    if not values or any(v < 1 for v in values):
        raise typer.BadParameter(
            f"expected positive numbers of sessions such as 1,5,20, got {text!r}",
            param_hint="--horizons",
        )
    return values


@app.command(context_settings=CONTEXT)
def evaluate(
    start: Annotated[
        str | None,
        typer.Option("--from", help="First trade date YYYY-MM-DD (default: see docs)."),
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last trade date YYYY-MM-DD.")] = None,
    horizons: Annotated[
        str | None, typer.Option(help="Forward horizons in sessions, e.g. 1,5,20.")
    ] = None,
    benchmark: Annotated[str | None, typer.Option(help="Benchmark symbol (default SPY).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes (default: the CPU count).")
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(help="Dask: local:N starts a LocalCluster, tcp://host:8786 joins one."),
    ] = None,
    bars: Annotated[
        Path | None,
        typer.Option(help="Bar archive (parquet) the history scanners read (default: sample's)."),
    ] = None,
    snapshot: Annotated[
        str | None, typer.Option(help="Replay this snapshot directory (default: the sample).")
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Date-range scanners ask the live APIs; without --bars, daily bars are "
            "fetched once through the price cache.",
        ),
    ] = False,
    only: Annotated[list[str] | None, ONLY_OPTION] = None,
    skip: Annotated[list[str] | None, SKIP_OPTION] = None,
    config_file: Annotated[Path | None, CONFIG_OPTION] = None,
    out: Annotated[
        Path, typer.Option(help="Directory of evaluation.parquet/.md/.png and finished days.")
    ] = Path("results/evaluation"),
) -> None:
    """Run discovery point-in-time on each trading day and measure its picks' forward returns."""
    first = parse_date_flag(start, "--from") if start is not None else None
    last = parse_date_flag(end, "--to") if end is not None else None
    if first is not None and last is not None and first > last:
        raise fail(f"--from {first} is after --to {last}")
    check_snapshot_dir(snapshot)
    if bars is not None and not bars.is_file():
        raise fail(f"--bars {bars} is not a file")
    if workers is not None and workers < 1:
        raise fail(f"--workers {workers}: at least one worker is needed")
    if workers is not None and cluster is not None:
        raise fail("--workers and --cluster cannot go together: the cluster has its own workers")
    skip_reasons = selection_reasons(only, skip)
    overrides = flag_overrides(
        source="live" if live else None, snapshot=snapshot, disabled=list(skip_reasons)
    )
    evaluation: dict[str, object] = {}
    if horizons is not None:
        evaluation["horizons"] = _horizons(horizons)
    if benchmark is not None:
        evaluation["benchmark"] = benchmark
    if evaluation:
        overrides["discovery"]["evaluation"] = evaluation
    settings = load_cli_settings(config_file, overrides)
    prepare_out(out)
    configure_logging()

    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from tradingagents.errors import TradingAgentsError  # noqa: PLC0415
    from tradingagents.evaluation import evaluate as run_evaluation  # noqa: PLC0415

    err = stderr()
    columns = (
        TextColumn("days"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("days", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = run_evaluation(
                first,
                last,
                config=settings.discovery,
                bars=bars,
                out=out,
                workers=workers,
                cluster=cluster,
                skip_reasons=skip_reasons,
                progress=progress,
            )
        except TradingAgentsError as exc:
            raise fail(str(exc)) from None
    console = stdout()
    resumed = len(result.days) - result.days_run
    console.print(
        f"{len(result.days)} days ({result.days_run} run, {resumed} from earlier runs), "
        f"{len(result.frame)} pick-horizon rows"
    )
    if result.synthetic:
        console.print("synthetic data: these results mean nothing for trading")
    for item in result.not_evaluable:
        console.print(
            f"not evaluable for these dates: {item.scanner} ({item.days}/{item.of_days} days): "
            f"{escape(item.reason)}"
        )
    for path in result.files.values():
        err.print(f"wrote {escape(str(path))}")
