"""Ingest event files into a store, one transaction per file: the same steps for every backend."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap._gc import bulk_allocation
from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.pipeline import load_events
from conflictmap.store.base import LINKED_COLUMNS, StoreBackend
from conflictmap.store.incidents import (
    DATASET,
    IncidentRule,
    dataset_of,
    incident_names,
    incident_prefix,
    incident_roots,
    link_reports,
    load_rule,
)
from conflictmap.store.rows import encode_rows, encode_stored, layers_of
from geo.geocoder import GeocoderChain

__all__ = ["FileResult", "ingest_events", "ingest_files"]

CHUNK = 50_000  # rows encoded and sent to the store at a time


@dataclass
class FileResult:
    """What ingesting one file did."""

    path: str
    read: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    linked: int = 0  # new or changed reports that joined an incident with other reports
    notes: list[str] = field(default_factory=list)


def ingest_files(
    paths: Sequence[str | Path],
    *,
    store: StoreBackend,
    registry: CategoryRegistry | None = None,
    rule: IncidentRule | None = None,
    locate: bool = True,
    chain: GeocoderChain | None = None,
    country: str | None = None,
    encoding: str = "utf-8",
    format: str | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Read, locate and validate each file as ``export`` does, then store it in one transaction.

    A file with a bad row raises its :class:`~conflictmap.errors.SchemaError` before anything of
    it is written; the files before it stay stored.
    """
    registry = registry or default_registry()
    rule = rule or load_rule()
    store.migrate()
    results = []
    for path in paths:
        with bulk_allocation():
            events, _summary = load_events(
                [path],
                format=format,
                encoding=encoding,
                registry=registry,
                locate=locate,
                chain=chain,
                country=country,
            )
            result = ingest_events(events, store=store, registry=registry, rule=rule, source_file=str(path))
            del events
        results.append(result)
        if on_file:
            on_file(result)
    return results


def ingest_events(
    events: gpd.GeoDataFrame,
    *,
    store: StoreBackend,
    registry: CategoryRegistry,
    rule: IncidentRule,
    source_file: str,
) -> FileResult:
    """Store validated events in one transaction: add new ones, replace changed ones, link incidents."""
    result = FileResult(path=source_file, read=len(events))
    encoded: list[pd.DataFrame] = []

    def chunks() -> Iterator[pd.DataFrame]:
        # Encoded a chunk at a time, so that the store loads one while the next is encoded.
        for start in range(0, len(events), CHUNK):
            part = encode_rows(
                events.iloc[start : start + CHUNK],
                registry=registry,
                km=rule.max_km,
                days=rule.max_days_apart,
            )
            encoded.append(part)
            yield part

    if not len(events):
        return result
    with store.transaction(), bulk_allocation():
        if store.is_empty():
            return _load_empty(events, store=store, registry=registry, rule=rule, result=result)
        store.stage(chunks())
        keep = np.ones(len(events), dtype=bool)
        keep[store.keep_changed()] = False
        result.unchanged = int(len(events) - keep.sum())
        if not keep.any():
            return result
        rows = pd.concat(encoded, ignore_index=True) if len(encoded) > 1 else encoded[0]
        fresh = rows[keep].reset_index(drop=True) if not keep.all() else rows.reset_index(drop=True)
        stored = store.candidates(region_precision=rule.region_precision)
        fresh[DATASET] = dataset_of(events)[keep]
        reports = _reports(fresh, np.asarray(events.geometry.array, dtype=object)[keep], stored)
        is_new = np.zeros(len(reports), dtype=bool)
        is_new[: len(fresh)] = True
        incident_ids, merged = link_reports(reports, rule=rule, is_new=is_new)
        new_ids = incident_ids.iloc[: len(fresh)].to_numpy(dtype=object)
        sizes = pd.Series(incident_ids).value_counts()
        result.linked = int((pd.Series(new_ids).map(sizes) > 1).sum())
        mapping = pd.DataFrame({"event_id": fresh["event_id"].to_numpy(dtype=object), "incident_id": new_ids})
        result.added, result.replaced = store.write(mapping, source_file=source_file)
        if merged:
            store.relabel(merged)
    return result


