"""Output files written whole or not at all, together, and never onto an input.

Every output is written to a hidden temporary file beside its target (``.NAME.XXXXXXXX.EXT``)
and renamed onto the target only when it is complete, so a failed or interrupted write leaves
the old file as it was and no temporary file behind. :func:`atomic_outputs` groups several
outputs (a map and its GeoJSON, extracted events and their mentions): all are renamed into place
only when every one of them has been written, and a rename that fails puts back the files
already replaced. :func:`check_outputs` refuses, before anything is read, an output that is the
same file as an input or as another output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from conflictmap.errors import ConfigurationError, ExportError, MapperError

__all__ = ["OutputSet", "atomic_output", "atomic_outputs", "check_outputs", "is_stdout"]

# Files SQLite (GeoPackage) may create beside the one it writes.
_SIDECARS = ("-journal", "-wal", "-shm")
# Below this much free space a failed write is reported as the device being full: GDAL's
# GeoPackage driver does not always say so ("no such table: gpkg_contents" when the database
# could not even be created).
_LOW_SPACE = 1 << 20
_NO_SPACE_TEXTS = ("no space left", "disk is full", "disk quota")
_DETAIL_LIMIT = 200

_CURRENT: ContextVar[OutputSet | None] = ContextVar("conflictmap_outputs", default=None)


def is_stdout(path: str | Path | None) -> bool:
    """Whether ``path`` is ``-``, standard output."""
    return path is not None and str(path) == "-"


class OutputSet:
    """Outputs staged in temporary files, committed together.

    Use it through :func:`atomic_outputs`; :meth:`writing` stages one output.
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}  # target -> temporary file

    @contextlib.contextmanager
    def writing(self, path: Path) -> Iterator[Path]:
        """Yield the temporary path to write ``path`` to; it is committed with the other outputs.

        Raises
        ------
        ExportError
            When the target is a folder, its folder cannot be created, or the block fails with
            an ``OSError`` or a pyogrio error (disk full, no permission, ...); the message names
            ``path``, not the temporary file.
        """
        path = Path(path)
        tmp = self._stage(path)
        try:
            yield tmp
        except MapperError:
            raise
        except Exception as err:
            if not _is_write_error(err):
                raise
            raise _write_error(path, err) from err

    def _stage(self, path: Path) -> Path:
        if path in self._staged:
            msg = f"{path}: written twice in one run; give each output its own file"
            raise ExportError(msg)
        if path.is_dir():
            msg = f"{path}: is a directory; give a file name for the output"
            raise ExportError(msg)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._reserve(path)
        except OSError as err:
            msg = f"{path}: cannot write here: {err.strerror or err}"
            raise ExportError(msg) from err
        tmp.unlink()  # some writers (GPKG) refuse to open an existing file
        return tmp

    def _reserve(self, path: Path) -> Path:
        """Create a new empty file beside ``path`` whose name is recorded before it exists.

        Ctrl-C or SIGTERM may interrupt any line here: the name is in the group before the file
        is created, so :meth:`discard` removes whatever was made. Holding the signals around
        ``mkstemp`` is not enough: a signal the kernel hands to another thread (pyarrow's and
        GDAL's pools) still runs Python's handler in the main thread at once.
        """
        for _ in range(100):
            tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}{path.suffix}"
            self._staged[path] = tmp
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                self._staged.pop(path)  # another file's name: not ours to remove
                continue
            os.close(fd)
            return tmp
        msg = f"{path.parent}: no free name for a temporary file"
        raise ExportError(msg)

    def commit(self) -> None:
        """Rename every temporary file onto its target, or, when one rename fails, none.

        The old targets are kept as hard links (copies where the file system has none) until
        every rename has succeeded, and put back if one fails or the process is interrupted.
        Ctrl-C or SIGTERM may interrupt any line: the target being replaced, its backup's name
        (recorded before the backup exists) and its temporary file say how far it got.
        """
        replaced: list[tuple[Path, Path | None]] = []
        underway: list[Any] = [None, None, None]  # target, temporary file, backup of the rename under way
        try:
            for path, tmp in self._staged.items():
                underway[:] = [path, tmp, None]
                backup = _backup(path, record=lambda name: underway.__setitem__(2, name))
                os.replace(tmp, path)
                replaced.append((path, backup))
                underway[:] = [None, None, None]
        except BaseException as err:
            current, tmp, backup = underway
            if current is not None:
                if os.path.lexists(tmp):  # not renamed: its backup is not needed
                    _remove(backup)
                else:  # renamed, interrupted before it was counted: put back like the others
                    replaced.append((current, backup))
            kept = _roll_back(replaced)
            if isinstance(err, OSError) and not isinstance(err, MapperError) and current is not None:
                error = _write_error(current, err)
                if kept:
                    error = ExportError(f"{error}; could not put back {', '.join(kept)}")
                raise error from err
            raise
        for _path, backup in replaced:
            _remove(backup)
        self._staged.clear()

    def discard(self) -> None:
        """Remove the temporary files not committed (and SQLite's files beside them)."""
        for tmp in self._staged.values():
            _remove(tmp)
        self._staged.clear()


