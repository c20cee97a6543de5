"""The ``conflictmap`` command line: thin commands over the library API."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import click

from conflictmap import __version__
from conflictmap._extract_cli import extract_command
from conflictmap._options import filter_options, locate_options, region_options
from conflictmap._scale_cli import (
    COUNTS_ABOVE,
    aggregate_command,
    draw_counts_instead,
    engine_options,
    map_counts,
    partition_command,
    run_dask_filter,
)
from conflictmap._store_cli import incidents_opt, ingest_command, store_group, store_opt
from conflictmap.categories import CategoryRegistry, load_registry
from conflictmap.counts_io import is_counts_file
from conflictmap.errors import ConfigurationError, MapperError
from conflictmap.filters import check_period, resolve_categories
from conflictmap.outputs import atomic_outputs, check_outputs, is_stdout
from conflictmap.pipeline import RunSummary, load_events, write_map
from conflictmap.plan import Plan
from conflictmap.writers import WRITE_FORMATS, output_format, write_events

EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

LabelledPaths = Sequence[tuple[str, str | Path | None]]  # ("-o", path), ("input", path), ...
# INPUT files, or none with --store (checked in _run).
inputs_arg = click.argument("inputs", nargs=-1, type=click.Path(dir_okay=True, path_type=str))


def _store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach --store, --incidents and --incident-rule to a command that reads events."""
    from conflictmap._store_cli import rule_opt

    return store_opt(incidents_opt(rule_opt(func)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conflictmap")
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="No summary, no progress bars.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Map conflict events: read event files, filter them, draw maps and export them."""
    level = logging.ERROR if quiet else max(logging.DEBUG, logging.WARNING - 10 * verbose)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"quiet": quiet, "verbose": verbose}


@cli.command("map")
@inputs_arg
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="HTML file to write, or - for the page on stdout.",
)
@click.option(
    "--geojson",
    type=click.Path(path_type=Path),
    help="Also write the mapped events as GeoJSON (written with -o: both or neither).",
)
@click.option("--title", help="Map title (default: 'Conflict events').")
@click.option(
    "--tiles",
    default="OpenStreetMap",
    show_default=True,
    callback=lambda _ctx, _param, value: _checked_tiles(value),
    help="Basemap: OpenStreetMap, any xyzservices provider (Esri.WorldImagery, OpenTopoMap, ...), "
    "'offline' (drawn from the shipped boundaries, no network) or 'none'.",
)
@click.option(
    "--renderer",
    type=click.Choice(["auto", "markers", "canvas"]),
    default="auto",
    show_default=True,
    help="One marker per event, or symbols on a canvas (fast at 100,000 events); "
    "auto: markers up to 1,000 events.",
)
@click.option(
    "--assets",
    type=click.Choice(["inline", "cdn"]),
    default="inline",
    show_default=True,
    help="inline: Leaflet, its plugins, styles and icons inside the page, which then works with no "
    "network (tiles aside); cdn: a smaller page loading them from jsDelivr.",
)
@_store_options
@filter_options
@region_options
@locate_options
@click.pass_obj
def map_command(
    obj: dict[str, Any],
    inputs: tuple[str, ...],
    output: Path,
    geojson: Path | None,
    title: str | None,
    tiles: str,
    renderer: str,
    assets: str,
    **opts: Any,
) -> None:
    """Draw events from INPUT files (event data or articles) on an HTML map.

    One toggleable layer per category group, a legend, a time control, uncertainty drawn as
    circles and regions, diplomatic links, a choropleth of events per province, place search.
    """
    _warn_if_not_html(output)
    if len(inputs) == 1 and is_counts_file(inputs[0]):
        map_counts(obj, inputs[0], output, title=title, tiles=tiles)
        return

    def work(registry: CategoryRegistry, summary_events: Callable[..., Any], plan: Plan) -> RunSummary:
        events, summary = summary_events()
        if len(events) > COUNTS_ABOVE:
            summary.outputs += draw_counts_instead(events, output, geojson, title=title, tiles=tiles)
            summary.written = len(events)
            return summary
        # The GeoJSON first, so that a page on standard output comes after every file is ready.
        if geojson:
            write_events(events, geojson, format="geojson")
        write_map(
            events,
            output,
            title=title,
            tiles=tiles,
            registry=registry,
            spatial=plan.spatial,
            renderer=renderer,
            assets=assets,
        )
        summary.outputs += [_shown(output), *([_shown(geojson)] if geojson else [])]
        summary.written = len(events)
        return summary

    _run(obj, inputs, opts, work, outputs=[("-o", output), ("--geojson", geojson)])


