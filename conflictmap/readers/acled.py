"""Reader for ACLED CSV exports.

ACLED's columns are the model's own names for most fields; event types are mapped onto
categories by the rules in the category registry (``acled:`` in ``data/categories.yaml``).
"""

from __future__ import annotations

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

__all__ = ["ACLED_MARKERS", "read_acled"]

DATASET = "acled"  # its credit: data/attributions.yaml
ACLED_MARKERS = frozenset({"event_id_cnty", "event_type", "sub_event_type"})
_KEPT = (
    "event_id",
    "event_date",
    "time_precision",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "admin1",
    "latitude",
    "longitude",
    "geo_precision",
    "notes",
    "source",
    "fatalities",
)
_EXTRAS = ("event_type", "admin2", "admin3", "assoc_actor_1", "assoc_actor_2")
_REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude")


def read_acled(text: str, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read an ACLED export.

    ``event_id_cnty`` becomes ``event_id``; the country comes from ``iso3`` (or ``iso``/
    ``country``); dates may be in either ACLED export style or ISO 8601.
    """
    header, rows, labels = csv_records(text, path=path)
    origin = Origin(str(path), labels, acled_dates=True)
    acled = merge_columns(
        pd.DataFrame(rows, columns=header, dtype=object), [h.lower() for h in header], origin=origin
    )
    missing = [c for c in _REQUIRED if c not in acled.columns]
    if missing:
        msg = f"{path}: ACLED export lacks required column(s) {', '.join(missing)}"
        raise SchemaError(msg)
    acled = acled.rename(columns={"event_id": "_acled_numeric_id", "event_id_cnty": "event_id"})
    raw = acled[[c for c in _KEPT if c in acled.columns]].copy()
    raw["category"] = _categories(acled, registry, path)
    raw["country"] = _countries(acled)
    for name in _EXTRAS:
        if name in acled.columns:
            raw[name] = acled[name].replace("", None)
    raw[DATASET_COLUMN] = DATASET  # maps credit ACLED for these rows (conflictmap.attribution)
    return build_events(raw, origin=origin, registry=registry)


def _categories(acled: pd.DataFrame, registry: CategoryRegistry, path: Path) -> pd.Series:
    by_sub = acled["sub_event_type"].str.strip().map(registry.acled_sub_event_type)
    by_type = acled["event_type"].str.strip().map(registry.acled_event_type)
    category = by_sub.fillna(by_type)
    unmapped = category.isna()
    if unmapped.any():
        kinds = sorted(set(acled.loc[unmapped, "event_type"]))
        shown = ", ".join(short_repr(k, limit=40) for k in kinds[:5]) + (" ..." if len(kinds) > 5 else "")
        warnings.warn(
            f"{path}: {int(unmapped.sum())} ACLED events of unmapped event_type ({shown}) "
            f"became {FALLBACK!r}",
            DataWarning,
            stacklevel=3,
        )
    return category.fillna(FALLBACK)


def _countries(acled: pd.DataFrame) -> pd.Series:
    for column in ("iso3", "country"):
        if column in acled.columns:
            codes = acled[column].map(lambda v: iso_a2(v) if v else None)
            if codes.notna().any():
                return codes
    return pd.Series(None, index=acled.index, dtype=object)
