"""Region filtering speed: the CLI and geo.spatial.mask_in_area against geopandas on 1,000,000 events.

Usage: python bench/region_filter.py [--events 1000000] [--repeat 3] [--sjoin-repeat 3] [--skip-masks]
                                     [--skip-cli] [--cli-repeat 3]

End to end (issue 14): ``conflictmap filter events.parquet --region "southern Syria" -o
south.parquet`` on 1,000,000 synthetic point events in one GeoParquet file
(bench/synthetic_events.py ``synthetic_parquet``: written by conflictmap, admin-1 left empty),
against the plain geopandas script a user would write (read_parquet, sjoin with the region,
to_parquet), each in a fresh process, the best of ``--cli-repeat`` runs taking turns. Both must
keep the same events (sjoin's "intersects" is ours for points: the outline counts as inside).
Exit code 1 when the CLI is less than 2x faster.

The masks:

Random points (fixed seed) over Syria's bounding box are filtered against "southern Syria" and each
of the 14 governorates with ``mask_in_area`` and, as the baseline,
``gpd.sjoin(points, area_frame, predicate="within")``. Two like-for-like comparisons:

- fresh: both on a copy of the points frame made before the clock starts, so sjoin builds the
  spatial index of the points and ours reads their coordinates, as the first filter of a frame
  does; ours also gets a fresh copy of the raw polygon, so preparing the area and building its grid
  count;
- repeated: geopandas keeps the points' spatial index on the frame (built once beforehand, as
  reported) and sjoin reuses it; ours is ``mask_in_area(PreparedPoints(points), area)`` with the
  PreparedPoints made once beforehand (as reported) and a PreparedArea made and used once before
  the clock starts.

The answers must all agree, and with ``PreparedArea(area).contains_xy`` on coordinates read
separately; sjoin's "within" leaves out points on the outline and ours keeps them, so any difference
must lie on the outline (reported). Exit code 1 when the smallest fresh ratio or the smallest
repeated ratio is below 5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from end_to_end import CLI, best_times, python_script
from synthetic_events import synthetic_parquet

from conflictmap.resources import data_path
from geo.regions import default_regions
from geo.spatial import PreparedArea, PreparedPoints, mask_in_area, mask_in_bbox, mask_near

SHARED_ADMIN1 = Path(__file__).resolve().parents[2] / "shared/data/boundaries/syria_admin1.geojson"
SOUTH = ("SY-DR", "SY-SU", "SY-QU")
SYRIA_BOX = (35.5, 32.3, 42.5, 37.4)
TARGET = 5.0
CLI_TARGET = 2.0  # the CLI end to end against the plain geopandas script


def load_areas() -> tuple[str, dict[str, shapely.Geometry]]:
    """southern-syria and the 14 governorates: from data/regions.geojson, else from ../shared."""
    try:
        path = data_path("regions.geojson")
        frame = gpd.read_file(path)
        areas = dict(zip(frame["id"], frame.geometry, strict=True))
        governorates = sorted(key for key in areas if str(key).startswith("SY-"))
        if "southern-syria" in areas and len(governorates) == 14:
            return str(path), {
                "southern-syria": areas["southern-syria"],
                **{key: areas[key] for key in governorates},
            }
        print(f"{path} lacks southern-syria or some of the 14 SY-* governorates; using {SHARED_ADMIN1}")
    except (OSError, RuntimeError, KeyError, ValueError) as err:  # absent, or being written
        print(f"regions.geojson unusable ({err}); using {SHARED_ADMIN1}")
    frame = gpd.read_file(SHARED_ADMIN1)
    frame = frame[frame["iso_3166_2_derived"].notna()]  # drops the UNDOF zone
    areas = dict(zip(frame["iso_3166_2_derived"], frame.geometry, strict=True))
    south = shapely.union_all([areas[code] for code in SOUTH])
    return f"{SHARED_ADMIN1} (southern Syria = union of {', '.join(SOUTH)})", {
        "southern-syria": south,
        **dict(sorted(areas.items())),
    }


def best_of(repeat: int, func: Callable[[], object], setup: Callable[[], object] | None = None):
    """Best wall time of ``repeat`` runs (``setup`` runs before each, off the clock) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        argument = setup() if setup else None
        start = time.perf_counter()
        result = func(argument) if setup else func()
        best = min(best, time.perf_counter() - start)
    return best, result


