"""The map's layers in a real browser: time control, canvas symbols, uncertainty, regions, links.

Every test opens real HTML written by ``layers.event_map`` in headless Chromium, offline, and
checks what is drawn against what the events say.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml
from offline import MapPage, show_every_place
from playwright.sync_api import Page, expect

import conflictmap
from conflictmap.categories import default_registry
from conflictmap.resources import data_path
from geo.locate import locate_events
from geo.regions import default_regions
from layers import event_map

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from synthetic_events import synthetic_events  # noqa: E402

ARTIFACTS = ROOT / "tests" / "artifacts"
MARKERS = ".leaflet-marker-pane .cm-marker"
AREAS = ".leaflet-overlay-pane path.cm-area-path"
POPUP = ".leaflet-popup-pane .leaflet-popup-content"
READY = "() => document.documentElement.getAttribute('data-cm-ready') === '1'"
EPOCH = pd.Timestamp("1970-01-01")
HOSTILE = {
    "event_id": "<b>id</b>",
    "event_date": "2025-03-01",
    "category": "airstrike",
    "latitude": 33.0,
    "longitude": 35.9,
    "notes": '<img src=x onerror="window.__xss=1">',
    "actor1": "<script>window.__xss=2</script>",
    "actor2": "</script><svg onload=window.__xss=7>",
    "location": '"><svg onload=window.__xss=3>',
    "sub_event_type": "${window.__xss=4}",
    "source": "Wire <i>desk</i>",
    "source_url": "javascript:window.__xss=6",
}


def write_yaml(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"events": events}, sort_keys=False), encoding="utf-8")
    return path


def save(events: gpd.GeoDataFrame, path: Path, **kwargs: object) -> Path:
    event_map(events, **kwargs).save(str(path))
    return path


def open_ready(open_map: Callable[..., MapPage], path: Path) -> Page:
    page = open_map(path).page
    page.wait_for_function(READY, timeout=20_000)
    return page


def days(dates: pd.Series) -> np.ndarray:
    return ((dates - EPOCH) // pd.Timedelta(days=1)).to_numpy()


def set_time(page: Page, *, mode: str, at: int, window: int | None = None) -> None:
    """Operate the time control as a user does: mode, window length, then the slider."""
    page.select_option(".cm-time-mode", mode)
    if window is not None:
        page.select_option(".cm-time-window", str(window))
    page.eval_on_selector(
        ".cm-time-slider",
        "(el, at) => { el.value = String(at); el.dispatchEvent(new Event('input', {bubbles: true})); }",
        at,
    )


@pytest.fixture(scope="module")
def seed() -> gpd.GeoDataFrame:
    events, _ = locate_events(conflictmap.read_events(data_path("events/seed-article.geojson")))
    return events


def test_time_window_shows_the_events_whose_interval_meets_it(open_map, seed, tmp_path) -> None:
    page = open_ready(open_map, save(seed, tmp_path / "seed.html", title="Seed"))
    show_every_place(page)  # one marker per event, none in a cluster
    start = days(seed["event_date"])
    end = days(seed["date_end"].fillna(seed["event_date"]))
    expect(page.locator(MARKERS)).to_have_count(len(seed))
    expect(page.locator(".cm-time-count")).to_have_text(f"{len(seed)} of {len(seed)} events shown")

    # Mid-2025 only the events "since December 2024" are under way: periods show all along.
    cases = [
        ("window", 20_270, 7),
        ("window", 20_456, 1),
        ("cumulative", 20_100, None),
        ("cumulative", 20_455, None),
    ]
    for mode, at, window in cases:
        set_time(page, mode=mode, at=at, window=window)
        low = at - window + 1 if window else -(10**9)
        expected = (start <= at) & (end >= low)
        assert 0 < expected.sum() < len(seed)  # each case shows some events and hides others
        expect(page.locator(MARKERS)).to_have_count(int(expected.sum()))
        expect(page.locator(".cm-time-count")).to_have_text(f"{expected.sum()} of {len(seed)} events shown")
        areas = seed[expected & seed.geometry.geom_type.ne("Point").to_numpy()]
        layer = areas["category"].map(default_registry().layer_of)
        expect(page.locator(AREAS)).to_have_count(len(set(zip(areas.geometry.to_wkb(), layer, strict=True))))

    set_time(page, mode="cumulative", at=int(end.max()))
    expect(page.locator(MARKERS)).to_have_count(len(seed))


def test_region_level_event_draws_its_region(open_map, seed, tmp_path) -> None:
    """A precision-3 event shades its region's polygon, with its marker inside it."""
    south = seed[seed["location"] == "southern Syria"]
    assert len(south) == 2 and (south["geo_precision"] == 3).all()
    page = open_ready(open_map, save(south, tmp_path / "south.html"))
    expect(page.locator(f"{AREAS}.cm-precision-3")).to_have_count(1)  # one polygon per region and layer
    west, south_lat, east, north = default_regions()["southern-syria"].geometry.bounds
    box = page.locator(AREAS).bounding_box()
    corners = page.evaluate(
        """([w, s, e, n]) => {
            const map = window.conflictmap.stores[0].map;
            const a = map.latLngToContainerPoint([n, w]), b = map.latLngToContainerPoint([s, e]);
            const r = map.getContainer().getBoundingClientRect();
            return [a.x + r.left, a.y + r.top, b.x + r.left, b.y + r.top];
        }""",
        [west, south_lat, east, north],
    )
    assert box is not None
    # the drawn polygon spans the region's bounding box (to a few pixels of simplification)
    assert abs(box["x"] - corners[0]) < 4 and abs(box["y"] - corners[1]) < 4
    assert abs(box["x"] + box["width"] - corners[2]) < 4 and abs(box["y"] + box["height"] - corners[3]) < 4
    marker = page.locator(MARKERS).first.bounding_box()
    assert marker is not None
    tip = (marker["x"] + marker["width"] / 2, marker["y"] + marker["height"])
    assert box["x"] < tip[0] < box["x"] + box["width"] and box["y"] < tip[1] < box["y"] + box["height"]


