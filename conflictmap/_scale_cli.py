"""The commands and options past one machine: --engine dask, ``partition`` and ``aggregate``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from conflictmap._options import filter_options, inputs_arg, locate_options, region_options
from conflictmap.aggregate import EVERY, UNCOUNTED, Counts, aggregate_events, parse_unit
from conflictmap.counts_io import counts_format, write_counts
from conflictmap.errors import ConfigurationError, MapperError
from conflictmap.partition import DEFAULT_ROWS, PARTITION_BY
from conflictmap.pipeline import RunSummary

__all__ = [
    "COUNTS_ABOVE",
    "aggregate_command",
    "draw_counts_instead",
    "engine_options",
    "map_counts",
    "partition_command",
    "run_dask_filter",
]

EXIT_BAD_INPUT = 2
# A browser holds about a million events on the canvas map; beyond it, `map` draws counts.
COUNTS_ABOVE = 1_000_000

_engine_opt = click.option(
    "--engine",
    type=click.Choice(["pandas", "dask"]),
    default="pandas",
    show_default=True,
    help="pandas: in memory; dask: per file of a partitioned GeoParquet dataset (a directory or "
    "glob, see `conflictmap partition`), on a local or remote Dask cluster.",
)
_scheduler_opt = click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --engine dask: an existing Dask scheduler (tcp://HOST:8786) whose workers see the "
    "input and output paths (default: a local cluster sized to the machine).",
)
_workers_opt = click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    help="With --engine dask: worker processes of the local cluster (default: the CPU count).",
)


def engine_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach --engine, --scheduler and --workers."""
    for option in reversed((_engine_opt, _scheduler_opt, _workers_opt)):
        func = option(func)
    return func


def _dask_filters(opts: dict[str, Any]) -> Any:
    """Check the options of a Dask run and build the filters sent to the workers."""
    from conflictmap import _geocode_cli
    from conflictmap.categories import load_registry
    from conflictmap.engines.dask import PartitionFilters
    from conflictmap.filters import check_period, resolve_categories
    from geo.resolve import OVERRIDES_FILENAME

    if opts.get("geocoders") or opts.get("overrides") or (Path.cwd() / OVERRIDES_FILENAME).is_file():
        raise ConfigurationError(
            "--engine dask locates place names with the offline gazetteer only: --geocoder and "
            f"--overrides (or ./{OVERRIDES_FILENAME}) are not sent to the workers; locate the events "
            "first (`conflictmap partition` runs the whole locate step) or use --engine pandas"
        )
    if opts.get("input_format") not in (None, "parquet"):
        raise ConfigurationError("--engine dask reads partitioned GeoParquet only (--input-format parquet)")
    check_period(since=opts["since"], until=opts["until"])
    spatial = _geocode_cli.spatial_from_options(opts)
    registry = load_registry(opts.get("category_files") or ())
    if opts["categories"]:
        resolve_categories(opts["categories"], registry=registry)
    return PartitionFilters(
        since=opts["since"],
        until=opts["until"],
        categories=tuple(opts["categories"]),
        registry=registry,
        spatial=spatial,
        locate=not opts.get("no_geocode", False),
        country=opts.get("country"),
    )


def _summary(parts: list[Any], *, inputs: tuple[str, ...], spatial: Any) -> RunSummary:
    read = sum(p.rows for p in parts)
    kept = sum(p.kept for p in parts)
    summary = RunSummary(inputs=list(inputs), read=read, filtered_out=read - kept, written=kept)
    summary.spatial = spatial.describe() if spatial is not None else ""
    for part in parts:
        summary.unlocated += part.unlocated
        summary.unlocated_names.update(part.unlocated_names)
        summary.by_category.update(part.by_category)
        summary.geocoded.update(part.geocoded)
    return summary


