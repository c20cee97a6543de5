"""Geocoding speed: CLI start-up against ``import geopandas``, and place lookups per second in process.

Usage: python bench/geocode.py [--lookups 1000000] [--runs 5] [--rows 1000000]

Bars (issue 3); the exit code is 1 when one fails:

- CLI start-up: ``conflictmap geocode Damascus`` in a new process takes at most 0.5 s longer than
  ``python -c "import geopandas"``. Both run from the venv of ``sys.executable``, in a temporary
  working directory, output discarded; medians of ``--runs`` runs each, interleaved. The gazetteer
  index is cached on disk first: one run against an empty ``CONFLICTMAP_CACHE_DIR`` (reported as the
  first-build time) builds it, one more run warms the OS caches, and the timed runs reuse it.
- Lookups in process: at least 1,000,000 ``Resolver().resolve(name)`` per second on a stream of
  place names, warm (after one pass over the stream). The stream draws ``--lookups`` names
  uniformly (fixed seed) from a vocabulary of a few thousand distinct names: the place names of the
  real ACLED (``location``) and UCDP GED (``where_coordinates``, which the UCDP reader maps to
  ``location``) extracts in ../shared/data/events when present, read at run time only, plus the
  primary names of a fixed sample of gazetteer rows.

Also reported, not judged: the first-time resolution of every distinct name (names/s, on a
gazetteer whose lookup cache is empty), ``GeocoderChain().resolve_all`` on the whole column mapped
back to its rows, and ``geo.locate.locate_events`` on a names-only event frame of ``--rows`` rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

SHARED_EVENTS = Path(__file__).resolve().parents[2] / "shared/data/events"
# File pattern → the column that holds the place name as reported.
EVENT_NAME_COLUMNS = {"acled*.csv": "location", "ucdp*.csv": "where_coordinates"}
GAZETTEER_SAMPLE = 3_000
SEED = 20260107
STARTUP_MARGIN_S = 0.5
LOOKUPS_PER_S = 1_000_000


def event_names() -> tuple[list[str], str]:
    """Distinct place names of the real event extracts (empty when absent), and where they came from."""
    names: set[str] = set()
    used = []
    for pattern, column in EVENT_NAME_COLUMNS.items():
        for path in sorted(SHARED_EVENTS.glob(pattern)):
            try:
                values = pd.read_csv(path, usecols=[column], dtype=str)[column].dropna()
            except (OSError, ValueError) as err:
                print(f"skipping {path.name}: {err}")
                continue
            names.update(v.strip() for v in values if v.strip())
            used.append(f"{path.name}:{column} ({values.nunique():,} distinct)")
    return sorted(names), ", ".join(used) or "none found"


def vocabulary() -> list[str]:
    """A few thousand distinct names: the event extracts' names plus a sample of gazetteer names."""
    from geo.gazetteer import default_gazetteer

    from_events, source = event_names()
    gazetteer = default_gazetteer()
    rows = np.random.default_rng(SEED).choice(len(gazetteer), GAZETTEER_SAMPLE, replace=False)
    from_gazetteer = {gazetteer.place(int(row)).name for row in rows}
    vocab = sorted(set(from_events) | from_gazetteer)
    print(f"Vocabulary: {len(vocab):,} distinct names; {len(from_events):,} from event data [{source}],")
    print(f"  {len(from_gazetteer):,} gazetteer names of {GAZETTEER_SAMPLE:,} sampled rows\n")
    return vocab


# ---------------------------------------------------------------------- CLI start-up