def test_near_a_place_draws_a_dashed_circle_of_ten_km(open_map, tmp_path) -> None:
    record = {"event_id": "near", "event_date": "2025-03-01", "category": "shelling",
              "latitude": 33.2, "longitude": 35.9, "geo_precision": 2}  # fmt: skip
    events = conflictmap.read_events(write_yaml(tmp_path / "near.yaml", [record]))
    page = open_ready(open_map, save(events, tmp_path / "near.html"))
    circle = page.locator(".leaflet-overlay-pane path.cm-uncertainty")
    expect(circle).to_have_count(1)
    assert "5 4" in (circle.get_attribute("stroke-dasharray") or "").replace(",", "")
    width = circle.bounding_box()["width"]
    expected = page.evaluate(
        """() => {
            const map = window.conflictmap.stores[0].map;
            const east = 10 / (111.32 * Math.cos(33.2 * Math.PI / 180));
            return 2 * (map.latLngToContainerPoint([33.2, 35.9 + east]).x
                        - map.latLngToContainerPoint([33.2, 35.9]).x);
        }"""
    )
    assert width == pytest.approx(expected, rel=0.08)
    legend = page.locator(".cm-legend li[data-precision]")
    assert [legend.nth(i).get_attribute("data-precision") for i in range(legend.count())] == ["2"]


def test_diplomatic_links_join_the_venue_to_the_parties_capitals(open_map, seed, tmp_path) -> None:
    page = open_ready(open_map, save(seed, tmp_path / "seed.html"))
    links = page.locator(".leaflet-overlay-pane path.cm-link")
    # Paris to Damascus and to Jerusalem, once each; the Damascus statements to Jerusalem
    expect(links).to_have_count(3)
    labels = page.evaluate(
        """() => {
            const out = [];
            window.conflictmap.stores[0].map.eachLayer((l) => {
                if (l.getTooltip && l.getTooltip() && l.getLayers) {
                    const c = l.getTooltip()._content;
                    out.push(typeof c === 'function' ? c(l).textContent : String(c));
                }
            });
            return out.filter((t) => t.includes('→')).sort();
        }"""
    )
    assert labels == [
        "Damascus (Syria) → Jerusalem (Israel)",
        "Paris (France) → Damascus (Syria)",
        "Paris (France) → Jerusalem (Israel)",
    ]
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Diplomatic links").locator(
        "input"
    )
    toggle.uncheck()
    expect(links).to_have_count(0)
    # the links follow the time control: before the talks there are none
    toggle.check()
    set_time(page, mode="cumulative", at=int(days(pd.Series([pd.Timestamp("2025-12-01")]))[0]))
    expect(links).to_have_count(0)


@pytest.fixture(scope="module")
def many() -> gpd.GeoDataFrame:
    # few enough that some symbols stand alone at the fitted zoom, drawn on a canvas all the same
    return synthetic_events(400, seed=11)


