"""The offline gazetteer: places, their names and a name index cached on disk.

The shipped table ``gazetteer.tsv.gz`` (built by ``scripts/build_gazetteer.py``) and the curated
additions ``curated_places.yaml`` are read once, folded into three name indexes (see
:mod:`geo.names`) and saved as a NumPy archive in the cache directory (:mod:`geo.index_store`).
Later processes load the arrays instead of folding half a million names again. A damaged or
foreign index file is built again; a cache folder that cannot be written costs a build in
memory on each run, with a warning.

Each index is a sorted array of 64-bit hashes of folded keys with a parallel array of place
references; a lookup is a binary search. A reference is ``row << 1 | primary``, where *primary*
says that the key came from the place's own name rather than an alternate one.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import math
import os
import sys
import warnings
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import yaml

from conflictmap._yaml import load_yaml
from conflictmap.errors import ConfigurationError, DataWarning, short_repr
from conflictmap.resources import data_path
from geo import index_store
from geo import names as names_module
from geo.cache import cache_dir as default_cache_dir
from geo.names import keys

__all__ = [
    "KINDS",
    "LEVANT",
    "Gazetteer",
    "Place",
    "default_gazetteer",
    "distance_km",
    "index_file",
    "name_hash",
]

KINDS = ("populated place", "admin1", "country", "mountain", "area")
# Places of these countries get the loosest (consonant skeleton) index; elsewhere only the
# exact and variant keys are indexed, so that a misspelt Syrian village never becomes a
# namesake on another continent.
LEVANT = frozenset({"SY", "LB", "IL", "PS", "JO", "IQ", "TR"})
INDEX_VERSION = "3"  # bump when the stored layout changes
TIERS = ("exact", "variant", "skeleton")


@dataclass(frozen=True)
class Place:
    """One place of the gazetteer.

    Attributes
    ----------
    place_id
        ``gn:<GeoNames id>``, ``wof:<Who's On First id>``, ``ne:<slug>`` (Natural Earth peak),
        ``cm:<slug>`` (curated) or ``region:<region id>`` (an area with a polygon).
    name
        Primary (English) name.
    kind
        One of :data:`KINDS`.
    country
        ISO 3166-1 alpha-2 code ("" for areas claimed by several countries).
    admin1
        Region id of the admin-1 unit the place lies in ("" when unknown or outside the region).
    population
        GeoNames population (0 when unknown).
    lat, lon
        A point: the place itself, or a point inside an area.
    region
        For areas, the id of their polygon in ``regions.geojson``; "" otherwise.
    feature
        GeoNames feature code ("PPLA2": seat of a second-level unit), "" when unknown.
    """

    place_id: str
    name: str
    kind: str
    country: str
    admin1: str
    population: int
    lat: float
    lon: float
    region: str = ""
    feature: str = ""

    @property
    def is_area(self) -> bool:
        """Whether the place is an area with a polygon (admin-1 unit, country, region)."""
        return bool(self.region)


class Gazetteer:
    """Places with a folded-name index.

    Use :func:`default_gazetteer` for the shipped data; construct one directly to use other
    files (tests do).

    Parameters
    ----------
    table
        A gazetteer table (``.tsv.gz``) as written by ``scripts/build_gazetteer.py``.
    curated
        YAML file of curated places and extra names, or ``None``.
    cache_dir
        Where the built index is saved; ``None`` keeps it in memory only.
    """

    def __init__(self, *, table: Path, curated: Path | None = None, cache_dir: Path | None = None) -> None:
        self.table = Path(table)
        self.curated = Path(curated) if curated else None
        self.fingerprint = _fingerprint(self.table, self.curated)
        cached = self._load_cache(cache_dir) if cache_dir else None
        if cached is None:
            cached = self._build()
            if cache_dir:
                self._save_cache(cache_dir, cached)
        columns, self._hashes, self._refs = cached
        # Text columns as tuples: a tuple holding only strings (or booleans) drops out of the
        # garbage collector's generations after its first collection, while each full
        # collection walks every item of a list (nine lists of 80,000 names cost a tenth of a
        # second per collection, several times per thousand articles extracted).
        self._columns = {k: tuple(v) if isinstance(v, list) else v for k, v in columns.items()}
        countries, regions = self._columns["country"], self._columns["region"]
        self._regional = tuple(c in LEVANT or bool(r) for c, r in zip(countries, regions, strict=True))
        self._lookup = lru_cache(maxsize=1 << 17)(self._lookup_uncached)

    # ------------------------------------------------------------------ public API

    def __len__(self) -> int:
        return len(self._columns["place_id"])

    def place(self, row: int) -> Place:
        """Return the place stored at ``row``."""
        c = self._columns
        return Place(
            c["place_id"][row],
            c["name"][row],
            c["kind"][row],
            c["country"][row],
            c["admin1"][row],
            int(c["population"][row]),
            float(c["lat"][row]),
            float(c["lon"][row]),
            c["region"][row],
            c["feature"][row],
        )

    def get(self, place_id: str) -> Place | None:
        """Return the place with this id, or ``None``."""
        row = self._row_of_id.get(place_id)
        return None if row is None else self.place(row)

    def candidates(self, name: str, *, skeleton: bool = False) -> tuple[tuple[Place, int], ...]:
        """Places whose names fold to the same key as ``name``.

        Parameters
        ----------
        name
            A place name as written.

        Returns
        -------
        tuple of (Place, int)
            Each place once, with the strictest tier it matched on: 0 exact key, 1 variant key,
            2 consonant skeleton. Skeleton matches (places of the region only) are only returned
            when nothing in the region matched on the stricter keys, or with ``skeleton=True``.
        """
        return self._lookup(name, skeleton)

    def variant_hashes(self) -> np.ndarray:
        """Hashes of the variant keys of every name, for fast "is this a known name?" checks.

        Returns
        -------
        numpy.ndarray
            Sorted ``uint64`` array (a read-only view of the index) of :func:`name_hash` of each
            name's variant key (:func:`geo.names.keys`, tier 1). The variant keys also cover the
            exact keys: names with equal exact keys have equal variant keys. A text's folded
            key ``k`` is a known name when ``name_hash(k)`` is in it.
        """
        view = self._hashes[1].view()
        view.flags.writeable = False
        return view

    def names_of_place(self, place_id: str) -> list[str]:
        """All names of the place with this id (primary first); empty for an unknown id."""
        row = self._row_of_id.get(place_id)
        return [] if row is None else self.names_of(row)

    def names_of(self, row: int) -> list[str]:
        """All names of the place at ``row`` (primary first)."""
        return [self._columns["name"][row], *filter(None, self._columns["names"][row].split("|"))]

    # ------------------------------------------------------------------ lookup

    def _lookup_uncached(self, name: str, skeleton: bool = False) -> tuple[tuple[Place, int], ...]:
        best: dict[int, int] = {}
        for tier, key in enumerate(keys(name)):
            # The consonant skeleton (indexed for the region only) is asked when the stricter
            # keys found nothing in the region: "Jileen" is Jallin in Daraa, not Jilin in China.
            if not key or (tier == 2 and not skeleton and any(self._regional[row] for row in best)):
                continue
            hashes, refs = self._hashes[tier], self._refs[tier]
            h = np.uint64(name_hash(key))
            lo = int(np.searchsorted(hashes, h, side="left"))
            hi = int(np.searchsorted(hashes, h, side="right"))
            for ref in refs[lo:hi].tolist():
                best.setdefault(ref >> 1, tier)
        return tuple((self.place(row), tier) for row, tier in best.items())

    @cached_property
    def _row_of_id(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self._columns["place_id"])}

    # ------------------------------------------------------------------ building

    def _read_rows(self) -> list[dict[str, str]]:
        with gzip.open(self.table, "rt", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        if self.curated is not None:
            _apply_curated(rows, self.curated)
        return rows

    def _build(self) -> tuple[dict[str, list], list[np.ndarray], list[np.ndarray]]:
        rows = self._read_rows()
        columns: dict[str, list] = {
            k: [] for k in ("place_id", "name", "kind", "country", "admin1", "region", "feature", "names")
        }
        numbers: dict[str, list] = {"population": [], "lat": [], "lon": []}
        entries: list[list[tuple[int, int]]] = [[], [], []]
        for row_no, row in enumerate(rows):
            for col in columns:
                columns[col].append(row[col])
            numbers["population"].append(int(row["population"] or 0))
            numbers["lat"].append(float(row["lat"]))
            numbers["lon"].append(float(row["lon"]))
            loose = row["country"] in LEVANT or bool(row["region"])
            names = [row["name"], *filter(None, row["names"].split("|"))]
            for i, name in enumerate(names):
                ref = row_no << 1 | (i == 0)
                for tier, key in enumerate(keys(name)):
                    if key and (tier < 2 or loose):
                        entries[tier].append((name_hash(key), ref))
        hashes, refs = [], []
        for tier_entries in entries:
            unique = sorted(set(tier_entries))
            hashes.append(np.array([h for h, _ in unique], dtype=np.uint64))
            refs.append(np.array([r for _, r in unique], dtype=np.uint32))
        all_columns: dict[str, list] = {
            **columns,
            "population": np.array(numbers["population"], dtype=np.int64),
            "lat": np.array(numbers["lat"]),
            "lon": np.array(numbers["lon"]),
        }
        return all_columns, hashes, refs

    def _cache_file(self, cache_dir: Path) -> Path:
        return index_file(cache_dir, table=self.table, curated=self.curated)

    def _load_cache(self, cache_dir: Path) -> tuple | None:
        return index_store.load_index(self._cache_file(cache_dir), fingerprint=self.fingerprint)

    def _save_cache(self, cache_dir: Path, data: tuple) -> None:
        path = self._cache_file(cache_dir)
        try:
            index_store.save_index(path, data, fingerprint=self.fingerprint)
        except (OSError, ValueError) as err:
            reason = getattr(err, "strerror", None) or err
            if os.path.isfile(path.parent):  # (os.path never raises, pathlib may)
                reason = f"{path.parent} is a file, not a folder"
            warnings.warn(
                f"cannot save the gazetteer index in {path.parent} ({reason}): it was built in "
                "memory, which takes a while on every run; make that folder writable or set "
                "CONFLICTMAP_CACHE_DIR to a writable folder",
                DataWarning,
                stacklevel=4,
            )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (spherical Earth; plenty for ranking and tolerances)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 12742.0 * math.asin(math.sqrt(min(1.0, h)))


def _fingerprint(table: Path, curated: Path | None) -> str:
    # The index depends on the tables and on the code that folds and indexes names: a change
    # to either gives a new file name, so a stale index is never read.
    digest = hashlib.sha1(INDEX_VERSION.encode())
    for module in (names_module, index_store, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    for path in (table, curated):
        if path is not None:
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def index_file(cache_dir: Path, *, table: Path, curated: Path | None) -> Path:
    """Return where the index of these tables is cached: the name changes with their content."""
    return Path(cache_dir) / f"gazetteer-{_fingerprint(table, curated)}.index"


def name_hash(key: str) -> int:
    """Return the 64-bit hash the name index stores for a folded key.

    See :meth:`Gazetteer.variant_hashes`.
    """
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _apply_curated(rows: list[dict[str, str]], path: Path) -> None:
    """Add curated places and names (``curated_places.yaml``) to the table rows."""
    try:
        entries = load_yaml(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigurationError(f"{path}: cannot read curated places: {err}") from err
    by_id = {row["place_id"]: row for row in rows}
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, dict) or "source" not in entry:
            raise ConfigurationError(f"{where}: each entry needs a 'source' and either 'id' or 'names_for'")
        names = [str(n) for n in entry.get("names", [])]
        if "names_for" in entry:
            target = by_id.get(str(entry["names_for"]))
            if target is None:
                msg = f"{where}: names_for {short_repr(entry['names_for'])} is not a place id"
                raise ConfigurationError(msg)
            target["names"] = "|".join(filter(None, [target["names"], *names]))
            if entry.get("name"):
                # The English name news uses becomes the place's own name ("Khiam", not "El Khiyam").
                target["names"] = "|".join(filter(None, [target["name"], target["names"]]))
                target["name"] = str(entry["name"])
            if entry.get("population"):
                # A known population where GeoNames has none: it ranks the place among namesakes.
                target["population"] = str(int(entry["population"]))
            continue
        for replaced in entry.get("replaces", []):
            # The curated place is the same feature as a source record (Mount Hermon is Natural
            # Earth's "Jabal ash Shaykh"): one place, not two namesakes.
            if str(replaced) not in by_id:
                raise ConfigurationError(f"{where}: replaces {short_repr(replaced)}, which is not a place id")
            by_id.pop(str(replaced))["replaced"] = True
        kind = entry.get("kind", "populated place")
        if kind not in KINDS:
            msg = f"{where}: field 'kind' is {short_repr(kind)}; expected one of {', '.join(KINDS)}"
            raise ConfigurationError(msg)
        try:
            lat, lon = float(entry["lat"]), float(entry["lon"])
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigurationError(f"{where}: needs numeric 'lat' and 'lon'") from err
        row = {
            "place_id": str(entry["id"]),
            "name": str(entry["name"]),
            "kind": kind,
            "country": str(entry.get("country") or ""),
            "admin1": str(entry.get("admin1") or ""),
            "population": str(int(entry.get("population") or 0)),
            "lat": str(lat),
            "lon": str(lon),
            "region": str(entry.get("region") or ""),
            "feature": "",
            "names": "|".join(names),
        }
        rows.append(row)
        by_id[row["place_id"]] = row
    rows[:] = [row for row in rows if not row.get("replaced")]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """Return the shipped gazetteer with the curated additions, its index cached on disk."""
    return Gazetteer(
        table=data_path("gazetteer.tsv.gz"),
        curated=data_path("curated_places.yaml"),
        cache_dir=default_cache_dir(),
    )
