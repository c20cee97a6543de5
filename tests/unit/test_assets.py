"""Self-contained pages from vendored, pinned assets; the map credits the sources of what it draws."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import re
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import conflictmap
from conflictmap.attribution import Credit, event_credits
from conflictmap.categories import load_registry
from conflictmap.errors import ConfigurationError
from geo.locate import locate_events
from layers import event_map
from layers.assets import manifest, vendored_bytes
from layers.credits import credits_html
from layers.icons import icon_shape, sprite_markup

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "events" / "seed-article.geojson"
VENDOR = ROOT / "layers" / "vendor"
ACLED = ROOT.parent / "shared" / "data" / "events" / "acled_middle_east_2020-04-27_2020-05-09.csv"
UCDP = ROOT.parent / "shared" / "data" / "events" / "ucdp_ged231_sample_uncertainUCDP.csv"
VENDORED_MARK = re.compile(r"<(script|style)>/\* (?P<path>[^ ]+) \*/\n")
EXTERNAL = re.compile(r"""<script[^>]+src=|<link[^>]+href=|(?<![\w.])url\(\s*(?!["']?(?:data:|#))""")


@pytest.fixture(scope="module")
def seed() -> gpd.GeoDataFrame:
    return conflictmap.read_events(SEED)


@pytest.fixture(scope="module")
def seed_page(seed: gpd.GeoDataFrame) -> str:
    return event_map(seed, title="Seed").get_root().render()


def _files() -> dict[str, dict]:
    return {p: r for pkg in manifest()["packages"].values() for p, r in pkg["files"].items()}


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_recorded_hashes_match_the_shipped_files() -> None:
    files = _files()
    assert {"leaflet/leaflet.js", "leaflet.fullscreen/Control.FullScreen.js"} <= set(files)
    for path, record in files.items():
        data = (VENDOR / path).read_bytes()
        assert _sri(data) == record["sha384"], path
        assert len(data) == record["bytes"], path
    shipped = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()}
    assert shipped - {"manifest.json"} == set(files)  # nothing vendored by hand beside the manifest


def test_every_package_is_pinned_with_lock_integrity_and_licence() -> None:
    for name, package in manifest()["packages"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), name
        assert package["integrity"].startswith("sha512-"), name
        assert package["license"], name
        assert (VENDOR / package["license_file"]).stat().st_size > 500, name
        for record in package["files"].values():
            if "cdn" in record:
                assert f"/npm/{name}@{package['version']}/" in record["cdn"]


def test_wheel_package_data_covers_every_vendored_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["layers"]
    for path in [*_files(), "manifest.json"]:
        assert any(fnmatch.fnmatch(f"vendor/{path}", p) for p in patterns), path


def test_seed_page_is_self_contained_and_inlines_only_vendored_files(seed_page: str) -> None:
    assert not EXTERNAL.search(seed_page), EXTERNAL.search(seed_page)
    inlined = [m["path"] for m in VENDORED_MARK.finditer(seed_page)]
    assert inlined == [
        "leaflet/leaflet.css",
        "leaflet/leaflet.js",
        "supercluster/supercluster.min.js",
        "leaflet.fullscreen/Control.FullScreen.css",
        "leaflet.fullscreen/Control.FullScreen.js",
        "leaflet-minimap/Control.MiniMap.min.css",
        "leaflet-minimap/Control.MiniMap.min.js",
    ]
    assert vendored_bytes("leaflet/leaflet.js").decode() in seed_page  # verbatim
    for dropped in ("jquery", "bootstrap", "awesome-markers", "glyphicons", "fontawesome-free@", "webfonts"):
        assert dropped not in seed_page.lower()
    # the only URLs left are the tile template and links people click
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in seed_page
    assert len(seed_page.encode()) < 400_000


def test_leaflet_stylesheet_images_become_data_uris(seed_page: str) -> None:
    layers_png = base64.b64encode(vendored_bytes("leaflet/images/layers.png")).decode()
    assert f'url("data:image/png;base64,{layers_png}")' in seed_page
    assert "url(images/" not in seed_page and "url(icon-fullscreen.svg)" not in seed_page


def test_saved_map_is_self_contained_too(seed: gpd.GeoDataFrame, tmp_path: Path) -> None:
    fmap = event_map(seed, tiles="offline")
    fmap.save(tmp_path / "map.html")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    assert "tile.openstreetmap.org" not in page and "L.tileLayer(" not in page


def test_cdn_page_links_the_pinned_files_with_their_hashes(seed: gpd.GeoDataFrame) -> None:
    page = event_map(seed, assets="cdn").get_root().render()
    files = {r["cdn"]: r for r in _files().values() if "cdn" in r}
    links = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)" integrity="([^"]+)"', page)
    assert len(links) == 7
    for url, integrity in links:
        assert files[url]["sha384"] == integrity
    assert len(re.findall(r"<script[^>]+src=|<link[^>]+href=", page)) == 7  # nothing else linked
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert len(page.encode()) < 150_000


def test_assets_mode_is_checked(seed: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="assets must be 'inline' or 'cdn'"):
        event_map(seed, assets="local")  # type: ignore[arg-type]


def test_icons_are_inline_svg_symbols_of_the_categories_drawn(seed: gpd.GeoDataFrame, seed_page: str) -> None:
    registry = conflictmap.categories.default_registry()
    icons = {registry[k].icon for k in seed.loc[seed["located"], "category"]}
    symbols = set(re.findall(r'<symbol id="cm-icon-([a-z0-9-]+)"', seed_page))
    assert symbols == icons | {"location-dot"}
    assert "Font Awesome Free 6.7.2" in seed_page  # the licence notice travels with the icons
    width, height, path = icon_shape("info-circle")  # an older name, through Font Awesome's aliases
    assert (width, height, path) == icon_shape("circle-info") and path.startswith("M")


def test_unknown_icon_names_the_category(seed: gpd.GeoDataFrame, tmp_path: Path) -> None:
    extra = tmp_path / "cats.yaml"
    extra.write_text("categories:\n  unrest:\n    icon: no-such-icon-here\n", encoding="utf-8")
    registry = load_registry([extra])
    with pytest.raises(ConfigurationError, match=r"category .unrest.: icon .no-such-icon-here. is not a"):
        event_map(seed, registry=registry)
    with pytest.raises(ConfigurationError):
        sprite_markup(["no-such-icon-here"])


def _credits(page: str) -> str:
    match = re.search(r"attributionControl\.addAttribution\((\"[^\n]*\")\);", page)
    return match[1] if match else ""


@pytest.mark.skipif(not ACLED.is_file(), reason="shared ACLED data absent")
def test_acled_map_credits_acled() -> None:
    events = conflictmap.read_events(ACLED)
    assert set(events["dataset"]) == {"acled"}
    page = event_map(events).get_root().render()
    assert "Armed Conflict Location \\u0026amp; Event Data Project (ACLED)" in _credits(page)
    assert "https://acleddata.com" in _credits(page)
    assert "UCDP" not in _credits(page)


@pytest.mark.skipif(not UCDP.is_file(), reason="shared UCDP data absent")
def test_ucdp_map_credits_ucdp_and_a_geojson_round_trip_keeps_it(tmp_path: Path) -> None:
    events = conflictmap.read_events(UCDP)
    conflictmap.write_events(events, tmp_path / "ucdp.geojson")
    again = conflictmap.read_events(tmp_path / "ucdp.geojson")
    assert [c.key for c in event_credits(again)][:1] == ["ucdp"]
    assert "UCDP Georeferenced Event Dataset" in _credits(event_map(again).get_root().render())


def test_gazetteer_located_events_credit_geonames(tmp_path: Path) -> None:
    events = pd.DataFrame(
        {"event_date": ["2025-03-01"], "category": ["unrest"], "location": ["Sweida"], "notes": ["x"]}
    )
    path = tmp_path / "e.csv"
    events.to_csv(path, index=False)
    located, _ = locate_events(conflictmap.read_events(path))
    assert located["place_id"].iloc[0].startswith("gn:")
    assert [c.key for c in event_credits(located)] == ["geonames", "whosonfirst"]
    page = event_map(located, tiles="none", choropleth=False).get_root().render()
    assert "GeoNames (CC BY 4.0)" in _credits(page)
    assert "Natural Earth" not in _credits(page)  # no boundary drawn


def test_seed_map_credits_natural_earth_for_its_regions(seed_page: str, seed: gpd.GeoDataFrame) -> None:
    assert "Made with Natural Earth" in _credits(seed_page)
    offline = event_map(seed, tiles="offline").get_root().render()
    assert _credits(offline) == ""  # the offline basemap credits Natural Earth itself
    assert "Natural Earth" in offline


def test_credit_text_is_escaped() -> None:
    text = credits_html([Credit(key="x", text='<img src=x onerror="1"> & co', url='https://e.org/?a=1&b="2"')])
    assert text == (
        'Data: <a href="https://e.org/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">'
        "&lt;img src=x onerror=&quot;1&quot;&gt; &amp; co</a>"
    )


def test_point_events_without_place_ids_need_no_credit() -> None:
    frame = gpd.GeoDataFrame({"place_id": [None, "cm:mount-hermon"]}, geometry=[shapely.Point(0, 0)] * 2)
    assert event_credits(frame) == []
