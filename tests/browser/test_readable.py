"""Crowded maps stay readable at every zoom: clusters, and labels for links leading out of view.

The demo's articles map (``make demo``: events extracted from tests/data/articles, Leaflet
markers) and the map of the real ACLED rows in ../shared (canvas symbols) are drawn by the CLI
as a user would, opened offline in Chromium, and measured from the screen boxes of what is
drawn: markers, cluster symbols and canvas symbols.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from offline import MapPage, show_every_place
from playwright.sync_api import Page, expect

import conflictmap
from conflictmap.categories import default_registry

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "conflictmap"
ARTICLES = sorted((ROOT / "tests" / "data" / "articles").glob("*.txt"))
ACLED = ROOT.parent / "shared" / "data" / "events" / "acled_middle_east_2020-04-27_2020-05-09.csv"
SEED = ROOT / "data" / "events" / "seed-article.geojson"
ARTIFACTS = ROOT / "tests" / "artifacts"
READY = "() => document.documentElement.getAttribute('data-cm-ready') === '1'"
MARKERS = ".leaflet-marker-pane .cm-marker"
CLUSTERS = ".leaflet-marker-pane .cm-cluster"
POPUP = ".leaflet-popup-pane .leaflet-popup-content"
MAX_OVERLAPPING = 0.10

# The screen box of every symbol drawn in view (markers, cluster symbols, canvas symbols), and
# how many of them another covers by more than half of their own area.
OVERLAP = """() => {
    const store = window.conflictmap.stores[0], map = store.map;
    const view = map.getContainer().getBoundingClientRect();
    const boxes = [];
    document.querySelectorAll('.leaflet-marker-pane .cm-marker, .leaflet-marker-pane .cm-cluster')
        .forEach((n) => {
            const r = n.getBoundingClientRect();
            boxes.push([r.left, r.top, r.right, r.bottom]);
        });
    const c = store._canvas;
    if (c && c._map) {
        const half = 10;  // canvas symbols are 20 px across (events.js)
        for (let k = 0; k < c._idx.length; k++) {
            if (!c._drawn[k]) continue;
            const x = c._px[k] + view.left, y = c._py[k] + view.top;
            boxes.push([x - half, y - half, x + half, y + half]);
        }
    }
    const seen = boxes.filter(
        (b) => b[2] > view.left && b[0] < view.right && b[3] > view.top && b[1] < view.bottom);
    const area = (b) => (b[2] - b[0]) * (b[3] - b[1]);
    const common = (a, b) => Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) *
        Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    const covered = seen.filter((a) => seen.some((b) => b !== a && common(a, b) > 0.5 * area(a)));
    return {visible: seen.length, covered: covered.length,
            clusters: document.querySelectorAll('.leaflet-marker-pane .cm-cluster').length};
}"""
# Events the markers map stands for: one per marker, a pile's count, a cluster's count.
ACCOUNTED = """() => {
    let n = 0;
    document.querySelectorAll('.leaflet-marker-pane .cm-cluster').forEach((c) => { n += +c.dataset.count; });
    document.querySelectorAll('.leaflet-marker-pane .cm-marker').forEach((m) => {
        const pile = m.querySelector('.cm-pile-count');
        n += pile ? +pile.textContent : 1;
    });
    return n;
}"""


def _cli(*args: str) -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [str(CLI), *args], capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo's articles map, made as ``make demo`` makes it; (html, geojson)."""
    out = tmp_path_factory.mktemp("articles")
    events = out / "articles.geojson"
    _cli("extract", *map(str, ARTICLES), "-o", str(events), "--mentions", str(out / "mentions.json"))
    html = out / "articles.html"
    _cli(
        "map", str(events), "--title", "Events extracted from 14 invented wire reports", "-o", str(html), "-q"
    )
    return html, events


@pytest.fixture(scope="module")
def acled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not ACLED.is_file():
        pytest.skip(f"ACLED sample absent: {ACLED}")
    html = tmp_path_factory.mktemp("acled") / "acled.html"
    _cli("map", str(ACLED), "--title", "ACLED, Middle East", "-o", str(html), "-q")
    return html


