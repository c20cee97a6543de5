"""The gazetteer's name index on disk: NumPy arrays only, in a file that cannot run code.

The cache folder is writable by anything the user runs, so the file is read as untrusted
input. It is a row of NumPy ``.npy`` records (``numpy.lib.format``), each read with
``allow_pickle=False`` after its header was checked: the expected name, type (numbers or
UTF-8 bytes, never objects) and length, and no more bytes than the file holds. The first
record, a JSON header, names the fingerprint of the tables the index was built from and a
CRC-32 of every array. A file that fails any check (absent, truncated, corrupted, from
another build or another program) is reported as ``None`` with a debug log, and the caller
builds the index again.

Why this layout (measured on the shipped index, 78,000 places and 908,000 name keys):

- NumPy rather than Arrow or Parquet: NumPy is loaded anyway, while importing pyarrow alone
  costs about as much as loading the whole index.
- Records in one plain file rather than an ``.npz`` archive: ``np.load`` copies each member
  of a zip in chunks and checks its CRC in Python: 0.07-0.12 s for the 21 MB index, against
  0.02 s for ``np.fromfile`` on a plain file.
- Text columns as NUL-separated UTF-8 split by one ``str.split``; the columns with few
  distinct values (kind, country, admin-1, region, feature code) as codes into their
  distinct values, so that loading them builds a handful of strings instead of 78,000 each.

Loading takes about as long as unpickling the same data did.
"""

from __future__ import annotations

import json
import logging
import os
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy

from conflictmap.errors import short_repr
from geo.cache import replace_atomically

__all__ = ["FORMAT", "IndexData", "load_index", "save_index"]

FORMAT = "conflictmap-gazetteer-index/1"
TIERS = 3
# Columns whose values are mostly distinct, stored as they are ...
PLAIN_TEXT = ("place_id", "name", "names")
# ... and columns of few distinct values, stored as codes into those values.
CODED_TEXT = ("kind", "country", "admin1", "region", "feature")
NUMBERS = {"population": np.dtype(np.int64), "lat": np.dtype(np.float64), "lon": np.dtype(np.float64)}
_BYTES = np.dtype(np.uint8)
_CODES = np.dtype(np.uint32)
_SEPARATOR = "\0"
_MAX_HEADER = 1 << 16

_logger = logging.getLogger("conflictmap.geo.gazetteer")

# (columns, hashes per tier, refs per tier): text columns are lists of str, the others arrays.
IndexData = tuple[dict[str, Any], list[np.ndarray], list[np.ndarray]]


def _layout(rows: int, sizes: Mapping[str, int]) -> list[tuple[str, np.dtype, int | None]]:
    """Each stored array in file order: name, type and length (``None``: any length)."""
    layout: list[tuple[str, np.dtype, int | None]] = [(name, _BYTES, None) for name in PLAIN_TEXT]
    for name in CODED_TEXT:
        layout += [(f"{name}.values", _BYTES, None), (f"{name}.codes", _CODES, rows)]
    layout += [(name, dtype, rows) for name, dtype in NUMBERS.items()]
    for tier in range(TIERS):
        layout += [
            (f"hashes{tier}", np.dtype(np.uint64), None),
            (f"refs{tier}", np.dtype(np.uint32), sizes.get(f"hashes{tier}")),
        ]
    return layout


def save_index(path: Path, data: IndexData, *, fingerprint: str) -> None:
    """Write the index to ``path`` atomically (a temporary file renamed over it).

    Parameters
    ----------
    path
        The file; its folder is created when missing.
    data
        ``(columns, hashes, refs)`` as built by :class:`geo.gazetteer.Gazetteer`.
    fingerprint
        The fingerprint of the build inputs, checked again on load.

    Raises
    ------
    OSError
        The folder or the file cannot be written.
    ValueError
        A text value holds a NUL character (the separator of the stored text columns).
    """
    arrays = _to_arrays(data)
    rows = len(data[0]["place_id"])
    sizes = {name: array.size for name, array in arrays.items()}
    names = [name for name, _, _ in _layout(rows, sizes)]
    meta = {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "rows": rows,
        "arrays": names,
        "crc32": _checksum(arrays[name] for name in names),
    }
    header = np.frombuffer(json.dumps(meta).encode("utf-8"), _BYTES)

    def write(fh: BinaryIO) -> None:
        npy.write_array(fh, header, allow_pickle=False)
        for name in names:
            npy.write_array(fh, arrays[name], allow_pickle=False)

    replace_atomically(path, write, prefix=".gazetteer-")


def load_index(path: Path, *, fingerprint: str) -> IndexData | None:
    """Read an index written by :func:`save_index`; ``None`` when it is absent or unusable.

    Parameters
    ----------
    path
        The file.
    fingerprint
        The fingerprint of the current build inputs; a file made from other inputs is unusable.

    Returns
    -------
    tuple or None
        ``(columns, hashes, refs)``, or ``None`` (with the reason logged at debug level).
    """
    try:
        return _load(path, fingerprint)
    except FileNotFoundError:
        _logger.debug("no gazetteer index at %s; building it", path)
    # The file is a cache: whatever a damaged or foreign one makes NumPy or json raise
    # (OSError, ValueError, EOFError, MemoryError, RecursionError, ...) means "build it again".
    except Exception as err:
        reason = f"{type(err).__name__}: {short_repr(str(err), limit=200)}"
        _logger.debug("gazetteer index %s is unusable (%s); building it again", path, reason)
    return None


