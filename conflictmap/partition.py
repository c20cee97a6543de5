"""Partitioned GeoParquet datasets: a directory of event files that engines read file by file.

``conflictmap partition`` writes one, and ``--engine dask`` reads one (a directory, a glob of
files, or files). Each file holds the events of one period (``--by year|month``), at most
``rows`` events, sorted along a Hilbert curve so that nearby events share row groups; with the
GeoParquet 1.1 covering ``bbox`` column and small row groups, a read by region skips most of
the dataset (see :func:`conflictmap.engines.dask.read_partition`).
"""

from __future__ import annotations

import glob
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from conflictmap.errors import ConfigurationError, ExportError, InputError

__all__ = [
    "PARTITION_BY",
    "ROW_GROUP_ROWS",
    "dataset_files",
    "output_directory",
    "spatial_order",
    "write_part",
    "write_partitioned",
]

PARTITION_BY = ("year", "month")
# Small row groups are what a bbox read skips: with 20,000 Hilbert-sorted events per group, a
# region the size of a governorate touches a few groups per file (measured in bench/dask_scale.py).
ROW_GROUP_ROWS = 20_000
DEFAULT_ROWS = 1_000_000
_GLOB_CHARS = "*?["


def dataset_files(inputs: Sequence[str | Path]) -> list[Path]:
    """Resolve dataset inputs (directories, globs, files) to the Parquet files they hold.

    Parameters
    ----------
    inputs
        Directories (every ``*.parquet`` file inside, recursively), glob patterns, or files.

    Returns
    -------
    list of Path
        Files in a stable order (each input's files sorted by name), without repeats.

    Raises
    ------
    InputError
        On a path that does not exist, a glob or directory without Parquet files, or a file
        that is not Parquet.
    """
    files: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".parquet", ".geoparquet"))
            where = f"directory {text}"
        elif any(c in text for c in _GLOB_CHARS) and not path.exists():
            found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            where = f"pattern {text}"
        elif path.is_file():
            found = [path]
            where = text
        else:
            raise InputError(f"{text}: no such file or directory")
        if not found:
            raise InputError(f"{where}: no Parquet files (*.parquet) in it")
        bad = [p for p in found if p.suffix.lower() not in (".parquet", ".geoparquet")]
        if bad:
            msg = f"{bad[0]}: --engine dask reads partitioned GeoParquet (.parquet), not {bad[0].suffix}"
            raise InputError(msg)
        files += found
    return list(dict.fromkeys(files))


def spatial_order(geometry: gpd.GeoSeries) -> np.ndarray:
    """Return the order that sorts events along a Hilbert curve; events without geometry go last.

    geopandas' ``hilbert_distance`` over the events' own bounds; a stable sort keeps the given
    order among events at the same distance.
    """
    missing = (geometry.isna() | geometry.is_empty).to_numpy()
    key = np.full(len(geometry), np.iinfo(np.int64).max, dtype=np.int64)
    if (~missing).any():
        located = geometry[~missing]
        key[~missing] = located.hilbert_distance(total_bounds=located.total_bounds).to_numpy()
    return np.argsort(key, kind="stable")


def write_part(events: gpd.GeoDataFrame, path: Path) -> None:
    """Write one file of a dataset: GeoParquet 1.1 with the covering bbox and small row groups."""
    events.to_parquet(
        path,
        index=False,
        schema_version="1.1.0",
        write_covering_bbox=True,
        row_group_size=ROW_GROUP_ROWS,
    )


def write_partitioned(
    events: gpd.GeoDataFrame,
    directory: str | Path,
    *,
    by: str | None = "year",
    rows: int = DEFAULT_ROWS,
) -> list[Path]:
    """Write events as a partitioned GeoParquet dataset, spatially sorted within each file.

    Parameters
    ----------
    events
        An event collection (see :mod:`conflictmap.schema`).
    directory
        The dataset directory; it must not exist or be empty. It appears complete or not at all.
    by
        ``"year"`` or ``"month"``: one group of files per period of ``event_date`` (events
        without a date in ``events-undated-*``), or None for files of ``rows`` events.
    rows
        At most this many events per file.

    Returns
    -------
    list of Path
        The files written, in order.
    """
    if by is not None and by not in PARTITION_BY:
        raise ConfigurationError(f"--by must be one of {', '.join(PARTITION_BY)}, not {by!r}")
    if rows < 1:
        raise ConfigurationError(f"--rows must be at least 1, got {rows}")
    names = _period_names(events["event_date"], by)
    written: list[str] = []
    with output_directory(directory) as tmp:
        for name, positions in _groups(names):
            group = events.iloc[positions]
            group = group.iloc[spatial_order(group.geometry)]
            for part, start in enumerate(range(0, len(group), rows)):
                filename = f"events-{name}-{part:04d}.parquet"
                write_part(group.iloc[start : start + rows], tmp / filename)
                written.append(filename)
    return [Path(directory) / f for f in written]


def _period_names(dates: pd.Series, by: str | None) -> np.ndarray:
    if by is None:
        return np.full(len(dates), "all", dtype=object)
    fmt = "%Y" if by == "year" else "%Y-%m"
    return dates.dt.strftime(fmt).fillna("undated").to_numpy(dtype=object)


def _groups(names: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    codes, uniques = pd.factorize(names, sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for i, name in enumerate(uniques):
        yield str(name), order[bounds[i] : bounds[i + 1]]


@contextmanager
def output_directory(directory: str | Path) -> Iterator[Path]:
    """Give a staging directory that becomes ``directory`` when the block succeeds.

    The directory must not exist, or be empty. On an error or an interrupt the staging
    directory is removed and nothing appears at ``directory``.

    Raises
    ------
    ExportError
        When ``directory`` is a file or a directory that is not empty, or cannot be created.
    """
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        what = "a file" if not target.is_dir() else "a directory that is not empty"
        raise ExportError(f"-o {target}: is {what}; give a new directory (the dataset is written whole)")
    tmp = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
    except OSError as err:
        raise ExportError(f"-o {target}: cannot create the directory: {err.strerror or err}") from err
    try:
        yield tmp
        if target.exists():
            target.rmdir()  # empty (checked above)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