def _load_empty(
    events: gpd.GeoDataFrame,
    *,
    store: StoreBackend,
    registry: CategoryRegistry,
    rule: IncidentRule,
    result: FileResult,
) -> FileResult:
    """Link the events among themselves, then write them in spatial order into the empty store.

    The same incidents as the staged path finds (no stored report to compare or link), but the
    rows reach the server once, while the next chunk is encoded, and the indexes are built after.
    Rows are written along a Hilbert curve (as PostGIS orders geometries), so that a region
    query reads few pages; each keeps its file position as ``fid``. Linking runs beside the
    encoding (see :class:`_LinkingBeside`): only the incident ids wait for it.
    """
    fresh = pd.DataFrame({name: events[name] for name in _LINKED if name != "layer"})
    fresh["layer"] = layers_of(events["category"], registry=registry)
    fresh[DATASET] = dataset_of(events)
    fresh = fresh.reset_index(drop=True)
    reports = _reports(fresh, np.asarray(events.geometry.array, dtype=object), _NO_CANDIDATES)

    with _LinkingBeside(reports, rule=rule) as linking:
        order = _spatial_order(events)
        # WKB written in file order, where the geometries lie in memory in order: 0.5-0.65 s per
        # 1,000,000 points, against 1.1-1.4 s chunk by chunk in spatial order (scattered reads).
        wkb = shapely.to_wkb(np.asarray(events.geometry.array, dtype=object), byte_order=1)
        starts = iter(range(0, len(order), CHUNK))

        def encode(start: int) -> tuple[pd.DataFrame, np.ndarray]:
            positions = order[start : start + CHUNK]
            return encode_stored(events.iloc[positions], registry=registry, wkb=wkb[positions]), positions

        # Chunks are encoded ahead until the incident ids come; then the rows flow to the server
        # while the rest are encoded (the linker's core would otherwise idle until all were).
        ahead: deque[tuple[pd.DataFrame, np.ndarray]] = deque()
        for start in starts:
            ahead.append(encode(start))
            if linking.ready():
                break
        roots, result.linked = linking.result()
    prefix = incident_prefix()

    def chunks() -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        while ahead:
            rows, positions = ahead.popleft()  # freed once sent
            rows["incident_id"] = incident_names(roots[positions], prefix=prefix)
            yield rows, positions
        for start in starts:
            rows, positions = encode(start)
            rows["incident_id"] = incident_names(roots[positions], prefix=prefix)
            yield rows, positions

    result.added = store.load_empty(chunks(), source_file=result.path)
    return result


def _link(reports: pd.DataFrame, *, rule: IncidentRule) -> tuple[np.ndarray, int]:
    """Link new reports among themselves; return their incidents' root rows and how many share one.

    An incident is given by the position of its root row (see
    :func:`~conflictmap.store.incidents.incident_roots`). Positions, not names: the forked
    linker sends 8 bytes a report to this process (its ids as Python strings took some 0.4 s
    to pickle and unpickle per 1,000,000 reports, and as long to make), and the rows are named
    a chunk at a time as they are written.
    """
    roots = incident_roots(reports, rule=rule, is_new=np.ones(len(reports), dtype=bool))
    return roots, _in_shared_incidents(roots)


FORK_AT = 100_000  # reports: below, linking takes under 0.3 s and a fork would not pay


