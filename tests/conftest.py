from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_EVENTS = SHARED / "data" / "events"


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file (dedented) or bytes into tmp_path and return its path."""

    def _write(name: str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding=encoding)
        return path

    return _write


@pytest.fixture
def shared_events() -> Path:
    if not SHARED_EVENTS.is_dir():
        pytest.skip("../shared/data/events is not present")
    return SHARED_EVENTS
