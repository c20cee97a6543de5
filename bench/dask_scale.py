"""Dask engine at scale: 1M, 5M and 20M events in partitioned GeoParquet (500,000 events a file).

For each size:
- ``conflictmap filter DS --engine dask --region "southern Syria" -o OUT/`` end to end (a
  subprocess), with the peak RSS of the whole process tree (client, scheduler, workers) polled
  with psutil; the events kept must be exactly those a chunked pyarrow reference keeps (record
  batches of 100,000 events, the same region test), whose time is the baseline of the ratio.
- on the 1M dataset, ``aggregate --by admin1 --every month`` with ``--engine dask`` must equal
  the in-memory path.

Run: ``python bench/dask_scale.py [--sizes 1,5,20] [--dir /tmp/cm-dask-bench]``. Data are
generated with numpy in chunks (points over the Levant, denser around Syrian towns) and written
with pyarrow as the ``partition`` command writes them (Hilbert order, covering bbox).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conflictmap.partition import spatial_order, write_part  # noqa: E402
from geo.filters import SpatialFilter  # noqa: E402

PER_FILE = 500_000
REGION = "southern Syria"
CATEGORIES = ["incursion", "airstrike", "shelling", "clashes", "meeting", "agreement", "statement", "unrest"]


def generate(folder: Path, n: int, *, seed: int = 1) -> list[Path]:
    """Write n synthetic events in files of PER_FILE events; reuse them when already there."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, start in enumerate(range(0, n, PER_FILE)):
        path = folder / f"events-{i:04d}.parquet"
        files.append(path)
        if path.exists():
            continue
        size = min(PER_FILE, n - start)
        rng = np.random.default_rng(seed + i)
        near_town = rng.random(size) < 0.5
        lon = np.where(near_town, rng.normal(36.5, 0.8, size), rng.uniform(25, 60, size))
        lat = np.where(near_town, rng.normal(34.0, 1.2, size), rng.uniform(12, 42, size))
        dates = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 8 * 365, size), "D")
        fatalities = pd.array(rng.integers(0, 10, size), dtype="Int64")
        fatalities[rng.random(size) < 0.1] = pd.NA
        frame = pd.DataFrame(
            {
                "event_id": pd.array(np.char.add(f"B{i:04d}-", np.arange(size).astype(str)), dtype="str"),
                "event_date": dates.as_unit("us"),
                "date_end": pd.Series(pd.NaT, index=range(size), dtype="datetime64[us]"),
                "time_precision": np.ones(size, dtype="int8"),
                "category": pd.array(
                    np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), size)], dtype="str"
                ),
                "actor1": pd.array(["Synthetic actor"] * size, dtype="str"),
                "location": pd.array(["Synthetic place"] * size, dtype="str"),
                "geo_precision": pd.array(np.ones(size, dtype="int8"), dtype="Int8"),
                "source": pd.array(["Synthetic Wire"] * size, dtype="str"),
                "fatalities": fatalities,
                "located": np.ones(size, dtype=bool),
            }
        )
        events = gpd.GeoDataFrame(frame, geometry=shapely.points(lon, lat), crs="EPSG:4326")
        tmp = path.with_suffix(".tmp")
        write_part(events.iloc[spatial_order(events.geometry)], tmp)
        tmp.rename(path)
    return files


class PeakRss:
    """Poll the RSS of a process and all its descendants; keep the peak of the sum."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_cli(*args: str) -> tuple[float, int]:
    """Run the CLI in a subprocess; return its wall time and the peak RSS of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from conflictmap.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    rss = PeakRss(proc.pid)
    _out, err = proc.communicate()
    peak = rss.stop()
    if proc.returncode:
        raise SystemExit(f"conflictmap {' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    return time.perf_counter() - start, peak


def chunked_reference(files: list[Path]) -> tuple[set[str], float]:
    """The ids a chunked reader keeps: every record batch, the region test, no bbox skipping."""
    spatial = SpatialFilter.build(region=REGION)
    kept: set[str] = set()
    start = time.perf_counter()
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=100_000, columns=["event_id", "geometry"]):
            frame = batch.to_pandas()
            geoms = gpd.GeoSeries.from_wkb(frame["geometry"], crs="EPSG:4326")
            chunk = gpd.GeoDataFrame({"event_id": frame["event_id"]}, geometry=geoms)
            kept.update(chunk["event_id"][spatial.mask(chunk)])
    return kept, time.perf_counter() - start


