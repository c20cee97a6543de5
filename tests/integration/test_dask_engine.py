"""The Dask engine on a small partitioned dataset with a 2-worker LocalCluster (threads, quick)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from conflictmap import read_events
from conflictmap.aggregate import aggregate_events
from conflictmap.counts_io import read_counts, write_counts
from conflictmap.engines.dask import PartitionFilters, count_dataset, filter_dataset
from conflictmap.filters import filter_events
from conflictmap.partition import dataset_files, write_partitioned
from conflictmap.pipeline import load_events
from geo.filters import SpatialFilter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from synthetic_events import synthetic_events  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        # The dashboard on any free port, as the engine does: with `None` (meaning :8787) two test
        # processes each starting a cluster raced for the port, a warning the suite treats as an error.
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def events():
    """3,000 events; 40 of them only named (no geometry), to be located from the gazetteer."""
    ev = synthetic_events(3000, seed=3)
    rows = np.arange(0, 3000, 75)
    ev.loc[rows, "geometry"] = None
    ev.loc[rows, "located"] = False
    ev.loc[rows, ["admin1", "country", "place_name"]] = None
    ev.loc[rows, "location"] = np.where(rows % 2, "Sweida", "Aleppo")
    return ev


@pytest.fixture(scope="module")
def dataset(events, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ds") / "events"
    write_partitioned(events, folder, by="year", rows=700)
    return folder


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["event_id"])


def test_partition_round_trip_keeps_every_event(events, dataset):
    files = dataset_files([dataset])
    assert len(files) >= 5  # 3 years of events, at most 700 per file
    back = pd.concat([read_events(f) for f in files], ignore_index=True)
    assert _ids(back) == _ids(events)
    merged = back.set_index("event_id").loc[events["event_id"]]
    assert (merged["fatalities"].to_numpy() == events["fatalities"].to_numpy()).all()
    assert (merged["event_date"].to_numpy() == events["event_date"].to_numpy()).all()
    same = merged.geometry.reset_index(drop=True).geom_equals(events.geometry.reset_index(drop=True))
    assert (same | events.geometry.isna().to_numpy()).all()
    # Sorted along the Hilbert curve inside each file; undated or unlocated events last.
    first = gpd.read_parquet(files[0])
    assert first.geometry.isna().to_numpy()[-1] or not first.geometry.isna().any()


def test_partition_refuses_a_directory_that_is_not_empty(events, tmp_path):
    from conflictmap.errors import ExportError

    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ExportError, match="not empty"):
        write_partitioned(events.head(10), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    "spatial, since, categories",
    [
        (dict(region="southern Syria"), None, ()),
        (dict(bbox="36,33,38,35"), "2025-06", ("Incursions",)),
        (dict(near="Sweida", km=30.0), None, ()),
        ({}, "2026-01-15", ()),
    ],
)
def test_filter_engine_dask_keeps_what_the_memory_filter_keeps(
    events, dataset, client, tmp_path, spatial, since, categories
):
    built = SpatialFilter.build(**spatial)
    filters = PartitionFilters(since=since, categories=categories, spatial=built)
    summaries, _ = filter_dataset(dataset_files([dataset]), tmp_path / "out", filters=filters, client=client)
    kept = pd.concat([read_events(f) for f in dataset_files([tmp_path / "out"])], ignore_index=True)
    expected, _ = load_events([_one_file(events, tmp_path)], plan=filters.plan())
    assert _ids(kept) == _ids(expected)
    assert sum(s.kept for s in summaries) == len(expected)
    assert sum(s.rows for s in summaries) == len(events)
    if spatial.get("region"):
        assert 0 < len(expected) < len(events) and (~expected["located"]).sum() == 0
        # The named-only events in Sweida are located, then kept: the bbox read did not skip them.
        assert (kept["location"] == "Sweida").sum() == 20


def _one_file(events: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "all.parquet"
    events.to_parquet(path)
    return path


def test_filter_engine_dask_writes_one_file_for_a_file_name(events, dataset, client, tmp_path):
    filters = PartitionFilters(spatial=SpatialFilter.build(region="SY-QU"))
    out = tmp_path / "quneitra.geojson"
    filter_dataset(dataset_files([dataset]), out, filters=filters, client=client)
    got = read_events(out)
    expected = filter_events(events, since=None)[SpatialFilter.build(region="SY-QU").mask(events)]
    assert _ids(got) == _ids(expected) and len(got) > 0
    assert [p.name for p in tmp_path.iterdir()] == ["quneitra.geojson"]  # no staging left behind


@pytest.mark.parametrize(
    "by, every", [("admin1", "month"), ("country", "year"), ("hex:5", "week"), ("admin1", None)]
)
def test_aggregate_engine_dask_equals_memory_counts(events, dataset, client, by, every):
    _, counts = count_dataset(
        dataset_files([dataset]), by=by, every=every, filters=PartitionFilters(), client=client
    )
    located, _ = load_events([d for d in dataset_files([dataset])])
    memory = aggregate_events(located, by=by, every=every)
    pd.testing.assert_frame_equal(counts.table, memory.table)
    assert counts.uncounted == memory.uncounted
    assert counts.events + sum(counts.uncounted.values()) == len(events)


def test_aggregate_counts_by_admin1_and_month_by_hand():
    ev = synthetic_events(200, seed=5, areas=False)
    counts = aggregate_events(ev, by="admin1", every="month").table
    from layers.choropleth import event_units

    units = event_units(ev)["region_id"]
    month = ev["event_date"].dt.to_period("M").dt.start_time
    first = counts.iloc[0]
    mask = (units == first["unit"]) & (month == first["period"])
    assert first["events"] == mask.sum()
    assert first["fatalities"] == ev.loc[mask, "fatalities"].sum()
    assert counts["events"].sum() == units.notna().sum()


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".geojson"])
def test_counts_round_trip(tmp_path, suffix):
    ev = synthetic_events(300, seed=9, areas=False)
    counts = aggregate_events(ev, by="hex:4", every="month")
    path = tmp_path / f"counts{suffix}"
    write_counts(counts, path)
    if suffix == ".geojson":
        back = gpd.read_file(path)
        assert back["events"].sum() == counts.events and back.geometry.geom_type.eq("Polygon").all()
        return
    back = read_counts(path)
    assert back.by == "hex:4"
    pd.testing.assert_frame_equal(
        back.table[["unit", "period", "events", "fatalities"]].astype({"period": "datetime64[us]"}),
        counts.table[["unit", "period", "events", "fatalities"]].astype({"period": "datetime64[us]"}),
    )


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    code = "from conflictmap.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=240, check=False
    )


def test_cli_filter_and_aggregate_with_engine_dask(events, dataset, tmp_path):
    res = _cli(
        "filter",
        str(dataset),
        "--engine",
        "dask",
        "--workers",
        "2",
        "--region",
        "SY-DR",
        "-o",
        "dr.parquet",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    expected = events[SpatialFilter.build(region="SY-DR").mask(events)]
    assert _ids(read_events(tmp_path / "dr.parquet")) == _ids(expected)
    assert f"written {len(expected)}" in res.stderr
    res = _cli(
        "aggregate",
        f"{dataset}/*.parquet",
        "--engine",
        "dask",
        "--workers",
        "2",
        "--by",
        "country",
        "-o",
        "c.csv",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "c.csv")
    assert table.loc[table["unit"] == "SY", "events"].item() == len(events)


def test_cli_engine_dask_bad_input_exits_2(tmp_path):
    (tmp_path / "empty").mkdir()
    res = _cli("filter", "empty", "--engine", "dask", "-o", "out", cwd=tmp_path)
    assert res.returncode == 2 and "no Parquet files" in res.stderr
    res = _cli("aggregate", "empty", "--by", "hex:99", "-o", "c.csv", cwd=tmp_path)
    assert res.returncode == 2 and "hex:RES" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