def _guarded(obj: dict[str, Any], run: Callable[[], list[str]]) -> None:
    """Run, turning library errors into exit 2 and printing the summary lines unless quiet."""
    from conflictmap.cli import _collected_warnings, _print_warnings

    with _collected_warnings() as caught:
        try:
            lines = run()
        except MapperError as err:
            _print_warnings(caught)
            click.echo(f"Error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    _print_warnings(caught)
    if not obj.get("quiet"):
        for line in lines:
            click.echo(line, err=True)


def run_dask_filter(
    obj: dict[str, Any],
    inputs: tuple[str, ...],
    output: str,
    output_format: str | None,
    opts: dict[str, Any],
) -> None:
    """``filter``/``export --engine dask``: filter a partitioned dataset into a directory or a file."""
    from conflictmap.categories import load_registry
    from conflictmap.engines.dask import dask_client, filter_dataset, progress_bar
    from conflictmap.outputs import atomic_outputs, check_outputs, is_stdout
    from conflictmap.partition import dataset_files

    quiet = obj["quiet"] or opts.pop("command_quiet")
    obj = {**obj, "quiet": quiet}

    def run() -> list[str]:
        if is_stdout(output):
            raise ConfigurationError("--engine dask writes files: give -o a directory or a file, not -")
        files = dataset_files(inputs)
        check_outputs([("-o", output)], [("input", f) for f in files])
        filters = _dask_filters(opts)
        with (
            dask_client(scheduler=opts["scheduler"], workers=opts["workers"]) as client,
            progress_bar(len(files), quiet=quiet, label="Filtering partitions") as bar,
            atomic_outputs(),
        ):
            parts, outputs = filter_dataset(
                files,
                output,
                filters=filters,
                client=client,
                output_format=output_format,
                progress=bar.update,
            )
        summary = _summary(parts, inputs=inputs, spatial=filters.spatial)
        summary.outputs += outputs
        return summary.lines(filters.registry or load_registry(()))

    _guarded(obj, run)


@click.command("partition")
@inputs_arg
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="New dataset directory.")
@click.option(
    "--by",
    type=click.Choice(PARTITION_BY),
    default="year",
    show_default=True,
    help="One group of files per year or month of event_date.",
)
@click.option(
    "--rows",
    type=click.IntRange(1, None),
    default=DEFAULT_ROWS,
    show_default=True,
    help="At most this many events per file.",
)
@filter_options
@region_options
@locate_options
@click.pass_obj
def partition_command(
    obj: dict[str, Any], inputs: tuple[str, ...], output: Path, by: str, rows: int, **opts: Any
) -> None:
    """Write the events of INPUT files as a partitioned GeoParquet dataset for --engine dask.

    Events are read, located and filtered as by ``export``; each file holds one period's events
    sorted along a Hilbert curve, with the GeoParquet 1.1 covering bbox, so that a read by
    region skips most of the dataset.
    """
    from conflictmap.cli import _run
    from conflictmap.partition import write_partitioned

    def work(_registry: Any, summary_events: Callable[..., Any], _spatial: Any) -> RunSummary:
        events, summary = summary_events()
        files = write_partitioned(events, output, by=by, rows=rows)
        summary.written = len(events)
        summary.outputs.append(f"{output}/ ({len(files)} files)")
        return summary

    _run(obj, inputs, opts, work, outputs=[("-o", output)])


@click.command("aggregate")
@inputs_arg
@click.option(
    "-o", "--output", required=True, help="Counts file to write: .parquet, .csv or .geojson (unit polygons)."
)
@click.option(
    "--by",
    "unit",
    required=True,
    metavar="admin1|country|hex:RES",
    help="Count per admin-1 unit, per country, or per H3 hexagon of resolution RES (0-15).",
)
@click.option("--every", type=click.Choice(EVERY), help="Count per day, week (from Monday), month or year.")
@engine_options
@filter_options
@region_options
@locate_options
@click.pass_obj
def aggregate_command(
    obj: dict[str, Any], inputs: tuple[str, ...], output: str, unit: str, every: str | None, **opts: Any
) -> None:
    """Count events and fatalities of INPUT files per unit and period.

    ``conflictmap map COUNTS.parquet`` draws the counts as a choropleth that follows the time
    control. Events that cannot be placed in a unit (unlocated; for admin1 outside any province
    or spanning several; for hexagons areas) are not counted and the summary says how many.
    """
    engine, scheduler, workers = opts.pop("engine"), opts.pop("scheduler"), opts.pop("workers")
    try:
        parse_unit(unit)
        counts_format(output)
    except ConfigurationError as err:
        raise click.UsageError(str(err)) from err
    if engine == "dask":
        _aggregate_dask(obj, inputs, output, unit, every, opts, scheduler=scheduler, workers=workers)
        return
    from conflictmap.cli import _run

    def work(_registry: Any, summary_events: Callable[..., Any], _spatial: Any) -> RunSummary:
        events, summary = summary_events()
        counts = aggregate_events(events, by=unit, every=every)
        write_counts(counts, output)
        summary.written = len(counts.table)
        summary.outputs += _count_lines(counts, output)
        return summary

    _run(obj, inputs, opts, work, outputs=[("-o", output)])