class _LinkingBeside:
    """Link new reports in a forked process while this one goes on; a context manager.

    Linking (NumPy over the whole file, 3.2-3.9 s per 1,000,000 reports) and encoding the rows
    (content hashes in Python, 3.2-4.2 s) need nothing of each other, and each fills one core;
    in two threads they shared the interpreter lock (7.9 s both, one after the other 7.9-8.3 s),
    in two processes they took 4.8 s. The child sees the reports by fork (nothing is pickled
    but its answer) and leaves by ``os._exit``, never touching the store's connection. Where
    there is no fork (Windows, macOS's default), for few reports, or when the child fails in any
    way, :meth:`result` links them here, as it would have without the child. Leaving the block
    kills a child still running (the work around it failed) and waits for it.
    """

    def __init__(self, reports: pd.DataFrame, *, rule: IncidentRule) -> None:
        self._reports, self._rule = reports, rule
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receive: multiprocessing.connection.Connection | None = None
        if len(reports) < FORK_AT or "fork" not in multiprocessing.get_all_start_methods():
            return
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)

        def child() -> None:
            try:
                answer = _link(reports, rule=rule)
            except BaseException:  # any failure: the parent links the reports itself
                answer = None
            with contextlib.suppress(OSError):  # the parent is gone or gave up: nobody to answer
                send.send(answer)

        self._process = context.Process(target=child, daemon=True)
        self._process.start()
        send.close()
        self._receive = receive

    def __enter__(self) -> _LinkingBeside:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close(kill=True)

    def ready(self) -> bool:
        """Whether :meth:`result` would answer without waiting for the child."""
        return self._receive is None or self._receive.poll()

    def result(self) -> tuple[np.ndarray, int]:
        """``(incident root rows, reports in shared incidents)``, as :func:`_link` gives them."""
        linked = None
        if self._receive is not None:
            try:
                linked = self._receive.recv()
            except (EOFError, OSError):  # the child died before answering
                linked = None
            self._close(kill=linked is None)
        return linked if linked is not None else _link(self._reports, rule=self._rule)

    def _close(self, *, kill: bool) -> None:
        if self._receive is not None:
            self._receive.close()
            self._receive = None
        if self._process is not None:
            if kill:
                self._process.kill()
            self._process.join()
            self._process = None


def _in_shared_incidents(roots: np.ndarray) -> int:
    """Count the reports whose incident (given by its root row's position) other reports share."""
    if not len(roots):
        return 0
    counts = np.bincount(roots)
    return int(np.count_nonzero(counts[roots] > 1))


def _spatial_order(events: gpd.GeoDataFrame) -> np.ndarray:
    """Positions of the events along a Hilbert curve over their extent; unlocated ones last."""
    geoms = np.asarray(events.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    distance = np.full(len(geoms), np.iinfo(np.int64).max, dtype=np.int64)
    if present.any():
        located = gpd.GeoSeries(geoms[present], crs=events.crs)
        # A square around the extent: one scale on both axes, so places far apart stay apart.
        west, south, east, north = _extent(geoms[present])
        side = max(east - west, north - south, 1e-9)
        square = (west, south, west + side, south + side)
        distance[present] = located.hilbert_distance(total_bounds=square).to_numpy(dtype=np.int64)
    return np.argsort(distance, kind="stable")


def _extent(geoms: np.ndarray) -> tuple[float, float, float, float]:
    """``GeoSeries.total_bounds`` of non-empty geometries, a point's bounds being its coordinates.

    hilbert_distance computes every shape's bounds again: the points' coordinates give the same
    extent in a fraction of the time (0.05 s against 0.4 s per 1,000,000 points).
    """
    points = shapely.get_type_id(geoms) == 0
    xy = shapely.get_coordinates(geoms[points])
    bounds = np.concatenate([np.column_stack([xy, xy]), shapely.bounds(geoms[~points]).reshape(-1, 4)])
    return (
        float(np.nanmin(bounds[:, 0])),
        float(np.nanmin(bounds[:, 1])),
        float(np.nanmax(bounds[:, 2])),
        float(np.nanmax(bounds[:, 3])),
    )


_LINKED = list(LINKED_COLUMNS)
_NO_CANDIDATES = pd.DataFrame(
    {name: pd.Series(dtype=object) for name in [*_LINKED, "incident_id", DATASET, "geom"]}
)


def _reports(fresh: pd.DataFrame, shapes: np.ndarray, stored: pd.DataFrame) -> pd.DataFrame:
    """Return the new reports (``shapes``: their geometries) first, then the stored candidates."""
    columns = [*_LINKED, DATASET]
    new = fresh[columns].copy()
    new["incident_id"] = None
    new["geometry"] = shapes
    old = stored[[*columns, "incident_id"]].copy()
    old["geometry"] = shapely.from_wkb(
        np.asarray([None if g is None else bytes(g) for g in stored["geom"]], dtype=object)
    )
    for name in ("event_date", "date_end"):
        old[name] = pd.to_datetime(old[name]).astype("datetime64[us]")
        new[name] = new[name].astype("datetime64[us]")
    old["geo_precision"] = old["geo_precision"].astype("Int8")
    if not len(old):
        return new.reset_index(drop=True)
    return pd.concat([new, old], ignore_index=True)
