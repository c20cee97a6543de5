"""The regions' binary cache: made once, read instead of the GeoJSON, never trusted blindly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import shapely

from conflictmap.resources import data_path
from geo import regions_cache
from geo.regions import RegionRegistry

SOURCE = data_path("regions.geojson")


@pytest.fixture(scope="module")
def reference() -> RegionRegistry:
    return RegionRegistry(path=SOURCE)  # from the GeoJSON, no cache


def same(a: RegionRegistry, b: RegionRegistry) -> None:
    assert [r.region_id for r in a] == [r.region_id for r in b]
    for x, y in zip(a, b, strict=True):
        assert x == y  # every field but the polygon
        assert shapely.equals_exact(x.geometry, y.geometry, tolerance=0), x.region_id


def test_the_cache_is_made_once_then_read(tmp_path: Path, reference: RegionRegistry) -> None:
    first = RegionRegistry(path=SOURCE, cache_dir=tmp_path)
    (made,) = tmp_path.glob("regions-*.wkb")
    assert made == regions_cache.cache_file(tmp_path, source=SOURCE)
    stamp = made.stat().st_mtime_ns
    second = RegionRegistry(path=SOURCE, cache_dir=tmp_path)
    assert made.stat().st_mtime_ns == stamp  # read, not written again
    same(first, reference)
    same(second, reference)
    assert len(reference) > 300
    assert second.find("southern Syria").geometry.contains(shapely.Point(36.1, 32.6))


def test_another_source_gets_another_file(tmp_path: Path) -> None:
    copy = tmp_path / "regions.geojson"
    copy.write_bytes(SOURCE.read_bytes().replace(b'"Southern Syria"', b'"South of Syria"', 1))
    file = regions_cache.cache_file
    assert file(tmp_path, source=copy) != file(tmp_path, source=SOURCE)
    registry = RegionRegistry(path=copy, cache_dir=tmp_path / "cache")
    assert registry["southern-syria"].name == "South of Syria"


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:])
    elif how == "magic":
        path.write_bytes(b"x" + data[1:])
    elif how == "header":
        end = data.index(b"\n", len(regions_cache.MAGIC))
        header = b'{"properties": [], "offsets": [0]}'
        path.write_bytes(data[: len(regions_cache.MAGIC)] + header + data[end:])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "pickle":  # a file that would run code if it were unpickled
        path.write_bytes(regions_cache.MAGIC + b"cos\nsystem\n(S'touch /tmp/pwned'\ntR.\n")


@pytest.mark.parametrize("how", ["truncated", "flipped", "magic", "header", "empty", "pickle"])
def test_a_damaged_cache_is_ignored_and_made_again(tmp_path: Path, reference: RegionRegistry, how: str):
    RegionRegistry(path=SOURCE, cache_dir=tmp_path)
    made = regions_cache.cache_file(tmp_path, source=SOURCE)
    damage(made, how)
    assert regions_cache.load_regions(made) is None
    registry = RegionRegistry(path=SOURCE, cache_dir=tmp_path)
    same(registry, reference)
    assert regions_cache.load_regions(made) is not None  # written again, whole


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_folder_costs_time_not_results(tmp_path: Path, reference: RegionRegistry) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        same(RegionRegistry(path=SOURCE, cache_dir=folder), reference)
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o700)


def test_a_cache_folder_that_is_a_file_costs_time_not_results(tmp_path: Path, reference: RegionRegistry):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    same(RegionRegistry(path=SOURCE, cache_dir=blocker), reference)
    assert blocker.read_text() == "not a folder"