def compare(
    points: gpd.GeoDataFrame,
    prepared: PreparedPoints,
    xy: tuple[np.ndarray, np.ndarray],
    area: shapely.Geometry,
    args: argparse.Namespace,
) -> dict:
    area_frame = gpd.GeoDataFrame(geometry=[area], crs="EPSG:4326")
    ours, mask = best_of(
        args.repeat,
        lambda fresh: mask_in_area(fresh[0].geometry, fresh[1]),
        setup=lambda: (points.copy(), shapely.from_wkb(shapely.to_wkb(area))),
    )
    prepared_area = PreparedArea(area)
    mask_in_area(prepared, prepared_area)  # builds the area's grid, as the first filter by it did
    snapshot, mask_prepared = best_of(args.repeat, lambda: mask_in_area(prepared, prepared_area))
    if not np.array_equal(mask, mask_prepared):
        sys.exit("mask_in_area fresh and prepared disagree")
    if not np.array_equal(mask, PreparedArea(area).contains_xy(*xy)):
        sys.exit("mask_in_area and PreparedArea.contains_xy disagree")
    fresh, joined = best_of(
        args.sjoin_repeat,
        lambda frame: gpd.sjoin(frame, area_frame, predicate="within"),
        setup=points.copy,
    )
    reused, _ = best_of(args.sjoin_repeat, lambda: gpd.sjoin(points, area_frame, predicate="within"))
    theirs = np.zeros(len(points), dtype=bool)
    theirs[points.index.get_indexer(joined.index)] = True
    differ = np.flatnonzero(mask != theirs)
    on_outline = shapely.intersects(area.boundary, points.geometry.values[differ]).all()
    if not on_outline:
        sys.exit(f"mask_in_area and sjoin disagree off the outline at rows {differ[:10].tolist()}")
    return {
        "inside": int(mask.sum()),
        "ours s (fresh)": ours,
        "sjoin s (fresh)": fresh,
        "ratio (fresh)": fresh / ours,
        "sjoin s (index reused)": reused,
        "ours s (prepared)": snapshot,
        "ratio (prepared)": reused / snapshot,
        "on outline": len(differ),
    }


def other_masks(points: gpd.GeoDataFrame, prepared: PreparedPoints, repeat: int) -> None:
    masks = {
        "mask_near 50 km around 33.51 N 36.29 E": lambda g: mask_near(g, lat=33.51, lon=36.29, km=50),
        "mask_in_bbox (36.0, 32.5, 37.0, 33.5)": lambda g: mask_in_bbox(g, (36.0, 32.5, 37.0, 33.5)),
    }
    for label, func in masks.items():
        fresh_s, kept = best_of(repeat, lambda frame, f=func: f(frame.geometry), setup=points.copy)
        prepared_s, snapshot = best_of(repeat, lambda f=func: f(prepared))
        if not np.array_equal(kept, snapshot):
            sys.exit(f"{label}: fresh and prepared disagree")
        print(f"{label}: fresh {fresh_s:.4f} s, prepared {prepared_s:.4f} s ({int(kept.sum()):,} kept)")


