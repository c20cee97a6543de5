"""The main job as a library call: read inputs, execute a plan on them, report what happened.

The data flow is read (:mod:`conflictmap.readers`) → plan (:class:`conflictmap.plan.Plan`) →
execute (:mod:`conflictmap.engines`) → write (:mod:`conflictmap.writers`, :func:`write_map`).
The CLI commands are thin wrappers around :func:`load_events` and :func:`write_map`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.engines import execute
from conflictmap.errors import short_repr
from conflictmap.outputs import atomic_output, is_stdout
from conflictmap.plan import Plan
from conflictmap.readers import read_many
from geo.filters import SpatialFilter

if TYPE_CHECKING:
    from geo.geocoder import GeocoderChain  # geopy: imported only when names are geocoded

__all__ = ["RunSummary", "load_events", "write_map"]


@dataclass
class RunSummary:
    """Counts of one run, for the summary the CLI prints."""

    inputs: list[str] = field(default_factory=list)
    read: int = 0
    filtered_out: int = 0
    unlocated: int = 0
    unlocated_names: Counter[str] = field(default_factory=Counter)
    geocoded: Counter[str] = field(default_factory=Counter)
    geocode_failures: dict[str, str] = field(default_factory=dict)
    spatial: str = ""
    by_category: Counter[str] = field(default_factory=Counter)
    written: int = 0
    outputs: list[str] = field(default_factory=list)

    def lines(self, registry: CategoryRegistry) -> list[str]:
        """Render the summary as text lines."""
        plural = "s" if len(self.inputs) != 1 else ""
        out = [
            f"Read {self.read} events from {len(self.inputs)} input{plural}; "
            f"filtered out {self.filtered_out}; unlocated {self.unlocated}; "
            f"written {self.written}."
        ]
        if self.geocoded:
            sources = ", ".join(f"{n} by {source}" for source, n in self.geocoded.most_common())
            out.append(f"  located from place names: {sum(self.geocoded.values())} ({sources})")
        if self.spatial:
            out.append(f"  kept only events {self.spatial}")
        if self.by_category:
            width = max(len("category"), *(len(registry[k].label) for k in self.by_category)) + 2
            out.append(f"  {'category':<{width}}{'layer':<20}events")
            for key in registry:
                if self.by_category.get(key):
                    cat = registry[key]
                    out.append(f"  {cat.label:<{width}}{cat.layer:<20}{self.by_category[key]}")
        if self.unlocated:
            names = ", ".join(f"{name} ({n})" for name, n in self.unlocated_names.most_common(10))
            out.append(f"  not located (kept, without geometry): {names or 'no place name'}")
        for name, message in list(self.geocode_failures.items())[:5]:
            out.append(f"  geocoder failed for {short_repr(name)}: {message}")
        out += [f"  wrote {path}" for path in self.outputs]
        return out


def load_events(
    inputs: Sequence[str | Path],
    *,
    plan: Plan | None = None,
    format: str | None = None,
    encoding: str = "utf-8",
    registry: CategoryRegistry | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    locate: bool = True,
    chain: GeocoderChain | None = None,
    country: str | None = None,
) -> tuple[gpd.GeoDataFrame, RunSummary]:
    """Read inputs, execute the plan on them, and count what happened: read → plan → execute.

    Parameters
    ----------
    inputs
        Event files of any supported format, concatenated in order.
    plan
        The filters (see :class:`conflictmap.plan.Plan`); None keeps every event. Readers skip
        what its bounds exclude (GeoParquet), and those events count as read and filtered out.
    format, encoding
        As for :func:`conflictmap.readers.read_events`.
    registry
        Category registry; the shipped one by default.
    on_file
        Progress callback, called after each input with its path and event count.
    locate
        Geocode events that have a place name but no geometry, and fill in admin-1 units and
        countries from coordinates (see :func:`geo.locate.locate_events`), for the events the
        time and category filters keep.
    chain, country
        Geocoders (the offline gazetteer by default) and the context country.

    Returns
    -------
    events : geopandas.GeoDataFrame
        The events that passed the filters.
    summary : RunSummary
        Counts so far (``written`` and ``outputs`` are filled by the caller).
    """
    plan = plan or Plan()
    registry = registry or default_registry()
    skipped = Counter[str]()
    events = read_many(
        inputs,
        format=format,
        encoding=encoding,
        registry=registry,
        on_file=on_file,
        bounds=plan.bounds(),
        points=plan.point_test(),
        on_skipped=lambda path, n: skipped.update({str(path): n}),
    )
    result = execute(plan, events, locate=locate, chain=chain, country=country)
    kept = result.events
    unlocated = kept[~kept["located"]]
    read = len(events) + skipped.total()
    summary = RunSummary(
        inputs=[str(p) for p in inputs],
        read=read,
        filtered_out=read - len(kept),
        unlocated=len(unlocated),
        unlocated_names=Counter(unlocated["location"].fillna("(no place name)")),
        by_category=Counter(kept["category"].value_counts().to_dict()),  # not row by row
        spatial=plan.describe(),
    )
    if result.report is not None:
        summary.geocoded = result.report.geocoded
        summary.geocode_failures = result.report.failures
    return kept, summary


def write_map(
    events: gpd.GeoDataFrame,
    path: str | Path,
    *,
    title: str | None = None,
    tiles: str | None = "OpenStreetMap",
    registry: CategoryRegistry | None = None,
    spatial: SpatialFilter | None = None,
    renderer: str = "auto",
    assets: str = "inline",
) -> None:
    """Draw events with :func:`layers.event_map` and save the HTML atomically.

    The areas of ``spatial`` (regions, box, polygons) are drawn as outlines; ``renderer`` and
    ``assets`` are passed on to :func:`layers.event_map`. A ``path`` of ``"-"`` writes the page (UTF-8) to
    standard output. Inside :func:`conflictmap.outputs.atomic_outputs` the file is committed with
    the group's other outputs.
    """
    from layers import event_map  # folium is only needed when a map is drawn

    outlines = spatial.outlines() if spatial is not None else []
    fmap = event_map(
        events,
        title=title,
        tiles=tiles,
        registry=registry,
        outlines=outlines,
        renderer=renderer,  # type: ignore[arg-type]
        assets=assets,  # type: ignore[arg-type]
    )
    if is_stdout(path):
        sys.stdout.flush()
        fmap.save(sys.stdout.buffer, close_file=False)
        sys.stdout.buffer.flush()
        return
    with atomic_output(Path(path)) as tmp, tmp.open("wb") as fh:  # closed even when a write fails
        fmap.save(fh, close_file=False)
