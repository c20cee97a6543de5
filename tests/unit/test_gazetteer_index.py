"""The gazetteer index cache: NumPy records that cannot run code, rebuilt when damaged or foreign."""

from __future__ import annotations

import gzip
import json
import logging
import os
import pickle  # only to craft the hostile file the cache must never unpickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.resources import data_path
from geo import index_store
from geo.gazetteer import Gazetteer, index_file

HEADER = "place_id\tname\tkind\tcountry\tadmin1\tpopulation\tlat\tlon\tregion\tfeature\tnames\n"
ROWS = [
    "gn:170654\tDamascus\tpopulated place\tSY\tSY-DI\t1569394\t33.5102\t36.29128\t\tPPLC\tDimashq|دمشق\n",
    "gn:170903\tDaraa\tpopulated place\tSY\tSY-DR\t97969\t32.61889\t36.10213\t\tPPLA\tDar'a|Deraa\n",
    "gn:166000\tTell al-Hara\tmountain\tSY\tSY-DR\t0\t33.06\t35.98\t\t\t\n",
    "region:SY-DR\tDaraa Governorate\tadmin1\tSY\tSY-DR\t0\t32.8\t36.2\tSY-DR\t\tDar'a Governorate\n",
    "gn:2988507\tParis\tpopulated place\tFR\t\t2138551\t48.85341\t2.3488\t\tPPLC\tParís|Париж\n",
]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(HEADER + "".join(ROWS))
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def summary(gazetteer: Gazetteer) -> list:
    """What lookups see: every place, and the candidates of a few spellings."""
    places = [gazetteer.place(row) for row in range(len(gazetteer))]
    found = {
        name: sorted((p.place_id, tier) for p, tier in gazetteer.candidates(name, skeleton=True))
        for name in ("Damascus", "Dimashq", "Deraa", "Paris", "Париж", "Tell el Hara", "Nowhere")
    }
    return [places, found, gazetteer.names_of_place("gn:170903"), gazetteer.variant_hashes().tolist()]


def built_once(table: Path, cache: Path) -> tuple[Gazetteer, Path]:
    gazetteer = Gazetteer(table=table, cache_dir=cache)
    path = index_file(cache, table=table, curated=None)
    assert path.is_file()
    return gazetteer, path


def test_index_is_saved_and_loaded_without_building_again(table, cache, monkeypatch):
    first, path = built_once(table, cache)
    assert path.read_bytes()[:6] == b"\x93NUMPY"  # NumPy records, not a pickle
    monkeypatch.setattr(Gazetteer, "_build", lambda self: pytest.fail("the cached index was not used"))
    second = Gazetteer(table=table, cache_dir=cache)
    assert summary(second) == summary(first)
    assert summary(first)[1]["Deraa"] == [("gn:170903", 0)]
    assert summary(first)[1]["Nowhere"] == []