def _isolated_symbol(page: Page) -> dict:
    """An event drawn on the canvas with no other symbol within 24 px, and where it is."""
    found = page.evaluate(
        """() => {
            const store = window.conflictmap.stores[0], c = store._canvas;
            const r = store.map.getContainer().getBoundingClientRect();
            const size = store.map.getSize();
            for (let k = 0; k < c._idx.length; k++) {
                if (!c._drawn[k]) continue;
                const x = c._px[k], y = c._py[k];
                if (x < 350 || y < 130 || x > size.x - 260 || y > size.y - 190) continue;
                let alone = true;
                for (let j = 0; j < c._idx.length && alone; j++) {
                    if (j !== k && c._drawn[j] && Math.hypot(c._px[j] - x, c._py[j] - y) < 24) alone = false;
                }
                if (alone) return {index: c._idx[k], x: x + r.left, y: y + r.top,
                                   id: store.text('id', c._idx[k]), category: store.category(c._idx[k])};
            }
            return null;
        }"""
    )
    assert found, "no isolated symbol in view"
    return found


def _pixel(page: Page, x: float, y: float) -> list[int]:
    return page.evaluate(
        """([x, y]) => {
            const c = window.conflictmap.stores[0]._canvas._canvas, r = c.getBoundingClientRect();
            const ratio = c.width / r.width;
            return [...c.getContext('2d').getImageData((x - r.left) * ratio, (y - r.top) * ratio, 1, 1).data];
        }""",
        [x, y],
    )


def test_canvas_symbols_click_toggle_and_follow_time(open_map, many, tmp_path) -> None:
    """At scale, symbols are drawn on a canvas, in their category's colour, with popups on click."""
    registry = default_registry()
    page = open_ready(open_map, save(many, tmp_path / "many.html", renderer="canvas"))
    expect(page.locator(MARKERS)).to_have_count(0)  # no DOM marker per event
    assert page.locator("canvas.cm-points").count() == 1
    symbol = _isolated_symbol(page)
    event = many.set_index("event_id").loc[symbol["id"]]
    color = registry[event["category"]].color
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    # the ring of the symbol, outside its white glyph, has the category's colour
    assert np.allclose(_pixel(page, symbol["x"] + 6, symbol["y"])[:3], rgb, atol=40)

    page.mouse.move(symbol["x"], symbol["y"])
    tooltip = page.locator(".leaflet-tooltip-pane .cm-canvas-tooltip")
    expect(tooltip).to_contain_text(registry[event["category"]].label)
    # the tooltip of the region under the symbol gives way to the symbol's
    expect(page.locator(".leaflet-tooltip-pane .leaflet-tooltip:visible")).to_have_count(1)
    page.mouse.click(symbol["x"], symbol["y"])
    expect(page.locator(f"{POPUP} .cm-notes")).to_have_text(event["notes"])
    expect(page.locator(f"{POPUP} .cm-event-id")).to_have_text(f"Event {symbol['id']}")
    page.locator(".leaflet-popup-close-button").click()

    layer = registry[event["category"]].layer
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text=layer).locator("input")
    toggle.uncheck()
    page.wait_for_timeout(100)
    assert _pixel(page, symbol["x"] + 6, symbol["y"])[3] == 0  # nothing drawn there any more
    page.mouse.click(symbol["x"], symbol["y"])
    expect(page.locator(POPUP)).to_have_count(0)
    toggle.check()

    start = days(many["event_date"])
    end = days(many["date_end"].fillna(many["event_date"]))
    middle = int(np.median(start))
    set_time(page, mode="window", at=middle, window=30)
    expected = int(((start <= middle) & (end >= middle - 29)).sum())
    expect(page.locator(".cm-time-count")).to_have_text(f"{expected:,} of {len(many):,} events shown")
    assert page.evaluate("() => window.conflictmap.stores[0].visibleCount()") == expected
    shown = page.evaluate(f"() => window.conflictmap.stores[0].visible[{symbol['index']}]")
    page.wait_for_timeout(100)
    assert (_pixel(page, symbol["x"] + 6, symbol["y"])[3] > 0) == bool(shown)


@pytest.mark.parametrize("renderer", ["markers", "canvas"])
def test_hostile_text_stays_text_in_both_renderers(open_map, tmp_path, renderer) -> None:
    events = conflictmap.read_events(write_yaml(tmp_path / "xss.yaml", [HOSTILE]))
    page = open_ready(open_map, save(events, tmp_path / "xss.html", renderer=renderer, title="<b>x</b>"))
    point = page.evaluate(
        """() => {
            const store = window.conflictmap.stores[0];
            const p = store.map.latLngToContainerPoint(store.latlng(0));
            const r = store.map.getContainer().getBoundingClientRect();
            return {x: p.x + r.left, y: p.y + r.top};
        }"""
    )
    if renderer == "markers":
        page.locator(MARKERS).first.click()
    else:
        page.mouse.move(point["x"], point["y"])
        expect(page.locator(".leaflet-tooltip-pane .cm-canvas-tooltip")).to_contain_text(HOSTILE["location"])
        page.mouse.click(point["x"], point["y"])
    popup = page.locator(POPUP)
    expect(popup.locator(".cm-notes")).to_have_text(HOSTILE["notes"])
    expect(popup.locator(".cm-actors")).to_have_text(f"{HOSTILE['actor1']} — {HOSTILE['actor2']}")
    expect(popup.locator(".cm-place")).to_contain_text(HOSTILE["location"])
    expect(popup.locator(".cm-popup-kind")).to_have_text(HOSTILE["sub_event_type"])
    expect(popup.locator(".cm-event-id")).to_have_text(f"Event {HOSTILE['event_id']}")
    assert popup.locator("img, svg, script, iframe, b, i, a").count() == 0
    assert page.locator(".leaflet-tooltip-pane").locator("img, svg, script").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.evaluate("() => typeof window.__xss") == "undefined"


