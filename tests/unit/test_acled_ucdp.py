from __future__ import annotations

import pandas as pd
import pytest

from conflictmap import read_events

# Rows invented for the tests, in the layout of an ACLED export (not ACLED data).
ACLED_HEADER = ("data_id,iso,event_id_cnty,event_id_no_cnty,event_date,year,time_precision,"
                "event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,"
                "inter2,interaction,region,country,admin1,admin2,admin3,location,latitude,"
                "longitude,geo_precision,source,source_scale,notes,fatalities,timestamp,iso3")
ACLED_ROWS = [
    '1,760,SYR1,1,3-Feb-25,2025,1,Explosions/Remote violence,Air/drone strike,Military Forces '
    'of Israel (2022-),,8,,,0,80,Middle East,Syria,Dar\'a,Dar\'a,,Tafas,32.7386,36.0669,2,'
    'Test Outlet,National,"Invented note, with a comma",0,1,SYR',
    '2,760,SYR2,2,04 February 2025,2025,2,Strategic developments,Agreement,Government of '
    'Syria,,1,,,0,10,Middle East,Syria,Damascus,Damascus,,Damascus,33.5102,36.2913,1,'
    'Test Outlet,National,Invented agreement,,2,SYR',
    '3,760,SYR3,3,2025-02-05,2025,1,Protests,Peaceful protest,Protesters (Syria),,6,,,0,60,'
    'Middle East,Syria,As-Sweida,As-Sweida,,As-Sweida,32.7094,36.5695,1,Test Outlet,Local,'
    'Invented protest,0,3,SYR',
    '4,760,SYR4,4,6-Feb-25,2025,3,Battles,Armed clash,A,,3,B,,3,33,Middle East,Syria,Idleb,'
    'Idleb,,Idleb,35.93,36.63,3,Test Outlet,Local,Invented clash,3,4,SYR',
]


def test_acled_export_is_detected_and_mapped(write):
    events = read_events(write("export.csv", "\n".join([ACLED_HEADER, *ACLED_ROWS]) + "\n"))
    assert events["event_id"].tolist() == ["SYR1", "SYR2", "SYR3", "SYR4"]
    assert events["category"].tolist() == ["airstrike", "agreement", "unrest", "clashes"]
    assert events["event_date"].tolist() == [pd.Timestamp(d) for d in
                                              ("2025-02-03", "2025-02-04", "2025-02-05",
                                               "2025-02-06")]
    assert events["time_precision"].tolist() == [1, 2, 1, 3]
    assert events["geo_precision"].tolist() == [2, 1, 1, 3]
    assert events["country"].unique().tolist() == ["SY"]
    assert events["admin1"].tolist() == ["Dar'a", "Damascus", "As-Sweida", "Idleb"]
    assert events["notes"].iloc[0] == "Invented note, with a comma"
    assert events["fatalities"].tolist()[0] == 0 and pd.isna(events["fatalities"].iloc[1])
    assert events["event_type"].iloc[0] == "Explosions/Remote violence"  # kept as extra
    assert events.geometry.iloc[0].x == pytest.approx(36.0669)


def test_acled_bad_date_names_the_line_and_styles(write):
    rows = [ACLED_ROWS[0].replace("3-Feb-25", "Feb 3rd")]
    with pytest.raises(ValueError, match=r"line 2: field 'event_date' = 'Feb 3rd': not a date; "
                                         r"allowed styles: .*9-May-20, 09 May 2020"):
        read_events(write("export.csv", "\n".join([ACLED_HEADER, *rows]) + "\n"))


UCDP_HEADER = ("id,relid,year,type_of_violence,conflict_name,dyad_name,side_a,side_b,"
               "source_office,source_headline,where_prec,where_coordinates,where_description,"
               "adm_1,latitude,longitude,country,date_prec,date_start,date_end,best,low,high")
UCDP_ROWS = [
    "11,R-11,2024,1,Test conflict,A - B,Government of Syria,Syrian insurgents,Test Office,,1,"
    "Nawa town,in Nawa,Daraa governorate,32.8867,36.0431,Syria,1,2024-03-01,2024-03-01,4,4,6",
    "12,R-12,2024,3,Test conflict,C,IS,Civilians,Test Office,Headline,4,Daraa governorate,"
    "somewhere,Daraa governorate,32.75,36.2,Syria,4,2024-03-01,2024-03-31,1,1,1",
    "13,R-13,2024,2,Test conflict,D - E,D,E,Test Office,,6,Yemen,,,15.5,47.5,"
    "Yemen (North Yemen),5,2024-01-01,2024-12-31,0,0,0",
]


def test_ucdp_ged_is_detected_and_precision_mapped(write):
    events = read_events(write("ged.csv", "\n".join([UCDP_HEADER, *UCDP_ROWS]) + "\n"))
    assert events["event_id"].tolist() == ["UCDP11", "UCDP12", "UCDP13"]
    assert events["geo_precision"].tolist() == [1, 3, 4]
    assert events["time_precision"].tolist() == [1, 2, 3]
    assert events["category"].tolist() == ["clashes", "other", "clashes"]
    assert events["country"].tolist() == ["SY", "SY", "YE"]
    assert events["admin1"].iloc[0] == "Daraa"
    assert pd.isna(events["date_end"].iloc[0])
    assert events["date_end"].iloc[1] == pd.Timestamp("2024-03-31")
    assert events["fatalities"].tolist() == [4, 1, 0]


@pytest.mark.shared_data
def test_real_acled_rows(shared_events):
    events = read_events(shared_events / "acled_middle_east_2020-04-27_2020-05-09.csv")
    assert len(events) == 1168
    syria = events[events["country"] == "SY"]
    assert len(syria) == 313
    row = events.set_index("event_id").loc["SYR78073"]
    assert row["category"] == "airstrike"
    assert row["location"] == "Tall al Ahmar al Gharbi"
    assert row["admin1"] == "Quneitra"
    assert (row.geometry.y, row.geometry.x) == (32.9973, 35.8833)
    assert row["event_date"] == pd.Timestamp("2020-05-01")
    assert events["located"].all()
    assert events["event_date"].between("2020-04-27", "2020-05-09").all()


@pytest.mark.shared_data
def test_real_ucdp_rows(shared_events):
    events = read_events(shared_events / "ucdp_ged231_sample_uncertainUCDP.csv")
    assert len(events) == 1000
    assert (events["country"] == "SY").sum() == 265
    assert set(events["geo_precision"].dropna()) <= {1, 2, 3, 4}
    assert events["event_id"].is_unique
