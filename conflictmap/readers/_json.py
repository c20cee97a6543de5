"""Parsing JSON input, with errors that say where the input is wrong, never a crash."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conflictmap.errors import InputError, SchemaError

__all__ = ["parse_json"]

# Nesting beyond this is reported where it starts when the parser runs out of stack.
_DEEP = 500
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class _LongInteger(str):
    """The digits of an integer longer than Python converts (``sys.get_int_max_str_digits``)."""

    __slots__ = ()


def parse_json(text: str, *, path: Path) -> Any:
    """Parse JSON text.

    Raises
    ------
    InputError
        The text is not JSON (naming line and column), or is nested too deeply to parse.
    SchemaError
        An integer is longer than Python converts (4300 digits, a guard against slow
        conversions): the error names the record, the field and the digits.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"{path}: line {err.lineno} column {err.colno}: not valid JSON: {err.msg}"
        raise InputError(msg) from err
    except ValueError:
        long = _find_long_integer(json.loads(text, parse_int=_int_or_digits))
        if long is None:  # not the integer limit after all
            raise
        row, field, digits = long
        msg = f"an integer of {len(digits)} digits, longer than can be read; write it as text if it is one"
        raise SchemaError(msg, path=str(path), row=row, field=field, value=digits) from None
    except RecursionError as err:
        msg = f"{path}: {_where_deep(text)}arrays or objects nested too deeply to read (over {_DEEP} levels)"
        raise InputError(msg) from err


def _int_or_digits(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:
        return _LongInteger(digits)


def _find_long_integer(doc: Any) -> tuple[str | None, str | None, str] | None:
    """Locate the first over-long integer: (record, field, digits), in document order."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), doc)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, _LongInteger):
            return (*_record_and_field(where), str(value))
        if isinstance(value, dict):
            stack.extend(reversed([((*where, str(k)), v) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([((*where, i), v) for i, v in enumerate(value)]))
    return None


def _record_and_field(where: tuple[str | int, ...]) -> tuple[str | None, str | None]:
    """Name a place in the document as the readers do: ``features[2]`` and ``fatalities``."""
    for i, part in enumerate(where):
        if isinstance(part, int):
            container = "".join(str(p) for p in where[:i]) or "events"
            rest = [p for p in where[i + 1 :] if p != "properties"]
            return f"{container}[{part}]", (str(rest[0]) if rest else None)
    return None, (str(where[0]) if where else None)


def _where_deep(text: str) -> str:
    """Return ``"line L column C: "`` where nesting first passes :data:`_DEEP` levels, or ``""``."""
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > _DEEP:
                start = match.start()
                line = text.count("\n", 0, start) + 1
                column = start - text.rfind("\n", 0, start)
                return f"line {line} column {column}: "
        elif token in "]}":
            depth -= 1
    return ""
