"""Read and write speed of the event readers and writers on synthetic events.

Usage: python bench/read_write.py [--events 100000] [--export-events 1000000] [--cli-repeat 3]
                                  [--parquet FILE] [--skip-steps] [--skip-export]

Prints seconds per step and, as a baseline measured in the same run, geopandas.read_file and
GeoDataFrame.to_file on the same GeoJSON (ratios > 1 mean conflictmap is slower: it validates
every field and derives nothing lazily), and pyogrio's RFC 7946 GeoJSON writer on the same
events, the alternative to our own GeoJSON writer (see the comment in conflictmap/writers.py).

End to end (issue 14): ``conflictmap export events.parquet -o events.geojson`` on 1,000,000
synthetic events in one GeoParquet file (bench/synthetic_events.py ``synthetic_parquet``, as
bench/region_filter.py uses) against ``gpd.read_parquet(...).to_file(..., engine="pyogrio")``,
each in a fresh process, the best of ``--cli-repeat`` runs taking turns; both files must hold
the same events in the same order, with the same dates and points (ours rounded to 6
decimals). That our bytes are those of the writer of one feature at a time is checked by
tests/unit/test_geojson_columnar.py. Exit code 1 when the CLI is slower.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from end_to_end import CLI, best_times, python_script
from synthetic_events import synthetic_parquet

from conflictmap import read_events, write_events
from conflictmap.categories import default_registry


def synthetic_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "event_id": [f"b{i}" for i in range(n)],
            "event_date": (
                pd.Timestamp("2024-12-08") + pd.to_timedelta(rng.integers(0, 400, n), "D")
            ).strftime("%Y-%m-%d"),
            "category": rng.choice(list(default_registry()), n),
            "location": rng.choice(["Daraa", "Quneitra", "Suwayda", "Damascus", "Beit Jinn"], n),
            "latitude": rng.uniform(32.3, 37.2, n).round(5),
            "longitude": rng.uniform(35.8, 42.3, n).round(5),
            "country": "SY",
            "notes": "Synthetic event for the benchmark",
            "fatalities": rng.integers(0, 5, n),
        }
    )
    frame.to_csv(path, index=False)


def timed(label: str, func, results: dict[str, float]):
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    print(f"{label:<34}{results[label]:8.3f} s")
    return value


def features_of(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Event ids, event days and point coordinates (NaN for other geometries) of a GeoJSON file, in order.

    Reads ours (one feature a line) and GDAL's (pretty) alike.
    """
    with path.open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    ids = [feature["properties"]["event_id"] for feature in features]
    days = [str(feature["properties"]["event_date"])[:10] for feature in features]
    xy = np.array(
        [
            feature["geometry"]["coordinates"][:2]
            if feature["geometry"] and feature["geometry"]["type"] == "Point"
            else [np.nan, np.nan]
            for feature in features
        ],
        dtype=float,
    ).reshape(-1, 2)
    return ids, days, xy


def same_features(ours: Path, theirs: Path) -> tuple[int, int, str]:
    """Feature counts of both files and whether they hold the same events, in order, at the same points.

    Ours rounds coordinates to 6 decimals (half a unit of the 6th decimal apart at most).
    """
    ids, days, xy = features_of(ours)
    their_ids, their_days, their_xy = features_of(theirs)
    if ids != their_ids:
        verdict = "DIFFERENT EVENTS OR ORDER"
    elif days != their_days:
        verdict = "DIFFERENT DATES"
    elif not np.allclose(xy, their_xy, rtol=0, atol=5.000001e-7, equal_nan=True):
        verdict = "DIFFERENT COORDINATES"
    else:
        verdict = "the same events in the same order, same dates and points"
    return len(ids), len(their_ids), verdict


