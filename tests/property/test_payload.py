"""The map's columnar payload decodes back to the events it was built from (hypothesis).

``decode`` mirrors ``decode`` and ``Store`` in ``layers/events.js``: if the browser's reading
of the payload ever drifts from what ``layers/payload.py`` writes, these properties fail.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.categories import default_registry
from conflictmap.schema import conform
from layers.element import safe_json
from layers.payload import build_payload

TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12),
    st.sampled_from(["</script>", "<b>x</b>", "a & b", "https://example.org/x/1", "\u2028"]),
)
URL = st.one_of(
    st.none(),
    st.builds("https://example.org/report/{}".format, st.integers(0, 50)),
    st.sampled_from(["javascript:alert(1)", "ftp://x.org/a", "http://a.org"]),
)


@st.composite
def event_frames(draw):
    n = draw(st.integers(1, 40))
    registry = default_registry()
    rows = []
    for i in range(n):
        lon = draw(st.integers(-179_000_00, 179_000_00)) / 1e5
        lat = draw(st.integers(-80_000_00, 80_000_00)) / 1e5
        start = pd.Timestamp("1990-01-01") + pd.Timedelta(days=draw(st.integers(0, 15_000)))
        length = draw(st.one_of(st.none(), st.integers(1, 900)))
        area = draw(st.booleans())
        size = draw(st.integers(10, 300)) / 100
        geom = shapely.box(lon, lat, lon + size, min(lat + size, 85)) if area else shapely.Point(lon, lat)
        rows.append(
            {
                "event_id": f"e{i}",
                "event_date": start,
                "date_end": None if length is None else start + pd.Timedelta(days=length),
                "time_precision": draw(st.sampled_from([1, 2, 3])),
                "category": draw(st.sampled_from(list(registry))),
                "sub_event_type": draw(TEXT),
                "actor1": draw(TEXT),
                "actor2": draw(TEXT),
                "location": draw(TEXT),
                "place_id": None,
                "place_name": draw(TEXT),
                "admin1": draw(TEXT),
                "country": draw(st.sampled_from([None, "SY", "IL"])),
                "geo_precision": draw(st.sampled_from([3, 4])) if area else draw(st.sampled_from([1, 2])),
                "notes": draw(TEXT),
                "source": draw(TEXT),
                "source_url": draw(URL),
                "fatalities": draw(st.one_of(st.none(), st.integers(0, 500))),
                "located": True,
                "geometry": geom,
            }
        )
    return conform(pd.DataFrame(rows))


def decode(column, i):
    """The text decoding of events.js, in Python."""
    if column is None:
        return None
    if isinstance(column, list):
        return column[i]
    if "p" in column:
        prefix = decode(column["p"], i)
        return None if prefix is None else prefix + column["s"][i]
    code = column["c"][i]
    return None if code < 0 else column["v"][code]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_frames())
def test_payload_decodes_to_the_events(events):
    payload = build_payload(events, registry=default_registry(), mode="canvas")
    # the page reads it with JSON.parse from a <script type="application/json"> element
    raw = safe_json(payload.data)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    order = events.sort_values("event_date", kind="stable").reset_index(drop=True)
    assert data["n"] == len(order)
    for i, event in order.iterrows():
        x = (data["x"][i] + data["x0"]) / data["scale"]
        y = (data["y"][i] + data["y0"]) / data["scale"]
        anchor = event.geometry if event.geometry.geom_type == "Point" else event.geometry.point_on_surface()
        assert abs(x - anchor.x) <= 1e-5 and abs(y - anchor.y) <= 1e-5
        if event.geometry.geom_type != "Point":
            area = data["areas"][data["area"][i]]
            assert event.geometry.buffer(0.01).contains(shapely.geometry.shape(area["geometry"]))
            assert shapely.Point(x, y).within(event.geometry)  # the marker sits inside its region
        else:
            assert data["area"][i] == -1
        assert data["categories"][data["cat"][i]] == event["category"]
        day = (event["event_date"] - pd.Timestamp("1970-01-01")).days
        end = event["date_end"] if pd.notna(event["date_end"]) else event["event_date"]
        assert (
            data["t0"][i] == day and data["t0"][i] + data["dt"][i] == (end - pd.Timestamp("1970-01-01")).days
        )
        text = data["text"]
        assert decode(text["notes"], i) == (event["notes"] if isinstance(event["notes"], str) else None)
        assert decode(text["id"], i) == event["event_id"]
        url = decode(text["url"], i)
        assert url is None or url.startswith(("https://", "http://"))
        assert (url is None) == (
            not isinstance(event["source_url"], str) or not event["source_url"].startswith("http")
        )
        actors = [a for a in (event["actor1"], event["actor2"]) if isinstance(a, str) and a]
        assert decode(text["actors"], i) == (" — ".join(actors) or None)


@settings(max_examples=30, deadline=None)
@given(event_frames())
def test_every_link_stands_for_linking_events(events):
    registry = default_registry()
    payload = build_payload(events, registry=registry, mode="markers")
    order = events.sort_values("event_date", kind="stable").reset_index(drop=True)
    for link in payload.data["links"]:
        assert link["events"] == sorted(set(link["events"]))
        for i in link["events"]:
            assert registry[order.at[i, "category"]].links
        assert np.isfinite(link["to"]).all() and np.isfinite(link["from"]).all()


def test_both_ends_of_links_name_place_and_country_alike():
    """Talks in Washington and a statement of Washington elsewhere: one name for Washington."""
    base = {
        "event_date": pd.Timestamp("2026-01-05"), "date_end": None, "time_precision": 1,
        "sub_event_type": None, "actor2": None, "location": None, "place_id": None, "admin1": None,
        "geo_precision": 1, "notes": None, "source": "r", "source_url": None, "fatalities": None,
        "located": True,
    }
    rows = [
        {**base, "event_id": "a", "category": "diplomatic", "actor1": "Government of Syria",
         "place_name": "Washington", "country": "US", "geometry": shapely.Point(-77.03637, 38.89511)},
        {**base, "event_id": "b", "category": "statement", "actor1": "Government of the United States",
         "place_name": "Damascus", "country": "SY", "geometry": shapely.Point(36.29128, 33.5102)},
    ]
    events = conform(pd.DataFrame(rows))
    links = build_payload(events, registry=default_registry(), mode="markers").data["links"]
    ends = sorted(name for link in links for name in link["ends"])
    assert ends == ["Damascus (Syria)", "Damascus (Syria)", "Washington (United States of America)",
                    "Washington (United States of America)"], ends
