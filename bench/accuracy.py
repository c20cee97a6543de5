"""Geocoding accuracy: the spelling sets in tests/data and, when present, real ACLED names.

Usage: python bench/accuracy.py [--show-misses]

A point answer is right within 10 km of the truth; an area answer when it is the expected region.
For ACLED rows the truth is ACLED's own coordinates, and the row's country and admin1 are passed
as context, as ``locate_events`` does for event files. Prints figures; exit 1 when a spelling set
is below the 97% bar.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from geo.gazetteer import distance_km
from geo.resolve import Resolver

ROOT = Path(__file__).resolve().parent.parent
SETS = sorted((ROOT / "tests" / "data").glob("place_spellings*.yaml"))
ACLED = sorted((ROOT.parent / "shared" / "data" / "events").glob("acled_*.csv"))
LEVANT = ("SY", "LB", "IL", "PS", "JO", "IQ", "TR")
TOLERANCE_KM = 10.0
BAR = 0.97


def judge(resolver: Resolver, case: dict) -> str | None:
    """Return why a case is wrong, or None when it is right."""
    res = resolver.resolve(case["query"], country=case.get("country"))
    place = res.place
    if place is None:
        return "not found"
    if "region" in case:
        return None if place.region == case["region"] else f"got {place.place_id}, want {case['region']}"
    if place.is_area:
        return f"got the area {place.region}, want a point"
    distance = distance_km(place.lat, place.lon, case["lat"], case["lon"])
    return None if distance <= TOLERANCE_KM else f"got {place.name} ({place.country}), {distance:.0f} km off"


def spelling_sets(resolver: Resolver, *, show: bool) -> bool:
    """Print the rate of each spelling set; return whether all meet the bar."""
    ok = True
    for path in SETS:
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        start = time.perf_counter()
        misses = {c["query"]: why for c in cases if (why := judge(resolver, c))}
        rate = 1 - len(misses) / len(cases)
        ok &= rate >= BAR
        print(
            f"{path.name:36} {len(cases) - len(misses):4} / {len(cases):4} right = {rate:6.1%}"
            f"  ({time.perf_counter() - start:.2f} s)  {'pass' if rate >= BAR else 'FAIL'}"
        )
        if show:
            for query, why in misses.items():
                print(f"    {query!r}: {why}")
    return ok


def acled_scores(resolver: Resolver, path: Path) -> dict:
    """Resolve the distinct Levant location names of an ACLED export against its coordinates.

    Returns
    -------
    dict
        ``rows`` (distinct names), ``right``, ``wrong``, ``missing`` and ``misses`` (one line
        per wrong answer).
    """
    from conflictmap import read_events

    events = read_events(path)
    rows = events[events["country"].isin(LEVANT)].drop_duplicates("location")
    scores = {"rows": len(rows), "right": 0, "wrong": 0, "missing": 0, "misses": []}
    for row in rows.itertuples():
        res = resolver.resolve(row.location, within_country=row.country, admin1=row.admin1)
        if res.place is None:
            scores["missing"] += 1
            continue
        off = distance_km(res.place.lat, res.place.lon, row.geometry.y, row.geometry.x)
        if off <= TOLERANCE_KM or res.place.is_area:
            scores["right"] += 1
        else:
            scores["wrong"] += 1
            scores["misses"].append(
                f"{row.location!r} ({row.admin1}): got {res.place.name}, {off:.0f} km off"
            )
    return scores


def acled(resolver: Resolver, *, show: bool) -> None:
    """Print how ACLED's own location names resolve against ACLED's coordinates."""
    if not ACLED:
        print("ACLED sample not present (../shared/data/events): skipped")
        return
    scores = acled_scores(resolver, ACLED[0])
    n, right, wrong, missing = scores["rows"], scores["right"], scores["wrong"], scores["missing"]
    if show:
        for line in scores["misses"]:
            print(f"    {line}")
    print(
        f"{ACLED[0].name:36} {right:4} / {n:4} right = {right / n:6.1%}; "
        f"wrong {wrong} ({wrong / n:.1%}); not found {missing} ({missing / n:.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    resolver = Resolver()
    ok = spelling_sets(resolver, show=args.show_misses)
    acled(resolver, show=args.show_misses)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
