"""The incident rule: which reports it links, and the rows --incidents gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from conflictmap.errors import ConfigurationError
from conflictmap.store.incidents import collapse_incidents, link_reports, load_rule

RULE = load_rule()


def reports(*rows: dict) -> pd.DataFrame:
    base = {
        "event_date": "2025-03-09",
        "date_end": None,
        "layer": "Incursions",
        "geo_precision": 1,
        "country": "SY",
        "admin1": "Quneitra",
        "actor1": "Israeli army",
        "actor2": None,
        "incident_id": None,
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    frame["event_date"] = pd.to_datetime(frame["event_date"]).astype("datetime64[us]")
    frame["date_end"] = pd.to_datetime(frame["date_end"]).astype("datetime64[us]")
    frame["geo_precision"] = frame["geo_precision"].astype("Int8")
    frame["geometry"] = [shapely.Point(lon, lat) for lon, lat in frame.pop("where")]
    frame["event_id"] = [f"r{i}" for i in range(len(frame))]
    return frame


def linked(frame: pd.DataFrame) -> list[str]:
    ids, _ = link_reports(frame, rule=RULE, is_new=np.ones(len(frame), dtype=bool))
    return ids.tolist()


def test_3_km_apart_same_day_linked_12_km_not() -> None:
    # 0.0323 degrees of longitude at 33.1 N is 3.0 km; the third is 12 km from the second.
    ids = linked(
        reports({"where": (35.824, 33.126)}, {"where": (35.8563, 33.126)}, {"where": (35.9855, 33.126)})
    )
    assert ids[0] == ids[1] != ids[2]


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({"event_date": "2025-03-10"}, True),  # one day apart
        ({"event_date": "2025-03-11"}, False),  # two days
        ({"layer": "Diplomatic events"}, False),
        ({"actor1": "Hezbollah"}, False),
        ({"actor1": None}, True),  # no actor named: compatible
        ({"actor1": "Israeli army units"}, True),  # a shared word ("israeli")
    ],
)
def test_rule_parts(change: dict, same: bool) -> None:
    ids = linked(reports({"where": (35.824, 33.126)}, {"where": (35.8563, 33.126), **change}))
    assert (ids[0] == ids[1]) is same


def test_region_level_report_linked_inside_its_admin1() -> None:
    ids = linked(
        reports(
            {"where": (35.824, 33.126)},
            {"where": (35.9, 33.0), "geo_precision": 3},
            {"where": (35.9, 33.0), "geo_precision": 3, "admin1": "Daraa"},
        )
    )
    assert ids[0] == ids[1] != ids[2]


def test_stored_incident_kept_and_merged() -> None:
    frame = reports({"where": (35.824, 33.126)}, {"where": (35.8563, 33.126)}, {"where": (35.84, 33.126)})
    frame["incident_id"] = [None, "inc-b", "inc-a"]
    ids, merged = link_reports(frame, rule=RULE, is_new=np.array([True, False, False]))
    assert ids.tolist() == ["inc-a"] * 3
    assert merged == {"inc-b": "inc-a"}


def test_collapse_picks_most_precise_and_lists_sources() -> None:
    import geopandas as gpd

    events = gpd.GeoDataFrame(
        {
            "event_id": ["a", "b", "c"],
            "geo_precision": pd.array([3, 1, 1], dtype="Int8"),
            "time_precision": pd.array([1, 1, 1], dtype="int8"),
            "source": ["Outlet A", "Outlet B; Outlet A", "Outlet C"],
        },
        geometry=[shapely.Point(0, 0), shapely.Point(1, 1), shapely.Point(2, 2)],
        crs="EPSG:4326",
    )
    rows = collapse_incidents(events, ["i1", "i1", "i2"])
    assert rows["event_id"].tolist() == ["b", "c"]
    assert rows["sources"].tolist() == ["Outlet A; Outlet B", "Outlet C"]
    assert rows["report_count"].tolist() == [2, 1]


def test_rule_file_checked(tmp_path) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text("max_km: -1\n")
    with pytest.raises(ConfigurationError, match="max_km"):
        load_rule(path)
    path.write_text("max_kms: 5\n")
    with pytest.raises(ConfigurationError, match="unknown key"):
        load_rule(path)
    path.write_text("max_km: 2\n")
    assert load_rule(path).max_km == 2


def test_daily_events_in_one_town_do_not_chain() -> None:
    # Five daily incursions at one place: each is within a day of the next, but an incident's
    # reports must all be within a day of each other, so they pair up, never into one incident.
    days = [f"2025-03-{d:02d}" for d in range(9, 14)]
    ids = linked(reports(*({"where": (35.824, 33.126), "event_date": day} for day in days)))
    assert len(set(ids)) == 3
    for a in range(5):
        for b in range(a + 2, 5):
            assert ids[a] != ids[b]  # two days or more apart: never one incident


def test_report_joins_the_nearest_compatible_incident() -> None:
    # The new report (day 10) is within a day of both stored incidents (days 9 and 11), which are
    # two days apart: it joins one of them, the closer in distance, and they are not merged.
    frame = reports(
        {"where": (35.824, 33.126), "event_date": "2025-03-10"},
        {"where": (35.8563, 33.126), "event_date": "2025-03-09"},
        {"where": (35.83, 33.126), "event_date": "2025-03-11"},
    )
    frame["incident_id"] = [None, "inc-a", "inc-b"]
    ids, merged = link_reports(frame, rule=RULE, is_new=np.array([True, False, False]))
    assert ids.tolist() == ["inc-b", "inc-a", "inc-b"]
    assert merged == {}
