"""Where the shipped data lives.

Only :func:`data_path` knows the layout: in a wheel the top-level ``data/`` folder is installed
as ``conflictmap/data``; in a checkout it sits beside the package. ``CONFLICTMAP_DATA_DIR``
overrides both, for packagers who ship the data elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

__all__ = ["data_path"]


@cache
def _data_dir() -> Path:
    override = os.environ.get("CONFLICTMAP_DATA_DIR")
    if override:
        return Path(override)
    # Installed (wheel or editable), data/ is the package conflictmap.data; it has no
    # __init__.py, so ask for its folder rather than for a resource reader.
    spec = importlib.util.find_spec("conflictmap.data")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "data"  # a bare checkout on sys.path


def data_path(name: str) -> Path:
    """Return the path of a shipped data file.

    Parameters
    ----------
    name
        Path relative to the data folder, with ``/`` separators (``"categories.yaml"``).

    Returns
    -------
    Path
        The file's path; it exists.

    Raises
    ------
    FileNotFoundError
        When the installation does not contain the file.
    """
    path = _data_dir().joinpath(*name.split("/"))
    if not path.exists():
        msg = f"shipped data file {name!r} not found under {_data_dir()}; reinstall conflictmap"
        raise FileNotFoundError(msg)
    return path
