"""The event map in a real browser: layers, markers, legend, popups and escaping of report text."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from offline import MapPage, show_every_place
from playwright.sync_api import Page, expect

import conflictmap
from conflictmap.categories import default_registry
from conflictmap.pipeline import write_map

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "events" / "seed-article.geojson"
CLI = Path(sys.executable).parent / "conflictmap"
MARKERS = ".leaflet-marker-pane .cm-marker"
CLUSTERS = ".leaflet-marker-pane .cm-cluster"
PATHS = ".leaflet-overlay-pane path.cm-area-path"
POPUP = ".leaflet-popup-pane .leaflet-popup-content"
TILES_SETTLED = """() => {
    const tiles = [...document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile')];
    return tiles.length > 0 && tiles.every((img) => img.complete);
}"""
LIAISON = "liaison office"
# Markers of nearby events overlap at the fitted zoom: click a point where this one is on top.
VISIBLE_POINT = """(marker) => {
    const r = marker.getBoundingClientRect();
    for (let y = 4; y < r.height - 10; y += 3) {
        for (let x = 3; x < r.width - 3; x += 3) {
            if (marker.contains(document.elementFromPoint(r.x + x, r.y + y))) return {x, y};
        }
    }
    return null;
}"""

XSS_TITLE = "Events </script><script>window.__xss=5</script> & <b>more</b>"
XSS_EVENT = {
    "event_id": "xss-1",
    "event_date": "2025-03-01",
    "category": "unrest",
    "latitude": 33.0,
    "longitude": 35.9,
    "notes": '<img src=x onerror="window.__xss=1">',
    "actor1": "<script>window.__xss=2</script>",
    "location": '"><svg onload=window.__xss=3>',
    "sub_event_type": "${window.__xss=4}",
    "source": "Wire <i>desk</i>",
    "source_url": "javascript:window.__xss=6",
}
SAFE_URL = "https://example.org/a?b=1&c=<x>"
LINK_EVENT = {
    "event_id": "xss-2",
    "event_date": "2025-03-02",
    "category": "diplomatic",
    "latitude": 33.0,
    "longitude": 36.6,
    "notes": "second event",
    "source": "Example",
    "source_url": SAFE_URL,
}


def write_yaml(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"events": events}, sort_keys=False), encoding="utf-8")
    return path


def open_popup(page: Page, index: int, *, skip_hidden: bool = False) -> str | None:
    """Close any open popup, hover and click the `index`-th marker; return its tooltip text.

    A marker out of view or entirely covered fails the test, or with ``skip_hidden`` gives None.
    """
    close = page.locator(".leaflet-popup-close-button")
    if close.count():
        close.click()
        expect(page.locator(POPUP)).to_have_count(0)
    marker = page.locator(MARKERS).nth(index)
    position = marker.evaluate(VISIBLE_POINT)
    if position is None and skip_hidden:
        return None
    assert position, f"marker {index} is entirely covered"
    marker.hover(position=position)
    tooltip = page.locator(".leaflet-tooltip-pane .cm-tooltip")
    expect(tooltip).to_have_count(1)
    text = tooltip.text_content() or ""
    marker.click(position=position)
    expect(page.locator(f"{POPUP} .cm-popup")).to_have_count(1)
    return text


def overlay_labels(page: Page) -> list[str]:
    labels = page.locator(".leaflet-control-layers-overlays label")  # label > span > input, span
    return [text.strip() for text in labels.all_text_contents()]


@pytest.fixture(scope="module")
def seed_events() -> gpd.GeoDataFrame:
    return conflictmap.read_events(SEED)


@pytest.fixture
def seed_map(tmp_path: Path) -> Path:
    """The shipped sample drawn by the CLI, as a user would."""
    out = tmp_path / "seed.html"
    assert CLI.is_file(), f"console script missing next to the interpreter: {CLI}"
    # The checkout's code, as imported in this process, even when the install is not editable.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [str(CLI), "map", str(SEED), "-o", str(out), "--title", "Seed article"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert done.returncode == 0 and out.is_file(), done.stderr
    return out


def test_seed_map_layers_markers_and_legend(
    open_map: Callable[..., MapPage], seed_map: Path, seed_events: gpd.GeoDataFrame
) -> None:
    """Layers in registry order, one marker per event, one path per area and group, working toggles."""
    shown = open_map(seed_map)
    page = shown.page
    registry = default_registry()
    located = seed_events[seed_events["located"]]
    areas = located[located.geometry.geom_type.ne("Point")]
    # a region named by several events of one layer is drawn once (southern Syria: 2 events)
    drawn = {
        (geom.wkb, registry.layer_of(cat))
        for geom, cat in zip(areas.geometry, areas["category"], strict=True)
    }
    n_areas = len(drawn)
    assert (len(located), len(areas), n_areas) == (10, 5, 4)

    # At the opening view the crowded south of Syria is a cluster; markers and clusters together
    # stand for every event once.
    page.wait_for_function("() => document.documentElement.getAttribute('data-cm-ready') === '1'")
    clusters = [int(n) for n in page.locator(f"{CLUSTERS}[data-count]").evaluate_all(
        "(nodes) => nodes.map((n) => n.getAttribute('data-count'))"
    )]  # fmt: skip
    assert clusters and page.locator(MARKERS).count() + sum(clusters) == len(located)
    show_every_place(page)
    expect(page.locator(MARKERS)).to_have_count(len(located))
    expect(page.locator(PATHS)).to_have_count(n_areas)
    page.wait_for_function(TILES_SETTLED)
    assert shown.routes.tiles > 0
    assert overlay_labels(page) == [
        "Events per province",
        "Incursions",
        "Diplomatic events",
        "Unrest",
        "Diplomatic links",
    ]
    expect(page.locator(".cm-title h1")).to_have_text("Seed article")

    incursions = located[located["category"].map(registry.layer_of) == "Incursions"]
    n_inc_areas = len({layer for layer in drawn if layer[1] == "Incursions"})
    assert (len(incursions), n_inc_areas) == (2, 1)
    inc_colors = {registry[k].marker_color for k in incursions["category"]}
    inc_icons = ", ".join(f"{MARKERS}.cm-marker-{c}" for c in sorted(inc_colors))
    expect(page.locator(inc_icons)).to_have_count(len(incursions))

    checkbox = page.locator(".leaflet-control-layers-overlays label", has_text="Incursions")
    checkbox = checkbox.locator("input[type=checkbox]")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    expect(page.locator(MARKERS)).to_have_count(len(located) - len(incursions))
    expect(page.locator(PATHS)).to_have_count(n_areas - n_inc_areas)
    expect(page.locator(inc_icons)).to_have_count(0)
    checkbox.check()
    expect(page.locator(MARKERS)).to_have_count(len(located))
    expect(page.locator(PATHS)).to_have_count(n_areas)
    expect(page.locator(inc_icons)).to_have_count(len(incursions))

    items = page.locator(".cm-legend li[data-category]")
    legend = {
        items.nth(i).get_attribute("data-category"): int(items.nth(i).locator("b").inner_text())
        for i in range(items.count())
    }
    assert legend == located["category"].value_counts().to_dict()
    assert items.count() == len(legend)


def test_seed_popup_shows_notes_as_text(
    open_map: Callable[..., MapPage], seed_map: Path, seed_events: gpd.GeoDataFrame
) -> None:
    """The Damascus liaison-office marker's popup carries the event's notes verbatim."""
    wanted = seed_events[seed_events["notes"].str.contains(LIAISON, na=False)]
    assert len(wanted) == 1
    event = wanted.iloc[0]
    page = open_map(seed_map).page
    page.wait_for_function("() => document.documentElement.getAttribute('data-cm-ready') === '1'")
    show_every_place(page, center=(event.geometry.y, event.geometry.x))  # Damascus, where clusters split
    markers = page.locator(MARKERS)
    expect(markers).to_have_count(len(seed_events))

    seen = []
    for i in range(markers.count()):
        if open_popup(page, i, skip_hidden=True) is None:
            continue  # the Paris markers are beyond the opening view
        notes = page.locator(f"{POPUP} .cm-notes")
        seen.append(notes.text_content() if notes.count() else None)
        if seen[-1] and LIAISON in seen[-1]:
            break
    else:
        pytest.fail(f"no marker popup mentions {LIAISON!r}; notes seen: {seen}")
    assert seen[-1] == event["notes"]
    popup = page.locator(POPUP)
    expect(popup.locator(".cm-popup-title")).to_have_text(default_registry()["statement"].label)
    expect(popup.locator(".cm-place")).to_contain_text("Damascus")
    assert seen.count(event["notes"]) == 1


def test_report_text_is_never_markup(open_map: Callable[..., MapPage], tmp_path: Path) -> None:
    """Hostile text in every field stays text; only http(s) sources become links."""
    events = conflictmap.read_events(write_yaml(tmp_path / "xss.yaml", [XSS_EVENT, LINK_EVENT]))
    assert events["located"].all()
    html = tmp_path / "xss.html"
    write_map(events, html, title=XSS_TITLE)
    page = open_map(html).page
    markers = page.locator(MARKERS)
    expect(markers).to_have_count(2)
    assert page.locator(".cm-title h1").text_content() == XSS_TITLE
    assert page.locator(".cm-title b, .cm-title script").count() == 0

    popups, tooltips = {}, []
    for i in range(markers.count()):
        tooltips.append(open_popup(page, i))
        content = page.locator(POPUP)
        assert content.locator("img, svg, script, iframe, b, i").count() == 0
        assert page.locator(".leaflet-tooltip-pane").locator("img, svg, script").count() == 0
        popups[content.locator(".cm-notes").text_content()] = content.evaluate(
            """(root) => ({
                kind: root.querySelector('.cm-popup-kind')?.textContent ?? null,
                actors: root.querySelector('.cm-actors')?.textContent ?? null,
                place: root.querySelector('.cm-place')?.textContent ?? null,
                source: root.querySelector('.cm-source')?.textContent ?? null,
                links: [...root.querySelectorAll('a')].map((a) => ({
                    href: a.getAttribute('href'), rel: a.getAttribute('rel'),
                    target: a.getAttribute('target'), text: a.textContent})),
            })"""
        )
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert any(XSS_EVENT["location"] in text for text in tooltips), tooltips

    assert set(popups) == {XSS_EVENT["notes"], LINK_EVENT["notes"]}
    hostile = popups[XSS_EVENT["notes"]]
    assert hostile["kind"] == XSS_EVENT["sub_event_type"]
    assert hostile["actors"] == XSS_EVENT["actor1"]
    assert hostile["place"] == XSS_EVENT["location"]
    assert hostile["source"] == f"Source: {XSS_EVENT['source']}"
    assert hostile["links"] == []
    assert popups[LINK_EVENT["notes"]]["links"] == [
        {"href": SAFE_URL, "rel": "noopener noreferrer", "target": "_blank", "text": "Example"}
    ]
    assert page.locator("a[href^='javascript:' i]").count() == 0


@pytest.mark.parametrize("with_located", [True, False], ids=["mixed", "all-unlocated"])
def test_unlocated_event_is_counted_not_drawn(
    open_map: Callable[..., MapPage], tmp_path: Path, with_located: bool
) -> None:
    """An event without coordinates gets no marker, but the subtitle counts it."""
    records: list[dict[str, object]] = [
        {"event_id": "nowhere", "event_date": "2025-03-01", "category": "unrest",
         "location": "Nowhere"},
    ]  # fmt: skip
    if with_located:
        records.append(LINK_EVENT)
    events = conflictmap.read_events(write_yaml(tmp_path / "events.yaml", records))
    assert events["located"].tolist() == [False, *([True] if with_located else [])]
    write_map(events, tmp_path / "unlocated.html", title="Unlocated")
    page = open_map(tmp_path / "unlocated.html").page

    expect(page.locator(".cm-title p")).to_contain_text("1 not located")
    counted = "1 event ·" if len(records) == 1 else f"{len(records)} events"
    assert counted in (page.locator(".cm-title p").text_content() or "")
    expect(page.locator(MARKERS)).to_have_count(int(with_located))
    expect(page.locator(PATHS)).to_have_count(0)
    assert overlay_labels(page) == (["Events per province", "Diplomatic events"] if with_located else [])
    legend = page.locator(".cm-legend li[data-category]")
    expect(legend).to_have_count(int(with_located))
    assert page.locator(".cm-legend li[data-category='unrest']").count() == 0


def test_every_marker_is_clickable_in_the_initial_view(
    open_map: Callable[..., MapPage], tmp_path: Path
) -> None:
    north = {**LINK_EVENT, "latitude": 33.51, "longitude": 36.29}
    south = {**XSS_EVENT, "latitude": 32.7, "longitude": 36.57}
    events = conflictmap.read_events(write_yaml(tmp_path / "ns.yaml", [north, south]))
    html = tmp_path / "ns.html"
    write_map(events, html, title="North and south")
    markers = open_map(html).page.locator(MARKERS)
    expect(markers).to_have_count(2)
    assert [markers.nth(i).evaluate(VISIBLE_POINT) is not None for i in range(2)] == [True, True]