def kept_ids(folder: Path) -> set[str]:
    ids: set[str] = set()
    for path in sorted(folder.glob("*.parquet")):
        ids.update(pq.read_table(path, columns=["event_id"]).column("event_id").to_pylist())
    return ids


def bench_size(base: Path, millions: int) -> dict[str, float]:
    n = millions * 1_000_000
    data = base / f"data-{millions}m"
    t = time.perf_counter()
    files = generate(data, n)
    print(f"{millions}M events in {len(files)} files ({time.perf_counter() - t:.0f} s to generate or find)")
    out = base / f"south-{millions}m"
    if out.exists():
        for p in out.iterdir():
            p.unlink()
        out.rmdir()
    seconds, peak = run_cli("-q", "filter", str(data), "--engine", "dask", "--region", REGION, "-o", str(out))
    reference, ref_seconds = chunked_reference(files)
    got = kept_ids(out)
    same = got == reference
    print(
        f"  filter --engine dask --region '{REGION}': {seconds:.1f} s, {n / seconds:,.0f} events/s, "
        f"peak RSS of the process tree {peak / 2**30:.2f} GB, kept {len(got):,}; "
        f"chunked reference {ref_seconds:.1f} s (ratio dask/reference {seconds / ref_seconds:.2f}); "
        f"same events: {same}"
    )
    if not same:
        raise SystemExit(f"  MISMATCH: {len(got - reference)} extra, {len(reference - got)} missing")
    if peak >= 3 * 2**30:
        raise SystemExit("  peak memory is over 3 GB")
    return {"n": n, "seconds": seconds, "peak": peak}


def bench_aggregate(base: Path) -> None:
    data = base / "data-1m"
    generate(data, 1_000_000)
    dask_out, mem_out = base / "counts-dask.parquet", base / "counts-memory.parquet"
    common = ("--by", "admin1", "--every", "month", "--no-geocode")
    t_dask, peak_dask = run_cli(
        "-q", "aggregate", str(data), "--engine", "dask", *common, "-o", str(dask_out)
    )
    files = sorted(str(p) for p in data.glob("*.parquet"))
    t_mem, peak_mem = run_cli("-q", "aggregate", *files, *common, "-o", str(mem_out))
    a, b = pd.read_parquet(dask_out), pd.read_parquet(mem_out)
    pd.testing.assert_frame_equal(a, b)
    print(
        f"aggregate --by admin1 --every month, 1M events: dask {t_dask:.1f} s ({peak_dask / 2**30:.2f} GB), "
        f"in memory {t_mem:.1f} s ({peak_mem / 2**30:.2f} GB), ratio {t_dask / t_mem:.2f}; "
        f"{len(a):,} rows, {int(a['events'].sum()):,} events counted: same counts: True"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5,20", help="Millions of events, comma-separated.")
    parser.add_argument("--dir", default="/tmp/cm-dask-bench", type=Path)
    parser.add_argument("--no-aggregate", action="store_true")
    args = parser.parse_args()
    rows = [bench_size(args.dir, int(s)) for s in args.sizes.split(",")]
    if len(rows) > 1:
        first = rows[0]
        for row in rows[1:]:
            grow = row["n"] / first["n"]
            print(
                f"{row['n'] / 1e6:.0f}M vs {first['n'] / 1e6:.0f}M: {grow:.0f}× the events, "
                f"{row['seconds'] / first['seconds']:.1f}× the time, "
                f"{row['peak'] / first['peak']:.1f}× the memory"
            )
    if not args.no_aggregate:
        bench_aggregate(args.dir)


if __name__ == "__main__":
    main()
