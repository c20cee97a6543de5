"""Standard input as an events file: ``conflictmap map - -o m.html``, ``... | conflictmap export -``.

Standard input is read whole into a private temporary file, which then goes through the same
readers as any file (GeoPackage, Parquet and FlatGeobuf need a file that can be seeked, and the
text readers check a file's size, encoding and header before reading it). Messages and notices
name it ``standard input``, never the temporary file.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from conflictmap.errors import InputError, MapperError, SchemaError

__all__ = ["STDIN", "STDIN_NAME", "from_stdin", "sniff_suffix"]

STDIN = "-"
STDIN_NAME = "standard input"
T = TypeVar("T")

# The extension the temporary file gets for each --input-format (the readers take it from there).
_SUFFIXES = {
    "csv": ".csv",
    "acled": ".csv",
    "ucdp": ".csv",
    "yaml": ".yaml",
    "json": ".json",
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "parquet": ".parquet",
    "fgb": ".fgb",
    "shp": ".shp",
    "kml": ".kml",
    "article": ".txt",
}


def sniff_suffix(head: bytes) -> str:
    """Tell GeoJSON/JSON from CSV by the first bytes: ``{`` or ``[`` is JSON (GeoJSON is found inside)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return ".json" if text[:1] in (b"{", b"[") else ".csv"


def from_stdin(
    read: Callable[[Path, str | None], T], *, format: str | None, stream: BinaryIO | None = None
) -> T:
    """Read standard input with ``read(path, format)`` on a temporary copy of it.

    Parameters
    ----------
    read
        The reader, given the temporary file and the format.
    format
        The format (``--input-format``); by default GeoJSON or JSON when the data starts with
        ``{`` or ``[``, else CSV.
    stream
        What to read; ``sys.stdin.buffer`` by default.

    Raises
    ------
    InputError
        Standard input is a terminal (nothing piped in) or empty.
    MapperError
        The reader's errors, naming ``standard input`` in place of the temporary file.
    """
    if stream is None:
        if sys.stdin is None or sys.stdin.isatty():
            msg = "standard input (-): nothing is piped in; pipe events in or give a file"
            raise InputError(msg)
        stream = sys.stdin.buffer
    with tempfile.TemporaryDirectory(prefix="conflictmap-stdin-") as folder:
        head = stream.read(1 << 16)
        if not head:
            msg = f"{STDIN_NAME}: nothing was read (empty input)"
            raise InputError(msg)
        suffix = _SUFFIXES.get(format.lower(), ".txt") if format else sniff_suffix(head)
        path = Path(folder) / f"stdin{suffix}"
        with path.open("wb") as fh:
            fh.write(head)
            shutil.copyfileobj(stream, fh, 1 << 20)
        with _renamed(str(path)):
            return read(path, format)


@contextlib.contextmanager
def _renamed(temporary: str) -> Iterator[None]:
    """Name standard input, not ``temporary``, in the errors raised and the notices issued inside."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except MapperError as err:
            raise _relabelled(err, temporary) from err
        finally:
            for item in caught:
                warnings.warn_explicit(
                    str(item.message).replace(temporary, STDIN_NAME),
                    item.category,
                    item.filename,
                    item.lineno,
                )


def _relabelled(err: MapperError, temporary: str) -> MapperError:
    if isinstance(err, SchemaError):
        path = STDIN_NAME if err.path == temporary else err.path
        return type(err)(
            err.reason.replace(temporary, STDIN_NAME),
            path=path,
            row=err.row,
            field=err.field,
            value=err.value,
        )
    return type(err)(str(err).replace(temporary, STDIN_NAME))