def export_end_to_end(args: argparse.Namespace) -> bool:
    """Time the CLI's export to GeoJSON and read_parquet().to_file(); True when the bar is met."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        events = args.parquet or folder / "events.parquet"
        if args.parquet is None:
            synthetic_parquet(events, args.export_events)
        n = pq.read_metadata(events).num_rows
        ours, theirs = folder / "ours.geojson", folder / "gpd.geojson"
        script = (
            "import geopandas as gpd\n"
            f"gpd.read_parquet({str(events)!r}).to_file({str(theirs)!r}, engine='pyogrio')\n"
        )
        commands = {
            "conflictmap export": [*CLI, "-q", "export", str(events), "-o", str(ours)],
            "read_parquet.to_file": python_script(script),
        }
        times = best_times(commands, repeat=args.cli_repeat)
        *counts, verdict = same_features(ours, theirs)
    ratio = times["read_parquet.to_file"][0] / times["conflictmap export"][0]
    print(f"End to end, {n:,} events in one GeoParquet file to GeoJSON:")
    for label, (seconds, cpu) in times.items():
        print(f"  {label:<22}{seconds:8.2f} s  {n / seconds:12,.0f} events/s  (CPU {cpu:.2f} s)")
    cpu_ratio = times["read_parquet.to_file"][1] / times["conflictmap export"][1]
    print(
        f"  load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs; CPU-time ratio {cpu_ratio:.2f}x; "
        f"features {counts[0]:,} / {counts[1]:,}: {verdict}"
    )
    ok = counts[0] == counts[1] == n and verdict.startswith("the same") and ratio >= 1
    print(f"{'OK' if ok else 'FAIL'}: read_parquet.to_file / conflictmap export = {ratio:.2f}x (target 1x)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--export-events", type=int, default=1_000_000)
    parser.add_argument("--cli-repeat", type=int, default=3, help="runs of each command; the best counts")
    parser.add_argument("--parquet", type=Path, help="events file of the export runs (default: made)")
    parser.add_argument("--skip-steps", action="store_true", help="only the end-to-end export")
    parser.add_argument("--skip-export", action="store_true", help="only the steps")
    args = parser.parse_args()
    ok = True
    if not args.skip_export:
        ok = export_end_to_end(args)
        print()
    if not args.skip_steps:
        steps(args.events)
    return 0 if ok else 1


def steps(n: int) -> None:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthetic_csv(folder / "events.csv", n)
        print(f"{n:,} synthetic events")
        events = timed("read CSV (validated)", lambda: read_events(folder / "events.csv"), results)
        for ext in ("geojson", "csv", "gpkg", "parquet", "fgb", "shp", "kml"):
            timed(f"write {ext}", lambda e=ext: write_events(events, folder / f"out.{e}"), results)
            timed(f"read {ext} (validated)", lambda e=ext: read_events(folder / f"out.{e}"), results)
        timed(
            "pyogrio RFC 7946 geojson",
            lambda: events.to_file(
                folder / "rfc.geojson",
                driver="GeoJSON",
                engine="pyogrio",
                RFC7946="YES",
                WRITE_NAME="NO",
                ID_FIELD="event_id",
            ),
            results,
        )
        sizes = {name: (folder / name).stat().st_size / 1e6 for name in ("out.geojson", "rfc.geojson")}
        baseline = timed(
            "baseline gpd.read_file geojson", lambda: gpd.read_file(folder / "out.geojson"), results
        )
        timed(
            "baseline to_file geojson",
            lambda: baseline.to_file(folder / "base.geojson", driver="GeoJSON"),
            results,
        )
    print(
        f"ratio read geojson / gpd.read_file:  "
        f"{results['read geojson (validated)'] / results['baseline gpd.read_file geojson']:.2f}"
    )
    print(
        f"ratio write geojson / to_file:       "
        f"{results['write geojson'] / results['baseline to_file geojson']:.2f}"
    )
    print(
        f"ratio write geojson / pyogrio RFC 7946: "
        f"{results['write geojson'] / results['pyogrio RFC 7946 geojson']:.2f} "
        f"(files {sizes['out.geojson']:.1f} MB and {sizes['rfc.geojson']:.1f} MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