def _count_lines(counts: Counts, output: str) -> list[str]:
    """Describe a counts file written and the events not counted (the summary prefixes 'wrote')."""
    line = f"{output} ({len(counts.table)} rows, {counts.events} events counted"
    missing = [f"{n} {UNCOUNTED[k]}" for k, n in counts.uncounted.most_common() if n]
    return [line + (f"; not counted: {'; '.join(missing)})" if missing else ")")]


def _aggregate_dask(
    obj: dict[str, Any],
    inputs: tuple[str, ...],
    output: str,
    unit: str,
    every: str | None,
    opts: dict[str, Any],
    *,
    scheduler: str | None,
    workers: int | None,
) -> None:
    from conflictmap.engines.dask import count_dataset, dask_client, progress_bar
    from conflictmap.outputs import atomic_outputs, check_outputs
    from conflictmap.partition import dataset_files

    quiet = obj["quiet"] or opts.pop("command_quiet")
    obj = {**obj, "quiet": quiet}

    def run() -> list[str]:
        files = dataset_files(inputs)
        check_outputs([("-o", output)], [("input", f) for f in files])
        filters = _dask_filters(opts)
        with (
            dask_client(scheduler=scheduler, workers=workers) as client,
            progress_bar(len(files), quiet=quiet, label="Counting partitions") as bar,
            atomic_outputs(),
        ):
            parts, counts = count_dataset(
                files, by=unit, every=every, filters=filters, client=client, progress=bar.update
            )
            write_counts(counts, output)
        summary = _summary(parts, inputs=inputs, spatial=filters.spatial)
        summary.written = len(counts.table)
        summary.outputs += _count_lines(counts, output)
        return summary.lines(filters.registry)

    _guarded(obj, run)


def save_map(fmap: Any, path: str | Path) -> None:
    """Save a folium map atomically, or to standard output for ``-``."""
    from conflictmap.outputs import atomic_output, is_stdout

    if is_stdout(path):
        sys.stdout.flush()
        fmap.save(sys.stdout.buffer, close_file=False)
        sys.stdout.buffer.flush()
        return
    with atomic_output(Path(path)) as tmp, tmp.open("wb") as fh:
        fmap.save(fh, close_file=False)


def map_counts(obj: dict[str, Any], path: str, output: Path, *, title: str | None, tiles: str) -> None:
    """``map COUNTS``: draw a counts file of ``aggregate`` as a choropleth."""
    from conflictmap.counts_io import read_counts
    from conflictmap.outputs import atomic_outputs, check_outputs
    from layers.counts import counts_map

    def run() -> list[str]:
        check_outputs([("-o", output)], [("input", path)])
        counts = read_counts(path)
        with atomic_outputs():
            save_map(counts_map(counts, title=title, tiles=tiles), output)
        return [f"Drew {counts.events:,} events of {len(counts.table):,} counts of {path}; wrote {output}"]

    _guarded(obj, run)


def draw_counts_instead(
    events: Any, output: Path, geojson: Path | None, *, title: str | None, tiles: str
) -> list[str]:
    """Draw events per province and month when there are more than a browser can hold."""
    from conflictmap.writers import write_events
    from layers.counts import counts_map

    counts = aggregate_events(events, by="admin1", every="month")
    note = (
        f"{len(events):,} events are more than a browser can draw (over {COUNTS_ABOVE:,}): "
        "counts per province and month instead (conflictmap aggregate)."
    )
    click.echo(f"Note: {note}", err=True)
    if geojson:
        write_events(events, geojson, format="geojson")
    save_map(counts_map(counts, title=title, tiles=tiles, note=note), output)
    return [str(output), *([str(geojson)] if geojson else [])]
