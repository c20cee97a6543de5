"""The store commands: ``conflictmap ingest`` and ``conflictmap store info``, and --store reading."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import click
import geopandas as gpd

from conflictmap._options import categories_file_opt, encoding_opt, input_format_opt, locate_options
from conflictmap.categories import CategoryRegistry, load_registry
from conflictmap.errors import InputError, MapperError
from conflictmap.pipeline import RunSummary
from geo.filters import SpatialFilter

__all__ = ["incidents_opt", "ingest_command", "load_from_store", "store_group", "store_opt"]

store_opt = click.option(
    "--store",
    metavar="URL",
    help="Read the events from a store (a GeoPackage path or postgresql://USER@HOST:PORT/DB) "
    "instead of INPUT files, the filters pushed down into its query.",
)
incidents_opt = click.option(
    "--incidents",
    is_flag=True,
    help="One row per incident (reports linked by the incident rule), at its most precise report, "
    "with sources and report_count.",
)
rule_opt = click.option(
    "--incident-rule",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="YAML thresholds of the incident rule (default: the shipped data/incident_rule.yaml).",
)


@click.command("ingest")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--store", required=True, metavar="URL", help="GeoPackage path or postgresql://USER@HOST:PORT/DB."
)
@rule_opt
@input_format_opt
@encoding_opt
@categories_file_opt
@click.option("--no-geocode", is_flag=True, help="Do not locate events that have only a place name.")
@locate_options
@click.pass_obj
def ingest_command(obj: dict[str, Any], inputs: tuple[str, ...], store: str, **opts: Any) -> None:
    """Read, locate and validate INPUT files as export does, and add them to a store.

    One transaction per file: a file is stored whole or not at all. Events already stored are not
    added again; an event whose source id comes back changed replaces the old version, which is
    kept in the store's history. New reports are linked to the stored reports of the same incident.
    """
    from conflictmap import _geocode_cli
    from conflictmap.store import ingest_files, load_rule, open_store

    quiet = obj["quiet"]
    try:
        registry = load_registry(opts.pop("category_files"))
        rule = load_rule(opts.pop("incident_rule"))
        backend = open_store(store)
        try:
            with _geocode_cli.chain_from_options(opts) as chain:

                def report(result: Any) -> None:
                    if not quiet:
                        click.echo(
                            f"{result.path}: read {result.read}; added {result.added}; replaced "
                            f"{result.replaced}; unchanged {result.unchanged}; linked to other reports "
                            f"{result.linked}",
                            err=True,
                        )

                ingest_files(
                    inputs,
                    store=backend,
                    registry=registry,
                    rule=rule,
                    locate=not opts["no_geocode"],
                    chain=chain,
                    country=opts["country"],
                    encoding=opts["encoding"],
                    format=opts["input_format"],
                    on_file=report,
                )
        finally:
            backend.close()
    except MapperError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)


@click.group("store")
def store_group() -> None:
    """Inspect an event store."""


@store_group.command("info")
@click.option(
    "--store", required=True, metavar="URL", help="GeoPackage path or postgresql://USER@HOST:PORT/DB."
)
def info_command(store: str) -> None:
    """Print a store's schema version (migrating it forward) and its counts per source, category, month."""
    from conflictmap.store import open_store

    try:
        check_store_exists(store)
        backend = open_store(store)
        try:
            found, now = backend.migrate()
            info = backend.info()
        finally:
            backend.close()
    except MapperError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    if found and found != now:
        click.echo(f"Migrated the schema from version {found} to {now}.")
    click.echo(f"Store {info.url}: schema version {info.schema_version}")
    click.echo(f"{info.reports} reports of {info.incidents} incidents; {info.history} replaced versions kept")
    for title, rows in (
        ("source file", info.by_source_file),
        ("source (top 20)", info.by_source),
        ("category", info.by_category),
        ("month", info.by_month),
    ):
        click.echo(f"By {title}:")
        for name, count in rows:
            click.echo(f"  {count:>9}  {name}")


def check_store_exists(url: str) -> None:
    """Refuse a GeoPackage store that does not exist (reading must not create an empty one)."""
    from pathlib import Path

    from conflictmap.store import is_postgres_url

    if not is_postgres_url(url) and not Path(url).exists():
        raise InputError(f"store {url}: no such file (create it with conflictmap ingest ... --store {url})")


def load_from_store(
    opts: dict[str, Any], *, registry: CategoryRegistry, spatial: SpatialFilter
) -> tuple[gpd.GeoDataFrame, RunSummary, list[str]]:
    """Read the events of ``--store`` with the command's filters pushed down."""
    from conflictmap.store import open_store, read_store, store_query

    query = store_query(
        since=opts["since"],
        until=opts["until"],
        categories=opts["categories"],
        spatial=spatial,
        registry=registry,
    )
    check_store_exists(opts["store"])
    backend = open_store(opts["store"])
    try:
        if backend.schema_version() == 0:
            raise InputError(f"store {opts['store']}: empty (run conflictmap ingest first)")
        events, incident_ids = read_store(backend, query, spatial=spatial)
    finally:
        backend.close()
    unlocated = events[~events["located"]]
    summary = RunSummary(
        inputs=[opts["store"]],
        read=len(events),
        unlocated=len(unlocated),
        unlocated_names=Counter(unlocated["location"].fillna("(no place name)")),
        by_category=Counter(events["category"]),
        spatial=spatial.describe(),
    )
    return events, summary, incident_ids


def incident_rows(
    events: gpd.GeoDataFrame,
    incident_ids: list[str] | None,
    *,
    registry: CategoryRegistry,
    rule_file: str | None,
) -> gpd.GeoDataFrame:
    """One row per incident: from the store's links, or linking the events read from files now."""
    import numpy as np

    from conflictmap.store import collapse_incidents, link_reports, load_rule
    from conflictmap.store.base import LINKED_COLUMNS
    from conflictmap.store.incidents import DATASET, dataset_of
    from conflictmap.store.rows import encode_rows

    if incident_ids is None:
        rule = load_rule(rule_file)
        rows = encode_rows(events, registry=registry, km=rule.max_km, days=rule.max_days_apart)
        reports = rows[list(LINKED_COLUMNS)].copy()
        reports["incident_id"] = None
        reports[DATASET] = dataset_of(events)
        reports["geometry"] = np.asarray(events.geometry.array, dtype=object)
        linked, _ = link_reports(reports, rule=rule, is_new=np.ones(len(reports), dtype=bool))
        incident_ids = linked.tolist()
    return collapse_incidents(events, incident_ids)


Loader = Callable[..., Any]
