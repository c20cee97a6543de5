"""Reading many small files, and one big CSV, through the CLI: time and peak memory.

Usage: python bench/read_many.py [--files 10000] [--rows 5000000] [--skip-many] [--skip-csv]
       [--geojson-rows 0] [--code CHECKOUT]

Everything is generated in a temporary folder and measured in the same run (issue 10, "Slow
paths"):

- many files: ``conflictmap export`` of ``--files`` one-event GeoJSON files against the same
  events in one GeoJSON file. Prints both times, their ratio (bar: <= 3) and the cost per
  extra file, and checks that both outputs hold the same events.
- big CSV: ``conflictmap export big.csv -o out.csv`` of ``--rows`` rows (~69 bytes a row, so
  5,000,000 rows is ~345 MB, the size of the report). Prints the peak resident memory of the
  CLI process (``os.wait4``) against the file size (bar: < 5x).
- big GeoJSON (``--geojson-rows N``): the same for a GeoJSON of N point events.

Each CLI run is a fresh process (``python -c 'from conflictmap.cli import main; main()'``), so
the times include the start-up of Python and the imports, as a user sees them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from synthetic_events import synthetic_events  # noqa: E402

from conflictmap import write_events  # noqa: E402
from conflictmap.categories import default_registry  # noqa: E402
from conflictmap.countries import country_by_code  # noqa: E402

# -P: not the current folder first on the path, so that --code decides which conflictmap runs
CLI = [sys.executable, "-P", "-c", "from conflictmap.cli import main; main()"]
CODE = ROOT  # the checkout whose CLI is measured (--code)


def run_cli(args: list[str]) -> tuple[float, float, float]:
    """Run the CLI; return wall seconds, CPU seconds and peak RSS in MiB of that process alone.

    CPU seconds (user + system) are what to compare on a shared machine, where other processes
    stretch the wall time.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(CODE), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    proc = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        what = " ".join(args[:3])
        sys.exit(f"conflictmap {what} ... failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # maxrss: KiB on Linux


def point_events(n: int):
    """``n`` synthetic point events, all inside Syria's box.

    The generator scatters points around towns; one scattered into the sea off the coast
    would look like swapped coordinates to the reader, which refuses it.
    """
    box = country_by_code("SY")
    events = synthetic_events(n + n // 20 + 10, areas=False)
    x, y = events.geometry.x, events.geometry.y
    inside = (box.west <= x) & (x <= box.east) & (box.south <= y) & (y <= box.north)
    return events[inside.to_numpy()].head(n).reset_index(drop=True)


def one_event_files(folder: Path, n: int) -> tuple[Path, list[Path]]:
    """Write ``n`` point events as one GeoJSON and as ``n`` one-event GeoJSON files."""
    one = folder / "one.geojson"
    write_events(point_events(n), one)
    features = json.loads(one.read_text(encoding="utf-8"))["features"]
    many = folder / "many"
    many.mkdir()
    paths = []
    for i, feature in enumerate(features):
        path = many / f"e{i:06d}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
        paths.append(path)
    return one, paths


def bench_many(folder: Path, n: int) -> None:
    one, paths = one_event_files(folder, n)
    print(
        f"{n:,} one-event GeoJSON files ({sum(p.stat().st_size for p in paths) / 1e6:.1f} MB) "
        f"and one file of the same events ({one.stat().st_size / 1e6:.1f} MB)"
    )
    one_out, many_out = folder / "one_out.geojson", folder / "many_out.geojson"
    wall_one, cpu_one, _ = run_cli(["export", str(one), "-o", str(one_out), "-q"])
    wall_many, cpu_many, _ = run_cli(["export", *map(str, paths), "-o", str(many_out), "-q"])
    first_out = folder / "first_out.geojson"
    wall_start, cpu_start, _ = run_cli(["export", str(paths[0]), "-o", str(first_out), "-q"])
    same = one_out.read_bytes() == many_out.read_bytes()
    print(f"  {'':<34}{'wall s':>9}{'CPU s':>9}")
    print(f"  {'export one file':<34}{wall_one:9.2f}{cpu_one:9.2f}")
    print(f"  {f'export {n:,} files':<34}{wall_many:9.2f}{cpu_many:9.2f}")
    print(f"  {'export one one-event file':<34}{wall_start:9.2f}{cpu_start:9.2f}  (start-up, imports)")
    print(f"  {'ratio many / one (bar: <= 3)':<34}{wall_many / wall_one:9.2f}{cpu_many / cpu_one:9.2f}")
    print(
        f"  {'cost per extra file, ms':<34}{(wall_many - wall_one) / (n - 1) * 1e3:9.3f}"
        f"{(cpu_many - cpu_one) / (n - 1) * 1e3:9.3f}"
    )
    print(f"  same output bytes: {same}")
    if not same:
        sys.exit("the many-file export differs from the one-file export")


def big_csv(path: Path, rows: int) -> None:
    """Write ``rows`` synthetic events (~69 bytes a row), in chunks so the generator stays small."""
    rng = np.random.default_rng(7)
    categories = list(default_registry())
    places = np.array(["Daraa", "Quneitra", "Suwayda", "Damascus", "Beit Jinn"], dtype=object)
    chunk = 500_000
    with path.open("w", encoding="utf-8", newline="") as fh:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            frame = pd.DataFrame(
                {
                    "event_id": [f"b{i}" for i in range(start, start + n)],
                    "event_date": (
                        pd.Timestamp("2024-12-08") + pd.to_timedelta(rng.integers(0, 400, n), "D")
                    ).strftime("%Y-%m-%d"),
                    "category": rng.choice(categories, n),
                    "location": rng.choice(places, n),
                    "latitude": rng.uniform(32.3, 37.2, n).round(4),
                    "longitude": rng.uniform(35.8, 42.3, n).round(4),
                    "country": "SY",
                    "notes": "Synthetic",
                    "fatalities": rng.integers(0, 5, n),
                }
            )
            frame.to_csv(fh, index=False, header=start == 0, lineterminator="\n")


def bench_memory(path: Path, out: Path, what: str) -> None:
    size = path.stat().st_size / 2**20
    wall, cpu, peak = run_cli(["export", str(path), "-o", str(out), "-q"])
    print(
        f"  {what} {size:,.0f} MiB: export to {out.suffix} in {wall:.1f} s ({cpu:.1f} s CPU), "
        f"peak RSS {peak:,.0f} MiB, ratio {peak / size:.2f} (bar: < 5)"
    )
    out.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--geojson-rows", type=int, default=0)
    parser.add_argument("--skip-many", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="checkout whose CLI to measure (e.g. main, for a before)"
    )
    args = parser.parse_args()
    global CODE
    CODE = args.code.resolve()
    print(f"measuring the CLI of {CODE}")
    with tempfile.TemporaryDirectory(prefix="cm-bench-") as tmp:
        folder = Path(tmp)
        if not args.skip_many:
            bench_many(folder, args.files)
        if not args.skip_csv:
            path = folder / "big.csv"
            big_csv(path, args.rows)
            print(f"{args.rows:,} rows of CSV")
            bench_memory(path, folder / "big_out.csv", "CSV")
            path.unlink()
        if args.geojson_rows:
            path = folder / "big.geojson"
            write_events(point_events(args.geojson_rows), path)
            print(f"{args.geojson_rows:,} point events of GeoJSON")
            bench_memory(path, folder / "big_out.csv", "GeoJSON")


if __name__ == "__main__":
    main()
