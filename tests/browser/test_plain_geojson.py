"""A plain GeoJSON of places, with no event columns at all, mapped by the CLI and drawn in Chromium.

The Natural Earth populated places of the Levant are read from ``../shared`` (real third-party
data, never copied into the project; skipped when absent): ``conflictmap map`` must draw every
place, with no time control, and a place's popup must list the file's own columns, as text.
A copy of the file (in the test's temporary folder) with markup in a column name and a value
shows that text stays text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from offline import MapPage, show_every_place
from playwright.sync_api import Page, expect

import conflictmap
from conflictmap.errors import DataWarning

ROOT = Path(__file__).resolve().parents[2]
PLACES = ROOT.parent / "shared" / "data" / "boundaries" / "populated_places_levant_ne10m.geojson"
CLI = [sys.executable, "-c", "from conflictmap.cli import main; main()"]
MARKERS = ".leaflet-marker-pane .cm-marker"
POPUP = ".leaflet-popup-pane .leaflet-popup-content"
READY = "() => document.documentElement.getAttribute('data-cm-ready') === '1'"
PLACE = "Kırklareli"  # the first feature: Admin-1 capital in Turkey
HOSTILE_VALUE = '<img src=x onerror="window.__xss=1">'
HOSTILE_COLUMN = "<b>note</b>"
POPUP_ROWS = """() => Object.fromEntries([...document.querySelectorAll(
    '.leaflet-popup-pane tr.cm-extra')].map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]))"""

pytestmark = pytest.mark.shared_data


@pytest.fixture
def places() -> Path:
    if not PLACES.is_file():
        pytest.skip(f"{PLACES} absent (../shared data)")
    return PLACES


def _cli_map(source: Path, out: Path) -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [*CLI, "map", str(source), "-o", str(out)],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert done.returncode == 0 and out.is_file(), done.stderr


def _read(path: Path):
    """Read a file of places as the CLI reads it: undated events, said once."""
    with pytest.warns(DataWarning, match="undated"):
        return conflictmap.read_events(path)


def _open(open_map: Callable[..., MapPage], html: Path) -> Page:
    page = open_map(html).page
    page.wait_for_function(READY, timeout=30_000)
    show_every_place(page)  # past the zoom where nearby places are clustered
    return page


def _open_popup(page: Page, event_id: str) -> dict[str, str]:
    """Click the marker of ``event_id`` (as Leaflet hears a click) and return its popup's own columns."""
    page.locator(f'{MARKERS}[data-event="{event_id}"]').dispatch_event("click")
    expect(page.locator(POPUP)).to_be_visible()
    return page.evaluate(POPUP_ROWS)


def test_every_place_is_drawn_with_its_own_columns(open_map, places, tmp_path) -> None:
    features = json.loads(places.read_text(encoding="utf-8"))["features"]
    events = _read(places)  # one event per feature
    assert len(events) == len(features) == 157
    html = tmp_path / "places.html"
    _cli_map(places, html)
    page = _open(open_map, html)
    # Every place is one marker of its own: no pile, none left out, none drawn twice.
    expect(page.locator(MARKERS)).to_have_count(len(features))
    assert page.locator(f"{MARKERS} .cm-pile-count").count() == 0
    drawn = page.eval_on_selector_all(MARKERS, "(nodes) => nodes.map((n) => n.getAttribute('data-event'))")
    assert sorted(drawn) == sorted(events["event_id"])
    assert page.evaluate("() => window.conflictmap.stores[0].n") == len(features)
    assert page.locator(".cm-time").count() == 0  # no dates, no time control

    (i,) = [k for k, f in enumerate(features) if f["properties"]["name"] == PLACE]
    shown = _open_popup(page, events["event_id"].iloc[i])
    props = features[i]["properties"]
    expect(page.locator(POPUP).locator(".cm-place")).to_contain_text(PLACE)
    for column in ("featurecla", "sov0name", "adm0name", "adm1name", "diffnote", "nameascii"):
        assert shown[column] == props[column], column
    assert shown["pop_max"] == str(props["pop_max"])
    assert shown["geonameid"] == "743166.0"  # a float column of the file, shown as pandas writes it
    assert "namealt" not in shown  # empty in the file: no row


def test_markup_in_a_place_file_stays_text(open_map, places, tmp_path) -> None:
    doc = json.loads(places.read_text(encoding="utf-8"))
    first = doc["features"][0]["properties"]
    first["note"] = HOSTILE_VALUE
    first[HOSTILE_COLUMN] = "</script><script>window.__xss=2</script>"
    hostile = tmp_path / "places.geojson"
    hostile.write_text(json.dumps(doc), encoding="utf-8")
    events = _read(hostile)
    html = tmp_path / "hostile.html"
    _cli_map(hostile, html)
    page = _open(open_map, html)
    expect(page.locator(MARKERS)).to_have_count(len(doc["features"]))
    shown = _open_popup(page, events["event_id"].iloc[0])
    assert shown["note"] == HOSTILE_VALUE
    assert shown[HOSTILE_COLUMN] == "</script><script>window.__xss=2</script>"
    popup = page.locator(POPUP)
    assert popup.locator("img, script, b, svg, iframe").count() == 0
    assert page.evaluate("() => typeof window.__xss") == "undefined"
