"""The one error hierarchy of conflictmap.

Every error derives from :class:`MapperError` and from the builtin it resembles, so callers
can catch either. The CLI turns any :class:`MapperError` into a message and exit code 2.
"""

from __future__ import annotations

import reprlib

__all__ = [
    "ConfigurationError",
    "CrsError",
    "DataWarning",
    "ExportError",
    "GeocodingError",
    "InputError",
    "MapperError",
    "RecordErrors",
    "RegionNotFound",
    "Reprojected",
    "SchemaError",
    "short_repr",
]


class MapperError(Exception):
    """Root of all conflictmap errors."""


class ConfigurationError(MapperError, ValueError):
    """An option or a configuration file has a value that is not allowed."""


class InputError(MapperError, OSError):
    """An input file is missing, unreadable, empty or in an unknown format."""


class SchemaError(MapperError, ValueError):
    """A record does not fit the event model.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    path
        The input file, when known.
    row
        Human-facing location of the record: ``"line 4"``, ``"row 3"`` or ``"feature 7"``.
    field
        The offending field.
    value
        The offending value.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: str | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.path = path
        self.row = row
        self.field = field
        self.value = value
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = ": ".join(part for part in (self.path, self.row) if part)
        what = f"field {short_repr(self.field)}" if self.field else ""
        if self.field and self.value is not None:
            what += f" = {short_repr(self.value)}"
        head = ": ".join(part for part in (where, what) if part)
        return f"{head}: {self.reason}" if head else self.reason

    def located(self, *, path: str | None = None, row: str | None = None) -> SchemaError:
        """Return a copy of this error that names the file and the row."""
        return SchemaError(
            self.reason,
            path=path or self.path,
            row=row or self.row,
            field=self.field,
            value=self.value,
        )


class RecordErrors(SchemaError):
    """Several records do not fit the event model: every problem of a validation, at once.

    The attributes of :class:`SchemaError` (``path``, ``row``, ``field``, ``value``, ``reason``)
    are those of the first problem, so that code written for one error keeps working; the
    message starts with the first problem's and lists the others, one a line.

    Parameters
    ----------
    problems
        The problems listed, in file and row order (at most :data:`MAX_LISTED` are kept).
    total
        How many problems were found in all (``total - len(problems)`` are not listed).
    """

    MAX_LISTED = 50

    def __init__(self, problems: list[SchemaError], *, total: int | None = None) -> None:
        if not problems:
            raise ValueError("RecordErrors needs at least one problem")
        self.problems = problems[: self.MAX_LISTED]
        self.total = max(total if total is not None else len(problems), len(self.problems))
        first = self.problems[0]
        super().__init__(first.reason, path=first.path, row=first.row, field=first.field, value=first.value)

    def _format(self) -> str:
        lines = [SchemaError._format(problem) for problem in getattr(self, "problems", [])] or [
            super()._format()
        ]
        if len(lines) == 1 and self.total == 1:
            return lines[0]
        rest = self.total - len(lines)
        if rest:
            lines.append(f"... and {rest} more ({self.total} problems in all)")
        else:
            lines.append(f"({self.total} problems in all)")
        return "\n".join(lines)

    def located(self, *, path: str | None = None, row: str | None = None) -> SchemaError:
        """Return a copy whose first problem names the file and the row (see :meth:`SchemaError.located`)."""
        first = self.problems[0].located(path=path, row=row)
        return RecordErrors([first, *self.problems[1:]], total=self.total)


class CrsError(SchemaError):
    """Coordinates whose reference system is unknown and that are not longitude/latitude degrees.

    Raised for a GeoDataFrame with no CRS whose coordinates fall outside -180..180 / -90..90
    (metres of a projected CRS, most likely), and for one whose CRS cannot be turned into
    EPSG:4326; never guessed.
    """


class GeocodingError(MapperError):
    """A place name could not be turned into a geometry."""


class RegionNotFound(MapperError, LookupError):
    """A region name is not known."""


class ExportError(MapperError, OSError):
    """An output file could not be written."""


def short_repr(value: object, *, limit: int = 80) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, for quoting a value in a message.

    Values come from input files and options: a 10 MB field or a list of a million items must
    not become a message of that size, nor cost that much memory to format (``reprlib`` stops
    at the first items of a container and the first characters of a string).

    Parameters
    ----------
    value
        Any value.
    limit
        Most characters returned.

    Returns
    -------
    str

    Examples
    --------
    >>> short_repr("Daraa")
    "'Daraa'"
    >>> short_repr("x" * 1000, limit=12)
    "'xxxxxxxx..."
    >>> short_repr(list(range(10**6)), limit=40)
    '[0, 1, 2, 3, 4, 5, 6, 7, ...]'
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: max(limit - 3, 1)] + "..."


_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = 400
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = 8
_REPR.maxdict = _REPR.maxarray = 8
_REPR.maxlong = 100


class DataWarning(UserWarning):
    """A recoverable oddity in the input (an unknown category, a dropped duplicate, ...).

    Each is issued once per kind and file, with a count, so nothing changes silently.
    """


class Reprojected(DataWarning):
    """Coordinates were turned from another CRS into EPSG:4326 (longitude/latitude) as read.

    Not a problem, a notice: the CLI prints it as a note of the run summary.
    """
