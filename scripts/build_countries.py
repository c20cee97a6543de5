"""Build data/countries.csv from Natural Earth admin-0 countries.

Usage: python scripts/build_countries.py [--source ../shared/data/boundaries/countries.geojson]

Keeps, per country, the ISO 3166-1 codes, the English names Natural Earth knows it by (plus the
curated aliases below, which event datasets use) and its bounding box. The readers use it to turn
country names into ISO alpha-2 codes and to spot latitude/longitude given in the wrong order.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "boundaries" / "countries.geojson"
NAME_FIELDS = ("NAME", "NAME_LONG", "ADMIN", "GEOUNIT", "BRK_NAME", "FORMAL_EN", "NAME_SORT",
               "NAME_ALT", "NAME_CIAWF")
# Natural Earth v4 leaves ISO_A2 at -99 for these (overseas departments, disputed status).
ISO_FIXES = {"FRA": ("FR", "FRA"), "NOR": ("NO", "NOR"), "KOS": ("XK", "XKX")}
# Names that ACLED, UCDP and news use and Natural Earth does not (UCDP's parenthesised former
# names are handled by the reader, which also tries the name without its parentheses).
ALIASES = {
    "SY": ["Syrian Arab Republic"],
    "PS": ["State of Palestine", "Occupied Palestinian Territory", "Palestinian Territories",
           "Gaza Strip", "West Bank"],
    "TR": ["Turkiye", "Türkiye"],
    "US": ["USA", "US", "United States"],
    "GB": ["UK", "Britain", "Great Britain"],
    "RU": ["Russian Federation"],
    "IR": ["Islamic Republic of Iran"],
    "CD": ["DR Congo", "Democratic Republic of the Congo", "Congo, DRC"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "BA": ["Bosnia-Herzegovina"],
    "MM": ["Burma"],
    "KR": ["South Korea"],
    "KP": ["North Korea"],
    "SZ": ["eSwatini", "Eswatini", "Kingdom of eSwatini"],
}


def build(source: Path) -> list[dict[str, str]]:
    frame = gpd.read_file(source)
    rows = []
    for rec in frame.itertuples(index=False):
        iso_a2, iso_a3 = str(rec.ISO_A2), str(rec.ISO_A3)
        if rec.ADM0_A3 in ISO_FIXES:
            iso_a2, iso_a3 = ISO_FIXES[rec.ADM0_A3]
        if iso_a2 == "-99" or len(iso_a2) != 2:
            continue  # no ISO code (e.g. Somaliland, N. Cyprus): cannot be stored in `country`
        names = [getattr(rec, f) for f in NAME_FIELDS]
        names = [str(n) for n in names if isinstance(n, str)]
        names += ALIASES.get(iso_a2, [])
        unique = list(dict.fromkeys(n.strip() for n in names if n and n.strip() not in ("-99",)))
        west, south, east, north = rec.geometry.bounds
        rows.append({
            "iso_a2": iso_a2, "iso_a3": iso_a3, "name": str(rec.NAME), "names": "|".join(unique),
            "west": f"{west:.3f}", "south": f"{south:.3f}", "east": f"{east:.3f}",
            "north": f"{north:.3f}",
        })
    rows.sort(key=lambda r: r["iso_a2"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "countries.csv")
    args = parser.parse_args()
    rows = build(args.source)
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} countries to {args.out}")


if __name__ == "__main__":
    main()
