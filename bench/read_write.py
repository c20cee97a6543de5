"""Read and write speed of the event readers and writers on synthetic events.

Usage: python bench/read_write.py [--events 100000]

Prints seconds per step and, as a baseline measured in the same run, geopandas.read_file and
GeoDataFrame.to_file on the same GeoJSON (ratios > 1 mean conflictmap is slower: it validates
every field and derives nothing lazily), and pyogrio's RFC 7946 GeoJSON writer on the same
events, the alternative to our own GeoJSON writer (see the comment in conflictmap/writers.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from conflictmap import read_events, write_events
from conflictmap.categories import default_registry


def synthetic_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "event_id": [f"b{i}" for i in range(n)],
        "event_date": (pd.Timestamp("2024-12-08") + pd.to_timedelta(rng.integers(0, 400, n), "D"))
        .strftime("%Y-%m-%d"),
        "category": rng.choice(list(default_registry()), n),
        "location": rng.choice(["Daraa", "Quneitra", "Suwayda", "Damascus", "Beit Jinn"], n),
        "latitude": rng.uniform(32.3, 37.2, n).round(5),
        "longitude": rng.uniform(35.8, 42.3, n).round(5),
        "country": "SY",
        "notes": "Synthetic event for the benchmark",
        "fatalities": rng.integers(0, 5, n),
    })
    frame.to_csv(path, index=False)


def timed(label: str, func, results: dict[str, float]):
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    print(f"{label:<34}{results[label]:8.3f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    n = parser.parse_args().events
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthetic_csv(folder / "events.csv", n)
        print(f"{n:,} synthetic events")
        events = timed("read CSV (validated)", lambda: read_events(folder / "events.csv"), results)
        for ext in ("geojson", "csv", "gpkg", "parquet", "fgb", "shp", "kml"):
            timed(f"write {ext}", lambda e=ext: write_events(events, folder / f"out.{e}"), results)
            timed(f"read {ext} (validated)", lambda e=ext: read_events(folder / f"out.{e}"), results)
        timed("pyogrio RFC 7946 geojson",
              lambda: events.to_file(folder / "rfc.geojson", driver="GeoJSON", engine="pyogrio",
                                     RFC7946="YES", WRITE_NAME="NO", ID_FIELD="event_id"), results)
        sizes = {name: (folder / name).stat().st_size / 1e6 for name in ("out.geojson", "rfc.geojson")}
        baseline = timed("baseline gpd.read_file geojson",
                         lambda: gpd.read_file(folder / "out.geojson"), results)
        timed("baseline to_file geojson",
              lambda: baseline.to_file(folder / "base.geojson", driver="GeoJSON"), results)
    print(f"ratio read geojson / gpd.read_file:  "
          f"{results['read geojson (validated)'] / results['baseline gpd.read_file geojson']:.2f}")
    print(f"ratio write geojson / to_file:       "
          f"{results['write geojson'] / results['baseline to_file geojson']:.2f}")
    print(f"ratio write geojson / pyogrio RFC 7946: "
          f"{results['write geojson'] / results['pyogrio RFC 7946 geojson']:.2f} "
          f"(files {sizes['out.geojson']:.1f} MB and {sizes['rfc.geojson']:.1f} MB)")


if __name__ == "__main__":
    main()
