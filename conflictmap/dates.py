"""Parsing of event dates in the styles event data comes in.

ISO 8601 (``2024-12-08``, ``2024-12``, ``2024``, with or without a time) everywhere; ACLED's
export styles (``9-May-20``, ``09 May 2020``) where an ACLED file is read.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

__all__ = ["ACLED_STYLES", "DATE_DTYPE", "ISO_STYLES", "YEARS", "format_date", "parse_dates"]

DATE_DTYPE = "datetime64[us]"
# The years a date may have: ISO 8601 writes four digits, and the readers take no other.
# datetime64[us] holds them all (it reaches some 290,000 years either side of 1970).
YEARS = (1, 9999)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ISO_YEAR = re.compile(r"^\d{4}$")
ISO_STYLES = ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]", "YYYY-MM", "YYYY")
ACLED_STYLES = ("9-May-20", "09 May 2020", "09-May-2020")
_ACLED_FORMATS = ("%d-%b-%y", "%d %B %Y", "%d-%b-%Y", "%d %b %Y", "%d-%B-%Y")


def _as_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def parse_dates(values: pd.Series, *, acled: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates.

    Parameters
    ----------
    values
        Strings, dates or timestamps; empty cells stay missing.
    acled
        Also accept ACLED's export styles.

    Returns
    -------
    dates : pandas.Series
        ``datetime64[us]``, naive UTC; NaT where the cell is empty or could not be parsed.
    granularity : pandas.Series
        The time precision the text itself implies (1 day, 2 month, 3 year), ``<NA>`` when empty.
        A caller tells "empty" from "unparseable" by comparing with the input.
    """
    text = values.map(_as_text, na_action=None).astype(object)
    out = pd.Series(pd.NaT, index=values.index, dtype=DATE_DTYPE)
    granularity = pd.Series(pd.NA, index=values.index, dtype="Int8")
    present = text.notna()
    for pattern, suffix, level in ((_ISO_DAY, "", 1), (_ISO_MONTH, "-01", 2), (_ISO_YEAR, "-01-01", 3)):
        mask = present & text.str.match(pattern).fillna(False).astype(bool) & out.isna()
        if mask.any():
            parsed = pd.to_datetime(text[mask] + suffix, format="ISO8601", utc=True, errors="coerce")
            out[mask] = parsed.dt.tz_convert(None).astype(DATE_DTYPE)
            granularity[mask & parsed.reindex(values.index).notna()] = level
    if acled:
        for fmt in _ACLED_FORMATS:
            mask = present & out.isna()
            if not mask.any():
                break
            parsed = pd.to_datetime(text[mask], format=fmt, errors="coerce")
            out[mask] = parsed.astype(DATE_DTYPE)
            granularity[mask & parsed.reindex(values.index).notna()] = 1
    return out, granularity


def format_date(value: pd.Timestamp) -> str | None:
    """Write a date as ISO 8601: the day alone at midnight, else the full date and time.

    The year always has four digits (``0999-01-01``): ``strftime("%Y")`` does not pad years
    before 1000 on every platform, and the readers accept only four-digit years.
    """
    if pd.isna(value):
        return None
    if value == value.normalize():
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return value.isoformat()