@contextlib.contextmanager
def atomic_outputs() -> Iterator[OutputSet]:
    """Group the outputs written in the block: all are committed at its end, or none.

    Every :func:`atomic_output` opened in the block (by :func:`conflictmap.writers.write_events`,
    :func:`conflictmap.pipeline.write_map` or directly) joins the group: its file is written to a
    temporary file, and renamed onto its target only when the whole block has succeeded. When the
    block fails or is interrupted (``KeyboardInterrupt``, ``SystemExit``), no target changes and
    the temporary files are removed. Groups do not nest: an inner group joins the outer one.

    Examples
    --------
    >>> with atomic_outputs():  # doctest: +SKIP
    ...     write_map(events, "map.html")
    ...     write_events(events, "map.geojson")
    """
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    outputs = OutputSet()
    token = _CURRENT.set(outputs)
    try:
        yield outputs
        outputs.commit()
    finally:
        _CURRENT.reset(token)
        outputs.discard()


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds.

    Inside :func:`atomic_outputs` the rename waits for the end of the group.

    Raises
    ------
    ExportError
        When ``path`` cannot be written (a folder, no permission, disk full), naming ``path``.
    """
    with atomic_outputs() as outputs, outputs.writing(Path(path)) as tmp:
        yield tmp


def check_outputs(
    outputs: Iterable[tuple[str, str | Path | None]],
    inputs: Iterable[tuple[str, str | Path | None]],
) -> None:
    """Refuse an output that is the same file as an input or as another output.

    Called before anything is read or written. Two paths are the same file when they resolve to
    the same path (symbolic links followed), or, when both exist, when they are the same inode
    (hard links).

    Parameters
    ----------
    outputs, inputs
        ``(option, path)`` pairs, e.g. ``("-o", "map.html")`` or ``("input", "events.csv")``;
        ``None`` and ``-`` (standard output) are skipped.

    Raises
    ------
    ConfigurationError
        Naming both options and paths.
    """
    outputs = list(outputs)
    streams = [what for what, p in outputs if is_stdout(p)]
    if len(streams) > 1:
        msg = f"{' and '.join(streams)} are both standard output (-); give one of them a file"
        raise ConfigurationError(msg)
    files = [(what, Path(p)) for what, p in outputs if p is not None and not is_stdout(p)]
    sources = [(what, Path(p)) for what, p in inputs if p is not None and not is_stdout(p)]
    for i, (what, path) in enumerate(files):
        for source_what, source in sources:
            if _same_file(path, source):
                msg = (
                    f"{what} {path} is the same file as the {source_what} {source}: writing it would "
                    "replace what is being read; choose another output file"
                )
                raise ConfigurationError(msg)
        for other_what, other in files[:i]:
            if _same_file(path, other):
                msg = f"{what} {path} and {other_what} {other} are the same file; give each output its own"
                raise ConfigurationError(msg)


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _roll_back(replaced: list[tuple[Path, Path | None]]) -> list[str]:
    """Put back the old targets (remove new ones); return what could not be, with its backup."""
    kept = []
    for path, backup in reversed(replaced):
        try:
            if backup is None:
                path.unlink()
            else:
                os.replace(backup, path)
        except OSError:
            kept.append(f"{path} (the old file is {backup})" if backup else str(path))
    return kept


def _backup(path: Path, *, record: Callable[[Path | None], object]) -> Path | None:
    """Keep the current ``path`` under a hidden name until the group is committed.

    The name is given to ``record`` before the file exists (and taken back when it turns out to
    be another file's), so that an interruption at any line leaves nothing unaccounted for.
    """
    if not os.path.lexists(path):
        return None
    for _ in range(100):
        backup = path.parent / f".{path.name}.{secrets.token_hex(6)}.old"
        record(backup)
        try:
            os.link(path, backup, follow_symlinks=False)
        except FileExistsError:
            record(None)  # another file's name: not ours to remove
            continue
        except OSError:  # a file system without hard links: copy
            if os.path.lexists(backup):
                record(None)
                continue
            shutil.copy2(path, backup, follow_symlinks=False)
        return backup
    msg = f"{path.parent}: no free name for a backup file"
    raise ExportError(msg)


def _remove(path: Path | None) -> None:
    if path is None:
        return
    for name in (str(path), *(str(path) + s for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _is_write_error(err: Exception) -> bool:
    # pyogrio raises its own errors (RuntimeError subclasses), not OSError, when GDAL fails.
    return isinstance(err, OSError) or type(err).__module__.startswith("pyogrio")


def _write_error(path: Path, err: Exception) -> ExportError:
    """Return an :class:`ExportError` naming ``path``, that says when the device is full."""
    detail = (err.strerror if isinstance(err, OSError) else None) or str(err) or type(err).__name__
    if len(detail) > _DETAIL_LIMIT:  # GDAL quotes whole SQL statements
        detail = detail[: _DETAIL_LIMIT - 3] + "..."
    code = err.errno if isinstance(err, OSError) else None
    if code in (errno.ENOSPC, errno.EDQUOT) or any(t in str(err).lower() for t in _NO_SPACE_TEXTS):
        if "no space left" in detail.lower():
            return ExportError(f"{path}: cannot write: {detail}")
        return ExportError(f"{path}: cannot write: no space left on the device ({detail})")
    free = _free_space(path.parent)
    if free is not None and free < _LOW_SPACE:
        return ExportError(
            f"{path}: cannot write: no space left on the device ({free // 1024} kB free): {detail}"
        )
    return ExportError(f"{path}: cannot write: {detail}")


def _free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