def test_demo_map_screenshot_is_kept(open_map, seed, tmp_path) -> None:
    """The demo map, as `make demo` draws it, saved for people to look at (tests/artifacts)."""
    page = open_ready(open_map, save(seed, tmp_path / "demo.html", title="Southern Syria and the talks"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "demo-map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    # what an analyst reads first: the title, how many events and where the rest are
    expect(page.locator(".cm-title p")).to_contain_text("10 events")
    expect(page.locator(".cm-title p")).to_contain_text("3 farther away (Paris)")


def test_many_events_at_one_point_make_one_marker_with_their_count(open_map, tmp_path) -> None:
    records = [
        {"event_id": f"talks-{day}", "event_date": f"2025-03-{day:02d}", "category": "diplomatic",
         "latitude": 48.85341, "longitude": 2.3488, "location": "Paris", "notes": f"round {day}"}
        for day in range(1, 7)
    ] + [{"event_id": "raid", "event_date": "2025-03-03", "category": "incursion",
          "latitude": 48.85341, "longitude": 2.3488, "location": "Paris"}]  # fmt: skip
    events = conflictmap.read_events(write_yaml(tmp_path / "pile.yaml", records))
    page = open_ready(open_map, save(events, tmp_path / "pile.html"))
    expect(page.locator(MARKERS)).to_have_count(2)  # the six talks, and the raid of another layer
    badge = page.locator(f"{MARKERS} .cm-pile-count")
    pile = page.locator(MARKERS).filter(has=page.locator(".cm-pile-count"))
    expect(badge).to_have_text("6")
    assert pile.get_attribute("aria-label") == "6 events, Paris"
    pile.click()
    expect(page.locator(f"{POPUP} .cm-popup-count")).to_have_text("6 events here")
    expect(page.locator(f"{POPUP} .cm-notes")).to_have_count(6)
    page.locator(".leaflet-popup-close-button").click()
    set_time(page, mode="cumulative", at=int(days(pd.Series([pd.Timestamp("2025-03-04")]))[0]))
    expect(badge).to_have_text("4")


def test_choropleth_counts_follow_the_time_control(open_map, many, tmp_path) -> None:
    from layers.choropleth import event_units

    page = open_ready(open_map, save(many, tmp_path / "many.html", renderer="canvas"))
    page.locator(".leaflet-control-layers-overlays label", has_text="Events per province").locator(
        "input"
    ).check()
    units = event_units(many)["region_id"]
    start = days(many["event_date"])
    end = days(many["date_end"].fillna(many["event_date"]))
    shown = """() => {
        const out = {};
        window.conflictmap.stores[0].map.eachLayer((l) => {
            const p = l.feature && l.feature.properties;
            if (p && p.count !== undefined && p.shown !== undefined) out[p.id] = p.shown;
        });
        return out;
    }"""
    for at in (int(np.percentile(start, 30)), int(start.max())):
        set_time(page, mode="window", at=at, window=91)
        visible = (start <= at) & (end >= at - 90)
        expected = units[visible].dropna().value_counts().to_dict()
        got = {k: v for k, v in page.evaluate(shown).items() if v}
        assert got == expected


def test_filter_area_is_a_dashed_outline_of_its_own(open_map, seed, tmp_path) -> None:
    area = default_regions()["southern-syria"].geometry
    page = open_ready(open_map, save(seed, tmp_path / "area.html", outlines=[("Southern Syria", area)]))
    outline = page.locator(".leaflet-overlay-pane path[stroke='#333333']")
    expect(outline).to_have_count(1)
    assert outline.get_attribute("stroke-dasharray") == "6 4" and outline.get_attribute("fill") == "none"
    assert "leaflet-interactive" not in (outline.get_attribute("class") or "")
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Area: Southern Syria")
    toggle.locator("input").uncheck()
    expect(outline).to_have_count(0)