def _warn_if_not_html(output: Path) -> None:
    """Warn when the map's -o looks like another kind of file: the map is an HTML page."""
    if is_stdout(output) or output.suffix.lower() in (".html", ".htm"):
        return
    try:
        fmt = output_format(output, None)
    except ConfigurationError:
        hint = "name it .html to open it in a browser"
    else:
        hint = f"not {fmt} events (for those use --geojson FILE or `conflictmap export`)"
    click.echo(f"Warning: -o {output}: map writes an HTML page, {hint}", err=True)


def _shown(path: str | Path) -> str:
    return "standard output" if is_stdout(path) else str(path)


def _checked_tiles(value: str) -> str:
    """Check a --tiles value before any input is read (an unknown name exits 2 with suggestions)."""
    from layers.basemaps import check_tiles

    try:
        return check_tiles(value)
    except MapperError as err:
        raise click.BadParameter(str(err), param_hint="'--tiles'") from err


def _output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach the -o/--format options of the commands that write an event file."""
    func = click.option(
        "--format",
        "output_format",
        type=click.Choice(WRITE_FORMATS, case_sensitive=False),
        help="Output format (default: from the extension).",
    )(func)
    return click.option(
        "-o",
        "--output",
        required=True,
        help="File to write (.geojson, .csv, .gpkg, .parquet), or - for GeoJSON on stdout.",
    )(func)


def _write_work(output: str, output_format: str | None) -> Callable[..., RunSummary]:
    """Return the work of export and filter: write the events that passed to one file."""

    def work(registry: CategoryRegistry, summary_events: Callable[..., Any], plan: Plan) -> RunSummary:
        events, summary = summary_events()
        write_events(events, output, format=output_format)
        summary.written = len(events)
        summary.outputs.append(_shown(output))
        return summary

    return work


@cli.command("export")
@inputs_arg
@_output_options
@engine_options
@_store_options
@filter_options
@region_options
@locate_options
@click.pass_obj
def export_command(
    obj: dict[str, Any], inputs: tuple[str, ...], output: str, output_format: str | None, **opts: Any
) -> None:
    """Convert and filter events from INPUT files into one file (--engine dask: a dataset, see filter)."""
    if _dask_engine(obj, inputs, output, output_format, opts):
        return
    _run(obj, inputs, opts, _write_work(output, output_format), outputs=[("-o", output)])


@cli.command("filter")
@inputs_arg
@_output_options
@engine_options
@_store_options
@filter_options
@region_options
@locate_options
@click.pass_obj
def filter_command(
    obj: dict[str, Any], inputs: tuple[str, ...], output: str, output_format: str | None, **opts: Any
) -> None:
    """Write the events of INPUT files that pass the filters (--region, --bbox, --near/--km, --within).

    The same as ``export``, named for what it is used for. Events with only a place name are
    located first, so that they can be filtered too. With --engine dask, INPUT is a partitioned
    GeoParquet dataset (directories, globs or files) and -o a new directory (one Parquet file
    per input file, written by the workers) or, for a result that fits in memory, one file.
    """
    if _dask_engine(obj, inputs, output, output_format, opts):
        return
    _run(obj, inputs, opts, _write_work(output, output_format), outputs=[("-o", output)])


def _dask_engine(
    obj: dict[str, Any], inputs: tuple[str, ...], output: str, output_format: str | None, opts: dict[str, Any]
) -> bool:
    """Run export/filter with --engine dask when asked (True), else drop the engine options."""
    engine = opts.pop("engine")
    opts["scheduler"], opts["workers"] = opts.pop("scheduler"), opts.pop("workers")
    if engine != "dask":
        if opts["scheduler"] or opts["workers"]:
            raise click.UsageError("--scheduler and --workers go with --engine dask")
        del opts["scheduler"], opts["workers"]
        return False
    run_dask_filter(obj, inputs, output, output_format, opts)
    return True


@cli.command("geocode")
@click.argument("names", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per name, in order.")
@locate_options
def geocode_command(names: tuple[str, ...], as_json: bool, **opts: Any) -> None:
    """Look up place NAMES (as reporters write them) in the offline gazetteer, then online geocoders."""
    from conflictmap import _geocode_cli

    with _collected_warnings() as caught:
        try:
            with _geocode_cli.chain_from_options(opts) as chain:
                report = _geocode_cli.geocode_report(
                    names, chain=chain, country=opts["country"], as_json=as_json
                )
        except MapperError as err:
            _print_warnings(caught)
            click.echo(f"Error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    _print_warnings(caught)
    click.echo(report)


@cli.command("regions")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the regions.")
@click.option(
    "--kind",
    type=click.Choice(["admin1", "country", "area"]),
    multiple=True,
    help="Only regions of this kind (repeatable).",
)
@click.option("--country", metavar="CC", help="Only regions of this country (ISO alpha-2).")
def regions_command(as_json: bool, kind: tuple[str, ...], country: str | None) -> None:
    """List the named regions usable with --region: admin-1 units, countries, disputed and composite areas."""
    from conflictmap import _geocode_cli

    click.echo(_geocode_cli.regions_report(kinds=kind, country=country, as_json=as_json))


@cli.command("categories")
@click.option(
    "--categories",
    "category_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file extending the registry.",
)
def categories_command(category_files: tuple[str, ...]) -> None:
    """List the event categories, their layers and aliases."""
    try:
        registry = load_registry(category_files)
    except MapperError as err:
        raise click.ClickException(str(err)) from err
    for key in registry:
        cat = registry[key]
        aliases = ", ".join(cat.aliases) or "-"
        click.echo(f"{key:<12} {cat.label:<24} {cat.layer:<18} {aliases}")


cli.add_command(extract_command)
cli.add_command(partition_command)
cli.add_command(aggregate_command)
cli.add_command(ingest_command)
cli.add_command(store_group)


def _run(
    obj: dict[str, Any],
    inputs: tuple[str, ...],
    opts: dict[str, Any],
    work: Callable[[CategoryRegistry, Callable[..., Any], Plan], RunSummary],
    *,
    outputs: LabelledPaths,
) -> None:
    """Run a command's work, turning library errors into messages and exit code 2.

    The options are checked before any input is read: no output may be an input or another
    output, the period and the spatial filters must make sense; they become the run's
    :class:`~conflictmap.plan.Plan`. The work's outputs are committed together when it succeeds
    (see :func:`conflictmap.outputs.atomic_outputs`).
    """
    from conflictmap import _geocode_cli

    quiet = obj["quiet"] or opts.pop("command_quiet")
    with _collected_warnings() as caught:
        try:
            store, incidents = opts.get("store"), opts.get("incidents")
            if bool(inputs) == (store is not None):
                raise ConfigurationError("give INPUT files or --store URL (one of them)")
            check_outputs(outputs, _files_read(inputs, opts))
            since, until = check_period(since=opts["since"], until=opts["until"])
            spatial = _geocode_cli.spatial_from_options(opts)
            registry = load_registry(opts.pop("category_files"))
            keys = resolve_categories(opts["categories"], registry=registry) if opts["categories"] else None
            plan = Plan(since, until, frozenset(keys) if keys is not None else None, spatial)
            with (
                _progress(len(inputs), quiet=quiet) as advance,
                _geocode_cli.chain_from_options(opts, lazy=True) as chain,
                atomic_outputs(),
            ):

                def summary_events() -> Any:
                    if store is not None or incidents:
                        return _store_or_incidents(inputs, opts, registry=registry, plan=plan, chain=chain)
                    return load_events(
                        inputs,
                        plan=plan,
                        format=opts["input_format"],
                        encoding=opts["encoding"],
                        registry=registry,
                        on_file=lambda _path, _n: advance(),
                        locate=not opts["no_geocode"],
                        chain=chain,
                        country=opts["country"],
                    )

                summary = work(registry, summary_events, plan)
        except MapperError as err:
            _print_warnings(caught)
            click.echo(f"Error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    _print_warnings(caught)
    if not quiet:
        for line in summary.lines(registry):
            click.echo(line, err=True)


def _store_or_incidents(
    inputs: tuple[str, ...],
    opts: dict[str, Any],
    *,
    registry: CategoryRegistry,
    plan: Plan,
    chain: Any,
) -> Any:
    """Return the events of --store (filters pushed down), as incidents with --incidents."""
    from conflictmap._store_cli import incident_rows, load_from_store

    incident_ids = None
    if opts.get("store") is not None:
        events, summary, incident_ids = load_from_store(opts, registry=registry, spatial=plan.spatial)
    else:
        events, summary = load_events(
            inputs,
            plan=plan,
            format=opts["input_format"],
            encoding=opts["encoding"],
            registry=registry,
            locate=not opts["no_geocode"],
            chain=chain,
            country=opts["country"],
        )
    if opts.get("incidents"):
        events = incident_rows(events, incident_ids, registry=registry, rule_file=opts.get("incident_rule"))
    return events, summary


def _files_read(inputs: Sequence[str], opts: dict[str, Any]) -> LabelledPaths:
    """Return ``(what, path)`` of every file a command reads: inputs, categories, overrides, polygons."""
    from conflictmap._geocode_cli import OVERRIDES_FILENAME

    overrides = opts.get("overrides")
    if not overrides and (Path.cwd() / OVERRIDES_FILENAME).is_file():
        overrides = Path.cwd() / OVERRIDES_FILENAME
    return [
        *(("input", path) for path in inputs),
        *(("--categories file", path) for path in opts.get("category_files") or ()),
        ("--overrides file", overrides),
        ("--within file", opts.get("within")),
        *([("--store", store)] if (store := opts.get("store")) and "://" not in store else []),
    ]


@contextmanager
def _collected_warnings() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    from conflictmap.errors import DataWarning, Reprojected

    for item in caught:
        if issubclass(item.category, Reprojected):  # not a problem: said as a note of the run
            click.echo(f"Note: {item.message}", err=True)
        elif issubclass(item.category, DataWarning):
            click.echo(f"Warning: {item.message}", err=True)
        else:
            logging.getLogger("conflictmap").debug("%s", item.message)


@contextmanager
def _progress(total: int, *, quiet: bool) -> Iterator[Callable[[], None]]:
    """Show a progress bar over the inputs on stderr, only on a terminal and when not quiet."""
    if quiet or total < 2 or not sys.stderr.isatty():
        yield lambda: None
        return
    with click.progressbar(length=total, label="Reading inputs", file=sys.stderr) as bar:
        yield lambda: bar.update(1)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM, so that cleanups (temporary files) run as on Ctrl-C."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: let the cleanups finish
    raise Terminated


def _interrupted(err: BaseException | None) -> None:
    if isinstance(err, Terminated):
        click.echo("Terminated (SIGTERM).", err=True)
        sys.exit(EXIT_TERMINATED)
    click.echo("Interrupted.", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _use_system_allocator() -> None:
    """Have Arrow allocate with the C library's malloc in this process, unless the user chose a pool.

    Arrow's default pool (mimalloc) maps fresh memory for each new block, and the kernel's first
    touch of it is paid in system time: reading the row groups of 1,000,000 events
    (bench/region_filter.py) took 0.23-0.34 s of user time either way, but 0.5-0.86 s of system
    time with mimalloc against 0.07-0.09 s with the system allocator (and 0.09-0.15 s with
    jemalloc), the first read of a fresh process, which is what a CLI run is. The process is the
    CLI's own, so the choice is made here and not in the library (``ARROW_DEFAULT_MEMORY_POOL``
    still wins when set).
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa  # already imported by pandas

    pa.set_memory_pool(pa.system_memory_pool())


