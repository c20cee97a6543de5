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


def test_rows_of_one_curated_dataset_are_never_one_incident() -> None:
    # ACLED codes the events of one town day by day: two of its rows a day apart at one place are
    # two incidents by ACLED's own method; a report from elsewhere still links to either.
    frame = reports(
        {"where": (35.824, 33.126), "dataset": "acled"},
        {"where": (35.824, 33.126), "dataset": "acled", "event_date": "2025-03-10"},
        {"where": (35.83, 33.126), "dataset": None},
    )
    ids = linked(frame)
    assert ids[0] != ids[1]
    assert ids[2] in (ids[0], ids[1])
    assert len(set(linked(frame.assign(dataset=["acled", "ucdp", None])[:2]))) == 1  # across datasets
    loose = load_rule().__class__(**{**vars(RULE), "distinct_within_dataset": False})
    ids, _ = link_reports(frame[:2], rule=loose, is_new=np.ones(2, dtype=bool))
    assert ids[0] == ids[1]


@pytest.mark.parametrize(("layer", "same"), [("Other", True), ("Diplomatic events", False)])
def test_other_group_pairs_with_any_group(layer: str, same: bool) -> None:
    # A landmine blast: "Other" in one dataset (remote explosive), "Incursions" in the other.
    frame = reports({"where": (35.824, 33.126)}, {"where": (35.8563, 33.126), "layer": layer})
    ids = linked(frame)
    assert (ids[0] == ids[1]) is same
    strict = load_rule().__class__(**{**vars(RULE), "any_group": frozenset()})
    ids, _ = link_reports(frame, rule=strict, is_new=np.ones(2, dtype=bool))
    assert ids[0] != ids[1]


def test_rule_file_dataset_and_group_keys_checked(tmp_path) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text("distinct_within_dataset: maybe\n")
    with pytest.raises(ConfigurationError, match="distinct_within_dataset"):
        load_rule(path)
    path.write_text("any_group: Other\n")
    with pytest.raises(ConfigurationError, match="any_group"):
        load_rule(path)
    path.write_text("distinct_within_dataset: false\nany_group: [Other, Unrest]\n")
    rule = load_rule(path)
    assert rule.distinct_within_dataset is False
    assert rule.any_group == {"Other", "Unrest"}
    assert load_rule().distinct_within_dataset is True
    assert load_rule().any_group == {"Other"}
