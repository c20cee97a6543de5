"""Map building, size and drawing time at 100,000 events, against explore() and FastMarkerCluster.

Usage: python bench/map_scale.py [--events 100000] [--explore-timeout 120] [--skip-explore]

On the same synthetic events over Syria (bench/synthetic_events.py: every category, every
location precision, two years of dates), measured in one run:

- build: seconds from the GeoDataFrame to the saved HTML file;
- size: the HTML file in MB;
- draw: seconds from opening the file in headless Chromium (offline, tiles answered blank; the
  baselines' CDN assets are served from tests/browser/assets/node_modules, conflictmap's page
  carries its own) until the events are drawn. conflictmap says so itself (``data-cm-ready``
  on <html>, set after the canvas symbols are drawn); FastMarkerCluster is drawn when its
  cluster icons are in the page; explore() when all its paths are.

The events are points (exact or near a place), so that the baselines draw the same points; a
last run draws events of which about 12% are region- or country-level, whose polygons only
conflictmap draws. The baselines: ``GeoDataFrame.explore(column="category")`` and folium's
``FastMarkerCluster`` with a popup callback showing category, date, place and notes (what an
analyst needs of an event). Bars (issue 4):
build <= 2 s and >= 2.5x faster than explore; HTML <= 15 MB; drawn <= 4 s and no slower than
FastMarkerCluster.
"""

from __future__ import annotations

import argparse
import gc
import html
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests" / "browser")]

import folium  # noqa: E402
import folium.plugins  # noqa: E402
import offline  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from synthetic_events import synthetic_events  # noqa: E402

from layers import event_map  # noqa: E402

_FMC_CALLBACK = """\
function (row) {
    var marker = L.marker(new L.LatLng(row[0], row[1]));
    marker.bindPopup(row[2]);
    return marker;
}"""


def build_conflictmap(events, path: Path) -> None:
    event_map(events, title="100,000 synthetic events").save(str(path))


def build_explore(events, path: Path) -> None:
    events.explore(column="category").save(str(path))


def build_fast_marker_cluster(events, path: Path) -> None:
    points = events.geometry.representative_point()
    # The popup shows what an analyst needs of an event, as escaped HTML.
    popups = [
        "<b>{}</b><br>{}<br>{}<br>{}".format(*(html.escape(str(v)) for v in row))
        for row in zip(
            events["category"], events["event_date"].dt.date, events["location"], events["notes"], strict=True
        )
    ]
    data = list(zip(points.y.round(5), points.x.round(5), popups, strict=True))
    fmap = folium.Map(location=[35, 38.5], zoom_start=7)
    folium.plugins.FastMarkerCluster(data, callback=_FMC_CALLBACK).add_to(fmap)
    fmap.save(str(path))


READY = {
    "conflictmap": "() => document.documentElement.getAttribute('data-cm-ready') === '1'",
    "FastMarkerCluster": "() => document.querySelectorAll('.marker-cluster').length > 0",
    "explore": "(n) => document.querySelectorAll('path.leaflet-interactive').length >= n",
}


def draw_seconds(browser, path: Path, ready: str, arg: int, timeout_s: float) -> float | None:
    """Seconds from navigation to `ready` in a fresh page; None when it did not happen in time."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    offline.install_routes(context, tiles="blank")
    page = context.new_page()
    errors = offline.watch_errors(page)
    try:
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function(ready, arg=arg, timeout=timeout_s * 1000, polling=50)
        seconds = time.perf_counter() - start
    except PlaywrightTimeout:
        seconds = None
    finally:
        context.close()
    if errors:
        print(f"    console errors: {errors[:3]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="draw timings per map (median)")
    parser.add_argument("--explore-timeout", type=float, default=120.0)
    parser.add_argument("--skip-explore", action="store_true", help="skip explore() in the browser")
    args = parser.parse_args()

    events = synthetic_events(args.events, areas=False)
    mixed = synthetic_events(args.events, areas=True)
    print(f"{len(events):,} synthetic point events, {events['category'].nunique()} categories")
    builders = {
        "conflictmap": build_conflictmap,
        "explore": build_explore,
        "FastMarkerCluster": build_fast_marker_cluster,
        "conflictmap (areas)": build_conflictmap,
    }
    results: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, build in builders.items():
            paths[name] = Path(tmp) / f"{name.replace(' ', '_')}.html"
            gc.collect()
            start = time.perf_counter()
            build(mixed if name.endswith("(areas)") else events, paths[name])
            results[name] = {
                "build": time.perf_counter() - start,
                "size": paths[name].stat().st_size / 1e6,
            }
            print(f"  built {name:<18} {results[name]['build']:7.2f} s {results[name]['size']:8.1f} MB")
        with sync_playwright() as playwright:
            browser = offline.launch_chromium(playwright)
            for name in builders:
                if name == "explore" and args.skip_explore:
                    results[name]["draw"] = None
                    continue
                timeout = args.explore_timeout if name == "explore" else 60.0
                repeat = 1 if name == "explore" else args.repeat
                ready = READY[name.split(" ")[0]]
                times = [
                    draw_seconds(browser, paths[name], ready, len(events), timeout) for _ in range(repeat)
                ]
                done = [t for t in times if t is not None]
                results[name]["draw"] = statistics.median(done) if len(done) == len(times) else None
                shown = f"{results[name]['draw']:7.2f} s" if results[name]["draw"] else f"> {timeout:.0f} s"
                runs = ", ".join(f"{t:.2f}" if t else "timeout" for t in times)
                print(f"  drawn {name:<18} {shown}  (runs: {runs})")
            browser.close()

    ours, explore, fmc = results["conflictmap"], results["explore"], results["FastMarkerCluster"]
    print()
    print(f"{'':<20}{'build s':>10}{'HTML MB':>10}{'drawn s':>10}")
    for name, row in results.items():
        drawn = f"{row['draw']:10.2f}" if row.get("draw") else f"{'n/a':>10}"
        print(f"{name:<20}{row['build']:10.2f}{row['size']:10.1f}{drawn}")
    print()
    print(
        f"build: explore / conflictmap = {explore['build'] / ours['build']:.1f}x (bar >= 2.5x); "
        f"conflictmap {ours['build']:.2f} s (bar <= 2 s)"
    )
    print(
        f"size: conflictmap {ours['size']:.1f} MB (bar <= 15 MB); explore {explore['size']:.1f} MB, "
        f"FastMarkerCluster {fmc['size']:.1f} MB"
    )
    if ours.get("draw") and fmc.get("draw"):
        print(
            f"drawn: conflictmap {ours['draw']:.2f} s (bar <= 4 s); FastMarkerCluster {fmc['draw']:.2f} s; "
            f"FastMarkerCluster / conflictmap = {fmc['draw'] / ours['draw']:.2f}x (bar >= 1)"
        )
    if explore.get("draw"):
        print(f"drawn: explore {explore['draw']:.2f} s")
    elif not args.skip_explore:
        print(f"drawn: explore did not finish in {args.explore_timeout:.0f} s")


if __name__ == "__main__":
    main()