# glibc's mallopt parameters, and the values the CLI gives them (see _keep_freed_memory).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 2**20  # glibc's largest
_TRIM_THRESHOLD = 2**30


def _keep_freed_memory() -> None:
    """Have glibc's malloc reuse the memory a run frees instead of handing it back and mapping more.

    Arrow's buffers (now from malloc, see :func:`_use_system_allocator`) and NumPy's arrays are
    large: by default glibc maps the largest afresh and returns freed memory to the kernel, and
    every new block is paid again in page faults. With fixed thresholds (large blocks from the
    heap, freed memory kept for the next ones) the filter of 1,000,000 events took 64,000 minor
    page faults instead of 74,000-93,000, and 0.21-0.27 s of system time instead of 0.31-0.49 s,
    for the same peak memory. Linux with glibc only, and not when the user tuned malloc
    (``MALLOC_*`` variables).
    """
    if not sys.platform.startswith("linux") or any(name.startswith("MALLOC_") for name in os.environ):
        return
    import ctypes
    import platform

    if platform.libc_ver()[0] != "glibc":
        return
    with suppress(OSError, AttributeError):  # no mallopt in this C library after all
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


# Allocations between collections of the youngest generation (Python's default is 700).
_GC_YOUNG_THRESHOLD = 10_000


