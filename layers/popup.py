"""What an event's popup and tooltip say, as plain text.

The browser puts these strings into the page with ``textContent`` (see ``events.js``), never as
HTML, and the JSON that carries them escapes ``<``, ``>`` and ``&``; so notes, actors and places
from untrusted reports cannot inject markup or script.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from layers.styles import PRECISION_WORDS, TIME_PRECISION_WORDS

__all__ = ["describe_when", "popup_record", "safe_url"]


def safe_url(url: object) -> str | None:
    """Return the URL if it is an absolute http or https URL, else None."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    parts = urlsplit(text)
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def describe_when(start: pd.Timestamp, end: pd.Timestamp | None, time_precision: int) -> str:
    """Describe an event's date in words: ``7 Jan 2026``, ``since Dec 2024 (to 7 Jan 2026)``."""

    def day(stamp: pd.Timestamp) -> str:
        return f"{stamp.day} {stamp:%b %Y}"

    if end is None or pd.isna(end) or end == start:
        if time_precision == 3:
            return (
                f"{start:%Y} (year)"
                if start.month == 1 and start.day == 1
                else f"around {day(start)} (longer period)"
            )
        if time_precision == 2:
            return f"{start:%B %Y}" if start.day == 1 else f"week of {day(start)}"
        return day(start)
    if time_precision == 3:
        return f"since {start:%B %Y} (to {day(end)})"
    return f"{day(start)} – {day(end)}"


def popup_record(row: pd.Series, *, label: str) -> dict[str, Any]:
    """Return the fields an event's popup shows, as plain strings (None when absent)."""
    place = ", ".join(
        str(v) for v in (row["location"], row["admin1"], row["country"]) if isinstance(v, str) and v
    )
    actors = " — ".join(str(v) for v in (row["actor1"], row["actor2"]) if isinstance(v, str))
    precision = row["geo_precision"]
    fatalities = row["fatalities"]
    return {
        "title": label,
        "kind": _text(row["sub_event_type"]),
        "when": describe_when(row["event_date"], row["date_end"], int(row["time_precision"])),
        "place": place or None,
        "precision": None if pd.isna(precision) else f"{PRECISION_WORDS[int(precision)]} ({int(precision)})",
        "time_precision": TIME_PRECISION_WORDS[int(row["time_precision"])],
        "actors": actors or None,
        "notes": _text(row["notes"]),
        "fatalities": None if pd.isna(fatalities) else str(int(fatalities)),
        "source": _text(row["source"]),
        "url": safe_url(row["source_url"]),
        "id": str(row["event_id"]),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
