"""Blocks of validated events stacked into one collection: text columns as one contiguous array."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from conflictmap.validate import _stacked


def _block(start: int, n: int) -> gpd.GeoDataFrame:
    ids = [f"e{i}" for i in range(start, start + n)]
    return gpd.GeoDataFrame(
        {
            "event_id": pd.Series(ids, dtype="str"),
            "notes": pd.Series(
                [None if i % 3 else f"note {i} – ḥ" for i in range(start, start + n)], dtype="str"
            ),
            "fatalities": pd.Series(range(n), dtype="Int64"),
        },
        geometry=shapely.points(np.arange(n, dtype=float), np.zeros(n)),
        crs=4326,
    )


def test_text_columns_come_out_in_one_chunk_with_the_same_values() -> None:
    blocks = [_block(0, 5), _block(5, 7), _block(12, 1)]
    expected = pd.concat([b.copy() for b in blocks], ignore_index=True)
    got = _stacked(blocks)
    for name in ("event_id", "notes"):
        assert got[name].dtype == expected[name].dtype
        arrow = pa.array(got[name].array)
        assert not isinstance(arrow, pa.ChunkedArray) or arrow.num_chunks == 1
        assert got[name].tolist() == expected[name].tolist()
    assert got["notes"].isna().tolist() == [bool(i % 3) for i in range(13)]
    assert got["fatalities"].tolist() == expected["fatalities"].tolist()
    assert got.geometry.equals(expected.geometry)
    assert list(got.index) == list(range(13))