def _open(open_map: Callable[..., MapPage], html: Path) -> Page:
    page = open_map(html).page
    page.wait_for_function(READY, timeout=30_000)
    return page


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _zoom_to_biggest_cluster(page: Page, zoom_in: int) -> None:
    page.evaluate(
        """(steps) => {
            const store = window.conflictmap.stores[0], map = store.map;
            let best = null;
            map.eachLayer((l) => {
                const n = l.getElement && l.getElement() && +l.getElement().dataset.count;
                if (n && (!best || n > best[0])) best = [n, l.getLatLng()];
            });
            map.setView(best[1], map.getZoom() + steps, {animate: false});
        }""",
        zoom_in,
    )
    page.wait_for_timeout(300)


@pytest.mark.parametrize("which", ["articles", "acled"])
def test_opening_view_symbols_do_not_pile_up(open_map, articles, request, which) -> None:
    """At the opening view at most 10% of the symbols are more than half covered by another."""
    html = articles[0] if which == "articles" else request.getfixturevalue("acled")
    page = _open(open_map, html)
    mode = page.evaluate("() => window.conflictmap.stores[0].data.mode")
    assert mode == ("markers" if which == "articles" else "canvas")
    measured = page.evaluate(OVERLAP)
    _shot(page, f"readable-{which}-opening.png")
    assert measured["clusters"] > 0 and measured["visible"] >= 8, measured
    assert measured["covered"] <= MAX_OVERLAPPING * measured["visible"], measured
    # zoomed in on the most crowded place, the bar holds too, and the cluster has split
    before = page.evaluate("() => window.conflictmap.stores[0].map.getZoom()")
    _zoom_to_biggest_cluster(page, 3)
    zoomed = page.evaluate(OVERLAP)
    _shot(page, f"readable-{which}-zoomed.png")
    assert page.evaluate("() => window.conflictmap.stores[0].map.getZoom()") == before + 3
    assert zoomed["visible"] >= 3 and zoomed["covered"] <= MAX_OVERLAPPING * zoomed["visible"], zoomed


