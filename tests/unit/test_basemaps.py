"""layers.basemaps and layers.offline_basemap: provider lookup, errors, attribution, offline data."""

from __future__ import annotations

import json

import folium
import numpy as np
import pytest
import shapely
import xyzservices.providers

from conflictmap.errors import ConfigurationError, MapperError
from geo.regions import RegionRegistry, default_regions
from layers.basemaps import add_basemap, check_tiles, tile_provider
from layers.offline_basemap import ATTRIBUTION, QUANTUM, OfflineBasemap, basemap_data, encode_geometry

OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def _decode(shape: list[list[list[int]]]) -> list[np.ndarray]:
    """Python twin of basemap.js's decode: rings as (lon, lat) arrays."""
    return [np.cumsum(np.reshape(flat, (-1, 2)), axis=0) / QUANTUM for rings in shape for flat in rings]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("OpenStreetMap", "OpenStreetMap.Mapnik"),
        ("osm", "OpenStreetMap.Mapnik"),
        ("esri worldimagery", "Esri.WorldImagery"),
        ("Esri.WorldImagery", "Esri.WorldImagery"),
        ("open-topo-map", "OpenTopoMap"),
        ("offline", "offline"),
        ("OFFLINE", "offline"),
        ("none", "none"),
        (None, "none"),
    ],
)
def test_check_tiles_returns_the_canonical_name(name: str | None, canonical: str) -> None:
    assert check_tiles(name) == canonical


def test_unknown_provider_suggests_close_names() -> None:
    with pytest.raises(ConfigurationError) as err:
        check_tiles("Esri.WorldImagry")
    assert "unknown tile provider 'Esri.WorldImagry'" in str(err.value)
    assert "'Esri.WorldImagery'" in str(err.value)
    assert isinstance(err.value, ValueError) and isinstance(err.value, MapperError)


def test_unknown_provider_suggests_by_variant_name() -> None:
    with pytest.raises(ConfigurationError, match=r"did you mean .*'OpenTopoMap'"):
        check_tiles("opentopo")


def test_a_provider_group_suggests_its_members() -> None:
    with pytest.raises(ConfigurationError, match=r"did you mean 'Esri\.WorldStreetMap'"):
        check_tiles("Esri")


def test_hopeless_name_says_what_is_allowed() -> None:
    with pytest.raises(ConfigurationError, match="use 'offline' or 'none'") as err:
        check_tiles("qqqqqqqqqqqq")
    assert "did you mean" not in str(err.value)


def test_provider_needing_a_key_is_refused_with_the_fix() -> None:
    # CARTO has required keys since August 2026 (leaflet-providers 4.0.0, xyzservices 2026.9.1).
    with pytest.raises(ConfigurationError) as err:
        check_tiles("cartodb positron")
    message = str(err.value)
    assert "'CartoDB.Positron' needs an API key (apikey)" in message
    assert "'OpenStreetMap'" in message and "'offline'" in message


def test_api_key_fills_the_placeholder_without_touching_xyzservices() -> None:
    provider = tile_provider("CartoDB.Positron", api_key="k123")
    assert provider["apikey"] == "k123"
    assert "key=k123" in provider.build_url(fill_subdomain=False)
    assert xyzservices.providers.CartoDB.Positron["apikey"].startswith("<insert your")


def test_broken_and_non_mercator_providers_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="marked broken"):
        check_tiles("Stadia.AlidadeSatellite")
    with pytest.raises(ConfigurationError, match="EPSG:3857"):
        check_tiles("Esri.ArcticImagery")


def test_non_string_name_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a string"):
        tile_provider(3)  # type: ignore[arg-type]


def test_openstreetmap_tiles_with_attribution_and_max_zoom() -> None:
    fmap = folium.Map(tiles=None)
    layer = add_basemap(fmap, tiles="OpenStreetMap")
    assert isinstance(layer, folium.TileLayer)
    assert layer.tiles == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert layer.options["attribution"] == OSM_ATTRIBUTION
    assert layer.options["max_zoom"] == 19
    assert layer.control is False
    html = fmap.get_root().render()
    assert '"https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert html.count("L.tileLayer(") == 1


