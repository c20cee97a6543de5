"""Synthetic event collections over Syria, for the map benchmark and the browser tests.

Every category, every location precision (points, points near a place, governorates, the
country), day, month and period dates over two years, actors and notes of realistic length.
Points cluster around real towns of the shipped gazetteer, as reported events do.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap.categories import default_registry
from conflictmap.schema import conform
from geo.gazetteer import default_gazetteer
from geo.regions import default_regions

__all__ = ["synthetic_events"]

_ACTORS = [
    "Military Forces of Israel",
    "Government of Syria",
    "Syrian Democratic Forces",
    "Druze factions",
    "Bedouin tribal fighters",
    "Government of the United States",
    "Turkish forces",
    "Protesters (Syria)",
    "Unidentified armed group",
]
_NOTES = [
    "Forces entered {place} before dawn, searched several houses and withdrew after {n} hours.",
    "A strike hit a depot on the edge of {place}; {n} people were reported wounded.",
    "Shells landed near {place} for about {n} hours, according to local monitors.",
    "Fighting broke out at a checkpoint outside {place}; at least {n} fighters were hurt.",
    "Officials met in {place} for talks on security arrangements, the {n}th round this year.",
    "Residents of {place} protested over fuel prices; around {n}00 people took part.",
]


def synthetic_events(n: int, *, seed: int = 7, areas: bool = True) -> gpd.GeoDataFrame:
    """Return ``n`` synthetic, located events in the model's columns.

    Parameters
    ----------
    n
        Number of events.
    seed
        Random seed; the same seed gives the same events.
    areas
        Whether about 12% of the events are region- or country-level (governorate or Syria
        polygons, geo_precision 3 and 4); otherwise every event is a point (precision 1 or 2).
    """
    rng = np.random.default_rng(seed)
    registry = default_registry()
    regions = default_regions()
    towns = _towns()
    governorates = [r for r in regions if r.kind == "admin1" and r.country == "SY"]
    syria = regions["SY"].geometry

    town = rng.integers(0, len(towns), n)
    lon = towns["lon"].to_numpy()[town] + rng.normal(0, 0.04, n)
    lat = towns["lat"].to_numpy()[town] + rng.normal(0, 0.04, n)
    weights = [0.7, 0.18, 0.1, 0.02] if areas else [0.8, 0.2, 0.0, 0.0]
    precision = rng.choice([1, 2, 3, 4], n, p=weights)
    geometry = shapely.points(lon, lat)
    gov = rng.integers(0, len(governorates), n)
    gov_shapes = np.array([g.geometry for g in governorates], dtype=object)
    geometry = np.where(precision == 3, gov_shapes[gov], geometry)
    geometry = np.where(precision == 4, syria, geometry)

    start = pd.Timestamp("2024-12-08") + pd.to_timedelta(rng.integers(0, 730, n), "D")
    time_precision = rng.choice([1, 2, 3], n, p=[0.8, 0.15, 0.05])
    length = np.where(time_precision == 3, rng.integers(30, 200, n), np.where(time_precision == 2, 6, 0))
    end = start + pd.to_timedelta(length, "D")
    names = towns["name"].to_numpy()[town]
    gov_names = np.array([g.name for g in governorates], dtype=object)[gov]
    location = np.where(precision == 3, gov_names, np.where(precision == 4, "Syria", names))
    template = rng.integers(0, len(_NOTES), n)
    count = rng.integers(2, 9, n)
    notes = [_NOTES[t].format(place=p, n=c) for t, p, c in zip(template, location, count, strict=True)]
    frame = pd.DataFrame(
        {
            "event_id": [f"SYN{i:06d}" for i in range(n)],
            "event_date": start,
            "date_end": pd.Series(end).where(length > 0),
            "time_precision": time_precision,
            "category": rng.choice([k for k in registry if k != "other"], n),
            "sub_event_type": None,
            "actor1": rng.choice(_ACTORS, n),
            "actor2": rng.choice([*_ACTORS, None], n),
            "location": location,
            "place_id": None,
            "place_name": location,
            "admin1": np.where(precision == 4, None, gov_names),
            "country": "SY",
            "geo_precision": precision,
            "notes": notes,
            "source": rng.choice(["Synthetic Wire", "Synthetic Monitor", "Synthetic Daily"], n),
            "source_url": [f"https://example.org/report/{i}" for i in range(n)],
            "fatalities": rng.integers(0, 6, n),
            "located": True,
            "geometry": geometry,
        }
    )
    return conform(frame)


def _towns() -> pd.DataFrame:
    """Syrian populated places of the shipped gazetteer with more than 5,000 people."""
    gazetteer = default_gazetteer()
    rows = []
    for i in range(len(gazetteer)):
        place = gazetteer.place(i)
        if place.country == "SY" and place.kind == "populated place" and (place.population or 0) > 5000:
            rows.append({"name": place.name, "lat": place.lat, "lon": place.lon})
    return pd.DataFrame(rows)


def synthetic_parquet(path, n: int, *, seed: int = 11) -> None:
    """Write ``n`` synthetic point events as the issue's user had them: one GeoParquet file.

    Points only (as ACLED's are), all inside Syria's bounding box (a point in the sea off the
    coast would be refused as swapped latitude/longitude), ``admin1`` left empty so that the
    CLI fills it in from coordinates, written by ``conflictmap.write_events`` (GeoParquet 1.1
    with a covering bbox column).
    """
    from conflictmap import write_events
    from conflictmap.countries import country_by_code

    syria = country_by_code("SY")
    events = synthetic_events(int(n * 1.06) + 100, seed=seed, areas=False)
    x, y = shapely.get_x(events.geometry.to_numpy()), shapely.get_y(events.geometry.to_numpy())
    inside = (x >= syria.west) & (x <= syria.east) & (y >= syria.south) & (y <= syria.north)
    events = events[inside].iloc[:n].reset_index(drop=True)
    if len(events) < n:
        raise RuntimeError(f"only {len(events)} synthetic events inside Syria's box, wanted {n}")
    events["admin1"] = pd.Series(None, index=events.index, dtype="str")
    write_events(events, path)
