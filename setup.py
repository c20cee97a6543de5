"""Build conflictmap: the metadata is in pyproject.toml; this adds the optional compiled modules.

The modules on the hot path of ``conflictmap extract`` (words, names, phrases, dates, places and
event rules) stay plain Python, and are also compiled with Cython, unchanged, when the build can:
CPython then runs them without its bytecode interpreter, 1.15x faster on the news bench
(``bench/extract_speed.py``), with byte-identical output. SQLAlchemy ships its pure-Python
modules the same way. The ``.py`` files are installed too; an importer takes the compiled module
when there is one, so a build without a C compiler, without Cython, or with
``CONFLICTMAP_PURE_PYTHON=1`` set installs the same package in pure Python. A module that fails
to compile is left in Python with a warning; it never fails the install.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The modules ``bench/extract_speed.py`` spends its time in (py-spy, 2026-12-04). Compiling the
# rest of the package as well measured no faster.
COMPILED = [
    "conflictmap/extract/cues.py",
    "conflictmap/extract/dates.py",
    "conflictmap/extract/events.py",
    "conflictmap/extract/extractor.py",
    "conflictmap/extract/filters.py",
    "conflictmap/extract/frame.py",
    "conflictmap/extract/lexicon.py",
    "conflictmap/extract/mentions.py",
    "conflictmap/extract/merge.py",
    "conflictmap/extract/places.py",
    "conflictmap/extract/sentences.py",
    "conflictmap/extract/sites.py",
    "conflictmap/extract/windows.py",
    "geo/gazetteer.py",
    "geo/names.py",
    "geo/phrases.py",
    "geo/resolve.py",
]


class OptionalBuildExt(build_ext):
    """Compile what can be compiled; leave a module that cannot in Python."""

    def run(self) -> None:
        """Build every extension; with no compiler at all, warn and build none."""
        try:
            super().run()
        except Exception as error:  # no compiler at all: every module stays in Python
            print(f"warning: conflictmap is installed in pure Python ({error})", file=sys.stderr)

    def build_extension(self, ext) -> None:
        """Build one extension; when it fails, warn and leave its module in Python."""
        try:
            super().build_extension(ext)
        except Exception as error:
            print(f"warning: {ext.name} stays in pure Python ({error})", file=sys.stderr)


def extensions() -> list:
    """Return the compiled modules, or none when Cython is missing or not wanted."""
    if os.environ.get("CONFLICTMAP_PURE_PYTHON", "").strip() not in ("", "0"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("warning: Cython is not installed; conflictmap is installed in pure Python", file=sys.stderr)
        return []
    return cythonize(
        COMPILED,
        build_dir="build/cython",  # the generated C stays out of the source tree
        # Annotations are not C types here: the code keeps its Python semantics (a tuple passed
        # where a list is annotated still works), which the tests check in pure Python.
        compiler_directives={"language_level": 3, "annotation_typing": False},
        nthreads=os.cpu_count() or 1,
        quiet=True,
    )


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
)