def test_clusters_count_what_time_and_layers_show(open_map, articles) -> None:
    """Markers, piles and clusters stand for every shown event once, as time and layers change."""
    html, geojson = articles
    events = conflictmap.read_events(geojson)
    located = events[events["located"]]
    page = _open(open_map, html)
    assert page.locator(CLUSTERS).count() > 0
    assert page.evaluate(ACCOUNTED) == len(located)

    registry = default_registry()
    layer = registry.layer_of(located["category"].value_counts().index[0])
    in_layer = located["category"].map(registry.layer_of) == layer
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text=layer).locator("input")
    toggle.uncheck()
    page.wait_for_function(f"() => ({ACCOUNTED})() === {int((~in_layer).sum())}")
    toggle.check()
    page.wait_for_function(f"() => ({ACCOUNTED})() === {len(located)}")

    epoch = pd.Timestamp("1970-01-01")
    start = ((located["event_date"] - epoch) // pd.Timedelta(days=1)).to_numpy()
    at = int(pd.Series(start).median())
    page.eval_on_selector(
        ".cm-time-slider",
        "(el, at) => { el.value = String(at); el.dispatchEvent(new Event('input', {bubbles: true})); }",
        at,
    )
    page.wait_for_function(f"() => ({ACCOUNTED})() === {int((start <= at).sum())}")


def test_a_cluster_shows_its_categories_and_splits_on_click(open_map, articles) -> None:
    page = _open(open_map, articles[0])
    registry = default_registry()
    colors = {cat.color.lower() for cat in registry.categories.values()}
    biggest = max(
        range(page.locator(CLUSTERS).count()),
        key=lambda i: int(page.locator(CLUSTERS).nth(i).get_attribute("data-count") or 0),
    )
    cluster = page.locator(CLUSTERS).nth(biggest)
    count = int(cluster.get_attribute("data-count") or 0)
    parts = cluster.locator("circle.cm-cluster-part").evaluate_all(
        """(nodes) => nodes.map((n) => ({color: n.getAttribute('stroke'),
            length: +n.getAttribute('stroke-dasharray').split(' ')[0],
            circumference: 2 * Math.PI * +n.getAttribute('r')}))"""
    )
    assert len(parts) >= 2, parts  # the most crowded place of the articles mixes categories
    assert {p["color"].lower() for p in parts} <= colors
    assert sum(p["length"] for p in parts) == pytest.approx(parts[0]["circumference"], abs=0.01)
    expect(cluster.locator(".cm-cluster-count")).to_have_text(str(count))
    label = cluster.get_attribute("aria-label") or ""
    assert label.startswith(f"{count} events: ") and any(
        cat.label in label for cat in registry.categories.values()
    )

    total = page.evaluate(ACCOUNTED)
    zoom = page.evaluate("() => window.conflictmap.stores[0].map.getZoom()")
    cluster.click()
    page.wait_for_function(f"() => window.conflictmap.stores[0].map.getZoom() > {zoom}")
    page.wait_for_timeout(400)
    assert page.evaluate(ACCOUNTED) == total  # split, nothing lost
    show_every_place(page)
    expect(page.locator(CLUSTERS)).to_have_count(0)
    assert page.evaluate(ACCOUNTED) == total


def test_canvas_place_with_several_events_lists_them(open_map, acled) -> None:
    """On the canvas a place with several events shown is one symbol with their count."""
    page = _open(open_map, acled)
    page.evaluate(
        """() => {
            const store = window.conflictmap.stores[0], c = store.clusters;
            const p = c.places.findIndex((list) => list.length >= 3);
            const zoom = window.conflictmapClusters.MAX_ZOOM + 1;
            store.map.setView(store.latlng(c.places[p][0]), zoom, {animate: false});
        }"""
    )
    piles = page.locator(".leaflet-marker-pane .cm-cluster-pile")
    expect(piles.first).to_be_visible()
    counts = [int(n or 0) for n in piles.evaluate_all("(ps) => ps.map((p) => p.dataset.count)")]
    pile = piles.nth(counts.index(max(counts)))  # other piles may be in view: the one centred is the largest
    count = max(counts)
    assert count >= 3
    pile.click()
    expect(page.locator(f"{POPUP} .cm-popup-count")).to_have_text(f"{count} events here")


def test_links_leading_out_of_view_name_their_far_end(open_map, tmp_path) -> None:
    """At the opening view of the seed map the talks in Paris are out of view: the links say so."""
    html = tmp_path / "seed.html"
    _cli("map", str(SEED), "-o", str(html), "-q")
    page = _open(open_map, html)
    ends = page.locator(".leaflet-marker-pane .cm-link-edge")
    labels = ends.locator(".cm-link-edge-label")
    expect(labels.first).to_be_visible()
    texts = labels.all_inner_texts()
    assert texts and all("Paris" in t for t in texts), texts
    view = page.evaluate(
        "() => document.querySelector('.leaflet-container').getBoundingClientRect().toJSON()"
    )
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box is not None
        assert view["left"] <= box["x"] and box["x"] + box["width"] <= view["right"] + 1
        assert view["top"] <= box["y"] and box["y"] + box["height"] <= view["bottom"] + 1
    assert "Paris" in (ends.first.get_attribute("aria-label") or "")
    # a click shows the whole link: Paris comes into view and its label goes
    labels.first.click()
    page.wait_for_function("""() => window.conflictmap.stores[0].map.getBounds().contains([48.85, 2.35])""")
    page.wait_for_timeout(300)
    assert not any("Paris" in t for t in labels.all_inner_texts())
    # with the links layer off, no label is left
    page.locator(".leaflet-control-layers-overlays label", has_text="Diplomatic links").locator(
        "input"
    ).uncheck()
    expect(labels).to_have_count(0)


CORNER_BOXES = """() => {
    const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
                         return [r.left, r.top, r.right, r.bottom]; };
    const legend = document.querySelector('.cm-legend');
    return {legend: box('.cm-legend'), layers: box('.leaflet-control-layers'),
            scrolls: legend.scrollHeight > legend.clientHeight + 1};
}"""


@pytest.mark.parametrize(("width", "height"), [(1024, 600), (800, 480), (1280, 800)])
def test_the_legend_never_covers_the_layer_control(open_map, articles, width, height) -> None:
    """On a short window the legend (bottom right) scrolls below the layer checkboxes (top right)."""
    page = _open(open_map, articles[0])
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(300)  # Leaflet's resize event is debounced
    boxes = page.evaluate(CORNER_BOXES)
    legend, layers = boxes["legend"], boxes["layers"]
    assert legend[1] >= layers[3], boxes  # the legend's top is below the layer control's bottom
    # every layer checkbox can be clicked: nothing is drawn over it
    for label in page.locator(".leaflet-control-layers label").all():
        label.locator("input").click(trial=True, timeout=2_000)
    if height >= 800:
        assert not boxes["scrolls"], boxes  # on a full window the legend is whole
    else:
        assert boxes["scrolls"], boxes
    if (width, height) == (1024, 600):
        _shot(page, "readable-articles-1024x600.png")
