"""The Dask engine: the read → locate → filter pipeline run per file of a partitioned dataset.

One task per file of the dataset (:func:`conflictmap.partition.dataset_files`): the worker
reads the file (only the row groups that can match the spatial filters, through the GeoParquet
covering ``bbox``), validates it as every reader does, locates and filters it
(:func:`_filter_partition`), and writes its part of the output itself, or counts it. The client
only receives small summaries (and, for ``aggregate``, the counts), so the same code runs on a
``LocalCluster`` or on a remote cluster (``--scheduler tcp://HOST:8786``) whose workers see the
dataset and output paths the user gave.

Why tasks per file rather than ``dask_geopandas.read_parquet``: a task that reads its own file
can skip row groups by bbox and run the project's validation on what it read, and it writes
with the project's writer; ``dask_geopandas``' ``to_parquet`` fails on frames that carry the
covering ``bbox`` column (see the notes in /work/shared/notes of the session, checked again with
dask-geopandas 0.5.0).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from conflictmap.aggregate import Counts, combine_counts, count_events, finish_counts
from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.engines.pandas import execute
from conflictmap.errors import ConfigurationError, InputError, MapperError
from conflictmap.filters import check_period, resolve_categories
from conflictmap.partition import output_directory, write_part
from conflictmap.plan import Plan
from conflictmap.schema import empty_events
from geo.filters import SpatialFilter

__all__ = [
    "PartSummary",
    "PartitionFilters",
    "count_dataset",
    "dask_client",
    "filter_dataset",
    "read_partition",
]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PartitionFilters:
    """The filters of a run, as sent to every task (picklable, no local state)."""

    since: str | None = None
    until: str | None = None
    categories: tuple[str, ...] = ()
    registry: CategoryRegistry | None = None
    spatial: SpatialFilter | None = None
    locate: bool = True
    country: str | None = None

    def plan(self) -> Plan:
        """Return the run's :class:`~conflictmap.plan.Plan` (dates, categories resolved and checked)."""
        since, until = check_period(since=self.since, until=self.until)
        keys = (
            resolve_categories(list(self.categories), registry=self.registry or default_registry())
            if self.categories
            else None
        )
        categories = frozenset(keys) if keys is not None else None
        return Plan(since, until, categories, self.spatial or SpatialFilter())

    def search_box(self) -> tuple[float, float, float, float] | None:
        """Return a box holding everything the spatial filters can keep, for the bbox read; None: all."""
        return self.plan().bounds()


@dataclass
class PartSummary:
    """What one task did: rows in its file, rows kept, and what the summary reports."""

    path: str
    rows: int = 0
    kept: int = 0
    unlocated: int = 0
    unlocated_names: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    geocoded: Counter[str] = field(default_factory=Counter)
    written: str | None = None


