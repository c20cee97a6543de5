"""Region names looked up without the gazetteer give the answer the gazetteer gives."""

from __future__ import annotations

import pytest

from geo.regions import RegionRegistry, _plain, default_regions


@pytest.fixture(scope="module")
def regions() -> RegionRegistry:
    return default_regions()


def test_every_own_name_finds_its_region(regions: RegionRegistry) -> None:
    bearers: dict[str, set[str]] = {}
    for region in regions:
        for label in (region.name, *region.names):
            bearers.setdefault(_plain(label), set()).add(region.region_id)
    unique = {key: ids.pop() for key, ids in bearers.items() if len(ids) == 1}
    assert len(unique) > 100
    for region in regions:
        for label in (region.name, *region.names):
            if _plain(label) in unique:
                assert regions.find(label).region_id == region.region_id, label
                assert regions.find(label.upper()).region_id == region.region_id, label
    # Aliases with a comma were misread by the phrase reader: the Congo alias gave the other Congo.
    assert regions.find("Congo, Dem. Rep.").region_id == "CD"
    assert regions.find("Congo").region_id == "CG"


def test_a_name_two_regions_bear_is_left_to_the_gazetteer(regions: RegionRegistry) -> None:
    shared = [key for key, bearers in regions._own_names.items() if len(bearers) > 1]
    for key in shared:
        bearers = regions._own_names[key]
        assert regions.find(key) == regions._find_in_gazetteer(key, key)
        assert len({b.region_id for b in bearers}) == len(bearers)


def test_finding_southern_syria_needs_no_gazetteer() -> None:
    fresh = RegionRegistry(path=default_regions().path)
    found = fresh.find("  Southern Syria ")
    assert found.region_id == "southern-syria"
    assert fresh._gazetteer is None  # the gazetteer was neither given nor loaded
    assert fresh.find("south Syria") is found and fresh.find("SY-DR").name in ("Dar'a", "Daraa")
