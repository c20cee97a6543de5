"""How an event's popup says when it happened, and which source links it may show.

The browser puts these strings into the page with ``textContent`` (see ``events.js``), never as
HTML, and the JSON that carries them escapes ``<``, ``>`` and ``&``; so notes, actors and places
from untrusted reports cannot inject markup or script.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["describe_when", "safe_url", "safe_urls"]

# An absolute http(s) URL with a host: never javascript:, data: or a relative path.
_SAFE_URL = r"(?i)^https?://[^/?#\s]+"


def safe_url(url: object) -> str | None:
    """Return the URL if it is an absolute http or https URL, else None."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    return text if re.match(_SAFE_URL, text) else None


def safe_urls(urls: pd.Series) -> pd.Series:
    """:func:`safe_url` over a column, vectorised; None where a URL is not safe."""
    text = urls.astype("string").str.strip()
    return (
        text.where(text.str.match(_SAFE_URL).fillna(False).astype(bool))
        .astype(object)
        .where(text.notna(), None)
    )


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