def read_partition(
    path: str | Path, *, box: tuple[float, float, float, float] | None, registry: Any
) -> tuple[gpd.GeoDataFrame, int]:
    """Read one dataset file, only the row groups that can hold events in ``box``.

    Events without geometry are always read (they may be located from their place names). The
    file is validated as :func:`conflictmap.read_events` validates a Parquet file.

    Returns
    -------
    events : geopandas.GeoDataFrame
        The events read (validated, canonical columns).
    rows : int
        Number of events in the whole file.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    # Private for now: the coordinator swaps in the plan-aware reader of engines/pandas.
    from conflictmap.readers.spatial import _from_frame

    path = Path(path)
    try:
        meta = pq.ParquetFile(path)
        rows = meta.metadata.num_rows
        geo = json.loads((meta.schema_arrow.metadata or {}).get(b"geo", b"{}"))
        covering = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {}).get("covering")
        filters = None
        if box is not None and covering:
            b = covering["bbox"]
            xmin, ymin, xmax, ymax = (pc.field(*b[k]) for k in ("xmin", "ymin", "xmax", "ymax"))
            west, south, east, north = box
            inside = (xmin <= east) & (xmax >= west) & (ymin <= north) & (ymax >= south)
            filters = inside | xmin.is_null()
        frame = gpd.read_parquet(path, filters=filters) if geo else pd.read_parquet(path)
        if covering and covering["bbox"]["xmin"][0] in frame.columns:
            frame = frame.drop(columns=[covering["bbox"]["xmin"][0]])
    except MapperError:
        raise
    except Exception as err:
        raise InputError(f"{path}: not a readable Parquet file: {err}") from err
    if frame.empty:
        return empty_events(), rows
    return _from_frame(frame, path=path, registry=registry), rows


def _filter_partition(gdf: gpd.GeoDataFrame, filters: PartitionFilters) -> tuple[gpd.GeoDataFrame, Counter]:
    """Locate and filter the events of one partition as the in-memory pipeline does.

    The same engine as in memory (:func:`conflictmap.engines.pandas.execute`) executes the
    run's plan on the partition: time and category first, then locating what is left, the
    spatial filters, and admin-1 units for the events kept.

    Returns
    -------
    kept : geopandas.GeoDataFrame
    geocoded : collections.Counter
        Events located from place names, by source.
    """
    done = execute(filters.plan(), gdf, locate=filters.locate and len(gdf) > 0, country=filters.country)
    geocoded: Counter[str] = done.report.geocoded if done.report is not None else Counter()
    return done.events, geocoded


def _filter_task(path: str, filters: PartitionFilters, out: str | None) -> PartSummary:
    """Read, filter and write one file (runs on a worker)."""
    events, rows = read_partition(path, box=filters.search_box(), registry=filters.registry)
    kept, geocoded = _filter_partition(events, filters)
    unlocated = kept[~kept["located"]]
    summary = PartSummary(
        path=path,
        rows=rows,
        kept=len(kept),
        unlocated=len(unlocated),
        unlocated_names=Counter(unlocated["location"].fillna("(no place name)")),
        by_category=Counter(kept["category"]),
        geocoded=geocoded,
    )
    if out is not None and len(kept):
        write_part(kept, Path(out))
        summary.written = out
    return summary


def _count_task(
    path: str, filters: PartitionFilters, by: str, every: str | None
) -> tuple[PartSummary, Counts]:
    """Read, filter and count one file (runs on a worker)."""
    events, rows = read_partition(path, box=filters.search_box(), registry=filters.registry)
    kept, geocoded = _filter_partition(events, filters)
    summary = PartSummary(
        path=path, rows=rows, kept=len(kept), by_category=Counter(kept["category"]), geocoded=geocoded
    )
    return summary, count_events(kept, by=by, every=every)


@contextmanager
def dask_client(*, scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """Connect to a Dask cluster, or start a ``LocalCluster`` sized to the machine.

    Parameters
    ----------
    scheduler
        Address of an existing scheduler (``tcp://HOST:8786``); None starts a local cluster.
    workers
        Worker processes of the local cluster (one thread each); default: the CPU count.

    Raises
    ------
    ConfigurationError
        When the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as err:
            raise ConfigurationError(f"--scheduler {scheduler}: cannot connect ({err})") from err
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    # distributed logs its start and stop at INFO on its own handler: keep to the CLI's level.
    logging.getLogger("distributed").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    # Processes, not threads: validation and locating hold the GIL. Memory is shared out evenly.
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            # Any free port: `None` still means :8787, and a second run on the machine (or
            # another Dask user) holding it made distributed warn and move on.
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _run_tasks(client: Any, futures: list[Any], progress: Progress | None) -> list[Any]:
    """Wait for the tasks, advancing ``progress``; the first task error is raised as it was."""
    from distributed import as_completed

    results: dict[Any, Any] = {}
    for future in as_completed(futures):
        results[future.key] = future.result()  # re-raises a task's MapperError with its message
        if progress is not None:
            progress(1)
    return [results[f.key] for f in futures]


def filter_dataset(
    files: Sequence[Path],
    output: str | Path,
    *,
    filters: PartitionFilters,
    client: Any,
    output_format: str | None = None,
    progress: Progress | None = None,
) -> tuple[list[PartSummary], list[str]]:
    """Filter a partitioned dataset into a dataset directory or, for a small result, one file.

    Parameters
    ----------
    files
        The dataset's files (:func:`conflictmap.partition.dataset_files`).
    output
        A directory (no extension, or an existing directory): one ``part-NNNNN.parquet`` per
        input file that kept events, written by the workers. A file name (``.parquet``,
        ``.geojson``, ``.csv``, ``.gpkg``): the workers write parts beside it, the client joins
        them into that one file (meant for results that fit in memory).
    filters
        The run's filters.
    client
        A ``distributed.Client`` (:func:`dask_client`).

    Returns
    -------
    summaries : list of PartSummary
        One per input file, in order.
    outputs : list of str
        What was written.
    """
    target = Path(output)
    single = bool(target.suffix) and not target.is_dir()
    if single:
        staging = target.parent / f".{target.name}.parts-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True)
        try:
            summaries = _scatter_filter(files, staging, filters=filters, client=client, progress=progress)
            parts = [gpd.read_parquet(s.written) for s in summaries if s.written]
            from conflictmap.readers.spatial import _from_frame
            from conflictmap.writers import write_events

            kept = (
                empty_events()
                if not parts
                else _from_frame(
                    pd.concat(parts, ignore_index=True).drop(columns="bbox", errors="ignore"),
                    path=target,
                    registry=filters.registry,
                )
            )
            write_events(kept, target, format=output_format)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return summaries, [str(target)]
    with output_directory(target) as tmp:
        summaries = _scatter_filter(files, tmp, filters=filters, client=client, progress=progress)
    written = [str(target / Path(s.written).name) for s in summaries if s.written]
    return summaries, [f"{target}/ ({len(written)} files)"]


def _scatter_filter(
    files: Sequence[Path], out_dir: Path, *, filters: PartitionFilters, client: Any, progress: Progress | None
) -> list[PartSummary]:
    futures = [
        client.submit(_filter_task, str(path), filters, str(out_dir / f"part-{i:05d}.parquet"), pure=False)
        for i, path in enumerate(files)
    ]
    return _run_tasks(client, futures, progress)


def count_dataset(
    files: Sequence[Path],
    *,
    by: str,
    every: str | None,
    filters: PartitionFilters,
    client: Any,
    progress: Progress | None = None,
) -> tuple[list[PartSummary], Counts]:
    """Count events per unit and period over a partitioned dataset (see :mod:`conflictmap.aggregate`).

    Each worker counts its file; the client adds up the counts (one row per unit and period).
    """
    futures = [client.submit(_count_task, str(path), filters, by, every, pure=False) for path in files]
    results = _run_tasks(client, futures, progress)
    summaries = [s for s, _ in results]
    return summaries, finish_counts(combine_counts(c for _, c in results))


def progress_bar(total: int, *, quiet: bool, label: str) -> Any:
    """Return a click progress bar over the tasks on stderr (a terminal only, and not when quiet)."""
    import click

    if quiet or not sys.stderr.isatty():
        return _NoBar()
    return click.progressbar(length=total, label=label, file=sys.stderr)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        """Do nothing."""
