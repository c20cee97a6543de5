"""Class breaks and a sequential, colour-blind-safe palette for counts (pure, no folium).

Counts are small integers, so the classes are whole numbers: every distinct count its own
class when there are at most five, else quantile classes of the counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MAX_CLASSES", "YLORRD", "ZERO_COLOR", "class_breaks", "class_colors", "class_labels"]

MAX_CLASSES = 5
# ColorBrewer YlOrRd (Cynthia Brewer, Apache 2.0), the sequential scheme per number of classes;
# all are colour-blind safe.
YLORRD: dict[int, tuple[str, ...]] = {
    1: ("#fd8d3c",),
    2: ("#feb24c", "#f03b20"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
}
ZERO_COLOR = "#e6e6e6"  # neutral: a unit without events


def class_breaks(counts: Sequence[int] | np.ndarray, *, classes: int = MAX_CLASSES) -> list[int]:
    """Return the inclusive upper bound of each class.

    Parameters
    ----------
    counts
        Positive integer counts (zeros are ignored).
    classes
        Largest number of classes, 1 to 5.

    Returns
    -------
    list of int
        Strictly increasing; the last is the largest count. Empty when there are no counts.

    Examples
    --------
    >>> class_breaks([1, 1, 2, 7])
    [1, 2, 7]
    >>> class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    [2, 4, 6, 8, 10]
    """
    if not 1 <= classes <= MAX_CLASSES:
        msg = f"classes must be between 1 and {MAX_CLASSES}, not {classes}"
        raise ValueError(msg)
    values = np.asarray(counts, dtype=np.int64)
    values = np.sort(values[values > 0])
    distinct = np.unique(values)
    if len(distinct) <= classes:
        return distinct.tolist()
    quantiles = np.quantile(values, np.arange(1, classes + 1) / classes, method="inverted_cdf")
    return np.unique(quantiles.astype(np.int64)).tolist()


def class_colors(n: int) -> list[str]:
    """Return the YlOrRd colours for `n` classes (0 to 5), light to dark."""
    if n == 0:
        return []
    if n not in YLORRD:
        msg = f"no palette for {n} classes; at most {MAX_CLASSES}"
        raise ValueError(msg)
    return list(YLORRD[n])


def class_labels(breaks: Sequence[int]) -> list[str]:
    """Return a label per class: ``"3"``, or a range such as 3 to 5 joined by an en dash.

    The first class starts at 1; each next class starts one above the previous upper bound.
    """
    labels, low = [], 1
    for high in breaks:
        labels.append(str(high) if high == low else f"{low}\N{EN DASH}{high}")
        low = high + 1
    return labels
