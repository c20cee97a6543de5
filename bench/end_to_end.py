"""Time whole commands in fresh processes: the CLI, and plain geopandas scripts as baselines.

Both sides pay for starting Python and importing geopandas, as a user running them does. Each
command runs ``repeat`` times, the two sides taking turns (so that a load on the machine falls
on both), and the best time counts: wall time, and the CPU time (user + system) of the process,
which a machine shared with other jobs inflates less.
"""

from __future__ import annotations

import os
import resource
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: Sequence[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])}... failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, cpu


def best_times(commands: dict[str, Sequence[str]], *, repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall time and best CPU time of each command over ``repeat`` rounds, taking turns."""
    best = {label: (float("inf"), float("inf")) for label in commands}
    for _ in range(repeat):
        for label, command in commands.items():
            wall, cpu = _run(command)
            best[label] = (min(best[label][0], wall), min(best[label][1], cpu))
    return best
