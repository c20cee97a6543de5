"""Reader for UCDP Georeferenced Event Dataset (GED) CSV files.

UCDP's precision codes are mapped onto the model's: ``where_prec`` (1 exact … 7 international
waters) onto ``geo_precision``, ``date_prec`` (1 day … 5 longer) onto ``time_precision``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

from conflictmap.attribution import DATASET_COLUMN
from conflictmap.categories import FALLBACK, CategoryRegistry
from conflictmap.countries import iso_a2
from conflictmap.errors import DataWarning, SchemaError, short_repr
from conflictmap.readers._text import csv_records
from conflictmap.validate import Origin, build_events, merge_columns

__all__ = ["UCDP_MARKERS", "read_ucdp"]

DATASET = "ucdp"  # its credit: data/attributions.yaml
UCDP_MARKERS = frozenset({"where_prec", "date_prec", "type_of_violence"})
WHERE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3, "6": 4, "7": 4}
DATE_PREC = {"1": 1, "2": 2, "3": 2, "4": 2, "5": 3}
VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}
_REQUIRED = (
    "id",
    "date_start",
    "type_of_violence",
    "latitude",
    "longitude",
    "where_prec",
    "date_prec",
    "country",
)
_ADMIN_SUFFIX = re.compile(r"\s+(governorate|province|district|region|state|muhafazah)$", re.I)


def read_ucdp(text: str, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a UCDP GED CSV file."""
    header, rows, labels = csv_records(text, path=path)
    origin = Origin(str(path), labels)
    ged = merge_columns(
        pd.DataFrame(rows, columns=header, dtype=object), [h.lower() for h in header], origin=origin
    )
    missing = [c for c in _REQUIRED if c not in ged.columns]
    if missing:
        msg = f"{path}: UCDP GED file lacks required column(s) {', '.join(missing)}"
        raise SchemaError(msg)
    raw = pd.DataFrame(
        {
            "event_id": "UCDP" + ged["id"].str.strip(),
            "event_date": ged["date_start"],
            "date_end": ged["date_end"].where(ged["date_end"] != ged["date_start"], "")
            if "date_end" in ged.columns
            else "",
            "time_precision": _coded(ged, "date_prec", DATE_PREC, origin),
            "geo_precision": _coded(ged, "where_prec", WHERE_PREC, origin),
            "category": ged["type_of_violence"].map(
                lambda v: registry.ucdp_type_of_violence.get(int(v), FALLBACK) if v.isdigit() else FALLBACK
            ),
            "sub_event_type": ged["type_of_violence"].map(VIOLENCE),
            "actor1": ged.get("side_a"),
            "actor2": ged.get("side_b"),
            "location": ged.get("where_coordinates"),
            "admin1": ged.get("adm_1", pd.Series("", index=ged.index)).str.replace(
                _ADMIN_SUFFIX, "", regex=True
            ),
            "country": _countries(ged, path),
            "latitude": ged["latitude"],
            "longitude": ged["longitude"],
            "notes": ged.apply(_notes, axis=1),
            "source": ged.get("source_office"),
            "fatalities": ged.get("best"),
            "conflict_name": ged.get("conflict_name"),
            DATASET_COLUMN: DATASET,  # maps credit UCDP GED for these rows (conflictmap.attribution)
        }
    )
    return build_events(raw, origin=origin, registry=registry)


def _coded(ged: pd.DataFrame, column: str, table: dict[str, int], origin: Origin) -> pd.Series:
    codes = ged[column].str.strip()
    mapped = codes.map(table)
    bad = mapped.isna() & (codes != "")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise origin.fail(i, column, codes.iloc[i], f"allowed codes: {', '.join(table)}")
    return mapped


def _countries(ged: pd.DataFrame, path: Path) -> pd.Series:
    codes = ged["country"].map(lambda v: iso_a2(v) if v else None)
    unknown = codes.isna() & (ged["country"] != "")
    if unknown.any():
        names = sorted(set(ged.loc[unknown, "country"]))
        warnings.warn(
            f"{path}: {int(unknown.sum())} events in countries without an ISO code "
            f"({', '.join(short_repr(n, limit=40) for n in names[:5])}) keep an empty country",
            DataWarning,
            stacklevel=3,
        )
    return codes


def _notes(row: pd.Series) -> str:
    parts = [row.get("dyad_name", "")]
    best = row.get("best", "")
    if best:
        parts.append(f"{best} deaths (low {row.get('low', '?')}, high {row.get('high', '?')})")
    parts.append(row.get("where_description", ""))
    if row.get("source_headline"):
        parts.append(f"Headline: {row['source_headline']}")
    return "; ".join(p for p in parts if p)
