"""The shipped regions in a binary cache file: properties as JSON, polygons as WKB.

``regions.geojson`` is the source (built by ``scripts/build_gazetteer.py``, readable by any GIS),
but a slow one to start from: parsing its 2 MB of coordinates took 0.15-0.2 s of CPU, and building
the admin-1 polygons from them another 0.2 s, in every run that locates or filters events (a
tenth of a 1,000,000-event region filter, bench/region_filter.py). GEOS reads the same polygons
from WKB in a few milliseconds. The cache is made from the GeoJSON on first use and named by the
fingerprint of the GeoJSON and of this module, so a stale file is never read.

The cache folder is writable by anything the user runs, so the file is read as untrusted input:
a fixed magic line, then one line of JSON (never pickle) holding the fingerprint, each region's
properties, the offsets of its WKB and a CRC-32 of the WKB bytes, then those bytes. A file that
fails any check (absent, truncated, corrupted, from another build) is ignored with a debug log
and made again; WKB that GEOS refuses is caught the same way when the polygons are read.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conflictmap.errors import short_repr
from geo.cache import replace_atomically

__all__ = ["cache_file", "load_regions", "save_regions"]

_logger = logging.getLogger(__name__)

MAGIC = b"conflictmap-regions 1\n"

Record = tuple[dict[str, Any], bytes]  # a region's GeoJSON properties and its polygon as WKB


def fingerprint(source: Path) -> str:
    """Fingerprint of the GeoJSON and of the code that writes and reads the cache."""
    digest = hashlib.sha1(MAGIC)
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(source).read_bytes())
    return digest.hexdigest()[:16]


def cache_file(cache_dir: Path, *, source: Path) -> Path:
    """Where the cache of ``source`` lives in ``cache_dir`` (the name changes with its content)."""
    return Path(cache_dir) / f"regions-{fingerprint(source)}.wkb"


def save_regions(path: Path, records: Sequence[Record]) -> None:
    """Write the regions to ``path`` atomically (a temporary file renamed over it).

    Parameters
    ----------
    path
        The cache file (see :func:`cache_file`); its folder is created when missing.
    records
        Each region's properties (JSON-serialisable) and WKB.

    Raises
    ------
    OSError
        The folder or the file cannot be written.
    """
    blob = b"".join(wkb for _, wkb in records)
    offsets = [0]
    for _, wkb in records:
        offsets.append(offsets[-1] + len(wkb))
    header = {
        "fingerprint": path.stem.removeprefix("regions-"),
        "properties": [props for props, _ in records],
        "offsets": offsets,
        "crc32": zlib.crc32(blob),
    }
    line = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
    replace_atomically(path, lambda fh: fh.write(MAGIC + line + blob), prefix=".regions-")


def load_regions(path: Path) -> list[Record] | None:
    """Read the regions written by :func:`save_regions`; ``None`` when the file is absent or unusable.

    The WKB is checked against its CRC-32 here, and parsed by GEOS only when a polygon is used.
    """
    try:
        return _load(path)
    except FileNotFoundError:
        _logger.debug("no regions cache at %s; making it", path)
    # A cache: whatever a damaged or foreign file makes json or the checks raise means "make it again".
    except Exception as err:
        reason = f"{type(err).__name__}: {short_repr(str(err), limit=200)}"
        _logger.debug("regions cache %s is unusable (%s); making it again", path, reason)
    return None


def _load(path: Path) -> list[Record]:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValueError("not a regions cache (magic line)")
    end = data.index(b"\n", len(MAGIC))
    header = json.loads(data[len(MAGIC) : end])
    blob = memoryview(data)[end + 1 :]
    props, offsets = header["properties"], header["offsets"]
    if header["fingerprint"] != path.stem.removeprefix("regions-"):
        raise ValueError("made from another regions file")
    if not (isinstance(props, list) and isinstance(offsets, list) and len(offsets) == len(props) + 1):
        raise ValueError("properties and offsets do not match")
    if offsets[0] != 0 or offsets[-1] != len(blob) or any(b < a for a, b in itertools.pairwise(offsets)):
        raise ValueError("offsets outside the WKB bytes")
    if zlib.crc32(blob) != header["crc32"]:
        raise ValueError("CRC-32 of the WKB bytes differs")
    if not all(isinstance(p, dict) for p in props):
        raise ValueError("properties are not objects")
    return [(p, bytes(blob[a:b])) for p, (a, b) in zip(props, itertools.pairwise(offsets), strict=True)]