def test_esri_imagery_attribution_and_url() -> None:
    fmap = folium.Map(tiles=None)
    layer = add_basemap(fmap, tiles="Esri.WorldImagery")
    assert isinstance(layer, folium.TileLayer)
    assert layer.tiles.endswith("/World_Imagery/MapServer/tile/{z}/{y}/{x}")
    assert layer.options["attribution"].startswith("Tiles &copy; Esri")


def test_none_adds_nothing() -> None:
    fmap = folium.Map(tiles=None)
    assert add_basemap(fmap, tiles="none") is None
    assert add_basemap(fmap, tiles=None) is None
    assert "L.tileLayer(" not in fmap.get_root().render()


def test_offline_basemap_is_small_and_requests_no_tiles() -> None:
    bare = len(folium.Map(tiles=None).get_root().render())
    fmap = folium.Map(tiles=None)
    layer = add_basemap(fmap, tiles="offline")
    assert isinstance(layer, OfflineBasemap)
    html = fmap.get_root().render()
    assert "L.tileLayer(" not in html and "openstreetmap.org" not in html
    assert "window.conflictmapBasemap.layer(" in html
    assert 200_000 < len(html) - bare < 1_000_000
    assert json.dumps(ATTRIBUTION)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e") in html


def test_offline_attribution_credits_natural_earth() -> None:
    assert "Natural Earth" in ATTRIBUTION
    assert 'href="https://www.naturalearthdata.com/"' in ATTRIBUTION


def test_basemap_data_has_every_country_and_admin1_unit() -> None:
    regions = default_regions()
    data = basemap_data(regions)
    assert len(data["countries"]) == sum(r.kind == "country" for r in regions) == 236
    assert len(data["admin1"]) == sum(r.kind == "admin1" for r in regions)
    syria = next(c for c in data["countries"] if c["name"] == "Syria")
    lat, lon = syria["label"]
    assert regions["SY"].geometry.contains(shapely.Point(lon, lat))
    assert 3 <= syria["minZoom"] <= 5
    suwayda = next(a for a in data["admin1"] if a["name"] == "As-Suwayda")
    assert suwayda["minZoom"] >= 7


def test_encoded_boundaries_decode_close_to_the_original() -> None:
    regions = default_regions()
    syria = next(c for c in basemap_data(regions)["countries"] if c["name"] == "Syria")
    (ring,) = _decode(syria["shape"])
    decoded = shapely.Polygon(ring)
    original = regions["SY"].geometry
    assert decoded.is_valid
    assert shapely.hausdorff_distance(decoded, original) < 0.02  # simplified to 0.01°
    assert abs(decoded.area - original.area) / original.area < 0.01


def test_encode_geometry_is_delta_integers() -> None:
    square = shapely.Polygon([(36.0, 33.0), (36.5, 33.0), (36.5, 33.25), (36.0, 33.0)])
    assert encode_geometry(square) == [[[36000, 33000, 500, 0, 0, 250, -500, -250]]]
    multi = shapely.MultiPolygon([square, shapely.box(0, 0, 0.001, 0.001)])
    assert len(encode_geometry(multi)) == 2


def test_offline_basemap_of_a_custom_registry_escapes_names(tmp_path) -> None:
    feature = {
        "type": "Feature",
        "properties": {"id": "XX", "name": "</script><b>X</b>", "kind": "country", "country": "XX"},
        "geometry": shapely.geometry.mapping(shapely.box(10, 10, 20, 20)),
    }
    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    fmap = folium.Map(tiles=None)
    add_basemap(fmap, tiles="offline", regions=RegionRegistry(path=path))
    html = fmap.get_root().render()
    assert "</script><b>" not in html
    assert "\\u003c/script\\u003e\\u003cb\\u003eX" in html
