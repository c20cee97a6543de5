"""Time whole commands in fresh processes: the CLI, and plain geopandas scripts as baselines.

Both sides pay for starting Python and importing geopandas, as a user running them does. Each
command runs ``repeat`` times, the two sides taking turns (so that a load on the machine falls
on both), and the best time counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["CLI", "best_times", "python_script"]

ROOT = Path(__file__).resolve().parents[1]
# The conflictmap CLI of this checkout, whatever is installed.
CLI = [sys.executable, "-c", "from conflictmap.cli import main; main()"]


def python_script(code: str) -> list[str]:
    """Return the command that runs ``code`` in a fresh interpreter."""
    return [sys.executable, "-c", code]


def _run(command: Sequence[str]) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])}... failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def best_times(commands: dict[str, Sequence[str]], *, repeat: int) -> dict[str, float]:
    """Best wall time of each command over ``repeat`` rounds, the commands taking turns."""
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for label, command in commands.items():
            best[label] = min(best[label], _run(command))
    return best
