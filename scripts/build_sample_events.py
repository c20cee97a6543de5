"""Build data/events/seed-article.geojson, the shipped sample events.

Usage: python scripts/build_sample_events.py [--boundaries ../shared/data/boundaries]

Reads the hand-written events in scripts/sources/seed-article-events.yaml and gives the
region-level ones the union of the Natural Earth admin-1 polygons (or the country outline) named
under ``region:``, simplified to about 500 m so the sample stays small.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import shapely
import yaml

from conflictmap._yaml import load_yaml
from conflictmap.readers.tabular import read_yaml_events
from conflictmap.writers import write_events

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "scripts" / "sources" / "seed-article-events.yaml"
BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries"
TOLERANCE = 0.005  # degrees


def region_polygon(names: list[str], boundaries: Path) -> shapely.Geometry:
    admin1 = gpd.read_file(boundaries / "syria_admin1.geojson")
    countries = gpd.read_file(boundaries / "countries.geojson")
    parts = []
    for name in names:
        match = countries[countries["ISO_A2"] == name] if len(name) == 2 else admin1[admin1["name"] == name]
        if len(match) != 1:
            raise SystemExit(f"region part {name!r} matches {len(match)} features")
        parts.append(match.geometry.iloc[0])
    merged = shapely.union_all(parts)
    return shapely.make_valid(merged.simplify(TOLERANCE, preserve_topology=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=BOUNDARIES)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "events" / "seed-article.geojson")
    args = parser.parse_args()
    doc = load_yaml(SOURCE.read_text(encoding="utf-8"))
    for event in doc["events"]:
        region = event.pop("region", None)
        if region:
            event["geometry"] = shapely.to_wkt(region_polygon(region, args.boundaries), rounding_precision=4)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    from conflictmap.categories import default_registry

    events = read_yaml_events(text, path=SOURCE, registry=default_registry())
    write_events(events, args.out)
    print(f"wrote {len(events)} events to {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
