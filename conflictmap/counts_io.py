"""Write and read the counts of :mod:`conflictmap.aggregate` (Parquet, CSV, GeoJSON).

A Parquet file keeps what was counted (``by``, ``every``) and the events not counted in its
key-value metadata; CSV and GeoJSON are for people and other tools (GeoJSON carries each
unit's polygon: the admin-1 unit, the country, or the H3 cell). :func:`read_counts` reads any
of them back, telling the kind of unit from the ids when the file does not say.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from conflictmap.aggregate import COUNT_COLUMNS, Counts, parse_unit
from conflictmap.errors import ConfigurationError, InputError
from conflictmap.outputs import atomic_output

__all__ = ["COUNTS_FORMATS", "is_counts_file", "read_counts", "unit_geometries", "write_counts"]

COUNTS_FORMATS = {".parquet": "parquet", ".csv": "csv", ".geojson": "geojson", ".json": "geojson"}
_META_KEY = b"conflictmap.counts"
_REQUIRED = ("unit", "events")
_SIMPLIFY = 0.005  # degrees, as the map's choropleth


def counts_format(path: str | Path) -> str:
    """Format of a counts file from its extension (.parquet, .csv, .geojson)."""
    suffix = Path(path).suffix.lower()
    if suffix not in COUNTS_FORMATS:
        msg = f"-o {path}: counts are written as .parquet, .csv or .geojson, not {suffix or 'no extension'}"
        raise ConfigurationError(msg)
    return COUNTS_FORMATS[suffix]


def write_counts(counts: Counts, path: str | Path) -> None:
    """Write counts atomically; the format comes from the extension."""
    fmt = counts_format(path)
    table = counts.table
    with atomic_output(Path(path)) as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.Table.from_pandas(table, preserve_index=False)
            meta = {"by": counts.by, "every": counts.every, "uncounted": dict(counts.uncounted)}
            arrow = arrow.replace_schema_metadata(
                {**(arrow.schema.metadata or {}), _META_KEY: json.dumps(meta).encode()}
            )
            pq.write_table(arrow, tmp)
        elif fmt == "csv":
            out = table.copy()
            if "period" in out.columns:
                out["period"] = out["period"].dt.strftime("%Y-%m-%d")
            out.to_csv(tmp, index=False)
        else:
            geoms = unit_geometries(table["unit"], by=counts.by)
            out = table.copy()
            if "period" in out.columns:
                out["period"] = out["period"].dt.strftime("%Y-%m-%d")
            frame = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
            tmp.write_text(frame.to_json(drop_id=True), encoding="utf-8")


def is_counts_file(path: str | Path) -> bool:
    """Whether a file holds counts (``unit``, ``events`` columns), not events."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
        elif suffix == ".csv":
            with path.open(encoding="utf-8", errors="replace") as fh:
                names = fh.readline().strip().split(",")
        else:
            return False
    except (OSError, ValueError):
        return False
    return all(c in names for c in _REQUIRED) and set(names) <= {*COUNT_COLUMNS, "geometry"}


def read_counts(path: str | Path) -> Counts:
    """Read a counts file written by :func:`write_counts` (Parquet or CSV)."""
    path = Path(path)
    meta: dict[str, Any] = {}
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        arrow = pq.read_table(path)
        raw = (arrow.schema.metadata or {}).get(_META_KEY)
        meta = json.loads(raw) if raw else {}
        table = arrow.to_pandas()
    else:
        text = {"unit": "str", "name": "str", "country": "str"}
        table = pd.read_csv(path, dtype=text, keep_default_na=False)
        table = table.replace({"name": {"": None}, "country": {"": None}})
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise InputError(f"{path}: not a counts file: no {', '.join(missing)} column")
    if "period" in table.columns:
        period = pd.to_datetime(table["period"], errors="coerce")
        bad = period.isna() & table["period"].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{path}: row {row + 2}: period {table['period'].iloc[row]!r} is not a date")
        table["period"] = period
    table["unit"] = table["unit"].astype("str")
    by = meta.get("by") or _infer_by(table["unit"], path=path)
    parse_unit(by)
    return Counts(table=table, by=by, every=meta.get("every"), uncounted=_counter(meta.get("uncounted")))


def _counter(values: dict[str, int] | None) -> Any:
    from collections import Counter

    return Counter(values or {})


def _infer_by(units: pd.Series, *, path: Path) -> str:
    import h3

    from geo.regions import default_regions

    regions = default_regions()
    values = units.dropna().unique().tolist()
    if values and all(h3.is_valid_cell(v) for v in values):
        resolutions = {h3.get_resolution(v) for v in values}
        if len(resolutions) == 1:
            return f"hex:{resolutions.pop()}"
    kinds = {regions[v].kind if v in regions else None for v in values}
    if kinds == {"admin1"}:
        return "admin1"
    if kinds == {"country"}:
        return "country"
    unknown = next((v for v in values if v not in regions), values[0] if values else "")
    raise InputError(f"{path}: unit {unknown!r} is neither an admin-1 unit, a country nor an H3 cell")


def unit_geometries(units: pd.Series, *, by: str) -> list[BaseGeometry | None]:
    """Return the polygon of each unit (simplified for the admin-1 units and countries)."""
    kind, _ = parse_unit(by)
    cache: dict[str, BaseGeometry | None] = {}
    if kind == "hex":
        import h3

        for unit in units.dropna().unique():
            ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(unit)]
            cache[unit] = shapely.Polygon(ring)
    else:
        from geo.regions import default_regions

        regions = default_regions()
        for unit in units.dropna().unique():
            geom = regions[unit].geometry if unit in regions else None
            cache[unit] = None if geom is None else shapely.simplify(geom, _SIMPLIFY, preserve_topology=True)
    return [cache.get(u) for u in units]