def _load(path: Path, fingerprint: str) -> IndexData:
    with path.open("rb") as fh:
        end = os.fstat(fh.fileno()).st_size
        meta = json.loads(_read(fh, end, "meta", _BYTES, None).tobytes())
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"not a gazetteer index: {short_repr(meta)}")
        if meta.get("fingerprint") != fingerprint:
            raise ValueError(f"built from other tables ({short_repr(meta.get('fingerprint'))})")
        rows = meta.get("rows")
        if type(rows) is not int or not 0 <= rows < 1 << 31:
            raise ValueError(f"row count {short_repr(rows)}")
        arrays: dict[str, np.ndarray] = {}
        sizes: dict[str, int] = {}
        for name, dtype, size in _layout(rows, sizes):
            arrays[name] = _read(fh, end, name, dtype, size)
            sizes[name] = arrays[name].size
        if fh.tell() != end:
            raise ValueError(f"{end - fh.tell()} bytes after the last array")
    if meta.get("arrays") != list(arrays) or meta.get("crc32") != _checksum(arrays.values()):
        raise ValueError("its content does not match its checksum")
    columns: dict[str, Any] = {name: _split(arrays[name], rows, name) for name in PLAIN_TEXT}
    for name in CODED_TEXT:
        values = _split(arrays[f"{name}.values"], None, name)
        codes = arrays[f"{name}.codes"]
        if rows and int(codes.max()) >= len(values):
            raise ValueError(f"a code of column {name!r} is past its values")
        columns[name] = np.array(values, dtype=object)[codes].tolist()
    columns.update({name: arrays[name] for name in NUMBERS})
    hashes = [arrays[f"hashes{tier}"] for tier in range(TIERS)]
    refs = [arrays[f"refs{tier}"] for tier in range(TIERS)]
    for tier_hashes, tier_refs in zip(hashes, refs, strict=True):
        # A lookup is a binary search over sorted hashes whose refs point at rows.
        if tier_hashes.size and bool(np.any(tier_hashes[1:] < tier_hashes[:-1])):
            raise ValueError("hashes are not sorted")
        if tier_refs.size and int(tier_refs.max()) >> 1 >= rows:
            raise ValueError("a reference points past the last row")
    return columns, hashes, refs


def _read(fh: BinaryIO, end: int, name: str, dtype: np.dtype, size: int | None) -> np.ndarray:
    """Read the next ``.npy`` record after checking its header against what is expected."""
    start = fh.tell()
    version = npy.read_magic(fh)
    if version == (1, 0):
        shape, fortran, found = npy.read_array_header_1_0(fh, max_header_size=_MAX_HEADER)
    else:
        shape, fortran, found = npy.read_array_header_2_0(fh, max_header_size=_MAX_HEADER)
    if found != dtype or len(shape) != 1 or fortran or (size is not None and shape[0] != size):
        raise ValueError(f"array {name!r} is {short_repr(found)}{list(shape)}, expected {dtype}")
    if shape[0] * dtype.itemsize > end - fh.tell():
        raise ValueError(f"array {name!r} runs past the end of the file")
    fh.seek(start)
    array = npy.read_array(fh, allow_pickle=False, max_header_size=_MAX_HEADER)
    if array.shape != shape:
        raise ValueError(f"array {name!r} is cut short")
    return array


def _split(blob: np.ndarray, rows: int | None, name: str) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    values = text.split(_SEPARATOR) if text or rows != 0 else []
    if rows is not None and len(values) != rows:
        raise ValueError(f"column {name!r} has {len(values)} values for {rows} rows")
    return values


def _joined(values: Sequence[str], name: str) -> np.ndarray:
    text = _SEPARATOR.join(values)
    if values and text.count(_SEPARATOR) != len(values) - 1:
        raise ValueError(f"a value of the gazetteer column {name!r} holds a NUL character")
    return np.frombuffer(text.encode("utf-8"), _BYTES)


def _to_arrays(data: IndexData) -> dict[str, np.ndarray]:
    columns, hashes, refs = data
    arrays = {name: _joined(columns[name], name) for name in PLAIN_TEXT}
    for name in CODED_TEXT:
        distinct: dict[str, int] = {}
        codes = [distinct.setdefault(value, len(distinct)) for value in columns[name]]
        arrays[f"{name}.values"] = _joined(list(distinct), name)
        arrays[f"{name}.codes"] = np.array(codes, dtype=_CODES)
    for name, dtype in NUMBERS.items():
        arrays[name] = np.ascontiguousarray(columns[name], dtype=dtype)
    for tier in range(TIERS):
        arrays[f"hashes{tier}"] = np.ascontiguousarray(hashes[tier], dtype=np.uint64)
        arrays[f"refs{tier}"] = np.ascontiguousarray(refs[tier], dtype=np.uint32)
    return arrays


def _checksum(arrays: Any) -> int:
    """CRC-32 over the arrays' bytes, in order (it catches damage, not tampering)."""
    crc = 0
    for array in arrays:
        crc = zlib.crc32(memoryview(np.ascontiguousarray(array)).cast("B"), crc)
    return crc
