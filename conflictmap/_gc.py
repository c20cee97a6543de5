"""Bulk work without the cyclic garbage collector walking the objects it makes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk_allocation"]


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block runs; collect as before after it.

    Reading and storing a file makes millions of objects (points, strings, arrays), none in a
    reference cycle. CPython starts a collection every 700 allocations and, ever more often as
    survivors pile up, a full one walking every tracked object: 0.5-1 s of the 5-6 s that
    reading, validating and locating 1,000,000 events takes (measured with the collector off,
    and with it on as a library caller leaves it). Memory is still freed by reference counting;
    the few cycles the block leaves wait for the next collection. Leaves the collector as it
    found it (a caller that turned it off keeps it off), and nests.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