def _timed_run(command: list[str], *, cwd: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def startup(runs: int) -> dict[str, float]:
    """Time the CLI against ``import geopandas``: first build, then interleaved warm runs."""
    cli = str(Path(sys.executable).parent / "conflictmap")
    ours, baseline = [cli, "geocode", "Damascus"], [sys.executable, "-c", "import geopandas"]
    with tempfile.TemporaryDirectory() as cwd, tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CONFLICTMAP_CACHE_DIR": cache}
        first_build = _timed_run(ours, cwd=cwd, env=env)
        _timed_run(ours, cwd=cwd, env=env)  # warm-up: the index is now on disk
        _timed_run(baseline, cwd=cwd, env=env)
        times: dict[str, list[float]] = {"cli": [], "geopandas": []}
        for _ in range(runs):
            times["geopandas"].append(_timed_run(baseline, cwd=cwd, env=env))
            times["cli"].append(_timed_run(ours, cwd=cwd, env=env))
    result = {key: statistics.median(values) for key, values in times.items()}
    result["difference"] = result["cli"] - result["geopandas"]
    result["first build"] = first_build
    for key, values in times.items():
        print(f"{key:>10} runs (s): {' '.join(f'{v:.3f}' for v in values)}")
    print(f"first run with an empty cache dir (builds the index): {first_build:.3f} s\n")
    return result


# ---------------------------------------------------------------------- lookups


def _rate(count: int, func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return count / (time.perf_counter() - start)


def cold_names_per_s(vocab: list[str]) -> float:
    """First-time resolution of every distinct name, on a fresh gazetteer with an empty lookup cache."""
    from geo.gazetteer import default_gazetteer
    from geo.resolve import Resolver

    default_gazetteer.cache_clear()  # a new Gazetteer: its index is loaded, its lookup cache empty
    resolve = Resolver(gazetteer=default_gazetteer()).resolve
    return _rate(len(vocab), lambda: [resolve(name) for name in vocab])


def warm_lookups_per_s(stream: list[str], passes: int = 3) -> tuple[float, list[float]]:
    """``Resolver().resolve`` over the stream: one warm-up pass, then the median of ``passes``."""
    from geo.resolve import Resolver

    resolve = Resolver().resolve

    def one_pass() -> None:
        for name in stream:
            resolve(name)

    one_pass()
    rates = [_rate(len(stream), one_pass) for _ in range(passes)]
    return statistics.median(rates), rates


def column_lookups_per_s(stream: list[str]) -> float:
    """``GeocoderChain().resolve_all`` on the whole column (fresh memo), mapped back to each row."""
    from geo.geocoder import GeocoderChain

    def run() -> None:
        resolutions = GeocoderChain().resolve_all(stream)
        [resolutions[name] for name in stream]

    return _rate(len(stream), run)


def names_only_events(names: np.ndarray) -> pd.DataFrame:
    """An event frame with the canonical columns: only ``location`` is set, nothing is located."""
    import geopandas as gpd

    from conflictmap.schema import DTYPES, WGS84

    n = len(names)
    data: dict[str, object] = {}
    for name, dtype in DTYPES.items():
        if name == "location":
            data[name] = pd.array(names, dtype=dtype)
        elif name == "located":
            data[name] = np.zeros(n, dtype=bool)
        elif name == "time_precision":
            data[name] = np.ones(n, dtype=np.int8)
        else:
            data[name] = pd.Series(index=pd.RangeIndex(n), dtype=dtype)
    geometry = gpd.GeoSeries(np.full(n, None, dtype=object), crs=WGS84)
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=geometry, crs=WGS84)


def locate_rows_per_s(vocab: list[str], rows: int) -> float:
    """``locate_events`` on a names-only frame of ``rows`` events (fresh chain and memo)."""
    from geo.locate import locate_events

    names = np.array(vocab, dtype=object)[np.random.default_rng(SEED + 1).integers(0, len(vocab), rows)]
    start = time.perf_counter()
    events = names_only_events(names)
    print(f"built a {rows:,}-row names-only event frame in {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    located, report = locate_events(events)
    elapsed = time.perf_counter() - start
    print(
        f"locate_events: {int(located['located'].sum()):,} of {rows:,} events located in {elapsed:.2f} s; "
        f"{len(report.unresolved):,} distinct names unresolved\n"
    )
    return rows / elapsed


# ---------------------------------------------------------------------- report


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    """Print rows of (measure, measured, bar, result) as aligned columns."""
    table = [("measure", "measured", "bar", "result"), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=1_000_000, help="length of the name stream")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command for the start-up bar")
    parser.add_argument("--rows", type=int, default=1_000_000, help="events for locate_events")
    args = parser.parse_args()
    print(f"{sys.executable}; {os.cpu_count()} CPUs\n")
    start_up = startup(args.runs)
    vocab = vocabulary()
    cold = cold_names_per_s(vocab)
    draws = np.random.default_rng(SEED).integers(0, len(vocab), args.lookups)
    stream = [vocab[i] for i in draws.tolist()]
    warm, rates = warm_lookups_per_s(stream)
    print(f"warm passes (lookups/s): {' '.join(f'{r:,.0f}' for r in rates)}")
    column = column_lookups_per_s(stream)
    located = locate_rows_per_s(vocab, args.rows)
    startup_ok = start_up["difference"] <= STARTUP_MARGIN_S
    warm_ok = warm >= LOOKUPS_PER_S
    print_table(
        [
            ("CLI geocode Damascus, median", f"{start_up['cli']:.3f} s", "", ""),
            ("python -c 'import geopandas', median", f"{start_up['geopandas']:.3f} s", "", ""),
            (
                "CLI minus import geopandas",
                f"{start_up['difference']:+.3f} s",
                f"<= {STARTUP_MARGIN_S} s",
                "pass" if startup_ok else "FAIL",
            ),
            ("CLI first run, empty cache dir", f"{start_up['first build']:.3f} s", "", ""),
            (
                f"(a) Resolver.resolve, {len(stream):,}-name stream, warm",
                f"{warm:,.0f} /s",
                f">= {LOOKUPS_PER_S:,} /s",
                "pass" if warm_ok else "FAIL",
            ),
            (f"(b) cold, {len(vocab):,} distinct names", f"{cold:,.0f} names/s", "", ""),
            (f"(c) locate_events, {args.rows:,} rows", f"{located:,.0f} rows/s", "", ""),
            ("    resolve_all on the stream, mapped back", f"{column:,.0f} names/s", "", ""),
        ]
    )
    return 0 if startup_ok and warm_ok else 1


if __name__ == "__main__":
    sys.exit(main())