def _settle_garbage_collector() -> None:
    """Leave the objects of the imports out of garbage collection, and collect less often.

    Imports leave some hundreds of thousands of long-lived objects (modules, functions,
    classes), and every full collection walked all of them again: the filter of 1,000,000
    events (bench/region_filter.py) spent 0.16-0.18 s in collections after its imports, with
    nothing to collect among those objects. Frozen (:func:`gc.freeze`) they are never walked:
    0.03 s, and 0.013 s when the youngest generation is collected every 10,000 allocations
    instead of 700. Cycles are still collected, only later.
    """
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(_GC_YOUNG_THRESHOLD, middle, oldest)


def main() -> None:
    """Entry point: run the CLI and turn its end into an exit code.

    0 success, 2 bad input or usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 1 an
    unexpected failure (with a short message). An interrupted write leaves no temporary file and
    the old output as it was.
    """
    with suppress(ValueError):  # not the main thread of the interpreter: leave signals alone
        signal.signal(signal.SIGTERM, _on_sigterm)
    _use_system_allocator()
    _keep_freed_memory()
    _settle_garbage_collector()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort as err:  # click turns KeyboardInterrupt into Abort
        _interrupted(err.__cause__ or err.__context__)
    except KeyboardInterrupt as err:  # outside click's own handling
        _interrupted(err)
    except click.ClickException as err:
        err.show()
        sys.exit(EXIT_BAD_INPUT)
    except SystemExit:
        raise
    except Exception as err:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        click.echo(
            f"Unexpected error: {type(err).__name__}: {err} "
            "(run with -vv for the traceback; please report it)",
            err=True,
        )
        sys.exit(EXIT_UNEXPECTED)