def end_to_end(args: argparse.Namespace) -> bool:
    """Time the CLI's filter and the geopandas script on one GeoParquet file; True when the bar is met."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        events = args.parquet or folder / "events.parquet"
        if args.parquet is None:
            synthetic_parquet(events, args.events)
        else:
            args.events = pq.read_metadata(events).num_rows
        region = folder / "southern-syria.geojson"
        area = default_regions().find("southern Syria").geometry
        gpd.GeoDataFrame(geometry=[area], crs="EPSG:4326").to_file(region)
        ours, theirs = folder / "south.parquet", folder / "south-gpd.parquet"
        script = (
            "import geopandas as gpd\n"
            f"events = gpd.read_parquet({str(events)!r})\n"
            f"region = gpd.read_file({str(region)!r})\n"
            "kept = gpd.sjoin(events, region, predicate='intersects').drop(columns='index_right')\n"
            f"kept.to_parquet({str(theirs)!r})\n"
        )
        commands = {
            "conflictmap filter": [
                *CLI,
                "-q",
                "filter",
                str(events),
                "--region",
                "southern Syria",
                "-o",
                str(ours),
            ],
            "geopandas script": python_script(script),
        }
        times = best_times(commands, repeat=args.cli_repeat)
        kept = pd.read_parquet(ours, columns=["event_id"])["event_id"]
        reference = pd.read_parquet(theirs, columns=["event_id"])["event_id"]
        same = set(kept) == set(reference) and len(kept) == len(reference)
    ratio = times["geopandas script"][0] / times["conflictmap filter"][0]
    cpu_ratio = times["geopandas script"][1] / times["conflictmap filter"][1]
    print(f"End to end, {args.events:,} events in one GeoParquet file, --region 'southern Syria':")
    for label, (seconds, cpu) in times.items():
        print(f"  {label:<20}{seconds:8.2f} s  {args.events / seconds:12,.0f} events/s  (CPU {cpu:.2f} s)")
    print(f"  load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs; CPU-time ratio {cpu_ratio:.2f}x")
    verdict = "the same events" if same else "DIFFERENT EVENTS"
    print(f"  kept: ours {len(kept):,}, geopandas {len(reference):,}: {verdict}")
    ok = same and ratio >= CLI_TARGET
    label = "OK" if ok else "FAIL"
    print(f"{label}: geopandas script / conflictmap filter = {ratio:.2f}x (target {CLI_TARGET:.0f}x)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours; the best counts")
    parser.add_argument("--sjoin-repeat", type=int, default=3, help="runs of each sjoin; the best counts")
    parser.add_argument("--cli-repeat", type=int, default=3, help="runs of each command; the best counts")
    parser.add_argument("--skip-masks", action="store_true", help="only the end-to-end comparison")
    parser.add_argument("--parquet", type=Path, help="events file of the end-to-end runs (default: made)")
    parser.add_argument("--skip-cli", action="store_true", help="only the comparison of the masks")
    args = parser.parse_args()
    failed = False
    if not args.skip_cli:
        failed |= not end_to_end(args)
        print()
    if not args.skip_masks:
        failed |= masks(args)
    return 1 if failed else 0


def masks(args: argparse.Namespace) -> bool:
    """Compare the masks with sjoin; True when a ratio misses its target."""
    source, areas = load_areas()
    rng = np.random.default_rng(20260107)
    west, south, east, north = SYRIA_BOX
    lon, lat = rng.uniform(west, east, args.events), rng.uniform(south, north, args.events)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    index_s, _ = best_of(1, lambda: points.sindex)
    prepared_s, prepared = best_of(1, lambda: PreparedPoints(points))
    xy = (points.geometry.x.to_numpy(), points.geometry.y.to_numpy())  # for the cross-check only
    print(f"{args.events:,} random points over {SYRIA_BOX}; {os.cpu_count()} CPUs; areas from {source}")
    print("Done once beforehand for the repeated case:")
    print(f"  sjoin: the points' spatial index {index_s:.3f} s")
    print(f"  ours prepared: PreparedPoints(points) {prepared_s:.3f} s\n")
    rows = {name: compare(points, prepared, xy, area, args) for name, area in areas.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    with pd.option_context("display.float_format", "{:.4f}".format, "display.width", 160):
        print(table.to_string())
    print()
    summaries = {  # column → (label, judged)
        "ratio (fresh)": ("fresh sjoin / ours fresh", True),
        "ratio (prepared)": ("reused-index sjoin / ours prepared", True),
    }
    for column, (label, _) in summaries.items():
        ratios = table[column]
        print(f"{label}: min {ratios.min():.1f}x, median {statistics.median(ratios):.1f}x")
    print()
    other_masks(points, prepared, args.repeat)
    print()
    failed = False
    for column, (label, judged) in summaries.items():
        minimum = table[column].min()
        verdict = ("OK" if minimum >= TARGET else "FAIL") if judged else "(not judged)"
        failed |= judged and minimum < TARGET
        print(f"{verdict}: smallest {label} ratio {minimum:.1f}x (target {TARGET:.0f}x)")
    return failed


if __name__ == "__main__":
    sys.exit(main())