def test_the_shipped_index_survives_a_save_and_load(gazetteer_cache, tmp_path):
    tables = {"table": data_path("gazetteer.tsv.gz"), "curated": data_path("curated_places.yaml")}
    fingerprint = index_file(gazetteer_cache, **tables).name.split("-")[1].split(".")[0]
    loaded = index_store.load_index(index_file(gazetteer_cache, **tables), fingerprint=fingerprint)
    assert loaded is not None
    copy = tmp_path / "copy.index"
    index_store.save_index(copy, loaded, fingerprint=fingerprint)
    again = index_store.load_index(copy, fingerprint=fingerprint)
    assert again is not None
    (columns, hashes, refs), (columns2, hashes2, refs2) = loaded, again
    assert columns.keys() == columns2.keys()
    for name, values in columns.items():
        if isinstance(values, list):
            assert columns2[name] == values and type(columns2[name]) is list
        else:
            assert columns2[name].dtype == values.dtype and np.array_equal(columns2[name], values)
    for a, b in zip(hashes + refs, hashes2 + refs2, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert len(columns["place_id"]) > 50_000


class Boom:
    """Unpickling this runs os.mkdir: the hostile cache file of the issue."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def damaged_files(good: bytes, marker: Path) -> dict[str, bytes]:
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x40
    return {
        "empty": b"",
        "text": b"not an index at all\n" * 50,
        "truncated header": good[:40],
        "truncated half": good[: len(good) // 2],
        "truncated end": good[:-1],
        "trailing bytes": good + b"\0",
        "one bit flipped": bytes(flipped),
        "a pickle that runs code": pickle.dumps(Boom(marker)),
        "a pickled index": pickle.dumps(({"place_id": []}, [], [])),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "text",
        "truncated header",
        "truncated half",
        "truncated end",
        "trailing bytes",
        "one bit flipped",
        "a pickle that runs code",
        "a pickled index",
    ],
)
def test_a_damaged_or_hostile_index_is_built_again_silently(table, cache, tmp_path, caplog, kind):
    reference, path = built_once(table, cache)
    good = path.read_bytes()
    marker = tmp_path / "pwned"
    path.write_bytes(damaged_files(good, marker)[kind])
    with caplog.at_level(logging.DEBUG, logger="conflictmap.geo.gazetteer"):
        rebuilt = Gazetteer(table=table, cache_dir=cache)  # filterwarnings=error: no warning either
    assert not marker.exists()
    assert summary(rebuilt) == summary(reference)
    assert "is unusable" in caplog.text and "building it again" in caplog.text
    assert path.read_bytes() == good  # the damaged file was replaced by a good one


def write_records(path: Path, meta: dict, arrays: list[np.ndarray]) -> None:
    with path.open("wb") as fh:
        np.lib.format.write_array(fh, np.frombuffer(json.dumps(meta).encode(), np.uint8))
        for array in arrays:
            np.lib.format.write_array(fh, array, allow_pickle=True)


def test_foreign_and_crafted_records_are_refused(table, cache, caplog):
    reference, path = built_once(table, cache)
    good = index_store.load_index(path, fingerprint=reference.fingerprint)
    assert good is not None
    meta = {"format": index_store.FORMAT, "fingerprint": reference.fingerprint, "rows": 5}
    cases = {
        "another program's meta": ({"hello": "world"}, []),
        "another build": ({**meta, "fingerprint": "0123456789abcdef"}, []),
        "object array": (meta, [np.array(["a", None], dtype=object)]),
        "a wrong type": (meta, [np.zeros(3, dtype=np.float32)]),
        "a huge claimed length": (meta, []),
    }
    for name, (meta_of_case, arrays) in cases.items():
        write_records(path, meta_of_case, arrays)
        if name == "a huge claimed length":
            with path.open("ab") as fh:
                np.lib.format.write_array_header_1_0(
                    fh, {"descr": "|u1", "fortran_order": False, "shape": (1 << 40,)}
                )
        with caplog.at_level(logging.DEBUG, logger="conflictmap.geo.gazetteer"):
            caplog.clear()
            assert index_store.load_index(path, fingerprint=reference.fingerprint) is None, name
        assert "is unusable" in caplog.text, name
    # A good index of other tables, renamed to this fingerprint's file, is not used either.
    index_store.save_index(path, good, fingerprint="0123456789abcdef")
    assert index_store.load_index(path, fingerprint=reference.fingerprint) is None


def test_an_index_path_that_is_a_directory_costs_a_build_and_a_warning(table, cache):
    cache.mkdir()
    index_file(cache, table=table, curated=None).mkdir()
    with pytest.warns(Warning, match=r"cannot save the gazetteer index in .*cache.*CONFLICTMAP_CACHE_DIR"):
        gazetteer = Gazetteer(table=table, cache_dir=cache)
    assert gazetteer.get("gn:170654").name == "Damascus"


def test_a_cache_folder_that_is_a_file_costs_a_build_and_a_warning(table, tmp_path):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("I am a file")
    with pytest.warns(Warning, match="cannot save the gazetteer index") as caught:
        gazetteer = Gazetteer(table=table, cache_dir=not_a_folder)
    assert [type(w.message).__name__ for w in caught] == ["DataWarning"]
    assert gazetteer.get("gn:2988507").name == "Paris"
    assert not_a_folder.read_text() == "I am a file"


def test_no_temporary_file_is_left_when_saving_fails(table, cache, monkeypatch):
    cache.mkdir()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", fail)
    with pytest.warns(Warning, match="No space left on device"):
        Gazetteer(table=table, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_a_nul_in_a_name_keeps_the_index_in_memory(tmp_path):
    table = tmp_path / "nul.tsv.gz"
    with gzip.open(table, "wt", encoding="utf-8") as fh:
        fh.write(HEADER + ROWS[0].replace("Damascus", "Dama\0scus", 1))
    with pytest.warns(Warning, match="NUL character"):
        gazetteer = Gazetteer(table=table, cache_dir=tmp_path / "cache")
    assert gazetteer.get("gn:170654").name == "Dama\0scus"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_cut_or_changed_byte_loads_the_same_index_or_none(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    table = folder / "tiny.tsv.gz"
    with gzip.open(table, "wt", encoding="utf-8") as fh:
        fh.write(HEADER + "".join(ROWS))
    reference, path = built_once(table, folder)
    good = path.read_bytes()
    expected = index_store.load_index(path, fingerprint=reference.fingerprint)
    cut = data.draw(st.integers(0, len(good)), label="cut")
    changes = data.draw(st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), max_size=4))
    damaged = bytearray(good)
    for position, value in changes:
        damaged[position] = value
    path.write_bytes(bytes(damaged[:cut]) + data.draw(st.binary(max_size=40), label="tail"))
    loaded = index_store.load_index(path, fingerprint=reference.fingerprint)
    if loaded is not None:  # only when the damage left the arrays as they were
        assert summary_of(loaded) == summary_of(expected)
    shutil.rmtree(folder)


def summary_of(data: index_store.IndexData) -> list:
    columns, hashes, refs = data
    return [
        {k: (v if isinstance(v, list) else v.tolist()) for k, v in columns.items()},
        [h.tolist() for h in hashes],
        [r.tolist() for r in refs],
    ]
